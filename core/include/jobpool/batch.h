// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <jobpool/codec.h>
#include <jobpool/task.h>

#include <QFuture>
#include <QFutureInterface>

#include <atomic>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace jobpool::detail {

/// One call into a pool (a map, a starmap or an apply), as the engine sees it: a number
/// of items of one task, encoded chunk by chunk when they are dispatched, and results
/// delivered chunk by chunk as they return. encode(), deliver(), fail() and complete()
/// run on the pool's dispatcher thread; fail() or complete() is called exactly once.
class Batch
{
public:
    virtual ~Batch() = default;

    QByteArray task;
    qsizetype count = 0;
    qsizetype chunkSize = 1;
    bool ordered = true;

    virtual void encode(qsizetype first, qsizetype n, Encoder &out) = 0;
    virtual void deliver(qsizetype first, qsizetype n, Decoder &in) = 0;
    virtual void fail(std::exception_ptr error) = 0;
    virtual void complete() = 0;
    virtual bool cancelled() const { return false; }
    virtual void progress(qsizetype done) { Q_UNUSED(done); }
};

/// Items taken from a stored input container (map, starmap).
template<class Item, class Inputs>
class InputEncoder
{
public:
    explicit InputEncoder(Inputs inputs)
        : m_inputs(std::move(inputs))
    {}
    qsizetype size() const { return qsizetype(std::size(m_inputs)); }

    void encode(qsizetype first, qsizetype n, Encoder &out) const
    {
        using Element = std::decay_t<decltype(*std::begin(m_inputs))>;
        auto it = std::begin(m_inputs) + first;
        if constexpr (std::is_same_v<Element, Item> && RawCodable<Item>) {
            out.writeRaw(&*it, n * qsizetype(sizeof(Item)));
        } else {
            for (qsizetype i = 0; i < n; ++i, ++it)
                out.write(Item(*it));
        }
    }

private:
    Inputs m_inputs;
};

/// The arguments of one call (apply), kept as values and encoded when dispatched, so a
/// large argument is copied once, straight into shared memory.
template<class Item>
class CallArguments
{
public:
    explicit CallArguments(Item item)
        : m_item(std::move(item))
    {}
    void encode(qsizetype, qsizetype, Encoder &out) const { out.write(m_item); }

private:
    Item m_item;
};

template<class R>
QList<R> decodeResults(qsizetype n, Decoder &in)
{
    QList<R> results;
    if constexpr (RawCodable<R>) {
        results.resize(n);
        in.readRaw(results.data(), n * qsizetype(sizeof(R)));
    } else {
        results.reserve(n);
        for (qsizetype i = 0; i < n; ++i)
            results.append(in.read<R>());
    }
    return results;
}

/// Where a blocking call's results wait at their index: in a QList for a type with a
/// default constructor, in optionals until the end for the others, nowhere for void.
template<class R>
struct ResultSlots
{
    using Slot = std::optional<R>;
    using List = std::vector<Slot>;
};
template<class R>
requires std::is_default_constructible_v<R>
struct ResultSlots<R>
{
    using Slot = R;
    using List = QList<R>;
};
template<>
struct ResultSlots<void>
{
    struct Slot
    {
    };
    using List = Slot;
};

/// The results and the end of a blocking call (map, starmap, apply), in the process pool
/// (CollectingBatch) and the thread pool (CollectingThreadCall) alike: whoever runs the
/// call fills its slots, each of its own chunk, then finish() ends it and wait() hands the
/// results over or rethrows the call's error.
template<class R>
class CallResults
{
public:
    using Slot = typename ResultSlots<R>::Slot;

    void resize(qsizetype n)
    {
        if constexpr (!std::is_void_v<R>) {
            m_results.resize(n);
            m_slots = m_results.data(); // once: the threads filling slots never touch the list
        }
    }
    Slot *data() const { return m_slots; }

