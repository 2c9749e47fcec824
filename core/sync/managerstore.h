// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "managerprotocol.h"

#include <jobpool/manager.h>

#include <QByteArray>
#include <QList>
#include <QMap>
#include <QString>

#include <cstdint>
#include <mutex>
#include <unordered_map>

namespace jobpool::detail {

/// The objects a Manager holds, and the one place where requests are carried out. Values
/// stay encoded: the store never needs to understand one, except for increment().
/// Thread-safe: objects are created from the Manager's caller, requests run in the server
/// thread.
class ManagerStore final
{
public:
    /// A new object of \a kind holding \a map (a dict or namespace) or \a list (a list), whose
    /// values are already encoded.
    std::uint32_t create(ManagedKind kind, QMap<QString, QByteArray> map = {},
                         QList<QByteArray> list = {});

    /// Carries out the request \a body and returns the whole reply frame. Never throws: a
    /// malformed request, an unknown object or operation, an index out of range get a reply
    /// with the reason.
    QByteArray execute(QByteArrayView body);

private:
    struct Object
    {
        ManagedKind kind;
        QMap<QString, QByteArray> map;
        QList<QByteArray> list;
    };
    void run(Object &object, manager::Op op, Decoder &in, Encoder &out);
    static void runList(Object &object, manager::Op op, Decoder &in, Encoder &out);

    std::mutex m_mutex;
    std::unordered_map<std::uint32_t, Object> m_objects;
    std::uint32_t m_nextId = 1;
};

} // namespace jobpool::detail
