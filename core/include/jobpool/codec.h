// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <jobpool/errors.h>

#include <QByteArray>
#include <QDataStream>
#include <QIODevice>
#include <QJsonArray>
#include <QJsonObject>
#include <QJsonValue>
#include <QList>
#include <QString>
#include <QVariant>

#include <algorithm>
#include <concepts>
#include <cstring>
#include <optional>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

/// \file
/// How task arguments and results become bytes in shared memory and back.
///
/// Trivially copyable values, and contiguous lists of them, are copied as raw bytes (the
/// fast path: one memcpy for a whole QList<int>). Strings and byte arrays are a length and
/// their bytes. Lists, pairs and tuples are encoded element by element. QVariant, the
/// QJson types and any user type with QDataStream operators go through QDataStream.
/// Both ends are the same program or built from the same sources, so no versioning or
/// byte-order conversion happens.

namespace jobpool {

/// Appends encoded values to a byte buffer: a QByteArray that grows, or a fixed region
/// of memory (shared memory a worker reads in place) that throws ProtocolError when full.
class Encoder
{
public:
    explicit Encoder(QByteArray &buffer)
        : m_array(&buffer)
        , m_data(buffer.data())
        , m_size(buffer.size())
        , m_capacity(buffer.size())
    {}
    /// Encodes into \a region; a message that outgrows it moves on into \a spill, or
    /// without one throws ProtocolError.
    Encoder(char *region, qsizetype capacity, QByteArray *spill = nullptr)
        : m_data(region)
        , m_capacity(capacity)
        , m_spill(spill)
    {}

    void writeRaw(const void *data, qsizetype size)
    {
        if (size > 0) // an empty QList has no data pointer at all
            std::memcpy(grow(size), data, size_t(size));
    }
    /// Room for \a size bytes at the end; returns where to write them.
    char *grow(qsizetype size)
    {
        if (m_capacity - m_size < size)
            reserve(size);
        char *at = m_data + m_size;
        m_size += size;
        if (m_array)
            m_array->resize(m_size); // within capacity: no allocation
        return at;
    }
    void writeSize(qsizetype n) { writeRaw(&n, sizeof n); }
    /// Bytes written so far (for a QByteArray, including what it held before).
    qsizetype size() const { return m_size; }
    const char *data() const { return m_data; }
    /// Where byte \a offset was written (valid until the next write).
    char *at(qsizetype offset) { return m_data + offset; }
    /// Drops everything written after the first \a size bytes.
    void truncate(qsizetype size)
    {
        m_size = std::min(m_size, size);
        if (m_array)
            m_array->resize(m_size);
    }

    template<class T>
    void write(const T &value);

private:
    void reserve(qsizetype extra)
    {
        if (!m_array && m_spill) {
            m_spill->resize(m_size);
            std::memcpy(m_spill->data(), m_data, size_t(m_size));
            m_array = std::exchange(m_spill, nullptr);
        }
        if (!m_array)
            throw ProtocolError(
                QStringLiteral("message larger than its %1-byte region").arg(m_capacity));
        m_array->reserve(std::max(m_size + extra, 2 * m_capacity));
        m_array->resize(m_size);
        m_data = m_array->data();
        m_capacity = m_array->capacity();
    }

    QByteArray *m_array = nullptr;
    char *m_data;
    qsizetype m_size = 0;
    qsizetype m_capacity;
    QByteArray *m_spill = nullptr;
};

/// Reads encoded values from a byte range. Never reads past the end: a short or
/// malformed buffer throws ProtocolError instead.
class Decoder
{
public:
    Decoder(const char *data, qsizetype size)
        : m_data(data)
        , m_end(data + size)
    {}
    explicit Decoder(QByteArrayView bytes)
        : Decoder(bytes.data(), bytes.size())
    {}

    qsizetype remaining() const { return m_end - m_data; }
    bool atEnd() const { return m_data == m_end; }

