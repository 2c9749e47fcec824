// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <jobpool/errors.h>
#include <jobpool/pool.h>

#include <QFuture>
#include <QFutureInterface>
#include <QList>
#include <QObject>
#include <QStringBuilder>

#include <atomic>
#include <condition_variable>
#include <exception>
#include <functional>
#include <iterator>
#include <memory>
#include <mutex>
#include <optional>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

namespace jobpool {

namespace detail {

class ThreadPoolEngine;

/// One call into a ThreadPool (a map, a starmap or an apply), as its threads see it: a
/// number of items, run chunk by chunk on whichever thread takes them. fail() or complete()
/// is called exactly once, after the last chunk that was running has returned.
class ThreadCall
{
public:
    virtual ~ThreadCall() = default;

    qsizetype count = 0;
    bool ordered = true;
    /// Set when the call failed, was cancelled or the pool terminated: a chunk that is
    /// running stops before its next item and hands over nothing more.
    std::atomic<bool> abandoned{false};

    /// Runs items [first, first + n) on the calling thread and hands over their results.
    /// Stops at the first item that throws, storing the exception in \a error, or when the
    /// call is abandoned; returns how many items completed.
    virtual qsizetype run(qsizetype first, qsizetype n, std::exception_ptr &error) = 0;
    virtual void fail(std::exception_ptr error) = 0;
    virtual void complete() = 0;
    virtual bool cancelled() const { return false; }
    virtual void progress(qsizetype done) { Q_UNUSED(done); }

protected:
    bool stopping() const { return abandoned.load(std::memory_order_relaxed) || cancelled(); }
};

template<class Fn, class Tuple>
struct IsApplicable : std::false_type
{
};
template<class Fn, class... A>
struct IsApplicable<Fn, std::tuple<A...>> : std::is_invocable<Fn, const A &...>
{
};

template<class T>
struct IsStringBuilder : std::false_type
{
};
template<class A, class B>
struct IsStringBuilder<QStringBuilder<A, B>> : std::true_type
{
};
/// A lambda that returns `a + b` of strings returns, with QT_USE_QSTRINGBUILDER, a
/// QStringBuilder: references to its temporaries, dangling once it has returned.
template<class R>
constexpr bool isStorableResult = !IsStringBuilder<R>::value;

/// Calls \a fn with one item of a map: the item itself when \a fn takes it, else the
/// elements of a tuple item as its arguments — Pool's rule for a function of several
/// arguments, so map and starmap accept the same functions as Pool's.
template<class Fn, class Item>
decltype(auto) invokeItem(Fn &fn, const Item &item)
{
    if constexpr (std::is_invocable_v<Fn &, const Item &>) {
        return std::invoke(fn, item);
    } else {
        static_assert(IsApplicable<Fn &, Item>::value,
                      "ThreadPool::map: the function takes neither an item nor, for a tuple "
                      "item, its elements");
        return std::apply(fn, item);
    }
}

/// The items of a map or starmap: the function and a copy of the inputs (a QList's is
/// shared, not copied), read by several threads at once through const access only (a
/// non-const begin() of a QList would detach it).
template<class Fn, class Inputs>
class MapItems
{
public:
    using Element = std::remove_cvref_t<decltype(*std::cbegin(std::declval<const Inputs &>()))>;
    using Result = std::remove_cvref_t<decltype(invokeItem(std::declval<Fn &>(),
                                                           std::declval<const Element &>()))>;

    static_assert(isStorableResult<Result>,
                  "the callable returns a QStringBuilder, which refers to its temporaries: declare "
                  "its return type (-> QString)");

    MapItems(Fn fn, const Inputs &inputs)
        : m_fn(std::move(fn))
        , m_inputs(inputs)
    {}
    decltype(auto) operator()(qsizetype i)
    {
        return invokeItem(m_fn, *(std::cbegin(m_inputs) + i));
    }

private:
    Fn m_fn;
    const Inputs m_inputs;
};

/// The one item of an apply: the function and copies of its arguments, so that the call
/// may outlive the caller's variables (applyAsync). They are moved into the call.
template<class Fn, class... Args>
class BoundCall
{
public:
    static_assert(std::is_invocable_v<Fn &, Args &&...>,
                  "ThreadPool::apply: the function cannot be called with these arguments");
    using Result = std::remove_cvref_t<std::invoke_result_t<Fn &, Args &&...>>;
    static_assert(isStorableResult<Result>,
                  "the callable returns a QStringBuilder, which refers to its temporaries: declare "
                  "its return type (-> QString)");

