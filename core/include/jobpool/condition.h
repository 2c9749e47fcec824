// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <jobpool/lock.h>
#include <jobpool/sharedblock.h>

#include <chrono>
#include <memory>

namespace jobpool {

class Condition;

/// A Condition travels as its lock's handle and its own.
template<>
struct Codec<Condition>
{
    static void encode(Encoder &out, const Condition &condition);
    static Condition decode(Decoder &in);
};

/// A condition variable shared by processes, the twin of multiprocessing.Condition: a
/// process holding its lock waits for something to become true; the process that makes it
/// true notifies. Pass it to a Process or a pool task; copies are handles to the same
/// condition. Robust through its lock: when a holder dies, the next acquirer — a waiter
/// coming back from wait() too — gets the lock and ownerDied() says so.
///
/// \code
/// void consume(jobpool::Condition ready, jobpool::Value<int> items)
/// {
///     std::unique_lock lock(ready);
///     ready.waitFor([&] { return items.load() > 0; });
///     items.store(items.load() - 1);
/// }
/// // the producer:
/// { std::lock_guard lock(ready); items.store(items.load() + 1); ready.notify(); }
/// \endcode
///
/// wait() may also return without a notify(), as pthread_cond_wait() may (a notify(1)
/// wakes one sleeping waiter and every waiter that was still on its way to sleep): test
/// what you wait for again, or use waitFor(). notify() and notifyAll() must be called
/// holding the lock, as in Python.
class Condition
{
public:
    /// A condition with its own RLock, as Python's.
    Condition();
    /// A condition over \a lock (a Lock or an RLock), which others may use as well.
    explicit Condition(Lock lock);

    bool acquire(std::chrono::milliseconds timeout = std::chrono::milliseconds(-1))
    {
        return m_lock.acquire(timeout);
    }
    void release() { m_lock.release(); }
    void lock() { m_lock.acquire(); }
    void unlock() { m_lock.release(); }
    bool try_lock() { return m_lock.try_lock(); }
    /// True when the last acquisition of the lock, by acquire() or on the way out of
    /// wait(), got it from a holder that had died.
    bool ownerDied() const { return m_lock.ownerDied(); }

    /// Lets go of the lock (every level of an RLock), sleeps until notified or at most
    /// \a timeout (negative: for ever), and takes the lock back. Returns false when it
    /// timed out. Throws PoolError when the calling thread does not hold the lock.
    bool wait(std::chrono::milliseconds timeout = std::chrono::milliseconds(-1));

    /// Waits until \a predicate (called holding the lock) returns true, at most \a timeout;
    /// returns its last result.
    template<class Predicate>
    bool waitFor(Predicate predicate,
                 std::chrono::milliseconds timeout = std::chrono::milliseconds(-1))
    {
        using Clock = std::chrono::steady_clock;
        const Clock::time_point deadline = Clock::now() + timeout;
        bool result = predicate();
        while (!result) {
            if (timeout.count() < 0) {
                wait();
            } else {
                const auto left =
                    std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
                if (left.count() <= 0)
                    break;
                wait(left);
            }
            result = predicate();
        }
        return result;
    }

    /// Wakes up to \a n processes (or threads) waiting; call it holding the lock.
    void notify(int n = 1);
    /// Wakes every waiter; call it holding the lock.
    void notifyAll();

private:
    friend struct Codec<Condition>;
    struct State;
    Condition(Lock lock, std::shared_ptr<detail::SharedBlock> state);
    State *state() const;

    Lock m_lock;
    std::shared_ptr<detail::SharedBlock> m_state;
};

} // namespace jobpool
