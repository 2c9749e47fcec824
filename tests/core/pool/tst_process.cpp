// SPDX-License-Identifier: GPL-3.0-or-later
// jobpool::Process, the twin of Python's multiprocessing.Process: a function or a registered
// subclass run in a child; exit codes for a clean return, a throw and a signal; join with
// and without a timeout; terminate and kill; names; daemons, which their destruction
// terminates, and non-daemons, which their destruction waits for.
//
// This executable is also the child program: main() hands over to jobpool::init() first.
#include "testsupport.h"

#include <jobpool/jobpool.h>

#include <QCoreApplication>
#include <QDataStream>
#include <QFile>
#include <QSet>
#include <QTemporaryDir>
#include <QTest>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <memory>
#include <stdexcept>

#include <unistd.h>

using namespace std::chrono_literals;
using jobpool::Lock;
using jobpool::Process;
using namespace jobpool::test;

#if defined(__SANITIZE_ADDRESS__)
constexpr bool Sanitized = true;
#else
constexpr bool Sanitized = false;
#endif

// A QTRY_* waits only as long as its condition takes; a failing one three times this.
constexpr int Patience = Sanitized ? 20000 : 10000;

// ---- What the children run. ----

namespace {

bool writeFile(const QString &path, const QByteArray &content)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly) && file.write(content) == content.size();
}

QByteArray readFile(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

} // namespace

void writeDescription(QString path, QString text, QByteArray bytes, QList<int> numbers)
{
    qint64 sum = 0;
    for (int n : numbers)
        sum += n;
    const QString line = QStringLiteral("%1|%2|%3")
                             .arg(text, QString::fromLatin1(bytes.toHex()), QString::number(sum));
    if (!writeFile(path, line.toUtf8()))
        throw std::runtime_error("cannot write the file");
}
JOBPOOL_TASK(writeDescription)

enum class Ending { Return, Throw, Kill, Abort, Exit5 };

void endBy(int how)
{
    switch (Ending(how)) {
    case Ending::Return:
        return;
    case Ending::Throw:
        throw std::runtime_error("the task failed on purpose");
    case Ending::Kill:
        raise(SIGKILL);
        return;
    case Ending::Abort:
        std::signal(SIGABRT, SIG_DFL);
        std::abort();
    case Ending::Exit5:
        _exit(5);
    }
}
JOBPOOL_TASK(endBy)

void blockForever()
{
    for (;;)
        pause();
}
JOBPOOL_TASK(blockForever)

/// Waits (at most a minute, so a failed test leaves nothing running) until the test lets
/// go of \a gate, then writes its own pid into \a out.
void waitThenWrite(Lock gate, QString out)
{
    if (!gate.acquire(std::chrono::minutes(1)))
        throw std::runtime_error("never told to go");
    gate.release();
    writeFile(out, QByteArray::number(qint64(getpid())));
}
JOBPOOL_TASK(waitThenWrite)

// ---- The subclass form. ----

/// Writes its members, its name and its pid into the file named by one of them.
class WriterProcess : public Process
{
public:
    WriterProcess() = default;

    QString path;
    QString text;
    QList<int> numbers;
    bool fail = false;

protected:
    void run() override
    {
        if (fail)
            throw std::logic_error("asked to fail");
        qint64 sum = 0;
        for (int n : numbers)
            sum += n;
        const QString line = QStringLiteral("%1|%2|%3|%4")
                                 .arg(text, QString::number(sum), name(),
                                      QString::number(QCoreApplication::applicationPid()));
        if (!writeFile(path, line.toUtf8()))
            throw std::runtime_error("cannot write the file");
    }
};

QDataStream &operator<<(QDataStream &s, const WriterProcess &p)
{
    return s << p.path << p.text << p.numbers << p.fail;
}
QDataStream &operator>>(QDataStream &s, WriterProcess &p)
{
    return s >> p.path >> p.text >> p.numbers >> p.fail;
}
JOBPOOL_PROCESS(WriterProcess)

/// Never registered with JOBPOOL_PROCESS: starting it must fail, not run something else.
class UnregisteredProcess : public Process
{
public:
    UnregisteredProcess() = default;

protected:
    void run() override {}
};

// ---- The suite. ----

