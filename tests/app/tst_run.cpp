// SPDX-License-Identifier: GPL-3.0-or-later
// `jobpool run`, `history` and `show` end to end: the real executables (jobpool and the
// jobpool-worker next to it), started as a user starts them, each test with its own job
// store and logs in a temporary folder. Jobs that must wait do so inside their own
// command, on files the test creates; the test itself never sleeps.
#include "testsupport.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QSet>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <csignal>
#include <memory>

#include <unistd.h>

namespace test = jobpool::test;
using namespace Qt::StringLiterals;

namespace {

constexpr int kPatience = 60000; // ms: a loaded two-core machine, maybe under ASan

/// How one run of the jobpool executable went.
struct Outcome
{
    bool finished = false;
    int exitCode = -1;
    QProcess::ExitStatus status = QProcess::NormalExit;
    QByteArray out;
    QByteArray err;

    /// For failure messages: the exit code and both streams.
    QByteArray describe() const
    {
        return "exit " + QByteArray::number(exitCode) + (finished ? "" : " (did not finish)")
               + "\n--- stdout:\n" + out.left(4000) + "\n--- stderr:\n" + err.left(4000);
    }
};

QStringList words(std::initializer_list<const char *> list)
{
    QStringList all;
    for (const char *word : list)
        all.append(QString::fromUtf8(word));
    return all;
}

QByteArray readAll(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

bool writeAll(const QString &path, const QByteArray &bytes)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly) && file.write(bytes) == bytes.size();
}

QList<QByteArray> lines(const QByteArray &text)
{
    QList<QByteArray> all = text.split('\n');
    if (!all.isEmpty() && all.back().isEmpty())
        all.removeLast();
    return all;
}

QList<QByteArray> sorted(QList<QByteArray> list)
{
    std::sort(list.begin(), list.end());
    return list;
}

/// The job with this seq in `show --json`'s output.
QJsonObject jobOf(const QJsonObject &shown, int seq)
{
    for (const QJsonValue &job : shown.value(u"jobs").toArray()) {
        if (job.toObject().value(u"seq").toInt() == seq)
            return job.toObject();
    }
    return {};
}

/// A job's input \a index as the exact bytes: the base64 field when the text is lossy.
QByteArray inputBytes(const QJsonObject &job, int index = 0)
{
    if (job.contains(u"inputsBase64"))
        return QByteArray::fromBase64(
            job.value(u"inputsBase64").toArray().at(index).toString().toLatin1());
    return job.value(u"inputs").toArray().at(index).toString().toUtf8();
}

QString state(const QJsonObject &job)
{
    return job.value(u"state").toString();
}

/// Never started: still pending, or skipped because the batch stopped first.
bool neverRan(const QJsonObject &job)
{
    return (state(job) == u"pending" || state(job) == u"skipped")
           && job.value(u"attempts").toInt() == 0 && job.value(u"lastAttempt").isNull();
}

qint64 startedAtMs(const QJsonObject &job)
{
    const QString text = job.value(u"lastAttempt").toObject().value(u"startedAt").toString();
    return QDateTime::fromString(text, Qt::ISODateWithMs).toMSecsSinceEpoch();
}

QStringList repeated(const QString &value, int times)
{
    QStringList list;
    for (int i = 0; i < times; ++i)
        list.append(value);
    return list;
}

QStringList numbers(int from, int to)
{
    QStringList list;
    for (int i = from; i <= to; ++i)
        list.append(QString::number(i));
    return list;
}

/// Live processes whose working directory is \a dir or below: every job and worker of
/// these tests runs in the test's temporary folder, whoever its parent is by now.
QList<pid_t> processesWorkingIn(const QString &dir)
{
    const QByteArray root = QFile::encodeName(QFileInfo(dir).canonicalFilePath());
    QList<pid_t> found;
    const QStringList entries = QDir(u"/proc"_s).entryList(QDir::Dirs);
    for (const QString &entry : entries) {
        bool ok = false;
        const pid_t pid = pid_t(entry.toInt(&ok));
        if (!ok || pid == ::getpid())
            continue;
        char target[4096];
        const QByteArray link = QFile::encodeName(u"/proc/%1/cwd"_s.arg(pid));
        const ssize_t n = ::readlink(link.constData(), target, sizeof target);
        if (n <= 0)
            continue;
        const QByteArray cwd(target, n);
        if ((cwd == root || cwd.startsWith(QByteArray(root + '/'))) && test::processAlive(pid))
            found.append(pid);
    }
    return found;
}

bool allDead(const QList<pid_t> &pids)
{
    return std::none_of(pids.begin(), pids.end(), [](pid_t p) { return test::processAlive(p); });
}

} // namespace

class TestRun : public QObject
{
    Q_OBJECT

    std::unique_ptr<QTemporaryDir> m_dir;
    QStringList m_shm;

    QString path(const QString &name) const { return m_dir->filePath(name); }
    QString db() const { return path(u"jobs.sqlite"_s); }
    QString results() const { return path(u"results"_s); }

    /// Starts `jobpool ARGUMENTS` in the temporary folder, with a data directory there
    /// too: should an argument list ever lack --db, the user's store stays untouched.
    void start(QProcess &p, const QStringList &arguments, const QString &folder = {}) const
    {
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(u"XDG_DATA_HOME"_s, path(u"xdg-data"_s));
        p.setProcessEnvironment(env);
        p.setWorkingDirectory(folder.isEmpty() ? m_dir->path() : folder);
        p.start(QStringLiteral(JOBPOOL_BINARY), arguments);
    }

    /// `jobpool run --db … --results-dir … ARGUMENTS`, as a list.
    QStringList runArguments(const QStringList &arguments) const
    {
        return QStringList{u"run"_s, u"--db"_s, db(), u"--results-dir"_s, results()} + arguments;
    }

