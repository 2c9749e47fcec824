// SPDX-License-Identifier: GPL-3.0-or-later
#include "../ipc/futex.h"

#include <jobpool/errors.h>
#include <jobpool/event.h>

#include <atomic>

namespace jobpool {

struct Event::State
{
    std::atomic<std::uint32_t> flag{0};
    /// Bumped by every set(); waiters sleep on it, so a set() between their check of
    /// the flag and their sleep is never missed.
    std::atomic<std::uint32_t> sequence{0};
};

Event::Event()
    : m_block(detail::SharedBlock::create(sizeof(State)))
{
    new (m_block->data()) State;
}

Event::Event(std::shared_ptr<detail::SharedBlock> block)
    : m_block(std::move(block))
{
    if (!m_block || m_block->size() != sizeof(State))
        throw ProtocolError(QStringLiteral("an Event handle names a block of the wrong size"));
}

Event::State *Event::state() const
{
    return static_cast<State *>(m_block->data());
}

void Event::set()
{
    state()->flag.store(1, std::memory_order_seq_cst);
    state()->sequence.fetch_add(1, std::memory_order_seq_cst);
    ipc::futexWakeAll(state()->sequence);
}

void Event::clear()
{
    state()->flag.store(0, std::memory_order_seq_cst);
}

bool Event::isSet() const
{
    return state()->flag.load(std::memory_order_acquire) != 0;
}

bool Event::wait(std::chrono::milliseconds timeout) const
{
    using Clock = std::chrono::steady_clock;
    const bool unbounded = timeout.count() < 0;
    const Clock::time_point deadline =
        Clock::now() + (unbounded ? std::chrono::milliseconds(0) : timeout);
    for (;;) {
        const std::uint32_t seen = state()->sequence.load(std::memory_order_seq_cst);
        if (isSet())
            return true;
        std::chrono::nanoseconds left(-1);
        if (!unbounded) {
            left = deadline - Clock::now();
            if (left.count() <= 0)
                return false;
        }
        ipc::futexWait(state()->sequence, seen, left);
    }
}

} // namespace jobpool
