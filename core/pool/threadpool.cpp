// SPDX-License-Identifier: GPL-3.0-or-later
#include "protocol.h"

#include <jobpool/threadpool.h>

#include <algorithm>
#include <deque>
#include <list>
#include <thread>

namespace jobpool::detail {

/// What runs a ThreadPool: a queue of calls, cut into chunks as threads take them, and the
/// threads. Everything here is guarded by one mutex; items run, and calls are reported
/// finished (which may run a QFuture's continuations), with it unlocked.
class ThreadPoolEngine
{
public:
    explicit ThreadPoolEngine(ThreadPoolOptions options);
    ~ThreadPoolEngine();

    void start();
    void submit(std::shared_ptr<ThreadCall> call, int chunkSize);
    void close();
    void join();
    void terminate();
    void setWorkerCount(int count);
    int workerCount() const;
    PoolStats stats() const;

private:
    struct CallState
    {
        std::shared_ptr<ThreadCall> call;
        qsizetype chunkSize = 1;
        qsizetype next = 0;     ///< first item no thread has taken
        qsizetype finished = 0; ///< items that completed
        int inFlight = 0;       ///< chunks running
        bool stopped = false;   ///< failed or cancelled: no more chunks start
        bool reported = false;  ///< fail() or complete() was (or is being) called
        std::exception_ptr error;
    };
    using CallPtr = std::shared_ptr<CallState>;
    struct Chunk
    {
        CallPtr state;
        qsizetype first = 0;
        qsizetype count = 0;
        quint64 id = 0;
    };
    struct Slot
    {
        std::thread thread;
        std::thread::id id;
        CallPtr current; ///< the call of the chunk it runs
        bool exited = false;
    };
    /// What waits for the mutex to be unlocked: calls to report finished, and calls let go
    /// of, whose callables' destructors must not run under the lock either.
    struct Reports
    {
        std::vector<CallPtr> finished;
        std::vector<CallPtr> dropped;
        bool empty() const { return finished.empty() && dropped.empty(); }
    };

    void work(Slot &slot);
    bool takeChunk(Chunk &chunk, Reports &reports);
    void chunkDone(const Chunk &chunk, qsizetype completed, std::exception_ptr error,
                   Reports &reports);
    /// No more chunks of the call start; \a error (none: it was cancelled) is what it
    /// reports once its running chunks are back.
    void stopCall(CallState &state, std::exception_ptr error);
    void settle(const CallPtr &state, Reports &reports);
    void failAll(std::exception_ptr error, Reports &reports);
    void spawnMissing();
    void leave(Slot &slot);
    std::vector<std::thread> takeThreads(bool exitedOnly);
    bool onPoolThread() const;
    static void deliver(Reports &reports);
    static void joinAll(std::vector<std::thread> &threads);

