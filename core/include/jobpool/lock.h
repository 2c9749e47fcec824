// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <jobpool/sharedblock.h>

#include <chrono>
#include <memory>

namespace jobpool {

/// A lock shared by processes, the twin of multiprocessing.Lock — without its worst trap:
/// when the process holding it dies, the next acquirer gets the lock (and ownerDied()
/// says so) instead of everyone waiting for ever. Pass it to a Process or a pool task;
/// copies are handles to the same lock. Works with std::lock_guard and std::unique_lock.
///
/// \code
/// void add(jobpool::Lock lock, jobpool::Value<int> counter)
/// {
///     for (int i = 0; i < 100000; ++i) {
///         std::lock_guard guard(lock);
///         counter.store(counter.load() + 1);
///     }
/// }
/// \endcode
class Lock
{
public:
    Lock();

    /// Waits at most \a timeout (negative: for ever); true once acquired.
    bool acquire(std::chrono::milliseconds timeout = std::chrono::milliseconds(-1));
    void release();
    void lock() { acquire(); }
    void unlock() { release(); }
    bool try_lock() { return acquire(std::chrono::milliseconds(0)); }

    /// True when the last acquire() got the lock from a holder that had died: what it
    /// protects may be half-updated.
    bool ownerDied() const;

    struct State;
    /// For Codec: the lock behind a handle.
    explicit Lock(std::shared_ptr<detail::SharedBlock> block);
    const std::shared_ptr<detail::SharedBlock> &block() const { return m_block; }

protected:
    enum class Kind { Plain, Recursive };
    explicit Lock(Kind kind);

private:
    std::shared_ptr<detail::SharedBlock> m_block;
};

/// A lock its holder may take again (multiprocessing.RLock); robust like Lock.
class RLock : public Lock
{
public:
    RLock();
    explicit RLock(std::shared_ptr<detail::SharedBlock> block)
        : Lock(std::move(block))
    {}
};

namespace detail {
/// The state of a lock at the start of a shared block: Value and Array carry one.
std::size_t lockStateSize();
void initialiseLockState(void *memory, bool recursive);
/// For Condition::wait(): lets go of \a lock entirely — every level an RLock is held at —
/// and returns how many levels that was; 0 when the calling thread did not hold it.
int releaseAllLevels(Lock &lock);
/// Takes \a lock again at \a levels levels, waiting for ever; ownerDied() then says whether
/// the first of them came from a holder that had died.
void reacquireLevels(Lock &lock, int levels);
} // namespace detail

} // namespace jobpool
