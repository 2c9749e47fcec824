// SPDX-License-Identifier: GPL-3.0-or-later
#include "managerclient.h"

#include "managerprotocol.h"

#include <jobpool/errors.h>

#include <QFile>
#include <QHash>

#include <cerrno>
#include <cstring>
#include <memory>

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace jobpool::detail {
namespace {

QString lastError()
{
    return QString::fromLocal8Bit(std::strerror(errno));
}

struct Registry
{
    std::mutex mutex;
    QHash<QString, std::weak_ptr<ManagerClient>> byAddress;
};

Registry &registry()
{
    static Registry r;
    return r;
}

} // namespace

std::shared_ptr<ManagerClient> ManagerClient::forAddress(const QString &address)
{
    Registry &r = registry();
    std::lock_guard lock(r.mutex);
    if (std::shared_ptr<ManagerClient> client = r.byAddress.value(address).lock())
        return client;
    if (r.byAddress.size() > 16)
        r.byAddress.removeIf([](const auto &entry) { return entry.value().expired(); });
    std::shared_ptr<ManagerClient> client(new ManagerClient(address));
    r.byAddress.insert(address, client);
    return client;
}

ManagerClient::ManagerClient(QString address)
    : m_address(std::move(address))
{}

ManagerClient::~ManagerClient()
{
    disconnectLocked();
}

QByteArray ManagerClient::call(const QByteArray &request)
{
    std::lock_guard lock(m_mutex);
    if (m_fd < 0)
        connectLocked();
    const Clock::time_point deadline = Clock::now() + manager::kCallTimeout;
    sendAll(request.constData(), request.size(), deadline);

    manager::FrameHeader header{};
    receiveAll(reinterpret_cast<char *>(&header), sizeof header, deadline);
    if (header.magic != manager::kFrameMagic || header.length > manager::kMaxFrame)
        fail(QStringLiteral("the Manager at %1 sent a malformed reply").arg(m_address));
    QByteArray body(qsizetype(header.length), Qt::Uninitialized);
    receiveAll(body.data(), body.size(), deadline);
    return body;
}

void ManagerClient::connectLocked()
{
    const QByteArray path = QFile::encodeName(m_address);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    if (path.isEmpty() || path.size() >= qsizetype(sizeof address.sun_path))
        throw PoolError(QStringLiteral("'%1' is not a Manager's address").arg(m_address));
    std::memcpy(address.sun_path, path.constData(), size_t(path.size()));

    m_fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (m_fd < 0)
        throw PoolError(QStringLiteral("Manager client: socket: %1").arg(lastError()));
    // A blocking connect waits only while the server's backlog is full; bound it.
    const timeval patience{std::chrono::seconds(manager::kCallTimeout).count(), 0};
    ::setsockopt(m_fd, SOL_SOCKET, SO_SNDTIMEO, &patience, sizeof patience);
    int result = 0;
    do {
        result = ::connect(m_fd, reinterpret_cast<const sockaddr *>(&address), sizeof address);
    } while (result != 0 && errno == EINTR);
    if (result != 0) {
        const int error = errno;
        disconnectLocked();
        if (error == ENOENT || error == ECONNREFUSED)
            throw PoolError(QStringLiteral("the Manager at %1 is not running (it was shut down, "
                                           "or its process ended)")
                                .arg(m_address));
        errno = error;
        throw PoolError(
            QStringLiteral("cannot connect to the Manager at %1: %2").arg(m_address, lastError()));
    }
    ucred peer{};
    socklen_t size = sizeof peer;
    if (::getsockopt(m_fd, SOL_SOCKET, SO_PEERCRED, &peer, &size) != 0 || peer.uid != ::geteuid())
        fail(QStringLiteral("the socket %1 is not served by this user").arg(m_address));
    ::fcntl(m_fd, F_SETFL, ::fcntl(m_fd, F_GETFL) | O_NONBLOCK);
}

void ManagerClient::disconnectLocked()
{
    if (m_fd >= 0)
        ::close(m_fd);
    m_fd = -1;
}

void ManagerClient::fail(const QString &what)
{
    disconnectLocked();
    throw PoolError(what);
}

void ManagerClient::waitFor(short events, Clock::time_point deadline)
{
    for (;;) {
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        if (left.count() <= 0)
            fail(QStringLiteral("the Manager at %1 did not answer within %2 s")
                     .arg(m_address)
                     .arg(manager::kCallTimeout.count()));
        pollfd fd{m_fd, events, 0};
        const int ready = ::poll(&fd, 1, int(left.count()));
        if (ready > 0)
            return; // readable, writable, or closed: the next recv/send says which
        if (ready < 0 && errno != EINTR)
            fail(QStringLiteral("Manager client: poll: %1").arg(lastError()));
    }
}

void ManagerClient::sendAll(const char *data, qsizetype size, Clock::time_point deadline)
{
    while (size > 0) {
        const ssize_t n = ::send(m_fd, data, size_t(size), MSG_NOSIGNAL);
        if (n >= 0) {
            data += n;
            size -= n;
        } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
            waitFor(POLLOUT, deadline);
        } else if (errno != EINTR) {
            fail(QStringLiteral("lost the connection to the Manager at %1 (it was shut down, or "
                                "its process ended)")
                     .arg(m_address));
        }
    }
}

void ManagerClient::receiveAll(char *data, qsizetype size, Clock::time_point deadline)
{
    while (size > 0) {
        const ssize_t n = ::recv(m_fd, data, size_t(size), 0);
        if (n > 0) {
            data += n;
            size -= n;
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            waitFor(POLLIN, deadline);
        } else if (n == 0 || errno != EINTR) {
            fail(QStringLiteral("lost the connection to the Manager at %1 (it was shut down, or "
                                "its process ended)")
                     .arg(m_address));
        }
    }
}

} // namespace jobpool::detail
