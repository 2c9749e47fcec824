// SPDX-License-Identifier: GPL-3.0-or-later
#include "testsupport.h"

#include <jobpool/jobpool.h>

#include <QCoreApplication>
#include <QDataStream>
#include <QFile>
#include <QTest>

#include <csignal>

using namespace jobpool;

namespace {

/// A type that travels through QDataStream, not as raw bytes.
struct Sample
{
    QString name;
    QList<double> values;
    friend bool operator==(const Sample &, const Sample &) = default;
};

QDataStream &operator<<(QDataStream &s, const Sample &v)
{
    return s << v.name << v.values;
}

QDataStream &operator>>(QDataStream &s, Sample &v)
{
    return s >> v.name >> v.values;
}

/// The state letter of /proc/PID/stat: 'S' while the process sleeps.
char processState(qint64 pid)
{
    QFile file(QStringLiteral("/proc/%1/stat").arg(pid));
    if (!file.open(QIODevice::ReadOnly))
        return '?';
    const QByteArray stat = file.readAll();
    const qsizetype close = stat.lastIndexOf(')');
    return close >= 0 && close + 2 < stat.size() ? stat[close + 2] : '?';
}

/// Sends back everything it receives, doubled, until the other end closes.
void doubleBack(PipeEnd<int> conn)
{
    while (std::optional<int> v = conn.recv())
        conn.send(*v * 2);
}
JOBPOOL_TASK(doubleBack)

template<class T>
void echoBack(PipeEnd<T> conn)
{
    while (std::optional<T> v = conn.recv())
        conn.send(*v);
}
JOBPOOL_TASK(echoBack<QString>)
JOBPOOL_TASK(echoBack<QList<int>>)
JOBPOOL_TASK(echoBack<Sample>)
JOBPOOL_TASK(echoBack<QByteArray>)

void sendRange(PipeEnd<int> conn, int count, bool close)
{
    for (int i = 0; i < count; ++i)
        conn.send(i);
    if (close)
        conn.close();
}
JOBPOOL_TASK(sendRange)

void sendThenDie(PipeEnd<int> conn, int count)
{
    for (int i = 0; i < count; ++i)
        conn.send(i);
    raise(SIGKILL);
}
JOBPOOL_TASK(sendThenDie)

/// Sends a short message, then one larger than the pipe, which waits for a reader.
void sendHuge(PipeEnd<QByteArray> conn)
{
    conn.send(QByteArray("ready"));
    conn.send(QByteArray(8 * 1024 * 1024, 'h'));
}
JOBPOOL_TASK(sendHuge)

void receiveOneThenDie(PipeEnd<int> conn)
{
    conn.recv();
    raise(SIGKILL);
}
JOBPOOL_TASK(receiveOneThenDie)

void sendAndClose(PipeEnd<QString> conn, QString text)
{
    conn.send(text);
    conn.close();
}
JOBPOOL_TASK(sendAndClose)

template<class T>
void roundTrip(const QList<T> &values)
{
    auto [mine, theirs] = Pipe<T>::create();
    Process echo(echoBack<T>, theirs);
    echo.start();
    for (const T &v : values) {
        mine.send(v);
        const std::optional<T> back = mine.recv(std::chrono::minutes(1));
        QVERIFY(back);
        QCOMPARE(*back, v);
    }
    mine.close();
    QVERIFY(echo.join());
    QCOMPARE(echo.exitCode(), 0);
}

} // namespace