    template<class... A>
    explicit BoundCall(Fn fn, A &&...args)
        : m_fn(std::move(fn))
        , m_args(std::forward<A>(args)...)
    {}
    decltype(auto) operator()(qsizetype) { return std::apply(m_fn, std::move(m_args)); }

private:
    Fn m_fn;
    std::tuple<Args...> m_args;
};

/// Collects every result into one list for a blocking call (map, starmap, apply). Each
/// thread writes only the slots of its own chunk.
template<class Items>
class CollectingThreadCall final : public ThreadCall
{
public:
    using R = typename Items::Result;

    CollectingThreadCall(Items items, qsizetype n)
        : m_items(std::move(items))
    {
        count = n;
        m_results.resize(n);
    }

    qsizetype run(qsizetype first, qsizetype n, std::exception_ptr &error) override
    {
        typename CallResults<R>::Slot *out = m_results.data();
        qsizetype i = 0;
        try {
            for (; i < n && !stopping(); ++i) {
                if constexpr (std::is_void_v<R>)
                    m_items(first + i);
                else if constexpr (std::is_default_constructible_v<R>)
                    out[first + i] = m_items(first + i);
                else
                    out[first + i].emplace(m_items(first + i));
            }
        } catch (...) {
            error = std::current_exception();
        }
        return i;
    }
    void fail(std::exception_ptr error) override { m_results.finish(std::move(error)); }
    void complete() override { m_results.finish(nullptr); }

    /// Blocks until the call is finished; returns the results or rethrows its error.
    auto wait() { return m_results.wait(); }

private:
    Items m_items;
    CallResults<R> m_results;
};

/// Streams results into a QFuture (mapAsync, starmapAsync, applyAsync), chunk by chunk, at
/// their index (ordered) or as they come (unordered), with progress in items.
template<class Items>
class FutureThreadCall final : public ThreadCall
{
public:
    using R = typename Items::Result;

    FutureThreadCall(Items items, qsizetype n)
        : m_items(std::move(items))
    {
        count = n;
        m_future.reportStarted();
        m_future.setProgressRange(0, int(n));
    }
    QFuture<R> future() { return m_future.future(); }

    qsizetype run(qsizetype first, qsizetype n, std::exception_ptr &error) override
    {
        qsizetype i = 0;
        if constexpr (std::is_void_v<R>) {
            try {
                for (; i < n && !stopping(); ++i)
                    m_items(first + i);
            } catch (...) {
                error = std::current_exception();
            }
        } else if (n == 1) { // an apply: no list for a single value
            std::optional<R> result;
            try {
                if (!stopping())
                    result.emplace(m_items(first));
            } catch (...) {
                error = std::current_exception();
            }
            if (result && !stopping()) {
                m_future.reportResult(std::move(*result), ordered ? int(first) : -1);
                i = 1;
            }
        } else {
            QList<R> results;
            results.reserve(n);
            try {
                for (; i < n && !stopping(); ++i)
                    results.append(m_items(first + i));
            } catch (...) {
                error = std::current_exception();
            }
            if (!results.isEmpty() && !stopping())
                m_future.reportResults(results, ordered ? int(first) : -1, int(results.size()));
        }
        return i;
    }
    void fail(std::exception_ptr error) override
    {
        m_future.reportException(error);
        m_future.reportFinished();
    }
    void complete() override { m_future.reportFinished(); }
    bool cancelled() const override { return m_future.isCanceled(); }
    void progress(qsizetype done) override { m_future.setProgressValue(int(done)); }

private:
    Items m_items;
    QFutureInterface<R> m_future;
};

} // namespace detail

/// How a thread pool is set up: `ThreadPool pool({.workers = 8});` reads like Pool's.
struct ThreadPoolOptions
{
    int workers = 0; ///< 0: one per CPU core

    /// A callable every new thread runs once before its first task (Python's initializer):
    /// say, to open a database connection of its own. The arguments are copied.
    template<class Fn, class... A>
    ThreadPoolOptions &initializer(Fn fn, A... args)
    {
        static_assert(std::is_invocable_v<const Fn &, const A &...>,
                      "initializer: the function cannot be called with these arguments");
        threadInitializer = [fn = std::move(fn), ... args = std::move(args)] {
            std::invoke(fn, args...);
        };
        return *this;
    }

