// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <jobpool/batch.h>
#include <jobpool/errors.h>
#include <jobpool/task.h>

#include <QDateTime>
#include <QFuture>
#include <QList>
#include <QObject>
#include <QString>

#include <chrono>
#include <memory>

namespace jobpool {

namespace detail {
class PoolEngine;
}

/// How a pool is set up. Designated initialisers read best:
/// `Pool pool({.workers = 4, .retries = 2});`
struct PoolOptions
{
    int workers = 0;          ///< 0: one per CPU core
    int maxTasksPerChild = 0; ///< replace a worker after this many tasks; 0: never
    /// Replace a worker whose own resident memory (its heap and stacks: not the program's
    /// code nor shared memory) is above this many bytes after a task, before it starts
    /// another; 0: no limit. What was waiting for it goes to the next worker, never run
    /// twice. Checked after each Run message: short tasks that travel several to a message
    /// are checked once for all of them. Counted in PoolStats::workersRecycled.
    qint64 maxWorkerMemory = 0;
    std::chrono::milliseconds taskTimeout{0}; ///< kill a task's worker after this; 0: no limit
    int retries = 0;                          ///< re-run a task whose worker died, this many times
    QString workerProgram{};                  ///< empty: this executable, re-launched
    std::chrono::milliseconds startTimeout{10000}; ///< a worker must be ready within this
    /// Keep each worker on a CPU of its own, when there are as many workers as CPUs this
    /// process may use. For workers that mostly start commands and wait for them: the
    /// kernel then wakes a worker where it last ran instead of queueing it behind another
    /// worker's command (docs/BENCHMARKS.md, "Workers on CPUs of their own"). Commands a
    /// task starts through exec() get back the CPUs the pool was created with; a task's
    /// own threads would stay on the worker's CPU, which is why this is off by default.
    bool pinWorkers = false;

    /// A registered task every new worker runs once before its first task.
    template<class Fn, class... A>
    PoolOptions &initializer(Fn fn, A... args)
    {
        using Traits = detail::FunctionTraits<std::decay_t<Fn>>;
        static_assert(sizeof...(A) == Traits::arity, "initializer: wrong number of arguments");
        initializerTask = detail::taskNameOf(reinterpret_cast<const void *>(fn));
        initializerArguments.clear();
        Encoder out(initializerArguments);
        if constexpr (Traits::arity == 1)
            out.write(typename Traits::Item(args...));
        else if constexpr (Traits::arity > 1)
            out.write(typename Traits::Item(args...));
        return *this;
    }

    QByteArray initializerTask{};      ///< set through initializer()
    QByteArray initializerArguments{}; ///< set through initializer()
};

struct MapOptions
{
    int chunkSize = 0;   ///< items sent to a worker at once; 0: chosen like Python's map
    bool ordered = true; ///< false: results in the order they finish (imap_unordered)
};

/// One worker process, as the processes view shows it.
struct WorkerInfo
{
    enum class State { Starting, Idle, Busy, Stopping };
    qint64 pid = 0;
    State state = State::Starting;
    quint64 currentTask = 0; ///< id of the chunk it runs, 0 when idle
    qint64 tasksDone = 0;
    QDateTime startedAt;
    qint64 childPid = 0; ///< a command the worker runs on behalf of a task, if any
    qint64 childTag = 0; ///< the task's name for that command (a batch's job number), or 0
};

/// Counts of items (one map input, one apply call) since the pool was created.
struct PoolStats
{
    qint64 queued = 0;
    qint64 running = 0;
    qint64 done = 0;
    qint64 failed = 0;
    qint64 retried = 0;
    qint64 workersStarted = 0;
    qint64 workersLost = 0;     ///< died or were killed while working
    qint64 workersRecycled = 0; ///< replaced for memory above PoolOptions::maxWorkerMemory
};

/// A pool of worker processes, the C++ twin of Python's multiprocessing.Pool.
///
/// \code
/// int square(int n) { return n * n; }
/// JOBPOOL_TASK(square)
///
/// jobpool::Pool pool({.workers = 4});
/// QList<int> squares = pool.map(square, QList<int>{1, 2, 3});     // {1, 4, 9}
/// QFuture<int> one = pool.applyAsync(square, 7);                    // one.result() == 49
/// \endcode
///
/// A program with a QApplication or QCoreApplication should create it before its first
/// Pool; one without any gets a QCoreApplication made for it (Qt needs one to deliver
/// events between the pool's threads), so it must not create one afterwards.
///
/// Tasks are free functions registered with JOBPOOL_TASK. Arguments and results travel
/// through shared memory (see codec.h for the types that can). A task that throws, a
/// worker that dies and a task that times out fail only that call, with RemoteError,
/// WorkerDied and TaskTimeout; the pool replaces the worker and carries on.
class Pool final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(Pool)

public:
    explicit Pool(PoolOptions options = {}, QObject *parent = nullptr);
    /// Terminates: running tasks are abandoned, their workers killed.
    ~Pool() override;

