// SPDX-License-Identifier: GPL-3.0-or-later
// The job store on real SQLite files in temporary directories: every field back as it was
// written, batched flushes, recovery after a real SIGKILL, and the stores it must refuse
// (locked, read-only, corrupt, someone else's, newer) without changing a byte of them.
#include "testsupport.h"

#include <jobpool/jobpool.h>
#include <jobpool/jobstore.h>

#include <QCoreApplication>
#include <QCryptographicHash>
#include <QFile>
#include <QJsonArray>
#include <QRandomGenerator>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>

#include <sys/stat.h>
#include <unistd.h>

using namespace jobpool;
using namespace std::chrono_literals;
using namespace Qt::StringLiterals;

namespace {

#if defined(__SANITIZE_ADDRESS__)
constexpr qint64 kManyJobs = 200'000;
#else
constexpr qint64 kManyJobs = 1'000'000;
#endif

constexpr qint64 kKilledJobs = 1000;

JobStore::OpenOptions readOnly()
{
    return {.mode = JobStore::OpenMode::ReadOnly};
}

/// A short wait for another writer: a locked store fails in a blink.
JobStore::OpenOptions impatient()
{
    return {.busyTimeout = 100ms};
}

QByteArray fileHash(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return QCryptographicHash::hash(file.readAll(), QCryptographicHash::Sha256).toHex();
}

/// A second connection of our own, as another program (or process) would have.
class RawConnection
{
public:
    explicit RawConnection(const QString &path)
        : m_name(QStringLiteral("raw-%1").arg(++s_count))
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), m_name);
        db.setDatabaseName(path);
        db.setConnectOptions(QStringLiteral("QSQLITE_BUSY_TIMEOUT=0"));
        m_open = db.open();
    }
    ~RawConnection()
    {
        QSqlDatabase::database(m_name, false).close();
        QSqlDatabase::removeDatabase(m_name);
    }
    RawConnection(const RawConnection &) = delete;
    RawConnection &operator=(const RawConnection &) = delete;

    bool isOpen() const { return m_open; }
    /// Runs \a sql; an empty string when it worked, else the error.
    QString exec(const QString &sql)
    {
        QSqlQuery q(QSqlDatabase::database(m_name, false));
        return q.exec(sql) ? QString() : q.lastError().text();
    }
    QVariant value(const QString &sql)
    {
        QSqlQuery q(QSqlDatabase::database(m_name, false));
        return q.exec(sql) && q.next() ? q.value(0) : QVariant();
    }

private:
    static inline int s_count = 0;
    QString m_name;
    bool m_open = false;
};

ExecResult execResult(int exitCode, int signal = 0)
{
    ExecResult r;
    r.pid = 7000 + exitCode;
    r.exitCode = exitCode;
    r.signal = signal;
    r.startedAtMs = 1'700'000'000'000;
    r.endedAtMs = 1'700'000'000'250;
    r.wallUs = 250'123;
    r.userUs = 120'456;
    r.systemUs = 30'789;
    r.maxRssKiB = 4321;
    return r;
}

void startAndFinish(JobStore &store, JobKey key, int exitCode, int attempt = 1)
{
    store.jobStarted(key, {.attempt = attempt, .slot = 1, .workerPid = 99});
    store.jobFinished(key, {.attempt = attempt, .exec = execResult(exitCode)});
}

QList<QList<QByteArray>> numberedInputs(qint64 n)
{
    QList<QList<QByteArray>> inputs;
    for (qint64 i = 1; i <= n; ++i)
        inputs.append({"file-" + QByteArray::number(i)});
    return inputs;
}

/// A store of its own in a temporary folder, with one batch running `true` over \a jobs
/// numbered inputs.
struct StoreWithBatch
{
    explicit StoreWithBatch(qint64 jobs, JobStore::OpenOptions options = {})
        : store(JobStore::open(path, options))
        , batch(store.createBatch({.templateArgv = {"true"}}))
    {
        store.addJobs(batch, numberedInputs(jobs));
    }

    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("jobs.sqlite"));
    JobStore store;
    const qint64 batch;
};

/// A store that is whole: a few thousand jobs, so that it spans many pages.
void makeStore(const QString &path, qint64 jobs = 5000)
{
    JobStore store = JobStore::open(path);
    const qint64 batch = store.createBatch({.templateArgv = {"true"}});
    store.addJobs(batch, numberedInputs(jobs));
    store.batchFinished(batch, BatchState::Finished);
}

StoreError::Reason openFails(const QString &path, const JobStore::OpenOptions &options,
                             QString *message = nullptr)
{
    try {
        JobStore::open(path, options);
    } catch (const StoreError &e) {
        if (message)
            *message = e.message();
        return e.reason();
    }
    return StoreError::Reason(-1);
}

} // namespace

namespace jobpool {
// Readable QCOMPARE failures (found by argument-dependent lookup).
char *toString(JobState state)
{
    return qstrdup(qPrintable(stateName(state)));
}
char *toString(BatchState state)
{
    return qstrdup(qPrintable(stateName(state)));
}
} // namespace jobpool

// --- what runs in a child process -----------------------------------------------------------

/// Writes to a fresh store and dies without a word, leaving: jobs 1–300 done (committed),
/// 301–310 running (committed), 311–320 done but never flushed, the rest pending.
void writeThenDie(QString path)
{
    JobStore store = JobStore::open(path);
    const qint64 batch =
        store.createBatch({.name = QStringLiteral("killed"), .templateArgv = {"true"}});
    store.addJobs(batch, numberedInputs(kKilledJobs));
    for (qint64 seq = 1; seq <= 300; ++seq)
        startAndFinish(store, {batch, seq}, 0);
    store.flush();
    for (qint64 seq = 301; seq <= 310; ++seq)
        store.jobStarted({batch, seq}, {.attempt = 1, .slot = 1, .workerPid = 99});
    store.flush();
    for (qint64 seq = 311; seq <= 320; ++seq)
        startAndFinish(store, {batch, seq}, 0);
    ::raise(SIGKILL);
}
JOBPOOL_TASK(writeThenDie)

