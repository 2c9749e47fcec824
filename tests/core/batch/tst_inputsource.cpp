// SPDX-License-Identifier: GPL-3.0-or-later
// jobpool::InputSource, InputPlan and expandPaths(): how a batch's inputs are read
// (`:::`, `::::`, stdin, -0), combined (cartesian in parallel's order, `:::+` linked, both
// checked against GNU parallel 20221122) and found on disk (folders walked with globs,
// hidden files, symlink loops, unreadable folders, names that are not UTF-8).
#include <jobpool/errors.h>
#include <jobpool/inputplan.h>
#include <jobpool/inputsource.h>
#include <jobpool/pathexpansion.h>

#include <QBuffer>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <climits>
#include <csignal>
#include <cstdio>
#include <thread>

#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

using jobpool::expandPaths;
using jobpool::InputError;
using jobpool::InputPlan;
using jobpool::InputSource;
using Separator = jobpool::InputSource::Separator;
using Args = QList<QByteArray>;

namespace {

bool writeFile(const QByteArray &path, const QByteArray &data)
{
    const int fd = ::open(path.constData(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return false;
    bool ok = ::write(fd, data.constData(), size_t(data.size())) == data.size();
    return ::close(fd) == 0 && ok;
}

/// Makes \a data the process's standard input while it lives: a pipe filled by a thread.
class StdinFrom
{
public:
    explicit StdinFrom(QByteArray data)
    {
        int fds[2];
        QVERIFY(::pipe2(fds, O_CLOEXEC) == 0);
        m_saved = ::dup(STDIN_FILENO);
        ::dup2(fds[0], STDIN_FILENO);
        ::close(fds[0]);
        m_writer = std::thread([fd = fds[1], data = std::move(data)] {
            for (qsizetype done = 0; done < data.size();) {
                const ssize_t n = ::write(fd, data.constData() + done, size_t(data.size() - done));
                if (n <= 0)
                    break; // the reader went away (SIGPIPE is ignored)
                done += n;
            }
            ::close(fd);
        });
    }
    ~StdinFrom()
    {
        ::dup2(m_saved, STDIN_FILENO); // closes the pipe's read end: a blocked writer returns
        ::close(m_saved);
        m_writer.join();
    }

private:
    int m_saved = -1;
    std::thread m_writer;
};

Args valuesOf(InputSource &source)
{
    return source.readAll();
}

QList<Args> jobsOf(InputPlan &plan)
{
    QList<Args> jobs;
    Args values;
    while (plan.next(values))
        jobs.append(values);
    return jobs;
}

QByteArray joined(const QList<Args> &jobs)
{
    QByteArray out;
    for (const Args &job : jobs)
        out += job.join(' ') + '|';
    return out;
}

} // namespace

class TestInputSource : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        std::signal(SIGPIPE, SIG_IGN); // StdinFrom's writer when a test stops reading early
        QVERIFY(m_dir.isValid());
        m_root = QFile::encodeName(m_dir.path());
    }

    void cleanupTestCase()
    {
        // QTemporaryDir removes through QString names and would leave "caf\xe9…" behind.
        const auto remove = [](const char *path, const struct stat *, int, FTW *) {
            return ::remove(path);
        };
        QCOMPARE(::nftw(m_root.constData(), remove, 32, FTW_DEPTH | FTW_PHYS), 0);
    }

    void literalList()
    {
        auto source = InputSource::fromList({"a", "", "b c", "line\nbreak", "caf\xe9"});
        QCOMPARE(source.count(), 5);
        QCOMPARE(source.name(), QByteArray(":::"));
        QByteArray first;
        QVERIFY(source.next(first));
        QCOMPARE(first, QByteArray("a"));
        // A ::: value with a newline stays one input (parallel 20221122 would split it).
        QCOMPARE(source.readAll(), (Args{"", "b c", "line\nbreak", "caf\xe9"}));
        QVERIFY(!source.next(first));
        QCOMPARE(source.count(), 5); // all of them, not those left
    }

