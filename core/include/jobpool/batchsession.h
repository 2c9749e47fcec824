// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <jobpool/batchoptions.h>
#include <jobpool/batchrunner.h>
#include <jobpool/jobstore.h>

#include <QObject>

#include <deque>
#include <memory>

/// \file
/// The desktop app's batches: one job store, one batch running at a time (the ones
/// added meanwhile wait their turn, HandBrake-like), and the controls a person uses on
/// them — pause, pool size, stop, cancel, retry, resume after a crash.

namespace jobpool {

class CommandTemplate;

class BatchSession : public QObject
{
    Q_OBJECT

public:
    struct Options
    {
        QString storePath;     ///< empty: JobStore::defaultPath()
        QString workerProgram; ///< empty: this executable
        int poolSize = 0;      ///< jobs at once; 0: one per core
        /// Bytes of its own memory above which a worker is replaced after a job
        /// (PoolOptions::maxWorkerMemory); 0: no limit.
        qint64 maxWorkerMemory = 0;
        int terminateGraceMs = 2000;
    };

    /// Opens (or creates) the store. Throws StoreError when it cannot.
    explicit BatchSession(Options options, QObject *parent = nullptr);
    ~BatchSession() override;

    JobStore &store() { return m_store; }

    struct NewBatch
    {
        QString name{};
        QList<QByteArray> templateArgv{};
        bool shell = false;
        QList<QByteArray> inputs{}; ///< one job each
        QByteArray workingDirectory{};
        SlurmOptions slurm{}; ///< enabled: the batch runs on a Slurm cluster
    };
    /// Checks the template (CommandTemplate's error, as a StoreError-free
    /// std::invalid_argument naming the problem), stores the batch, its options (Slurm's
    /// among them) and every job, and starts it now or once the running batch is done.
    /// Returns its id.
    qint64 submit(const NewBatch &batch);

    /// The batch running now (paused or not), 0 when none.
    qint64 runningBatch() const;
    QList<qint64> waitingBatches() const;
    /// The runner of the running batch, or nullptr.
    const BatchRunner *runner() const;
    QList<WorkerInfo> workers() const;
    /// The running batch's pool's figures (workers replaced for memory…), empty when none.
    PoolStats poolStats() const;

    enum class State { Idle, Running, Paused, Stopping };
    State state() const;

    void pause();
    void resume();
    /// Stops the running batch (Soon: its running jobs finish; Terminate: they are
    /// stopped too) and holds back the waiting ones until start().
    void stop(BatchRunner::Stop how);
    /// Starts the next waiting batch when none runs.
    void start();

    int poolSize() const { return m_options.poolSize; }
    /// Applied to the running batch at once.
    void setPoolSize(int size);
    qint64 maxWorkerMemory() const { return m_options.maxWorkerMemory; }
    /// Applied to the batches started from now on (a running batch keeps its pool's).
    void setMaxWorkerMemory(qint64 bytes);

    /// Cancels jobs of \a batch that have not ended: running ones are killed, waiting ones
    /// never start; they are stored as skipped (shown as "cancelled").
    void cancel(qint64 batch, const QList<qint64> &seqs);
    /// Pauses job \a seq of the running batch \a batch (its command's whole process group
    /// stopped) or resumes it. An empty string, or why not (the job is not running).
    QString setJobPaused(qint64 batch, qint64 seq, bool paused);
    bool isJobPaused(qint64 batch, qint64 seq) const;
    /// Runs again the jobs of \a batch that failed, were cancelled or interrupted: in the
    /// running batch at once, else \a batch waits its turn.
    void retry(qint64 batch, const QList<qint64> &seqs);
    /// The same for every failed job of \a batch.
    void retryFailed(qint64 batch);

    /// Batches that a crash or a kill interrupted and that still have jobs to run.
    QList<BatchRecord> interruptedBatches();
    /// Queues an interrupted or stopped batch to run its remaining jobs.
    void resumeBatch(qint64 batch);

signals:
    void batchStarted(qint64 batch);
    void batchFinished(qint64 batch, jobpool::BatchState state);
    void stateChanged();
    void jobStarted(qint64 batch, const jobpool::BatchJob &job);
    void jobFinished(qint64 batch, const jobpool::BatchJob &job);
    /// A running job was paused or resumed.
    void jobPauseChanged(qint64 batch, qint64 seq, bool paused);
    /// cancel() or retry() changed these jobs in the store.
    void jobsChanged(qint64 batch, const QList<qint64> &seqs);
    /// Something went wrong that the user should read (a damaged batch, a store error).
    void errorOccurred(const QString &message);

private:
    struct Run;
    /// Queues \a batch (once) and starts it if nothing runs.
    void enqueue(qint64 batch);
    void startNext();
    void onFinished();
    int jobSlots() const; ///< the pool size, 0 resolved to one per core
    /// The store's records of those jobs of \a batch (each read once).
    QList<JobRecord> records(qint64 batch, const QList<qint64> &seqs);
    /// retry()'s work on jobs already read.
    void requeue(qint64 batch, const QList<JobRecord> &records);

    Options m_options;
    JobStore m_store;
    std::unique_ptr<Run> m_run;
    std::deque<qint64> m_waiting;
    QList<BatchJob> m_retryOnStart; ///< retry() of the batch that starts next
    bool m_held = false;            ///< stop(): waiting batches wait for start()
    bool m_paused = false;
};

} // namespace jobpool