    std::function<void()> threadInitializer{}; ///< set through initializer()
};

/// A pool of threads with the API of Pool: the C++ twin of Python's
/// multiprocessing.pool.ThreadPool (multiprocessing.dummy). It is for work that waits —
/// downloads, disk, databases — rather than work that computes: nothing is copied to
/// another process, and any callable runs, capturing lambdas included.
///
/// \code
/// jobpool::ThreadPool pool({.workers = 16});
/// const QList<QByteArray> pages = pool.map([&](const QUrl &url) { return fetch(url); }, urls);
/// QFuture<qint64> size = pool.applyAsync([](const QString &path) {
///     return QFileInfo(path).size();
/// }, QStringLiteral("/etc/hosts"));
/// \endcode
///
/// Errors are Pool's, so that code switches between the two by changing the type: a task
/// that throws fails only its call (the items of it not started yet never run), with a
/// RemoteError naming the exception's type and message, in the same words as Pool's — the
/// exception object itself is not kept, as Pool cannot keep it across processes; a call on
/// a closed or terminated pool throws PoolError. Arguments of apply() and applyAsync() are
/// copied into the call, and so is the container of a map (a QList's data is shared).
///
/// Differences that follow from threads: a thread cannot be killed, so terminate() fails
/// the calls that did not finish, runs no item it has not started, and then *waits* for
/// the items that are running to return (Pool kills their workers instead); there is no
/// task timeout and no per-thread task limit. A call finishes — map() returns or throws,
/// its future reports finished — only once none of its items runs any more, even when it
/// failed or was cancelled, so a task may use by reference what the caller keeps alive
/// until then. A task must not wait for a later call into its own pool to finish (every
/// thread could end up waiting), nor join, terminate or destroy its own pool.
class ThreadPool final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ThreadPool)

public:
    explicit ThreadPool(ThreadPoolOptions options = {}, QObject *parent = nullptr);
    /// Terminates: calls that did not finish fail with PoolError; waits for running items.
    ~ThreadPool() override;

    /// Calls \a fn for every input on the pool's threads; returns the results in input order.
    template<class Fn, class Inputs>
    auto map(Fn fn, const Inputs &inputs, MapOptions options = {})
    {
        using Items = detail::MapItems<Fn, Inputs>;
        auto call = std::make_shared<detail::CollectingThreadCall<Items>>(
            Items(std::move(fn), inputs), qsizetype(std::size(inputs)));
        submit(call, options);
        return call->wait();
    }

    template<class Fn, class Inputs>
    auto mapAsync(Fn fn, const Inputs &inputs, MapOptions options = {})
    {
        using Items = detail::MapItems<Fn, Inputs>;
        auto call = std::make_shared<detail::FutureThreadCall<Items>>(Items(std::move(fn), inputs),
                                                                      qsizetype(std::size(inputs)));
        QFuture<typename Items::Result> future = call->future();
        submit(call, options);
        return future;
    }

    /// Like map, for a function of several arguments: each input is a tuple of them.
    template<class Fn, class... A>
    auto starmap(Fn fn, const QList<std::tuple<A...>> &inputs, MapOptions options = {})
    {
        return map(std::move(fn), inputs, options);
    }
    template<class Fn, class... A>
    auto starmapAsync(Fn fn, const QList<std::tuple<A...>> &inputs, MapOptions options = {})
    {
        return mapAsync(std::move(fn), inputs, options);
    }

    /// Runs one call on a pool thread and waits for its result.
    template<class Fn, class... Args>
    auto apply(Fn fn, Args &&...args)
    {
        using Items = detail::BoundCall<Fn, std::decay_t<Args>...>;
        using R = typename Items::Result;
        auto call = std::make_shared<detail::CollectingThreadCall<Items>>(
            Items(std::move(fn), std::forward<Args>(args)...), 1);
        submit(call, {});
        if constexpr (std::is_void_v<R>)
            call->wait();
        else
            return R(std::move(call->wait().first()));
    }

    template<class Fn, class... Args>
    auto applyAsync(Fn fn, Args &&...args)
    {
        using Items = detail::BoundCall<Fn, std::decay_t<Args>...>;
        auto call = std::make_shared<detail::FutureThreadCall<Items>>(
            Items(std::move(fn), std::forward<Args>(args)...), 1);
        QFuture<typename Items::Result> future = call->future();
        submit(call, {});
        return future;
    }

    /// No more calls are accepted; queued ones still run (Python's close()).
    void close();
    /// Waits until every thread has exited; call close() or terminate() first.
    void join();
    /// Stops: calls that did not finish fail with PoolError and queued items never run;
    /// then waits for the items that are running, as a thread cannot be killed.
    void terminate();

    /// Applied live: grows at once, shrinks as threads finish their current chunk.
    void setWorkerCount(int count);
    int workerCount() const;

    /// Counts of items, as Pool's; workersLost and retried stay 0.
    PoolStats stats() const;

private:
    void submit(std::shared_ptr<detail::ThreadCall> call, MapOptions options);

    std::unique_ptr<detail::ThreadPoolEngine> d;
};

} // namespace jobpool
