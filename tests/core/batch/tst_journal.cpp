// SPDX-License-Identifier: GPL-3.0-or-later
// A batch's journal (core/batch/journal.h): exec() records each start and end in it before
// the command starts and before it returns; the job store replays it when it recovers a
// batch whose runner died, so that a pipelined runner loses no end it had not committed.
// Real commands, real SQLite files, and a runner process that is SIGKILLed.
//
// This executable is also the pool's worker program.
#include "testsupport.h"

#include <jobpool/batchoptions.h>
#include <jobpool/exec.h>
#include <jobpool/jobpool.h>
#include <jobpool/jobstore.h>

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>

using namespace jobpool;
using namespace std::chrono_literals;

namespace {

constexpr char kJournal[] = "jobpool.journal";

QByteArray folderOf(const QTemporaryDir &dir)
{
    return QFile::encodeName(dir.path());
}

/// Runs \a argv as attempt \a attempt of job \a seq, journalled in \a folder.
ExecResult runJournalled(const QByteArray &folder, qint64 seq, int attempt, QList<QByteArray> argv)
{
    ExecRequest request;
    request.argv = std::move(argv);
    request.tag = seq;
    request.attempt = attempt;
    request.journalPath = folder + '/' + kJournal;
    return exec(request);
}

QByteArray readAll(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

bool appendTo(const QString &path, const QByteArray &bytes)
{
    QFile file(path);
    return file.open(QIODevice::Append) && file.write(bytes) == bytes.size();
}

/// A store at \a dir with one batch of \a jobs jobs whose logs go to \a dir; its runner
/// has stopped, so that recover() replays the journal.
qint64 makeBatch(JobStore &store, const QTemporaryDir &dir, int jobs, int tries = 1)
{
    BatchOptions options;
    options.tries = tries;
    const qint64 batch = store.createBatch(
        {.templateArgv = {"true"}, .options = options.toJson(), .logDirectory = folderOf(dir)});
    QList<QList<QByteArray>> inputs;
    for (int i = 1; i <= jobs; ++i)
        inputs.append({QByteArray::number(i)});
    store.addJobs(batch, inputs);
    return batch;
}

} // namespace

// --- what runs in a child process -----------------------------------------------------------

/// A runner that dies between its workers' ends and its commit of them: job 1 is
/// committed done; job 2 ended (journalled) but was never committed; job 3 was started
/// (journalled) when the kill came; job 4 never started.
void runThenDie(QString storePath, QString folder)
{
    JobStore store = JobStore::open(storePath);
    const qint64 batch =
        store.createBatch({.templateArgv = {"true"}, .logDirectory = QFile::encodeName(folder)});
    store.addJobs(batch, {{"1"}, {"2"}, {"3"}, {"4"}});
    const QByteArray f = QFile::encodeName(folder);
    const ExecResult first = runJournalled(f, 1, 1, {"true"});
    store.jobStarted({batch, 1}, {.attempt = 1});
    store.jobFinished({batch, 1}, {.attempt = 1, .exec = first});
    store.flush();
    runJournalled(f, 2, 1, {"sh", "-c", "exit 3"});
    QFile journal(folder + u'/' + QLatin1String(kJournal));
    if (journal.open(QIODevice::Append))
        journal.write("S\t3\t1\t1700000000000\t" + QByteArray::number(::getpid()) + '\n');
    journal.close();
    ::raise(SIGKILL);
}
JOBPOOL_TASK(runThenDie)

class TestJournal : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase() { test::installProcessLeakGuard(); }
    void cleanup()
    {
        const QString left = test::leftovers(20000);
        QVERIFY2(left.isEmpty(), qPrintable(left));
    }

    // exec() writes a start and an end line, the end with exec()'s figures.
    void execWritesStartAndEnd()
    {
        QTemporaryDir dir;
        const ExecResult r = runJournalled(folderOf(dir), 7, 2, {"sh", "-c", "exit 5"});
        QCOMPARE(r.exitCode, 5);
        const QList<QByteArray> lines = readAll(dir.filePath(QLatin1String(kJournal))).split('\n');
        QCOMPARE(lines.size(), 3); // two records, then what follows the last newline
        QVERIFY2(lines[0].startsWith("S\t7\t2\t"), lines[0].constData());
        QVERIFY2(lines[1].startsWith(QByteArray("E\t7\t2\t" + QByteArray::number(r.pid) + '\t')),
                 lines[1].constData());
        QCOMPARE(lines[1].split('\t').value(5), QByteArray("5"));
        QVERIFY(lines[2].isEmpty());
        // The journal is the batch's own business: its owner's alone.
        QCOMPARE(QFile::permissions(dir.filePath(QLatin1String(kJournal))) & 0x0077,
                 QFileDevice::Permissions());
    }