    /// Returns the next \a size bytes and steps over them.
    const char *take(qsizetype size)
    {
        if (size < 0 || size > remaining())
            throw ProtocolError(QStringLiteral("truncated value: %1 bytes wanted, %2 left")
                                    .arg(size)
                                    .arg(remaining()));
        const char *at = m_data;
        m_data += size;
        return at;
    }
    /// The next \a count elements of \a elementSize bytes, checked before multiplying, so
    /// that a hostile count can neither overflow nor reach past the end.
    const char *takeArray(qsizetype count, qsizetype elementSize)
    {
        if (count < 0 || (elementSize > 0 && count > remaining() / elementSize))
            throw ProtocolError(QStringLiteral("bad element count %1").arg(count));
        return take(count * elementSize);
    }
    void readRaw(void *to, qsizetype size)
    {
        const char *from = take(size);
        if (size > 0)
            std::memcpy(to, from, size_t(size));
    }
    /// A count of elements of \a elementSize bytes each, checked against what is left so
    /// that a hostile length cannot make the reader allocate without bound.
    qsizetype readCount(qsizetype elementSize)
    {
        qsizetype n = 0;
        readRaw(&n, sizeof n);
        if (n < 0 || (elementSize > 0 && n > remaining() / elementSize))
            throw ProtocolError(QStringLiteral("bad element count %1").arg(n));
        return n;
    }

    template<class T>
    T read();

private:
    const char *m_data;
    const char *m_end;
};

namespace detail {

/// Byte arrays this large travel with room for a header before their bytes, so that a
/// receiver can lend them out of shared memory in place instead of copying them.
constexpr qsizetype kLendableSize = qsizetype(1) << 20;
constexpr qsizetype kLendHeaderSpace = 16;

/// The \a size bytes at \a data as a QByteArray that uses them in place, when they lie in
/// a message this thread is decoding out of a bulk region (see core/ipc/bulk.h).
std::optional<QByteArray> lendBytes(const char *data, qsizetype size);

/// Asks the kernel to back a large fresh buffer with huge pages before it is written:
/// filling 64 MiB then costs 32 page faults instead of 16,384.
void adviseLargeBuffer(void *data, qsizetype size);

template<class T>
struct IsQListOrVector : std::false_type
{
};
template<class T>
struct IsQListOrVector<QList<T>> : std::true_type
{
};
template<class T, class A>
struct IsQListOrVector<std::vector<T, A>> : std::true_type
{
};

template<class T>
struct IsPairOrTuple : std::false_type
{
};
template<class A, class B>
struct IsPairOrTuple<std::pair<A, B>> : std::true_type
{
};
template<class... A>
struct IsPairOrTuple<std::tuple<A...>> : std::true_type
{
};

/// Values copied as raw bytes: plain data, never pointers (an address means nothing in
/// another process). Not bool: a byte from another process need not be 0 or 1, and a bool
/// holding anything else is undefined behaviour to read (Codec<bool> checks each one).
template<class T>
concept RawCodable = std::is_trivially_copyable_v<T> && !std::is_pointer_v<
                         T> && !std::is_member_pointer_v<T> && !IsPairOrTuple<T>::value
                     && !std::is_same_v<std::remove_cv_t<T>, bool>;

template<class T>
concept StreamCodable = requires(QDataStream &s, T &v, const T &cv)
{
    s << cv;
    s >> v;
};

} // namespace detail

/// Codec<T>::encode/decode; specialise it for a type that needs its own encoding.
template<class T, class Enable = void>
struct Codec
{
    static_assert(detail::StreamCodable<T>,
                  "jobpool: this type cannot travel to a worker; give it QDataStream "
                  "operators << and >>, or specialise jobpool::Codec for it");