    template<class Fn, class Inputs>
    auto map(Fn fn, const Inputs &inputs, MapOptions options = {})
    {
        using R = detail::TaskResult<Fn>;
        using Item = detail::TaskItem<Fn>;
        using Source = detail::InputEncoder<Item, Inputs>;
        auto batch = std::make_shared<detail::CollectingBatch<R, Source>>(Source(inputs));
        batch->setCount(qsizetype(std::size(inputs)));
        submit(batch, fn, options);
        return batch->wait();
    }

    template<class Fn, class Inputs>
    QFuture<detail::TaskResult<Fn>> mapAsync(Fn fn, const Inputs &inputs, MapOptions options = {})
    {
        using R = detail::TaskResult<Fn>;
        using Item = detail::TaskItem<Fn>;
        using Source = detail::InputEncoder<Item, Inputs>;
        auto batch = std::make_shared<detail::FutureBatch<R, Source>>(Source(inputs));
        batch->start(qsizetype(std::size(inputs)));
        QFuture<R> future = batch->future();
        submit(batch, fn, options);
        return future;
    }

    /// Like map, for a function of several arguments: each input is a tuple of them.
    template<class Fn, class... A>
    auto starmap(Fn fn, const QList<std::tuple<A...>> &inputs, MapOptions options = {})
    {
        return map(fn, inputs, options);
    }
    template<class Fn, class... A>
    QFuture<detail::TaskResult<Fn>> starmapAsync(Fn fn, const QList<std::tuple<A...>> &inputs,
                                                 MapOptions options = {})
    {
        return mapAsync(fn, inputs, options);
    }

    /// Runs one call in a worker and waits for its result.
    template<class Fn, class... Args>
    detail::TaskResult<Fn> apply(Fn fn, Args &&...args)
    {
        using R = detail::TaskResult<Fn>;
        using Source = detail::CallArguments<detail::TaskItem<Fn>>;
        auto batch = std::make_shared<detail::CollectingBatch<R, Source>>(
            Source(makeItem(fn, std::forward<Args>(args)...)));
        batch->setCount(1);
        submit(batch, fn, {});
        if constexpr (std::is_void_v<R>) {
            batch->wait();
        } else {
            return std::move(batch->wait().first());
        }
    }

    template<class Fn, class... Args>
    QFuture<detail::TaskResult<Fn>> applyAsync(Fn fn, Args &&...args)
    {
        using R = detail::TaskResult<Fn>;
        using Source = detail::CallArguments<detail::TaskItem<Fn>>;
        auto batch = std::make_shared<detail::FutureBatch<R, Source>>(
            Source(makeItem(fn, std::forward<Args>(args)...)));
        batch->start(1);
        QFuture<R> future = batch->future();
        submit(batch, fn, {});
        return future;
    }

    /// No more calls are accepted; queued ones still run (Python's close()).
    void close();
    /// Waits until every worker has exited; call close() or terminate() first.
    void join();
    /// Stops at once: queued and running calls fail with PoolError, workers are killed.
    void terminate();

    /// Applied live: grows at once, shrinks as workers become idle.
    void setWorkerCount(int count);
    int workerCount() const;

    QList<WorkerInfo> workers() const;
    PoolStats stats() const;

signals:
    /// Something in workers() or stats() changed. Emitted from the pool's own thread, at
    /// most about ten times a second, never once per task.
    void changed();

private:
    template<class Fn, class... Args>
    static detail::TaskItem<Fn> makeItem(Fn, Args &&...args)
    {
        using Traits = detail::FunctionTraits<std::decay_t<Fn>>;
        static_assert(sizeof...(Args) == Traits::arity, "apply: wrong number of arguments");
        return detail::TaskItem<Fn>(std::forward<Args>(args)...);
    }

    template<class Fn>
    void submit(std::shared_ptr<detail::Batch> batch, Fn fn, MapOptions options)
    {
        batch->task = detail::taskNameOf(reinterpret_cast<const void *>(fn));
        batch->ordered = options.ordered;
        submitBatch(std::move(batch), options.chunkSize);
    }
    void submitBatch(std::shared_ptr<detail::Batch> batch, int chunkSize);

    std::unique_ptr<detail::PoolEngine> d;
};

} // namespace jobpool
