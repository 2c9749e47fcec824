// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "../ipc/futex.h"

#include <jobpool/lock.h>

#include <atomic>
#include <chrono>
#include <cstdint>

namespace jobpool::detail {

/// Holds the robust lock at the start of a Semaphore's or a Barrier's block for one
/// operation on the state behind it. ownerDied() says that the previous holder died in the
/// middle of such an operation: the state may be half-updated and the caller repairs it.
class StateGuard
{
public:
    explicit StateGuard(Lock &lock)
        : m_lock(lock)
    {
        take();
    }
    ~StateGuard()
    {
        if (m_held)
            m_lock.release();
    }
    StateGuard(const StateGuard &) = delete;
    StateGuard &operator=(const StateGuard &) = delete;

    bool ownerDied() const { return m_ownerDied; }

    /// Lets go of the lock, sleeps on \a word while it still reads \a seen (at most
    /// \a timeout), and takes the lock again. Returns ownerDied() for the new hold.
    bool sleep(std::atomic<std::uint32_t> &word, std::uint32_t seen,
               std::chrono::nanoseconds timeout)
    {
        m_lock.release();
        m_held = false;
        ipc::futexWait(word, seen, timeout);
        take();
        return m_ownerDied;
    }

    /// Lets go of the lock before the end of the scope (to wake others outside it).
    void release()
    {
        m_lock.release();
        m_held = false;
    }

private:
    void take()
    {
        m_lock.acquire();
        m_held = true;
        m_ownerDied = m_lock.ownerDied();
    }

    Lock &m_lock;
    bool m_held = false;
    bool m_ownerDied = false;
};

} // namespace jobpool::detail
