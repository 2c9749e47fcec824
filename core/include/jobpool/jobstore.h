// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <jobpool/exec.h>

#include <QByteArray>
#include <QByteArrayView>
#include <QJsonObject>
#include <QList>
#include <QString>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>

/// \file
/// The job store: every batch, job and attempt of `jobpool run` and the GUI, kept in one
/// SQLite file so that nothing is lost when the program is killed (DESIGN.md, "Batch
/// jobs"; the schema and the decisions are in docs/ARCHITECTURE.md, "Job store").

namespace jobpool {

/// Where a job stands. `interrupted`: it was running when its run ended (a crash, a kill,
/// Ctrl-C); a resume runs it again. `skipped`: the run decided not to run it (say, an
/// earlier joblog lists it as done); no resume runs it. A job a halted or stopped batch
/// never started stays `pending`.
enum class JobState { Pending, Running, Done, Failed, Interrupted, Skipped };

/// Where a batch stands. `interrupted`: the process running it died (found on the next
/// open, or shown so by a reader while its runner is gone).
enum class BatchState { Running, Finished, Halted, Stopped, Interrupted };

/// Which jobs `--resume`, `--resume-failed` and `--retry-failed` run again (GNU parallel's
/// meanings; docs/ARCHITECTURE.md, "Job store", says how they differ).
enum class ResumeMode {
    Resume,       ///< pending and interrupted
    ResumeFailed, ///< the same and failed, with the command given now
    RetryFailed,  ///< failed only, with the batch's own stored command
};

QString stateName(JobState state);
QString stateName(BatchState state);
std::optional<JobState> jobStateFromName(QStringView text);
std::optional<BatchState> batchStateFromName(QStringView text);

/// What createBatch() stores about a batch. Paths and the template are bytes: file names
/// need not be UTF-8.
struct BatchSpec
{
    QString name{}; ///< a label for history and the GUI; may be empty
    QList<QByteArray> templateArgv{};
    bool shell = false;
    QJsonObject options{}; ///< BatchOptions::toJson()
    QByteArray workingDirectory{};
    QByteArray logDirectory{};
    qint64 createdAtMs = 0; ///< 0: now
};

/// A job, as its batch and its number ({#}, 1-based) name it.
struct JobKey
{
    qint64 batch = 0;
    qint64 seq = 0;
    auto operator<=>(const JobKey &) const = default;
};

/// What is known when an attempt starts.
struct AttemptStart
{
    int attempt = 1; ///< 1 for the first run of a job, 2 for its first retry, …
    int slot = 0;    ///< {%}
    qint64 workerPid = 0;
    qint64 startedAtMs = 0; ///< 0: now
    QByteArray stdoutPath{};
    QByteArray stderrPath{};
};

/// How an attempt ended: exec()'s figures, and the job's state from there on (by default
/// Done when the command succeeded, else Failed; Interrupted for a job the user stopped,
/// so that --resume runs it again).
struct JobResult
{
    int attempt = 1;
    ExecResult exec{};
    std::optional<JobState> state{};

    JobState outcome() const
    {
        return state ? *state : exec.succeeded() ? JobState::Done : JobState::Failed;
    }
};

/// One attempt, as stored. Times are ms since the epoch (UTC), 0 when unknown.
struct AttemptRecord
{
    qint64 batch = 0;
    qint64 seq = 0;
    int attempt = 0; ///< 0: the job never started
    int slot = 0;
    qint64 workerPid = 0;
    qint64 commandPid = 0;
    qint64 startedAtMs = 0;
    qint64 endedAtMs = 0;
    qint64 wallUs = 0;
    qint64 userCpuUs = 0;
    qint64 systemCpuUs = 0;
    qint64 peakRssKiB = 0;
    std::optional<int> exitCode{}; ///< empty while running or when interrupted
    int signal = 0;
    bool timedOut = false;
    JobState outcome = JobState::Running;
    QByteArray stdoutPath{};
    QByteArray stderrPath{};
    QString error{};

    QJsonObject toJson() const;
};

/// One job, with its last attempt.
struct JobRecord
{
    qint64 batch = 0;
    qint64 seq = 0;
    QList<QByteArray> inputs{};
    JobState state = JobState::Pending;
    int attempts = 0;
    std::optional<int> exitCode{}; ///< of the last attempt that ended
    int signal = 0;
    AttemptRecord lastAttempt{}; ///< attempt == 0 when it never started