    static void encode(Encoder &out, const T &value)
    {
        QByteArray bytes;
        {
            QDataStream stream(&bytes, QIODevice::WriteOnly);
            stream << value;
        }
        out.writeSize(bytes.size());
        out.writeRaw(bytes.constData(), bytes.size());
    }
    static T decode(Decoder &in)
    {
        const qsizetype size = in.readCount(1);
        const char *data = in.take(size);
        QDataStream stream(QByteArray::fromRawData(data, size));
        T value{};
        stream >> value;
        if (stream.status() != QDataStream::Ok)
            throw ProtocolError(
                QStringLiteral("could not decode a %1 value").arg(QLatin1String(typeid(T).name())));
        return value;
    }
};

template<class T>
struct Codec<T, std::enable_if_t<detail::RawCodable<T>>>
{
    static void encode(Encoder &out, const T &value) { out.writeRaw(&value, sizeof(T)); }
    static T decode(Decoder &in)
    {
        T value;
        in.readRaw(&value, sizeof(T));
        return value;
    }
};

/// One byte; any but 0 reads as true.
template<>
struct Codec<bool>
{
    static void encode(Encoder &out, bool value) { *out.grow(1) = value ? 1 : 0; }
    static bool decode(Decoder &in) { return *in.take(1) != 0; }
};

template<>
struct Codec<QString>
{
    static void encode(Encoder &out, const QString &value)
    {
        out.writeSize(value.size());
        out.writeRaw(value.constData(), value.size() * qsizetype(sizeof(QChar)));
    }
    static QString decode(Decoder &in)
    {
        const qsizetype n = in.readCount(sizeof(QChar));
        QString value(n, Qt::Uninitialized);
        detail::adviseLargeBuffer(value.data(), n * qsizetype(sizeof(QChar)));
        in.readRaw(value.data(), n * qsizetype(sizeof(QChar)));
        return value;
    }
};

template<>
struct Codec<QByteArray>
{
    // A large array is its size, a padding size p, p bytes of padding (room for an array
    // header, and 16-byte alignment of the bytes relative to the message), the bytes and
    // a NUL, so that a receiver can lend it in place; a small one is its size and bytes.
    static void encode(Encoder &out, const QByteArray &value)
    {
        const qsizetype n = value.size();
        out.writeSize(n);
        if (n >= detail::kLendableSize) {
            const qsizetype space = detail::kLendHeaderSpace;
            const qsizetype afterPadSize = out.size() + qsizetype(sizeof(qsizetype));
            const qsizetype pad = space + (space - (afterPadSize + space) % space) % space;
            out.writeSize(pad);
            std::memset(out.grow(pad), 0, size_t(pad));
            out.writeRaw(value.constData(), n);
            *out.grow(1) = 0;
            return;
        }
        out.writeRaw(value.constData(), n);
    }
    static QByteArray decode(Decoder &in)
    {
        const qsizetype n = in.readCount(1);
        if (n >= detail::kLendableSize) {
            const qsizetype pad = in.readCount(1);
            if (pad < detail::kLendHeaderSpace || pad >= 2 * detail::kLendHeaderSpace)
                throw ProtocolError(QStringLiteral("bad byte array padding %1").arg(pad));
            in.take(pad);
            const char *bytes = in.take(n);
            if (*in.take(1) != 0)
                throw ProtocolError(QStringLiteral("byte array without its terminator"));
            if (std::optional<QByteArray> lent = detail::lendBytes(bytes, n))
                return *std::move(lent);
            QByteArray value(n, Qt::Uninitialized);
            detail::adviseLargeBuffer(value.data(), n);
            std::memcpy(value.data(), bytes, size_t(n));
            return value;
        }
        QByteArray value(n, Qt::Uninitialized);
        in.readRaw(value.data(), n);
        return value;
    }
};

template<>
struct Codec<std::string>
{
    static void encode(Encoder &out, const std::string &value)
    {
        out.writeSize(qsizetype(value.size()));
        out.writeRaw(value.data(), qsizetype(value.size()));
    }
    static std::string decode(Decoder &in)
    {
        const qsizetype n = in.readCount(1);
        return std::string(in.take(n), size_t(n));
    }
};

template<class L>
struct Codec<L, std::enable_if_t<detail::IsQListOrVector<L>::value>>
{
    using Element = typename L::value_type;

    static void encode(Encoder &out, const L &list)
    {
        out.writeSize(qsizetype(list.size()));
        if constexpr (detail::RawCodable<Element>) {
            out.writeRaw(list.data(), qsizetype(list.size() * sizeof(Element)));
        } else {
            for (const Element &e : list)
                Codec<Element>::encode(out, e);
        }
    }
    static L decode(Decoder &in)
    {
        const qsizetype n = in.readCount(detail::RawCodable<Element> ? sizeof(Element) : 1);
        L list;
        if constexpr (detail::RawCodable<Element>) {
            list.resize(n);
            in.readRaw(list.data(), n * qsizetype(sizeof(Element)));
        } else {
            list.reserve(n);
            for (qsizetype i = 0; i < n; ++i)
                list.push_back(Codec<Element>::decode(in));
        }
        return list;
    }
};

template<class T>
struct Codec<T, std::enable_if_t<detail::IsPairOrTuple<T>::value>>
{
    static void encode(Encoder &out, const T &value)
    {
        std::apply([&out](const auto &...e) { (out.write(e), ...); }, value);
    }
    static T decode(Decoder &in)
    {
        // Braced initialisation evaluates left to right, so fields decode in order.
        return decodeFields(in, std::make_index_sequence<std::tuple_size_v<T>>{});
    }

private:
    template<std::size_t... I>
    static T decodeFields(Decoder &in, std::index_sequence<I...>)
    {
        return T{in.read<std::decay_t<std::tuple_element_t<I, T>>>()...};
    }
};

template<class T>
void Encoder::write(const T &value)
{
    Codec<T>::encode(*this, value);
}

template<class T>
T Decoder::read()
{
    return Codec<T>::decode(*this);
}

} // namespace jobpool
