// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <jobpool/codec.h>

#include <QByteArray>
#include <QByteArrayView>
#include <QDataStream>
#include <QVariant>

#include <chrono>
#include <cstdint>
#include <cstring>

/// \file
/// What a Manager and its clients say to each other over the Unix socket.
///
/// Every message is a frame: a FrameHeader, then `length` bytes of body. A request body is
/// the object's id (u32), the operation (u8) and the operation's arguments; a reply body
/// is a Status (u8) and then the results, or an error text. Bodies are written with
/// codec.h's Encoder (every count is checked against the bytes left when read back);
/// values are opaque to the server: each is a QVariant written with QDataStream by the
/// client that stores it and read back only by the clients that fetch it.

namespace jobpool::detail::manager {

struct FrameHeader
{
    std::uint32_t magic;
    std::uint32_t length; ///< of the body that follows
};

constexpr std::uint32_t kFrameMagic = 0x314d504a; // "JPM1" in memory order
/// The largest body either side accepts. A longer frame is not read: the server drops the
/// client that sent it; a request or reply that would be longer fails with an error.
constexpr std::uint32_t kMaxFrame = 64u << 20;
/// How long a client waits for the manager to take a request and answer it. It only
/// matters for a manager that is alive but stuck; a manager that is gone closes the
/// socket, and the client learns at once.
constexpr std::chrono::seconds kCallTimeout{60};

enum class Status : std::uint8_t { Ok = 0, Error = 1 };

/// Operations; the comment says what follows the request header / the Ok status.
enum class Op : std::uint8_t {
    // Dictionary (and Namespace, where marked)
    Value = 1,  ///< key → found (u8) [value]                               (namespace too)
    Insert,     ///< key, value →                                           (namespace too)
    InsertMany, ///< count, (key, value)… →
    Remove,     ///< key → removed (i64)                                    (namespace too)
    Take,       ///< key → found (u8) [value]
    Contains,   ///< key → (u8)                                             (namespace too)
    Keys,       ///< → count, key…
    Values,     ///< → count, value…
    Increment,  ///< key, delta (i64) → sum (i64)
    SetDefault, ///< key, value → value
    // Both
    Size = 32, ///< → (i64)
    Snapshot,  ///< → count, (key, value)… for a dict/namespace; count, value… for a list
    Clear,     ///< →
    // List
    Append = 64, ///< value →
    At,          ///< index (i64) → value
    Replace,     ///< index (i64), value →
    RemoveAt,    ///< index (i64) →
};

inline void writeBytes(Encoder &out, QByteArrayView bytes)
{
    out.writeSize(bytes.size());
    out.writeRaw(bytes.data(), bytes.size());
}

/// The next length-prefixed bytes, as a view into the decoder's buffer.
inline QByteArrayView readBytes(Decoder &in)
{
    const qsizetype n = in.readCount(1);
    return QByteArrayView(in.take(n), n);
}

/// Starts a frame in the empty buffer of \a out: room for the header sealFrame() fills in.
inline void beginFrame(Encoder &out)
{
    std::memset(out.grow(sizeof(FrameHeader)), 0, sizeof(FrameHeader));
}

/// Writes the header of the frame that \a bytes holds; false when its body is longer than
/// kMaxFrame, which the other side would refuse.
inline bool sealFrame(QByteArray &bytes)
{
    const qsizetype body = bytes.size() - qsizetype(sizeof(FrameHeader));
    if (body < 0 || body > qsizetype(kMaxFrame))
        return false;
    const FrameHeader header{kFrameMagic, std::uint32_t(body)};
    std::memcpy(bytes.data(), &header, sizeof header);
    return true;
}

/// A value as it travels and as the server keeps it. Throws PoolError for a type that
/// QDataStream cannot write.
inline QByteArray encodeValue(const QVariant &value)
{
    QByteArray bytes;
    QDataStream stream(&bytes, QIODevice::WriteOnly);
    stream << value;
    if (stream.status() != QDataStream::Ok)
        throw PoolError(QStringLiteral("a %1 cannot be stored in a Manager: QDataStream cannot "
                                       "write it")
                            .arg(QLatin1String(value.metaType().name())));
    return bytes;
}

/// The value in \a bytes; throws ProtocolError when they are not one whole QVariant.
inline QVariant decodeValue(QByteArrayView bytes)
{
    QDataStream stream(QByteArray::fromRawData(bytes.data(), bytes.size()));
    QVariant value;
    stream >> value;
    if (stream.status() != QDataStream::Ok || !stream.atEnd())
        throw ProtocolError(QStringLiteral("a managed value that QDataStream cannot read"));
    return value;
}

} // namespace jobpool::detail::manager
