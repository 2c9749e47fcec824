// SPDX-License-Identifier: GPL-3.0-or-later
#include "../ipc/sanitizer.h"

#include <jobpool/errors.h>
#include <jobpool/lock.h>

#include <atomic>
#include <cerrno>
#include <ctime>

#include <pthread.h>

namespace jobpool {

struct Lock::State
{
    pthread_mutex_t mutex;
    std::atomic<int> ownerDied{0};
};

namespace detail {
namespace {

/// A robust, process-shared mutex: a holder's death hands it to the next acquirer.
void initialiseSharedMutex(void *memory, bool recursive)
{
    pthread_mutexattr_t attr;
    pthread_mutexattr_init(&attr);
    pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
    pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST);
    if (recursive)
        pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
    pthread_mutex_init(static_cast<pthread_mutex_t *>(memory), &attr);
    pthread_mutexattr_destroy(&attr);
}

int lockSharedMutex(void *memory, std::chrono::milliseconds timeout)
{
    auto *mutex = static_cast<pthread_mutex_t *>(memory);
    int rc;
    if (timeout.count() < 0) {
        rc = pthread_mutex_lock(mutex);
    } else if (timeout.count() == 0) {
        rc = pthread_mutex_trylock(mutex);
        if (rc == EBUSY)
            rc = ETIMEDOUT;
    } else {
        timespec deadline{};
        clock_gettime(CLOCK_MONOTONIC, &deadline);
        deadline.tv_sec += time_t(timeout.count() / 1000);
        deadline.tv_nsec += long(timeout.count() % 1000) * 1000000;
        if (deadline.tv_nsec >= 1000000000) {
            ++deadline.tv_sec;
            deadline.tv_nsec -= 1000000000;
        }
#ifdef JOBPOOL_THREAD_SANITIZER
        // ThreadSanitizer does not intercept pthread_mutex_clocklock, so a lock taken with
        // it would look never taken; the wall-clock variant it does see serves its builds.
        timespec now{};
        clock_gettime(CLOCK_REALTIME, &now);
        timespec monotonic{};
        clock_gettime(CLOCK_MONOTONIC, &monotonic);
        deadline.tv_sec += now.tv_sec - monotonic.tv_sec;
        deadline.tv_nsec += now.tv_nsec - monotonic.tv_nsec;
        if (deadline.tv_nsec >= 1000000000) {
            ++deadline.tv_sec;
            deadline.tv_nsec -= 1000000000;
        } else if (deadline.tv_nsec < 0) {
            --deadline.tv_sec;
            deadline.tv_nsec += 1000000000;
        }
        rc = pthread_mutex_timedlock(mutex, &deadline);
#else
        rc = pthread_mutex_clocklock(mutex, CLOCK_MONOTONIC, &deadline);
#endif
    }
    if (rc == EOWNERDEAD) {
        // The holder died inside its critical section: we hold the lock now; mark it
        // usable again and tell the caller.
        pthread_mutex_consistent(mutex);
        return EOWNERDEAD;
    }
    if (rc != 0 && rc != ETIMEDOUT)
        throw PoolError(QStringLiteral("lock: error %1").arg(rc));
    return rc;
}

void unlockSharedMutex(void *memory)
{
    pthread_mutex_unlock(static_cast<pthread_mutex_t *>(memory));
}

} // namespace

std::size_t lockStateSize()
{
    return sizeof(Lock::State);
}

void initialiseLockState(void *memory, bool recursive)
{
    auto *state = new (memory) Lock::State;
    initialiseSharedMutex(&state->mutex, recursive);
}

int releaseAllLevels(Lock &lock)
{
    // A robust mutex refuses an unlock from a thread that does not own it (EPERM), so
    // unlocking until that happens releases exactly the levels this thread held.
    auto *mutex = &static_cast<Lock::State *>(lock.block()->data())->mutex;
    int levels = 0;
    while (pthread_mutex_unlock(mutex) == 0)
        ++levels;
    return levels;
}

void reacquireLevels(Lock &lock, int levels)
{
    if (levels <= 0)
        return;
    lock.acquire();
    // The further levels of an RLock this thread now holds: they leave ownerDied() as the
    // first acquire() set it.
    auto *mutex = &static_cast<Lock::State *>(lock.block()->data())->mutex;
    for (int i = 1; i < levels; ++i)
        pthread_mutex_lock(mutex);
}

} // namespace detail

Lock::Lock()
    : Lock(Kind::Plain)
{}

Lock::Lock(Kind kind)
    : m_block(detail::SharedBlock::create(sizeof(State)))
{
    detail::initialiseLockState(m_block->data(), kind == Kind::Recursive);
}

Lock::Lock(std::shared_ptr<detail::SharedBlock> block)
    : m_block(std::move(block))
{
    if (!m_block || m_block->size() < sizeof(State))
        throw ProtocolError(QStringLiteral("a lock handle names a block too small for a lock"));
}

bool Lock::acquire(std::chrono::milliseconds timeout)
{
    auto *state = static_cast<State *>(m_block->data());
    const int rc = detail::lockSharedMutex(&state->mutex, timeout);
    if (rc == ETIMEDOUT)
        return false;
    state->ownerDied.store(rc == EOWNERDEAD ? 1 : 0, std::memory_order_relaxed);
    return true;
}

void Lock::release()
{
    detail::unlockSharedMutex(&static_cast<State *>(m_block->data())->mutex);
}

bool Lock::ownerDied() const
{
    return static_cast<State *>(m_block->data())->ownerDied.load(std::memory_order_relaxed) != 0;
}

RLock::RLock()
    : Lock(Kind::Recursive)
{}

} // namespace jobpool
