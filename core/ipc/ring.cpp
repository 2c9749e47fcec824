// SPDX-License-Identifier: GPL-3.0-or-later
#include "ring.h"

#include <jobpool/errors.h>

#include <algorithm>
#include <cstring>

namespace jobpool::ipc {
namespace {

constexpr std::uint64_t kHeader = sizeof(FragmentHeader);

constexpr std::uint64_t align8(std::uint64_t n)
{
    return (n + 7) & ~std::uint64_t(7);
}

[[noreturn]] void corrupt(const char *what)
{
    throw ProtocolError(QStringLiteral("corrupt ring: %1").arg(QLatin1String(what)));
}

} // namespace

RingWriter::RingWriter(RingControl *control, char *data, std::uint64_t capacity)
    : m_control(control)
    , m_data(data)
    , m_capacity(capacity)
    , m_head(control->head.load(std::memory_order_relaxed))
    , m_tail(control->tail.load(std::memory_order_acquire))
{}

bool RingWriter::drained() const
{
    return m_control->tail.load(std::memory_order_acquire) == m_head;
}

qsizetype RingWriter::write(QByteArrayView message, qsizetype offset)
{
    const std::uint64_t start = m_head;
    const bool wholeFits = offset == 0 && message.size() <= singleFragmentLimit();
    while (offset < message.size() || (offset == 0 && message.isEmpty())) {
        const std::uint64_t pos = m_head & (m_capacity - 1);
        const std::uint64_t contiguous = m_capacity - pos;
        const std::uint64_t remaining = std::uint64_t(message.size() - offset);
        if (m_capacity - (m_head - m_tail) < contiguous + kHeader + align8(remaining)) {
            const std::uint64_t tail = m_control->tail.load(std::memory_order_acquire);
            if (tail > m_head || m_head - tail > m_capacity || tail < m_tail)
                corrupt("consumer position out of range");
            m_tail = tail;
        }
        const std::uint64_t free = m_capacity - (m_head - m_tail);

        // Keep a message that fits in one fragment whole: pad to the end and wrap.
        const std::uint64_t needed = kHeader + align8(remaining);
        if ((wholeFits && contiguous < needed) || contiguous < kHeader + 8) {
            if (free < contiguous + (wholeFits ? needed : kHeader + 8))
                break;
            FragmentHeader pad{std::uint32_t(contiguous - kHeader), Padding};
            std::memcpy(m_data + pos, &pad, kHeader);
            m_head += contiguous;
            continue;
        }
        if (free < kHeader + 8)
            break;
        const std::uint64_t room = std::min(contiguous, free) - kHeader;
        const std::uint64_t chunk = std::min(remaining, room & ~std::uint64_t(7));
        if (chunk == 0 && remaining > 0)
            break;
        if (wholeFits && chunk < remaining)
            break; // wait for room rather than split a message that could stay whole

        std::uint32_t flags = 0;
        if (offset == 0)
            flags |= FirstFragment;
        if (chunk == remaining)
            flags |= LastFragment;
        FragmentHeader header{std::uint32_t(chunk), flags};
        std::memcpy(m_data + pos, &header, kHeader);
        std::memcpy(m_data + pos + kHeader, message.data() + offset, chunk);
        m_head += kHeader + align8(chunk);
        offset += qsizetype(chunk);
        if (message.isEmpty())
            break;
    }
    if (m_head != start)
        m_control->head.store(m_head, std::memory_order_release);
    return offset;
}

RingReader::RingReader(RingControl *control, char *data, std::uint64_t capacity,
                       qsizetype maxMessageSize)
    : m_control(control)
    , m_data(data)
    , m_capacity(capacity)
    , m_tail(control->tail.load(std::memory_order_relaxed))
    , m_head(m_tail)
    , m_maxMessageSize(maxMessageSize)
{}

bool RingReader::hasData() const
{
    return m_head != m_tail || m_control->head.load(std::memory_order_acquire) != m_tail;
}

bool RingReader::peek(FragmentHeader &header, const char *&payload)
{
    for (;;) {
        if (m_head == m_tail) {
            const std::uint64_t head = m_control->head.load(std::memory_order_acquire);
            if (head == m_tail)
                return false;
            if (head < m_tail || head - m_tail > m_capacity || ((head - m_tail) & 7) != 0)
                corrupt("producer position out of range");
            m_head = head;
        }
        const std::uint64_t head = m_head;
        const std::uint64_t pos = m_tail & (m_capacity - 1);
        std::memcpy(&header, m_data + pos, kHeader);
        const std::uint64_t span = kHeader + align8(header.size);
        if (span > m_capacity - pos || span > head - m_tail)
            corrupt("fragment larger than what was published");
        if (header.flags & Padding) {
            if (header.flags != Padding)
                corrupt("bad fragment flags");
            consume(header);
            continue;
        }
        if ((header.flags & ~std::uint32_t(FirstFragment | LastFragment)) != 0)
            corrupt("bad fragment flags");
        payload = m_data + pos + kHeader;
        return true;
    }
}

void RingReader::consume(const FragmentHeader &header)
{
    m_tail += kHeader + align8(header.size);
    m_control->tail.store(m_tail, std::memory_order_release);
    m_released = true;
}

bool RingReader::next(QByteArrayView &message)
{
    Q_ASSERT(!m_holding);
    FragmentHeader header{};
    const char *payload = nullptr;
    while (peek(header, payload)) {
        const bool first = header.flags & FirstFragment;
        const bool last = header.flags & LastFragment;
        if (first == m_assembling)
            corrupt(first ? "new message inside another" : "fragment without a message");
        if (first && last) {
            if (qsizetype(header.size) > m_maxMessageSize)
                corrupt("message too large");
            message = QByteArrayView(payload, header.size);
            m_holding = true;
            m_heldInPlace = true;
            m_heldHeader = header;
            return true;
        }
        if (first) {
            m_assembling = true;
            m_assembly.resize(0);
        }
        if (m_assembly.size() + qsizetype(header.size) > m_maxMessageSize)
            corrupt("message too large");
        m_assembly.append(payload, header.size);
        consume(header);
        if (last) {
            m_assembling = false;
            message = QByteArrayView(m_assembly);
            m_holding = true;
            m_heldInPlace = false;
            return true;
        }
    }
    return false;
}

void RingReader::release()
{
    Q_ASSERT(m_holding);
    m_holding = false;
    if (m_heldInPlace)
        consume(m_heldHeader);
    else if (m_assembly.capacity() > 64 * 1024 * 1024)
        m_assembly = QByteArray(); // do not keep a huge buffer for ever
}

} // namespace jobpool::ipc
