// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <jobpool/lock.h>
#include <jobpool/sharedblock.h>

#include <chrono>
#include <memory>

namespace jobpool {

/// A meeting point for a fixed number of processes, the twin of multiprocessing.Barrier:
/// each calls wait(), and all go on once the last has arrived; then it is ready for the
/// next round. Pass it to a Process or a pool task; copies are handles to the same barrier.
///
/// \code
/// void step(jobpool::Barrier barrier, int rank)
/// {
///     for (int round = 0; round < 10; ++round) {
///         compute(rank, round);
///         barrier.wait(); // everyone's round is done before anyone starts the next
///     }
/// }
/// \endcode
///
/// When a wait() times out, abort() is called, or a process dies before arriving, the
/// barrier is *broken*: every waiter, and every later wait() until reset(), throws
/// BrokenBarrierError — nobody waits for a process that will never come. To know who might
/// still come, the barrier records every process that holds a handle to it: the one that
/// created it and each that received it (as a task or Process argument), from then until
/// its last handle is destroyed. A recorded process that dies while the others wait in a
/// round it has not arrived in breaks the barrier. The creator being recorded costs
/// nothing when it is not a party: it is alive while the others wait (its children die
/// with it anyway). A process that dies after arriving still counts for that round; it
/// breaks the next. A process that ends on purpose while it holds a handle (exit() inside
/// a task) looks like one that died. Waiters look for the dead every 50 ms. Up to
/// parties + 256 processes may hold handles at once (PoolError beyond).
class Barrier
{
public:
    /// A barrier for \a parties processes (or threads); >= 1, else PoolError.
    explicit Barrier(int parties);
    Barrier(const Barrier &other);
    Barrier(Barrier &&other) noexcept;
    Barrier &operator=(Barrier other) noexcept;
    ~Barrier();

    /// Arrives and waits, at most \a timeout (negative: for ever), for the others. Returns
    /// the arrival index, 0 for the first to arrive to parties() - 1 for the last, a
    /// different one for each party. Throws BrokenBarrierError when the barrier is or gets
    /// broken, or is reset, and breaks it itself when \a timeout passes.
    int wait(std::chrono::milliseconds timeout = std::chrono::milliseconds(-1));
    /// Breaks the barrier: the waiters, and any later wait(), throw BrokenBarrierError.
    void abort();
    /// Returns the barrier to its first state; waiters throw BrokenBarrierError. Processes
    /// recorded as dead are forgotten, so that others may take their places.
    void reset();
    bool broken() const;
    int parties() const;
    /// How many wait in the current round.
    int nWaiting() const;

    struct State;
    /// For Codec: the barrier behind a handle. Records this process.
    explicit Barrier(std::shared_ptr<detail::SharedBlock> block);
    const std::shared_ptr<detail::SharedBlock> &block() const { return m_block; }

private:
    State *state() const;
    void enrol();
    void leave() noexcept;

    std::shared_ptr<detail::SharedBlock> m_block;
    mutable Lock m_guard; ///< the robust mutex at the start of the block, over the state
};

} // namespace jobpool