    // A command that cannot start still ends in the journal, with its error.
    void failureToStartIsAnEnd()
    {
        QTemporaryDir dir;
        const ExecResult r = runJournalled(folderOf(dir), 1, 1, {"no-such-command-here"});
        QCOMPARE(r.exitCode, 127);
        JobStore store = JobStore::open(dir.filePath(QStringLiteral("jobs.sqlite")));
        const qint64 batch = makeBatch(store, dir, 1);
        store.batchFinished(batch, BatchState::Stopped);
        QCOMPARE(store.replayJournal(batch), 2);
        const JobRecord job = *store.job({batch, 1});
        QCOMPARE(job.state, JobState::Failed);
        QCOMPARE(job.exitCode, std::optional<int>(127));
        QVERIFY2(job.lastAttempt.error.contains(u"no-such-command-here"),
                 qPrintable(job.lastAttempt.error));
    }

    // While the hold file exists, nothing starts and nothing is journalled.
    void holdFileKeepsCommandsFromStarting()
    {
        QTemporaryDir dir;
        const QString hold = dir.filePath(QStringLiteral("jobpool.hold"));
        QVERIFY(appendTo(hold, {}));
        ExecRequest request;
        request.argv = {"touch", QFile::encodeName(dir.filePath(QStringLiteral("ran")))};
        request.journalPath = folderOf(dir) + '/' + kJournal;
        request.holdPath = QFile::encodeName(hold);
        request.tag = 1;
        request.attempt = 1;
        ExecResult r = exec(request);
        QVERIFY(r.held);
        QVERIFY(!r.succeeded());
        QVERIFY(!QFile::exists(dir.filePath(QStringLiteral("ran"))));
        QVERIFY(!QFile::exists(dir.filePath(QLatin1String(kJournal))));
        QVERIFY(QFile::remove(hold));
        r = exec(request);
        QVERIFY(!r.held);
        QVERIFY(r.succeeded());
        QVERIFY(QFile::exists(dir.filePath(QStringLiteral("ran"))));
    }

    // The store takes what it lacks from the journal: ends, and starts left running
    // (which recovery then marks interrupted); a failed attempt with tries left goes
    // back to pending.
    void replayFillsWhatTheStoreLacks()
    {
        QTemporaryDir dir;
        const QByteArray folder = folderOf(dir);
        const ExecResult done = runJournalled(folder, 1, 1, {"true"});
        runJournalled(folder, 2, 1, {"false"});
        runJournalled(folder, 3, 1, {"false"});
        runJournalled(folder, 3, 2, {"true"});
        QVERIFY(appendTo(dir.filePath(QLatin1String(kJournal)), "S\t4\t1\t1700000000000\t1234\n"));

        JobStore store = JobStore::open(dir.filePath(QStringLiteral("jobs.sqlite")));
        const qint64 batch = makeBatch(store, dir, 5, 3);
        store.batchFinished(batch, BatchState::Stopped);
        QCOMPARE(store.recover(batch), 1); // job 4, left running
        QVERIFY(!QFile::exists(dir.filePath(QLatin1String(kJournal))));

        JobRecord job = *store.job({batch, 1});
        QCOMPARE(job.state, JobState::Done);
        QCOMPARE(job.lastAttempt.commandPid, done.pid);
        QCOMPARE(job.lastAttempt.wallUs, done.wallUs);
        QCOMPARE(job.lastAttempt.stdoutPath, folder + "/1.out");
        QCOMPARE(store.job({batch, 2})->state, JobState::Pending); // tries left
        QCOMPARE(store.attempts({batch, 2}).size(), 1);
        job = *store.job({batch, 3});
        QCOMPARE(job.state, JobState::Done);
        QCOMPARE(job.attempts, 2);
        QCOMPARE(store.attempts({batch, 3}).first().outcome, JobState::Failed);
        job = *store.job({batch, 4});
        QCOMPARE(job.state, JobState::Interrupted);
        QCOMPARE(job.lastAttempt.workerPid, 1234);
        QCOMPARE(store.job({batch, 5})->state, JobState::Pending);
    }

