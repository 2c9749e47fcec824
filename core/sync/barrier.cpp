// SPDX-License-Identifier: GPL-3.0-or-later
#include "processstamp.h"
#include "stateguard.h"

#include <jobpool/barrier.h>
#include <jobpool/errors.h>
#include <jobpool/value.h>

#include <algorithm>
#include <atomic>
#include <limits>
#include <vector>

namespace jobpool {

using detail::ProcessStamp;

/// Behind the robust mutex at the start of the block, followed by `capacity` Party slots.
/// Every field but `sequence` is read and written only while holding the mutex. The phases
/// are Python's: a round fills; once full it drains (its waiters leave) before the next
/// round may fill; reset() drains the waiters as failures; broken stays until reset().
struct Barrier::State
{
    enum Phase : std::int32_t { Filling = 0, Draining = 1, Resetting = -1, Broken = -2 };
    enum Reason : std::int32_t { None, TimedOut, Aborted, PartyDied, HolderDied };

    /// A process holding a handle to the barrier.
    struct Party
    {
        std::int32_t pid;           ///< 0: a free slot
        std::int32_t handles;       ///< Barrier objects in that process
        std::uint64_t startTime;    ///< with pid, tells the process from a later one
        std::uint32_t arrivedRound; ///< the round it last arrived in
        std::int32_t inside;        ///< its threads counted in `count`
    };

    std::int32_t parties;
    std::int32_t capacity;
    std::int32_t count; ///< threads inside wait(): arrived, or released but not gone
    std::int32_t phase;
    std::uint32_t round;       ///< bumped when a round completes and by reset()
    std::uint32_t completions; ///< bumped when a round completes: how a waiter knows it did
    std::int32_t end;          ///< slots at and after this one are free
    std::int32_t reason;       ///< why it is broken
    std::int32_t culprit;      ///< the process that died, for PartyDied
    std::int32_t unused = 0;
    /// Bumped by every change of phase; waiters sleep on it.
    std::atomic<std::uint32_t> sequence{0};
    std::uint32_t unused2 = 0;

