// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <jobpool/lock.h>
#include <jobpool/sharedblock.h>

#include <chrono>
#include <memory>

namespace jobpool {

/// A counter of permits shared by processes, the twin of multiprocessing.Semaphore:
/// acquire() takes a permit, waiting while there is none; release() gives one back. Pass
/// it to a Process or a pool task; copies are handles to the same semaphore. Works with
/// std::lock_guard and std::unique_lock.
///
/// \code
/// void download(jobpool::Semaphore connections, QString url)
/// {
///     std::lock_guard connection(connections); // at most 4 processes download at once
///     fetch(url);
/// }
/// jobpool::Semaphore connections(4);
/// pool.starmap(download, calls);  // each call carries `connections`
/// \endcode
///
/// Unlike Python's, it survives a process dying with permits: by default
/// (Permits::Held) the semaphore records which process holds how many, and when a process
/// ends without giving back what it took — SIGKILLed, crashed or not — its permits come
/// back: the next acquirer gets one and ownerDied() tells it so. Nobody waits for ever for
/// a permit a dead process held. This is System V's SEM_UNDO, and it means:
///  - a release() from a process that holds no permit of its own (Python allows
///    signalling that way) adds a permit: it is credited to a process that does hold one,
///    as if that process had given it back, or, when none does, it is a new permit;
///  - a process that takes permits for good — a consumer of signals counted by a
///    Semaphore(0) that other processes release() — holds them until it ends, and then
///    they come back. Such a semaphore is built with Permits::Consumed: nothing is
///    recorded, an acquired permit is gone (Python's semantics, without the robustness).
/// Up to 256 processes at once are recorded; a permit taken by one more is consumed.
///
/// The uncontended acquire() and release() make no system call; a waiter sleeps on a
/// futex, waking at least every 50 ms to look for holders that died.
class Semaphore
{
public:
    /// What acquire() does with a permit: hold it on behalf of the process (robust), or
    /// consume it.
    enum class Permits { Held, Consumed };

    /// \a value permits (>= 0, else PoolError).
    explicit Semaphore(int value = 1, Permits permits = Permits::Held);

    /// Waits at most \a timeout (negative: for ever); true once a permit is taken.
    bool acquire(std::chrono::milliseconds timeout = std::chrono::milliseconds(-1));
    /// Gives a permit back (or adds one, see above). A BoundedSemaphore throws PoolError
    /// when that would take it past its initial value.
    void release();
    void lock() { acquire(); }
    void unlock() { release(); }
    bool try_lock() { return acquire(std::chrono::milliseconds(0)); }

    /// The permits free now, counting those of holders that have died.
    int value() const;
    /// True when the permit the last successful acquire() through this object took had
    /// been held by a process that died: what it protects may be half-updated.
    bool ownerDied() const { return m_ownerDied; }

    struct State;
    /// For Codec: the semaphore behind a handle.
    explicit Semaphore(std::shared_ptr<detail::SharedBlock> block);
    const std::shared_ptr<detail::SharedBlock> &block() const { return m_block; }

protected:
    Semaphore(int value, Permits permits, bool bounded);

private:
    State *state() const;

    std::shared_ptr<detail::SharedBlock> m_block;
    mutable Lock m_guard; ///< the robust mutex at the start of the block, over the state
    bool m_ownerDied = false;
};

/// A semaphore whose value may never exceed its initial value
/// (multiprocessing.BoundedSemaphore): a release() beyond it throws PoolError, which
/// catches a permit given back twice.
class BoundedSemaphore : public Semaphore
{
public:
    explicit BoundedSemaphore(int value = 1, Permits permits = Permits::Held);
    explicit BoundedSemaphore(std::shared_ptr<detail::SharedBlock> block)
        : Semaphore(std::move(block))
    {}
};

} // namespace jobpool
