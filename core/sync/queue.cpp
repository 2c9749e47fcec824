// SPDX-License-Identifier: GPL-3.0-or-later
#include "../ipc/futex.h"
#include "waiting.h"

#include <jobpool/errors.h>
#include <jobpool/queue.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>

#include <pthread.h>
#include <sys/mman.h>

// Layout of a queue's block: the header (one cache line per side, so that producers and
// consumers do not slow each other down), then, from the second page on, the ring of
// records. Producers hold the put mutex and own `produced`; consumers hold the get mutex
// and own `consumed`. Each is one 64-bit word, [items put | position] and [items got |
// position], positions in 8-byte units: storing it is what makes a put or a get happen,
// so a process killed before that store changed nothing, and one killed after it
// finished its call. One producer and one consumer never wait for each other's mutex.

namespace jobpool::detail {
namespace {

constexpr std::uint64_t kDataOffset = 4096;           ///< items start on a page of their own
constexpr std::uint64_t kMagic = 0x32657565'75515050; // "PPQueue2"
/// A record is its length as 8 bytes, then the item padded to 8 bytes. A length of
/// kPadding marks the unused end of the region before a record that starts over at 0.
constexpr std::uint64_t kLengthBytes = 8;
constexpr std::uint64_t kPadding = ~std::uint64_t(0);
/// Positions count 8-byte units modulo 2^32, so a region is a power of two up to 16 GiB.
constexpr std::uint64_t kMaxRegion = std::uint64_t(1) << 34;
/// Pages behind the readers go back to the system a chunk at a time, in regions of at
/// least four chunks (a smaller one is never large enough to matter).
constexpr std::uint64_t kChunk = std::uint64_t(4) << 20;
/// A producer that finds the queue empty this far into the region starts over at 0,
/// where the pages are warm, instead of walking the whole region.
constexpr std::uint64_t kRestartAt = kChunk / 2;
constexpr std::uint64_t kRestartLookEvery = 64 * 1024;

constexpr int kLockSpins = 100;
/// A waiter also looks again this often: an item whose producer died between making it
/// visible and waking anyone is still got.
constexpr std::chrono::milliseconds kRecheck(200);

constexpr std::uint64_t recordSize(std::uint64_t itemSize)
{
    return kLengthBytes + ((itemSize + 7) & ~std::uint64_t(7));
}
constexpr std::uint32_t unitsOf(std::uint64_t word)
{
    return std::uint32_t(word);
}
constexpr std::uint32_t itemsOf(std::uint64_t word)
{
    return std::uint32_t(word >> 32);
}
constexpr std::uint64_t pack(std::uint32_t units, std::uint32_t items)
{
    return std::uint64_t(items) << 32 | units;
}

[[noreturn]] void corrupt(const char *what)
{
    throw ProtocolError(QStringLiteral("corrupt queue: %1").arg(QLatin1String(what)));
}

/// A robust process-shared mutex alone on its cache line, with what its holders keep.
struct alignas(64) Side
{
    pthread_mutex_t mutex;
    /// The other side's word as last read: looked at again only when it says there is
    /// no room (producers) or nothing (consumers).
    std::atomic<std::uint64_t> cachedOther{0};
    /// Producers: where the head next looks whether the queue is empty (kRestartAt).
    std::atomic<std::uint64_t> nextLook{0};
};

void initialiseRobustMutex(pthread_mutex_t *mutex)
{
    pthread_mutexattr_t attr;
    pthread_mutexattr_init(&attr);
    pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
    pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST);
    pthread_mutex_init(mutex, &attr);
    pthread_mutexattr_destroy(&attr);
}

/// Handles what pthread_mutex_*lock returned; true when the holder had died.
bool lockResult(pthread_mutex_t *mutex, int rc)
{
    if (rc == EOWNERDEAD) {
        pthread_mutex_consistent(mutex);
        return true;
    }
    if (rc != 0)
        throw PoolError(QStringLiteral("Queue: lock error %1").arg(rc));
    return false;
}

} // namespace

