// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <jobpool/batchoptions.h>
#include <jobpool/exec.h>
#include <jobpool/jobstore.h>
#include <jobpool/pool.h>

#include <QElapsedTimer>
#include <QList>
#include <QObject>
#include <QSet>
#include <QTimer>

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <vector>

/// \file
/// Running a batch: jobs pulled one by one from their source, expanded into commands,
/// run as `exec` tasks in a pool of workers, every start and end kept in the job store.
/// The same runner serves `jobpool run` and the desktop app.

namespace jobpool {

class CommandTemplate;
namespace detail {
class BatchExecutor;
}

/// One job on its way through the runner.
struct BatchJob
{
    qint64 id = 0;  ///< in the job store
    qint64 seq = 0; ///< {#}, 1-based, in input order
    QList<QByteArray> inputs;
    int attempt = 0; ///< 1-based
    int slot = 0;    ///< {%}, 1-based
    QList<QByteArray> argv;
    QByteArray stdoutPath;
    QByteArray stderrPath;
    qint64 launchedAtMs = 0; ///< handed to the pool (the worker may start it a little later)
    bool started = false;    ///< its executor said it runs (at once locally; on Slurm, later)
    ExecResult result;
    /// How it ended: Done, Failed, Interrupted (stopped by the user, halted, or killed
    /// for lack of memory and not run again), or Cancelled (the user cancelled this job:
    /// stored as skipped, so that no resume runs it).
    enum class Outcome { Pending, Done, Failed, Interrupted, Cancelled } outcome = Outcome::Pending;
};

struct BatchCounts
{
    qint64 total = -1; ///< -1 while the source has not said
    qint64 done = 0;   ///< succeeded
    qint64 failed = 0;
    qint64 interrupted = 0;
    qint64 cancelled = 0;
    qint64 running = 0;
    qint64 finished() const { return done + failed + interrupted + cancelled; }
};

class BatchRunner : public QObject
{
    Q_OBJECT

public:
    /// Gives the next job to run (id, seq, inputs), or false when there is none left.
    using JobSource = std::function<bool(BatchJob &)>;

    struct Setup
    {
        JobStore *store = nullptr;
        qint64 batch = 0;
        const CommandTemplate *command = nullptr;
        BatchOptions options;
        JobSource source;
        qint64 totalJobs = -1;       ///< for percentages in --halt and the progress line
        QByteArray logDirectory;     ///< where each job's .out and .err go
        QByteArray workingDirectory; ///< the commands'; empty: this process's
        QString workerProgram;       ///< empty: this executable
        qint64 maxWorkerMemory = 0;  ///< PoolOptions::maxWorkerMemory of this computer's pool
        /// The `jobpool` program a Slurm cluster's nodes run (`jobpool slurm-task`) when
        /// options.slurm is enabled; empty: this executable, at the same path there.
        QString slurmProgram;
        int terminateGraceMs = 2000; ///< SIGTERM, then SIGKILL after this (stop())
        /// Each worker gets its next job while one runs, and starts it the moment the other
        /// ends, without waiting for this process (`jobpool run`). A job's start and end are
        /// then made durable by the worker, in the batch's journal (core/batch/journal.h),
        /// and committed to the store in batches. Not with {%} in the template (a slot is
        /// a worker then, not known when the job is handed out), nor with --delay,
        /// --memfree or --halt, which decide each start from what happened before it. The desktop
        /// app leaves it off: its timeline, pause and cancel show and act on exactly the jobs that
        /// run.
        bool pipelined = false;
    };

    explicit BatchRunner(Setup setup, QObject *parent = nullptr);
    ~BatchRunner() override;

    /// Starts the pool and the first jobs; finished() follows when all is done.
    void start();

    enum class Stop {
        Soon,      ///< start no more jobs; let the running ones finish
        Terminate, ///< also SIGTERM the running ones, SIGKILL after the grace period
        Kill,      ///< SIGKILL the running ones now
    };
    void stop(Stop how);

    /// Paused, the runner starts nothing new; running jobs go on. Not the same as stop():
    /// a paused batch is not finished.
    void setPaused(bool paused);
    bool isPaused() const { return m_paused; }

    /// How many jobs run at once ({%} goes up to it), applied now: more workers start, or
    /// the surplus ones leave once their jobs end.
    void setJobSlots(int count);
    int jobSlots() const { return m_setup.options.jobSlots; }

    /// Cancels jobs of this batch that have not ended: a running one is killed (its whole
    /// process group, SIGTERM then SIGKILL), a waiting one will not start. Either ends as
    /// Outcome::Cancelled, stored as skipped. The caller marks a job the runner has not
    /// pulled from its source yet as skipped in the store; the runner passes over it.
    void cancel(const QList<qint64> &seqs);

    /// Pauses job \a seq's running command (SIGSTOP to its whole process group) or resumes
    /// it (SIGCONT). A paused job's time counts toward neither its timeout nor its duration;
    /// stopping the batch resumes it first, so that nothing is left stopped. Returns an
    /// empty string, or why it cannot (the job is not running here).
    QString setJobPaused(qint64 seq, bool paused);
    bool isJobPaused(qint64 seq) const { return m_pausedJobs.contains(seq); }

