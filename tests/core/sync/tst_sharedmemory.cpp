// SPDX-License-Identifier: GPL-3.0-or-later
#include "testsupport.h"

#include <jobpool/jobpool.h>

#include <QCoreApplication>
#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTest>

#include <algorithm>
#include <cstring>
#include <numeric>

#include <fcntl.h>
#include <grp.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace jobpool;

namespace {

enum Outcome { Nothing = 0, Attached = 1, Denied = 2, OtherError = 3 };

QString pathOf(const QString &name)
{
    return QStringLiteral("/dev/shm/") + name;
}

/// Removes a test's names however the test ends, so that cleanup() finds /dev/shm as it
/// was. (A name the test unlinked itself is simply gone already.)
struct Unlinker
{
    QStringList names;
    ~Unlinker()
    {
        for (const QString &name : names)
            shm_unlink(QFile::encodeName(QLatin1Char('/') + name).constData());
    }
};

/// The PoolError message \a call throws, or an empty string when it throws none.
template<class Call>
QString errorOf(Call call)
{
    try {
        call();
    } catch (const PoolError &e) {
        return e.message();
    }
    return {};
}

void fill(SharedMemory memory, int value)
{
    std::memset(memory.data(), value, std::size_t(memory.size()));
}
JOBPOOL_TASK(fill)

/// Creates \a name, writes 0, 1, 2, … into it, and ends: the name stays.
void createAndWrite(QString name, int size)
{
    SharedMemory memory = SharedMemory::create(name, size);
    auto *bytes = static_cast<unsigned char *>(memory.data());
    for (int i = 0; i < size; ++i)
        bytes[i] = static_cast<unsigned char>(i);
}
JOBPOOL_TASK(createAndWrite)

qint64 sumOf(SharedMemory memory)
{
    qint64 sum = 0;
    for (std::byte b : memory.bytes())
        sum += std::to_integer<int>(b);
    return sum;
}
JOBPOOL_TASK(sumOf)

/// Becomes another user (nobody), then tries to attach to \a name.
void attachAsNobody(QString name, Value<int> outcome)
{
    if (setgroups(0, nullptr) != 0 || setgid(65534) != 0 || setuid(65534) != 0) {
        outcome.store(OtherError);
        return;
    }
    try {
        SharedMemory::attach(name);
        outcome.store(Attached);
    } catch (const PoolError &e) {
        outcome.store(e.message().contains(QLatin1String("Permission denied")) ? Denied
                                                                               : OtherError);
    }
}
JOBPOOL_TASK(attachAsNobody)

} // namespace