    Outcome finish(QProcess &p) const
    {
        Outcome o;
        o.finished = p.waitForFinished(kPatience);
        if (!o.finished) {
            p.kill();
            p.waitForFinished(kPatience);
        }
        o.exitCode = p.exitCode();
        o.status = p.exitStatus();
        o.out = p.readAllStandardOutput();
        o.err = p.readAllStandardError();
        return o;
    }

    Outcome jobpool(const QStringList &arguments) const
    {
        QProcess p;
        start(p, arguments);
        return finish(p);
    }

    Outcome run(const QStringList &arguments) const { return jobpool(runArguments(arguments)); }

    /// `jobpool history --json` / `jobpool show N --json`, parsed; empty on failure (with
    /// a warning saying why), which the checks that follow then report.
    QJsonDocument readJson(const QStringList &arguments) const
    {
        const Outcome o = jobpool(arguments + QStringList{u"--db"_s, db(), u"--json"_s});
        QJsonParseError error{};
        const QJsonDocument json = QJsonDocument::fromJson(o.out, &error);
        if (o.exitCode != 0 || error.error != QJsonParseError::NoError)
            qWarning("jobpool %s: %s", qPrintable(arguments.join(u' ')), o.describe().constData());
        return json;
    }
    QJsonArray history() const { return readJson(words({"history"})).array(); }
    QJsonObject show(qint64 batch) const
    {
        return readJson({u"show"_s, QString::number(batch)}).object();
    }

private slots:
    void initTestCase() { test::installProcessLeakGuard(); }

    void init()
    {
        m_dir = std::make_unique<QTemporaryDir>();
        QVERIFY(m_dir->isValid());
        m_shm = test::sharedMemoryEntries();
    }

    void cleanup()
    {
        // Keep what a failed test left, for a look.
        if (QTest::currentTestFailed()) {
            m_dir->setAutoRemove(false);
            qWarning("kept %s", qPrintable(m_dir->path()));
        }
        const auto dir = std::move(m_dir);
        const QString left = test::leftovers(20000);
        QVERIFY2(left.isEmpty(), qPrintable(left));
        // Workers and jobs orphaned by a kill are no children of ours: found by their folder.
        const QList<pid_t> strays = processesWorkingIn(dir->path());
        if (!QTest::qWaitFor([&] { return allDead(strays); }, 20000)) {
            QStringList pids;
            for (pid_t pid : strays) {
                ::kill(pid, SIGKILL);
                pids.append(QString::number(pid));
            }
            QFAIL(qPrintable(u"processes left behind: "_s + pids.join(u' ')));
        }
        // Suites running at the same time may create /dev/shm entries of their own for a
        // moment; none of ours may stay.
        const QSet<QString> before(m_shm.cbegin(), m_shm.cend());
        const auto added = [&] {
            const QStringList now = test::sharedMemoryEntries();
            return QSet<QString>(now.cbegin(), now.cend()).subtract(before);
        };
        QTRY_VERIFY_WITH_TIMEOUT(added().isEmpty(), 10000);
        QVERIFY2(!QFileInfo::exists(dir->filePath(u"xdg-data"_s)),
                 "something used the default job store");
    }

    // 1. The basics, and what history and show say about them, for people and scripts.
    void echoThreeInputs()
    {
        const Outcome o = run(words({"echo", ":::", "a", "b", "c"}));
        QVERIFY2(o.exitCode == 0 && o.status == QProcess::NormalExit, o.describe());
        QCOMPARE(sorted(lines(o.out)), (QList<QByteArray>{"a", "b", "c"}));

        const Outcome h = jobpool({u"history"_s, u"--db"_s, db()});
        QVERIFY2(h.exitCode == 0, h.describe());
        QVERIFY2(QRegularExpression(u"(?m)^1 +[-0-9]+ [:0-9]+ +finished +3/3 done +echo$"_s)
                     .match(QString::fromUtf8(h.out))
                     .hasMatch(),
                 h.describe());

        const Outcome s = jobpool({u"show"_s, u"--db"_s, db(), u"1"_s});
        QVERIFY2(s.exitCode == 0, s.describe());
        const QString text = QString::fromUtf8(s.out);
        QVERIFY2(text.startsWith(u"batch 1: echo\n"), s.describe());
        QVERIFY2(text.contains(u"finished, 3/3 done"), s.describe());
        for (const QString &row :
             words({"1 +done +0 +1 .* a", "2 +done +0 +1 .* b", "3 +done +0 +1 .* c"})) {
            QVERIFY2(QRegularExpression(u"(?m)^" + row + u'$').match(text).hasMatch(),
                     qPrintable(row + u'\n' + text));
        }

        const QJsonArray batches = history();
        QCOMPARE(batches.size(), 1);
        const QJsonObject batch = batches.at(0).toObject();
        QCOMPARE(batch.value(u"id").toInt(), 1);
        QCOMPARE(batch.value(u"state").toString(), u"finished");
        QCOMPARE(batch.value(u"template").toArray(), QJsonArray{u"echo"_s});
        QCOMPARE(batch.value(u"counts").toObject().value(u"done").toInt(), 3);
        QCOMPARE(batch.value(u"counts").toObject().value(u"total").toInt(), 3);
        QVERIFY(batch.value(u"logDirectory").toString().startsWith(results()));

        const QJsonObject shown = show(1);
        QCOMPARE(shown.value(u"id").toInt(), 1);
        QCOMPARE(shown.value(u"jobs").toArray().size(), 3);
        const QByteArray inputs[] = {"a", "b", "c"};
        for (int seq = 1; seq <= 3; ++seq) {
            const QJsonObject job = jobOf(shown, seq);
            QCOMPARE(state(job), u"done");
            QCOMPARE(job.value(u"exitCode").toInt(-1), 0);
            QCOMPARE(job.value(u"attempts").toInt(), 1);
            QCOMPARE(inputBytes(job), inputs[seq - 1]);
            const QJsonObject attempt = job.value(u"lastAttempt").toObject();
            QCOMPARE(attempt.value(u"outcome").toString(), u"done");
            QCOMPARE(readAll(attempt.value(u"stdout").toString()), inputs[seq - 1] + '\n');
        }
    }