    void records_data()
    {
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<bool>("nul");
        QTest::addColumn<Args>("values");
        // parallel -k -q printf '[%s]\n' :::: FILE, with and without -0.
        QTest::addRow("lines") << QByteArray("a\n\nb\r\nc") << false << Args{"a", "", "b\r", "c"};
        QTest::addRow("trailing newline") << QByteArray("a\nb\n") << false << Args{"a", "b"};
        QTest::addRow("empty file") << QByteArray() << false << Args{};
        QTest::addRow("one empty line") << QByteArray("\n") << false << Args{""};
        QTest::addRow("two empty lines") << QByteArray("\n\n") << false << Args{"", ""};
        QTest::addRow("odd bytes") << QByteArray("caf\xe9 'x' \"y\" $z;\t-n\n") << false
                                   << Args{"caf\xe9 'x' \"y\" $z;\t-n"};
        QTest::addRow("nul") << QByteArray("a\0\0b\nc\0d", 9) << true << Args{"a", "", "b\nc", "d"};
        QTest::addRow("nul terminated") << QByteArray("x\0y\0", 4) << true << Args{"x", "y"};
        QTest::addRow("nul, no nul") << QByteArray("one\ntwo\n") << true << Args{"one\ntwo\n"};
        const QByteArray longLine(200 * 1024, 'L'); // longer than the read buffer
        QTest::addRow("long line")
            << QByteArray("s\n" + longLine + "\nt") << false << Args{"s", longLine, "t"};
    }
    void records()
    {
        QFETCH(QByteArray, bytes);
        QFETCH(bool, nul);
        QFETCH(Args, values);
        const Separator separator = nul ? Separator::Nul : Separator::Newline;

        const QByteArray path = m_root + "/records";
        QVERIFY(writeFile(path, bytes));
        auto file = InputSource::fromFile(path, separator);
        QCOMPARE(file.count(), values.size());
        QCOMPARE(file.name(), path);
        QCOMPARE(valuesOf(file), values);

        QBuffer buffer(&bytes);
        QVERIFY(buffer.open(QIODevice::ReadOnly));
        auto device = InputSource::fromDevice(&buffer, separator, "buffer");
        QCOMPARE(device.count(), -1);
        QCOMPARE(valuesOf(device), values);

        {
            StdinFrom input(bytes);
            auto stdinSource = InputSource::fromStdin(separator);
            QCOMPARE(stdinSource.count(), -1); // a pipe
            QCOMPARE(stdinSource.name(), QByteArray("-"));
            QCOMPARE(valuesOf(stdinSource), values);
        }
        {
            StdinFrom input(bytes);
            auto dash = InputSource::fromFile("-", separator); // :::: - is stdin, as in parallel
            QCOMPARE(valuesOf(dash), values);
        }
    }

    void stdinRedirectedFromFileIsCounted()
    {
        const QByteArray path = m_root + "/stdin-file";
        QVERIFY(writeFile(path, "skipped\none\ntwo\n"));
        const int fd = ::open(path.constData(), O_RDONLY | O_CLOEXEC);
        QVERIFY(fd >= 0);
        QCOMPARE(::lseek(fd, 8, SEEK_SET), off_t(8)); // someone read the first line already
        const int saved = ::dup(STDIN_FILENO);
        ::dup2(fd, STDIN_FILENO);
        ::close(fd);
        Args values;
        qint64 count = 0;
        {
            auto source = InputSource::fromStdin();
            count = source.count();
            values = source.readAll();
        }
        ::dup2(saved, STDIN_FILENO);
        ::close(saved);
        QCOMPARE(count, 2);
        QCOMPARE(values, (Args{"one", "two"}));
    }

    void fileNamesAreBytes()
    {
        const QByteArray path = m_root + "/caf\xe9 list.txt";
        QVERIFY(writeFile(path, "x\ny\n"));
        auto source = InputSource::fromFile(path);
        QCOMPARE(source.readAll(), (Args{"x", "y"}));
    }

    void fileErrors()
    {
        const QByteArray missing = m_root + "/no such list.txt";
        try {
            InputSource::fromFile(missing);
            QFAIL("a missing file was accepted");
        } catch (const InputError &e) {
            QCOMPARE(e.path(), missing);
            QCOMPARE(e.message(), QStringLiteral("cannot open input file '%1': No such file or "
                                                 "directory")
                                      .arg(QString::fromUtf8(missing)));
        }
        try {
            InputSource::fromFile(m_root + "/caf\xe9-missing");
            QFAIL("a missing file was accepted");
        } catch (const InputError &e) {
            QVERIFY2(e.message().contains(QStringLiteral("$'") + QString::fromUtf8(m_root)
                                          + QStringLiteral("/caf\\xe9-missing'")),
                     qPrintable(e.message())); // readable, not mojibake
        }
        try {
            InputSource::fromFile(m_root);
            QFAIL("a folder was accepted");
        } catch (const InputError &e) {
            QVERIFY2(e.message().contains(QStringLiteral("Is a directory")),
                     qPrintable(e.message()));
        }
        QVERIFY_THROWS_EXCEPTION(InputError, InputSource::fromFile(QByteArray()));
    }

