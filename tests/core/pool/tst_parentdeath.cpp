// SPDX-License-Identifier: GPL-3.0-or-later
// A pool's parent SIGKILLed while its workers run commands (jobpool::exec, as a batch's
// jobs do): every worker and every command must go with it, at once, and nothing of ours
// may stay in /dev/shm or the temporary folder. tst_pool::workersDieWithTheirParent does
// the same for workers that run a task of their own.
//
// This executable is also the pool's worker program, and the parent that gets killed
// (--busy-parent).
#include "testsupport.h"

#include <jobpool/exec.h>
#include <jobpool/jobpool.h>

#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QScopeGuard>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

#include <algorithm>
#include <csignal>
#include <cstdio>

#include <unistd.h>

using namespace jobpool;
using namespace jobpool::test;

#if defined(__SANITIZE_ADDRESS__)
constexpr bool Sanitized = true;
#else
constexpr bool Sanitized = false;
#endif

namespace {

// A hang bound, not a speed limit: the measured time is in docs/RELIABILITY.md.
constexpr int kPatience = Sanitized ? 20000 : 10000;
constexpr int kWorkers = 2;

bool noneAlive(const QList<pid_t> &pids)
{
    return std::none_of(pids.begin(), pids.end(), [](pid_t p) { return processAlive(p); });
}

void killAll(const QList<pid_t> &pids)
{
    for (pid_t p : pids)
        ::kill(p, SIGKILL);
}

/// What a pool, its workers or a command of theirs might leave in the temporary folder
/// (a file named after this program, or after one of \a pids) and in /dev/shm (anything:
/// nothing of ours belongs there). Other suites running at the same time have files of
/// their own there, named otherwise.
QStringList ourTemporaryFiles(const QString &except, const QList<pid_t> &pids)
{
    QStringList ours;
    const QStringList names = QDir::temp().entryList(QDir::AllEntries | QDir::Hidden | QDir::System
                                                     | QDir::NoDotAndDotDot);
    for (const QString &name : names) {
        const bool named = name.startsWith(QLatin1String("tst_parentdeath"))
                           || std::any_of(pids.begin(), pids.end(), [&name](pid_t p) {
                                  return name.contains(QString::number(p));
                              });
        if (named && QDir::temp().filePath(name) != except)
            ours.append(QDir::temp().filePath(name));
    }
    for (const QString &name : sharedMemoryEntries())
        ours.append(QStringLiteral("/dev/shm/") + name);
    return ours;
}

/// The --busy-parent mode: a pool whose workers each run `jobpool-testapp grandchild-hang`
/// (a command that forks a child, and both block) with its logs in the folder argv[2].
/// Prints "W pid" for each worker and "C pid" for each command once all run, then waits
/// to be SIGKILLed.
int runBusyParent(int &argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const QByteArray logs = argc > 2 ? QByteArray(argv[2]) : QByteArray(".");
    Pool pool({.workers = kWorkers});
    QList<QFuture<ExecResult>> commands;
    for (int i = 0; i < kWorkers; ++i) {
        ExecRequest request;
        request.argv = {QFile::encodeName(testAppPath()), "grandchild-hang"};
        request.stdoutPath = logs + "/out." + QByteArray::number(i);
        request.stderrPath = logs + "/err." + QByteArray::number(i);
        request.tag = i + 1;
        commands.append(pool.applyAsync(jobpool::exec, request));
    }
    QTimer poll;
    QObject::connect(&poll, &QTimer::timeout, &app, [&] {
        const QList<WorkerInfo> workers = pool.workers();
        if (workers.size() != kWorkers
            || !std::all_of(workers.begin(), workers.end(),
                            [](const WorkerInfo &w) { return w.pid > 0 && w.childPid > 0; }))
            return;
        for (const WorkerInfo &w : workers)
            std::printf("W %lld\nC %lld\n", qlonglong(w.pid), qlonglong(w.childPid));
        std::fflush(stdout);
        poll.stop();
    });
    poll.start(10);
    return app.exec();
}

} // namespace