    // 2. -k prints in input order whatever order the jobs end in; without it, as they end.
    void keepOrder_data()
    {
        QTest::addColumn<bool>("keep");
        QTest::newRow("-k") << true;
        QTest::newRow("as they finish") << false;
    }
    void keepOrder()
    {
        QFETCH(bool, keep);
        // The first job ends only once jobpool has seen the two after it end: their lines are
        // in the joblog (header + 2), which jobpool writes after printing a job's output.
        const QString script = QStringLiteral(
            "case {} in 3) until [ \"$(cat jl 2>/dev/null | wc -l)\" -ge 3 ]; do sleep 0.02; "
            "done;; esac; echo {}");
        QStringList args{u"-j3"_s, u"--joblog"_s, u"jl"_s, u"sh"_s, u"-c"_s,
                         script,   u":::"_s,      u"3"_s,  u"1"_s,  u"2"_s};
        if (keep)
            args.prepend(u"-k"_s);
        const Outcome o = run(args);
        QVERIFY2(o.exitCode == 0, o.describe());
        if (keep) {
            QCOMPARE(o.out, QByteArray("3\n1\n2\n"));
        } else {
            QCOMPARE(sorted(lines(o.out)), (QList<QByteArray>{"1", "2", "3"}));
            QCOMPARE(lines(o.out).back(), QByteArray("3"));
        }
    }

    // 2. --tag as parallel writes it: `parallel --tag echo ::: a b ::: 1 2` gives "a 1\ta 1".
    void tag()
    {
        const Outcome o = run(words({"-k", "--tag", "echo", ":::", "a", "b", ":::", "1", "2"}));
        QVERIFY2(o.exitCode == 0, o.describe());
        QCOMPARE(o.out, QByteArray("a 1\ta 1\na 2\ta 2\nb 1\tb 1\nb 2\tb 2\n"));
    }

    // A line of several MiB is printed in pieces, not held whole, yet tagged once and
    // ended once, with or without its own newline.
    void tagVeryLongLines()
    {
        const Outcome o = run(words({"-k", "--tag", "sh", "-c",
                                     "head -c 3000000 /dev/zero | tr '\\0' x; "
                                     "[ {} = ended ] && echo; echo next",
                                     ":::", "ended", "open"}));
        QVERIFY2(o.exitCode == 0, o.describe());
        const QByteArray line(3000000, 'x');
        QCOMPARE(o.out, "ended\t" + line + "\nended\tnext\nopen\t" + line + "next\n");
    }

    // 3. The exit status is the number of failed jobs, at most 101.
    void exitStatus_data()
    {
        QTest::addColumn<QStringList>("codes");
        QTest::addColumn<int>("expected");
        QTest::newRow("none failed") << words({"0", "0", "0"}) << 0;
        QTest::newRow("two failed") << words({"0", "3", "0", "1"}) << 2;
        QTest::newRow("a crash counts") << words({"0", "crash"}) << 1;
        QTest::newRow("100 failed") << repeated(u"1"_s, 100) << 100;
        QTest::newRow("102 failed") << repeated(u"1"_s, 100) + words({"2", "0", "7"}) << 101;
    }
    void exitStatus()
    {
        QFETCH(QStringList, codes);
        QFETCH(int, expected);
        // `testapp exit N`, or `testapp crash`: the mode and its number from one input.
        const QString script = QStringLiteral("if [ {} = crash ]; then exec \"$0\" crash; "
                                              "else exec \"$0\" exit {}; fi");
        const Outcome o =
            run(QStringList{u"sh"_s, u"-c"_s, script, test::testAppPath(), u":::"_s} + codes);
        QVERIFY2(o.finished && o.status == QProcess::NormalExit, o.describe());
        QVERIFY2(o.exitCode == expected, o.describe());
        const QJsonObject counts = history().at(0).toObject().value(u"counts").toObject();
        QCOMPARE(counts.value(u"total").toInt(), codes.size());
        QCOMPARE(counts.value(u"failed").toInt(), int(codes.size() - codes.count(u"0"_s)));
    }

    // 3. A command line that makes no sense: 255, a message saying why, nothing run.
    void usageErrors_data()
    {
        QTest::addColumn<QStringList>("arguments");
        QTest::addColumn<QStringList>("message");
        QTest::newRow("unknown replacement string")
            << words({"touch", "ran", "{x}", ":::", "1"})
            << words({"\"touch ran {x}\"", "\"{x}\"", "argument 3", "position 0"});
        QTest::newRow("unbalanced brace")
            << words({"touch", "ran", "a}{}", ":::", "1"})
            << words({"\"touch ran a}{}\"", "\"}\"", "argument 3", "position 1"});
        QTest::newRow("unknown option")
            << words({"--frobnicate", "touch", "ran", ":::", "1"}) << words({"'--frobnicate'"});
        QTest::newRow("bad --retries")
            << words({"--retries", "x", "touch", "ran", ":::", "1"}) << words({"--retries", "'x'"});
        QTest::newRow("no command") << words({":::", "1"}) << words({"no command"});
    }
    void usageErrors()
    {
        QFETCH(QStringList, arguments);
        QFETCH(QStringList, message);
        const Outcome o = run(arguments);
        QVERIFY2(o.exitCode == 255 && o.status == QProcess::NormalExit, o.describe());
        QVERIFY2(o.out.isEmpty(), o.describe());
        for (const QString &part : message)
            QVERIFY2(o.err.contains(part.toUtf8()), o.describe());
        QVERIFY(!QFileInfo::exists(path(u"ran"_s)));
        if (QFileInfo::exists(db()))
            QCOMPARE(history().size(), 0);
    }