class TestSharedMemory : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        test::installProcessLeakGuard();
        m_shm = test::sharedMemoryEntries();
    }
    void cleanup()
    {
        const QString left = test::leftovers(20000);
        QVERIFY2(left.isEmpty(), qPrintable(left));
        QCOMPARE(test::sharedMemoryEntries(), m_shm);
    }

    void createsARandomNameLikePython()
    {
        Unlinker names;
        SharedMemory a = SharedMemory::create({}, 100);
        names.names << a.name();
        SharedMemory b = SharedMemory::create({}, 100);
        names.names << b.name();
        static const QRegularExpression pythonLike(QStringLiteral("^psm_[0-9a-f]{8}$"));
        QVERIFY2(pythonLike.match(a.name()).hasMatch(), qPrintable(a.name()));
        QVERIFY(a.name() != b.name());
        QCOMPARE(a.size(), 100);
        QCOMPARE(qsizetype(a.bytes().size()), 100);
        QVERIFY(std::ranges::all_of(a.bytes(), [](std::byte x) { return x == std::byte{0}; }));
        QCOMPARE(QFile(pathOf(a.name())).size(), 100);
        a.unlink();
        b.unlink();
    }

    void anotherProcessAttaches()
    {
        Unlinker names;
        SharedMemory memory = SharedMemory::create({}, 4096);
        names.names << memory.name();
        Process child(fill, SharedMemory::attach(memory.name()), 7); // travels by name
        child.start();
        QVERIFY(child.join());
        QCOMPARE(child.exitCode(), 0);
        QVERIFY(std::ranges::all_of(memory.bytes(), [](std::byte x) { return x == std::byte{7}; }));
        memory.unlink();
    }

    void attachesToWhatAnotherProcessCreated()
    {
        Unlinker names;
        const QString name = QStringLiteral("jobpool-test-%1").arg(getpid());
        names.names << name;
        Process child(createAndWrite, name, 8192);
        child.start();
        QVERIFY(child.join());
        QCOMPARE(child.exitCode(), 0);
        // The creator has ended: the block stays until someone unlinks it.
        SharedMemory memory = SharedMemory::attach(name);
        QCOMPARE(memory.name(), name);
        QCOMPARE(memory.size(), 8192);
        const auto *bytes = static_cast<const unsigned char *>(memory.data());
        for (int i = 0; i < 8192; ++i)
            QCOMPARE(int(bytes[i]), i % 256);
        memory.unlink();
        QVERIFY(!QFile::exists(pathOf(name)));
    }

    void worksInPoolTasks()
    {
        Unlinker names;
        SharedMemory memory = SharedMemory::create({}, 1000);
        names.names << memory.name();
        std::ranges::fill(memory.bytes(), std::byte{3});
        Pool pool({.workers = 2});
        QCOMPARE(pool.apply(sumOf, SharedMemory::attach(memory.name())), qint64(3000));
        memory.unlink();
    }

    void ownerOnlyWhateverTheUmask_data()
    {
        QTest::addColumn<int>("mask");
        QTest::newRow("000") << 0;
        QTest::newRow("022") << 022;
        QTest::newRow("077") << 077;
        QTest::newRow("777") << 0777;
    }
    void ownerOnlyWhateverTheUmask()
    {
        QFETCH(int, mask);
        Unlinker names;
        const mode_t previous = umask(mode_t(mask));
        QString name;
        const QString error = errorOf([&] {
            SharedMemory memory = SharedMemory::create({}, 64);
            name = memory.name();
        });
        umask(previous);
        names.names << name;
        QVERIFY2(error.isEmpty(), qPrintable(error));
        struct stat st
        {
        };
        QCOMPARE(stat(QFile::encodeName(pathOf(name)).constData(), &st), 0);
        QCOMPARE(int(st.st_mode & 07777), 0600);
        QCOMPARE(st.st_uid, geteuid());
        SharedMemory::attach(name).unlink();
    }

    void unlinkRemovesTheNameNotTheMapping()
    {
        Unlinker names;
        SharedMemory memory = SharedMemory::create({}, 16);
        const QString name = memory.name();
        names.names << name;
        QVERIFY(QFile::exists(pathOf(name)));
        memory.unlink();
        QVERIFY(!QFile::exists(pathOf(name)));
        std::memcpy(memory.data(), "still mapped", 12); // no crash: the mapping stays
        QCOMPARE(QByteArray(static_cast<const char *>(memory.data()), 12),
                 QByteArray("still mapped"));
        const QString attach = errorOf([&] { SharedMemory::attach(name); });
        QVERIFY2(attach.contains(name) && attach.contains(QLatin1String("No such file")),
                 qPrintable(attach));
        const QString again = errorOf([&] { memory.unlink(); });
        QVERIFY2(again.contains(name) && again.contains(QLatin1String("No such file")),
                 qPrintable(again));
    }

    void destructorLeavesTheName()
    {
        Unlinker names;
        QString name;
        {
            SharedMemory memory = SharedMemory::create({}, 32);
            name = memory.name();
            names.names << name;
            static_cast<char *>(memory.data())[0] = 'x';
        }
        QVERIFY(QFile::exists(pathOf(name)));
        SharedMemory again = SharedMemory::attach(name);
        QCOMPARE(static_cast<const char *>(again.data())[0], 'x');
        again.unlink();
    }

    void closeAndMove()
    {
        Unlinker names;
        SharedMemory memory = SharedMemory::create({}, 32);
        const QString name = memory.name();
        names.names << name;
        SharedMemory moved = std::move(memory);
        QCOMPARE(moved.name(), name);
        QVERIFY(moved.data());
        QVERIFY(!memory.data()); // NOLINT(bugprone-use-after-move): moved from on purpose
        QVERIFY(memory.bytes().empty());
        SharedMemory other = SharedMemory::attach(name);
        other = std::move(moved); // unmaps other's own mapping first
        QCOMPARE(other.name(), name);
        other.close();
        QVERIFY(!other.data());
        QVERIFY(other.bytes().empty());
        other.close();  // twice is harmless
        other.unlink(); // a closed block can still be unlinked
        QVERIFY(!QFile::exists(pathOf(name)));
    }

    void takenNameIsRefused()
    {
        Unlinker names;
        SharedMemory memory = SharedMemory::create({}, 32);
        names.names << memory.name();
        const QString error = errorOf([&] { SharedMemory::create(memory.name(), 32); });
        QVERIFY2(error.contains(memory.name()) && error.contains(QLatin1String("File exists")),
                 qPrintable(error));
        memory.unlink();
    }

    void missingNameIsRefused()
    {
        const QString name = QStringLiteral("jobpool-test-missing-%1").arg(getpid());
        const QString error = errorOf([&] { SharedMemory::attach(name); });
        QVERIFY2(error.contains(name) && error.contains(QLatin1String("No such file")),
                 qPrintable(error));
    }

    void sizeMustBePositive_data()
    {
        QTest::addColumn<qsizetype>("size");
        QTest::newRow("zero") << qsizetype(0);
        QTest::newRow("negative") << qsizetype(-1);
    }
    void sizeMustBePositive()
    {
        QFETCH(qsizetype, size);
        const QString name = QStringLiteral("jobpool-test-size-%1").arg(getpid());
        const QString error = errorOf([&] { SharedMemory::create(name, size); });
        QVERIFY2(error.contains(name) && error.contains(QLatin1String("positive")),
                 qPrintable(error));
        QVERIFY(!QFile::exists(pathOf(name)));
    }

    void invalidNamesAreRefused_data()
    {
        QTest::addColumn<QString>("name");
        QTest::newRow("slash") << QStringLiteral("a/b");
        QTest::newRow("leading slash") << QStringLiteral("/psm_0");
        QTest::newRow("dot") << QStringLiteral(".");
        QTest::newRow("dot dot") << QStringLiteral("..");
        QTest::newRow("256 bytes") << QString(256, QLatin1Char('x'));
        QTest::newRow("128 two-byte characters") << QString(128, QChar(0xe9));
    }
    void invalidNamesAreRefused()
    {
        QFETCH(QString, name);
        const QString created = errorOf([&] { SharedMemory::create(name, 8); });
        QVERIFY2(created.startsWith(QLatin1String("invalid shared memory name")),
                 qPrintable(created));
        const QString attached = errorOf([&] { SharedMemory::attach(name); });
        QVERIFY2(attached.startsWith(QLatin1String("invalid shared memory name")),
                 qPrintable(attached));
        const QString empty = errorOf([] { SharedMemory::attach(QString()); });
        QVERIFY2(empty.startsWith(QLatin1String("invalid shared memory name")), qPrintable(empty));
    }

    void longestNameIsAccepted()
    {
        const QString name(255, QLatin1Char('n'));
        Unlinker names;
        names.names << name;
        SharedMemory memory = SharedMemory::create(name, 8);
        QCOMPARE(memory.name(), name);
        memory.unlink();
    }

    void emptyBlockIsRefused()
    {
        // Made by another program, empty: nothing to map.
        const QString name = QStringLiteral("jobpool-test-empty-%1").arg(getpid());
        Unlinker names;
        names.names << name;
        const int fd = shm_open(QFile::encodeName(QLatin1Char('/') + name).constData(),
                                O_CREAT | O_EXCL | O_RDWR, 0600);
        QVERIFY(fd >= 0);
        ::close(fd);
        const QString error = errorOf([&] { SharedMemory::attach(name); });
        QVERIFY2(error.contains(name) && error.contains(QLatin1String("empty")), qPrintable(error));
    }

    void anotherUsersBlockIsRefused()
    {
        Unlinker names;
        SharedMemory memory = SharedMemory::create({}, 64);
        const QString name = memory.name();
        names.names << name;
        if (geteuid() == 0) {
            // Root may open anything: ask another user.
            Value<int> outcome(Nothing);
            Process nobody(attachAsNobody, name, outcome);
            nobody.start();
            QVERIFY(nobody.join());
            QCOMPARE(nobody.exitCode(), 0);
            QCOMPARE(outcome.load(), int(Denied));
        } else {
            // Without another user at hand: a block its owner may not open either.
            QCOMPARE(chmod(QFile::encodeName(pathOf(name)).constData(), 0), 0);
            const QString error = errorOf([&] { SharedMemory::attach(name); });
            QVERIFY2(error.contains(name) && error.contains(QLatin1String("Permission denied")),
                     qPrintable(error));
        }
        memory.unlink();
    }

    void pythonSeesTheSameBlock()
    {
        const QString python = QStandardPaths::findExecutable(QStringLiteral("python3"));
        if (python.isEmpty())
            QSKIP("python3 is not installed");
        Unlinker names;
        SharedMemory ours = SharedMemory::create({}, 64);
        names.names << ours.name();
        const QString theirs = QStringLiteral("jobpool-test-python-%1").arg(getpid());
        names.names << theirs;
        std::memcpy(ours.data(), "from C++", 8);
        // Python's resource tracker would unlink at exit what it attached to: unregister.
        const QString script = QStringLiteral(R"(
import sys
from multiprocessing import shared_memory, resource_tracker
ours = shared_memory.SharedMemory(name=sys.argv[1])
resource_tracker.unregister(ours._name, "shared_memory")
assert bytes(ours.buf[:8]) == b"from C++", bytes(ours.buf[:8])
ours.buf[8:19] = b"from Python"
theirs = shared_memory.SharedMemory(name=sys.argv[2], create=True, size=32)
resource_tracker.unregister(theirs._name, "shared_memory")
theirs.buf[:5] = b"hello"
print(ours.size)
ours.close()
theirs.close()
)");
        QProcess process;
        process.start(python, {QStringLiteral("-c"), script, ours.name(), theirs});
        QVERIFY(process.waitForFinished(60000));
        QVERIFY2(process.exitCode() == 0, process.readAllStandardError().constData());
        QCOMPARE(process.readAllStandardOutput().trimmed(), QByteArray("64"));
        QCOMPARE(QByteArray(static_cast<const char *>(ours.data()) + 8, 11),
                 QByteArray("from Python"));
        SharedMemory made = SharedMemory::attach(theirs);
        QCOMPARE(made.size(), 32);
        QCOMPARE(QByteArray(static_cast<const char *>(made.data()), 5), QByteArray("hello"));
        made.unlink();
        ours.unlink();
    }

private:
    QStringList m_shm;
};

JOBPOOL_TEST_MAIN(TestSharedMemory)

#include "tst_sharedmemory.moc"
