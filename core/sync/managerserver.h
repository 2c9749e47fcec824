// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "managerstore.h"

#include <QByteArray>
#include <QString>

#include <atomic>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace jobpool::detail {

/// The thread of a Manager: a Unix socket that only this user can open, and one poll()
/// loop serving every client's frames with the store. It needs no event loop and no
/// QCoreApplication, so a Manager works in any program and any thread.
///
/// A client is read without blocking and only as far as its next whole frame; a frame
/// header with a wrong magic or a length above kMaxFrame drops the client before any of
/// the body is read. A client that vanishes (mid-frame, or before taking its reply) is
/// just dropped; the others never wait for it.
class ManagerServer final
{
public:
    /// Binds the socket, in QDir::tempPath() under a random name, and starts the thread.
    /// Throws PoolError when it cannot.
    ManagerServer();
    ~ManagerServer();
    ManagerServer(const ManagerServer &) = delete;
    ManagerServer &operator=(const ManagerServer &) = delete;

    ManagerStore &store() { return m_store; }
    const QString &address() const { return m_address; }
    bool isRunning() const { return m_running.load(); }
    /// Removes the socket file, stops the thread and disconnects every client. Idempotent.
    void stop();

private:
    struct Client;
    void bindSocket();
    void run();
    /// Takes every pending connection; false when out of descriptors, so that the loop
    /// stops polling the socket until a client leaves.
    bool acceptClients();
    bool receive(Client &client);
    bool serve(Client &client);
    static bool flush(Client &client);

    ManagerStore m_store;
    QString m_address;
    QByteArray m_path;
    int m_listener = -1;
    int m_wake = -1; ///< an eventfd: stop() writes it to end the loop
    std::vector<std::unique_ptr<Client>> m_clients; ///< the thread's own
    std::thread m_thread;
    std::atomic<bool> m_running{false};
    std::mutex m_stopMutex;
};

} // namespace jobpool::detail
