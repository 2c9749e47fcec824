// SPDX-License-Identifier: GPL-3.0-or-later
#include "singleinstance.h"

#include <QDataStream>
#include <QDir>
#include <QLocalServer>
#include <QLocalSocket>
#include <QStandardPaths>

#include <unistd.h>

namespace jobpool::app {
namespace {

constexpr quint32 kMagic = 0x4a504931;        // "JPI1": paths to open
constexpr quint32 kCommandMagic = 0x4a504331; // "JPC1": a command, answered with a string

QString defaultName()
{
    QString dir = QStandardPaths::writableLocation(QStandardPaths::RuntimeLocation);
    if (dir.isEmpty())
        dir = QDir::tempPath();
    return dir + QStringLiteral("/jobpool-%1.socket").arg(::getuid());
}

} // namespace

SingleInstance::SingleInstance(QString name, QObject *parent)
    : QObject(parent)
    , m_name(name.isEmpty() ? defaultName() : std::move(name))
{}

SingleInstance::~SingleInstance() = default;

namespace {

/// Connects to \a name and sends one framed message: \a magic and \a words. False when
/// nobody answers there.
bool send(QLocalSocket &socket, const QString &name, quint32 magic, const QList<QByteArray> &words,
          int timeoutMs)
{
    socket.connectToServer(name);
    if (!socket.waitForConnected(timeoutMs))
        return false;
    QByteArray message;
    QDataStream out(&message, QIODevice::WriteOnly);
    out << magic << words;
    QDataStream stream(&socket);
    stream << message;
    return socket.waitForBytesWritten(timeoutMs);
}

} // namespace

bool SingleInstance::forward(const QList<QByteArray> &paths, int timeoutMs) const
{
    QLocalSocket socket;
    if (!send(socket, m_name, kMagic, paths, timeoutMs))
        return false;
    // The answer says the window has them; a dead server leaves us waiting for nothing.
    return socket.waitForReadyRead(timeoutMs) && socket.read(1) == "k";
}

std::optional<QString> SingleInstance::ask(const QList<QByteArray> &command, int timeoutMs) const
{
    QLocalSocket socket;
    if (!send(socket, m_name, kCommandMagic, command, timeoutMs))
        return std::nullopt;
    QDataStream stream(&socket);
    for (;;) {
        stream.startTransaction();
        QString answer;
        stream >> answer;
        if (stream.commitTransaction())
            return answer;
        if (!socket.waitForReadyRead(timeoutMs))
            return std::nullopt; // an instance too old to know commands closes on us
    }
}

bool SingleInstance::listen()
{
    // Ask first: with socket options set, QLocalServer::listen() renames its socket into
    // place and would take the name from a live instance.
    QLocalSocket probe;
    probe.connectToServer(m_name);
    if (probe.waitForConnected(500))
        return false;
    QLocalServer::removeServer(m_name); // nobody answers: left by a crash, if anything
    m_server = new QLocalServer(this);
    m_server->setSocketOptions(QLocalServer::UserAccessOption);
    if (!m_server->listen(m_name))
        return false;
    connect(m_server, &QLocalServer::newConnection, this, [this] {
        while (QLocalSocket *socket = m_server->nextPendingConnection()) {
            connect(socket, &QLocalSocket::disconnected, socket, &QObject::deleteLater);
            connect(socket, &QLocalSocket::readyRead, socket, [this, socket] {
                QDataStream in(socket);
                in.startTransaction();
                QByteArray message;
                in >> message;
                if (!in.commitTransaction())
                    return; // more to come
                QDataStream body(message);
                quint32 magic = 0;
                QList<QByteArray> paths;
                body >> magic >> paths;
                if (magic == kCommandMagic && body.status() == QDataStream::Ok) {
                    const QString answer = m_commandHandler
                                               ? m_commandHandler(paths)
                                               : tr("this JobPool window takes no commands");
                    QDataStream reply(socket);
                    reply << answer;
                    socket->flush();
                    return;
                }
                if (magic != kMagic || body.status() != QDataStream::Ok) {
                    socket->abort();
                    return;
                }
                socket->write("k");
                socket->flush();
                emit pathsReceived(paths);
            });
        }
    });
    return true;
}

} // namespace jobpool::app
