// SPDX-License-Identifier: GPL-3.0-or-later
#include "managerserver.h"

#include <jobpool/errors.h>
#include <jobpool/manager.h>

namespace jobpool {

Manager::Manager()
    : m_server(std::make_unique<detail::ManagerServer>())
{}

Manager::~Manager()
{
    shutdown();
}

ManagedDict Manager::dict(const QVariantMap &initial)
{
    if (!isRunning())
        throw PoolError(QStringLiteral("Manager::dict: the manager was shut down"));
    QMap<QString, QByteArray> entries;
    for (auto it = initial.cbegin(); it != initial.cend(); ++it)
        entries.insert(it.key(), detail::manager::encodeValue(it.value()));
    const std::uint32_t id = m_server->store().create(detail::ManagedKind::Dict, entries);
    return ManagedDict(detail::ManagedHandle(address(), id, detail::ManagedKind::Dict));
}

ManagedList Manager::list(const QVariantList &initial)
{
    if (!isRunning())
        throw PoolError(QStringLiteral("Manager::list: the manager was shut down"));
    QList<QByteArray> items;
    items.reserve(initial.size());
    for (const QVariant &value : initial)
        items.append(detail::manager::encodeValue(value));
    const std::uint32_t id = m_server->store().create(detail::ManagedKind::List, {}, items);
    return ManagedList(detail::ManagedHandle(address(), id, detail::ManagedKind::List));
}

ManagedNamespace Manager::ns()
{
    if (!isRunning())
        throw PoolError(QStringLiteral("Manager::ns: the manager was shut down"));
    const std::uint32_t id = m_server->store().create(detail::ManagedKind::Namespace);
    return ManagedNamespace(detail::ManagedHandle(address(), id, detail::ManagedKind::Namespace));
}

void Manager::shutdown()
{
    m_server->stop();
}

bool Manager::isRunning() const
{
    return m_server->isRunning();
}

QString Manager::address() const
{
    return m_server->address();
}

} // namespace jobpool