    // 4. A command that does not exist fails its own job; the batch goes on.
    void commandNotFound()
    {
        const Outcome o = run(words({"{}", ":::", "true", "no-such-command-jp", "true"}));
        QVERIFY2(o.exitCode == 1 && o.status == QProcess::NormalExit, o.describe());
        QVERIFY2(o.err.contains("command not found: no-such-command-jp"), o.describe());
        const QJsonObject shown = show(1);
        QCOMPARE(state(jobOf(shown, 1)), u"done");
        QCOMPARE(state(jobOf(shown, 3)), u"done");
        const QJsonObject failed = jobOf(shown, 2);
        QCOMPARE(state(failed), u"failed");
        QCOMPARE(failed.value(u"exitCode").toInt(), 127);
        QVERIFY(failed.value(u"lastAttempt")
                    .toObject()
                    .value(u"error")
                    .toString()
                    .contains(u"command not found: no-such-command-jp"));
    }

    // 5. File names that break naive scripts arrive byte for byte, and are kept so.
    void oddInputs_data()
    {
        QTest::addColumn<QByteArray>("input");
        QTest::addColumn<QString>("shownAs"); // in `jobpool show`'s table
        QTest::newRow("space") << QByteArray("two  words") << u"two  words"_s;
        QTest::newRow("single quote") << QByteArray("it's") << u"it's"_s;
        QTest::newRow("double quote") << QByteArray("say \"hi\"") << u"say \"hi\""_s;
        QTest::newRow("dollar") << QByteArray("$HOME") << u"$HOME"_s;
        QTest::newRow("semicolon") << QByteArray("a;b") << u"a;b"_s;
        QTest::newRow("glob and backslash") << QByteArray("*\\n") << u"*\\n"_s;
        QTest::newRow("leading dash") << QByteArray("-n") << u"-n"_s;
        QTest::newRow("newline") << QByteArray("new\nline") << u"new\\nline"_s;
        QTest::newRow("tab") << QByteArray("a\tb") << u"a\\tb"_s;
        QTest::newRow("not UTF-8") << QByteArray("caf\xe9") << u"caf\\xe9"_s;
        QTest::newRow("UTF-8") << QByteArray("caf\xc3\xa9") << u"café"_s;
    }
    void oddInputs()
    {
        QFETCH(QByteArray, input);
        QFETCH(QString, shownAs);
        // Two jobs, so that the odd one is not alone: NUL-separated, as `find -print0` makes.
        QVERIFY(writeAll(path(u"inputs"_s), input + '\0' + "plain" + '\0'));
        const Outcome o = run({u"-k"_s, u"-0"_s, test::testAppPath(), u"echo"_s, u"{}"_s, u"::::"_s,
                               path(u"inputs"_s)});
        QVERIFY2(o.exitCode == 0, o.describe());
        QCOMPARE(o.out, input + "\nplain\n");

        const QJsonObject job = jobOf(show(1), 1);
        QCOMPARE(inputBytes(job), input);
        QCOMPARE(state(job), u"done");

        // The table stays a table: one line per job, the input readable.
        const Outcome s = jobpool({u"show"_s, u"--db"_s, db(), u"1"_s});
        QVERIFY2(s.exitCode == 0, s.describe());
        const QList<QByteArray> rows = lines(s.out);
        QCOMPARE(rows.size(), 6); // title, summary, blank, header, two jobs
        QVERIFY2(rows[4].endsWith(QByteArray(' ' + shownAs.toUtf8())), s.describe());
    }

    // 5. --shell quotes every value: a hostile one stays a value.
    void shellQuotesValues_data()
    {
        QTest::addColumn<QString>("command");
        QTest::addColumn<QByteArray>("input");
        const QString app = test::testAppPath();
        QTest::newRow("bare") << app + u" echo {}"_s << QByteArray("a'; touch pwned; '");
        QTest::newRow("in single quotes")
            << app + u" echo '{}'"_s << QByteArray("a'; touch pwned; '");
        QTest::newRow("in double quotes")
            << app + u" echo \"{}\""_s
            << QByteArray("a\"; touch pwned; \"$(touch pwned)`touch pwned`");
    }
    void shellQuotesValues()
    {
        QFETCH(QString, command);
        QFETCH(QByteArray, input);
        const Outcome o = run({u"--shell"_s, command, u":::"_s, QString::fromUtf8(input)});
        QVERIFY2(o.exitCode == 0, o.describe());
        QCOMPARE(o.out, input + '\n');
        QVERIFY(!QFileInfo::exists(path(u"pwned"_s)));
    }

    // 6. --timeout takes the job's whole process group down, grandchildren included.
    void timeoutKillsGrandchildren()
    {
        const Outcome o = run({u"--timeout"_s, u"0.5"_s, test::testAppPath(), u"grandchild-hang"_s,
                               u":::"_s, u"1"_s});
        QVERIFY2(o.exitCode == 1 && o.status == QProcess::NormalExit, o.describe());
        bool ok = false;
        const pid_t grandchild = pid_t(o.out.trimmed().toInt(&ok));
        QVERIFY2(ok && grandchild > 0, o.describe());
        QTRY_VERIFY_WITH_TIMEOUT(!test::processAlive(grandchild), kPatience);

        const QJsonObject job = jobOf(show(1), 1);
        QCOMPARE(state(job), u"failed");
        const QJsonObject attempt = job.value(u"lastAttempt").toObject();
        QCOMPARE(attempt.value(u"timedOut").toBool(), true);
        QVERIFY(!test::processAlive(pid_t(attempt.value(u"commandPid").toInteger())));
    }