    Party *table() { return reinterpret_cast<Party *>(this + 1); }
};

namespace {

using State = Barrier::State;
using Party = State::Party;

static_assert(sizeof(State) % alignof(Party) == 0);

constexpr std::chrono::milliseconds kSlice(50); ///< a waiter looks for dead parties this often
constexpr int kExtraHandles = 256;              ///< processes beyond the parties that may hold one

std::size_t blockSize(int capacity)
{
    return detail::payloadOffset() + sizeof(State) + std::size_t(capacity) * sizeof(Party);
}

State *stateIn(const detail::SharedBlock &block)
{
    return reinterpret_cast<State *>(static_cast<char *>(block.data()) + detail::payloadOffset());
}

bool isProcess(const Party &p, const ProcessStamp &stamp)
{
    return p.pid == stamp.pid && p.startTime == stamp.startTime;
}

Party *find(State &s, const ProcessStamp &self)
{
    Party *table = s.table();
    for (int i = 0; i < s.end; ++i) {
        if (isProcess(table[i], self))
            return &table[i];
    }
    return nullptr;
}

void freeSlot(State &s, Party &p)
{
    p.pid = 0;
    p.handles = 0;
    p.inside = 0;
    Party *table = s.table();
    while (s.end > 0 && table[s.end - 1].pid == 0)
        --s.end;
}

void wake(State &s)
{
    s.sequence.fetch_add(1, std::memory_order_seq_cst);
    ipc::futexWakeAll(s.sequence);
}

void breakBarrier(State &s, State::Reason reason, std::int32_t culprit = 0)
{
    if (s.phase == State::Broken)
        return;
    s.phase = State::Broken;
    s.reason = reason;
    s.culprit = culprit;
    wake(s);
}

/// The drain of a round (or a reset) is over once its last waiter has left.
void finishDrain(State &s)
{
    if (s.count <= 0 && (s.phase == State::Draining || s.phase == State::Resetting)) {
        s.count = 0;
        s.phase = State::Filling;
        wake(s);
    }
}

/// A process died holding the mutex: `count` may be off by one, and whatever it did is
/// unknown. The counts are rebuilt from the slots and the barrier is broken.
void repair(State &s)
{
    s.end = std::clamp(s.end, 0, s.capacity);
    int inside = 0;
    Party *table = s.table();
    for (int i = 0; i < s.end; ++i) {
        if (table[i].pid != 0)
            inside += std::max(table[i].inside, 0);
    }
    s.count = inside;
    breakBarrier(s, State::HolderDied);
}

/// Looks for recorded processes that died. One that has not arrived in the round being
/// filled breaks the barrier. Those that had arrived stop counting once the round is over
/// (and their slots go once the barrier is broken: the break has been told).
void reap(State &s, const ProcessStamp &self)
{
    Party *table = s.table();
    std::vector<int> dead;
    for (int i = 0; i < s.end; ++i) {
        const Party &p = table[i];
        if (p.pid != 0 && !isProcess(p, self) && !ProcessStamp{p.pid, p.startTime}.isAlive())
            dead.push_back(i);
    }
    if (s.phase == State::Filling && s.count > 0) {
        for (int i : dead) {
            if (table[i].arrivedRound != s.round) {
                breakBarrier(s, State::PartyDied, table[i].pid);
                break;
            }
        }
    }
    if (s.phase != State::Filling) {
        for (int i : dead) {
            s.count -= std::max(table[i].inside, 0);
            table[i].inside = 0;
            if (s.phase == State::Broken)
                freeSlot(s, table[i]);
        }
    }
    finishDrain(s);
}

QString brokenReason(const State &s)
{
    if (s.phase == State::Resetting)
        return QStringLiteral("reset() was called");
    switch (s.reason) {
    case State::TimedOut:
        return QStringLiteral("a wait() timed out");
    case State::Aborted:
        return QStringLiteral("abort() was called");
    case State::PartyDied:
        return QStringLiteral("process %1 died before reaching it").arg(s.culprit);
    case State::HolderDied:
        return QStringLiteral("a process died while updating it");
    default:
        return QStringLiteral("it is broken");
    }
}

std::shared_ptr<detail::SharedBlock> newBlock(int parties)
{
    if (parties < 1 || parties > std::numeric_limits<int>::max() - kExtraHandles)
        throw PoolError(QStringLiteral("a barrier needs at least one party, not %1").arg(parties));
    const int capacity = parties + kExtraHandles;
    auto block = detail::SharedBlock::create(blockSize(capacity));
    detail::initialiseLockState(block->data(), false);
    // Value-initialised: all zero (Filling, round 0, no slot taken), then `sequence`.
    State *s = new (stateIn(*block)) State();
    s->parties = parties;
    s->capacity = capacity;
    return block;
}

std::shared_ptr<detail::SharedBlock> checked(std::shared_ptr<detail::SharedBlock> block)
{
    const std::size_t header = detail::payloadOffset() + sizeof(State);
    if (!block || block->size() < header)
        throw ProtocolError(QStringLiteral("a Barrier handle names a block of the wrong size"));
    const State *s = stateIn(*block);
    if (s->parties < 1 || s->capacity < s->parties || block->size() != blockSize(s->capacity))
        throw ProtocolError(QStringLiteral("a Barrier handle names a block of the wrong size"));
    return block;
}

} // namespace

Barrier::Barrier(int parties)
    : m_block(newBlock(parties))
    , m_guard(m_block)
{
    enrol();
}

Barrier::Barrier(std::shared_ptr<detail::SharedBlock> block)
    : m_block(checked(std::move(block)))
    , m_guard(m_block)
{
    enrol();
}

Barrier::Barrier(const Barrier &other)
    : m_block(other.m_block)
    , m_guard(other.m_guard)
{
    if (m_block)
        enrol();
}

Barrier::Barrier(Barrier &&other) noexcept
    : m_block(std::move(other.m_block))
    , m_guard(std::move(other.m_guard))
{}

Barrier &Barrier::operator=(Barrier other) noexcept
{
    std::swap(m_block, other.m_block);
    std::swap(m_guard, other.m_guard);
    return *this;
}

Barrier::~Barrier()
{
    if (m_block)
        leave();
}

Barrier::State *Barrier::state() const
{
    return stateIn(*m_block);
}

void Barrier::enrol()
{
    const ProcessStamp self = ProcessStamp::current();
    State &s = *state();
    detail::StateGuard guard(m_guard);
    if (guard.ownerDied())
        repair(s);
    Party *p = find(s, self);
    if (!p) {
        Party *table = s.table();
        for (int i = 0; i < s.end && !p; ++i) {
            if (table[i].pid == 0)
                p = &table[i];
        }
        if (!p) {
            if (s.end == s.capacity)
                throw PoolError(QStringLiteral("a barrier for %1 parties may be held by at "
                                               "most %2 processes at once")
                                    .arg(s.parties)
                                    .arg(s.capacity));
            p = &table[s.end++];
        }
        p->handles = 0;
        p->inside = 0;
        p->arrivedRound = s.round - 1; // has not arrived in this round
        p->startTime = self.startTime;
        p->pid = self.pid; // last: a slot is taken once its pid is set
    }
    ++p->handles;
}

void Barrier::leave() noexcept
{
    try {
        const ProcessStamp self = ProcessStamp::current();
        State &s = *state();
        detail::StateGuard guard(m_guard);
        if (guard.ownerDied())
            repair(s);
        if (Party *p = find(s, self); p && --p->handles <= 0 && p->inside <= 0)
            freeSlot(s, *p);
    } catch (...) {
        // A destructor: the slot stays, and looks like a dead party once this process ends.
    }
}

int Barrier::wait(std::chrono::milliseconds timeout)
{
    using Clock = std::chrono::steady_clock;
    const Clock::time_point start = Clock::now();
    const ProcessStamp self = ProcessStamp::current();
    State &s = *state();
    detail::StateGuard guard(m_guard);
    if (guard.ownerDied())
        repair(s);
    Party *me = find(s, self);
    if (!me)
        throw PoolError(QStringLiteral("Barrier::wait(): this process is not recorded"));

    // Sleeps a slice, then looks for the dead; false, without sleeping, once past timeout.
    auto pause = [&]() -> bool {
        std::chrono::nanoseconds slice = kSlice;
        if (timeout.count() >= 0) {
            const auto left = start + timeout - Clock::now();
            if (left.count() <= 0)
                return false;
            slice = std::min<std::chrono::nanoseconds>(slice, left);
        }
        if (guard.sleep(s.sequence, s.sequence.load(std::memory_order_seq_cst), slice))
            repair(s);
        reap(s, self);
        return true;
    };

    // The previous round's waiters are still on their way out (or a reset's): wait for them.
    while (s.phase == State::Draining || s.phase == State::Resetting) {
        if (!pause())
            breakBarrier(s, State::TimedOut);
    }
    if (s.phase == State::Broken)
        throw BrokenBarrierError(brokenReason(s));

    const int index = s.count;
    const std::uint32_t completions = s.completions;
    ++me->inside; // before count: repair() rebuilds count from the slots
    ++s.count;
    me->arrivedRound = s.round;
    if (index + 1 >= s.parties) {
        s.phase = State::Draining;
        ++s.round;
        ++s.completions;
        wake(s);
    } else {
        while (s.phase == State::Filling) {
            if (!pause())
                breakBarrier(s, State::TimedOut);
        }
    }
    // Released when the round completed, even if the barrier broke since: a round, once
    // full, is not taken back.
    const bool released = s.completions != completions;
    const QString reason = released ? QString() : brokenReason(s);
    --me->inside;
    --s.count;
    finishDrain(s);
    if (!released)
        throw BrokenBarrierError(reason);
    return index;
}

void Barrier::abort()
{
    State &s = *state();
    detail::StateGuard guard(m_guard);
    if (guard.ownerDied())
        repair(s);
    breakBarrier(s, State::Aborted);
}

void Barrier::reset()
{
    const ProcessStamp self = ProcessStamp::current();
    State &s = *state();
    detail::StateGuard guard(m_guard);
    if (guard.ownerDied())
        repair(s);
    Party *table = s.table();
    for (int i = 0; i < s.end; ++i) {
        Party &p = table[i];
        if (p.pid == 0 || isProcess(p, self) || ProcessStamp{p.pid, p.startTime}.isAlive())
            continue;
        s.count -= std::max(p.inside, 0);
        freeSlot(s, p);
    }
    s.count = std::max(s.count, 0);
    if (s.count == 0)
        s.phase = State::Filling;
    else if (s.phase == State::Filling || s.phase == State::Broken)
        s.phase = State::Resetting; // its waiters leave, failing; then it fills again
    s.reason = State::None;
    ++s.round;
    wake(s);
}

bool Barrier::broken() const
{
    State &s = *state();
    detail::StateGuard guard(m_guard);
    if (guard.ownerDied())
        repair(s);
    return s.phase == State::Broken;
}

int Barrier::parties() const
{
    return state()->parties;
}

int Barrier::nWaiting() const
{
    State &s = *state();
    detail::StateGuard guard(m_guard);
    if (guard.ownerDied())
        repair(s);
    return s.phase == State::Filling ? s.count : 0;
}

} // namespace jobpool
