// SPDX-License-Identifier: GPL-3.0-or-later
// BatchSession, the desktop app's batches: real stores, real worker processes, real
// commands. Batches run one at a time; pause, the pool size, cancel, retry and resume
// after a kill act on them; the built-in presets run inside the workers.
//
// This executable is also the pool's worker program.
#include "testsupport.h"

#include <jobpool/batchsession.h>
#include <jobpool/jobpool.h>

#include <QCryptographicHash>
#include <QFile>
#include <QProcess>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>

using namespace jobpool;
using namespace jobpool::test;
using namespace std::chrono_literals;

namespace {

QByteArray testApp()
{
    return QFile::encodeName(testAppPath());
}

QByteArray readAll(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray("<missing>");
}

QByteArray writeFile(const QTemporaryDir &dir, const QString &name, const QByteArray &bytes)
{
    QFile file(dir.filePath(name));
    if (!file.open(QIODevice::WriteOnly) || file.write(bytes) != bytes.size())
        qFatal("cannot write %s", qPrintable(file.fileName()));
    return QFile::encodeName(file.fileName());
}

} // namespace

/// Stores a batch of \a jobs `testapp echo {}` jobs, starts the first two, and dies.
void startThenDie(QString path, QByteArray program, int jobs)
{
    JobStore store = JobStore::open(path);
    const qint64 batch = store.createBatch(
        {.name = QStringLiteral("crashed"), .templateArgv = {program, "echo", "{}"}});
    QList<QList<QByteArray>> inputs;
    for (int i = 1; i <= jobs; ++i)
        inputs.append({"item-" + QByteArray::number(i)});
    store.addJobs(batch, inputs);
    for (qint64 seq = 1; seq <= 2; ++seq)
        store.jobStarted({batch, seq}, {.attempt = 1, .slot = int(seq)});
    store.flush();
    ::raise(SIGKILL);
}
JOBPOOL_TASK(startThenDie)