struct QueueCore::Header
{
    Side put; ///< first in the block (tst_queue has a process die holding it)
    alignas(64) std::atomic<std::uint64_t> produced; ///< [items put | position]
    alignas(64) Side get;
    alignas(64) std::atomic<std::uint64_t> consumed; ///< [items got | position]
    alignas(64) std::atomic<std::uint32_t> done;     ///< taskDone() calls
    alignas(64) std::uint64_t magic;
    std::uint64_t regionBytes;
    std::int64_t capacity; ///< items; 0: unbounded
    std::atomic<std::uint32_t> closed;
    Signal notEmpty; ///< what get() waits for, and close()
    Signal notFull;  ///< what put() waits for, and close()
    Signal allDone;  ///< what join() waits for

    char *data() { return reinterpret_cast<char *>(this) + kDataOffset; }
    std::uint64_t offsetOf(std::uint32_t units) const
    {
        return (std::uint64_t(units) * 8) & (regionBytes - 1);
    }
    static std::uint64_t usedBytes(std::uint64_t produced, std::uint64_t consumed)
    {
        return std::uint64_t(std::uint32_t(unitsOf(produced) - unitsOf(consumed))) * 8;
    }
    static std::uint32_t queuedItems(std::uint64_t produced, std::uint64_t consumed)
    {
        return itemsOf(produced) - itemsOf(consumed);
    }
    void notifyAll()
    {
        notEmpty.notify();
        notFull.notify();
        allDone.notify();
    }

    /// With the put mutex held: writes \a item at the head; false when there is no room.
    bool place(QByteArrayView item)
    {
        const std::uint64_t need = recordSize(std::uint64_t(item.size()));
        const std::uint64_t p = produced.load(std::memory_order_relaxed);
        std::uint64_t c = put.cachedOther.load(std::memory_order_relaxed);
        const auto fits = [&](std::uint64_t consumedWord, std::uint64_t &total) {
            if (capacity > 0 && queuedItems(p, consumedWord) >= std::uint64_t(capacity))
                return false;
            const std::uint64_t at = offsetOf(unitsOf(p));
            // No room before the end: pad it and start over at 0.
            total = regionBytes - at < need ? regionBytes - at + need : need;
            return regionBytes - usedBytes(p, consumedWord) >= total;
        };
        std::uint64_t total = 0;
        if (!fits(c, total)) {
            c = consumed.load(std::memory_order_acquire);
            put.cachedOther.store(c, std::memory_order_relaxed);
            if (!fits(c, total))
                return false;
        }
        std::uint64_t at = offsetOf(unitsOf(p));
        if (total != need) {
            std::memcpy(data() + at, &kPadding, kLengthBytes);
            at = 0;
        }
        const std::uint64_t length = std::uint64_t(item.size());
        std::memcpy(data() + at, &length, kLengthBytes);
        if (length > 0) // an empty view may have no data pointer
            std::memcpy(data() + at + kLengthBytes, item.data(), length);
        produced.store(pack(unitsOf(p) + std::uint32_t(total / 8), itemsOf(p) + 1),
                       std::memory_order_release);
        return true;
    }