    const std::function<void()> m_initializer;
    mutable std::mutex m_mutex;
    std::condition_variable m_workAvailable;
    std::condition_variable m_threadExited;
    std::deque<CallPtr> m_calls; ///< calls with items no thread has taken yet
    std::list<Slot> m_slots;     ///< node-based: a thread keeps a reference to its own
    int m_target = 1;
    int m_live = 0; ///< threads that have not left their loop
    bool m_closed = false;
    bool m_terminating = false;
    quint64 m_nextChunkId = 1;
    PoolStats m_stats;
};

ThreadPoolEngine::ThreadPoolEngine(ThreadPoolOptions options)
    : m_initializer(std::move(options.threadInitializer))
    , m_target(options.workers > 0 ? options.workers
                                   : std::max(1, int(std::thread::hardware_concurrency())))
{}

ThreadPoolEngine::~ThreadPoolEngine()
{
    terminate();
}

void ThreadPoolEngine::start()
{
    std::lock_guard lock(m_mutex);
    spawnMissing();
}

void ThreadPoolEngine::spawnMissing()
{
    while (m_live < m_target) {
        Slot &slot = m_slots.emplace_back();
        try {
            slot.thread = std::thread([this, &slot] { work(slot); });
        } catch (...) {
            m_slots.pop_back();
            throw;
        }
        slot.id = slot.thread.get_id();
        ++m_live;
        ++m_stats.workersStarted;
    }
}

void ThreadPoolEngine::work(Slot &slot)
{
    if (m_initializer) {
        try {
            m_initializer();
        } catch (...) {
            const auto [type, message] = describeException(std::current_exception());
            Reports reports;
            {
                std::lock_guard lock(m_mutex);
                leave(slot);
                // As Pool does when no worker can start: fail what waits rather than hang.
                if (m_live == 0)
                    failAll(std::make_exception_ptr(PoolError(
                                QStringLiteral("cannot start worker threads: the initializer "
                                               "raised %1: %2")
                                    .arg(type, message))),
                            reports);
            }
            deliver(reports);
            return;
        }
    }
    std::unique_lock lock(m_mutex);
    Reports reports;
    for (;;) {
        if (m_terminating || m_live > m_target)
            break;
        Chunk chunk;
        if (takeChunk(chunk, reports)) {
            slot.current = chunk.state;
            lock.unlock();
            deliver(reports);
            std::exception_ptr error;
            const qsizetype completed = chunk.state->call->run(chunk.first, chunk.count, error);
            if (error) {
                // Pool's worker reports a thrown exception by its type and message.
                const auto [type, message] = describeException(error);
                error = std::make_exception_ptr(RemoteError(type, message, chunk.id));
            }
            lock.lock();
            slot.current.reset();
            chunkDone(chunk, completed, std::move(error), reports);
            lock.unlock();
            // Where the call's last reference may go: its callable's destructor runs unlocked.
            chunk.state.reset();
            deliver(reports);
            lock.lock();
            continue;
        }
        if (!reports.empty()) {
            lock.unlock();
            deliver(reports);
            lock.lock();
            continue;
        }
        if (m_closed)
            break;
        m_workAvailable.wait(lock);
    }
    leave(slot);
}

void ThreadPoolEngine::leave(Slot &slot)
{
    --m_live;
    slot.exited = true;
    m_threadExited.notify_all();
}

bool ThreadPoolEngine::takeChunk(Chunk &chunk, Reports &reports)
{
    while (!m_calls.empty()) {
        const CallPtr front = m_calls.front();
        if (!front->stopped && front->call->cancelled()) {
            stopCall(*front, nullptr);
            settle(front, reports);
        }
        if (!front->stopped)
            break;
        reports.dropped.push_back(std::move(m_calls.front()));
        m_calls.pop_front();
    }
    if (m_calls.empty())
        return false;
    const CallPtr state = m_calls.front();
    chunk.state = state;
    chunk.first = state->next;
    chunk.count = std::min(state->chunkSize, state->call->count - state->next);
    chunk.id = m_nextChunkId++;
    state->next += chunk.count;
    ++state->inFlight;
    m_stats.queued -= chunk.count;
    m_stats.running += chunk.count;
    if (state->next == state->call->count)
        m_calls.pop_front();
    return true;
}

void ThreadPoolEngine::chunkDone(const Chunk &chunk, qsizetype completed, std::exception_ptr error,
                                 Reports &reports)
{
    CallState &state = *chunk.state;
    --state.inFlight;
    m_stats.running -= chunk.count;
    m_stats.done += completed;
    state.finished += completed;
    if (error)
        stopCall(state, std::move(error));
    else if (!state.stopped && state.call->cancelled())
        stopCall(state, nullptr);
    if (state.error)
        m_stats.failed += chunk.count - completed; // items it skipped or that threw
    if (!state.stopped)
        state.call->progress(state.finished);
    settle(chunk.state, reports);
}

void ThreadPoolEngine::stopCall(CallState &state, std::exception_ptr error)
{
    if (state.stopped)
        return; // the first error wins, as in Pool
    state.stopped = true;
    state.error = std::move(error);
    state.call->abandoned.store(true, std::memory_order_relaxed);
    const qsizetype untaken = state.call->count - state.next;
    m_stats.queued -= untaken;
    if (state.error)
        m_stats.failed += untaken;
    state.next = state.call->count;
}

void ThreadPoolEngine::settle(const CallPtr &state, Reports &reports)
{
    if (state->reported || state->inFlight > 0)
        return;
    if (!state->stopped && state->finished < state->call->count)
        return;
    state->reported = true;
    reports.finished.push_back(state);
}

void ThreadPoolEngine::deliver(Reports &reports)
{
    for (const CallPtr &state : reports.finished) {
        if (state->error)
            state->call->fail(state->error);
        else
            state->call->complete();
    }
    reports.finished.clear();
    reports.dropped.clear();
}

void ThreadPoolEngine::failAll(std::exception_ptr error, Reports &reports)
{
    for (CallPtr &state : m_calls) {
        stopCall(*state, error);
        settle(state, reports);
        reports.dropped.push_back(std::move(state));
    }
    m_calls.clear();
    // A call whose last chunk is running has left the queue: its thread reports it.
    for (Slot &slot : m_slots) {
        if (slot.current)
            stopCall(*slot.current, error);
    }
}

void ThreadPoolEngine::submit(std::shared_ptr<ThreadCall> call, int chunkSize)
{
    auto state = std::make_shared<CallState>();
    std::vector<std::thread> exited;
    {
        std::lock_guard lock(m_mutex);
        if (m_closed || m_terminating)
            throw PoolError(QStringLiteral("the pool is closed: it takes no more calls"));
        exited = takeThreads(true);
        spawnMissing(); // replaces threads whose initializer failed
        qsizetype size = chunkSize;
        if (size <= 0) {
            // Python's choice, and Pool's: about four chunks per thread.
            const qsizetype parts = qsizetype(m_target) * 4;
            size = std::max<qsizetype>(1, (call->count + parts - 1) / parts);
        }
        state->chunkSize = size;
        state->call = call;
        if (call->count > 0) {
            m_stats.queued += call->count;
            m_calls.push_back(state);
            if (call->count > size)
                m_workAvailable.notify_all();
            else
                m_workAvailable.notify_one();
        }
    }
    joinAll(exited);
    if (call->count == 0)
        call->complete();
}

void ThreadPoolEngine::close()
{
    std::lock_guard lock(m_mutex);
    m_closed = true;
    m_workAvailable.notify_all();
}

void ThreadPoolEngine::join()
{
    std::vector<std::thread> threads;
    {
        std::unique_lock lock(m_mutex);
        if (!m_closed && !m_terminating)
            throw PoolError(QStringLiteral("join() needs close() or terminate() first"));
        if (onPoolThread())
            throw PoolError(QStringLiteral("join() called by a task of the pool it waits for"));
        m_threadExited.wait(lock, [this] { return m_live == 0; });
        threads = takeThreads(false);
    }
    joinAll(threads);
}

void ThreadPoolEngine::terminate()
{
    Reports reports;
    {
        std::lock_guard lock(m_mutex);
        if (onPoolThread())
            throw PoolError(
                QStringLiteral("terminate() called by a task of the pool it waits for"));
        m_terminating = true;
        m_closed = true;
        failAll(std::make_exception_ptr(PoolError(QStringLiteral("the pool was terminated"))),
                reports);
        m_workAvailable.notify_all();
    }
    deliver(reports);
    join(); // a thread cannot be killed: wait for the items that are running
}

void ThreadPoolEngine::setWorkerCount(int count)
{
    std::vector<std::thread> exited;
    {
        std::lock_guard lock(m_mutex);
        m_target = std::max(1, count);
        exited = takeThreads(true);
        if (!m_terminating && !(m_closed && m_calls.empty()))
            spawnMissing();
        m_workAvailable.notify_all(); // surplus threads leave between chunks
    }
    joinAll(exited);
}

int ThreadPoolEngine::workerCount() const
{
    std::lock_guard lock(m_mutex);
    return m_target;
}

PoolStats ThreadPoolEngine::stats() const
{
    std::lock_guard lock(m_mutex);
    return m_stats;
}

std::vector<std::thread> ThreadPoolEngine::takeThreads(bool exitedOnly)
{
    std::vector<std::thread> threads;
    for (auto it = m_slots.begin(); it != m_slots.end();) {
        if (exitedOnly && !it->exited) {
            ++it;
            continue;
        }
        threads.push_back(std::move(it->thread));
        it = m_slots.erase(it);
    }
    return threads;
}

void ThreadPoolEngine::joinAll(std::vector<std::thread> &threads)
{
    // A thread taken here has left its loop: joining waits at most for it to return.
    for (std::thread &t : threads)
        t.join();
    threads.clear();
}

bool ThreadPoolEngine::onPoolThread() const
{
    const std::thread::id self = std::this_thread::get_id();
    return std::any_of(m_slots.begin(), m_slots.end(),
                       [self](const Slot &s) { return s.id == self && !s.exited; });
}

} // namespace jobpool::detail

namespace jobpool {

ThreadPool::ThreadPool(ThreadPoolOptions options, QObject *parent)
    : QObject(parent)
    , d(std::make_unique<detail::ThreadPoolEngine>(std::move(options)))
{
    d->start();
}

ThreadPool::~ThreadPool() = default;

void ThreadPool::submit(std::shared_ptr<detail::ThreadCall> call, MapOptions options)
{
    call->ordered = options.ordered;
    d->submit(std::move(call), options.chunkSize);
}

void ThreadPool::close()
{
    d->close();
}

void ThreadPool::join()
{
    d->join();
}

void ThreadPool::terminate()
{
    d->terminate();
}

void ThreadPool::setWorkerCount(int count)
{
    d->setWorkerCount(count);
}

int ThreadPool::workerCount() const
{
    return d->workerCount();
}

PoolStats ThreadPool::stats() const
{
    return d->stats();
}

} // namespace jobpool
