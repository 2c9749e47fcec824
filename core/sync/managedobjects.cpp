// SPDX-License-Identifier: GPL-3.0-or-later
// The proxies of a Manager's objects: each call is one request to the manager's thread.
#include "managerclient.h"
#include "managerprotocol.h"

#include <jobpool/errors.h>
#include <jobpool/manager.h>

#include <QFile>

#include <utility>

#include <sys/un.h>

namespace jobpool {
namespace {

using detail::manager::Op;

/// The arguments of a request.
class Arguments
{
public:
    Arguments() = default;
    Arguments(const Arguments &) = delete;
    Arguments &operator=(const Arguments &) = delete;

    Arguments &key(const QString &key)
    {
        m_out.write(key);
        return *this;
    }
    Arguments &value(const QVariant &value)
    {
        detail::manager::writeBytes(m_out, detail::manager::encodeValue(value));
        return *this;
    }
    Arguments &integer(qint64 n)
    {
        m_out.write(n);
        return *this;
    }
    const QByteArray &bytes() const { return m_bytes; }

private:
    QByteArray m_bytes;
    Encoder m_out{m_bytes};
};

/// What a reply holds after its status byte.
class Results
{
public:
    explicit Results(QByteArray reply)
        : m_reply(std::move(reply))
        , m_in(m_reply.constData() + 1, m_reply.size() - 1)
    {}
    Results(const Results &) = delete;
    Results &operator=(const Results &) = delete;

