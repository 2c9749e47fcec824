// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>

namespace jobpool::detail {

/// The calling thread's buffer to encode one message into, for Queue::put() and
/// PipeEnd::send(): sending a small value allocates nothing, and the buffer of a large one
/// is freed once it is sent.
class EncodingBuffer
{
public:
    EncodingBuffer()
        : m_bytes(threadBuffer())
    {
        m_bytes.resize(0); // keeps the capacity
    }
    ~EncodingBuffer()
    {
        if (m_bytes.capacity() > KeptCapacity)
            m_bytes = QByteArray();
    }
    EncodingBuffer(const EncodingBuffer &) = delete;
    EncodingBuffer &operator=(const EncodingBuffer &) = delete;

    QByteArray &bytes() { return m_bytes; }

private:
    static constexpr qsizetype KeptCapacity = 64 * 1024;
    static QByteArray &threadBuffer()
    {
        thread_local QByteArray buffer;
        return buffer;
    }
    QByteArray &m_bytes;
};

} // namespace jobpool::detail
