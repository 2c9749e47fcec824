// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <jobpool/sharedblock.h>

#include <chrono>
#include <memory>

namespace jobpool {

/// A flag processes wait on, the twin of multiprocessing.Event: set() wakes every waiter,
/// in any process, without anyone polling. It has no owner, so a process that dies while
/// waiting leaves it as it was. Pass it to a Process or a pool task; copies are handles
/// to the same event.
///
/// \code
/// jobpool::Event ready;
/// jobpool::Process p(waitForStart, ready);  // the child calls ready.wait()
/// p.start();
/// ready.set();                               // and now it goes
/// \endcode
class Event
{
public:
    Event();
    /// For Codec: the event behind a handle.
    explicit Event(std::shared_ptr<detail::SharedBlock> block);

    void set();
    void clear();
    bool isSet() const;
    /// Waits until the event is set, at most \a timeout (negative: for ever); returns
    /// whether it is set.
    bool wait(std::chrono::milliseconds timeout = std::chrono::milliseconds(-1)) const;

    const std::shared_ptr<detail::SharedBlock> &block() const { return m_block; }

private:
    struct State;
    State *state() const;
    std::shared_ptr<detail::SharedBlock> m_block;
};

} // namespace jobpool
