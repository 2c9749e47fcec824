// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <jobpool/codec.h>

#include <QString>
#include <QStringList>
#include <QVariant>
#include <QVariantList>
#include <QVariantMap>

#include <concepts>
#include <cstdint>
#include <memory>

namespace jobpool {

class ManagedDict;
class ManagedList;
class ManagedNamespace;

namespace detail {

class ManagerClient;
class ManagerServer;

enum class ManagedKind : std::uint8_t { Dict = 1, List = 2, Namespace = 3 };

/// What a proxy holds: the address of its manager, the object it names there, and this
/// process's connection to that manager (opened on first use, shared by every proxy of
/// the same manager in the process).
class ManagedHandle
{
public:
    ManagedHandle() = default;
    ManagedHandle(QString address, std::uint32_t id, ManagedKind kind);

    /// Sends operation \a op with \a arguments (written with an Encoder) and returns the
    /// reply: its status byte (Ok), then the results. Throws PoolError when the manager is
    /// unreachable or refuses the operation.
    QByteArray call(std::uint8_t op, const QByteArray &arguments = {}) const;

    void encode(Encoder &out) const;
    static ManagedHandle decode(Decoder &in, ManagedKind expected);

    const QString &address() const { return m_address; }
    std::uint32_t id() const { return m_id; }

private:
    QString m_address;
    std::uint32_t m_id = 0;
    ManagedKind m_kind = ManagedKind::Dict;
    std::shared_ptr<ManagerClient> m_client;
};

/// A proxy type: built from a handle and giving it back, so that Codec can move it.
template<class T>
concept ManagedProxy = requires(const T &t)
{
    {
        t.handle()
        } -> std::convertible_to<const ManagedHandle &>;
    {
        T::kKind
        } -> std::convertible_to<ManagedKind>;
}
&&std::constructible_from<T, ManagedHandle>;

} // namespace detail

/// A server for dictionaries, lists and namespaces that other processes read and write
/// through proxies, the twin of Python's multiprocessing.Manager(). The server is a thread
/// of the creating process, listening on a Unix socket only this user can open; a proxy
/// passed to a Process or a pool task connects to it on first use. Every operation is one
/// round trip and atomic; read-modify-write sequences of several calls are not (use
/// ManagedDict::increment() or setDefault(), or a jobpool::Lock around them).
///
/// \code
/// void record(QString key, jobpool::ManagedDict shared) { shared.insert(key, getpid()); }
/// JOBPOOL_TASK(record)
///
/// jobpool::Manager manager;
/// jobpool::ManagedDict shared = manager.dict();
/// jobpool::Process p(record, QStringLiteral("child"), shared);
/// p.start();
/// p.join();                          // shared.toMap() == {"child": <its pid>}
/// \endcode
///
/// A client that dies in the middle of a call costs the server nothing but that client's
/// connection. Once the manager is shut down (or its process has ended), every proxy call
/// throws PoolError. Objects live as long as the manager: a proxy going away does not
/// free what it names.
class Manager final
{
public:
    /// Starts the server thread. Throws PoolError when the socket cannot be created.
    Manager();
    /// Stops the server (see shutdown()).
    ~Manager();
    Manager(const Manager &) = delete;
    Manager &operator=(const Manager &) = delete;

    /// A new dictionary on the server, filled with \a initial.
    ManagedDict dict(const QVariantMap &initial = {});
    /// A new list on the server, filled with \a initial.
    ManagedList list(const QVariantList &initial = {});
    /// A new namespace (Python's Manager().Namespace()): named attributes.
    ManagedNamespace ns();

    /// Stops the server thread, disconnects every client and removes the socket file.
    /// Calls in progress fail with PoolError; so does every later call of a proxy.
    void shutdown();
    bool isRunning() const;
    /// The path of the server's socket (for diagnostics and tests).
    QString address() const;

private:
    std::unique_ptr<detail::ManagerServer> m_server;
};

/// A dictionary held by a Manager, used like a QVariantMap; copies name the same
/// dictionary, in every process they are passed to. Keys are strings; values are any
/// QVariant that QDataStream can write.
///
/// Two processes that each do `d.insert(k, d.value(k).toInt() + 1)` can lose an update;
/// increment() and setDefault() are single operations on the server and cannot.
class ManagedDict
{
public:
    static constexpr detail::ManagedKind kKind = detail::ManagedKind::Dict;
    /// A proxy that names nothing: every call throws PoolError.
    ManagedDict() = default;
    /// For Codec: the dictionary behind a handle.
    explicit ManagedDict(detail::ManagedHandle handle)
        : m_handle(std::move(handle))
    {}