    void unreadableFile()
    {
        const QByteArray path = m_root + "/secret.txt";
        QVERIFY(writeFile(path, "x\n"));
        QCOMPARE(::chmod(path.constData(), 0), 0);
        const int probe = ::open(path.constData(), O_RDONLY | O_CLOEXEC);
        if (probe >= 0) {
            ::close(probe);
            QSKIP("running with CAP_DAC_OVERRIDE (root): mode 000 does not stop reading");
        }
        try {
            InputSource::fromFile(path);
            QFAIL("an unreadable file was accepted");
        } catch (const InputError &e) {
            QVERIFY2(e.message().contains(QStringLiteral("Permission denied")),
                     qPrintable(e.message()));
        }
    }

    void combinations_data()
    {
        QTest::addColumn<QList<Args>>("sources");
        QTest::addColumn<QList<bool>>("linked");   // per source: added with :::+
        QTest::addColumn<QByteArray>("jobs");      // from parallel -k echo …, '|' after each job
        QTest::addColumn<qint64>("streamedCount"); // count() with the first source on a pipe
        auto add = [](const char *name, const QList<Args> &sources, const QList<bool> &linked,
                      const char *jobs, qint64 streamedCount = -1) {
            QTest::addRow("%s", name) << sources << linked << QByteArray(jobs) << streamedCount;
        };
        add("::: a b ::: c d", {{"a", "b"}, {"c", "d"}}, {false, false}, "a c|a d|b c|b d|");
        add("three sources", {{"a", "b"}, {"1", "2"}, {"x", "y"}}, {false, false, false},
            "a 1 x|a 1 y|a 2 x|a 2 y|b 1 x|b 1 y|b 2 x|b 2 y|");
        add("::: a b c :::+ 1 2", {{"a", "b", "c"}, {"1", "2"}}, {false, true}, "a 1|b 2|");
        add("::: a b :::+ 1 2 3 4 5", {{"a", "b"}, {"1", "2", "3", "4", "5"}}, {false, true},
            "a 1|b 2|");
        add("::: a b ::: x y :::+ 1 2", {{"a", "b"}, {"x", "y"}, {"1", "2"}}, {false, false, true},
            "a x 1|a y 2|b x 1|b y 2|");
        add("::: a b :::+ 1 2 ::: X Y", {{"a", "b"}, {"1", "2"}, {"X", "Y"}}, {false, true, false},
            "a 1 X|a 1 Y|b 2 X|b 2 Y|");
        add(":::+ a b ::: 1 2", {{"a", "b"}, {"1", "2"}}, {true, false}, "a 1|a 2|b 1|b 2|");
        add("::: a b ::: x y z :::+ 1 2 :::+ P Q R S",
            {{"a", "b"}, {"x", "y", "z"}, {"1", "2"}, {"P", "Q", "R", "S"}},
            {false, false, true, true}, "a x 1 P|a y 2 Q|b x 1 P|b y 2 Q|");
        // Our choice, not parallel's: an empty source empties the product (parallel runs
        // "1 " and "2 " here, an empty string standing in for the missing value).
        add("::: 1 2 :::: empty", {{"1", "2"}, {}}, {false, false}, "", 0);
        add(":::: empty ::: 1", {{}, {"1"}}, {false, false}, "");
        add("::: 1 2 :::+ empty", {{"1", "2"}, {}}, {false, true}, "", 0);
        add("one empty source", {{}}, {false}, "");
    }
    void combinations()
    {
        QFETCH(QList<Args>, sources);
        QFETCH(QList<bool>, linked);
        QFETCH(QByteArray, jobs);
        QFETCH(qint64, streamedCount);
        const qint64 expectedCount = jobs.count('|');

        // From lists, where every count is known at once …
        InputPlan plan;
        for (qsizetype i = 0; i < sources.size(); ++i)
            plan.add(InputSource::fromList(sources[i]),
                     linked[i] ? InputPlan::Link::Linked : InputPlan::Link::Product);
        QCOMPARE(plan.sourceCount(), sources.size());
        QCOMPARE(plan.count(), expectedCount);
        QCOMPARE(joined(jobsOf(plan)), jobs);
        Args values;
        QVERIFY(!plan.next(values)); // stays done

        // … and with the first source streamed from a device that cannot tell its count.
        QByteArray bytes = sources[0].join('\n');
        if (!sources[0].isEmpty())
            bytes += '\n';
        QBuffer buffer(&bytes);
        QVERIFY(buffer.open(QIODevice::ReadOnly));
        InputPlan streamed;
        streamed.add(InputSource::fromDevice(&buffer, Separator::Newline, "buffer"));
        for (qsizetype i = 1; i < sources.size(); ++i)
            streamed.add(InputSource::fromList(sources[i]),
                         linked[i] ? InputPlan::Link::Linked : InputPlan::Link::Product);
        // Unknown, unless another source already settles it at zero.
        QCOMPARE(streamed.count(), streamedCount);
        QCOMPARE(joined(jobsOf(streamed)), jobs);
    }