    void finish(std::exception_ptr error)
    {
        {
            std::lock_guard lock(m_mutex);
            m_error = std::move(error);
            m_finished = true;
        }
        m_done.store(true, std::memory_order_release);
        m_finishedCondition.notify_all();
    }
    /// Whether finish() was called; without waiting.
    bool done() const { return m_done.load(std::memory_order_acquire); }

    /// Blocks until finish(); returns the results or rethrows the call's error.
    auto wait()
    {
        std::unique_lock lock(m_mutex);
        m_finishedCondition.wait(lock, [this] { return m_finished; });
        if (m_error)
            std::rethrow_exception(m_error);
        if constexpr (std::is_default_constructible_v<R>) {
            return std::move(m_results);
        } else if constexpr (!std::is_void_v<R>) {
            QList<R> results;
            results.reserve(qsizetype(m_results.size()));
            for (std::optional<R> &r : m_results)
                results.append(std::move(*r));
            return results;
        }
    }

private:
    typename ResultSlots<R>::List m_results;
    Slot *m_slots = nullptr;
    std::mutex m_mutex;
    std::condition_variable m_finishedCondition;
    bool m_finished = false;
    std::atomic<bool> m_done{false};
    std::exception_ptr m_error;
};

/// Collects every result into one list for a blocking call (map, starmap, apply).
template<class R, class Source>
class CollectingBatch final : public Batch
{
public:
    explicit CollectingBatch(Source source)
        : m_source(std::move(source))
    {}
    void setCount(qsizetype n)
    {
        count = n;
        m_results.resize(n);
    }

    void encode(qsizetype first, qsizetype n, Encoder &out) override
    {
        m_source.encode(first, n, out);
    }
    void deliver(qsizetype first, qsizetype n, Decoder &in) override
    {
        if constexpr (std::is_void_v<R>) {
            Q_UNUSED(first);
            Q_UNUSED(n);
            Q_UNUSED(in);
        } else if constexpr (RawCodable<R>) {
            in.readRaw(m_results.data() + first, n * qsizetype(sizeof(R)));
        } else {
            for (qsizetype i = 0; i < n; ++i)
                m_results.data()[first + i] = in.read<R>();
        }
    }
    void fail(std::exception_ptr error) override { m_results.finish(std::move(error)); }

    void complete() override { m_results.finish(nullptr); }

    /// Blocks until the batch is finished; returns the results or rethrows its error.
    auto wait()
    {
        // A round trip to a worker takes microseconds: poll for a while, yielding the CPU,
        // before paying for a sleep and a wake-up.
        for (int i = 0; i < 100 && !m_results.done(); ++i)
            std::this_thread::yield();
        return m_results.wait();
    }

private:
    Source m_source;
    CallResults<R> m_results;
};

/// Streams results into a QFuture (mapAsync, starmapAsync, applyAsync).
template<class R, class Source>
class FutureBatch final : public Batch
{
public:
    explicit FutureBatch(Source source)
        : m_source(std::move(source))
    {
        m_future.reportStarted();
    }
    void start(qsizetype n)
    {
        count = n;
        m_future.setProgressRange(0, int(n));
    }
    QFuture<R> future() { return m_future.future(); }

    void encode(qsizetype first, qsizetype n, Encoder &out) override
    {
        m_source.encode(first, n, out);
    }
    void deliver(qsizetype first, qsizetype n, Decoder &in) override
    {
        if constexpr (!std::is_void_v<R>) {
            if (n == 1) { // an apply: no list for a single value
                m_future.reportResult(in.read<R>(), ordered ? int(first) : -1);
                return;
            }
            const QList<R> results = decodeResults<R>(n, in);
            m_future.reportResults(results, ordered ? int(first) : -1, int(n));
        } else {
            Q_UNUSED(first);
            Q_UNUSED(n);
        }
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
    Source m_source;
    QFutureInterface<R> m_future;
};

} // namespace jobpool::detail
