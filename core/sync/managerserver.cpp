// SPDX-License-Identifier: GPL-3.0-or-later
#include "managerserver.h"

#include <jobpool/errors.h>

#include <QDir>
#include <QFile>
#include <QRandomGenerator>

#include <cerrno>
#include <cstddef>
#include <cstring>

#include <poll.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

namespace jobpool::detail {
namespace {

using manager::FrameHeader;

QString lastError()
{
    return QString::fromLocal8Bit(std::strerror(errno));
}

enum class FrameState { Partial, Whole, Bad };

/// Whether \a in starts with a whole frame (of \a total bytes, header included). A header
/// that is not ours, or announces more than kMaxFrame, is Bad before its body arrives.
FrameState inspect(const QByteArray &in, qsizetype *total, QString *problem)
{
    if (in.size() < qsizetype(sizeof(FrameHeader)))
        return FrameState::Partial;
    FrameHeader header;
    std::memcpy(&header, in.constData(), sizeof header);
    if (header.magic != manager::kFrameMagic) {
        *problem = QStringLiteral("a frame that does not start with the manager's magic");
        return FrameState::Bad;
    }
    if (header.length > manager::kMaxFrame) {
        *problem = QStringLiteral("a frame of %1 bytes (at most %2 are accepted)")
                       .arg(header.length)
                       .arg(manager::kMaxFrame);
        return FrameState::Bad;
    }
    *total = qsizetype(sizeof header) + qsizetype(header.length);
    return in.size() >= *total ? FrameState::Whole : FrameState::Partial;
}

void dropWith(const QString &problem)
{
    qWarning("jobpool::Manager: dropping a client that sent %s", qPrintable(problem));
}

} // namespace

struct ManagerServer::Client
{
    explicit Client(int descriptor)
        : fd(descriptor)
    {}
    ~Client() { ::close(fd); }
    Client(const Client &) = delete;
    Client &operator=(const Client &) = delete;

    int fd;
    QByteArray in;      ///< what has arrived and is not served yet
    QByteArray out;     ///< the reply being sent; nothing more is read until it is gone
    qsizetype sent = 0; ///< bytes of out already written
};

ManagerServer::ManagerServer()
{
    m_wake = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (m_wake < 0)
        throw PoolError(QStringLiteral("Manager: eventfd: %1").arg(lastError()));
    try {
        bindSocket();
        m_running = true;
        m_thread = std::thread([this] { run(); });
    } catch (...) {
        if (m_listener >= 0) {
            ::unlink(m_path.constData());
            ::close(m_listener);
        }
        ::close(m_wake);
        throw;
    }
}

ManagerServer::~ManagerServer()
{
    stop();
}

void ManagerServer::bindSocket()
{
    // The socket is created with whatever mode the umask gives, and made private before
    // listen(): until then nobody can connect to it at all.
    QString directory = QDir::tempPath();
    for (int attempt = 0; attempt < 32; ++attempt) {
        const QString path =
            QStringLiteral("%1/jobpool-manager-%2-%3")
                .arg(directory)
                .arg(::getpid())
                .arg(QRandomGenerator::system()->generate64(), 16, 16, QLatin1Char('0'));
        const QByteArray native = QFile::encodeName(path);
        sockaddr_un address{};
        address.sun_family = AF_UNIX;
        if (native.size() >= qsizetype(sizeof address.sun_path)) {
            directory = QStringLiteral("/tmp"); // a TMPDIR too long for a socket path
            continue;
        }
        std::memcpy(address.sun_path, native.constData(), size_t(native.size()));
        const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0)
            throw PoolError(QStringLiteral("Manager: socket: %1").arg(lastError()));
        if (::bind(fd, reinterpret_cast<const sockaddr *>(&address), sizeof address) != 0) {
            const int error = errno;
            ::close(fd);
            if (error == EADDRINUSE)
                continue;
            errno = error;
            throw PoolError(QStringLiteral("Manager: cannot bind %1: %2").arg(path, lastError()));
        }
        if (::chmod(native.constData(), S_IRUSR | S_IWUSR) != 0 || ::listen(fd, SOMAXCONN) != 0) {
            const QString error = lastError();
            ::unlink(native.constData());
            ::close(fd);
            throw PoolError(QStringLiteral("Manager: cannot listen on %1: %2").arg(path, error));
        }
        m_listener = fd;
        m_address = path;
        m_path = native;
        return;
    }
    throw PoolError(QStringLiteral("Manager: found no free socket name in %1").arg(directory));
}

void ManagerServer::stop()
{
    std::lock_guard lock(m_stopMutex);
    if (!m_thread.joinable())
        return;
    ::unlink(m_path.constData()); // from now on a new client is told "no such file" at once
    const std::uint64_t one = 1;
    while (::write(m_wake, &one, sizeof one) < 0 && errno == EINTR) {
    }
    m_thread.join();
    ::close(m_listener);
    ::close(m_wake);
    m_listener = m_wake = -1;
}

