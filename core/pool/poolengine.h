// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "../ipc/channel.h"
#include "chunkqueue.h"

#include <jobpool/batch.h>
#include <jobpool/pool.h>

#include <QHash>
#include <QThread>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace jobpool::detail {

class WorkerLauncher;

/// What runs a Pool. Two threads: the dispatcher, a tight loop that moves chunks of
/// work into the workers' rings and results out, sleeping on a futex when there is
/// nothing to do; and the control thread, whose Qt event loop starts and reaps the
/// worker processes. Other threads talk to the dispatcher through a small inbox.
class PoolEngine
{
public:
    PoolEngine(PoolOptions options, Pool *q);
    ~PoolEngine();

    void submit(std::shared_ptr<Batch> batch, int chunkSize);
    void close();
    void join();
    void terminate();
    void setWorkerCount(int count);
    int workerCount() const;
    QList<WorkerInfo> workers() const;
    PoolStats stats() const;

private:
    using Clock = std::chrono::steady_clock;
    using BatchState = ChunkQueue::BatchState;
    using Chunk = ChunkQueue::Chunk;
    struct Worker;
    struct Event
    {
        enum Type { Started, Finished, FailedToStart } type;
        quint64 id;
        qint64 pid;
        int exitCode;
        int signal;
        QString error;
    };

    // dispatcher thread
    void run();
    bool takeInbox();
    bool pumpIn(Worker &w);
    bool pumpOut(Worker &w);
    void drop(Worker &w, const Error &e);
    void kill(Worker &w);
    bool dispatch();
    void handleMessage(Worker &w, QByteArrayView message);
    void handleEvent(const Event &e);
    void workerGone(Worker &w, int exitCode, int signal, const QString &why);
    void spawnWorkers();
    void retireSurplus();
    /// Packs up to \a maxRecords chunks into one Run message for \a w; returns how many,
    /// or -1 once no chunk is left to dispatch.
    int sendChunks(Worker &w, int maxRecords);
    void handleResult(Worker &w, Decoder &message);
    void sendExit(Worker &w);
    void checkDeadlines(Clock::time_point now);
    std::chrono::nanoseconds nextDeadline(Clock::time_point now) const;
    bool anythingToRead() const;
    int liveWorkers() const;
    void publish();
    void post(Event e);

    PoolOptions m_options;
    Pool *m_q;
    QString m_program;
    ipc::Segment m_bellSegment;
    ipc::PoolBellHeader *m_bell = nullptr;

    // Control thread.
    QThread m_controlThread;
    WorkerLauncher *m_launcher = nullptr;

    // Shared between threads, under m_mutex.
    mutable std::mutex m_mutex;
    std::condition_variable m_idleCondition;
    std::vector<std::pair<std::shared_ptr<Batch>, int>> m_inboxBatches;
    std::vector<Event> m_inboxEvents;
    std::atomic<bool> m_inboxPending{false};
    int m_target = 1;
    bool m_closed = false;
    bool m_terminating = false;
    bool m_stop = false;
    int m_liveWorkers = 0; ///< processes not yet reaped, as the dispatcher saw last
    bool m_workPending = false;
    bool m_closedAcknowledged = false;    ///< the dispatcher has seen close()
    bool m_terminateAcknowledged = false; ///< the dispatcher has seen terminate()
    QList<WorkerInfo> m_snapshot;
    PoolStats m_stats;
    std::atomic<bool> m_changeNotifyPending{false};

    // Dispatcher thread only.
    std::thread m_dispatcher;
    std::map<quint64, std::unique_ptr<Worker>> m_workers;
    quint64 m_nextWorkerId = 1;
    int m_startFailures = 0;
    QString m_lastStartError;
    bool m_closedSeen = false;
    bool m_terminatingSeen = false;
    QByteArray m_scratch;
    Clock::time_point m_lastPublish;
    bool m_dirty = true;
    ChunkQueue m_queue;
    qint64 m_workersStarted = 0;
    qint64 m_workersLost = 0;
};

} // namespace jobpool::detail