    /// With the put mutex held, on a queue that looks empty far into the region (or,
    /// when \a anywhere, wherever: an item that did not fit before the end of an empty
    /// region fits at its start): if no consumer is busy, moves both positions to the start
    /// of the region. True when it did.
    bool restartIfEmpty(bool anywhere)
    {
        const std::uint64_t p = produced.load(std::memory_order_relaxed);
        const std::uint64_t at = offsetOf(unitsOf(p));
        if (!anywhere) {
            if (at < kRestartAt) {
                put.nextLook.store(kRestartAt, std::memory_order_relaxed);
                return false;
            }
            if (at < put.nextLook.load(std::memory_order_relaxed))
                return false;
            // A look at the consumers' word every 64 KiB: not one per put while they lag.
            put.nextLook.store(at + kRestartLookEvery, std::memory_order_relaxed);
        }
        put.cachedOther.store(consumed.load(std::memory_order_acquire), std::memory_order_relaxed);
        if (at == 0 || queuedItems(p, put.cachedOther.load(std::memory_order_relaxed)) != 0)
            return false;
        // Never waits for the get mutex: its holders may wait for this one (giveBackPages).
        const int rc = pthread_mutex_trylock(&get.mutex);
        if (rc == EBUSY || (rc != 0 && rc != EOWNERDEAD))
            return false;
        if (lockResult(&get.mutex, rc))
            notifyAll();
        const std::uint64_t c = consumed.load(std::memory_order_relaxed);
        const bool restart = c == pack(unitsOf(p), itemsOf(c)); // nothing queued or being read
        if (restart) {
            const std::uint32_t regionUnits = std::uint32_t(regionBytes / 8);
            const std::uint32_t start = (unitsOf(p) + regionUnits - 1) & ~(regionUnits - 1);
            consumed.store(pack(start, itemsOf(c)), std::memory_order_release);
            produced.store(pack(start, itemsOf(p)), std::memory_order_release);
            put.cachedOther.store(consumed.load(std::memory_order_relaxed));
            get.cachedOther.store(produced.load(std::memory_order_relaxed));
            // Earlier chunks went as the readers left them; this one would stay.
            if (at >= kChunk && regionBytes >= 4 * kChunk)
                giveBack(at / kChunk * kChunk,
                         std::min(kChunk, regionBytes - at / kChunk * kChunk));
        }
        pthread_mutex_unlock(&get.mutex);
        return restart;
    }

    void giveBack(std::uint64_t at, std::uint64_t size)
    {
        if (size > 0)
            madvise(data() + at, size, MADV_REMOVE);
    }

    /// With the get mutex held: hands the oldest item to \a sink and removes it; false
    /// when there is none (\a closedAndEmpty then says whether none will come). Lengths come
    /// from shared memory: each is checked against what was published.
    bool take(Sink sink, void *context, bool &closedAndEmpty, std::uint64_t &from)
    {
        const std::uint64_t c = consumed.load(std::memory_order_relaxed);
        std::uint64_t p = get.cachedOther.load(std::memory_order_relaxed);
        if (queuedItems(p, c) == 0) {
            // Looked at before `produced`: closing comes after every put that got in.
            const bool isClosed = closed.load(std::memory_order_acquire) != 0;
            p = produced.load(std::memory_order_acquire);
            get.cachedOther.store(p, std::memory_order_relaxed);
            if (queuedItems(p, c) == 0) {
                closedAndEmpty = isClosed;
                return false;
            }
        }
        std::uint64_t used = usedBytes(p, c);
        std::uint64_t at = offsetOf(unitsOf(c));
        from = at;
        std::uint64_t skipped = 0;
        std::uint64_t length = 0;
        std::memcpy(&length, data() + at, kLengthBytes);
        if (length == kPadding) {
            skipped = regionBytes - at;
            if (skipped >= used)
                corrupt("padding past the newest item");
            used -= skipped;
            at = 0;
            std::memcpy(&length, data(), kLengthBytes);
        }
        if (length > regionBytes - at - kLengthBytes || recordSize(length) > used)
            corrupt("item longer than what was put");
        sink(context, data() + at + kLengthBytes, qsizetype(length));
        skipped += recordSize(length);
        consumed.store(pack(unitsOf(c) + std::uint32_t(skipped / 8), itemsOf(c) + 1),
                       std::memory_order_release);
        return true;
    }

    /// With the get mutex held, after a take that started at offset \a from: gives back
    /// the whole chunks the readers have just left, unless the ring is so full that the
    /// newest items already reach into them. Producers are held off meanwhile.
    void giveBackPages(std::uint64_t from)
    {
        const std::uint64_t to = offsetOf(unitsOf(consumed.load(std::memory_order_relaxed)));
        const std::uint64_t first = from / kChunk * kChunk;
        const std::uint64_t last = to / kChunk * kChunk;
        if (regionBytes < 4 * kChunk || first == last)
            return;
        const bool ownerDied = lockResult(&put.mutex, pthread_mutex_lock(&put.mutex));
        const std::uint64_t used = usedBytes(produced.load(std::memory_order_relaxed),
                                             consumed.load(std::memory_order_relaxed));
        if ((to + regionBytes - first) % regionBytes <= regionBytes - used) {
            if (first < last) {
                giveBack(first, last - first);
            } else {
                giveBack(first, regionBytes - first);
                giveBack(0, last);
            }
        }
        if (ownerDied)
            notifyAll();
        pthread_mutex_unlock(&put.mutex);
    }
};

