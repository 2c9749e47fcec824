// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <jobpool/lock.h>

#include <atomic>
#include <mutex>
#include <type_traits>

namespace jobpool {

namespace detail {
/// Where the payload of a Value or an Array starts in its block, after the lock state.
inline std::size_t payloadOffset()
{
    return (lockStateSize() + 63) & ~std::size_t(63);
}
} // namespace detail

/// One value in shared memory, the twin of multiprocessing.Value: pass it to a Process or
/// a pool task and every process sees the same value. load() and store() are each atomic;
/// a read-modify-write needs lock(), a recursive lock that belongs to the value.
///
/// \code
/// jobpool::Value<int> num(5);
/// jobpool::Process p(addTen, num);   // the child does num.store(num.load() + 10)
/// p.start(); p.join();               // num.load() == 15
/// \endcode
template<class T>
class Value
{
    static_assert(std::is_trivially_copyable_v<T> && !std::is_pointer_v<T>,
                  "jobpool::Value holds plain data only");

public:
    explicit Value(T initial = T{})
        : m_block(detail::SharedBlock::create(detail::payloadOffset() + sizeof(T)))
    {
        detail::initialiseLockState(m_block->data(), true);
        new (slot()) T(initial);
    }
    /// For Codec: the value behind a handle.
    explicit Value(std::shared_ptr<detail::SharedBlock> block)
        : m_block(std::move(block))
    {
        if (!m_block || m_block->size() != detail::payloadOffset() + sizeof(T))
            throw ProtocolError(QStringLiteral("a Value handle names a block of the wrong size"));
    }

    T load() const
    {
        if constexpr (kLockFree) {
            return std::atomic_ref<T>(*slot()).load();
        } else {
            std::lock_guard locked(m_lock);
            return *slot();
        }
    }
    void store(T value)
    {
        if constexpr (kLockFree) {
            std::atomic_ref<T>(*slot()).store(value);
        } else {
            std::lock_guard locked(m_lock);
            *slot() = value;
        }
    }
    /// The value's own lock (recursive, robust), for read-modify-write sequences.
    RLock &lock() const { return m_lock; }

    const std::shared_ptr<detail::SharedBlock> &block() const { return m_block; }

private:
    static constexpr bool kLockFree = std::atomic_ref<T>::is_always_lock_free;
    T *slot() const
    {
        return reinterpret_cast<T *>(static_cast<char *>(m_block->data())
                                     + detail::payloadOffset());
    }
    std::shared_ptr<detail::SharedBlock> m_block;
    mutable RLock m_lock{m_block}; ///< a handle to the lock at the start of the block
};

} // namespace jobpool
