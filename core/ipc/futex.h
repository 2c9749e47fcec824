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
struct Doorbell
{
    static constexpr int kSpins = 200;
    static constexpr int kYields = 50;

    std::atomic<std::uint32_t> sequence{0};
    std::atomic<std::uint32_t> sleeping{0};

    /// Called by the other side after it published something the sleeper waits for.
    void ring()
    {
        if (loadAfterFence(sleeping)) {
            sequence.fetch_add(1, std::memory_order_seq_cst);
            futexWakeAll(sequence);
        }
    }

    /// Waits until \a ready() holds or \a timeout passes: spins a few microseconds, then
    /// keeps polling while yielding the CPU (so that on a small machine a spinning waiter
    /// never keeps the thread it waits for from running), then sleeps on the futex.
    /// Returns ready()'s last value.
    template<class Ready>
    bool wait(Ready ready, std::chrono::nanoseconds timeout)
    {
        for (int i = 0; i < kSpins; ++i) {
            if (ready())
                return true;
            cpuRelax();
        }
        for (int i = 0; i < kYields; ++i) {
            if (ready())
                return true;
            sched_yield();
        }
        sleeping.store(1, std::memory_order_seq_cst);
        const std::uint32_t seen = sequence.load(std::memory_order_seq_cst);
        if (ready()) {
            sleeping.store(0, std::memory_order_relaxed);
            return true;
        }
        futexWait(sequence, seen, timeout);
        sleeping.store(0, std::memory_order_relaxed);
        return ready();
    }
};

} // namespace jobpool::ipc