    void laterSourcesAreReadWhenAdded()
    {
        InputPlan plan;
        plan.add(InputSource::fromList({"a"}));
        QVERIFY_THROWS_EXCEPTION(InputError,
                                 plan.add(InputSource::fromFile(m_root + "/missing.txt")));
        InputPlan empty;
        Args values;
        QCOMPARE(empty.count(), 0);
        QVERIFY(!empty.next(values));
    }

    void aMillionInputs()
    {
        // Functional only (no timing here: see tests/benchmarks/bench_inputs.cpp).
        constexpr int Count = 1'000'000;
        QByteArray bytes;
        bytes.reserve(Count * 16);
        for (int i = 1; i <= Count; ++i)
            bytes += "dir/file-" + QByteArray::number(i) + ".txt\n";
        const QByteArray path = m_root + "/million.txt";
        QVERIFY(writeFile(path, bytes));
        bytes.clear();

        InputPlan plan;
        plan.add(InputSource::fromFile(path));
        QCOMPARE(plan.count(), Count);
        Args values;
        qint64 n = 0;
        QByteArray last;
        while (plan.next(values)) {
            ++n;
            last = values[0];
        }
        QCOMPARE(n, Count);
        QCOMPARE(last, QByteArray("dir/file-1000000.txt"));

        // 1000 × 1000 from two lists: a million combinations, none of them stored.
        Args thousand;
        for (int i = 0; i < 1000; ++i)
            thousand.append(QByteArray::number(i));
        InputPlan product;
        product.add(InputSource::fromList(thousand));
        product.add(InputSource::fromList(thousand));
        QCOMPARE(product.count(), Count);
        n = 0;
        Args at1001, lastValues;
        while (product.next(values)) {
            if (n == 1001)
                at1001 = values;
            lastValues = values;
            ++n;
        }
        QCOMPARE(n, Count);
        QCOMPARE(at1001, (Args{"1", "1"}));
        QCOMPARE(lastValues, (Args{"999", "999"}));
    }

