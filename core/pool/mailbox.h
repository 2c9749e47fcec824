// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <jobpool/batch.h>
#include <jobpool/pool.h>

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

namespace jobpool::detail {

/// Something the control thread saw happen to a worker process.
struct WorkerEvent
{
    enum Type { Started, Finished, FailedToStart } type;
    quint64 id;
    qint64 pid;
    int exitCode;
    int signal;
    QString error;
};

/// What a pool's threads share, all under \c mutex: calls and process events for the
/// dispatcher, the caller's wishes (worker count, close, terminate), and what the
/// dispatcher publishes back (the monitoring snapshot, and whether anything is left).
struct Mailbox
{
    std::mutex mutex;
    std::condition_variable idle; ///< notified whenever the dispatcher publishes

    // For the dispatcher; \c pending says that one of these changed.
    std::vector<std::pair<std::shared_ptr<Batch>, int>> batches;
    std::vector<WorkerEvent> events;
    std::atomic<bool> pending{false};
    /// Chunks the dispatcher held back while its workers were busy, as it last saw before
    /// it slept (0 when one was idle). A call queued behind this many is not rung about:
    /// a result comes first, or the dispatcher's look at its busy workers (50 ms).
    alignas(64) std::atomic<qint64> backlog{0};
    int target = 1;
    bool closed = false;
    bool terminating = false;
    bool stop = false;

    // From the dispatcher.
    int liveWorkers = 0; ///< processes not yet reaped, as the dispatcher saw last
    bool workPending = false;
    bool closedAcknowledged = false;    ///< the dispatcher has seen close()
    bool terminateAcknowledged = false; ///< the dispatcher has seen terminate()
    QList<WorkerInfo> snapshot;
    PoolStats stats;
};

} // namespace jobpool::detail