    QJsonObject toJson() const;
};

/// What jobsToRun() hands the scheduler: no more than it needs.
struct JobToRun
{
    qint64 seq = 0;
    QList<QByteArray> inputs{};
    JobState state = JobState::Pending;
    int attempts = 0; ///< attempts so far; the next is attempts + 1
};

struct StateCounts
{
    qint64 pending = 0;
    qint64 running = 0;
    qint64 done = 0;
    qint64 failed = 0;
    qint64 interrupted = 0;
    qint64 skipped = 0;

    qint64 total() const { return pending + running + done + failed + interrupted + skipped; }
    qint64 &operator[](JobState state);
    qint64 operator[](JobState state) const;
};

struct BatchRecord
{
    qint64 id = 0;
    qint64 createdAtMs = 0;
    QString name{};
    QList<QByteArray> templateArgv{};
    bool shell = false;
    QJsonObject options{};
    QByteArray workingDirectory{};
    QByteArray logDirectory{};
    BatchState state = BatchState::Running;
    qint64 finishedAtMs = 0; ///< 0 while running
    qint64 ownerPid = 0;     ///< the process that runs (or last ran) it
    StateCounts counts{};

    QJsonObject toJson() const;
};

/// The SQLite job store (Qt Sql, WAL). One object is one connection, used from the
/// thread that opened it; other threads and processes open their own. State changes are
/// buffered and written by flush() in one transaction; queries flush first.
///
/// \code
/// jobpool::JobStore store = jobpool::JobStore::open(jobpool::JobStore::defaultPath());
/// const qint64 batch = store.createBatch({.templateArgv = {"gzip", "-k", "{}"}});
/// store.addJobs(batch, {{"a.txt"}, {"b.txt"}});
/// for (const jobpool::JobToRun &job : store.jobsToRun(batch, jobpool::ResumeMode::Resume)) {
///     store.jobStarted({batch, job.seq}, {.attempt = job.attempts + 1, .slot = 1});
///     store.jobFinished({batch, job.seq}, {.attempt = job.attempts + 1, .exec = result});
/// }
/// store.flush();                                   // before showing anything
/// store.batchFinished(batch, jobpool::BatchState::Finished);
/// \endcode
///
/// Errors are StoreError, naming the file. A store that is corrupt, of a newer schema or
/// someone else's SQLite file is never written to.
class JobStore final
{
public:
    enum class OpenMode { ReadWrite, ReadOnly };
    enum class QuickCheck {
        Auto,   ///< `PRAGMA quick_check` when the file is at most 32 MiB
        Always, ///< whatever its size (a 1,000,000-job store: ~0.2 s)
        Never,
    };
    struct OpenOptions
    {
        OpenMode mode = OpenMode::ReadWrite;
        /// How long to wait for another writer before StoreError(Locked).
        std::chrono::milliseconds busyTimeout{5000};
        /// `synchronous=FULL`: an fsync per commit, so that a power loss cannot take back
        /// the last commits either. The default, NORMAL, is already safe against any crash
        /// or kill of the program.
        bool fullSync = false;
        QuickCheck quickCheck = QuickCheck::Auto;
    };

    /// The data directory's `jobs.sqlite` (QStandardPaths::AppDataLocation).
    static QString defaultPath();

    /// Creates the folder for \a batch's job logs, `batch-N` in \a parent (by default the
    /// `logs` folder beside the store), readable by its owner only, as the store is; its
    /// absolute path, or empty when it cannot be created.
    QByteArray createLogDirectory(qint64 batch, const QString &parent = {}) const;

    /// Opens \a path, creating its directory and the schema as needed. Read-write opening
    /// also marks what a dead process left running as interrupted. Throws StoreError.
    static JobStore open(const QString &path, const OpenOptions &options);
    static JobStore open(const QString &path) { return open(path, OpenOptions{}); }

    JobStore(JobStore &&other) noexcept;
    JobStore &operator=(JobStore &&other) noexcept;
    /// Flushes what is pending and marks the batches this object runs and did not finish
    /// as interrupted; failures are logged, not thrown.
    ~JobStore();