    /// Runs these jobs (again) before the rest; \a jobs carry seq, inputs and the number
    /// of attempts so far. A finished runner starts over with them (the store's batch is
    /// claimed again): the GUI's Retry.
    void runAgain(const QList<BatchJob> &jobs);

    /// The workers and the commands they run (WorkerInfo::childTag is the job's seq).
    QList<WorkerInfo> workers() const;
    /// This computer's pool's figures (workers replaced, tasks…); empty on Slurm.
    PoolStats poolStats() const;

    /// Pipelined, `running` counts at most one job per slot: the others handed out wait in
    /// their worker.
    BatchCounts counts() const;
    /// parallel's: the number of failed jobs (101 for more than 100), the failing job's
    /// status under --halt ...,fail=1, 255 when the batch was stopped.
    int exitStatus() const;
    bool isFinished() const { return m_finished; }
    /// Why the job store refused a write (a full disk, say), which stopped the batch as
    /// Stop::Terminate does; empty while the store takes everything. The runner finishes
    /// without writing more, and exitStatus() is 255.
    QString storeError() const { return m_storeError; }
    /// Why the batch's executor gave up (the Slurm controller stayed unreachable, say),
    /// which stopped the batch; the jobs it had not finished can be resumed. Empty while
    /// it works. exitStatus() is 255 then.
    QString executorError() const { return m_executorError; }
    /// The jobs running now (their log files grow as they run: --line-buffer).
    std::vector<const BatchJob *> runningJobs() const;

signals:
    /// A job started; emitted once the store has it. Pipelined, emitted when the job is
    /// handed to the pool, in the order jobs are handed out (its worker starts it as soon
    /// as it is free; its journal has the start).
    void jobStarted(const jobpool::BatchJob &job);
    /// A job ended for good (a failed attempt that will be retried does not count);
    /// emitted once the store has it.
    void jobFinished(const jobpool::BatchJob &job);
    /// A running job was paused or resumed (setJobPaused()).
    void jobPauseChanged(qint64 seq, bool paused);
    void finished();

private:
    void fill();
    bool mayStartNow();
    void launch(BatchJob job);
    void markStarted(const std::shared_ptr<BatchJob> &job);
    void executorFailed(const QString &error);
    void onResult(std::shared_ptr<BatchJob> job, ExecResult result);
    void settle(std::shared_ptr<BatchJob> job);
    void checkHalt(const BatchJob &job);
    void stopInternally(Stop how);
    void signalRunning(int signal);
    void checkMemory();
    void commit();
    void writeUncommitted();
    void finishIfDone();
    qint64 currentTimeoutMs() const;
    int takeSlot();
    int slotOfWorker(qint64 pid);
    QByteArray folderFile(const char *name) const;
    void holdWaitingJobs(bool hold);
    bool isRunning(qint64 seq) const;
    void signalCancelled();
    void resumePausedJobs();

    Setup m_setup;
    std::unique_ptr<detail::BatchExecutor> m_executor;
    std::vector<std::shared_ptr<BatchJob>> m_running;
    std::deque<BatchJob> m_retries;
    std::vector<bool> m_slotsInUse;
    std::vector<std::shared_ptr<BatchJob>> m_uncommittedStarts;
    std::vector<std::shared_ptr<BatchJob>> m_uncommittedEnds; ///< attempts, final or not
    QSet<const BatchJob *> m_finalEnds; ///< those of m_uncommittedEnds that end their job
    QSet<qint64> m_cancelled;  ///< seqs to pass over when the source yields them, or killed
    QSet<qint64> m_ranAgain;   ///< seqs runAgain() queued: the source's copies are passed over
    QSet<qint64> m_pausedJobs; ///< running jobs whose command is stopped (setJobPaused)
    std::map<qint64, QElapsedTimer> m_cancelSignalled; ///< by command pid: since its SIGTERM
    QTimer m_cancelTimer;                              ///< signals cancelled jobs until they end
    std::vector<double> m_successfulSeconds;           ///< for --timeout P%
    BatchCounts m_counts;
    QTimer m_commitTimer;
    QTimer m_retryTimer; ///< --delay and --memfree waits
    QTimer m_killTimer;
    QElapsedTimer m_sinceLastStart;
    QElapsedTimer m_sinceStop;
    bool m_sourceDone = false;
    bool m_stopping = false; ///< no more starts
    bool m_killing = false;  ///< running jobs are being signalled: their ends are interruptions
    bool m_killNow = false;  ///< SIGKILL, not SIGTERM
    bool m_stoppedByUser = false;
    bool m_halted = false;
    bool m_finished = false;
    bool m_paused = false;
    bool m_pipelined = false;
    std::map<qint64, int> m_workerSlots; ///< pipelined: a worker's pid → its slot number
    QString m_storeError;
    QString m_executorError;
    int m_haltStatus = -1; ///< set by --halt ...,fail=1
    qint64 m_memoryKillPid = 0;
};

/// A source that hands the runner the jobs of \a batch that \a mode selects, a page at a
/// time in seq order, from \a store (which must outlive it). Skipped jobs (those an earlier
/// joblog has) run only with \a runSkipped.
BatchRunner::JobSource jobsFromStore(JobStore &store, qint64 batch, ResumeMode mode,
                                     bool runSkipped);

} // namespace jobpool
