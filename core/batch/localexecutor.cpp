// SPDX-License-Identifier: GPL-3.0-or-later
#include "localexecutor.h"

#include "../pool/crossthread.h"

#include <QFuture>

#include <csignal>

namespace jobpool::detail {

LocalExecutor::LocalExecutor(const PoolOptions &options, QObject *context)
    : m_pool(std::make_unique<Pool>(options))
    , m_context(context)
{}

LocalExecutor::~LocalExecutor() = default;

void LocalExecutor::submit(Attempt attempt)
{
    attempt.started();             // handed to a worker: running, as far as the runner can tell
    const ContinuationOrder order; // the continuation is attached before the job can finish
    m_pool->applyAsync(jobpool::exec, attempt.request)
        .then(m_context, [done = std::move(attempt.done)](QFuture<ExecResult> future) {
            ExecResult result;
            try {
                result = future.result();
            } catch (const std::exception &e) {
                // The worker died under it, or the pool went away: the job did not finish.
                result.error = QString::fromUtf8(e.what());
                result.exitCode = -1;
            }
            done(std::move(result));
        });
}

std::size_t LocalExecutor::capacity(int slotCount, bool pipelined) const
{
    // Pipelined, each worker has jobs waiting, and the pool more for each.
    return std::size_t(slotCount) * (pipelined ? 4 : 1);
}

void LocalExecutor::setSlots(int slotCount)
{
    m_pool->setWorkerCount(slotCount);
}

QList<WorkerInfo> LocalExecutor::workers() const
{
    return m_pool->workers();
}

void LocalExecutor::signalRunning(int signal)
{
    for (const WorkerInfo &w : m_pool->workers()) {
        if (w.childPid <= 0)
            continue;
        ::kill(-pid_t(w.childPid), signal);
        if (signal != SIGKILL)
            ::kill(-pid_t(w.childPid), SIGCONT); // a paused job must run to act on it
    }
}

bool LocalExecutor::signalJob(qint64 seq, int signal)
{
    for (const WorkerInfo &w : m_pool->workers()) {
        if (w.childPid > 0 && w.childTag == seq)
            return ::kill(-pid_t(w.childPid), signal) == 0;
    }
    return false;
}

} // namespace jobpool::detail