    // 7. --halt: when a batch stops early, its exit status, and which jobs never ran.
    void halt_data()
    {
        QTest::addColumn<QString>("policy");
        QTest::addColumn<QString>("jobSlots");
        QTest::addColumn<bool>("releaseAfterFailure");
        QTest::addColumn<int>("expectedExit");
        QTest::addColumn<QStringList>("expectedStates"); // "-": never ran
        // Job 1 waits for a file "release", job 2 fails with status 3, jobs 3 to 5 would
        // succeed; under the success policy, one at a time, job 1 succeeds at once.
        QTest::newRow("now,fail=1: the running job is killed")
            << u"now,fail=1"_s << u"-j2"_s << false << 3
            << words({"interrupted", "failed", "-", "-", "-"});
        QTest::newRow("soon,fail=1: the running job may end")
            << u"soon,fail=1"_s << u"-j2"_s << true << 3
            << words({"done", "failed", "-", "-", "-"});
        QTest::newRow("now,success=1")
            << u"now,success=1"_s << u"-j1"_s << false << 0 << words({"done", "-", "-", "-", "-"});
    }
    void halt()
    {
        QFETCH(QString, policy);
        QFETCH(QString, jobSlots);
        QFETCH(bool, releaseAfterFailure);
        QFETCH(int, expectedExit);
        QFETCH(QStringList, expectedStates);
        const bool success = policy.contains(u"success");
        const QString script =
            success ? u"exit 0"_s
                    : QStringLiteral("case {} in wait) while [ ! -e release ]; do sleep 0.02; "
                                     "done;; fail) exit 3;; esac");
        QProcess p;
        start(p, runArguments({jobSlots, u"--halt"_s, policy, u"--joblog"_s, path(u"joblog"_s),
                               u"sh"_s, u"-c"_s, script, u":::"_s, u"wait"_s, u"fail"_s, u"ok"_s,
                               u"ok"_s, u"ok"_s}));
        if (releaseAfterFailure) {
            // The joblog shows a job only after the runner has seen it end, and halted.
            QTRY_VERIFY_WITH_TIMEOUT(readAll(path(u"joblog"_s)).contains("\n2\t"), kPatience);
            QVERIFY(writeAll(path(u"release"_s), {}));
        }
        const Outcome o = finish(p);
        QVERIFY2(o.exitCode == expectedExit && o.status == QProcess::NormalExit, o.describe());

        const QJsonObject shown = show(1);
        QCOMPARE(shown.value(u"state").toString(), u"halted");
        for (int seq = 1; seq <= expectedStates.size(); ++seq) {
            const QJsonObject job = jobOf(shown, seq);
            const QString &expected = expectedStates[seq - 1];
            if (expected == u"-")
                QVERIFY2(neverRan(job), QJsonDocument(job).toJson().constData());
            else
                QCOMPARE(state(job), expected);
        }
    }

    // 8. --retries: a job that fails twice and then succeeds is done, after three attempts.
    void retries()
    {
        const Outcome o = run(words({"--retries", "3", "sh", "-c",
                                     "echo try >> count; [ $(wc -l < count) -ge 3 ]", ":::", "1"}));
        QVERIFY2(o.exitCode == 0, o.describe());
        QCOMPARE(lines(readAll(path(u"count"_s))).size(), 3);
        const QJsonObject job = jobOf(show(1), 1);
        QCOMPARE(state(job), u"done");
        QCOMPARE(job.value(u"attempts").toInt(), 3);
        QCOMPARE(job.value(u"lastAttempt").toObject().value(u"attempt").toInt(), 3);
    }

    // 9. --joblog in parallel's format, and parallel's --resume, --resume-failed and
    // --retry-failed from it.
    void joblog()
    {
        const QString joblog = path(u"joblog"_s);
        const QStringList command = words(
            {"-j1", "sh", "-c", "echo {}; exit $(( {} == 3 ))", ":::", "1", "2", "3", "4", "5"});
        Outcome o =
            run(QStringList{u"--joblog"_s, joblog, u"--halt"_s, u"soon,fail=1"_s} + command);
        QVERIFY2(o.exitCode == 1, o.describe());
        QCOMPARE(o.out, QByteArray("1\n2\n3\n"));

        QList<QByteArray> log = lines(readAll(joblog));
        QCOMPARE(log.size(), 4);
        QCOMPARE(log[0], QByteArray("Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\t"
                                    "Signal\tCommand"));
        const QRegularExpression line(QStringLiteral(
            "^(\\d+)\t:\t\\d{10}\\.\\d{3}\t *\\d+\\.\\d{3}\t0\t(\\d+)\t(-?\\d+)\t(\\d+)\t"
            "(.*)$"));
        for (int seq = 1; seq <= 3; ++seq) {
            const QByteArray &entry = log[seq];
            QCOMPARE(entry.count('\t'), 8);
            const QRegularExpressionMatch m = line.match(QString::fromUtf8(entry));
            QVERIFY2(m.hasMatch(), entry.constData());
            QCOMPARE(m.captured(1).toInt(), seq);
            QCOMPARE(m.captured(2).toInt(), 2); // bytes of output: "1\n"
            QCOMPARE(m.captured(3).toInt(), seq == 3 ? 1 : 0);
            QCOMPARE(m.captured(4).toInt(), 0);
            QCOMPARE(m.captured(5), u"sh -c 'echo %1; exit $(( %1 == 3 ))'"_s.arg(seq));
        }

        // --resume: only what the joblog lacks; job 3 failed, but it did run.
        o = run(QStringList{u"--resume"_s, u"--joblog"_s, joblog} + command);
        QVERIFY2(o.exitCode == 0, o.describe());
        QCOMPARE(o.out, QByteArray("4\n5\n"));
        log = lines(readAll(joblog));
        QCOMPARE(log.size(), 6);
        QVERIFY(log[4].startsWith("4\t") && log[5].startsWith("5\t"));

        // --resume-failed: the failed job again, and nothing the joblog has as done.
        o = run(QStringList{u"--resume-failed"_s, u"--joblog"_s, joblog} + command);
        QVERIFY2(o.exitCode == 1, o.describe());
        QCOMPARE(o.out, QByteArray("3\n"));
        log = lines(readAll(joblog));
        QCOMPARE(log.size(), 7);
        QVERIFY2(log[6].startsWith("3\t"), log[6].constData());

        // --retry-failed: the joblog's failed commands as written there, no command needed;
        // the joblog then says that job 3 ran again.
        o = run({u"--retry-failed"_s, u"--joblog"_s, joblog});
        QVERIFY2(o.exitCode == 1, o.describe());
        QCOMPARE(o.out, QByteArray("3\n"));
        log = lines(readAll(joblog));
        QCOMPARE(log.size(), 8);
        const QRegularExpressionMatch m = line.match(QString::fromUtf8(log[7]));
        QVERIFY2(m.hasMatch(), log[7].constData());
        QCOMPARE(m.captured(1).toInt(), 3);
        QCOMPARE(m.captured(3).toInt(), 1);
        QCOMPARE(m.captured(5), u"sh -c 'echo 3; exit $(( 3 == 3 ))'"_s);
    }

