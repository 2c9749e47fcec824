// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "../ipc/futex.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>

#include <sched.h>

namespace jobpool::detail {

/// A call's time limit: negative means none.
class Deadline
{
public:
    using Clock = std::chrono::steady_clock;

    explicit Deadline(std::chrono::milliseconds timeout)
        : m_forever(timeout.count() < 0)
        , m_at(m_forever ? Clock::time_point() : Clock::now() + timeout)
    {}
    bool passed() const { return !m_forever && Clock::now() >= m_at; }
    /// The time left, but at most \a most: how long to sleep before looking again.
    std::chrono::nanoseconds slice(std::chrono::nanoseconds most) const
    {
        if (m_forever)
            return most;
        return std::clamp<std::chrono::nanoseconds>(m_at - Clock::now(), {}, most);
    }

private:
    bool m_forever;
    Clock::time_point m_at;
};

/// Spins for a few microseconds without telling anyone, looking whether \a ready() holds
/// only every few pauses: a waiter that polled the word the other side writes for every
/// item would make the two trade that cache line item by item; looking less often lets a
/// few items gather, to be taken in a run. True once ready() holds.
template<class Ready>
bool spinUntil(Ready ready)
{
    constexpr int kLooks = 48;
    constexpr int kPausesPerLook = 8;
    for (int i = 0; i < kLooks; ++i) {
        for (int j = 0; j < kPausesPerLook; ++j)
            ipc::cpuRelax();
        if (ready())
            return true;
    }
    return false;
}

/// Something processes wait for, in shared memory, for any number of waiters. A waiter
/// that has spun in vain (spinUntil) registers (Waiting), then yields, then sleeps on the
/// sequence counted in sleepers; a notifier bumps the sequence only while someone is
/// registered, makes a system call only while someone sleeps, and then wakes them all: one
/// woken waiter that died before it could act must not leave the others asleep. (A waiter
/// killed while registered stays counted: later notifiers then do needless work, no more.)
struct alignas(64) Signal
{
    static constexpr int kYields = 20;

    std::atomic<std::uint32_t> sequence{0};
    std::atomic<std::uint32_t> sleepers{0};
    std::atomic<std::uint32_t> waiters{0};

    /// After the change the waiters wait for is visible.
    void notify()
    {
        if (ipc::loadAfterFence(waiters) == 0)
            return;
        sequence.fetch_add(1, std::memory_order_seq_cst);
        if (sleepers.load(std::memory_order_seq_cst) != 0)
            ipc::futexWakeAll(sequence);
    }

    /// Returns once the sequence is no longer \a seen, after about \a timeout, or
    /// spuriously: the caller checks again.
    void wait(std::uint32_t seen, std::chrono::nanoseconds timeout)
    {
        for (int i = 0; i < kYields; ++i) {
            if (sequence.load(std::memory_order_acquire) != seen)
                return;
            sched_yield();
        }
        sleepers.fetch_add(1, std::memory_order_seq_cst);
        if (sequence.load(std::memory_order_seq_cst) == seen)
            ipc::futexWait(sequence, seen, timeout);
        sleepers.fetch_sub(1, std::memory_order_seq_cst);
    }
};

/// Registered as a waiter on a Signal from enter() until destroyed. The protocol: look;
/// if it is not there, enter() and look again; then, each round, take snapshot() before
/// looking and wait() on it after.
class Waiting
{
public:
    explicit Waiting(Signal &signal)
        : m_signal(signal)
    {}
    ~Waiting()
    {
        if (m_entered)
            m_signal.waiters.fetch_sub(1, std::memory_order_seq_cst);
    }
    Waiting(const Waiting &) = delete;
    Waiting &operator=(const Waiting &) = delete;

    bool entered() const { return m_entered; }
    void enter()
    {
        m_signal.waiters.fetch_add(1, std::memory_order_seq_cst);
#ifndef JOBPOOL_THREAD_SANITIZER // which models no fences; the RMW above orders as much
        std::atomic_thread_fence(std::memory_order_seq_cst);
#endif
        m_entered = true;
    }
    /// 0 until entered: the sequence only moves while someone is.
    std::uint32_t snapshot() const
    {
        return m_entered ? m_signal.sequence.load(std::memory_order_seq_cst) : 0;
    }

private:
    Signal &m_signal;
    bool m_entered = false;
};

} // namespace jobpool::detail
