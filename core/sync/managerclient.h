// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QString>

#include <chrono>
#include <memory>
#include <mutex>

namespace jobpool::detail {

/// This process's connection to one Manager, shared by every proxy of that manager here
/// and opened on the first call. A plain blocking-with-deadline Unix socket: it needs no
/// event loop, and any thread may call (one call at a time goes through).
///
/// After a failed call (the manager went away, did not answer in time, or sent garbage)
/// the connection is closed, and the next call connects again.
class ManagerClient final
{
public:
    /// The connection to the manager at \a address: the one proxies here already share,
    /// or a new, not yet connected one.
    static std::shared_ptr<ManagerClient> forAddress(const QString &address);
    ~ManagerClient();
    ManagerClient(const ManagerClient &) = delete;
    ManagerClient &operator=(const ManagerClient &) = delete;

    /// Sends \a request, a sealed frame (see manager::beginFrame), and returns the body of
    /// the reply. Throws PoolError when the manager cannot be reached, goes away, or does
    /// not answer within manager::kCallTimeout.
    QByteArray call(const QByteArray &request);

private:
    using Clock = std::chrono::steady_clock;
    explicit ManagerClient(QString address);
    void connectLocked();
    void disconnectLocked();
    /// Closes the connection and throws PoolError with \a what.
    [[noreturn]] void fail(const QString &what);
    void sendAll(const char *data, qsizetype size, Clock::time_point deadline);
    void receiveAll(char *data, qsizetype size, Clock::time_point deadline);
    void waitFor(short events, Clock::time_point deadline);

    QString m_address;
    std::mutex m_mutex;
    int m_fd = -1;
};

} // namespace jobpool::detail