    // 9. --resume with a joblog written beforehand, by parallel or by hand.
    void resumeFromWrittenJoblog()
    {
        const QString joblog = path(u"joblog"_s);
        QVERIFY(writeAll(joblog, "Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\t"
                                 "Signal\tCommand\n"
                                 "1\t:\t1700000000.000\t0.010\t0\t2\t0\t0\techo a\n"
                                 "3\t:\t1700000000.100\t0.010\t0\t0\t-1\t15\techo c\n"
                                 "4\t:\t1700000000.200\t0.010\t0\t2\t0\t0\techo d\n"
                                 "5\t:\t1700000000.3"));
        const Outcome o = run({u"-k"_s, u"--resume"_s, u"--joblog"_s, joblog, u"echo"_s, u":::"_s,
                               u"a"_s, u"b"_s, u"c"_s, u"d"_s, u"e"_s});
        QVERIFY2(o.exitCode == 0, o.describe());
        // 5's line was cut short by a crash: as if it had not been written.
        QCOMPARE(o.out, QByteArray("b\ne\n"));
    }

    // 10. kill -9 in the middle of a batch, then --resume: every job done, none twice but
    // the ones that were running.
    void killThenResume_data()
    {
        QTest::addColumn<int>("killAfter");
        QTest::newRow("early") << 10;
        QTest::newRow("late") << 30;
    }
    void killThenResume()
    {
        QFETCH(int, killAfter);
        constexpr int kJobs = 60;
        constexpr int kSlots = 2;
        const QString marks = path(u"marks"_s);
        QProcess p;
        start(p, runArguments(QStringList{u"-j%1"_s.arg(kSlots), u"sh"_s, u"-c"_s,
                                          u"echo {} >> marks; sleep 0.05"_s, u":::"_s}
                              + numbers(1, kJobs)));
        QTRY_VERIFY_WITH_TIMEOUT(lines(readAll(marks)).size() >= killAfter, kPatience);
        QVERIFY2(p.state() == QProcess::Running, "the batch ended before the kill");
        const QList<pid_t> below = test::descendantProcesses(pid_t(p.processId()));
        QVERIFY(!below.isEmpty()); // the workers at least
        ::kill(pid_t(p.processId()), SIGKILL);
        const Outcome killed = finish(p);
        QCOMPARE(killed.status, QProcess::CrashExit);
        // No worker and no command outlives it.
        QTRY_VERIFY_WITH_TIMEOUT(allDead(below), kPatience);
        QTRY_VERIFY_WITH_TIMEOUT(processesWorkingIn(m_dir->path()).isEmpty(), kPatience);

        const QJsonArray batches = history();
        QCOMPARE(batches.size(), 1);
        QCOMPARE(batches.at(0).toObject().value(u"state").toString(), u"interrupted");
        const qint64 batch = batches.at(0).toObject().value(u"id").toInteger();
        QSet<int> doneBefore;
        for (const QJsonValue &job : show(batch).value(u"jobs").toArray()) {
            if (state(job.toObject()) == u"done")
                doneBefore.insert(job.toObject().value(u"seq").toInt());
        }
        QVERIFY(doneBefore.size() < kJobs);

        const Outcome resumed = run({u"--resume"_s, QString::number(batch)});
        QVERIFY2(resumed.exitCode == 0, resumed.describe());
        const QJsonObject shown = show(batch);
        QCOMPARE(shown.value(u"state").toString(), u"finished");
        QCOMPARE(shown.value(u"counts").toObject().value(u"done").toInt(), kJobs);

        QHash<int, int> runs;
        for (const QByteArray &seq : lines(readAll(marks)))
            ++runs[seq.toInt()];
        int twice = 0;
        for (int seq = 1; seq <= kJobs; ++seq) {
            QVERIFY2(runs.value(seq) >= 1, qPrintable(u"job %1 never ran"_s.arg(seq)));
            QVERIFY2(runs.value(seq) <= 2,
                     qPrintable(u"job %1 ran %2 times"_s.arg(seq).arg(runs.value(seq))));
            if (runs.value(seq) == 2) {
                ++twice;
                QVERIFY2(!doneBefore.contains(seq),
                         qPrintable(u"job %1 was done, and ran again"_s.arg(seq)));
            }
        }
        QVERIFY2(twice <= kSlots, qPrintable(u"%1 jobs ran twice"_s.arg(twice)));
    }

