// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "sanitizer.h"

#include <atomic>
#include <chrono>
#include <climits>
#include <cstdint>
#include <ctime>

#include <linux/futex.h>
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace jobpool::ipc {

/// Futex calls on a word in memory that other processes map too (hence no
/// FUTEX_PRIVATE_FLAG). Spurious wake-ups are allowed: callers re-check their condition.
inline void futexWait(std::atomic<std::uint32_t> &word, std::uint32_t expected,
                      std::chrono::nanoseconds timeout = std::chrono::nanoseconds(-1))
{
    timespec ts{};
    timespec *tsp = nullptr;
    if (timeout.count() >= 0) {
        ts.tv_sec = time_t(timeout.count() / 1000000000);
        ts.tv_nsec = long(timeout.count() % 1000000000);
        tsp = &ts;
    }
    syscall(SYS_futex, reinterpret_cast<std::uint32_t *>(&word), FUTEX_WAIT, expected, tsp, nullptr,
            0);
}

inline void futexWakeAll(std::atomic<std::uint32_t> &word)
{
    syscall(SYS_futex, reinterpret_cast<std::uint32_t *>(&word), FUTEX_WAKE, INT_MAX, nullptr,
            nullptr, 0);
}

/// Wakes at most \a count of the processes sleeping on \a word.
inline void futexWake(std::atomic<std::uint32_t> &word, int count)
{
    syscall(SYS_futex, reinterpret_cast<std::uint32_t *>(&word), FUTEX_WAKE, count, nullptr,
            nullptr, 0);
}

/// \a word, read after a full fence: the Dekker half of "publish, then see whether the
/// other side sleeps". ThreadSanitizer does not model fences (GCC refuses to build them
/// under it); there, a sequentially consistent read-modify-write of \a word itself gives
/// the same order.
inline std::uint32_t loadAfterFence(std::atomic<std::uint32_t> &word)
{
#ifdef JOBPOOL_THREAD_SANITIZER
    return word.fetch_add(0, std::memory_order_seq_cst);
#else
    std::atomic_thread_fence(std::memory_order_seq_cst);
    return word.load(std::memory_order_relaxed);
#endif
}

inline void cpuRelax()
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    asm volatile("yield");
#endif
}

/// A word one side sleeps on and the other rings. Ringing costs a system call only while
/// the sleeper is actually asleep; a busy peer is never woken by a syscall.
///
/// Waiting adapts to how fast the peer answers. One that answers within microseconds (a
/// pool's round trip of small tasks) is caught by spinning or, a little later, by polling
/// while yielding the CPU, which keeps the waiter off the futex and the latency low. But a
/// thread that yields is still running as far as the scheduler is concerned: on a small
/// machine it keeps its CPU looking busy while it polls, and a command a worker starts
/// meanwhile is queued behind another one on the other CPU while this one idles. So once
/// the peer has been slow a few times in a row (a worker running commands of a
/// millisecond), the waiter goes to sleep right after its short spin, and polls again only
/// now and then to find out whether the peer has become quick again.
struct Doorbell
{
    static constexpr int kSpins = 200;
    static constexpr int kYields = 50;
    /// An answer later than this (after the spin) is a slow one.
    static constexpr std::chrono::microseconds kQuickAnswer{30};
    /// After this many slow answers in a row, the waiter stops polling...
    static constexpr std::uint32_t kSlowAnswersBeforeSleeping = 4;
    /// ...except on every this many waits, to see whether answers are quick again. Rarely:
    /// every probe keeps a CPU looking busy for a while, which cost 2-3% of a batch of short
    /// commands when it came every 16 waits.
    static constexpr std::uint32_t kProbeEvery = 256;

    std::atomic<std::uint32_t> sequence{0};
    std::atomic<std::uint32_t> sleeping{0};
    /// The waiter's count of slow answers in a row (see above). Only a heuristic: waiters
    /// sharing a bell may race on it harmlessly.
    std::atomic<std::uint32_t> slowAnswers{0};

    /// Called by the other side after it published something the sleeper waits for.
    void ring()
    {
        if (loadAfterFence(sleeping)) {
            sequence.fetch_add(1, std::memory_order_seq_cst);
            futexWakeAll(sequence);
        }
    }

    /// Waits until \a ready() holds or \a timeout passes: spins a few microseconds, then
    /// (unless the peer has been slow, see above) keeps polling while yielding the CPU, so
    /// that on a small machine a spinning waiter never keeps the thread it waits for from
    /// running, then sleeps on the futex. Returns ready()'s last value.
    template<class Ready>
    bool wait(Ready ready, std::chrono::nanoseconds timeout)
    {
        for (int i = 0; i < kSpins; ++i) {
            if (ready())
                return answered(true);
            cpuRelax();
        }
        using Clock = std::chrono::steady_clock;
        const Clock::time_point quickUntil = Clock::now() + kQuickAnswer;
        const std::uint32_t slow = slowAnswers.load(std::memory_order_relaxed);
        const bool probing = slow >= kSlowAnswersBeforeSleeping;
        if (!probing || slow % kProbeEvery == 0) {
            for (int i = 0; i < kYields; ++i) {
                if (ready())
                    return answered(Clock::now() < quickUntil);
                sched_yield();
                if (probing && Clock::now() >= quickUntil)
                    break;
            }
        }
        sleeping.store(1, std::memory_order_seq_cst);
        const std::uint32_t seen = sequence.load(std::memory_order_seq_cst);
        if (!ready())
            futexWait(sequence, seen, timeout);
        sleeping.store(0, std::memory_order_relaxed);
        answered(false);
        return ready();
    }

private:
    bool answered(bool quickly)
    {
        const std::uint32_t slow = slowAnswers.load(std::memory_order_relaxed);
        const std::uint32_t now = quickly ? 0 : slow + 1;
        if (now != slow)
            slowAnswers.store(now, std::memory_order_relaxed);
        return true;
    }
};

} // namespace jobpool::ipc