class TestPipe : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        test::installProcessLeakGuard();
        m_shm = test::sharedMemoryEntries();
    }
    void cleanup()
    {
        const QString left = test::leftovers(20000);
        QVERIFY2(left.isEmpty(), qPrintable(left));
        QCOMPARE(test::sharedMemoryEntries(), m_shm);
    }

    void bothDirections()
    {
        auto [a, b] = Pipe<int>::create();
        Process child(doubleBack, b);
        child.start();
        for (int i = 0; i < 1000; ++i)
            a.send(i);
        for (int i = 0; i < 1000; ++i)
            QCOMPARE(a.recv(std::chrono::minutes(1)), std::optional<int>(2 * i));
        QVERIFY(!a.poll());
        a.close(); // the child's recv() returns nothing: it ends
        QVERIFY(child.join());
        QCOMPARE(child.exitCode(), 0);
        QVERIFY(a.isClosed());
        QVERIFY_THROWS_EXCEPTION(PoolError, a.send(1));
        QVERIFY_THROWS_EXCEPTION(PoolError, a.recv());
    }

    void manyItemsInOrder()
    {
        // Many times the ring: it wraps, and the sender waits for room again and again.
        constexpr int Count = 300'000;
        auto [a, b] = Pipe<int>::create(false);
        Process sender(sendRange, b, Count, true);
        sender.start();
        for (int i = 0; i < Count; ++i) {
            const std::optional<int> v = a.recv(std::chrono::minutes(1));
            QVERIFY(v);
            QCOMPARE(*v, i);
        }
        QVERIFY(!a.recv()); // closed and drained: at once
        QVERIFY(sender.join());
        QCOMPARE(sender.exitCode(), 0);
    }

    void oneWayEndsRefuseTheOtherWay()
    {
        auto [receiving, sending] = Pipe<int>::create(false);
        QVERIFY_THROWS_EXCEPTION(PoolError, receiving.send(1));
        QVERIFY_THROWS_EXCEPTION(PoolError, sending.recv());
        QVERIFY_THROWS_EXCEPTION(PoolError, sending.poll());
        sending.send(5);
        QVERIFY(receiving.poll());
        QCOMPARE(receiving.recv(), std::optional<int>(5));
    }

    void pollAndTimeouts()
    {
        auto [a, b] = Pipe<int>::create(false);
        QVERIFY(!a.poll());
        QVERIFY(!a.poll(std::chrono::milliseconds(20)));
        QVERIFY(!a.recv(std::chrono::milliseconds(20)));
        QVERIFY(!a.recv(std::chrono::milliseconds(0)));
        Process sender(sendRange, b, 1, false);
        sender.start();
        QVERIFY(a.poll(std::chrono::minutes(1)));
        QCOMPARE(a.recv(std::chrono::milliseconds(0)), std::optional<int>(0));
        QVERIFY(sender.join());
    }

    void peerCloses()
    {
        auto [a, b] = Pipe<int>::create();
        Process sender(sendRange, b, 3, true);
        sender.start();
        for (int i = 0; i < 3; ++i)
            QCOMPARE(a.recv(std::chrono::minutes(1)), std::optional<int>(i));
        QVERIFY(!a.recv()); // no timeout: the close ends it
        QVERIFY(a.poll());  // recv() would not wait
        QVERIFY_THROWS_EXCEPTION(PoolError, a.send(1));
        QVERIFY(sender.join());
        QCOMPARE(sender.exitCode(), 0);
    }

    void peerDies()
    {
        auto [a, b] = Pipe<int>::create();
        Process sender(sendThenDie, b, 3);
        sender.start();
        for (int i = 0; i < 3; ++i)
            QCOMPARE(a.recv(std::chrono::minutes(1)), std::optional<int>(i));
        QVERIFY(!a.recv()); // its owner is dead: nothing more can come
        QVERIFY(sender.join());
        QCOMPARE(sender.exitCode(), -SIGKILL);
    }

    void peerDiesMidMessage()
    {
        auto [a, b] = Pipe<QByteArray>::create();
        Process sender(sendHuge, b);
        sender.start();
        QCOMPARE(a.recv(std::chrono::minutes(1)), std::optional<QByteArray>("ready"));
        QTRY_COMPARE(processState(sender.pid()), 'S'); // the big one fills the ring
        sender.kill();
        QVERIFY(sender.join());
        QVERIFY(!a.recv()); // the half-sent message never arrives
    }

    void sendFailsOnceTheReceiverDied()
    {
        auto [a, b] = Pipe<int>::create();
        Process receiver(receiveOneThenDie, b);
        receiver.start();
        a.send(0);
        QVERIFY(receiver.join());
        QCOMPARE(receiver.exitCode(), -SIGKILL);
        // Fills the ring, then notices nobody will ever make room.
        QVERIFY_THROWS_EXCEPTION(PoolError, for (;;) a.send(1));
    }

    void complexTypes()
    {
        roundTrip<QString>({QStringLiteral("hello"), QString(), QStringLiteral("管道 ✓")});
        if (QTest::currentTestFailed())
            return;
        roundTrip<QList<int>>({{}, {1, 2, 3}, QList<int>(100000, 7)});
        if (QTest::currentTestFailed())
            return;
        roundTrip<Sample>({{QStringLiteral("a"), {1.5, 2.5}}, {QString(), {}}});
        if (QTest::currentTestFailed())
            return;
        QByteArray big(24 * 1024 * 1024, Qt::Uninitialized);
        for (qsizetype i = 0; i < big.size(); ++i)
            big[i] = char((i * 131) >> 3);
        roundTrip<QByteArray>({big, QByteArray("small"), big});
    }

    void worksInPoolTasks()
    {
        auto [a, b] = Pipe<QString>::create(false);
        Pool pool({.workers = 1});
        pool.apply(sendAndClose, b, QStringLiteral("from a worker"));
        QCOMPARE(a.recv(std::chrono::minutes(1)),
                 std::optional<QString>(QStringLiteral("from a worker")));
        QVERIFY(!a.recv());
    }

private:
    QStringList m_shm;
};

JOBPOOL_TEST_MAIN(TestPipe)

#include "tst_pipe.moc"
