// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <jobpool/encodingbuffer.h>
#include <jobpool/sharedblock.h>

#include <chrono>
#include <cstring>
#include <memory>
#include <optional>

namespace jobpool {

namespace detail {

/// What every Queue<T> shares, on encoded bytes: a byte ring of length-prefixed items in a
/// memory block whose pages are allocated only when written, a robust process-shared
/// mutex for the producers and one for the consumers, and three futex words (not empty,
/// not full, all done) with waiter counts.
class QueueCore
{
public:
    /// Receives an item's bytes while the queue is locked; copies them and nothing more.
    using Sink = void (*)(void *context, const char *data, qsizetype size);

    QueueCore(qsizetype capacity, qsizetype regionBytes);
    explicit QueueCore(std::shared_ptr<SharedBlock> block);

    bool put(QByteArrayView item, std::chrono::milliseconds timeout);
    bool get(Sink sink, void *context, std::chrono::milliseconds timeout);
    qsizetype size() const;
    qsizetype capacity() const;
    void close();
    bool isClosed() const;
    void taskDone();
    bool join(std::chrono::milliseconds timeout);

    const std::shared_ptr<SharedBlock> &block() const { return m_block; }

    struct Header;

private:
    Header *header() const { return m_header; }
    std::shared_ptr<SharedBlock> m_block;
    Header *m_header;
};

/// One item copied out of a queue: small ones on the stack, larger ones on the heap.
class ItemCopy
{
public:
    static void sink(void *context, const char *data, qsizetype size)
    {
        auto *copy = static_cast<ItemCopy *>(context);
        copy->m_size = size;
        if (size <= qsizetype(sizeof copy->m_small)) {
            std::memcpy(copy->m_small, data, size_t(size));
        } else {
            copy->m_large.resize(size);
            std::memcpy(copy->m_large.data(), data, size_t(size));
        }
    }
    QByteArrayView bytes() const
    {
        return {m_size <= qsizetype(sizeof m_small) ? m_small : m_large.constData(), m_size};
    }

private:
    alignas(16) char m_small[64];
    QByteArray m_large;
    qsizetype m_size = 0;
};

} // namespace detail

/// A first-in first-out queue shared by processes, the twin of multiprocessing.Queue: any
/// number of processes put() and get(), and every item is got exactly once. Items are any
/// type Codec can encode; a get() that waits sleeps on a futex and wakes at the next
/// put(). Pass the queue to a Process or a pool task; copies are handles to the same
/// queue. It is safe to use from several threads too.
///
/// \code
/// void producer(jobpool::Queue<int> q)
/// {
///     for (int i = 0; i < 5; ++i)
///         q.put(i);
///     q.close();                               // no more items: consumers end
/// }
///
/// jobpool::Queue<int> q;
/// jobpool::Process p(producer, q);
/// p.start();
/// while (std::optional<int> item = q.get())   // empty once closed and drained
///     use(*item);
/// \endcode
///
/// **Capacity** counts items, as in Python: put() waits while \a capacity items are
/// queued (0: unbounded). The encoded items live in a byte region (1 GiB unless told
/// otherwise) whose pages are allocated as items fill them and given back as they
/// drain, so an unbounded queue is bounded by that region: put() waits while it is full,
/// and throws PoolError for an item larger than all of it.
///
/// **close()** is for every process (Go's close, not Python's per-process one): put()
/// then throws PoolError, also in a put() already waiting; get() still returns what is
/// left, then std::nullopt at once instead of waiting.
///
/// **A process that dies** (even SIGKILLed) inside put() or get() never blocks the
/// others: the queue's two mutexes (producers', consumers') are robust, and an operation
/// takes effect with its last store, so the queue is as it was before, or after, the dead
/// call. An item half-written by a dying producer was never put; an item copied out by a
/// dying consumer is lost with it. Waiters are woken when the next process finds a
/// mutex's holder dead, and look again every 200 ms anyway.
///
/// One producer and one consumer never wait for each other; producers queue up behind
/// each other, and so do consumers, for as long as an item takes to copy.
template<class T>
class Queue
{
public:
    /// The byte region of a queue that was not told its size: 1 GiB of address space,
    /// only what is in use of it in memory.
    static constexpr qsizetype DefaultRegionBytes = qsizetype(1) << 30;

    /// A queue of at most \a capacity items (0 or less: unbounded), whose encoded items
    /// share a region of \a regionBytes bytes (rounded up to a power of two; 16 GiB at most).
    explicit Queue(qsizetype capacity = 0, qsizetype regionBytes = DefaultRegionBytes)
        : m_core(capacity, regionBytes)
    {}
    /// For Codec: the queue behind a handle.
    explicit Queue(std::shared_ptr<detail::SharedBlock> block)
        : m_core(std::move(block))
    {}

    /// Appends \a value, waiting at most \a timeout (negative: for ever) for room; false
    /// when there was none in time. Throws PoolError once the queue is closed.
    bool put(const T &value, std::chrono::milliseconds timeout = std::chrono::milliseconds(-1))
    {
        detail::EncodingBuffer buffer;
        Encoder out(buffer.bytes());
        out.write(value);
        return m_core.put(buffer.bytes(), timeout);
    }
    /// Removes and returns the oldest item, waiting at most \a timeout (negative: for
    /// ever) for one; std::nullopt when none came in time, or the queue is closed and
    /// empty.
    std::optional<T> get(std::chrono::milliseconds timeout = std::chrono::milliseconds(-1))
    {
        detail::ItemCopy item;
        if (!m_core.get(&detail::ItemCopy::sink, &item, timeout))
            return std::nullopt;
        Decoder in(item.bytes());
        std::optional<T> value(in.read<T>());
        if (!in.atEnd())
            throw ProtocolError(
                QStringLiteral("a queue item of %1 bytes is not of the queue's type")
                    .arg(item.bytes().size()));
        return value;
    }
    /// get() without waiting.
    std::optional<T> tryGet() { return get(std::chrono::milliseconds(0)); }

    /// Items in the queue now (others may change it the next moment).
    qsizetype size() const { return m_core.size(); }
    bool empty() const { return size() == 0; }
    /// The most items it holds; 0 when unbounded.
    qsizetype capacity() const { return m_core.capacity(); }

    /// No more items, for every process: see the class description.
    void close() { m_core.close(); }
    bool isClosed() const { return m_core.isClosed(); }

    const std::shared_ptr<detail::SharedBlock> &block() const { return m_core.block(); }

protected:
    detail::QueueCore &core() { return m_core; }

private:
    detail::QueueCore m_core;
};

/// A Queue whose consumers say when they are done with each item, the twin of
/// multiprocessing.JoinableQueue: join() waits until every item ever put has had its
/// taskDone(). A consumer that dies between get() and taskDone() leaves join() waiting
/// (use its timeout).
///
/// \code
/// while (std::optional<Job> job = jobs.get()) {   // in each consumer
///     run(*job);
///     jobs.taskDone();
/// }
/// jobs.join();                                     // in the producer: all handled
/// \endcode
template<class T>
class JoinableQueue : public Queue<T>
{
public:
    using Queue<T>::Queue;

    /// One item got earlier is handled. Throws PoolError when called more times than
    /// items were put (Python's ValueError).
    void taskDone() { this->core().taskDone(); }
    /// Waits at most \a timeout (negative: for ever) until every item put has had its
    /// taskDone(); true once they all have.
    bool join(std::chrono::milliseconds timeout = std::chrono::milliseconds(-1))
    {
        return this->core().join(timeout);
    }
};

} // namespace jobpool