void ManagerServer::run()
{
    pthread_setname_np(pthread_self(), "jobpool-manager");
    std::vector<pollfd> fds;
    bool acceptPaused = false;
    for (;;) {
        fds.clear();
        fds.push_back({m_wake, POLLIN, 0});
        fds.push_back({acceptPaused ? -1 : m_listener, POLLIN, 0});
        for (const auto &client : m_clients)
            fds.push_back({client->fd, short(client->out.isEmpty() ? POLLIN : POLLOUT), 0});
        if (::poll(fds.data(), nfds_t(fds.size()), -1) < 0) {
            if (errno == EINTR)
                continue;
            qCritical("jobpool::Manager: poll: %s", std::strerror(errno));
            break;
        }
        if (fds[0].revents != 0)
            break;
        // Clients accepted now are polled from the next round on.
        const std::size_t polled = fds.size() - 2;
        if (fds[1].revents & POLLIN)
            acceptPaused = !acceptClients();
        for (std::size_t i = polled; i-- > 0;) {
            const short events = fds[i + 2].revents;
            if (events == 0)
                continue;
            Client &client = *m_clients[i];
            bool keep = false;
            try {
                if (events & POLLNVAL)
                    keep = false;
                else if (events & POLLOUT)
                    keep = flush(client) && serve(client);
                else
                    keep = receive(client) && serve(client);
            } catch (const std::bad_alloc &) {
                qWarning("jobpool::Manager: out of memory serving a client; dropping it");
            }
            if (!keep) {
                m_clients.erase(m_clients.begin() + std::ptrdiff_t(i));
                acceptPaused = false;
            }
        }
    }
    m_clients.clear(); // closes every connection: their calls fail at once
    m_running = false;
}

bool ManagerServer::acceptClients()
{
    for (;;) {
        const int fd = ::accept4(m_listener, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            switch (errno) {
            case EINTR:
            case ECONNABORTED:
                continue;
            case EAGAIN:
                return true;
            case EMFILE:
            case ENFILE:
            case ENOBUFS:
            case ENOMEM:
                qWarning("jobpool::Manager: cannot accept a client: %s", std::strerror(errno));
                return false;
            default:
                qWarning("jobpool::Manager: accept: %s", std::strerror(errno));
                return true;
            }
        }
        // The socket file is private already; the peer's credentials say so again.
        ucred peer{};
        socklen_t size = sizeof peer;
        if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &peer, &size) != 0
            || peer.uid != ::geteuid()) {
            qWarning("jobpool::Manager: refusing a client of user %u", unsigned(peer.uid));
            ::close(fd);
            continue;
        }
        m_clients.push_back(std::make_unique<Client>(fd));
    }
}

bool ManagerServer::receive(Client &client)
{
    char buffer[64 * 1024];
    for (;;) {
        qsizetype total = 0;
        QString problem;
        switch (inspect(client.in, &total, &problem)) {
        case FrameState::Bad:
            dropWith(problem);
            return false;
        case FrameState::Whole:
            return true; // served first; anything after it waits in the socket
        case FrameState::Partial:
            break;
        }
        const ssize_t n = ::recv(client.fd, buffer, sizeof buffer, MSG_DONTWAIT);
        if (n > 0) {
            client.in.append(buffer, qsizetype(n));
        } else if (n == 0) {
            return false; // gone, perhaps in the middle of a frame
        } else if (errno != EINTR) {
            return errno == EAGAIN || errno == EWOULDBLOCK;
        }
    }
}

bool ManagerServer::serve(Client &client)
{
    while (client.out.isEmpty()) {
        qsizetype total = 0;
        QString problem;
        switch (inspect(client.in, &total, &problem)) {
        case FrameState::Bad:
            dropWith(problem);
            return false;
        case FrameState::Partial:
            return true;
        case FrameState::Whole:
            break;
        }
        const qsizetype header = sizeof(FrameHeader);
        client.out = m_store.execute(QByteArrayView(client.in).sliced(header, total - header));
        client.sent = 0;
        if (total == client.in.size())
            client.in.clear();
        else
            client.in.remove(0, total);
        if (!flush(client))
            return false;
    }
    return true;
}

bool ManagerServer::flush(Client &client)
{
    while (client.sent < client.out.size()) {
        const ssize_t n =
            ::send(client.fd, client.out.constData() + client.sent,
                   size_t(client.out.size() - client.sent), MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n >= 0)
            client.sent += n;
        else if (errno == EAGAIN || errno == EWOULDBLOCK)
            return true; // the rest when the socket has room
        else if (errno != EINTR)
            return false; // gone before taking its reply
    }
    client.out.clear();
    client.sent = 0;
    return true;
}

} // namespace jobpool::detail
