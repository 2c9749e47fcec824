// SPDX-License-Identifier: GPL-3.0-or-later
// How workers leave a pool that goes on: surplus ones after a shrink (setWorkerCount), and
// those that say their memory grew past PoolOptions::maxWorkerMemory. (Those that reach
// maxTasksPerChild are sent Exit with their last message, in sendChunks().) Each is
// replaced as spawnWorkers() tops the pool up to its target.
#include "dispatcher.h"

namespace jobpool::detail {

void Dispatcher::retireSurplus()
{
    int target;
    {
        std::lock_guard lock(m_mailbox.mutex);
        target = m_mailbox.target;
    }
    // Retiring workers with nothing left leave now.
    for (auto &[id, w] : m_workers) {
        if (w->retiring && !w->exitSent && w->ready && w->inFlight.empty())
            sendExit(*w);
    }
    int surplus = liveWorkers() - target;
    if (surplus <= 0)
        return;
    // Idle ones first, then the busy ones finish what they hold and leave.
    for (int pass = 0; pass < 2 && surplus > 0; ++pass) {
        for (auto &[id, w] : m_workers) {
            if (surplus == 0)
                break;
            if (w->retiring || w->exitSent || w->killRequested)
                continue;
            if (pass == 0 && !(w->ready && w->inFlight.empty()))
                continue;
            w->retiring = true;
            if (w->inFlight.empty() && w->ready)
                sendExit(*w);
            else if (!w->ready)
                kill(*w);
            --surplus;
        }
    }
}

void Dispatcher::workerRecycled(Worker &w)
{
    // The worker checked its memory after the message whose Result came just before this,
    // and starts nothing more: the messages still in its ring (or in our outbox for it)
    // never ran. They go to another worker now, as chunks that never ran (no attempt used),
    // rather than when its process is reaped.
    for (std::size_t i = w.inFlight.size(); i-- > 0;)
        m_queue.putBack(std::move(w.inFlight[i]));
    w.inFlight.clear();
    w.messagesInFlight = 0;
    // One that was leaving anyway (maxTasksPerChild, a smaller pool) is not replaced for
    // its memory.
    if (!w.retiring && !w.exitSent)
        ++m_workersRecycled;
    w.retiring = true;
    w.exitSent = true; // it exits by itself: nothing more is sent to it
    w.state = WorkerInfo::State::Stopping;
    m_dirty = true;
}

} // namespace jobpool::detail