class TestParentDeath : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase() { installProcessLeakGuard(); }

    void cleanup()
    {
        const QString left = leftovers(20000);
        QVERIFY2(left.isEmpty(), qPrintable(left));
    }

    void busyWorkersAndCommandsDieWithTheirParent()
    {
        QTemporaryDir logs;
        QVERIFY(logs.isValid());
        const QStringList filesBefore = ourTemporaryFiles(logs.path(), {});
        QProcess parent;
        parent.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        parent.start(QCoreApplication::applicationFilePath(),
                     {QStringLiteral("--busy-parent"), logs.path()});
        QVERIFY(parent.waitForStarted());
        const pid_t parentPid = pid_t(parent.processId());
        // Orphans are no children of ours: nobody else would clean them up, pass or fail.
        QList<pid_t> orphans;
        const auto reap = qScopeGuard([&] {
            killAll(orphans);
            if (parent.state() != QProcess::NotRunning)
                killAll(descendantProcesses(parentPid));
        });
        QByteArray output;
        QTRY_VERIFY_WITH_TIMEOUT(
            (output += parent.readAllStandardOutput()).count('\n') >= 2 * kWorkers, kPatience);
        QList<pid_t> workers;
        QList<pid_t> commands;
        for (const QByteArray &line : output.trimmed().split('\n')) {
            const QList<QByteArray> fields = line.trimmed().split(' ');
            QCOMPARE(fields.size(), 2);
            (fields[0] == "W" ? workers : commands).append(pid_t(fields[1].toInt()));
        }
        QCOMPARE(workers.size(), kWorkers);
        QCOMPARE(commands.size(), kWorkers);
        // Each command forks a child of its own: the rest of the parent's descendants.
        QList<pid_t> grandchildren;
        QTRY_VERIFY_WITH_TIMEOUT(
            (grandchildren = descendantProcesses(parentPid)).size() == 3 * kWorkers, kPatience);
        for (pid_t p : std::as_const(workers) + commands)
            grandchildren.removeOne(p);
        QCOMPARE(grandchildren.size(), kWorkers);
        orphans = workers + commands + grandchildren;
        for (pid_t p : std::as_const(commands))
            QCOMPARE(descendantProcesses(p).size(), 1);

        QElapsedTimer clock;
        clock.start();
        parent.kill(); // SIGKILL: nothing of the parent runs any more
        const QList<pid_t> ours = workers + commands;
        const bool gone = QTest::qWaitFor([&] { return noneAlive(ours); }, kPatience);
        const qint64 took = clock.elapsed();
        // The events the wait above handled may have seen it finish already.
        QVERIFY(parent.state() == QProcess::NotRunning || parent.waitForFinished(kPatience));
        QCOMPARE(parent.exitStatus(), QProcess::CrashExit);
        const bool grandchildrenGone =
            QTest::qWaitFor([&] { return noneAlive(grandchildren); }, 1000);
        qInfo("parent SIGKILLed: its %d workers and their %d commands gone within %lld ms; the "
              "commands' own children %s",
              kWorkers, kWorkers, took, grandchildrenGone ? "too" : "still alive a second later");
        killAll(orphans);
        QVERIFY2(gone, "workers or commands outlived their SIGKILLed parent");

        QTRY_COMPARE_WITH_TIMEOUT(ourTemporaryFiles(logs.path(), orphans + QList{parentPid}),
                                  filesBefore, kPatience);
        // The logs are there, and nothing else: no temporary file of a command's log.
        const QStringList logFiles =
            QDir(logs.path()).entryList(QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot);
        for (const QString &name : logFiles)
            QVERIFY2(name.startsWith(QLatin1String("out."))
                         || name.startsWith(QLatin1String("err.")),
                     qPrintable(name));

        // A command's own children go too: the worker, told of its parent's death by a
        // signal it handles, kills the command's process group before it exits.
        QVERIFY2(grandchildrenGone, "the commands' own children outlived the parent");
    }
};

int main(int argc, char **argv)
{
    jobpool::init(argc, argv); // in a worker, runs the tasks and never returns
    if (argc > 1 && qstrcmp(argv[1], "--busy-parent") == 0)
        return runBusyParent(argc, argv);
    QCoreApplication app(argc, argv);
    TestParentDeath test;
    return QTest::qExec(&test, argc, argv);
}

#include "tst_parentdeath.moc"
