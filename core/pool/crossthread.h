// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "../ipc/sanitizer.h"

#include <QMetaObject>
#include <QObject>

#include <mutex>
#include <utility>

namespace jobpool::detail {

/// The lock that orders a post in postTo() before the call it posts, for ThreadSanitizer.
std::mutex &postOrderMutex();

/// The lock behind ContinuationOrder, for ThreadSanitizer.
std::mutex &continuationOrderMutex();

/// Orders a continuation attached to a pool's QFuture (`then()` with a context) before the
/// dispatcher finishes that future, in ThreadSanitizer builds; elsewhere it is nothing.
///
/// Qt stores a continuation and runs it under QFutureInterface's own QMutex, which the
/// sanitizer cannot see through in an uninstrumented Qt: the closure written in the
/// caller's thread and read in the dispatcher's would be a reported race whenever the
/// dispatcher finishes the future right after it is attached. Both sides hold one of
/// these instead: the caller from submitting the call to attaching the continuation, the
/// dispatcher while it completes or fails a call.
class ContinuationOrder
{
#ifdef JOBPOOL_THREAD_SANITIZER
public:
    ContinuationOrder()
        : m_lock(continuationOrderMutex())
    {}

private:
    std::lock_guard<std::mutex> m_lock;
#else
public:
    ContinuationOrder()
    {} // nothing to order; user-provided, so a local one is not "unused"
#endif
};

/// Calls \a fn in the thread of \a receiver, through its event queue.
///
/// Qt's queue already orders everything the poster did before the call, but it does so
/// with QMutex, a bare futex that ThreadSanitizer cannot see through in an uninstrumented
/// Qt; the closure written here and read there would then be a reported race. The post
/// therefore happens under a real mutex that the call takes before it touches anything:
/// it cannot run before the post returns, and the sanitizer sees that order. Posts are
/// rare (a worker started or killed, a change to announce), so the lock costs nothing.
template<typename Fn>
void postTo(QObject *receiver, Fn &&fn)
{
    std::lock_guard posting(postOrderMutex());
    QMetaObject::invokeMethod(
        receiver,
        [fn = std::forward<Fn>(fn)]() mutable {
            {
                std::lock_guard posted(postOrderMutex());
            }
            fn();
        },
        Qt::QueuedConnection);
}

} // namespace jobpool::detail