namespace {

/// Holds one side's mutex. It is only ever held for a copy, so a taker tries for a moment
/// before sleeping on it. Whoever finds that the holder died wakes every waiter: the dead
/// one may have made an item visible without waking anyone.
class Locked
{
public:
    Locked(Side &side, QueueCore::Header *header)
        : m_mutex(&side.mutex)
    {
        int rc = pthread_mutex_trylock(m_mutex);
        for (int i = 0; rc == EBUSY && i < kLockSpins; ++i) {
            ipc::cpuRelax();
            rc = pthread_mutex_trylock(m_mutex);
        }
        if (rc == EBUSY)
            rc = pthread_mutex_lock(m_mutex);
        if (lockResult(m_mutex, rc))
            header->notifyAll();
    }
    ~Locked() { pthread_mutex_unlock(m_mutex); }
    Locked(const Locked &) = delete;
    Locked &operator=(const Locked &) = delete;

private:
    pthread_mutex_t *m_mutex;
};

QueueCore::Header *headerOf(const SharedBlock &block)
{
    return static_cast<QueueCore::Header *>(block.data());
}

std::shared_ptr<SharedBlock> newQueueBlock(qsizetype capacity, qsizetype regionBytes)
{
    if (regionBytes <= 0 || std::uint64_t(regionBytes) > kMaxRegion)
        throw PoolError(
            QStringLiteral("Queue: a region of %1 bytes is not between 1 byte and 16 GiB")
                .arg(regionBytes));
    std::uint64_t region = 4096; // a power of two: positions wrap round it exactly
    while (region < std::uint64_t(regionBytes))
        region *= 2;
    static_assert(sizeof(QueueCore::Header) <= kDataOffset);
    auto block = SharedBlock::create(kDataOffset + region, SharedBlock::Pages::OnTouch);
    auto *h = new (block->data()) QueueCore::Header{};
    initialiseRobustMutex(&h->put.mutex);
    initialiseRobustMutex(&h->get.mutex);
    h->magic = kMagic;
    h->regionBytes = region;
    h->capacity = std::max<qsizetype>(capacity, 0);
    return block;
}

std::shared_ptr<SharedBlock> checkedQueueBlock(std::shared_ptr<SharedBlock> block)
{
    const QueueCore::Header *h = block && block->size() > kDataOffset ? headerOf(*block) : nullptr;
    if (!h || h->magic != kMagic || h->regionBytes != block->size() - kDataOffset
        || (h->regionBytes & (h->regionBytes - 1)) != 0 || h->capacity < 0)
        throw ProtocolError(QStringLiteral("a Queue handle names a block that is not a queue"));
    return block;
}

} // namespace

QueueCore::QueueCore(qsizetype capacity, qsizetype regionBytes)
    : m_block(newQueueBlock(capacity, regionBytes))
    , m_header(headerOf(*m_block))
{}

QueueCore::QueueCore(std::shared_ptr<SharedBlock> block)
    : m_block(checkedQueueBlock(std::move(block)))
    , m_header(headerOf(*m_block))
{}

