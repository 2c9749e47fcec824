// SPDX-License-Identifier: GPL-3.0-or-later
// jobpool::exec, the command a batch job runs: arguments passed as they are (no shell),
// output into its log files, exit status and signal, every way it can fail to start, a
// timeout that takes down the command's whole process group, the figures of wait4(),
// and the same through a pool worker, where the parent sees the command's pid.
//
// This executable is also the pool's worker program.
#include "testsupport.h"

#include <jobpool/exec.h>
#include <jobpool/jobpool.h>

#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QScopeGuard>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>
#include <thread>

#include <sys/stat.h>
#include <unistd.h>

using jobpool::exec;
using jobpool::ExecRequest;
using jobpool::ExecResult;
using namespace jobpool::test;

namespace {

QByteArray testApp()
{
    return QFile::encodeName(testAppPath());
}

QByteArray readAll(const QByteArray &path)
{
    QFile file(QFile::decodeName(path));
    if (!file.open(QIODevice::ReadOnly))
        return "<cannot read " + path + '>';
    return file.readAll();
}

ExecRequest testAppRequest(const QTemporaryDir &dir, QList<QByteArray> args)
{
    ExecRequest request;
    request.argv = QList<QByteArray>{testApp()} + args;
    request.stdoutPath = QFile::encodeName(dir.filePath(QStringLiteral("out.log")));
    request.stderrPath = QFile::encodeName(dir.filePath(QStringLiteral("err.log")));
    return request;
}

} // namespace