class TestBatchSession : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        installProcessLeakGuard();
        m_shm = sharedMemoryEntries();
    }
    void init() { QVERIFY(m_dir.emplace().isValid()); }
    void cleanup()
    {
        m_dir.reset();
        const QString left = leftovers(20000);
        QVERIFY2(left.isEmpty(), qPrintable(left));
        QCOMPARE(sharedMemoryEntries(), m_shm);
    }

    // The three built-in presets run inside the workers: sha256sum's line, size and lines,
    // and FILE.gz beside FILE that gunzip reads back. A missing file fails its job only.
    void builtinPresets()
    {
        const QByteArray text = "one\ntwo\nthree";
        const QByteArray a = writeFile(*m_dir, QStringLiteral("a.txt"), text);
        const QByteArray missing = QFile::encodeName(m_dir->filePath(QStringLiteral("nope")));
        BatchSession session(options(2));
        QSignalSpy finished(&session, &BatchSession::batchFinished);
        const qint64 sha =
            session.submit({.templateArgv = {"@sha256", "{}"}, .inputs = {a, missing}});
        const qint64 count = session.submit({.templateArgv = {"@count", "{}"}, .inputs = {a}});
        const qint64 gzip = session.submit({.templateArgv = {"@gzip", "{}"}, .inputs = {a}});
        QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 3, 30000);

        const JobRecord hashed = *session.store().job({sha, 1});
        QCOMPARE(hashed.state, JobState::Done);
        QCOMPARE(readAll(QFile::decodeName(hashed.lastAttempt.stdoutPath)),
                 QCryptographicHash::hash(text, QCryptographicHash::Sha256).toHex() + "  " + a
                     + '\n');
        QVERIFY(hashed.lastAttempt.workerPid > 0); // a worker of the pool ran it
        QVERIFY(hashed.lastAttempt.workerPid != QCoreApplication::applicationPid());
        const JobRecord lost = *session.store().job({sha, 2});
        QCOMPARE(lost.state, JobState::Failed);
        QCOMPARE(lost.exitCode, std::optional<int>(1));
        QVERIFY2(readAll(QFile::decodeName(lost.lastAttempt.stderrPath)).contains("cannot read"),
                 readAll(QFile::decodeName(lost.lastAttempt.stderrPath)).constData());

        const JobRecord counted = *session.store().job({count, 1});
        QCOMPARE(readAll(QFile::decodeName(counted.lastAttempt.stdoutPath)), "13\t3\t" + a + '\n');

        QCOMPARE(session.store().job({gzip, 1})->state, JobState::Done);
        QProcess gunzip;
        gunzip.start(QStringLiteral("gzip"), {QStringLiteral("-dc"), QFile::decodeName(a + ".gz")});
        QVERIFY(gunzip.waitForFinished(10000));
        QCOMPARE(gunzip.readAllStandardOutput(), text);
        // A second run does not overwrite the .gz: that job fails and says why.
        const qint64 again = session.submit({.templateArgv = {"@gzip", "{}"}, .inputs = {a}});
        QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 4, 30000);
        const JobRecord refused = *session.store().job({again, 1});
        QCOMPARE(refused.state, JobState::Failed);
        QVERIFY(
            readAll(QFile::decodeName(refused.lastAttempt.stderrPath)).contains("already exists"));
    }

    // A batch with a slot per CPU keeps each worker to a CPU (PoolOptions::pinWorkers); the
    // commands they start may run on every CPU this process may.
    void commandsRunOnEveryCpuTheirWorkerOnOne()
    {
        const QByteArray ours = cpusAllowed(readAll(QStringLiteral("/proc/self/status")));
        BatchSession session(options(usableCpuCount()));
        QSignalSpy finished(&session, &BatchSession::batchFinished);
        const qint64 batch = session.submit(
            {.templateArgv = {"sh", "-c", "cat /proc/self/status; echo ---; cat /proc/$PPID/status",
                              "sh", "{}"},
             .inputs = {"x"}});
        QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 30000);
        const JobRecord job = *session.store().job({batch, 1});
        QCOMPARE(job.state, JobState::Done);
        const QByteArray both = readAll(QFile::decodeName(job.lastAttempt.stdoutPath));
        const qsizetype mark = both.indexOf("\n---\n");
        QVERIFY2(mark > 0, both.constData());
        QCOMPARE(cpusAllowed(both.left(mark)), ours);
        const QByteArray worker = cpusAllowed(both.mid(mark));
        if (ours.contains('-') || ours.contains(','))
            QVERIFY2(!worker.contains('-') && !worker.contains(','), worker.constData());
        else
            QCOMPARE(worker, ours); // one CPU: nothing to keep to
    }

    // A template that cannot be parsed is refused before anything is stored.
    void badTemplate()
    {
        BatchSession session(options(1));
        QVERIFY_THROWS_EXCEPTION(
            std::exception,
            session.submit({.templateArgv = {"echo", "{unknown"}, .inputs = {"a"}}));
        QVERIFY_THROWS_EXCEPTION(std::exception, session.submit({.inputs = {"a"}}));
        QVERIFY(session.store().batches().isEmpty());
        QCOMPARE(session.state(), BatchSession::State::Idle);
    }

    // Batches added while one runs wait their turn, in order.
    void batchesWaitTheirTurn()
    {
        BatchSession session(options(1));
        QSignalSpy started(&session, &BatchSession::batchStarted);
        QSignalSpy finished(&session, &BatchSession::batchFinished);
        const qint64 first = session.submit(echo({"a", "b"}));
        const qint64 second = session.submit(echo({"c"}));
        QCOMPARE(session.runningBatch(), first);
        QCOMPARE(session.waitingBatches(), QList<qint64>{second});
        QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 2, 30000);
        QCOMPARE(started.at(0).at(0).toLongLong(), first);
        QCOMPARE(started.at(1).at(0).toLongLong(), second);
        QCOMPARE(finished.at(1).at(1).value<BatchState>(), BatchState::Finished);
        QCOMPARE(session.store().batch(second)->counts.done, 1);
        QCOMPARE(session.state(), BatchSession::State::Idle);
    }

    // A batch's options are stored with it, Slurm's among them, so that it runs where it
    // was meant to when its turn comes or when it is resumed. The Slurm batch never starts
    // here: it waits behind a hanging batch, and stop() holds it back.
    void storesSlurmOptions()
    {
        BatchSession session(options(1));
        QSignalSpy started(&session, &BatchSession::batchStarted);
        QSignalSpy finished(&session, &BatchSession::batchFinished);
        const qint64 local = session.submit(hang(1));
        QTRY_COMPARE_WITH_TIMEOUT(session.runner()->counts().running, 1, 20000);
        BatchSession::NewBatch onSlurm = echo({"a", "b"});
        onSlurm.slurm.enabled = true;
        onSlurm.slurm.partition = QStringLiteral("short");
        onSlurm.slurm.timeLimit = QStringLiteral("0:30");
        const qint64 slurm = session.submit(onSlurm);
        QCOMPARE(session.runningBatch(), local);
        QCOMPARE(session.waitingBatches(), QList<qint64>{slurm});

        const SlurmOptions stored =
            BatchOptions::fromJson(session.store().batch(slurm)->options).slurm;
        QVERIFY(stored.enabled);
        QCOMPARE(stored.partition, QStringLiteral("short"));
        QCOMPARE(stored.timeLimit, QStringLiteral("0:30"));
        QCOMPARE(stored.inputsPerTask, 0); // defaults kept for what was not chosen
        QCOMPARE(stored.patienceSeconds, SlurmOptions{}.patienceSeconds);
        QCOMPARE(session.store().batch(slurm)->counts.pending, 2);
        QVERIFY(!BatchOptions::fromJson(session.store().batch(local)->options).slurm.enabled);

        session.stop(BatchRunner::Stop::Kill);
        QVERIFY(finished.wait(30000));
        QCOMPARE(finished.size(), 1);
        QCOMPARE(finished.at(0).at(0).toLongLong(), local);
        QCOMPARE(started.size(), 1);
        QCOMPARE(session.runningBatch(), 0);
        QCOMPARE(session.waitingBatches(), QList<qint64>{slurm});
        QCOMPARE(session.store().batch(slurm)->counts.pending, 2);
    }

    // Paused, nothing starts; resumed, everything runs.
    void pauseAndResume()
    {
        BatchSession session(options(2));
        QSignalSpy finished(&session, &BatchSession::batchFinished);
        session.pause();
        const qint64 batch = session.submit(echo({"a", "b", "c"}));
        QCOMPARE(session.state(), BatchSession::State::Paused);
        QCOMPARE(session.runner()->counts().running, 0); // unpaused, two would be running
        QCOMPARE(session.store().batch(batch)->counts.pending, 3);
        session.resume();
        QCOMPARE(session.state(), BatchSession::State::Running);
        QVERIFY(finished.wait(30000));
        QCOMPARE(session.store().batch(batch)->counts.done, 3);
    }

    // The pool grows while the batch runs: two hanging jobs run at once after the change.
    void poolSizeAppliedLive()
    {
        BatchSession session(options(1));
        QSignalSpy finished(&session, &BatchSession::batchFinished);
        const qint64 batch = session.submit(hang(3));
        QTRY_COMPARE_WITH_TIMEOUT(session.runner()->counts().running, 1, 20000);
        session.setPoolSize(2);
        QTRY_COMPARE_WITH_TIMEOUT(session.runner()->counts().running, 2, 20000);
        QTRY_COMPARE_WITH_TIMEOUT(session.workers().size(), 2, 20000);
        session.stop(BatchRunner::Stop::Kill);
        QVERIFY(finished.wait(30000));
        QCOMPARE(finished.at(0).at(1).value<BatchState>(), BatchState::Stopped);
        const BatchRecord b = *session.store().batch(batch);
        QCOMPARE(b.counts.interrupted, 2); // a resume runs them again
        QCOMPARE(b.counts.pending, 1);
    }

    // Cancelling kills a running job and keeps a waiting one from starting; both are
    // stored as skipped, and the batch goes on with the rest.
    void cancelRunningAndWaiting()
    {
        BatchSession session(options(1));
        QSignalSpy jobStarted(&session, &BatchSession::jobStarted);
        QSignalSpy finished(&session, &BatchSession::batchFinished);
        const qint64 batch = session.submit(hang(3));
        QTRY_COMPARE_WITH_TIMEOUT(jobStarted.size(), 1, 20000);
        session.cancel(batch, {1, 3});
        QCOMPARE(session.store().job({batch, 3})->state, JobState::Skipped);
        QTRY_COMPARE_WITH_TIMEOUT(jobStarted.size(), 2, 20000);
        QCOMPARE(jobStarted.at(1).at(1).value<BatchJob>().seq, 2);
        session.cancel(batch, {2});
        QVERIFY(finished.wait(30000));
        QCOMPARE(finished.at(0).at(1).value<BatchState>(), BatchState::Finished);
        const BatchRecord b = *session.store().batch(batch);
        QCOMPARE(b.counts.skipped, 3);
        QCOMPARE(b.counts.total(), 3);
        QCOMPARE(session.store().job({batch, 1})->lastAttempt.signal, SIGTERM);
    }

    // One running job paused on its own: its command's group stops (state T) while the
    // batch goes on; resumed, it finishes with its output whole. A job paused when the
    // batch stops is resumed to take the SIGTERM, so the batch ends instead of waiting.
    void pauseOneJob()
    {
        BatchSession session(options(2));
        QSignalSpy jobStarted(&session, &BatchSession::jobStarted);
        QSignalSpy pauses(&session, &BatchSession::jobPauseChanged);
        QSignalSpy finished(&session, &BatchSession::batchFinished);
        const QString go = m_dir->filePath(QStringLiteral("go"));
        const qint64 batch = session.submit(
            {.templateArgv = {"sh", "-c",
                              "echo before {}; while [ ! -e '" + QFile::encodeName(go)
                                  + "' ]; do :; done; echo after {}"},
             .inputs = {"a", "b", "c"}});
        QTRY_COMPARE_WITH_TIMEOUT(jobStarted.size(), 2, 20000);
        const auto commandOf = [&session](qint64 seq) {
            for (const WorkerInfo &w : session.workers()) {
                if (w.childTag == seq)
                    return pid_t(w.childPid);
            }
            return pid_t(0);
        };
        QTRY_VERIFY_WITH_TIMEOUT(commandOf(1) > 0, 20000);
        const pid_t command = commandOf(1);
        QCOMPARE(session.setJobPaused(batch, 1, true), QString());
        QCOMPARE(pauses.size(), 1);
        QCOMPARE(pauses.at(0).at(2).toBool(), true);
        QVERIFY(session.isJobPaused(batch, 1));
        QTRY_COMPARE(processState(command), QByteArray("T"));
        QVERIFY(!session.setJobPaused(batch, 3, true).isEmpty()); // not started: a reason
        QVERIFY(!session.setJobPaused(batch + 1, 1, true).isEmpty());

        // The others finish while it waits; then it goes on where it stopped.
        QVERIFY(QFile(go).open(QIODevice::WriteOnly));
        QTRY_COMPARE_WITH_TIMEOUT(session.store().job({batch, 2})->state, JobState::Done, 20000);
        QTRY_COMPARE_WITH_TIMEOUT(session.store().job({batch, 3})->state, JobState::Done, 20000);
        QCOMPARE(processState(command), QByteArray("T"));
        QCOMPARE(session.setJobPaused(batch, 1, false), QString());
        QVERIFY(finished.wait(30000));
        const JobRecord job = *session.store().job({batch, 1});
        QCOMPARE(job.state, JobState::Done);
        QFile log(QFile::decodeName(job.lastAttempt.stdoutPath));
        QVERIFY(log.open(QIODevice::ReadOnly));
        QCOMPARE(log.readAll(), QByteArray("before a\nafter a\n"));
        QCOMPARE(pauses.size(), 2);

        // Paused when the batch stops: resumed, terminated, stored as interrupted.
        QVERIFY(QFile::remove(go));
        const qint64 second = session.submit(hang(1));
        QTRY_VERIFY_WITH_TIMEOUT(commandOf(1) > 0, 20000);
        QCOMPARE(session.setJobPaused(second, 1, true), QString());
        QTRY_COMPARE(processState(commandOf(1)), QByteArray("T"));
        session.stop(BatchRunner::Stop::Terminate);
        QVERIFY(finished.wait(30000));
        QCOMPARE(session.store().job({second, 1})->state, JobState::Interrupted);
        QVERIFY(!session.isJobPaused(second, 1));
    }

    // Retry runs failed jobs again, in a batch that already finished: the second attempt
    // finds the file the first did not.
    void retryFailed()
    {
        BatchSession session(options(2));
        QSignalSpy finished(&session, &BatchSession::batchFinished);
        const QByteArray late = QFile::encodeName(m_dir->filePath(QStringLiteral("late")));
        const qint64 batch =
            session.submit({.templateArgv = {"cat", "{}"}, .inputs = {late, late}});
        QVERIFY(finished.wait(30000));
        QCOMPARE(session.store().batch(batch)->counts.failed, 2);
        writeFile(*m_dir, QStringLiteral("late"), "here\n");
        QSignalSpy changed(&session, &BatchSession::jobsChanged);
        session.retry(batch, {1, 2});
        QCOMPARE(changed.size(), 1);
        QCOMPARE(session.runningBatch(), batch);
        QVERIFY(finished.wait(30000));
        for (qint64 seq : {1, 2}) {
            const JobRecord job = *session.store().job({batch, seq});
            QCOMPARE(job.state, JobState::Done);
            QCOMPARE(job.attempts, 2);
        }
        // Done jobs are not run again.
        session.retry(batch, {1});
        QCOMPARE(session.runningBatch(), 0);
    }

    // After a kill, the batch is found interrupted; resuming runs the jobs that were
    // running and those never started, and keeps nothing twice.
    void resumeAfterKill()
    {
        const QString path = m_dir->filePath(QStringLiteral("jobs.sqlite"));
        Process writer(startThenDie, path, testApp(), 5);
        writer.start();
        QVERIFY(writer.join(60s));
        BatchSession::Options o = options(2);
        BatchSession session(o);
        const QList<BatchRecord> interrupted = session.interruptedBatches();
        QCOMPARE(interrupted.size(), 1);
        QCOMPARE(interrupted.front().name, QStringLiteral("crashed"));
        QSignalSpy finished(&session, &BatchSession::batchFinished);
        session.resumeBatch(interrupted.front().id);
        QVERIFY(finished.wait(30000));
        const BatchRecord b = *session.store().batch(interrupted.front().id);
        QCOMPARE(b.state, BatchState::Finished);
        QCOMPARE(b.counts.done, 5);
        QCOMPARE(b.counts.total(), 5);
        QVERIFY(session.interruptedBatches().isEmpty());
        const JobRecord first = *session.store().job({b.id, 1});
        QCOMPARE(readAll(QFile::decodeName(first.lastAttempt.stdoutPath)), "item-1\n");
    }

    // A store that is not a store: a clear error naming the file, and the file untouched.
    void damagedStore()
    {
        const QByteArray junk(4096, 'x');
        writeFile(*m_dir, QStringLiteral("jobs.sqlite"), junk);
        try {
            BatchSession session(options(1));
            QFAIL("a damaged store was opened");
        } catch (const std::exception &e) {
            QVERIFY2(QString::fromUtf8(e.what()).contains(QStringLiteral("jobs.sqlite")), e.what());
        }
        QCOMPARE(readAll(m_dir->filePath(QStringLiteral("jobs.sqlite"))), junk);
    }

private:
    BatchSession::Options options(int poolSize) const
    {
        BatchSession::Options o;
        o.storePath = m_dir->filePath(QStringLiteral("jobs.sqlite"));
        o.poolSize = poolSize;
        o.terminateGraceMs = 500;
        return o;
    }
    static BatchSession::NewBatch echo(QList<QByteArray> inputs)
    {
        return {.templateArgv = {testApp(), "echo", "{}"}, .inputs = std::move(inputs)};
    }
    static BatchSession::NewBatch hang(int jobs)
    {
        BatchSession::NewBatch b{.templateArgv = {testApp(), "hang"}};
        for (int i = 1; i <= jobs; ++i)
            b.inputs.append(QByteArray::number(i));
        return b;
    }

    std::optional<QTemporaryDir> m_dir;
    QStringList m_shm;
};

JOBPOOL_TEST_MAIN(TestBatchSession)

#include "tst_batchsession.moc"
