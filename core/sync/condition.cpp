// SPDX-License-Identifier: GPL-3.0-or-later
#include "../ipc/futex.h"

#include <jobpool/condition.h>
#include <jobpool/errors.h>

#include <atomic>
#include <climits>

namespace jobpool {

struct Condition::State
{
    /// Bumped by every notify that finds a waiter; waiters sleep on it, so that a notify
    /// between their letting go of the lock and their sleep is never missed.
    std::atomic<std::uint32_t> sequence{0};
    /// Threads inside wait(), so that a notify without one costs no system call. A waiter
    /// that dies leaves it too high: notifies then make a needless system call, no more.
    std::atomic<std::uint32_t> waiters{0};
};

Condition::Condition()
    : Condition(RLock())
{}

Condition::Condition(Lock lock)
    : Condition(std::move(lock), detail::SharedBlock::create(sizeof(State)))
{
    new (m_state->data()) State;
}

Condition::Condition(Lock lock, std::shared_ptr<detail::SharedBlock> state)
    : m_lock(std::move(lock))
    , m_state(std::move(state))
{
    if (!m_state || m_state->size() != sizeof(State))
        throw ProtocolError(QStringLiteral("a Condition handle names a block of the wrong size"));
}

Condition::State *Condition::state() const
{
    return static_cast<State *>(m_state->data());
}

bool Condition::wait(std::chrono::milliseconds timeout)
{
    using Clock = std::chrono::steady_clock;
    const Clock::time_point deadline = Clock::now() + timeout;
    State &s = *state();
    // Read while holding the lock: a notify can only come after it.
    const std::uint32_t seen = s.sequence.load(std::memory_order_seq_cst);
    s.waiters.fetch_add(1, std::memory_order_seq_cst);
    const int levels = detail::releaseAllLevels(m_lock);
    if (levels == 0) {
        s.waiters.fetch_sub(1, std::memory_order_seq_cst);
        throw PoolError(QStringLiteral("Condition::wait(): the calling thread does not hold "
                                       "the condition's lock"));
    }
    bool notified = false;
    for (;;) {
        if (s.sequence.load(std::memory_order_seq_cst) != seen) {
            notified = true;
            break;
        }
        std::chrono::nanoseconds left(-1);
        if (timeout.count() >= 0) {
            left = deadline - Clock::now();
            if (left.count() <= 0)
                break;
        }
        ipc::futexWait(s.sequence, seen, left);
    }
    detail::reacquireLevels(m_lock, levels);
    s.waiters.fetch_sub(1, std::memory_order_seq_cst);
    return notified;
}

void Condition::notify(int n)
{
    State &s = *state();
    if (n <= 0 || s.waiters.load(std::memory_order_seq_cst) == 0)
        return;
    s.sequence.fetch_add(1, std::memory_order_seq_cst);
    ipc::futexWake(s.sequence, n);
}

void Condition::notifyAll()
{
    notify(INT_MAX);
}

void Codec<Condition>::encode(Encoder &out, const Condition &condition)
{
    condition.m_lock.block()->encode(out);
    condition.m_state->encode(out);
}

Condition Codec<Condition>::decode(Decoder &in)
{
    Lock lock(detail::SharedBlock::decode(in));
    return Condition(std::move(lock), detail::SharedBlock::decode(in));
}

} // namespace jobpool