    bool flag() { return m_in.read<std::uint8_t>() != 0; }
    qint64 integer() { return m_in.read<qint64>(); }
    QString key() { return m_in.read<QString>(); }
    QVariant value() { return detail::manager::decodeValue(detail::manager::readBytes(m_in)); }
    /// A count of entries of at least \a entrySize bytes each.
    qsizetype count(qsizetype entrySize) { return m_in.readCount(entrySize); }

private:
    QByteArray m_reply;
    Decoder m_in;
};

constexpr qsizetype kLengthSize = sizeof(qsizetype);

std::uint8_t code(Op op)
{
    return std::uint8_t(op);
}

QVariantMap readMap(Results &r)
{
    QVariantMap map;
    const qsizetype n = r.count(2 * kLengthSize);
    for (qsizetype i = 0; i < n; ++i) {
        QString key = r.key();
        map.insert(std::move(key), r.value());
    }
    return map;
}

} // namespace

namespace detail {

ManagedHandle::ManagedHandle(QString address, std::uint32_t id, ManagedKind kind)
    : m_address(std::move(address))
    , m_id(id)
    , m_kind(kind)
    , m_client(m_address.isEmpty() ? nullptr : ManagerClient::forAddress(m_address))
{}

QByteArray ManagedHandle::call(std::uint8_t op, const QByteArray &arguments) const
{
    if (!m_client)
        throw PoolError(QStringLiteral("this proxy names no Manager object (it was "
                                       "default-constructed)"));
    QByteArray request;
    Encoder out(request);
    manager::beginFrame(out);
    out.write(m_id);
    out.write(op);
    out.writeRaw(arguments.constData(), arguments.size());
    if (!manager::sealFrame(request))
        throw PoolError(QStringLiteral("a Manager request of %1 bytes is larger than a frame "
                                       "may be (%2 bytes)")
                            .arg(request.size())
                            .arg(manager::kMaxFrame));
    QByteArray reply = m_client->call(request);
    if (reply.isEmpty())
        throw ProtocolError(QStringLiteral("an empty reply from the Manager at %1").arg(m_address));
    if (manager::Status(reply.front()) != manager::Status::Ok) {
        Decoder in(reply.constData() + 1, reply.size() - 1);
        throw PoolError(QStringLiteral("Manager: %1").arg(in.read<QString>()));
    }
    return reply;
}

void ManagedHandle::encode(Encoder &out) const
{
    out.write(m_address);
    out.write(m_id);
    out.write(std::uint8_t(m_kind));
}

ManagedHandle ManagedHandle::decode(Decoder &in, ManagedKind expected)
{
    auto address = in.read<QString>();
    const auto id = in.read<std::uint32_t>();
    const auto kind = ManagedKind(in.read<std::uint8_t>());
    if (kind != expected)
        throw ProtocolError(QStringLiteral("a handle of managed kind %1 where kind %2 was expected")
                                .arg(int(kind))
                                .arg(int(expected)));
    if (QFile::encodeName(address).size() >= qsizetype(sizeof(sockaddr_un::sun_path)))
        throw ProtocolError(QStringLiteral("a Manager address too long for a socket"));
    return ManagedHandle(std::move(address), id, kind);
}

} // namespace detail

QVariant ManagedDict::value(const QString &key, const QVariant &defaultValue) const
{
    Results r(m_handle.call(code(Op::Value), Arguments().key(key).bytes()));
    return r.flag() ? r.value() : defaultValue;
}

void ManagedDict::insert(const QString &key, const QVariant &value)
{
    m_handle.call(code(Op::Insert), Arguments().key(key).value(value).bytes());
}

void ManagedDict::insert(const QVariantMap &values)
{
    Arguments arguments;
    arguments.integer(values.size());
    for (auto it = values.cbegin(); it != values.cend(); ++it)
        arguments.key(it.key()).value(it.value());
    m_handle.call(code(Op::InsertMany), arguments.bytes());
}

qsizetype ManagedDict::remove(const QString &key)
{
    Results r(m_handle.call(code(Op::Remove), Arguments().key(key).bytes()));
    return qsizetype(r.integer());
}

QVariant ManagedDict::take(const QString &key)
{
    Results r(m_handle.call(code(Op::Take), Arguments().key(key).bytes()));
    return r.flag() ? r.value() : QVariant();
}

bool ManagedDict::contains(const QString &key) const
{
    Results r(m_handle.call(code(Op::Contains), Arguments().key(key).bytes()));
    return r.flag();
}

qsizetype ManagedDict::size() const
{
    Results r(m_handle.call(code(Op::Size)));
    return qsizetype(r.integer());
}

QStringList ManagedDict::keys() const
{
    Results r(m_handle.call(code(Op::Keys)));
    QStringList keys;
    const qsizetype n = r.count(kLengthSize);
    keys.reserve(n);
    for (qsizetype i = 0; i < n; ++i)
        keys.append(r.key());
    return keys;
}

QVariantList ManagedDict::values() const
{
    Results r(m_handle.call(code(Op::Values)));
    QVariantList values;
    const qsizetype n = r.count(kLengthSize);
    values.reserve(n);
    for (qsizetype i = 0; i < n; ++i)
        values.append(r.value());
    return values;
}

QVariantMap ManagedDict::toMap() const
{
    Results r(m_handle.call(code(Op::Snapshot)));
    return readMap(r);
}

void ManagedDict::clear()
{
    m_handle.call(code(Op::Clear));
}

qint64 ManagedDict::increment(const QString &key, qint64 delta)
{
    Results r(m_handle.call(code(Op::Increment), Arguments().key(key).integer(delta).bytes()));
    return r.integer();
}

QVariant ManagedDict::setDefault(const QString &key, const QVariant &value)
{
    Results r(m_handle.call(code(Op::SetDefault), Arguments().key(key).value(value).bytes()));
    return r.value();
}

void ManagedList::append(const QVariant &value)
{
    m_handle.call(code(Op::Append), Arguments().value(value).bytes());
}

QVariant ManagedList::at(qsizetype i) const
{
    Results r(m_handle.call(code(Op::At), Arguments().integer(i).bytes()));
    return r.value();
}

void ManagedList::replace(qsizetype i, const QVariant &value)
{
    m_handle.call(code(Op::Replace), Arguments().integer(i).value(value).bytes());
}

void ManagedList::removeAt(qsizetype i)
{
    m_handle.call(code(Op::RemoveAt), Arguments().integer(i).bytes());
}

qsizetype ManagedList::size() const
{
    Results r(m_handle.call(code(Op::Size)));
    return qsizetype(r.integer());
}

QVariantList ManagedList::toList() const
{
    Results r(m_handle.call(code(Op::Snapshot)));
    QVariantList list;
    const qsizetype n = r.count(kLengthSize);
    list.reserve(n);
    for (qsizetype i = 0; i < n; ++i)
        list.append(r.value());
    return list;
}

void ManagedList::clear()
{
    m_handle.call(code(Op::Clear));
}

QVariant ManagedNamespace::get(const QString &name, const QVariant &defaultValue) const
{
    Results r(m_handle.call(code(Op::Value), Arguments().key(name).bytes()));
    return r.flag() ? r.value() : defaultValue;
}

void ManagedNamespace::set(const QString &name, const QVariant &value)
{
    m_handle.call(code(Op::Insert), Arguments().key(name).value(value).bytes());
}

bool ManagedNamespace::contains(const QString &name) const
{
    Results r(m_handle.call(code(Op::Contains), Arguments().key(name).bytes()));
    return r.flag();
}

bool ManagedNamespace::remove(const QString &name)
{
    Results r(m_handle.call(code(Op::Remove), Arguments().key(name).bytes()));
    return r.integer() > 0;
}

QVariantMap ManagedNamespace::toMap() const
{
    Results r(m_handle.call(code(Op::Snapshot)));
    return readMap(r);
}

} // namespace jobpool
