// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <jobpool/value.h>

#include <QList>

#include <cstring>
#include <initializer_list>
#include <span>

namespace jobpool {

/// A fixed-size array in shared memory, the twin of multiprocessing.Array: pass it to a
/// Process or a pool task and every process works on the same elements, in place.
///
/// \code
/// jobpool::Array<double> samples(1 << 20);          // zero-filled
/// pool.apply(fill, samples, 1.5);                    // a worker writes all of it
/// double first = samples[0];                         // 1.5
/// \endcode
template<class T>
class Array
{
    static_assert(std::is_trivially_copyable_v<T> && !std::is_pointer_v<T>,
                  "jobpool::Array holds plain data only");

public:
    /// \a count zero-filled elements.
    explicit Array(qsizetype count)
        : m_block(
            detail::SharedBlock::create(detail::payloadOffset() + sizeof(qint64)
                                        + std::size_t(std::max<qsizetype>(count, 0)) * sizeof(T)))
    {
        detail::initialiseLockState(m_block->data(), true);
        *countSlot() = std::max<qsizetype>(count, 0);
    }
    Array(std::initializer_list<T> values)
        : Array(qsizetype(values.size()))
    {
        std::copy(values.begin(), values.end(), data());
    }
    explicit Array(const QList<T> &values)
        : Array(values.size())
    {
        std::copy(values.begin(), values.end(), data());
    }
    /// For Codec: the array behind a handle.
    explicit Array(std::shared_ptr<detail::SharedBlock> block)
        : m_block(std::move(block))
    {
        const std::size_t header = detail::payloadOffset() + sizeof(qint64);
        if (!m_block || m_block->size() < header || *countSlot() < 0
            || m_block->size() - header != std::size_t(*countSlot()) * sizeof(T))
            throw ProtocolError(QStringLiteral("an Array handle names a block of the wrong size"));
    }

    qsizetype size() const { return *countSlot(); }
    T *data() const
    {
        return reinterpret_cast<T *>(reinterpret_cast<char *>(countSlot()) + sizeof(qint64));
    }
    T &operator[](qsizetype i) const { return data()[i]; }
    std::span<T> span() const { return {data(), std::size_t(size())}; }
    QList<T> toList() const { return QList<T>(data(), data() + size()); }
    /// The array's own lock (recursive, robust).
    RLock &lock() const { return m_lock; }

    const std::shared_ptr<detail::SharedBlock> &block() const { return m_block; }

private:
    qint64 *countSlot() const
    {
        return reinterpret_cast<qint64 *>(static_cast<char *>(m_block->data())
                                          + detail::payloadOffset());
    }
    std::shared_ptr<detail::SharedBlock> m_block;
    mutable RLock m_lock{m_block}; ///< a handle to the lock at the start of the block
};

} // namespace jobpool