bool QueueCore::put(QByteArrayView item, std::chrono::milliseconds timeout)
{
    Header *h = header();
    if (recordSize(std::uint64_t(item.size())) > h->regionBytes)
        throw PoolError(
            QStringLiteral("Queue: an item of %1 bytes does not fit in the queue's %2-byte region")
                .arg(item.size())
                .arg(h->regionBytes));
    const Deadline deadline(timeout);
    Waiting waiting(h->notFull);
    for (;;) {
        const std::uint32_t seen = waiting.snapshot();
        {
            Locked locked(h->put, h);
            if (h->closed.load(std::memory_order_relaxed))
                throw PoolError(QStringLiteral("Queue: put() on a closed queue"));
            h->restartIfEmpty(false);
            if (h->place(item) || (h->restartIfEmpty(true) && h->place(item))) {
                h->notEmpty.notify(); // before unlocking: see Locked
                return true;
            }
        }
        if (!waiting.entered()) {
            const std::uint64_t c = h->consumed.load(std::memory_order_relaxed);
            if (!deadline.passed()
                && spinUntil([h, c] { return h->consumed.load(std::memory_order_relaxed) != c; }))
                continue;
            waiting.enter(); // then look once more before waiting
        } else if (deadline.passed()) {
            return false;
        } else {
            h->notFull.wait(seen, deadline.slice(kRecheck));
        }
    }
}

bool QueueCore::get(Sink sink, void *context, std::chrono::milliseconds timeout)
{
    Header *h = header();
    const Deadline deadline(timeout);
    Waiting waiting(h->notEmpty);
    for (;;) {
        const std::uint32_t seen = waiting.snapshot();
        bool closedAndEmpty = false;
        {
            Locked locked(h->get, h);
            std::uint64_t from = 0;
            if (h->take(sink, context, closedAndEmpty, from)) {
                h->giveBackPages(from);
                h->notFull.notify();
                return true;
            }
        }
        if (closedAndEmpty) {
            return false;
        } else if (!waiting.entered()) {
            const auto something = [h] {
                return Header::queuedItems(h->produced.load(std::memory_order_relaxed),
                                           h->consumed.load(std::memory_order_relaxed))
                           != 0
                       || h->closed.load(std::memory_order_relaxed) != 0;
            };
            if (!deadline.passed() && spinUntil(something))
                continue;
            waiting.enter(); // then look once more before waiting
        } else if (deadline.passed()) {
            return false;
        } else {
            h->notEmpty.wait(seen, deadline.slice(kRecheck));
        }
    }
}

qsizetype QueueCore::size() const
{
    // `consumed` first: `produced` read after it is at least as new, so never behind it.
    const std::uint64_t c = header()->consumed.load(std::memory_order_acquire);
    return qsizetype(Header::queuedItems(header()->produced.load(std::memory_order_acquire), c));
}

qsizetype QueueCore::capacity() const
{
    return qsizetype(header()->capacity);
}

void QueueCore::close()
{
    Header *h = header();
    // Under the put mutex: every put either got in before, or sees the queue closed.
    Locked locked(h->put, h);
    h->closed.store(1, std::memory_order_release);
    h->notEmpty.notify();
    h->notFull.notify();
}

bool QueueCore::isClosed() const
{
    return header()->closed.load(std::memory_order_acquire) != 0;
}

void QueueCore::taskDone()
{
    Header *h = header();
    std::uint32_t done = h->done.load(std::memory_order_relaxed);
    do {
        if (itemsOf(h->produced.load(std::memory_order_acquire)) == done)
            throw PoolError(
                QStringLiteral("JoinableQueue: taskDone() called more times than items were put"));
    } while (!h->done.compare_exchange_weak(done, done + 1, std::memory_order_acq_rel));
    if (itemsOf(h->produced.load(std::memory_order_acquire)) == done + 1)
        h->allDone.notify();
}

bool QueueCore::join(std::chrono::milliseconds timeout)
{
    Header *h = header();
    const Deadline deadline(timeout);
    Waiting waiting(h->allDone);
    for (;;) {
        const std::uint32_t seen = waiting.snapshot();
        if (itemsOf(h->produced.load(std::memory_order_acquire))
            == h->done.load(std::memory_order_acquire))
            return true;
        if (!waiting.entered())
            waiting.enter();
        else if (deadline.passed())
            return false;
        else
            h->allDone.wait(seen, deadline.slice(kRecheck));
    }
}

} // namespace jobpool::detail