    QVariant value(const QString &key, const QVariant &defaultValue = {}) const;
    void insert(const QString &key, const QVariant &value);
    /// Inserts every entry of \a values (one operation: others see all of them or none).
    void insert(const QVariantMap &values);
    /// How many entries were removed (0 or 1).
    qsizetype remove(const QString &key);
    /// Removes \a key and returns its value (a null QVariant when it was not there).
    QVariant take(const QString &key);
    bool contains(const QString &key) const;
    qsizetype size() const;
    bool isEmpty() const { return size() == 0; }
    QStringList keys() const;
    QVariantList values() const;
    /// A copy of the whole dictionary, taken in one operation.
    QVariantMap toMap() const;
    void clear();

    /// Adds \a delta to the integer at \a key (a missing key counts as 0), stores the sum as
    /// a qint64 and returns it, in one operation: the lost-update-free counter. Throws
    /// PoolError when the value there is not an integer or the sum would overflow.
    qint64 increment(const QString &key, qint64 delta = 1);
    /// Python's setdefault(): inserts \a value unless \a key is there already, and returns
    /// what \a key holds afterwards, in one operation.
    QVariant setDefault(const QString &key, const QVariant &value);

    const detail::ManagedHandle &handle() const { return m_handle; }

private:
    detail::ManagedHandle m_handle;
};

/// A list held by a Manager, used like a QVariantList; copies name the same list. Appends
/// from any number of processes are never lost. An index out of range throws PoolError.
class ManagedList
{
public:
    static constexpr detail::ManagedKind kKind = detail::ManagedKind::List;
    ManagedList() = default;
    explicit ManagedList(detail::ManagedHandle handle)
        : m_handle(std::move(handle))
    {}

    void append(const QVariant &value);
    QVariant at(qsizetype i) const;
    void replace(qsizetype i, const QVariant &value);
    void removeAt(qsizetype i);
    qsizetype size() const;
    bool isEmpty() const { return size() == 0; }
    /// A copy of the whole list, taken in one operation.
    QVariantList toList() const;
    void clear();

    const detail::ManagedHandle &handle() const { return m_handle; }

private:
    detail::ManagedHandle m_handle;
};

/// A namespace held by a Manager (Python's Manager().Namespace()): named values that
/// several processes set and read.
///
/// \code
/// jobpool::ManagedNamespace state = manager.ns();
/// state.set(QStringLiteral("phase"), 2);         // in any process
/// int phase = state.get(QStringLiteral("phase")).toInt();
/// \endcode
class ManagedNamespace
{
public:
    static constexpr detail::ManagedKind kKind = detail::ManagedKind::Namespace;
    ManagedNamespace() = default;
    explicit ManagedNamespace(detail::ManagedHandle handle)
        : m_handle(std::move(handle))
    {}

    /// The value of \a name, or \a defaultValue when it was never set.
    QVariant get(const QString &name, const QVariant &defaultValue = {}) const;
    void set(const QString &name, const QVariant &value);
    bool contains(const QString &name) const;
    /// Python's delattr(); true when \a name was there.
    bool remove(const QString &name);
    /// Every name and its value, taken in one operation.
    QVariantMap toMap() const;

    const detail::ManagedHandle &handle() const { return m_handle; }

private:
    detail::ManagedHandle m_handle;
};

/// Proxies travel as their handle (the manager's address and the object's number); the
/// receiving process connects when it first uses one.
template<class T>
struct Codec<T, std::enable_if_t<detail::ManagedProxy<T>>>
{
    static void encode(Encoder &out, const T &proxy) { proxy.handle().encode(out); }
    static T decode(Decoder &in) { return T(detail::ManagedHandle::decode(in, T::kKind)); }
};

} // namespace jobpool
