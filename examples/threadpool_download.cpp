// SPDX-License-Identifier: GPL-3.0-or-later
// IO-bound work wants threads, not processes (Python's multiprocessing.dummy / ThreadPool):
// ten downloads from a slow server, eight at a time. Each download spends its time waiting
// for the server, so threads are enough — and nothing has to be copied to another process,
// so the task is an ordinary capturing lambda: no JOBPOOL_TASK, no jobpool::init().
//
// To stay offline the "web server" is a QTcpServer in this program that answers each
// request 200 ms late. Its event loop runs in the main thread while the pool's threads wait.
#include <jobpool/threadpool.h>

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFutureWatcher>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTimer>

#include <chrono>
#include <cstdio>
#include <stdexcept>

using namespace std::chrono_literals;

/// Answers "GET <n>\n" with n × 100 bytes, 200 ms later, then hangs up.
class SlowServer : public QObject
{
public:
    SlowServer()
    {
        connect(&m_server, &QTcpServer::newConnection, this, [this] {
            QTcpSocket *client = m_server.nextPendingConnection();
            connect(client, &QTcpSocket::disconnected, client, &QObject::deleteLater);
            connect(client, &QTcpSocket::readyRead, client, [client] {
                if (!client->canReadLine())
                    return;
                const int page = client->readLine().trimmed().mid(4).toInt();
                QTimer::singleShot(200ms, client, [client, page] {
                    client->write(QByteArray(page * 100, 'x'));
                    client->disconnectFromHost();
                });
            });
        });
        m_server.listen(QHostAddress::LocalHost);
    }
    quint16 port() const { return m_server.serverPort(); }

private:
    QTcpServer m_server;
};

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    SlowServer server;
    const quint16 port = server.port();

    // Runs on a pool thread: a blocking download, as urlopen() is in Python.
    const auto download = [port](int page) -> QByteArray {
        QTcpSocket socket;
        socket.connectToHost(QHostAddress::LocalHost, port);
        if (!socket.waitForConnected(5000))
            throw std::runtime_error("cannot connect: " + socket.errorString().toStdString());
        socket.write("GET " + QByteArray::number(page) + '\n');
        QByteArray body;
        while (socket.waitForReadyRead(5000))
            body += socket.readAll();
        if (socket.error() != QAbstractSocket::RemoteHostClosedError)
            throw std::runtime_error("download failed: " + socket.errorString().toStdString());
        return body + socket.readAll();
    };

    jobpool::ThreadPool pool({.workers = 8});
    const QList<int> pages{1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    QElapsedTimer clock;
    clock.start();
    // mapAsync, so that this thread's event loop keeps serving while the threads download.
    QFutureWatcher<QByteArray> watcher;
    QObject::connect(&watcher, &QFutureWatcherBase::finished, &app, &QCoreApplication::quit);
    watcher.setFuture(pool.mapAsync(download, pages));
    app.exec();

    try {
        const QList<QByteArray> bodies = watcher.future().results(); // rethrows a failure
        qsizetype total = 0;
        for (qsizetype i = 0; i < bodies.size(); ++i) {
            std::printf("page %d: %lld bytes\n", pages[i],
                        static_cast<long long>(bodies[i].size()));
            total += bodies[i].size();
        }
        std::printf("fetched %lld pages (%lld bytes) in %lld ms; one at a time takes 2000 ms\n",
                    static_cast<long long>(bodies.size()), static_cast<long long>(total),
                    static_cast<long long>(clock.elapsed()));
    } catch (const jobpool::RemoteError &e) {
        std::printf("%s\n", e.what());
        return 1;
    }
}