    // A batch on Slurm: each array task's journal, in its array's folder, counts too (a
    // `jobpool run --slurm` killed while its arrays ran), and stays where it is.
    void replayReadsTheNodesJournals()
    {
        QTemporaryDir dir;
        QVERIFY(QDir(dir.path()).mkpath(QStringLiteral("slurm-1")));
        QVERIFY(QDir(dir.path()).mkpath(QStringLiteral("slurm-2")));
        const QByteArray folder = folderOf(dir);
        ExecRequest first;
        first.argv = {"true"};
        first.tag = 1;
        first.attempt = 1;
        first.journalPath = folder + "/slurm-1/task-0.journal";
        const ExecResult done = exec(first);
        QVERIFY(appendTo(dir.filePath(QStringLiteral("slurm-2/task-3.journal")),
                         "S\t2\t1\t1700000000000\t4321\n"));

        JobStore store = JobStore::open(dir.filePath(QStringLiteral("jobs.sqlite")));
        const qint64 batch = makeBatch(store, dir, 3);
        store.batchFinished(batch, BatchState::Stopped);
        QCOMPARE(store.recover(batch), 1); // job 2, left running on its node
        QCOMPARE(store.job({batch, 1})->state, JobState::Done);
        QCOMPARE(store.job({batch, 1})->lastAttempt.commandPid, done.pid);
        QCOMPARE(store.job({batch, 2})->state, JobState::Interrupted);
        QCOMPARE(store.job({batch, 3})->state, JobState::Pending);
        QVERIFY(QFile::exists(dir.filePath(QStringLiteral("slurm-1/task-0.journal"))));
        QCOMPARE(store.replayJournal(batch), 0); // nothing new the second time
    }

    // An end the store has is kept as it is: the runner knew more (a job it stopped is
    // interrupted, not failed, though its command died of a signal).
    void storedEndsWin()
    {
        QTemporaryDir dir;
        const ExecResult killed = runJournalled(folderOf(dir), 1, 1, {"sh", "-c", "kill $$"});
        QCOMPARE(killed.signal, SIGTERM);
        JobStore store = JobStore::open(dir.filePath(QStringLiteral("jobs.sqlite")));
        const qint64 batch = makeBatch(store, dir, 1);
        store.jobStarted({batch, 1}, {.attempt = 1});
        store.jobFinished({batch, 1},
                          {.attempt = 1, .exec = killed, .state = JobState::Interrupted});
        store.batchFinished(batch, BatchState::Stopped);
        QCOMPARE(store.replayJournal(batch), 0);
        QCOMPARE(store.job({batch, 1})->state, JobState::Interrupted);
    }

    // Lines that do not parse — garbage, a line cut short by a full disk — are passed over;
    // the others still count.
    void damagedLinesArePassedOver()
    {
        QTemporaryDir dir;
        runJournalled(folderOf(dir), 1, 1, {"true"});
        QVERIFY(appendTo(dir.filePath(QLatin1String(kJournal)),
                         "garbage\nE\tx\t1\n\x01\x02\xff\tE\t2\t1\t9"));
        JobStore store = JobStore::open(dir.filePath(QStringLiteral("jobs.sqlite")));
        const qint64 batch = makeBatch(store, dir, 2);
        store.batchFinished(batch, BatchState::Stopped);
        QCOMPARE(store.replayJournal(batch), 2);
        QCOMPARE(store.job({batch, 1})->state, JobState::Done);
        QCOMPARE(store.job({batch, 2})->state, JobState::Pending);
    }

    // The whole path: a runner SIGKILLed after an end it never committed. The next open
    // of the store replays the journal: the ended job is not run again, the one left
    // running is interrupted, the one never started is pending.
    void runnerKilledBeforeItsCommit()
    {
        QTemporaryDir dir;
        const QString storePath = dir.filePath(QStringLiteral("jobs.sqlite"));
        Process runner(runThenDie, storePath, dir.path());
        runner.start();
        QVERIFY(runner.join(60s));
        QCOMPARE(runner.exitCode(), std::optional<int>(-SIGKILL));

        JobStore store = JobStore::open(storePath);
        const BatchRecord b = *store.batch(1);
        QCOMPARE(b.state, BatchState::Interrupted);
        QCOMPARE(store.job({1, 1})->state, JobState::Done);
        const JobRecord second = *store.job({1, 2});
        QCOMPARE(second.state, JobState::Failed);
        QCOMPARE(second.exitCode, std::optional<int>(3));
        QCOMPARE(store.job({1, 3})->state, JobState::Interrupted);
        QCOMPARE(store.job({1, 4})->state, JobState::Pending);
        QVERIFY(!QFile::exists(dir.filePath(QLatin1String(kJournal))));
        QList<qint64> toRun;
        for (const JobToRun &job : store.jobsToRun(1, ResumeMode::Resume))
            toRun.append(job.seq);
        QCOMPARE(toRun, (QList<qint64>{3, 4}));
    }
};

JOBPOOL_TEST_MAIN(TestJournal)
#include "tst_journal.moc"