    QString path() const;
    OpenMode mode() const;

    // --- batches and jobs -----------------------------------------------------------------

    /// A new batch, run (owned) by this process. Returns its id.
    qint64 createBatch(const BatchSpec &spec);
    /// Fills in the next job's input values and returns true, or returns false at the end:
    /// `[&](QList<QByteArray> &values) { return plan.next(values); }` for an InputPlan.
    using JobSource = std::function<bool(QList<QByteArray> &values)>;
    /// Appends jobs to \a batch, numbered after its last one, reading \a next until it
    /// returns false; committed in transactions of 50,000 jobs (when the source throws, the
    /// transactions before stay). Returns the batch's number of jobs afterwards.
    qint64 addJobs(qint64 batch, const JobSource &next);
    qint64 addJobs(qint64 batch, const QList<QList<QByteArray>> &inputs);
    void setLogDirectory(qint64 batch, const QByteArray &directory);

    /// Makes this process the runner of \a batch (for a resume): throws StoreError(InUse)
    /// while another live process runs it; what a dead runner left running becomes
    /// interrupted, and the batch is running again.
    void claimBatch(qint64 batch);
    /// Marks what a dead runner of \a batch left running as interrupted; does nothing
    /// while its runner lives. Returns how many jobs it marked.
    qint64 recover(qint64 batch);
    /// Applies the journal in \a batch's log folder (core/batch/journal.h) — the starts and
    /// ends its workers wrote that the store may not have — then removes it. Ends the store
    /// already has are kept as they are. open(), claimBatch() and recover() do this first for
    /// a batch whose runner died. Returns how many records changed the store.
    qint64 replayJournal(qint64 batch);
    /// Flushes, then ends the batch; a job still marked running becomes interrupted. Jobs
    /// never started stay pending (a million of them cost nothing to stop).
    void batchFinished(qint64 batch, BatchState state);

    // --- state changes, buffered until flush() --------------------------------------------

    void jobStarted(JobKey job, const AttemptStart &attempt);
    void jobFinished(JobKey job, const JobResult &result);
    /// Back to pending after a failed attempt, for another try (--retries).
    void jobRequeued(JobKey job);
    /// Not to be run (see JobState::Skipped).
    void jobSkipped(JobKey job);
    /// Commits every change above in one transaction. Nearly free when nothing is
    /// pending. On failure nothing pending is dropped, and the next flush tries again.
    void flush();
    bool hasPendingChanges() const;

    // --- queries (each flushes first) -----------------------------------------------------

    /// Every batch, newest first, with its counts.
    QList<BatchRecord> batches();
    std::optional<BatchRecord> batch(qint64 id);
    /// Jobs of \a batch in seq order, only those in \a states when not empty. Without a
    /// filter, paging costs the same at any \a offset.
    QList<JobRecord> jobs(qint64 batch, const QList<JobState> &states = {}, qint64 offset = 0,
                          qint64 limit = -1);
    std::optional<JobRecord> job(JobKey job);
    qint64 jobCount(qint64 batch, const QList<JobState> &states = {});
    QList<AttemptRecord> attempts(JobKey job);
    /// The jobs \a mode runs again, in seq order after \a afterSeq, at most \a limit: the
    /// scheduler pages through them (a fresh batch is resumed from its first job).
    QList<JobToRun> jobsToRun(qint64 batch, ResumeMode mode, qint64 afterSeq = 0,
                              qint64 limit = -1);

    /// Reads every page: `PRAGMA quick_check`. Throws StoreError(Corrupt) with what is wrong.
    void check();

    enum class Display {
        Text,    ///< control characters as they are (JSON escapes them anyway)
        OneLine, ///< also `\n` `\r` `\t`, other control characters as `\xNN`: for tables
    };
    /// Bytes for people: UTF-8 as it is, any other byte as `\xNN`. Lossy by design;
    /// toJson() (which uses Display::Text) adds the exact bytes in base64 where this is not
    /// enough.
    static QString displayBytes(QByteArrayView bytes, Display display = Display::Text);

private:
    struct Private;
    explicit JobStore(std::unique_ptr<Private> d);
    std::unique_ptr<Private> d;
};

} // namespace jobpool