/// Runs jobs four at a time (start four, flush, finish them, flush) until it is killed;
/// \a committed holds the last seq known to be committed done, \a going is set once a
/// few windows are through.
void writeUntilKilled(QString path, Value<qint64> committed, Event going)
{
    JobStore store = JobStore::open(path);
    const qint64 batch = store.createBatch({.templateArgv = {"true"}});
    store.addJobs(batch, numberedInputs(20'000));
    for (qint64 seq = 1; seq + 3 <= 20'000; seq += 4) {
        for (qint64 s = seq; s < seq + 4; ++s)
            store.jobStarted({batch, s}, {.attempt = 1, .slot = int(s - seq) + 1});
        store.flush();
        for (qint64 s = seq; s < seq + 4; ++s)
            store.jobFinished({batch, s}, {.attempt = 1, .exec = execResult(0)});
        store.flush();
        committed.store(seq + 3);
        if (seq == 4 * 20 + 1)
            going.set();
    }
    going.set();
    Event().wait(); // never set: wait for the kill
}
JOBPOOL_TASK(writeUntilKilled)

class TestJobStore : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        test::installProcessLeakGuard();
    }
    void cleanup()
    {
        const QString left = test::leftovers(20000);
        QVERIFY2(left.isEmpty(), qPrintable(left));
    }

    void defaultPath()
    {
        const QString path = JobStore::defaultPath();
        QVERIFY(path.endsWith(QStringLiteral("/jobs.sqlite")));
        QVERIFY2(path.contains(QStringLiteral("qttest")), qPrintable(path)); // test mode
    }

    void roundTrip_data()
    {
        QTest::addColumn<QList<QByteArray>>("inputs");
        QTest::newRow("plain") << QList<QByteArray>{"photo.jpg"};
        QTest::newRow("spaces and quotes") << QList<QByteArray>{"it's a \"file\" $HOME; rm -rf"};
        QTest::newRow("newlines") << QList<QByteArray>{"line one\nline two\n"};
        QTest::newRow("not UTF-8") << QList<QByteArray>{"caf\xe9-\xff\xfe.txt"};
        QTest::newRow("NUL inside") << QList<QByteArray>{QByteArray("a\0b", 3)};
        QTest::newRow("empty") << QList<QByteArray>{QByteArray("")};
        QTest::newRow("leading dash") << QList<QByteArray>{"--rm"};
        QTest::newRow("two sources") << QList<QByteArray>{"x\xff", "3:abc,"};
        QTest::newRow("three, one empty") << QList<QByteArray>{"", "b\n", ","};
        QTest::newRow("no value") << QList<QByteArray>{};
    }
    void roundTrip()
    {
        QFETCH(QList<QByteArray>, inputs);
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("sub/dir/jobs.sqlite"));
        const BatchSpec spec{
            .name = QStringLiteral("holiday photos ✓"),
            .templateArgv = {"convert", "{}", "-resize", "50%", "out/\xff{/.}.png"},
            .shell = true,
            .options = QJsonObject{{QStringLiteral("jobSlots"), 4},
                                   {QStringLiteral("halt"), QStringLiteral("soon,fail=3")}},
            .workingDirectory = "/home/u/caf\xe9",
            .logDirectory = "/tmp/logs/1",
            .createdAtMs = 1'700'000'000'000,
        };
        ExecResult r = execResult(3);
        r.error = QStringLiteral("exit status 3 — see\nstderr");
        r.timedOut = true;
        qint64 batch = 0;
        {
            JobStore store = JobStore::open(path);
            batch = store.createBatch(spec);
            QCOMPARE(store.addJobs(batch, {inputs, {"second"}}), 2);
            store.jobStarted({batch, 1}, {.attempt = 1,
                                          .slot = 2,
                                          .workerPid = 1234,
                                          .startedAtMs = 1'700'000'000'001,
                                          .stdoutPath = "/tmp/logs/1/1.out\xff",
                                          .stderrPath = "/tmp/logs/1/1.err"});
            store.flush();
            store.jobFinished({batch, 1}, {.attempt = 1, .exec = r});
            store.batchFinished(batch, BatchState::Finished);
        }
        for (JobStore::OpenMode mode :
             {JobStore::OpenMode::ReadWrite, JobStore::OpenMode::ReadOnly}) {
            JobStore store = JobStore::open(path, {.mode = mode});
            const std::optional<BatchRecord> b = store.batch(batch);
            QVERIFY(b);
            QCOMPARE(b->name, spec.name);
            QCOMPARE(b->templateArgv, spec.templateArgv);
            QCOMPARE(b->shell, true);
            QCOMPARE(b->options, spec.options);
            QCOMPARE(b->workingDirectory, spec.workingDirectory);
            QCOMPARE(b->logDirectory, spec.logDirectory);
            QCOMPARE(b->createdAtMs, spec.createdAtMs);
            QCOMPARE(b->state, BatchState::Finished);
            QVERIFY(b->finishedAtMs >= spec.createdAtMs);
            QCOMPARE(b->ownerPid, qint64(getpid()));
            QCOMPARE(b->counts.failed, 1);
            QCOMPARE(b->counts.pending, 1);
            QCOMPARE(b->counts.total(), 2);

            const QList<JobRecord> jobs = store.jobs(batch);
            QCOMPARE(jobs.size(), 2);
            const JobRecord &j = jobs.first();
            QCOMPARE(j.seq, 1);
            QCOMPARE(j.inputs, inputs);
            QCOMPARE(j.state, JobState::Failed);
            QCOMPARE(j.attempts, 1);
            QCOMPARE(j.exitCode, std::optional<int>(3));
            QCOMPARE(jobs.last().inputs, QList<QByteArray>{"second"});
            QCOMPARE(jobs.last().lastAttempt.attempt, 0);

            const QList<AttemptRecord> attempts = store.attempts({batch, 1});
            QCOMPARE(attempts.size(), 1);
            const AttemptRecord &a = attempts.first();
            QCOMPARE(a.attempt, 1);
            QCOMPARE(a.slot, 2);
            QCOMPARE(a.workerPid, 1234);
            QCOMPARE(a.commandPid, r.pid);
            QCOMPARE(a.startedAtMs, r.startedAtMs); // exec's own figure wins
            QCOMPARE(a.endedAtMs, r.endedAtMs);
            QCOMPARE(a.wallUs, r.wallUs);
            QCOMPARE(a.userCpuUs, r.userUs);
            QCOMPARE(a.systemCpuUs, r.systemUs);
            QCOMPARE(a.peakRssKiB, r.maxRssKiB);
            QCOMPARE(a.exitCode, std::optional<int>(3));
            QCOMPARE(a.signal, 0);
            QCOMPARE(a.timedOut, true);
            QCOMPARE(a.outcome, JobState::Failed);
            QCOMPARE(a.stdoutPath, QByteArray("/tmp/logs/1/1.out\xff"));
            QCOMPARE(a.stderrPath, QByteArray("/tmp/logs/1/1.err"));
            QCOMPARE(a.error, r.error);
            QCOMPARE(j.lastAttempt.wallUs, r.wallUs);
        }
    }

    void killedBySignal()
    {
        QTemporaryDir dir;
        JobStore store = JobStore::open(dir.filePath(QStringLiteral("jobs.sqlite")));
        const qint64 batch = store.createBatch({.templateArgv = {"sleep", "{}"}});
        store.addJobs(batch, {{"9"}});
        store.jobStarted({batch, 1}, {});
        store.jobFinished({batch, 1}, {.exec = execResult(-1, SIGTERM)});
        const JobRecord j = *store.job({batch, 1});
        QCOMPARE(j.state, JobState::Failed);
        QCOMPARE(j.exitCode, std::nullopt); // a killed command has no exit status
        QCOMPARE(j.signal, SIGTERM);
        QCOMPARE(j.lastAttempt.signal, SIGTERM);
        QCOMPARE(j.lastAttempt.exitCode, std::nullopt);
    }

    void flushIsBatched()
    {
        StoreWithBatch s(100);
        JobStore &writer = s.store;
        const qint64 batch = s.batch;
        JobStore reader = JobStore::open(s.path, readOnly()); // reads never flush the writer

        QVERIFY(!writer.hasPendingChanges());
        for (qint64 seq = 1; seq <= 50; ++seq)
            startAndFinish(writer, {batch, seq}, seq % 5 == 0 ? 1 : 0);
        for (qint64 seq = 51; seq <= 60; ++seq)
            writer.jobStarted({batch, seq}, {});
        QVERIFY(writer.hasPendingChanges());
        QCOMPARE(reader.jobCount(batch, {JobState::Pending}), 100);
        QCOMPARE(reader.attempts({batch, 1}).size(), 0);
        QCOMPARE(reader.job({batch, 51})->state, JobState::Pending);

        writer.flush();
        QVERIFY(!writer.hasPendingChanges());
        QCOMPARE(reader.jobCount(batch, {JobState::Done}), 40);
        QCOMPARE(reader.jobCount(batch, {JobState::Failed}), 10);
        QCOMPARE(reader.jobCount(batch, {JobState::Running}), 10);
        QCOMPARE(reader.jobCount(batch, {JobState::Pending}), 40);
        QCOMPARE(reader.jobs(batch, {JobState::Running}).size(), 10);
        QCOMPARE(reader.attempts({batch, 1}).size(), 1);
        QCOMPARE(reader.job({batch, 51})->lastAttempt.outcome, JobState::Running);

        // Finishing what was started in an earlier flush updates the stored attempt.
        writer.jobFinished({batch, 51}, {.exec = execResult(0)});
        writer.flush();
        const AttemptRecord a = reader.attempts({batch, 51}).value(0);
        QCOMPARE(a.outcome, JobState::Done);
        QCOMPARE(a.wallUs, execResult(0).wallUs);
        writer.flush(); // nothing pending: nothing happens
    }

    void flushKeepsChangesWhileLocked()
    {
        StoreWithBatch s(10, impatient());
        auto &[dir, path, store, batch] = s;
        startAndFinish(store, {batch, 1}, 0);
        {
            RawConnection other(path);
            QVERIFY(other.isOpen());
            QCOMPARE(other.exec(QStringLiteral("BEGIN IMMEDIATE")), QString());
            try {
                store.flush();
                QFAIL("flush went through a held write lock");
            } catch (const StoreError &e) {
                QCOMPARE(e.reason(), StoreError::Reason::Locked);
                QVERIFY2(e.message().contains(path), qPrintable(e.message()));
            }
            QVERIFY(store.hasPendingChanges());
            QCOMPARE(other.exec(QStringLiteral("ROLLBACK")), QString());
        }
        store.flush();
        QCOMPARE(store.job({batch, 1})->state, JobState::Done);
    }

    /// The flush binds through SQLite's own interface: NULLs, empty texts, empty and
    /// non-UTF-8 blobs land as the readers expect them.
    void flushStoresEachValueAsItsType()
    {
        StoreWithBatch s(2);
        auto &[dir, path, store, batch] = s;
        const QByteArray odd("out \xff\x01 1"); // not UTF-8
        store.jobStarted({batch, 1}, {.attempt = 1, .slot = 2, .stdoutPath = odd});
        store.jobFinished({batch, 1}, {.attempt = 1, .exec = execResult(0, 9)});
        store.jobStarted({batch, 2}, {.attempt = 1, .slot = 1});
        store.flush();

        RawConnection raw(path);
        QVERIFY(raw.isOpen());
        const auto column = [&](const char *expression, int seq) {
            return raw.value(QStringLiteral("SELECT %1 FROM attempts WHERE seq = %2")
                                 .arg(QLatin1String(expression))
                                 .arg(seq));
        };
        QCOMPARE(column("stdout_path", 1).toByteArray(), odd);
        QCOMPARE(column("typeof(stderr_path)", 1).toString(), QStringLiteral("blob"));
        QCOMPARE(column("length(stderr_path)", 1).toInt(), 0);
        QCOMPARE(column("typeof(error)", 1).toString(), QStringLiteral("text"));
        QCOMPARE(column("typeof(exit_code)", 1).toString(), QStringLiteral("null")); // signal 9
        QCOMPARE(column("signal", 1).toInt(), 9);
        QCOMPARE(column("wall_us", 1).toLongLong(), 250'123);
        QCOMPARE(column("outcome", 1).toString(), QStringLiteral("failed"));
        QCOMPARE(raw.value(QStringLiteral("SELECT typeof(exit_code) || state FROM jobs "
                                          "WHERE seq = 1"))
                     .toString(),
                 QStringLiteral("nullfailed"));
        // Started only: what it has not done yet is NULL.
        QCOMPARE(column("typeof(command_pid) || typeof(ended_at) || outcome", 2).toString(),
                 QStringLiteral("nullnullrunning"));
        QCOMPARE(column("slot", 2).toInt(), 1);
        QCOMPARE(store.attempts({batch, 1}).first().stdoutPath, odd);
    }

    /// A store whose tables were damaged under it: the flush says so and keeps what it
    /// could not write.
    void flushReportsADamagedSchema()
    {
        StoreWithBatch s(3);
        auto &[dir, path, store, batch] = s;
        startAndFinish(store, {batch, 1}, 0);
        store.flush(); // the statements are prepared now
        {
            RawConnection other(path);
            QCOMPARE(other.exec(QStringLiteral("DROP TABLE attempts")), QString());
        }
        startAndFinish(store, {batch, 2}, 0);
        try {
            store.flush();
            QFAIL("the flush wrote into a table that is gone");
        } catch (const StoreError &e) {
            QCOMPARE(e.reason(), StoreError::Reason::Failed);
            QVERIFY2(e.message().contains(path), qPrintable(e.message()));
            QVERIFY2(e.message().contains(QLatin1String("no such table: attempts")),
                     qPrintable(e.message()));
        }
        QVERIFY(store.hasPendingChanges());
        RawConnection raw(path); // the job's new state was rolled back with the rest
        QCOMPARE(raw.value(QStringLiteral("SELECT state FROM jobs WHERE seq = 2")).toString(),
                 QStringLiteral("pending"));
    }

    void requeueKeepsEveryAttempt()
    {
        QTemporaryDir dir;
        JobStore store = JobStore::open(dir.filePath(QStringLiteral("jobs.sqlite")));
        const qint64 batch = store.createBatch({.templateArgv = {"flaky"}});
        store.addJobs(batch, {{"a"}});
        startAndFinish(store, {batch, 1}, 2, 1);
        store.jobRequeued({batch, 1});
        QCOMPARE(store.job({batch, 1})->state, JobState::Pending);
        startAndFinish(store, {batch, 1}, 0, 2);
        const JobRecord j = *store.job({batch, 1});
        QCOMPARE(j.state, JobState::Done);
        QCOMPARE(j.attempts, 2);
        QCOMPARE(j.exitCode, std::optional<int>(0));
        const QList<AttemptRecord> attempts = store.attempts({batch, 1});
        QCOMPARE(attempts.size(), 2);
        QCOMPARE(attempts[0].outcome, JobState::Failed);
        QCOMPARE(attempts[0].exitCode, std::optional<int>(2));
        QCOMPARE(attempts[1].outcome, JobState::Done);
        // Both in one flush: the attempt rows are still two.
        store.addJobs(batch, {{"b"}});
        startAndFinish(store, {batch, 2}, 1, 1);
        store.jobRequeued({batch, 2});
        startAndFinish(store, {batch, 2}, 0, 2);
        QCOMPARE(store.attempts({batch, 2}).size(), 2);
        QCOMPARE(store.job({batch, 2})->state, JobState::Done);
        QCOMPARE(store.batch(batch)->counts.done, 2);
    }

    void resumeSelection_data()
    {
        QTest::addColumn<int>("mode");
        QTest::addColumn<QList<qint64>>("expected");
        // Jobs: 1 done, 2 failed, 3 interrupted (stopped by the user), 4 running when the
        // batch halted (→ interrupted), 5 skipped, 6 never started, 7–8 added later.
        QTest::newRow("--resume") << int(ResumeMode::Resume) << QList<qint64>{3, 4, 6, 7, 8};
        QTest::newRow("--resume-failed")
            << int(ResumeMode::ResumeFailed) << QList<qint64>{2, 3, 4, 6, 7, 8};
        QTest::newRow("--retry-failed") << int(ResumeMode::RetryFailed) << QList<qint64>{2};
    }
    void resumeSelection()
    {
        QFETCH(int, mode);
        QFETCH(QList<qint64>, expected);
        QTemporaryDir dir;
        JobStore store = JobStore::open(dir.filePath(QStringLiteral("jobs.sqlite")));
        const qint64 batch = store.createBatch({.templateArgv = {"true"}});
        store.addJobs(batch, numberedInputs(6));
        startAndFinish(store, {batch, 1}, 0);
        startAndFinish(store, {batch, 2}, 1);
        store.jobStarted({batch, 3}, {});
        store.jobFinished({batch, 3},
                          {.exec = execResult(-1, SIGTERM), .state = JobState::Interrupted});
        store.jobStarted({batch, 4}, {});
        store.jobSkipped({batch, 5});
        store.batchFinished(batch, BatchState::Halted);
        const StateCounts halted = store.batch(batch)->counts;
        QCOMPARE(halted.skipped, 1);
        QCOMPARE(halted.interrupted, 2);
        QCOMPARE(halted.pending, 1);
        QCOMPARE(store.attempts({batch, 4}).value(0).outcome, JobState::Interrupted);
        QCOMPARE(store.batch(batch)->state, BatchState::Halted);

        store.claimBatch(batch);
        QCOMPARE(store.batch(batch)->state, BatchState::Running);
        QCOMPARE(store.addJobs(batch, {{"file-7"}, {"file-8"}}), 8);

        QList<qint64> seqs;
        for (const JobToRun &job : store.jobsToRun(batch, ResumeMode(mode))) {
            seqs.append(job.seq);
            QCOMPARE(job.inputs, QList<QByteArray>{"file-" + QByteArray::number(job.seq)});
        }
        QCOMPARE(seqs, expected);
        // Paging: the same jobs, two at a time.
        QList<qint64> paged;
        qint64 after = 0;
        for (;;) {
            const QList<JobToRun> page = store.jobsToRun(batch, ResumeMode(mode), after, 2);
            if (page.isEmpty())
                break;
            QVERIFY(page.size() <= 2);
            for (const JobToRun &job : page)
                paged.append(job.seq);
            after = page.last().seq;
        }
        QCOMPARE(paged, expected);
    }

    void recoveryAfterKill()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("jobs.sqlite"));
        Process writer(writeThenDie, path);
        writer.start();
        QVERIFY(writer.join(60s));
        QCOMPARE(writer.exitCode(), std::optional<int>(-SIGKILL));

        // A reader sees the batch as interrupted before anyone writes a thing.
        {
            JobStore reader = JobStore::open(path, readOnly());
            QCOMPARE(reader.batch(1)->state, BatchState::Interrupted);
            QCOMPARE(reader.batch(1)->counts.running, 10);
        }
        JobStore store = JobStore::open(path);
        const BatchRecord b = *store.batch(1);
        QCOMPARE(b.name, QStringLiteral("killed"));
        QCOMPARE(b.state, BatchState::Interrupted);
        QCOMPARE(b.counts.done, 300);
        QCOMPARE(b.counts.interrupted, 10);
        QCOMPARE(b.counts.running, 0);
        QCOMPARE(b.counts.pending, kKilledJobs - 310);
        QCOMPARE(b.counts.total(), kKilledJobs);

        const QList<JobRecord> jobs = store.jobs(1);
        QCOMPARE(jobs.size(), kKilledJobs); // nothing lost, nothing twice
        for (const JobRecord &j : jobs) {
            QCOMPARE(j.inputs, QList<QByteArray>{"file-" + QByteArray::number(j.seq)});
            const QList<AttemptRecord> attempts = store.attempts({1, j.seq});
            if (j.seq <= 300) {
                QCOMPARE(j.state, JobState::Done);
                QCOMPARE(attempts.size(), 1);
                QCOMPARE(attempts.first().outcome, JobState::Done);
            } else if (j.seq <= 310) {
                QCOMPARE(j.state, JobState::Interrupted);
                QCOMPARE(attempts.size(), 1);
                QCOMPARE(attempts.first().outcome, JobState::Interrupted);
                QVERIFY(attempts.first().error.startsWith(QStringLiteral("interrupted")));
                QCOMPARE(attempts.first().endedAtMs, 0);
            } else {
                QCOMPARE(j.state, JobState::Pending); // finished, but never committed
                QCOMPARE(attempts.size(), 0);
            }
        }
        QList<qint64> toRun;
        for (const JobToRun &job : store.jobsToRun(1, ResumeMode::Resume))
            toRun.append(job.seq);
        QCOMPARE(toRun.size(), kKilledJobs - 300);
        QCOMPARE(toRun.first(), 301);

        // The resume takes the batch over and finishes exactly what is left.
        store.claimBatch(1);
        for (const JobToRun &job : store.jobsToRun(1, ResumeMode::Resume))
            startAndFinish(store, {1, job.seq}, 0, job.attempts + 1);
        store.batchFinished(1, BatchState::Finished);
        QCOMPARE(store.batch(1)->counts.done, kKilledJobs);
        QCOMPARE(store.attempts({1, 305}).size(), 2);
        QCOMPARE(store.attempts({1, 1}).size(), 1);
    }

    void killDuringWrites()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("jobs.sqlite"));
        Value<qint64> committed(0);
        Event going;
        Process writer(writeUntilKilled, path, committed, going);
        writer.start();
        QVERIFY(going.wait(60s));
        writer.kill(); // wherever it is: in a transaction, between two, in a checkpoint
        QVERIFY(writer.join(60s));
        const qint64 floor = committed.load();
        QVERIFY(floor >= 84);

        JobStore store = JobStore::open(path);
        const BatchRecord b = *store.batch(1);
        QCOMPARE(b.state, BatchState::Interrupted);
        QCOMPARE(b.counts.total(), 20'000);
        QCOMPARE(b.counts.running, 0);
        QVERIFY(b.counts.interrupted == 0 || b.counts.interrupted == 4);
        QVERIFY2(b.counts.done >= floor, qPrintable(QString::number(b.counts.done)));
        const QList<JobRecord> jobs = store.jobs(1);
        QCOMPARE(jobs.size(), 20'000);
        for (qsizetype i = 0; i < jobs.size(); ++i) {
            const JobRecord &j = jobs[i];
            QCOMPARE(j.seq, i + 1);
            const JobState expected = j.seq <= b.counts.done ? JobState::Done
                                      : j.seq <= b.counts.done + b.counts.interrupted
                                          ? JobState::Interrupted
                                          : JobState::Pending;
            QCOMPARE(j.state, expected);
            QCOMPARE(j.attempts, expected == JobState::Pending ? 0 : 1);
        }
    }

    void destroyedWhileRunning()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("jobs.sqlite"));
        qint64 batch = 0;
        {
            JobStore store = JobStore::open(path);
            batch = store.createBatch({.templateArgv = {"true"}});
            store.addJobs(batch, numberedInputs(3));
            startAndFinish(store, {batch, 1}, 0);
            store.jobStarted({batch, 2}, {}); // never flushed by hand
        }
        JobStore store = JobStore::open(path, readOnly());
        QCOMPARE(store.batch(batch)->state, BatchState::Interrupted);
        QCOMPARE(store.job({batch, 1})->state, JobState::Done);
        QCOMPARE(store.job({batch, 2})->state, JobState::Interrupted);
        QCOMPARE(store.job({batch, 3})->state, JobState::Pending);
    }

    void claimsBetweenStores()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("jobs.sqlite"));
        JobStore runner = JobStore::open(path);
        const qint64 batch = runner.createBatch({.templateArgv = {"true"}});
        runner.addJobs(batch, numberedInputs(2));
        runner.jobStarted({batch, 1}, {});
        runner.flush();

        JobStore other = JobStore::open(path); // opening leaves a live runner's jobs alone
        QCOMPARE(other.job({batch, 1})->state, JobState::Running);
        QCOMPARE(other.recover(batch), 0);
        try {
            other.claimBatch(batch);
            QFAIL("claimed a batch that another store runs");
        } catch (const StoreError &e) {
            QCOMPARE(e.reason(), StoreError::Reason::InUse);
        }
        runner.claimBatch(batch); // its own: fine
        try {
            other.claimBatch(batch + 1);
            QFAIL("claimed a batch that does not exist");
        } catch (const StoreError &e) {
            QCOMPARE(e.reason(), StoreError::Reason::NotFound);
        }
    }

    void queries()
    {
        QTemporaryDir dir;
        JobStore store = JobStore::open(dir.filePath(QStringLiteral("jobs.sqlite")));
        const qint64 first = store.createBatch({.name = QStringLiteral("first")});
        const qint64 second = store.createBatch({.name = QStringLiteral("second")});
        store.addJobs(first, numberedInputs(25));
        store.addJobs(second, numberedInputs(3));
        for (qint64 seq = 1; seq <= 25; seq += 3)
            startAndFinish(store, {first, seq}, seq % 2); // odd seqs fail
        const QList<BatchRecord> all = store.batches();
        QCOMPARE(all.size(), 2);
        QCOMPARE(all[0].id, second); // newest first
        QCOMPARE(all[1].counts.total(), 25);
        QCOMPARE(all[1].counts.done + all[1].counts.failed, 9);
        QCOMPARE(store.jobCount(first), 25);
        QCOMPARE(store.jobCount(first, {JobState::Done, JobState::Failed}), 9);

        QList<qint64> seqs;
        for (const JobRecord &j : store.jobs(first, {}, 10, 5))
            seqs.append(j.seq);
        QCOMPARE(seqs, (QList<qint64>{11, 12, 13, 14, 15}));
        seqs.clear();
        for (const JobRecord &j : store.jobs(first, {JobState::Done, JobState::Failed}, 2, 3))
            seqs.append(j.seq);
        QCOMPARE(seqs, (QList<qint64>{7, 10, 13}));
        QCOMPARE(store.jobs(first, {}, 25, 10).size(), 0);
        QVERIFY(!store.job({first, 26}));
        QVERIFY(!store.batch(99));
        try {
            store.addJobs(99, {{"x"}});
            QFAIL("added jobs to a batch that does not exist");
        } catch (const StoreError &e) {
            QCOMPARE(e.reason(), StoreError::Reason::NotFound);
        }
    }

    void inputsOfEveryWidth()
    {
        // More rows than one INSERT takes, of 0 to 3 values each, bytes of every kind.
        QList<QList<QByteArray>> inputs;
        for (int i = 0; i < 300; ++i) {
            QList<QByteArray> values;
            for (int v = 0; v < (i == 150 ? 1 : i % 4); ++v)
                values.append(QByteArray::number(i) + QByteArray(v, ',') + ":\xff\n"
                              + QByteArray(v, '\0'));
            inputs.append(values);
        }
        QTemporaryDir dir;
        JobStore store = JobStore::open(dir.filePath(QStringLiteral("jobs.sqlite")));
        const qint64 batch = store.createBatch({});
        QCOMPARE(store.addJobs(batch, inputs), 300);
        const QList<JobRecord> jobs = store.jobs(batch);
        QCOMPARE(jobs.size(), 300);
        for (int i = 0; i < 300; ++i)
            QCOMPARE(jobs[i].inputs, inputs[i]);
    }

    void json()
    {
        QTemporaryDir dir;
        JobStore store = JobStore::open(dir.filePath(QStringLiteral("jobs.sqlite")));
        const qint64 batch =
            store.createBatch({.templateArgv = {"cp", "{}", "d\xe9st/"}, .workingDirectory = "/w"});
        store.addJobs(batch, {{"ok.txt"}, {"bad\xff\n.txt", "x"}});
        startAndFinish(store, {batch, 2}, 0);

        const QJsonObject b = store.batch(batch)->toJson();
        QCOMPARE(b[u"template"].toArray()[2].toString(), QStringLiteral("d\\xe9st/"));
        QCOMPARE(QByteArray::fromBase64(b[u"templateBase64"].toArray()[2].toString().toLatin1()),
                 QByteArray("d\xe9st/"));
        QCOMPARE(b[u"workingDirectory"].toString(), QStringLiteral("/w"));
        QVERIFY(!b.contains(u"workingDirectoryBase64"));
        QCOMPARE(b[u"counts"].toObject()[u"done"].toInt(), 1);
        QCOMPARE(b[u"counts"].toObject()[u"total"].toInt(), 2);
        QCOMPARE(b[u"state"].toString(), QStringLiteral("running"));

        const QList<JobRecord> jobs = store.jobs(batch);
        const QJsonObject plain = jobs[0].toJson();
        QCOMPARE(plain[u"inputs"].toArray(), QJsonArray{QStringLiteral("ok.txt")});
        QVERIFY(!plain.contains(u"inputsBase64"));
        QVERIFY(plain[u"lastAttempt"].isNull());
        const QJsonObject odd = jobs[1].toJson();
        QCOMPARE(odd[u"inputs"].toArray()[0].toString(), QStringLiteral("bad\\xff\n.txt"));
        const QJsonArray raw = odd[u"inputsBase64"].toArray();
        QCOMPARE(raw.size(), 2);
        QCOMPARE(QByteArray::fromBase64(raw[0].toString().toLatin1()), QByteArray("bad\xff\n.txt"));
        QCOMPARE(QByteArray::fromBase64(raw[1].toString().toLatin1()), QByteArray("x"));
        const QJsonObject last = odd[u"lastAttempt"].toObject();
        QCOMPARE(last[u"outcome"].toString(), QStringLiteral("done"));
        QCOMPARE(last[u"startedAt"].toString(), QStringLiteral("2023-11-14T22:13:20.000Z"));
        QCOMPARE(last[u"wallUs"].toInteger(), execResult(0).wallUs);
    }

    void displayBytes_data()
    {
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<QString>("shown");
        QTest::addColumn<QString>("oneLine");
        QTest::newRow("ASCII") << QByteArray("a b.txt") << u"a b.txt"_s << u"a b.txt"_s;
        QTest::newRow("UTF-8") << QByteArray("caf\xc3\xa9 \xf0\x9f\x98\x80") << u"café 😀"_s
                               << u"café 😀"_s;
        QTest::newRow("Latin-1") << QByteArray("caf\xe9") << u"caf\\xe9"_s << u"caf\\xe9"_s;
        QTest::newRow("overlong") << QByteArray("\xc0\xaf") << u"\\xc0\\xaf"_s << u"\\xc0\\xaf"_s;
        QTest::newRow("surrogate")
            << QByteArray("\xed\xa0\x80") << u"\\xed\\xa0\\x80"_s << u"\\xed\\xa0\\x80"_s;
        QTest::newRow("cut short") << QByteArray("\xe2\x82") << u"\\xe2\\x82"_s << u"\\xe2\\x82"_s;
        QTest::newRow("past U+10FFFF") << QByteArray("\xf4\x90\x80\x80")
                                       << u"\\xf4\\x90\\x80\\x80"_s << u"\\xf4\\x90\\x80\\x80"_s;
        QTest::newRow("mixed") << QByteArray("\xffok\xc3\xa9\xfe") << u"\\xffoké\\xfe"_s
                               << u"\\xffoké\\xfe"_s;
        QTest::newRow("control characters") << QByteArray("a\nb\tc\rd\x01"
                                                          "e\x7f")
                                            << u"a\nb\tc\rd\x01"
                                               "e\x7f"_s
                                            << u"a\\nb\\tc\\rd\\x01e\\x7f"_s;
    }
    void displayBytes()
    {
        QFETCH(QByteArray, bytes);
        QFETCH(QString, shown);
        QFETCH(QString, oneLine);
        QCOMPARE(JobStore::displayBytes(bytes), shown);
        QCOMPARE(JobStore::displayBytes(bytes, JobStore::Display::OneLine), oneLine);
    }

    void lockedStore()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("jobs.sqlite"));
        makeStore(path, 10);
        RawConnection other(path);
        QCOMPARE(other.exec(QStringLiteral("BEGIN EXCLUSIVE")), QString());
        QCOMPARE(other.exec(QStringLiteral("UPDATE batches SET name = 'mine'")), QString());
        QString message;
        QCOMPARE(openFails(path, impatient(), &message), StoreError::Reason::Locked);
        QVERIFY2(message.contains(path) && message.contains(QStringLiteral("locked")),
                 qPrintable(message));
        // Readers are not held up by a writer (WAL).
        QCOMPARE(JobStore::open(path, readOnly()).batches().size(), 1);
        QCOMPARE(other.exec(QStringLiteral("COMMIT")), QString());
        QCOMPARE(JobStore::open(path, impatient()).batches().value(0).name, QStringLiteral("mine"));
    }

    void readOnlyMode()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("jobs.sqlite"));
        QCOMPARE(openFails(path, readOnly()), StoreError::Reason::NotFound);
        QVERIFY(!QFile::exists(path)); // not created by a reader
        makeStore(path, 10);
        const QByteArray before = fileHash(path);
        {
            JobStore store = JobStore::open(path, readOnly());
            QCOMPARE(store.mode(), JobStore::OpenMode::ReadOnly);
            QCOMPARE(store.jobs(1).size(), 10);
            const auto refuses = [&](auto write) {
                try {
                    write();
                } catch (const StoreError &e) {
                    return e.reason() == StoreError::Reason::ReadOnly && e.message().contains(path);
                }
                return false;
            };
            QVERIFY(refuses([&] { store.createBatch({}); }));
            QVERIFY(refuses([&] { store.addJobs(1, {{"x"}}); }));
            QVERIFY(refuses([&] { store.jobStarted({1, 1}, {}); }));
            QVERIFY(refuses([&] { store.batchFinished(1, BatchState::Stopped); }));
            QVERIFY(refuses([&] { store.claimBatch(1); }));
        }
        QCOMPARE(fileHash(path), before);
    }

    void readOnlyPermissions_data()
    {
        QTest::addColumn<bool>("fileReadOnly");
        QTest::addColumn<bool>("directoryReadOnly");
        QTest::addColumn<bool>("existing");
        QTest::newRow("read-only file") << true << false << true;
        QTest::newRow("read-only directory, existing store") << false << true << true;
        QTest::newRow("read-only directory, new store") << false << true << false;
    }
    void readOnlyPermissions()
    {
        QFETCH(bool, fileReadOnly);
        QFETCH(bool, directoryReadOnly);
        QFETCH(bool, existing);
        if (geteuid() == 0)
            QSKIP("running as root: file permissions do not stop root from writing "
                  "(readOnlyMode covers the read-only path through SQLite's read-only open)");
        QTemporaryDir dir;
        const QString folder = dir.filePath(QStringLiteral("store"));
        const QString path = folder + QStringLiteral("/jobs.sqlite");
        QVERIFY(QDir().mkpath(folder));
        if (existing)
            makeStore(path, 10);
        const QByteArray before = fileHash(path);
        if (fileReadOnly)
            QVERIFY(::chmod(QFile::encodeName(path).constData(), 0444) == 0);
        if (directoryReadOnly)
            QVERIFY(::chmod(QFile::encodeName(folder).constData(), 0555) == 0);
        QString message;
        const StoreError::Reason reason = openFails(path, impatient(), &message);
        qsizetype readable = -1; // but it can still be read
        if (existing)
            readable = JobStore::open(path, readOnly()).batches().size();
        ::chmod(QFile::encodeName(folder).constData(), 0755);
        ::chmod(QFile::encodeName(path).constData(), 0644);
        QCOMPARE(reason, StoreError::Reason::ReadOnly);
        QVERIFY2(message.contains(path), qPrintable(message));
        QCOMPARE(readable, existing ? 1 : -1);
        QCOMPARE(fileHash(path), before);
        QCOMPARE(QFile::exists(path), existing);
    }

    void refusedStores_data()
    {
        QTest::addColumn<QString>("kind");
        QTest::addColumn<int>("reason");
        const int corrupt = int(StoreError::Reason::Corrupt);
        QTest::newRow("random bytes") << QStringLiteral("random") << corrupt;
        QTest::newRow("random bytes after an SQLite header") << QStringLiteral("header") << corrupt;
        QTest::newRow("a store's header, random bytes after")
            << QStringLiteral("store-header") << corrupt;
        QTest::newRow("a short text file") << QStringLiteral("text") << corrupt;
        QTest::newRow("truncated store") << QStringLiteral("truncated") << corrupt;
        QTest::newRow("pages overwritten") << QStringLiteral("scribbled") << corrupt;
        QTest::newRow("another program's database") << QStringLiteral("foreign") << corrupt;
        QTest::newRow("a table missing") << QStringLiteral("no-attempts") << corrupt;
        QTest::newRow("a column missing") << QStringLiteral("no-column") << corrupt;
        QTest::newRow("newer schema")
            << QStringLiteral("newer") << int(StoreError::Reason::NewerSchema);
    }
    void refusedStores()
    {
        QFETCH(QString, kind);
        QFETCH(int, reason);
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("jobs.sqlite"));
        QRandomGenerator random(42);
        const auto randomBytes = [&](qsizetype n) {
            QByteArray bytes(n, Qt::Uninitialized);
            for (char &c : bytes)
                c = char(random.bounded(256));
            return bytes;
        };
        const auto write = [&](const QByteArray &bytes, qint64 at = 0) {
            QFile file(path);
            QVERIFY(file.open(QIODevice::ReadWrite));
            QVERIFY(file.seek(at));
            QCOMPARE(file.write(bytes), bytes.size());
        };
        const auto sql = [&](const QStringList &statements) {
            RawConnection raw(path);
            QVERIFY(raw.isOpen());
            for (const QString &statement : statements)
                QCOMPARE(raw.exec(statement), QString());
        };
        if (kind == u"random") {
            write(randomBytes(64 * 1024));
        } else if (kind == u"header") {
            write(QByteArray("SQLite format 3\0", 16) + randomBytes(8192));
        } else if (kind == u"store-header") {
            makeStore(path, 10);
            QFile file(path);
            QVERIFY(file.open(QIODevice::ReadOnly));
            const QByteArray header = file.read(100);
            file.close();
            QVERIFY(QFile::remove(path));
            write(header + randomBytes(64 * 1024));
        } else if (kind == u"text") {
            write("hello\n");
        } else if (kind == u"truncated") {
            makeStore(path);
            QFile file(path);
            QVERIFY(file.size() > 64 * 1024);
            QVERIFY(file.resize(file.size() / 2));
        } else if (kind == u"scribbled") {
            makeStore(path);
            write(randomBytes(16 * 1024), 8192);
        } else if (kind == u"foreign") {
            sql({QStringLiteral("CREATE TABLE photos (id INTEGER PRIMARY KEY, path TEXT)"),
                 QStringLiteral("INSERT INTO photos (path) VALUES ('a.jpg')")});
        } else if (kind == u"no-attempts") {
            makeStore(path, 10);
            sql({QStringLiteral("DROP TABLE attempts")});
        } else if (kind == u"no-column") {
            makeStore(path, 10);
            sql({QStringLiteral("ALTER TABLE batches DROP COLUMN owner_boot")});
        } else if (kind == u"newer") {
            makeStore(path, 10);
            sql({QStringLiteral("PRAGMA user_version = 99")});
        }
        const QByteArray before = fileHash(path);
        QVERIFY(!before.isEmpty());
        for (const JobStore::OpenOptions &options : {impatient(), readOnly()}) {
            QString message;
            QCOMPARE(int(openFails(path, options, &message)), reason);
            QVERIFY2(message.contains(path), qPrintable(message));
            QVERIFY2(message.contains(QStringLiteral("left as it is")), qPrintable(message));
        }
        QCOMPARE(fileHash(path), before);
    }

    void emptyFileBecomesAStore()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("jobs.sqlite"));
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.close();
        JobStore store = JobStore::open(path);
        QCOMPARE(store.batches().size(), 0);
        QCOMPARE(store.path(), path);
    }

    void millionJobs()
    {
        QTemporaryDir dir;
        JobStore store = JobStore::open(dir.filePath(QStringLiteral("jobs.sqlite")));
        const qint64 batch = store.createBatch({.templateArgv = {"gzip", "{}"}});
        qint64 made = 0;
        const qint64 added = store.addJobs(batch, [&](QList<QByteArray> &values) {
            if (made == kManyJobs)
                return false;
            values = {"/data/file-" + QByteArray::number(++made)};
            return true;
        });
        QCOMPARE(added, kManyJobs);
        QCOMPARE(store.jobCount(batch), kManyJobs);
        QCOMPARE(store.jobCount(batch, {JobState::Pending}), kManyJobs);
        const QList<JobRecord> last = store.jobs(batch, {}, kManyJobs - 2, 10);
        QCOMPARE(last.size(), 2);
        QCOMPARE(last[1].seq, kManyJobs);
        QCOMPARE(last[1].inputs, QList<QByteArray>{"/data/file-" + QByteArray::number(kManyJobs)});
        // Appending more goes on from the last seq.
        QCOMPARE(store.addJobs(batch, {{"one more"}}), kManyJobs + 1);
        const QList<JobToRun> tail = store.jobsToRun(batch, ResumeMode::Resume, kManyJobs - 1);
        QCOMPARE(tail.size(), 2);
        QCOMPARE(tail[1].inputs, QList<QByteArray>{"one more"});
    }
};

JOBPOOL_TEST_MAIN(TestJobStore)

#include "tst_jobstore.moc"