    // expandPaths() over a fixture tree (made in makeTree()):
    //   .git/config  .hidden.jpg  a.jpg  alias.txt -> b.txt  b.txt  caf\xe9.jpg
    //   dangling -> nowhere  fifo  sub/{c.jpg, deeper/d.jpg, loop -> ..}  "z dir/e f.jpg"
    void expandFolders_data()
    {
        makeTree();
        QTest::addColumn<Args>("include");
        QTest::addColumn<Args>("exclude");
        QTest::addColumn<bool>("recursive");
        QTest::addColumn<Args>("files"); // relative to the tree
        const Args all{".git/config",  ".hidden.jpg", "a.jpg",     "alias.txt",
                       "b.txt",        "caf\xe9.jpg", "sub/c.jpg", "sub/deeper/d.jpg",
                       "z dir/e f.jpg"};
        QTest::addRow("everything, sorted, hidden too") << Args{} << Args{} << true << all;
        QTest::addRow("*.jpg") << Args{"*.jpg"} << Args{} << true
                               << Args{".hidden.jpg",      "a.jpg",
                                       "caf\xe9.jpg",      "sub/c.jpg",
                                       "sub/deeper/d.jpg", "z dir/e f.jpg"};
        QTest::addRow("*.jpg but not hidden")
            << Args{"*.jpg"} << Args{".*"} << true
            << Args{"a.jpg", "caf\xe9.jpg", "sub/c.jpg", "sub/deeper/d.jpg", "z dir/e f.jpg"};
        QTest::addRow("two includes") << Args{"*.txt", "config"} << Args{} << true
                                      << Args{".git/config", "alias.txt", "b.txt"};
        QTest::addRow("excluded folders are pruned")
            << Args{} << Args{"sub", "z *"} << true
            << Args{".git/config", ".hidden.jpg", "a.jpg", "alias.txt", "b.txt", "caf\xe9.jpg"};
        QTest::addRow("exclude a nested folder")
            << Args{} << Args{"deeper"} << true
            << Args{".git/config", ".hidden.jpg", "a.jpg",     "alias.txt",
                    "b.txt",       "caf\xe9.jpg", "sub/c.jpg", "z dir/e f.jpg"};
        QTest::addRow("exclude wins") << Args{"*.jpg"} << Args{"a.*", "?.jpg"} << true
                                      << Args{".hidden.jpg", "caf\xe9.jpg", "z dir/e f.jpg"};
        QTest::addRow("brackets") << Args{"[ab].*"} << Args{} << true << Args{"a.jpg", "b.txt"};
        QTest::addRow("glob with a byte that is not UTF-8")
            << Args{"caf\xe9.*"} << Args{} << true << Args{"caf\xe9.jpg"};
        QTest::addRow("not recursive")
            << Args{} << Args{} << false
            << Args{".hidden.jpg", "a.jpg", "alias.txt", "b.txt", "caf\xe9.jpg"};
    }
    void expandFolders()
    {
        QFETCH(Args, include);
        QFETCH(Args, exclude);
        QFETCH(bool, recursive);
        QFETCH(Args, files);
        const auto found = expandPaths({m_tree}, include, exclude, recursive);
        Args relative;
        for (const QByteArray &file : found.files) {
            QVERIFY2(file.startsWith(QByteArray(m_tree + '/')), file.constData());
            relative.append(file.sliced(m_tree.size() + 1));
        }
        QCOMPARE(relative, files);

        // Things skipped say so; a pruned folder's own warnings go with it.
        QStringList warnings;
        for (const auto &w : found.warnings) {
            QVERIFY2(w.message.startsWith(QString::fromUtf8(w.path) + u':'), qPrintable(w.message));
            warnings.append(QString::fromUtf8(w.path.sliced(m_tree.size() + 1)) + u'|'
                            + w.message.sliced(w.path.size() + 2));
        }
        const QString tree = QString::fromUtf8(m_tree);
        QStringList expected{QStringLiteral("dangling|symbolic link to nothing; skipped"),
                             QStringLiteral("fifo|not a regular file; skipped")};
        if (recursive && !exclude.contains("sub"))
            expected.append(
                QStringLiteral("sub/loop|symbolic link loop back to %1; not followed").arg(tree));
        QCOMPARE(warnings, expected);
    }

    void expandGivenPaths()
    {
        makeTree();
        const QByteArray b = m_tree + "/b.txt";
        const QByteArray missing = m_tree + "/missing.txt";
        // Files are kept as given (a missing one fails its own job later), once each, in
        // the order first met; folders are walked; globs apply to given files too.
        const auto found = expandPaths({b, m_tree + "/", missing, b}, {"*.txt"});
        QCOMPARE(found.files, (Args{b, m_tree + "/alias.txt", missing}));
        QCOMPARE(expandPaths({b}, {"*.jpg"}).files, Args{});
        const auto one = expandPaths({missing});
        QCOMPARE(one.files, Args{missing});
        QVERIFY(one.warnings.isEmpty());
        QCOMPARE(expandPaths({}).files, Args{});
    }

    void sameFolderTwice()
    {
        const QByteArray target = m_root + "/target";
        const QByteArray links = m_root + "/links";
        QVERIFY(::mkdir(target.constData(), 0755) == 0);
        QVERIFY(::mkdir(links.constData(), 0755) == 0);
        QVERIFY(writeFile(target + "/x.txt", "x"));
        QVERIFY(::symlink("../target", QByteArray(links + "/l1").constData()) == 0);
        QVERIFY(::symlink("../target", QByteArray(links + "/l2").constData()) == 0);
        const auto found = expandPaths({links, target});
        QCOMPARE(found.files, Args{links + "/l1/x.txt"});
        QCOMPARE(found.warnings.size(), 2);
        QCOMPARE(found.warnings[0].path, links + "/l2");
        QCOMPARE(found.warnings[0].message,
                 QStringLiteral("%1/l2: same folder as %1/l1, already listed; skipped")
                     .arg(QString::fromUtf8(links)));
        QCOMPARE(found.warnings[1].path, target);
    }

