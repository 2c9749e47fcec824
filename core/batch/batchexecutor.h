// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <jobpool/exec.h>
#include <jobpool/pool.h>

#include <QList>

#include <cstddef>
#include <functional>

namespace jobpool::detail {

/// Where a batch's commands run: this computer's pool of workers (LocalExecutor) or a
/// Slurm cluster (SlurmExecutor). BatchRunner decides what runs, when, how often and what
/// the store keeps; an executor runs one attempt of one job and says how it ended. Every
/// callback comes in the runner's thread, never from inside submit() unless it says so.
class BatchExecutor
{
public:
    struct Attempt
    {
        ExecRequest request; ///< its tag is the job's seq; its attempt is set
        /// The command started. The local pool calls it from submit() (a job handed to a
        /// worker counts as running); Slurm, once the array task runs it.
        std::function<void()> started;
        /// How it ended. A result with error() set and no exit status is an attempt that
        /// could not run to its end (a lost worker, a Slurm task cancelled or timed out).
        std::function<void(ExecResult)> done;
    };

    virtual ~BatchExecutor() = default;

    virtual void submit(Attempt attempt) = 0;
    /// How many attempts the runner keeps submitted at once, for \a slotCount job slots.
    virtual std::size_t capacity(int slotCount, bool pipelined) const = 0;
    /// -j changed while the batch runs.
    virtual void setSlots(int slotCount) = 0;
    /// This computer's workers and the commands they run; empty elsewhere.
    virtual QList<WorkerInfo> workers() const = 0;
    virtual PoolStats poolStats() const { return {}; }
    /// Stops every running command: SIGTERM first, SIGKILL once the grace period is over.
    virtual void signalRunning(int signal) = 0;
    /// Sends \a signal to the process group of job \a seq's running command; false when it
    /// has none here (not started yet, or it runs on another computer).
    virtual bool signalJob(qint64 seq, int signal) = 0;
    /// The user cancelled these jobs (by seq). The local runner signals their commands
    /// itself, through workers(); an executor whose commands run elsewhere acts here.
    virtual void cancel(const QList<qint64> &seqs) = 0;
};

} // namespace jobpool::detail