class TestExec : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        installProcessLeakGuard();
        m_shm = sharedMemoryEntries();
    }
    void cleanup()
    {
        const QString left = leftovers(20000);
        QVERIFY2(left.isEmpty(), qPrintable(left));
        QCOMPARE(sharedMemoryEntries(), m_shm);
    }

    // Each argument reaches the command as it is: no shell, no splitting, no expansion,
    // whatever bytes it holds.
    void argumentsPassUntouched()
    {
        QTemporaryDir dir;
        const QList<QByteArray> args{"with space", "$HOME",   "a;b", "'quoted'", "\"dq\"",
                                     "-n",         "caf\xe9", "*",   "`id`",     "line\\n"};
        const ExecResult r = exec(testAppRequest(dir, QList<QByteArray>{"echo"} + args));
        QVERIFY2(r.error.isEmpty(), qPrintable(r.error));
        QCOMPARE(r.exitCode, 0);
        QVERIFY(r.succeeded());
        QCOMPARE(readAll(testAppRequest(dir, {}).stdoutPath), args.join('\n') + '\n');
    }

    void outputGoesToItsLogs()
    {
        QTemporaryDir dir;
        ExecRequest request = testAppRequest(dir, {"stderr", "1"});
        QVERIFY(exec(request).succeeded());
        QCOMPARE(readAll(request.stderrPath).size(), 1 << 20);
        QVERIFY(!QFile::exists(QFile::decodeName(request.stdoutPath))); // empty: no file

        request.stderrPath = request.stdoutPath; // one file for both
        request.argv = {testApp(), "stdout", "1"};
        QVERIFY(exec(request).succeeded());
        QCOMPARE(readAll(request.stdoutPath).size(), 1 << 20); // truncated, then written

        request.stdoutPath.clear(); // discarded
        request.stderrPath.clear();
        QVERIFY(exec(request).succeeded());
    }

    // An empty log leaves no file, and removes an older one of that name; a command that
    // runs a while has its logs under their names while it runs.
    void logsAppearWhenWrittenOrWhenTheCommandRunsLong()
    {
        QTemporaryDir dir;
        ExecRequest request = testAppRequest(dir, {"echo", "first"});
        QVERIFY(exec(request).succeeded());
        QCOMPARE(readAll(request.stdoutPath), QByteArray("first\n"));
        request.argv = {testApp(), "exit", "0"};
        QVERIFY(exec(request).succeeded());
        QVERIFY(!QFile::exists(QFile::decodeName(request.stdoutPath)));

        jobpool::Pool pool({.workers = 1});
        request.argv = {testApp(), "ignore-term"}; // prints "ready", then waits to be killed
        QFuture<ExecResult> running = pool.applyAsync(jobpool::exec, request);
        QTRY_COMPARE_WITH_TIMEOUT(readAll(request.stdoutPath), QByteArray("ready\n"), 20000);
        QTRY_VERIFY(!pool.workers().isEmpty() && pool.workers().front().childPid > 0);
        QVERIFY(::kill(-pid_t(pool.workers().front().childPid), SIGKILL) == 0);
        QCOMPARE(running.result().signal, SIGKILL);
        QCOMPARE(readAll(request.stdoutPath), QByteArray("ready\n")); // stays
    }

    void exitStatusAndSignal()
    {
        QTemporaryDir dir;
        ExecResult r = exec(testAppRequest(dir, {"exit", "3"}));
        QCOMPARE(r.exitCode, 3);
        QCOMPARE(r.signal, 0);
        QVERIFY(!r.succeeded());
        QVERIFY(r.error.isEmpty());

        r = exec(testAppRequest(dir, {"crash"}));
        QCOMPARE(r.signal, SIGSEGV);
        QVERIFY(!r.succeeded());
    }

    void cannotStart_data()
    {
        QTest::addColumn<QByteArray>("program");
        QTest::addColumn<QByteArray>("directory");
        QTest::addColumn<QByteArray>("logDirectory");
        QTest::addColumn<int>("exitCode");
        QTest::addColumn<QString>("message");
        QTest::newRow("not in PATH")
            << QByteArray("jobpool-no-such-command") << QByteArray() << QByteArray() << 127
            << QStringLiteral("command not found: jobpool-no-such-command");
        QTest::newRow("no such file")
            << QByteArray("/nonexistent/tool") << QByteArray() << QByteArray() << 127
            << QStringLiteral("cannot run /nonexistent/tool");
        QTest::newRow("not executable")
            << QByteArray("NOT_EXECUTABLE") << QByteArray() << QByteArray() << 126
            << QStringLiteral("Permission denied");
        QTest::newRow("bad working directory")
            << QByteArray() << QByteArray("/nonexistent/dir") << QByteArray() << 127
            << QStringLiteral("cannot change to directory /nonexistent/dir");
        QTest::newRow("log folder missing")
            << QByteArray() << QByteArray() << QByteArray("/nonexistent/logs") << 127
            << QStringLiteral("cannot open log /nonexistent/logs/out.log");
        QTest::newRow("empty command") << QByteArray("EMPTY") << QByteArray() << QByteArray() << 127
                                       << QStringLiteral("empty command");
    }
    void cannotStart()
    {
        QFETCH(QByteArray, program);
        QFETCH(QByteArray, directory);
        QFETCH(QByteArray, logDirectory);
        QFETCH(int, exitCode);
        QFETCH(QString, message);
        QTemporaryDir dir;
        ExecRequest request = testAppRequest(dir, {"exit", "0"});
        if (program == "NOT_EXECUTABLE") {
            program = QFile::encodeName(dir.filePath(QStringLiteral("script")));
            QFile script(QFile::decodeName(program));
            QVERIFY(script.open(QIODevice::WriteOnly));
            script.write("#!/bin/sh\nexit 0\n");
            script.close();
            QVERIFY(::chmod(program.constData(), 0644) == 0);
        }
        if (program == "EMPTY")
            request.argv.clear();
        else if (!program.isEmpty())
            request.argv[0] = program;
        request.workingDirectory = directory;
        if (!logDirectory.isEmpty())
            request.stdoutPath = logDirectory + "/out.log";
        const ExecResult r = exec(request);
        QVERIFY2(r.error.contains(message), qPrintable(r.error));
        QCOMPARE(r.exitCode, exitCode);
        QVERIFY(!r.succeeded());
    }

    void workingDirectory()
    {
        QTemporaryDir dir;
        ExecRequest request;
        request.argv = {"pwd"};
        request.workingDirectory = QFile::encodeName(dir.path());
        request.stdoutPath = QFile::encodeName(dir.filePath(QStringLiteral("pwd.log")));
        QVERIFY(exec(request).succeeded());
        QCOMPARE(readAll(request.stdoutPath).trimmed(), QFile::encodeName(dir.path()));
    }

    // A timeout sends the group SIGTERM; a grandchild dies with the command.
    void timeoutKillsTheGroup()
    {
        QTemporaryDir dir;
        ExecRequest request = testAppRequest(dir, {"grandchild-hang"});
        request.timeoutMs = 200;
        const ExecResult r = exec(request);
        QVERIFY(r.timedOut);
        QCOMPARE(r.signal, SIGTERM);
        QVERIFY(!r.succeeded());
        const pid_t grandchild = pid_t(readAll(request.stdoutPath).trimmed().toInt());
        QVERIFY(grandchild > 0);
        QTRY_VERIFY(!processAlive(grandchild));
    }

    // One that ignores SIGTERM gets SIGKILL after parallel's grace periods.
    void timeoutEscalatesToKill()
    {
        QTemporaryDir dir;
        ExecRequest request = testAppRequest(dir, {"ignore-term"});
        request.timeoutMs = 100;
        const ExecResult r = exec(request);
        QVERIFY(r.timedOut);
        QCOMPARE(r.signal, SIGKILL);
    }

    void figuresFromWait4()
    {
        QTemporaryDir dir;
        const ExecResult r = exec(testAppRequest(dir, {"spin", "100"}));
        QVERIFY(r.succeeded());
        QVERIFY(r.pid > 0);
        QVERIFY(r.userUs + r.systemUs > 0);
        QVERIFY(r.maxRssKiB > 0);
        QVERIFY(r.wallUs > 0);
        QVERIFY(r.endedAtMs >= r.startedAtMs);
        QVERIFY(r.startedAtMs > 1700000000000); // wall clock, not a monotonic counter
    }

    // A paused job (SIGSTOP to its group, as BatchRunner::setJobPaused sends) uses no CPU,
    // its paused time counts toward neither its timeout nor its wall time, and its output
    // goes on where it stopped.
    void pausedTimeCountsNowhere()
    {
        QTemporaryDir dir;
        ExecRequest request;
        request.argv = {"sh", "-c",
                        "echo before; echo $$ > pid; while [ ! -e go ]; do :; done; echo after"};
        request.workingDirectory = QFile::encodeName(dir.path());
        request.stdoutPath = QFile::encodeName(dir.filePath(QStringLiteral("out.log")));
        request.timeoutMs = 1000;
        ExecResult result;
        std::thread running([&] { result = exec(request); });
        const auto joinAtEnd = qScopeGuard([&] { // when a check below fails
            if (!running.joinable())
                return;
            QFile(dir.filePath(QStringLiteral("go"))).open(QIODevice::WriteOnly);
            ::kill(-pid_t(readAll(QFile::encodeName(dir.filePath(QStringLiteral("pid"))))
                              .trimmed()
                              .toInt()),
                   SIGCONT);
            running.join();
        });
        QTRY_VERIFY(readAll(QFile::encodeName(dir.filePath(QStringLiteral("pid")))).endsWith('\n'));
        const pid_t pid = pid_t(
            readAll(QFile::encodeName(dir.filePath(QStringLiteral("pid")))).trimmed().toInt());
        QVERIFY(pid > 0);

        QElapsedTimer paused;
        paused.start();
        QCOMPARE(::kill(-pid, SIGSTOP), 0);
        QTRY_COMPARE(processState(pid), QByteArray("T"));
        const qint64 cpu = processCpuTicks(pid);
        // Paused for longer than its timeout: as long as a spinner beside it takes to use
        // 1.5 s of CPU (a clock that runs only while the machine lets processes run).
        QProcess spinner;
        spinner.start(testAppPath(), {QStringLiteral("spin"), QStringLiteral("60000")});
        QVERIFY(spinner.waitForStarted());
        const auto spinnerTicks = [&] { return processCpuTicks(pid_t(spinner.processId())); };
        QTRY_VERIFY_WITH_TIMEOUT(spinnerTicks() >= 150, 60000);
        spinner.kill();
        spinner.waitForFinished();
        QCOMPARE(processCpuTicks(pid), cpu); // no CPU while paused
        QCOMPARE(processState(pid), QByteArray("T"));
        QCOMPARE(::kill(-pid, SIGCONT), 0);
        const qint64 pausedMs = paused.elapsed();
        QVERIFY(QFile(dir.filePath(QStringLiteral("go"))).open(QIODevice::WriteOnly));
        running.join();
        QVERIFY(!result.timedOut);
        QVERIFY(result.succeeded());
        QVERIFY2(
            result.pausedUs >= (pausedMs - 200) * 1000 && result.pausedUs <= pausedMs * 1000,
            qPrintable(QStringLiteral("paused %1 us of %2 ms").arg(result.pausedUs).arg(pausedMs)));
        QVERIFY(result.wallUs < 1000 * 1000);
        QCOMPARE(readAll(request.stdoutPath), QByteArray("before\nafter\n"));
    }

    // Through a worker: the parent sees the command's pid and tag (a job number) while it
    // runs and can signal its group (what cancelling a job does). The worker ignores SIGINT;
    // its command must not. The result names the worker that ran it.
    void throughAPoolWorker()
    {
        QTemporaryDir dir;
        jobpool::Pool pool({.workers = 1});
        ExecRequest request = testAppRequest(dir, {"hang"});
        request.tag = 42;
        QFuture<ExecResult> running = pool.applyAsync(jobpool::exec, request);
        qint64 commandPid = 0;
        QTRY_VERIFY([&] {
            const QList<jobpool::WorkerInfo> workers = pool.workers();
            commandPid = workers.isEmpty() ? 0 : workers.front().childPid;
            return commandPid > 0;
        }());
        QCOMPARE(pool.workers().front().childTag, 42);
        QVERIFY(::kill(-pid_t(commandPid), SIGINT) == 0);
        const ExecResult r = running.result();
        QCOMPARE(r.pid, commandPid);
        QCOMPARE(r.workerPid, pool.workers().front().pid);
        QCOMPARE(r.signal, SIGINT);
        QVERIFY(!r.timedOut);
        QTRY_COMPARE(pool.workers().front().childPid, 0);
        QCOMPARE(pool.workers().front().childTag, 0);

        request.argv = {testApp(), "echo", "from a worker"};
        QVERIFY(pool.apply(jobpool::exec, request).succeeded());
        QCOMPARE(readAll(request.stdoutPath), QByteArray("from a worker\n"));
    }

private:
    QStringList m_shm;
};

JOBPOOL_TEST_MAIN(TestExec)

#include "tst_exec.moc"