class TestProcess : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        installProcessLeakGuard();
        m_sharedMemoryBefore = sharedMemoryEntries();
    }

    void cleanup()
    {
        const QString left = leftovers(Patience);
        QVERIFY2(left.isEmpty(), qPrintable(left));
        QStringList added = sharedMemoryEntries();
        added.removeIf([this](const QString &name) { return m_sharedMemoryBefore.contains(name); });
        QCOMPARE(added, QStringList());
    }

    void runsAFunction()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString path = dir.filePath(QStringLiteral("out"));
        Process p(writeDescription, path, QStringLiteral("grüß"), QByteArray("\0\x7f", 2),
                  QList<int>{1, 2, 39});
        QCOMPARE(p.pid(), 0);
        QVERIFY(!p.exitCode());
        QVERIFY(!p.isAlive());
        p.start();
        const qint64 pid = p.pid();
        QVERIFY(pid > 0);
        QVERIFY(pid != getpid());
        QVERIFY(p.join());
        QVERIFY(p.exitCode().has_value());
        QCOMPARE(*p.exitCode(), 0);
        QVERIFY(!p.isAlive());
        QCOMPARE(p.pid(), pid); // still known once it has ended, as in Python
        QCOMPARE(QString::fromUtf8(readFile(path)), QStringLiteral("grüß|007f|42"));
        QVERIFY(p.join()); // joining again is harmless
        QCOMPARE(*p.exitCode(), 0);
    }

    void exitCodes_data()
    {
        QTest::addColumn<int>("how");
        QTest::addColumn<int>("exitCode");
        QTest::newRow("returns") << int(Ending::Return) << 0;
        QTest::newRow("throws") << int(Ending::Throw) << 1;
        QTest::newRow("SIGKILL") << int(Ending::Kill) << -SIGKILL;
        QTest::newRow("abort") << int(Ending::Abort) << -SIGABRT;
        QTest::newRow("_exit(5)") << int(Ending::Exit5) << 5;
    }
    void exitCodes()
    {
        QFETCH(int, how);
        QFETCH(int, exitCode);
        Process p(endBy, how);
        p.start();
        QVERIFY(p.join(std::chrono::milliseconds(Patience)));
        QVERIFY(p.exitCode().has_value());
        QCOMPARE(*p.exitCode(), exitCode);
        QVERIFY(!p.isAlive());
    }

    void joinTimesOutThenTerminate()
    {
        Process p(blockForever);
        p.setDaemon(true); // should a check fail, destroying it must not wait for ever
        p.start();
        const qint64 pid = p.pid();
        QVERIFY(pid > 0);
        QVERIFY(p.isAlive());
        QVERIFY(!p.join(100ms)); // it blocks for ever, so the timeout must expire
        QVERIFY(!p.exitCode());
        QVERIFY(p.isAlive());
        QVERIFY(processAlive(pid_t(pid)));

        p.terminate();
        QVERIFY(p.join(std::chrono::milliseconds(Patience)));
        QCOMPARE(*p.exitCode(), -SIGTERM);
        QVERIFY(!p.isAlive());
        QVERIFY(!processAlive(pid_t(pid)));
        p.terminate(); // on an ended process: nothing happens
        QCOMPARE(*p.exitCode(), -SIGTERM);
    }

    void kill()
    {
        Process p(blockForever);
        p.setDaemon(true); // should a check fail, destroying it must not wait for ever
        p.start();
        QVERIFY(p.isAlive());
        p.kill();
        QVERIFY(p.join(std::chrono::milliseconds(Patience)));
        QCOMPARE(*p.exitCode(), -SIGKILL);
    }

    void isAliveFollowsTheChild()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        Lock go;
        QVERIFY(go.acquire());
        const QString out = dir.filePath(QStringLiteral("out"));
        Process p(waitThenWrite, go, out);
        QVERIFY(!p.isAlive());
        p.start();
        const qint64 pid = p.pid();
        QVERIFY(p.isAlive());
        QVERIFY(!p.exitCode());
        go.release();
        QTRY_VERIFY_WITH_TIMEOUT(!p.isAlive(), Patience);
        QVERIFY(p.exitCode().has_value());
        QCOMPARE(*p.exitCode(), 0);
        QCOMPARE(readFile(out).toLongLong(), pid);
    }

    void names()
    {
        Process a(endBy, 0);
        Process b(endBy, 0);
        QVERIFY(!a.name().isEmpty());
        QVERIFY(!b.name().isEmpty());
        QVERIFY(a.name() != b.name());
        a.setName(QStringLiteral("renamed"));
        QCOMPARE(a.name(), QStringLiteral("renamed"));
        QVERIFY(!a.isDaemon());
        a.setDaemon(true);
        QVERIFY(a.isDaemon());
    }

    void subclass()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        WriterProcess p;
        QVERIFY(!p.name().isEmpty());
        p.setName(QStringLiteral("writer ✎"));
        p.path = dir.filePath(QStringLiteral("written"));
        p.text = QStringLiteral("members travel");
        p.numbers = {10, 20, 12};
        p.start();
        const qint64 pid = p.pid();
        QVERIFY(p.join(std::chrono::milliseconds(Patience)));
        QCOMPARE(*p.exitCode(), 0);
        const QStringList fields = QString::fromUtf8(readFile(p.path)).split(QLatin1Char('|'));
        QCOMPARE(fields.size(), 4);
        QCOMPARE(fields[0], QStringLiteral("members travel"));
        QCOMPARE(fields[1], QStringLiteral("42"));
        QCOMPARE(fields[2], QStringLiteral("writer ✎")); // the name travels too
        QCOMPARE(fields[3].toLongLong(), pid);           // run() ran in the child

        WriterProcess failing;
        failing.path = dir.filePath(QStringLiteral("never"));
        failing.fail = true;
        failing.start();
        QVERIFY(failing.join(std::chrono::milliseconds(Patience)));
        QCOMPARE(*failing.exitCode(), 1);
        QVERIFY(!QFile::exists(failing.path));
    }

    void unregisteredSubclassCannotStart()
    {
        UnregisteredProcess p;
        QVERIFY_THROWS_EXCEPTION(jobpool::PoolError, p.start());
        QCOMPARE(p.pid(), 0);
        QVERIFY(!p.isAlive());
    }

    void startsOnlyOnce()
    {
        Process p(endBy, 0);
        p.start();
        QVERIFY_THROWS_EXCEPTION(jobpool::PoolError, p.start());
        QVERIFY(p.join(std::chrono::milliseconds(Patience)));
        QCOMPARE(*p.exitCode(), 0);
    }

    void severalInParallel()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        Lock go;
        QVERIFY(go.acquire());
        const int count = 4;
        std::vector<std::unique_ptr<Process>> processes;
        for (int i = 0; i < count; ++i) {
            processes.push_back(std::make_unique<Process>(
                waitThenWrite, go, dir.filePath(QStringLiteral("out%1").arg(i))));
            processes.back()->start();
        }
        // All of them are running at once: none can finish before the gate opens.
        QList<qint64> pids;
        const QList<pid_t> children = childProcesses(getpid());
        for (const auto &p : processes) {
            QVERIFY(p->isAlive());
            QVERIFY(children.contains(pid_t(p->pid())));
            pids.append(p->pid());
        }
        QCOMPARE(QSet<qint64>(pids.begin(), pids.end()).size(), count);

        go.release();
        for (int i = 0; i < count; ++i) {
            QVERIFY(processes[i]->join(std::chrono::milliseconds(Patience)));
            QCOMPARE(*processes[i]->exitCode(), 0);
            QCOMPARE(readFile(dir.filePath(QStringLiteral("out%1").arg(i))).toLongLong(), pids[i]);
        }
    }

    void destroyingADaemonTerminatesIt()
    {
        auto p = std::make_unique<Process>(blockForever);
        p->setDaemon(true);
        p->start();
        const pid_t pid = pid_t(p->pid());
        QVERIFY(pid > 0);
        QVERIFY(processAlive(pid));
        p.reset();
        QTRY_VERIFY_WITH_TIMEOUT(!processAlive(pid), Patience);
        QVERIFY(!childProcesses(getpid()).contains(pid));
    }

    void destroyingANonDaemonWaitsForIt()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString path = dir.filePath(QStringLiteral("out"));
        pid_t pid = 0;
        {
            Process p(writeDescription, path, QStringLiteral("finished"), QByteArray(),
                      QList<int>());
            p.start();
            pid = pid_t(p.pid());
        } // no join(): the destructor waits, as Python waits for its children at exit
        QVERIFY(pid > 0);
        QVERIFY(!processAlive(pid));
        QCOMPARE(readFile(path), QByteArray("finished||0"));
    }

private:
    QStringList m_sharedMemoryBefore;
};

JOBPOOL_TEST_MAIN(TestProcess)

#include "tst_process.moc"