    // 11. Ctrl-C: running jobs get SIGTERM and are interrupted, the rest wait; --resume
    // finishes them.
    void interruptThenResume()
    {
        QVERIFY(writeAll(path(u"flag"_s), {}));
        QProcess p;
        start(p, runArguments({u"-j2"_s, u"sh"_s, u"-c"_s,
                               QStringLiteral("touch started-{}; while [ -e flag ]; do sleep "
                                              "0.02; done; echo {}"),
                               u":::"_s, u"1"_s, u"2"_s, u"3"_s, u"4"_s}));
        QTRY_VERIFY_WITH_TIMEOUT(QFileInfo::exists(path(u"started-1"_s))
                                     && QFileInfo::exists(path(u"started-2"_s)),
                                 kPatience);
        ::kill(pid_t(p.processId()), SIGINT);
        const Outcome o = finish(p);
        QVERIFY2(o.exitCode == 255 && o.status == QProcess::NormalExit, o.describe());
        QVERIFY2(o.err.contains("'jobpool run --resume 1'"), o.describe());

        QJsonObject shown = show(1);
        QCOMPARE(shown.value(u"state").toString(), u"stopped");
        for (int seq : {1, 2}) {
            const QJsonObject job = jobOf(shown, seq);
            QCOMPARE(state(job), u"interrupted");
            // SIGTERM ended them, within the grace period: no SIGKILL was needed.
            QCOMPARE(job.value(u"lastAttempt").toObject().value(u"signal").toInt(), SIGTERM);
        }
        QVERIFY(neverRan(jobOf(shown, 3)));
        QVERIFY(neverRan(jobOf(shown, 4)));
        QVERIFY(!QFileInfo::exists(path(u"started-3"_s)));

        QVERIFY(QFile::remove(path(u"flag"_s)));
        const Outcome resumed = run(words({"--resume", "1"}));
        QVERIFY2(resumed.exitCode == 0, resumed.describe());
        QCOMPARE(sorted(lines(resumed.out)), (QList<QByteArray>{"1", "2", "3", "4"}));
        shown = show(1);
        QCOMPARE(shown.value(u"state").toString(), u"finished");
        for (int seq = 1; seq <= 4; ++seq) {
            const QJsonObject job = jobOf(shown, seq);
            QCOMPARE(state(job), u"done");
            QCOMPARE(job.value(u"attempts").toInt(), seq <= 2 ? 2 : 1);
        }
    }

    // 11. A batch resumed from another folder runs where it was started, its logs too.
    void resumeRunsWhereTheBatchStarted()
    {
        QVERIFY(QDir(m_dir->path()).mkdir(u"here"_s) && QDir(m_dir->path()).mkdir(u"there"_s));
        const QString here = path(u"here"_s);
        QVERIFY(writeAll(here + u"/flag"_s, {}));
        QProcess p;
        start(p,
              words({"run", "--db", "../jobs.sqlite", "--results-dir", "results", "-j1", "sh", "-c",
                     "touch started-{}; while [ -e flag ]; do sleep 0.02; done; echo {} > out-{}",
                     ":::", "1", "2"}),
              here);
        QTRY_VERIFY_WITH_TIMEOUT(QFileInfo::exists(here + u"/started-1"_s), kPatience);
        ::kill(pid_t(p.processId()), SIGINT);
        const Outcome o = finish(p);
        QVERIFY2(o.exitCode == 255, o.describe());
        QVERIFY(QFile::remove(here + u"/flag"_s));

        QProcess again;
        start(again, words({"run", "--db", "../jobs.sqlite", "--resume", "1"}), path(u"there"_s));
        const Outcome resumed = finish(again);
        QVERIFY2(resumed.exitCode == 0, resumed.describe());
        QCOMPARE(readAll(here + u"/out-1"_s), QByteArray("1\n"));
        QCOMPARE(readAll(here + u"/out-2"_s), QByteArray("2\n"));
        QCOMPARE(QDir(path(u"there"_s)).entryList(QDir::NoDotAndDotDot | QDir::AllEntries),
                 QStringList());
        const QJsonObject shown = show(1);
        QCOMPARE(QFileInfo(shown.value(u"logDirectory").toString()).canonicalFilePath(),
                 QFileInfo(here + u"/results/batch-1"_s).canonicalFilePath());
        QVERIFY(QFileInfo(here + u"/results/batch-1"_s).isDir()); // its jobs wrote no output
        QCOMPARE(state(jobOf(shown, 2)), u"done");
    }

    // 11. A second Ctrl-C does not wait for jobs that ignore SIGTERM: SIGKILL.
    void secondInterruptKills()
    {
        QProcess p;
        start(p, runArguments(
                     {u"-j2"_s, test::testAppPath(), u"ignore-term"_s, u":::"_s, u"1"_s, u"2"_s}));
        const QString logs = results() + u"/batch-1/"_s;
        QTRY_VERIFY_WITH_TIMEOUT(readAll(logs + u"1.out"_s) == "ready\n"
                                     && readAll(logs + u"2.out"_s) == "ready\n",
                                 kPatience);
        QByteArray err;
        ::kill(pid_t(p.processId()), SIGINT);
        QTRY_VERIFY_WITH_TIMEOUT((err += p.readAllStandardError()).contains("stopping"), kPatience);
        ::kill(pid_t(p.processId()), SIGINT);
        Outcome o = finish(p);
        o.err.prepend(err);
        QVERIFY2(o.exitCode == 255 && o.status == QProcess::NormalExit, o.describe());
        const QJsonObject shown = show(1);
        for (int seq : {1, 2}) {
            const QJsonObject job = jobOf(shown, seq);
            QCOMPARE(state(job), u"interrupted");
            QCOMPARE(job.value(u"lastAttempt").toObject().value(u"signal").toInt(), SIGKILL);
        }
    }

    // 12. --dry-run prints each command as a shell would read it, and runs nothing.
    void dryRun()
    {
        const Outcome o =
            run(words({"--dry-run", "touch", "{#}-{}", ":::", "a b", "it's", "$x", "plain"}));
        QVERIFY2(o.exitCode == 0, o.describe());
        QCOMPARE(o.out, QByteArray("touch '1-a b'\ntouch '2-it'\\''s'\ntouch '3-$x'\n"
                                   "touch 4-plain\n"));
        QVERIFY(!QFileInfo::exists(db()));
        QCOMPARE(QDir(m_dir->path()).entryList(QDir::NoDotAndDotDot | QDir::AllEntries),
                 QStringList());
    }

