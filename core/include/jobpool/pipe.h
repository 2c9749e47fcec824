// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <jobpool/encodingbuffer.h>
#include <jobpool/sharedblock.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <tuple>
#include <type_traits>
#include <utility>

namespace jobpool {

namespace detail {

/// One end of a pipe as this process uses it, on encoded bytes: the shared block (a
/// header, then one single-producer single-consumer ring of fragments per direction, each
/// with a futex doorbell for data and one for room), and this process's reader and writer.
class PipeChannel
{
public:
    /// A new pipe's two ends, in Pipe::create()'s order; both belong to this process.
    static std::pair<std::shared_ptr<PipeChannel>, std::shared_ptr<PipeChannel>>
    create(bool duplex);
    /// End \a side of the pipe in \a block, handed to this process, which now owns it.
    PipeChannel(std::shared_ptr<SharedBlock> block, std::uint32_t side);
    ~PipeChannel();
    PipeChannel(const PipeChannel &) = delete;
    PipeChannel &operator=(const PipeChannel &) = delete;

    void send(QByteArrayView message);
    /// True with \a message viewing the next whole message until release(); false when
    /// none came within \a timeout, or the other end is closed and nothing is left.
    bool receive(QByteArrayView &message, std::chrono::milliseconds timeout);
    void release();
    bool poll(std::chrono::milliseconds timeout);
    void close();
    bool isClosed() const;

    const std::shared_ptr<SharedBlock> &block() const;
    std::uint32_t side() const;

private:
    struct Private;
    std::unique_ptr<Private> d;
};

} // namespace detail

/// One end of a Pipe. Copies are handles to the same end; pass an end to a Process or a
/// pool task and that process owns it from then on.
///
/// Each direction has one sender and one receiver at a time (as with Python's
/// Connection, two processes reading the same end get garbage, here ProtocolError); one
/// thread may send while another receives on the same end of a duplex pipe.
///
/// **Closing.** close() closes the end for every process that holds it (there are no
/// per-process copies to close, unlike Python's descriptors: do not close an end you
/// handed to another process). The end also counts as closed once the process that owns
/// it has ended — the one it was last handed to, or its creator — which the other end
/// notices within 100 ms. Then recv() returns what was sent before, then std::nullopt
/// at once; send() throws PoolError (at once after close(); once the pipe is full when
/// the owner just died). A message only partly sent by a process that died is never
/// received. An end whose owner lives on (a pool worker after its task) stays open
/// until it is closed.
template<class T>
class PipeEnd
{
    static_assert(!std::is_same_v<T, std::tuple<>>, "jobpool::Pipe: messages need a value");

public:
    /// For Pipe::create() and Codec.
    explicit PipeEnd(std::shared_ptr<detail::PipeChannel> channel)
        : m_channel(std::move(channel))
    {}

    /// Sends \a value, waiting while the pipe is full. Throws PoolError on the receiving
    /// end of a one-way pipe, on a closed end, and when the other end is closed.
    void send(const T &value)
    {
        detail::EncodingBuffer buffer;
        Encoder out(buffer.bytes());
        out.write(value);
        m_channel->send(buffer.bytes());
    }
    /// The next value, waiting at most \a timeout (negative: for ever); std::nullopt when
    /// none came in time, or the other end is closed and everything sent was received.
    /// Throws PoolError on the sending end of a one-way pipe and on a closed end.
    std::optional<T> recv(std::chrono::milliseconds timeout = std::chrono::milliseconds(-1))
    {
        QByteArrayView message;
        if (!m_channel->receive(message, timeout))
            return std::nullopt;
        const Release release{*m_channel};
        Decoder in(message);
        std::optional<T> value(in.read<T>());
        if (!in.atEnd())
            throw ProtocolError(
                QStringLiteral("a pipe message of %1 bytes is not of the pipe's type")
                    .arg(message.size()));
        return value;
    }
    /// Whether recv() would return at once: a message is there, or the other end is
    /// closed. Waits at most \a timeout for it (negative: for ever; 0, as in Python: not).
    bool poll(std::chrono::milliseconds timeout = std::chrono::milliseconds(0))
    {
        return m_channel->poll(timeout);
    }
    /// Closes this end for every process: see the class description.
    void close() { m_channel->close(); }
    bool isClosed() const { return m_channel->isClosed(); }

    const detail::PipeChannel &channel() const { return *m_channel; }

private:
    struct Release
    {
        detail::PipeChannel &channel;
        ~Release() { channel.release(); }
    };
    std::shared_ptr<detail::PipeChannel> m_channel;
};

/// A two-way (or one-way) connection between two processes, the twin of
/// multiprocessing.Pipe: what one end sends, the other receives, in order. Lighter than a
/// Queue for one sender and one receiver: no lock, a ring of shared memory per direction,
/// and a futex the receiver sleeps on only after a few microseconds without data.
///
/// \code
/// void sender(jobpool::PipeEnd<QString> conn)
/// {
///     conn.send(QStringLiteral("hello"));
///     conn.close();
/// }
///
/// auto [parentEnd, childEnd] = jobpool::Pipe<QString>::create();
/// jobpool::Process p(sender, childEnd);
/// p.start();
/// while (std::optional<QString> message = parentEnd.recv())   // until childEnd closes
///     qDebug() << *message;
/// \endcode
template<class T>
class Pipe
{
public:
    Pipe() = delete;

    /// A new pipe's two ends. With \a duplex false, the first end only receives and the
    /// second only sends (Python's order); using an end the wrong way throws PoolError.
    static std::pair<PipeEnd<T>, PipeEnd<T>> create(bool duplex = true)
    {
        auto [first, second] = detail::PipeChannel::create(duplex);
        return {PipeEnd<T>(std::move(first)), PipeEnd<T>(std::move(second))};
    }
};

/// A pipe end travels as a handle to its pipe and which end it is.
template<class T>
struct Codec<PipeEnd<T>>
{
    static void encode(Encoder &out, const PipeEnd<T> &end)
    {
        end.channel().block()->encode(out);
        out.write(end.channel().side());
    }
    static PipeEnd<T> decode(Decoder &in)
    {
        std::shared_ptr<detail::SharedBlock> block = detail::SharedBlock::decode(in);
        const auto side = in.read<std::uint32_t>();
        return PipeEnd<T>(std::make_shared<detail::PipeChannel>(std::move(block), side));
    }
};

} // namespace jobpool
