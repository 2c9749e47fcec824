// SPDX-License-Identifier: GPL-3.0-or-later
#include "processstamp.h"
#include "stateguard.h"

#include <jobpool/errors.h>
#include <jobpool/semaphore.h>
#include <jobpool/value.h>

#include <algorithm>
#include <atomic>
#include <limits>

namespace jobpool {

using detail::ProcessStamp;

/// Behind the robust mutex at the start of the block. Every field but `sequence` is read
/// and written only while holding it. The truth is `total` and the holders' counts; `value`,
/// `waiters` and `orphans` follow from them, so that repair() can rebuild them when a
/// process died in the middle of an update (its writes are ordered so that this works).
struct Semaphore::State
{
    static constexpr int kHolders = 256;

    struct Holder
    {
        std::int32_t pid;        ///< 0: a free slot
        std::int32_t count;      ///< permits it holds
        std::uint64_t startTime; ///< with pid, tells the process from a later one
        std::int32_t waiting;    ///< its threads asleep in acquire()
        std::int32_t unused;
    };

    std::int32_t value;   ///< permits free
    std::int32_t total;   ///< value + the holders' counts
    std::int32_t initial; ///< for a BoundedSemaphore
    std::int32_t bounded;
    std::int32_t consumed; ///< Permits::Consumed: nothing is recorded
    std::int32_t orphans;  ///< free permits that had been held by a process that died
    std::int32_t waiters;  ///< threads asleep in acquire(): the holders' `waiting`
    std::int32_t end;      ///< slots at and after this one are free
    /// Bumped by a release() while someone waits; waiters sleep on it.
    std::atomic<std::uint32_t> sequence{0};
    Holder holders[kHolders];
};

namespace {

using State = Semaphore::State;
using Holder = State::Holder;

constexpr std::chrono::milliseconds kSlice(50); ///< a waiter looks for dead holders this often

State *stateIn(const detail::SharedBlock &block)
{
    return reinterpret_cast<State *>(static_cast<char *>(block.data()) + detail::payloadOffset());
}

bool isProcess(const Holder &h, const ProcessStamp &p)
{
    return h.pid == p.pid && h.startTime == p.startTime;
}

Holder *find(State &s, const ProcessStamp &self)
{
    for (int i = 0; i < s.end; ++i) {
        if (isProcess(s.holders[i], self))
            return &s.holders[i];
    }
    return nullptr;
}

/// This process's slot, taken now if it had none; nullptr when all are taken.
Holder *findOrAdd(State &s, const ProcessStamp &self)
{
    Holder *free = nullptr;
    for (int i = 0; i < s.end; ++i) {
        Holder &h = s.holders[i];
        if (isProcess(h, self))
            return &h;
        if (h.pid == 0 && !free)
            free = &h;
    }
    if (!free) {
        if (s.end == State::kHolders)
            return nullptr;
        free = &s.holders[s.end++];
    }
    free->count = 0;
    free->waiting = 0;
    free->startTime = self.startTime;
    free->pid = self.pid; // last: a slot is taken once its pid is set
    return free;
}

void freeIfUnused(State &s, Holder &h)
{
    if (h.count != 0 || h.waiting != 0)
        return;
    h.pid = 0;
    while (s.end > 0 && s.holders[s.end - 1].pid == 0)
        --s.end;
}

/// Rebuilds what follows from the truth after a process died holding the mutex.
void repair(State &s)
{
    s.end = std::clamp(s.end, 0, State::kHolders);
    std::int64_t held = 0;
    int waiting = 0;
    for (int i = 0; i < s.end; ++i) {
        if (s.holders[i].pid != 0) {
            held += s.holders[i].count;
            waiting += s.holders[i].waiting;
        }
    }
    s.value = int(std::max<std::int64_t>(0, s.total - held));
    s.waiters = waiting;
    s.orphans = std::clamp(s.orphans, 0, s.value);
}

/// Gives the permits of holders that have died back to the semaphore. Reads /proc: only
/// for the contended path.
void reclaimDead(State &s, const ProcessStamp &self)
{
    for (int i = 0; i < s.end; ++i) {
        Holder &h = s.holders[i];
        if (h.pid == 0 || isProcess(h, self) || ProcessStamp{h.pid, h.startTime}.isAlive())
            continue;
        const int permits = h.count;
        h.count = 0;
        s.value += permits;
        s.orphans += permits;
        s.waiters -= h.waiting;
        h.waiting = 0;
        freeIfUnused(s, h);
    }
}

/// Takes a free permit for this process; true when it had been a dead process's.
bool take(State &s, const ProcessStamp &self)
{
    Holder *h = s.consumed ? nullptr : findOrAdd(s, self);
    if (h)
        ++h->count;
    else
        --s.total; // consumed (or no slot left to record it)
    --s.value;
    if (s.orphans > 0) {
        --s.orphans;
        return true;
    }
    return false;
}

std::shared_ptr<detail::SharedBlock> newBlock(int value, Semaphore::Permits permits, bool bounded)
{
    if (value < 0)
        throw PoolError(
            QStringLiteral("a semaphore's initial value must be >= 0, not %1").arg(value));
    auto block = detail::SharedBlock::create(detail::payloadOffset() + sizeof(State));
    detail::initialiseLockState(block->data(), false);
    State *s = new (stateIn(*block)) State(); // value-initialised: all zero, no slot taken
    s->value = s->total = s->initial = value;
    s->bounded = bounded ? 1 : 0;
    s->consumed = permits == Semaphore::Permits::Consumed ? 1 : 0;
    return block;
}

std::shared_ptr<detail::SharedBlock> checked(std::shared_ptr<detail::SharedBlock> block)
{
    if (!block || block->size() != detail::payloadOffset() + sizeof(State))
        throw ProtocolError(QStringLiteral("a Semaphore handle names a block of the wrong size"));
    return block;
}

} // namespace

Semaphore::Semaphore(int value, Permits permits)
    : Semaphore(value, permits, false)
{}

Semaphore::Semaphore(int value, Permits permits, bool bounded)
    : m_block(newBlock(value, permits, bounded))
    , m_guard(m_block)
{}

Semaphore::Semaphore(std::shared_ptr<detail::SharedBlock> block)
    : m_block(checked(std::move(block)))
    , m_guard(m_block)
{}

BoundedSemaphore::BoundedSemaphore(int value, Permits permits)
    : Semaphore(value, permits, true)
{}

Semaphore::State *Semaphore::state() const
{
    return stateIn(*m_block);
}

bool Semaphore::acquire(std::chrono::milliseconds timeout)
{
    using Clock = std::chrono::steady_clock;
    const Clock::time_point start = Clock::now();
    const ProcessStamp self = ProcessStamp::current();
    State &s = *state();
    detail::StateGuard guard(m_guard);
    if (guard.ownerDied())
        repair(s);
    Holder *waiting = nullptr; // this process's slot while this thread is counted a waiter
    auto stopWaiting = [&] {
        if (!waiting)
            return;
        --waiting->waiting;
        --s.waiters;
        freeIfUnused(s, *waiting);
        waiting = nullptr;
    };
    // Looking for dead holders reads /proc: a waiter does it once per slice it has waited,
    // and before it gives up.
    Clock::time_point lastLook = start;
    for (;;) {
        if (s.value > 0) {
            stopWaiting();
            m_ownerDied = take(s, self);
            return true;
        }
        const Clock::time_point now = Clock::now();
        const bool expired = timeout.count() >= 0 && now - start >= timeout;
        if (expired || now - lastLook >= kSlice) {
            lastLook = now;
            reclaimDead(s, self);
            if (s.value > 0)
                continue;
        }
        if (expired) {
            stopWaiting();
            return false;
        }
        std::chrono::nanoseconds slice = kSlice;
        if (timeout.count() >= 0)
            slice = std::min<std::chrono::nanoseconds>(slice, start + timeout - now);
        if (!waiting && (waiting = findOrAdd(s, self))) {
            // Counted, so that release() knows to wake someone. Without a slot this thread
            // still finds a released permit, only up to a slice later.
            ++waiting->waiting;
            ++s.waiters;
        }
        const std::uint32_t seen = s.sequence.load(std::memory_order_seq_cst);
        if (guard.sleep(s.sequence, seen, slice)) {
            repair(s);
            if (waiting)
                waiting = find(s, self); // still there: live processes keep their slots
        }
    }
}

void Semaphore::release()
{
    const ProcessStamp self = ProcessStamp::current();
    State &s = *state();
    detail::StateGuard guard(m_guard);
    if (guard.ownerDied())
        repair(s);
    if (s.total == std::numeric_limits<std::int32_t>::max())
        throw PoolError(QStringLiteral("Semaphore released too many times: its value would "
                                       "overflow"));
    if (s.bounded && s.value >= s.initial)
        throw PoolError(
            QStringLiteral("BoundedSemaphore released too many times: its value is already %1, "
                           "its initial value")
                .arg(s.value));
    Holder *h = s.consumed ? nullptr : find(s, self);
    if (!h || h->count == 0) {
        // Not a holder: the permit counts as given back by one (so that it is never counted
        // twice, should that one die), or is a new one when nobody holds any.
        h = nullptr;
        for (int i = 0; !s.consumed && !h && i < s.end; ++i) {
            if (s.holders[i].pid != 0 && s.holders[i].count > 0)
                h = &s.holders[i];
        }
    }
    if (h) {
        --h->count;
        freeIfUnused(s, *h);
    } else {
        ++s.total;
    }
    ++s.value;
    const bool wake = s.waiters > 0;
    if (wake)
        s.sequence.fetch_add(1, std::memory_order_seq_cst);
    guard.release();
    if (wake)
        ipc::futexWake(s.sequence, 1);
}

int Semaphore::value() const
{
    State &s = *state();
    detail::StateGuard guard(m_guard);
    if (guard.ownerDied())
        repair(s);
    reclaimDead(s, ProcessStamp::current());
    return s.value;
}

} // namespace jobpool