    void folderTooDeep()
    {
        // A folder whose path is longer than PATH_MAX cannot be opened, even by root: the
        // one way to see "cannot read folder" when the tests run as root.
        const QByteArray base = m_root + "/deep";
        QVERIFY(::mkdir(base.constData(), 0755) == 0);
        QVERIFY(writeFile(base + "/top.txt", "t"));
        const QByteArray level(50, 'd');
        std::vector<int> fds{::open(base.constData(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
        for (int i = 0; i < 100 && fds.back() >= 0; ++i) { // 5,100 bytes of path
            ::mkdirat(fds.back(), level.constData(), 0755);
            fds.push_back(
                ::openat(fds.back(), level.constData(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        }
        const bool made = fds.back() >= 0;
        const auto found = made ? expandPaths({base}) : jobpool::ExpandedPaths{};
        // Remove the chain from the bottom up: QTemporaryDir cannot reach that far.
        for (std::size_t i = fds.size() - 1; i > 0; --i) {
            ::close(fds[i]);
            ::unlinkat(fds[i - 1], level.constData(), AT_REMOVEDIR);
        }
        ::close(fds[0]);
        QVERIFY(made);
        QCOMPARE(found.files, Args{base + "/top.txt"});
        QCOMPARE(found.warnings.size(), 1);
        QVERIFY(found.warnings[0].path.size() >= PATH_MAX);
        QVERIFY2(found.warnings[0].message.endsWith(
                     QStringLiteral(": cannot read folder: File name too long")),
                 qPrintable(found.warnings[0].message));
    }

    void unreadableFolder()
    {
        const QByteArray parent = m_root + "/parent";
        const QByteArray locked = parent + "/locked";
        QVERIFY(::mkdir(parent.constData(), 0755) == 0);
        QVERIFY(::mkdir(locked.constData(), 0755) == 0);
        QVERIFY(writeFile(parent + "/a.txt", "a"));
        QVERIFY(writeFile(locked + "/inside.txt", "i"));
        QCOMPARE(::chmod(locked.constData(), 0), 0);
        const auto found = expandPaths({parent});
        ::chmod(locked.constData(), 0755); // let QTemporaryDir clean up
        if (found.warnings.isEmpty())
            QSKIP("running with CAP_DAC_OVERRIDE (root): mode 000 does not stop reading");
        QCOMPARE(found.files, Args{parent + "/a.txt"});
        QCOMPARE(found.warnings.size(), 1);
        QCOMPARE(found.warnings[0].path, locked);
        QCOMPARE(found.warnings[0].message,
                 QString::fromUtf8(locked)
                     + QStringLiteral(": cannot read folder: Permission denied"));
    }

private:
    void makeTree()
    {
        if (!m_tree.isEmpty())
            return;
        m_tree = m_root + "/tree";
        const QByteArray t = m_tree;
        for (const char *folder : {"", "/.git", "/sub", "/sub/deeper", "/z dir"})
            QVERIFY(::mkdir(QByteArray(t + folder).constData(), 0755) == 0);
        for (const char *file : {"/.git/config", "/.hidden.jpg", "/a.jpg", "/b.txt", "/caf\xe9.jpg",
                                 "/sub/c.jpg", "/sub/deeper/d.jpg", "/z dir/e f.jpg"})
            QVERIFY(writeFile(t + file, file));
        QVERIFY(::symlink("b.txt", QByteArray(t + "/alias.txt").constData()) == 0);
        QVERIFY(::symlink("nowhere", QByteArray(t + "/dangling").constData()) == 0);
        QVERIFY(::symlink("..", QByteArray(t + "/sub/loop").constData()) == 0);
        QVERIFY(::mkfifo(QByteArray(t + "/fifo").constData(), 0644) == 0);
    }

    QTemporaryDir m_dir;
    QByteArray m_root;
    QByteArray m_tree;
};

QTEST_GUILESS_MAIN(TestInputSource)
#include "tst_inputsource.moc"
