// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "../ipc/channel.h"
#include "chunkqueue.h"
#include "mailbox.h"
#include "workerchannel.h"

#include <jobpool/pool.h>

#include <QDateTime>

#include <atomic>
#include <chrono>
#include <csignal>
#include <deque>
#include <functional>
#include <map>
#include <memory>

namespace jobpool::detail {

class WorkerLauncher;

/// The pool's dispatcher thread: a tight loop that moves chunks of work into the workers'
/// rings and results out of them, follows each worker through its life (starting, ready,
/// busy, retiring, gone) and sleeps on the pool's futex doorbell when there is nothing to
/// do. Everything here belongs to that one thread; other threads reach it only through
/// the Mailbox.
class Dispatcher
{
public:
    Dispatcher(const PoolOptions &options, QString program, Mailbox &mailbox,
               ipc::Segment &bellSegment, WorkerLauncher *launcher, std::function<void()> changed);
    ~Dispatcher();
    Dispatcher(const Dispatcher &) = delete;
    Dispatcher &operator=(const Dispatcher &) = delete;

    /// The loop; returns once the mailbox says stop.
    void run();

private:
    using Clock = std::chrono::steady_clock;
    using BatchState = ChunkQueue::BatchState;
    using Chunk = ChunkQueue::Chunk;
    using Event = WorkerEvent;
    struct Worker;

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
    /// \a w said it is over the memory limit and leaves (recycling.cpp).
    void workerRecycled(Worker &w);
    /// Packs up to \a maxRecords chunks into one Run message for \a w; returns how many,
    /// or -1 once no chunk is left to dispatch.
    int sendChunks(Worker &w, int maxRecords);
    void handleResult(Worker &w, Decoder &message);
    void sendExit(Worker &w);
    void checkDeadlines(Clock::time_point now);
    std::chrono::nanoseconds nextDeadline(Clock::time_point now) const;
    bool anythingToRead() const;
    int liveWorkers() const;
    /// A CPU for a new worker to keep to: one no live worker has, or -1 when workers are
    /// not pinned or \a target workers are not as many as the CPUs.
    int freeCpu(int target) const;
    /// The CPUs this process may use, when \a options pin workers; else none.
    static std::vector<int> cpusToPinTo(const PoolOptions &options);
    void publish();

    const PoolOptions &m_options;
    const QString m_program;
    Mailbox &m_mailbox;
    ipc::Segment &m_bellSegment;
    ipc::PoolBellHeader *m_bell;
    WorkerLauncher *m_launcher;
    std::function<void()> m_changed;
    std::atomic<bool> m_changeNotifyPending{false};

    std::map<quint64, std::unique_ptr<Worker>> m_workers;
    const std::vector<int> m_cpus; ///< the CPUs the pool may use, when it pins its workers
    ChunkQueue m_queue;
    quint64 m_nextWorkerId = 1;
    int m_startFailures = 0;
    QString m_lastStartError;
    bool m_closedSeen = false;
    bool m_terminatingSeen = false;
    QByteArray m_scratch;
    Clock::time_point m_lastPublish;
    bool m_dirty = true;
    qint64 m_workersStarted = 0;
    qint64 m_workersLost = 0;
    qint64 m_workersRecycled = 0;
};

/// A worker process as the dispatcher follows it.
struct Dispatcher::Worker
{
    quint64 id = 0;
    WorkerChannel channel;
    int cpu = -1; ///< the CPU it keeps to (PoolOptions::pinWorkers), or -1
    WorkerInfo::State state = WorkerInfo::State::Starting;
    qint64 pid = 0;
    qint64 publishedChildPid = 0; ///< the command's pid as the last snapshot showed it
    bool ready = false;
    bool retiring = false; ///< takes no new work; leaves once idle
    bool exitSent = false;
    bool killRequested = false;
    bool timedOut = false;
    bool lost = false; ///< dropped after a protocol error
    QString dropReason;
    QString initError;
    std::deque<Chunk> inFlight;
    Clock::time_point startedAt;
    Clock::time_point chunkStartedAt;
    QDateTime startedWall;
    qint64 tasksDone = 0;
    qint64 chunksAssigned = 0;
    int messagesInFlight = 0; ///< Run messages not answered yet

    /// Counted among the pool's workers: not on its way out.
    bool live() const { return !retiring && !exitSent && !killRequested; }

    /// How many of its chunks in flight, from the front, it had started when it died of
    /// \a signal (0: it exited).
    std::size_t chunksStarted(int signal) const
    {
        if (lost || timedOut) // blamed on the chunk at the front, whatever it says
            return 1;
        const quint64 running = channel.runningChunk();
        for (std::size_t i = 0; i < inFlight.size(); ++i) {
            if (inFlight[i].id == running)
                return i + 1;
        }
        // Killed from outside between two messages: none ran. One that crashed or exited
        // without starting any is blamed on the first, lest a message that kills every
        // worker go round for ever.
        return signal == SIGKILL || signal == SIGTERM ? 0 : 1;
    }
};

} // namespace jobpool::detail