    // 13. A store that is not one: a clear error, and its bytes stay as they were.
    void corruptStore_data()
    {
        QTest::addColumn<QByteArray>("head");
        QTest::newRow("random bytes") << QByteArray();
        QTest::newRow("SQLite header, then garbage") << QByteArray("SQLite format 3\0", 16);
    }
    void corruptStore()
    {
        QFETCH(QByteArray, head);
        QByteArray bytes = head;
        while (bytes.size() < 16384) {
            const quint32 word = QRandomGenerator::global()->generate();
            bytes.append(reinterpret_cast<const char *>(&word), sizeof word);
        }
        QVERIFY(writeAll(db(), bytes));
        const QList<QStringList> commands{runArguments(words({"touch", "ran", ":::", "1"})),
                                          {u"history"_s, u"--db"_s, db()},
                                          {u"show"_s, u"--db"_s, db(), u"1"_s}};
        for (const QStringList &command : commands) {
            const Outcome o = jobpool(command);
            QVERIFY2(o.exitCode == 255 && o.status == QProcess::NormalExit, o.describe());
            QVERIFY2(o.err.contains(QFile::encodeName(db())), o.describe());
            QCOMPARE(readAll(db()), bytes);
            QVERIFY(!QFileInfo::exists(db() + u"-wal"_s));
        }
        QVERIFY(!QFileInfo::exists(path(u"ran"_s)));
    }

    // 14. {#} numbers the jobs from 1; {%} is a slot: 1 or 2 with -j2.
    void sequenceAndSlot()
    {
        constexpr int kJobs = 12;
        const Outcome o =
            run(words({"-j2", "echo", "{#}", "{%}", "{}", ":::"}) + numbers(101, 100 + kJobs));
        QVERIFY2(o.exitCode == 0, o.describe());
        QSet<int> seqs;
        for (const QByteArray &line : lines(o.out)) {
            const QList<QByteArray> words = line.split(' ');
            QCOMPARE(words.size(), 3);
            const int seq = words[0].toInt();
            QCOMPARE(words[2].toInt(), 100 + seq); // the input that job got
            QVERIFY2(words[1] == "1" || words[1] == "2", line.constData());
            seqs.insert(seq);
        }
        QCOMPARE(seqs.size(), kJobs);
        QCOMPARE(*std::min_element(seqs.begin(), seqs.end()), 1);
        QCOMPARE(*std::max_element(seqs.begin(), seqs.end()), kJobs);
        for (const QJsonValue &job : show(1).value(u"jobs").toArray()) {
            const int slot = job.toObject().value(u"lastAttempt").toObject().value(u"slot").toInt();
            QVERIFY(slot == 1 || slot == 2);
        }
    }

    // 15. --delay spaces the starts: a lower bound, whatever the machine's load.
    void delay()
    {
        const Outcome o = run(words({"-j3", "--delay", "0.2", "echo", ":::", "1", "2", "3"}));
        QVERIFY2(o.exitCode == 0, o.describe());
        QList<qint64> starts;
        for (const QJsonValue &job : show(1).value(u"jobs").toArray())
            starts.append(startedAtMs(job.toObject()));
        QCOMPARE(starts.size(), 3);
        std::sort(starts.begin(), starts.end());
        for (int i = 1; i < starts.size(); ++i) {
            // The runner hands a job to a ready worker 200 ms after the one before; the store
            // keeps when the worker started the command, some dispatch later: usually a few
            // ms, but 14 ms more for one job than for the next under ASan with another suite
            // running beside it. Without --delay they start within milliseconds.
            QVERIFY2(starts[i] - starts[i - 1] >= 150,
                     qPrintable(u"starts %1 ms apart"_s.arg(starts[i] - starts[i - 1])));
        }
    }

    // 16. --line-buffer prints whole lines while the jobs still run; --tag prefixes each.
    void lineBufferTag()
    {
        // The last line has no newline, and a poll or two may see it before the job ends.
        QProcess p;
        start(p, runArguments({u"--line-buffer"_s, u"--tag"_s, u"-j2"_s, u"sh"_s, u"-c"_s,
                               QStringLiteral("echo {}-1; printf {}-; while [ ! -e go-{} ]; do "
                                              "sleep 0.02; done; echo 2; printf {}-3; sleep 0.3"),
                               u":::"_s, u"a"_s, u"b"_s}));
        QByteArray out;
        QTRY_VERIFY_WITH_TIMEOUT((out += p.readAllStandardOutput()).contains("a\ta-1\n")
                                     && out.contains("b\tb-1\n"),
                                 kPatience);
        // Half a line is held back until its end comes.
        QVERIFY2(!out.contains("a-\n") && !out.contains("b-\n"), out.constData());
        QVERIFY(writeAll(path(u"go-a"_s), {}));
        QVERIFY(writeAll(path(u"go-b"_s), {}));
        Outcome o = finish(p);
        o.out.prepend(out);
        QVERIFY2(o.exitCode == 0, o.describe());
        const QList<QByteArray> all = lines(o.out);
        QCOMPARE(sorted(all),
                 (QList<QByteArray>{"a\ta-1", "a\ta-2", "a\ta-3", "b\tb-1", "b\tb-2", "b\tb-3"}));
        for (const QByteArray &input : {QByteArray("a"), QByteArray("b")}) {
            QList<QByteArray> mine;
            for (const QByteArray &line : all) {
                if (line.startsWith(QByteArray(input + '\t')))
                    mine.append(line);
            }
            QCOMPARE(mine, sorted(mine)); // -1, -2, -3 in the order written
        }
        QVERIFY(o.out.endsWith('\n'));
    }

    // 16. --bar draws on stderr even when it is not a terminal; stdout stays clean.
    void bar()
    {
        const Outcome o = run(words({"--bar", "echo", ":::", "x", "y", "z"}));
        QVERIFY2(o.exitCode == 0, o.describe());
        QCOMPARE(sorted(lines(o.out)), (QList<QByteArray>{"x", "y", "z"}));
        QVERIFY2(o.err.contains("100%"), o.describe());
        QVERIFY2(o.err.contains("3/3"), o.describe());
        QVERIFY2(o.err.contains('#'), o.describe());
    }
};

QTEST_GUILESS_MAIN(TestRun)
#include "tst_run.moc"
