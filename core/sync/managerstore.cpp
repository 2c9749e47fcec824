// SPDX-License-Identifier: GPL-3.0-or-later
#include "managerstore.h"

#include <jobpool/errors.h>

#include <QMetaType>

#include <limits>
#include <new>
#include <optional>
#include <utility>
#include <vector>

namespace jobpool::detail {
namespace {

using manager::Op;

/// A request the server understood and refuses; its text goes back to the client.
class Refused : public Error
{
public:
    using Error::Error;
};

void finish(const Decoder &in)
{
    if (!in.atEnd())
        throw ProtocolError(QStringLiteral("%1 bytes after the arguments").arg(in.remaining()));
}

bool isKnown(Op op)
{
    switch (op) {
    case Op::Value:
    case Op::Insert:
    case Op::InsertMany:
    case Op::Remove:
    case Op::Take:
    case Op::Contains:
    case Op::Keys:
    case Op::Values:
    case Op::Increment:
    case Op::SetDefault:
    case Op::Size:
    case Op::Snapshot:
    case Op::Clear:
    case Op::Append:
    case Op::At:
    case Op::Replace:
    case Op::RemoveAt:
        return true;
    }
    return false;
}

bool supports(ManagedKind kind, Op op)
{
    switch (kind) {
    case ManagedKind::Dict:
        return std::uint8_t(op) < std::uint8_t(Op::Append);
    case ManagedKind::Namespace:
        return op == Op::Value || op == Op::Insert || op == Op::Remove || op == Op::Contains
               || op == Op::Snapshot;
    case ManagedKind::List:
        return std::uint8_t(op) >= std::uint8_t(Op::Size);
    }
    return false;
}

QString kindName(ManagedKind kind)
{
    switch (kind) {
    case ManagedKind::Dict:
        return QStringLiteral("dict");
    case ManagedKind::List:
        return QStringLiteral("list");
    case ManagedKind::Namespace:
        return QStringLiteral("namespace");
    }
    return QStringLiteral("object");
}

/// The integer an encoded value holds, or nothing when it holds something else. Only
/// values whose type tag says "integer" are decoded: a stored value came from a client, and
/// the server does not let QDataStream loose on anything it would have to trust.
std::optional<qint64> integerValue(QByteArrayView bytes)
{
    quint32 type = 0;
    {
        QDataStream peek(QByteArray::fromRawData(bytes.data(), bytes.size()));
        peek >> type;
        if (peek.status() != QDataStream::Ok)
            return std::nullopt;
    }
    switch (type) {
    case QMetaType::Int:
    case QMetaType::UInt:
    case QMetaType::LongLong:
    case QMetaType::ULongLong:
    case QMetaType::Long:
    case QMetaType::ULong:
    case QMetaType::Short:
    case QMetaType::UShort:
    case QMetaType::Char:
    case QMetaType::SChar:
    case QMetaType::UChar:
        break;
    default:
        return std::nullopt;
    }
    QVariant value;
    try {
        value = manager::decodeValue(bytes);
    } catch (const ProtocolError &) {
        return std::nullopt;
    }
    if (value.isNull())
        return std::nullopt;
    if (type == QMetaType::ULongLong || type == QMetaType::ULong) {
        const qulonglong u = value.toULongLong();
        if (u > qulonglong(std::numeric_limits<qint64>::max()))
            return std::nullopt;
        return qint64(u);
    }
    return value.toLongLong();
}

qsizetype checkedIndex(Decoder &in, const QList<QByteArray> &list)
{
    const auto i = in.read<qint64>();
    if (i < 0 || i >= list.size())
        throw Refused(QStringLiteral("index %1 is out of range: the list holds %2 items")
                          .arg(i)
                          .arg(list.size()));
    return qsizetype(i);
}

} // namespace

std::uint32_t ManagerStore::create(ManagedKind kind, QMap<QString, QByteArray> map,
                                   QList<QByteArray> list)
{
    std::lock_guard lock(m_mutex);
    const std::uint32_t id = m_nextId++;
    m_objects.emplace(id, Object{kind, std::move(map), std::move(list)});
    return id;
}

QByteArray ManagerStore::execute(QByteArrayView body)
{
    QByteArray reply;
    Encoder out(reply);
    manager::beginFrame(out);
    const qsizetype start = out.size();
    const auto fail = [&](const QString &reason) {
        out.truncate(start);
        out.write(std::uint8_t(manager::Status::Error));
        out.write(reason);
    };
    try {
        Decoder in(body);
        const auto id = in.read<std::uint32_t>();
        const auto op = Op(in.read<std::uint8_t>());
        if (!isKnown(op))
            throw Refused(QStringLiteral("unknown operation %1").arg(int(op)));
        out.write(std::uint8_t(manager::Status::Ok));
        std::lock_guard lock(m_mutex);
        const auto found = m_objects.find(id);
        if (found == m_objects.end())
            throw Refused(QStringLiteral("this manager has no object %1").arg(id));
        run(found->second, op, in, out);
    } catch (const ProtocolError &e) {
        fail(QStringLiteral("malformed request: %1").arg(e.message()));
    } catch (const Error &e) {
        fail(e.message());
    } catch (const std::bad_alloc &) {
        fail(QStringLiteral("the manager ran out of memory"));
    }
    if (!manager::sealFrame(reply)) {
        fail(QStringLiteral("the reply (%1 bytes) is larger than a frame may be (%2 bytes)")
                 .arg(reply.size() - start)
                 .arg(manager::kMaxFrame));
        manager::sealFrame(reply);
    }
    return reply;
}

void ManagerStore::run(Object &object, Op op, Decoder &in, Encoder &out)
{
    if (!supports(object.kind, op))
        throw Refused(QStringLiteral("a managed %1 has no operation %2")
                          .arg(kindName(object.kind))
                          .arg(int(op)));
    if (object.kind == ManagedKind::List)
        return runList(object, op, in, out);

    // Every argument is read, and the request found whole, before anything changes.
    QMap<QString, QByteArray> &map = object.map;
    switch (op) {
    case Op::Value:
    case Op::Contains: {
        const auto key = in.read<QString>();
        finish(in);
        const auto it = map.constFind(key);
        out.write(std::uint8_t(it != map.cend()));
        if (op == Op::Value && it != map.cend())
            manager::writeBytes(out, *it);
        return;
    }
    case Op::Insert: {
        const auto key = in.read<QString>();
        const QByteArrayView value = manager::readBytes(in);
        finish(in);
        map.insert(key, value.toByteArray());
        return;
    }
    case Op::InsertMany: {
        // An entry is at least a key's length and a value's length.
        const qsizetype n = in.readCount(2 * qsizetype(sizeof(qsizetype)));
        std::vector<std::pair<QString, QByteArrayView>> entries;
        entries.reserve(size_t(n));
        for (qsizetype i = 0; i < n; ++i) {
            auto key = in.read<QString>();
            entries.emplace_back(std::move(key), manager::readBytes(in));
        }
        finish(in);
        for (const auto &[key, value] : entries)
            map.insert(key, value.toByteArray());
        return;
    }
    case Op::Remove: {
        const auto key = in.read<QString>();
        finish(in);
        out.write(qint64(map.remove(key)));
        return;
    }
    case Op::Take: {
        const auto key = in.read<QString>();
        finish(in);
        const auto it = map.find(key);
        out.write(std::uint8_t(it != map.end()));
        if (it != map.end()) {
            manager::writeBytes(out, *it);
            map.erase(it);
        }
        return;
    }
    case Op::Keys:
        finish(in);
        out.writeSize(map.size());
        for (auto it = map.cbegin(); it != map.cend(); ++it)
            out.write(it.key());
        return;
    case Op::Values:
        finish(in);
        out.writeSize(map.size());
        for (const QByteArray &value : std::as_const(map))
            manager::writeBytes(out, value);
        return;
    case Op::Increment: {
        const auto key = in.read<QString>();
        const auto delta = in.read<qint64>();
        finish(in);
        qint64 current = 0;
        if (const auto it = map.constFind(key); it != map.cend()) {
            const std::optional<qint64> n = integerValue(*it);
            if (!n)
                throw Refused(
                    QStringLiteral("cannot increment '%1': its value is not an integer").arg(key));
            current = *n;
        }
        qint64 sum = 0;
        if (__builtin_add_overflow(current, delta, &sum))
            throw Refused(QStringLiteral("cannot increment '%1' by %2: the sum overflows")
                              .arg(key)
                              .arg(delta));
        map.insert(key, manager::encodeValue(QVariant(qlonglong(sum))));
        out.write(sum);
        return;
    }
    case Op::SetDefault: {
        const auto key = in.read<QString>();
        const QByteArrayView value = manager::readBytes(in);
        finish(in);
        auto it = map.find(key);
        if (it == map.end())
            it = map.insert(key, value.toByteArray());
        manager::writeBytes(out, *it);
        return;
    }
    case Op::Size:
        finish(in);
        out.write(qint64(map.size()));
        return;
    case Op::Snapshot:
        finish(in);
        out.writeSize(map.size());
        for (auto it = map.cbegin(); it != map.cend(); ++it) {
            out.write(it.key());
            manager::writeBytes(out, *it);
        }
        return;
    case Op::Clear:
        finish(in);
        map.clear();
        return;
    default:
        break;
    }
    throw Refused(QStringLiteral("unknown operation %1").arg(int(op)));
}

void ManagerStore::runList(Object &object, Op op, Decoder &in, Encoder &out)
{
    QList<QByteArray> &list = object.list;
    switch (op) {
    case Op::Append: {
        const QByteArrayView value = manager::readBytes(in);
        finish(in);
        list.append(value.toByteArray());
        return;
    }
    case Op::At: {
        const qsizetype i = checkedIndex(in, list);
        finish(in);
        manager::writeBytes(out, list.at(i));
        return;
    }
    case Op::Replace: {
        const qsizetype i = checkedIndex(in, list);
        const QByteArrayView value = manager::readBytes(in);
        finish(in);
        list.replace(i, value.toByteArray());
        return;
    }
    case Op::RemoveAt: {
        const qsizetype i = checkedIndex(in, list);
        finish(in);
        list.removeAt(i);
        return;
    }
    case Op::Size:
        finish(in);
        out.write(qint64(list.size()));
        return;
    case Op::Snapshot:
        finish(in);
        out.writeSize(list.size());
        for (const QByteArray &value : std::as_const(list))
            manager::writeBytes(out, value);
        return;
    case Op::Clear:
        finish(in);
        list.clear();
        return;
    default:
        break;
    }
    throw Refused(QStringLiteral("unknown operation %1").arg(int(op)));
}

} // namespace jobpool::detail
