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

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>

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
