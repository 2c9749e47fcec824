// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QByteArrayView>

#include <atomic>
#include <cstdint>

namespace jobpool::ipc {

/// The two counters of a single-producer single-consumer byte ring in shared memory.
/// Each only ever grows; a position in the data area is the counter modulo the capacity.
struct RingControl
{
    alignas(64) std::atomic<std::uint64_t> head{0}; ///< bytes published by the producer
    alignas(64) std::atomic<std::uint64_t> tail{0}; ///< bytes released by the consumer
};

/// Messages cross a ring as fragments: an 8-byte header, then the payload padded to 8
/// bytes. A message that fits travels as one fragment, so that the consumer can decode
/// it in place; a larger one is streamed through in pieces while the consumer drains.
struct FragmentHeader
{
    std::uint32_t size;
    std::uint32_t flags;
};
enum FragmentFlag : std::uint32_t { FirstFragment = 1, LastFragment = 2, Padding = 4 };

/// The producing end. Never blocks: write() stores what fits and says how far it got.
/// The peer's tail is not trusted: a value that makes no sense throws ProtocolError.
class RingWriter
{
public:
    RingWriter() = default;
    RingWriter(RingControl *control, char *data, std::uint64_t capacity);

    /// Writes \a message from byte \a offset on, as far as the ring has room; returns the
    /// new offset (== size once all of it is in). Publishes what it wrote.
    qsizetype write(QByteArrayView message, qsizetype offset);
    /// The largest message that travels as a single fragment.
    qsizetype singleFragmentLimit() const
    {
        return qsizetype(m_capacity / 2 - sizeof(FragmentHeader));
    }
    /// True when everything written has been released by the consumer.
    bool drained() const;

private:
    RingControl *m_control = nullptr;
    char *m_data = nullptr;
    std::uint64_t m_capacity = 0;
    std::uint64_t m_head = 0;
    /// The consumer's position as last read: read again only when it leaves too little
    /// room, so that a streaming producer does not pull the consumer's cache line back
    /// for every message.
    std::uint64_t m_tail = 0;
};

/// The consuming end: reassembles fragments into whole messages.
class RingReader
{
public:
    RingReader() = default;
    RingReader(RingControl *control, char *data, std::uint64_t capacity, qsizetype maxMessageSize);

    /// True when a whole message is ready: \a message then views it (in the ring itself, or
    /// in the reassembly buffer) until release(). Throws ProtocolError on garbage.
    bool next(QByteArrayView &message);
    /// Gives the space of the message returned by next() back to the producer.
    void release();
    /// True when the producer has published bytes not consumed yet.
    bool hasData() const;
    /// True when space was given back since the last call: the producer may be waiting
    /// for it, also in the middle of a message that is still being reassembled.
    bool takeReleased()
    {
        const bool released = m_released;
        m_released = false;
        return released;
    }

private:
    bool peek(FragmentHeader &header, const char *&payload);
    void consume(const FragmentHeader &header);

    RingControl *m_control = nullptr;
    char *m_data = nullptr;
    std::uint64_t m_capacity = 0;
    std::uint64_t m_tail = 0;
    /// The producer's position as last read: read again only once everything before it
    /// is consumed (the same reason as RingWriter::m_tail).
    std::uint64_t m_head = 0;
    qsizetype m_maxMessageSize = 0;
    QByteArray m_assembly;
    bool m_assembling = false;
    bool m_holding = false; ///< next() returned a message not released yet
    FragmentHeader m_heldHeader{0, 0};
    bool m_heldInPlace = false;
    bool m_released = false;
};

} // namespace jobpool::ipc
