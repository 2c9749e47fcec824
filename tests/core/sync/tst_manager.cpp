// SPDX-License-Identifier: GPL-3.0-or-later
#include "../../../core/sync/managerprotocol.h"
#include "testsupport.h"

#include <jobpool/jobpool.h>

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QRegularExpression>
#include <QSet>
#include <QTest>

#include <csignal>
#include <cstring>
#include <limits>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

using namespace jobpool;
using detail::manager::Op;

namespace {

/// A connection to a manager's socket that speaks the protocol by hand (or breaks it).
class RawClient
{
public:
    explicit RawClient(const QString &address)
        : m_fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0))
    {
        sockaddr_un to{};
        to.sun_family = AF_UNIX;
        const QByteArray path = QFile::encodeName(address);
        std::memcpy(to.sun_path, path.constData(), size_t(path.size()));
        if (::connect(m_fd, reinterpret_cast<const sockaddr *>(&to), sizeof to) != 0)
            qFatal("cannot connect to %s: %s", path.constData(), std::strerror(errno));
        // Patience, not a timing limit: a broken server fails the test instead of hanging it.
        const timeval patience{60, 0};
        ::setsockopt(m_fd, SOL_SOCKET, SO_RCVTIMEO, &patience, sizeof patience);
    }
    ~RawClient() { ::close(m_fd); }
    RawClient(const RawClient &) = delete;
    RawClient &operator=(const RawClient &) = delete;

    bool send(QByteArrayView bytes)
    {
        while (!bytes.isEmpty()) {
            const ssize_t n = ::send(m_fd, bytes.data(), size_t(bytes.size()), MSG_NOSIGNAL);
            if (n <= 0)
                return false;
            bytes = bytes.sliced(n);
        }
        return true;
    }
    /// The body of the next reply; nothing once the server has closed the connection.
    std::optional<QByteArray> reply()
    {
        detail::manager::FrameHeader header{};
        if (!receive(reinterpret_cast<char *>(&header), sizeof header))
            return std::nullopt;
        QByteArray body(qsizetype(header.length), Qt::Uninitialized);
        if (header.magic != detail::manager::kFrameMagic || !receive(body.data(), body.size()))
            return std::nullopt;
        return body;
    }

private:
    bool receive(char *to, qsizetype size)
    {
        while (size > 0) {
            const ssize_t n = ::recv(m_fd, to, size_t(size), 0);
            if (n <= 0)
                return false;
            to += n;
            size -= n;
        }
        return true;
    }
    int m_fd;
};

QByteArray request(std::uint32_t object, std::uint8_t op, const QByteArray &arguments = {})
{
    QByteArray bytes;
    Encoder out(bytes);
    detail::manager::beginFrame(out);
    out.write(object);
    out.write(op);
    out.writeRaw(arguments.constData(), arguments.size());
    detail::manager::sealFrame(bytes);
    return bytes;
}

QByteArray header(std::uint32_t magic, std::uint32_t length)
{
    const detail::manager::FrameHeader h{magic, length};
    return QByteArray(reinterpret_cast<const char *>(&h), sizeof h);
}

/// The error text of a reply body, or an empty string for a success.
QString errorOf(const QByteArray &reply)
{
    if (reply.isEmpty() || reply.front() == char(detail::manager::Status::Ok))
        return {};
    Decoder in(reply.constData() + 1, reply.size() - 1);
    return in.read<QString>();
}

template<class F>
QString poolErrorOf(F &&f)
{
    try {
        f();
    } catch (const PoolError &e) {
        return e.message();
    }
    return {};
}

/// This process's manager sockets in the temporary directories.
QStringList managerSockets()
{
    const QStringList pattern{QStringLiteral("jobpool-manager-%1-*").arg(getpid())};
    QStringList dirs{QDir::tempPath()};
    if (!dirs.contains(QStringLiteral("/tmp")))
        dirs.append(QStringLiteral("/tmp"));
    QStringList found;
    for (const QString &dir : std::as_const(dirs))
        found += QDir(dir).entryList(pattern, QDir::System | QDir::Files | QDir::Hidden);
    return found;
}

qint64 writeEntry(QString key, ManagedDict dict)
{
    dict.insert(key, qint64(getpid()));
    return getpid();
}
JOBPOOL_TASK(writeEntry)

void appendMany(ManagedList list, int writer, int count)
{
    for (int i = 0; i < count; ++i)
        list.append(QStringLiteral("%1:%2").arg(writer).arg(i));
}
JOBPOOL_TASK(appendMany)

void incrementMany(ManagedDict dict, QString key, int times)
{
    for (int i = 0; i < times; ++i)
        dict.increment(key);
}
JOBPOOL_TASK(incrementMany)

void fillNamespace(ManagedNamespace ns)
{
    ns.set(QStringLiteral("pid"), qint64(getpid()));
    ns.set(QStringLiteral("echo"), ns.get(QStringLiteral("greeting")));
    ns.set(QStringLiteral("list"), QStringList{QStringLiteral("a"), QStringLiteral("b")});
    ns.remove(QStringLiteral("scratch"));
}
JOBPOOL_TASK(fillNamespace)

/// Sends the header of a 100-byte frame and 10 bytes of it, then dies.
void halfFrameAndDie(QString address)
{
    RawClient raw(address);
    raw.send(header(detail::manager::kFrameMagic, 100));
    raw.send(QByteArray(10, 'x'));
    raise(SIGKILL);
}
JOBPOOL_TASK(halfFrameAndDie)

/// Asks for a copy of a large dictionary and dies without reading it.
void requestAndDie(QString address, quint32 object)
{
    RawClient raw(address);
    raw.send(request(object, std::uint8_t(Op::Snapshot)));
    raise(SIGKILL);
}
JOBPOOL_TASK(requestAndDie)

/// Calls the manager for ever; says so through \a busy once it is well under way.
void callForever(ManagedDict dict, Event busy)
{
    for (int i = 1;; ++i) {
        dict.increment(QStringLiteral("loop"));
        if (i == 50)
            busy.set();
    }
}
JOBPOOL_TASK(callForever)

/// Connects, waits for the test to shut the manager down, then expects PoolError.
void callAcrossShutdown(ManagedDict dict, Event connected, Event goOn)
{
    dict.size();
    connected.set();
    if (!goOn.wait(std::chrono::minutes(1)))
        std::exit(4);
    try {
        dict.insert(QStringLiteral("late"), 1);
    } catch (const PoolError &) {
        return;
    }
    std::exit(3);
}
JOBPOOL_TASK(callAcrossShutdown)

void expectManagerGone(ManagedList list)
{
    try {
        list.append(1);
    } catch (const PoolError &) {
        return;
    }
    std::exit(3);
}
JOBPOOL_TASK(expectManagerGone)

} // namespace

class TestManager : public QObject
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
        QCOMPARE(managerSockets(), QStringList());
    }

    void dictWrittenByProcessesAndTasks()
    {
        Manager manager;
        ManagedDict shared = manager.dict();
        std::vector<std::unique_ptr<Process>> processes;
        for (int i = 0; i < 3; ++i) {
            processes.push_back(
                std::make_unique<Process>(writeEntry, QStringLiteral("process %1").arg(i), shared));
            processes.back()->start();
        }
        Pool pool({.workers = 2});
        const QList<qint64> taskPids = pool.starmap(
            writeEntry,
            QList<std::tuple<QString, ManagedDict>>{{QStringLiteral("task 0"), shared},
                                                    {QStringLiteral("task 1"), shared}});
        for (auto &p : processes) {
            QVERIFY(p->join());
            QCOMPARE(p->exitCode(), 0);
        }
        shared.insert(QStringLiteral("parent"), qint64(getpid()));

        const QVariantMap all = shared.toMap();
        QCOMPARE(all.size(), 6);
        for (int i = 0; i < 3; ++i)
            QCOMPARE(all.value(QStringLiteral("process %1").arg(i)).toLongLong(),
                     processes[size_t(i)]->pid());
        QCOMPARE(all.value(QStringLiteral("task 0")).toLongLong(), taskPids[0]);
        QCOMPARE(all.value(QStringLiteral("task 1")).toLongLong(), taskPids[1]);
        QCOMPARE(all.value(QStringLiteral("parent")).toLongLong(), qint64(getpid()));
    }

    void dictOperations()
    {
        Manager manager;
        ManagedDict d = manager.dict({{QStringLiteral("one"), 1}});
        QCOMPARE(d.size(), 1);
        QCOMPARE(d.value(QStringLiteral("one")), QVariant(1));
        QCOMPARE(d.value(QStringLiteral("none"), QStringLiteral("fallback")),
                 QVariant(QStringLiteral("fallback")));
        QVERIFY(!d.value(QStringLiteral("none")).isValid());

        const QVariantMap kinds{{QStringLiteral("bytes"), QByteArray("\0raw", 4)},
                                {QStringLiteral("double"), 2.5},
                                {QStringLiteral("list"), QStringList{QStringLiteral("x")}},
                                {QStringLiteral("map"), QVariantMap{{QStringLiteral("k"), true}}},
                                {QStringLiteral("text"), QStringLiteral("老鸟python")}};
        d.insert(kinds);
        QCOMPARE(d.size(), 6);
        for (auto it = kinds.cbegin(); it != kinds.cend(); ++it)
            QCOMPARE(d.value(it.key()), it.value());
        QVERIFY(d.contains(QStringLiteral("double")));
        QCOMPARE(d.keys(), QStringList({QStringLiteral("bytes"), QStringLiteral("double"),
                                        QStringLiteral("list"), QStringLiteral("map"),
                                        QStringLiteral("one"), QStringLiteral("text")}));
        QCOMPARE(d.values().size(), 6);
        QCOMPARE(d.values().at(4), QVariant(1));

        QCOMPARE(d.remove(QStringLiteral("double")), 1);
        QCOMPARE(d.remove(QStringLiteral("double")), 0);
        QCOMPARE(d.take(QStringLiteral("text")), QVariant(QStringLiteral("老鸟python")));
        QVERIFY(!d.take(QStringLiteral("text")).isValid());
        QVERIFY(!d.contains(QStringLiteral("text")));

        QCOMPARE(d.setDefault(QStringLiteral("one"), 100), QVariant(1));
        QCOMPARE(d.setDefault(QStringLiteral("new"), 100), QVariant(100));
        QCOMPARE(d.value(QStringLiteral("new")), QVariant(100));

        QCOMPARE(d.increment(QStringLiteral("one")), 2);
        QCOMPARE(d.increment(QStringLiteral("counter"), -5), -5);
        QCOMPARE(d.value(QStringLiteral("counter")).toLongLong(), -5);
        d.insert(QStringLiteral("big"), std::numeric_limits<qint64>::max());
        QVERIFY(poolErrorOf([&] { d.increment(QStringLiteral("big")); }).contains(u"overflows"));
        QVERIFY(poolErrorOf([&] { d.increment(QStringLiteral("list")); }).contains(u"integer"));
        QVERIFY(poolErrorOf([&] { d.increment(QStringLiteral("map"), 1); }).contains(u"integer"));

        d.clear();
        QVERIFY(d.isEmpty());
        QCOMPARE(d.toMap(), QVariantMap());
    }

    void listAppendsAreNeverLost()
    {
        constexpr int kProcesses = 4;
        constexpr int kEach = 250;
        constexpr int kTaskEach = 50;
        Manager manager;
        ManagedList list = manager.list();
        std::vector<std::unique_ptr<Process>> processes;
        for (int i = 0; i < kProcesses; ++i) {
            processes.push_back(std::make_unique<Process>(appendMany, list, i, kEach));
            processes.back()->start();
        }
        Pool pool({.workers = 2});
        pool.starmap(appendMany,
                     QList<std::tuple<ManagedList, int, int>>{{list, kProcesses, kTaskEach},
                                                              {list, kProcesses + 1, kTaskEach}});
        for (auto &p : processes) {
            QVERIFY(p->join());
            QCOMPARE(p->exitCode(), 0);
        }

        const QVariantList items = list.toList();
        QCOMPARE(items.size(), kProcesses * kEach + 2 * kTaskEach);
        QCOMPARE(list.size(), items.size());
        // Every item once, and each writer's items in the order it appended them.
        QList<int> next(kProcesses + 2, 0);
        for (const QVariant &item : items) {
            const QStringList parts = item.toString().split(QLatin1Char(':'));
            QCOMPARE(parts.size(), 2);
            const int writer = parts[0].toInt();
            QCOMPARE(parts[1].toInt(), next[writer]++);
        }
        for (int i = 0; i < kProcesses; ++i)
            QCOMPARE(next[i], kEach);
        QCOMPARE(next[kProcesses], kTaskEach);
        QCOMPARE(next[kProcesses + 1], kTaskEach);
    }

    void listOperations()
    {
        Manager manager;
        ManagedList list = manager.list({1, QStringLiteral("two"), 3.0});
        QCOMPARE(list.size(), 3);
        QCOMPARE(list.at(1), QVariant(QStringLiteral("two")));
        list.replace(0, QStringLiteral("one"));
        list.append(4);
        list.removeAt(2);
        QCOMPARE(list.toList(), QVariantList({QStringLiteral("one"), QStringLiteral("two"), 4}));
        QVERIFY(poolErrorOf([&] { list.at(3); }).contains(u"out of range"));
        QVERIFY(poolErrorOf([&] { list.replace(-1, 0); }).contains(u"out of range"));
        QVERIFY(poolErrorOf([&] { list.removeAt(7); }).contains(u"out of range"));
        QCOMPARE(list.size(), 3);
        list.clear();
        QVERIFY(list.isEmpty());
    }

    void namespaceAcrossProcesses()
    {
        Manager manager;
        ManagedNamespace ns = manager.ns();
        ns.set(QStringLiteral("greeting"), QStringLiteral("hello"));
        ns.set(QStringLiteral("scratch"), 0);
        Process p(fillNamespace, ns);
        p.start();
        QVERIFY(p.join());
        QCOMPARE(p.exitCode(), 0);
        QCOMPARE(ns.get(QStringLiteral("pid")).toLongLong(), p.pid());
        QCOMPARE(ns.get(QStringLiteral("echo")), QVariant(QStringLiteral("hello")));
        QCOMPARE(ns.get(QStringLiteral("list")).toStringList(),
                 QStringList({QStringLiteral("a"), QStringLiteral("b")}));
        QVERIFY(!ns.contains(QStringLiteral("scratch")));
        QVERIFY(!ns.remove(QStringLiteral("scratch")));
        QCOMPARE(ns.get(QStringLiteral("missing"), 7), QVariant(7));
        QCOMPARE(ns.toMap().keys(), QStringList({QStringLiteral("echo"), QStringLiteral("greeting"),
                                                 QStringLiteral("list"), QStringLiteral("pid")}));
    }

    void incrementRaceIsExact()
    {
        Manager manager;
        ManagedDict d = manager.dict();
        std::vector<std::unique_ptr<Process>> processes;
        for (int i = 0; i < 4; ++i) {
            processes.push_back(
                std::make_unique<Process>(incrementMany, d, QStringLiteral("n"), 1000));
            processes.back()->start();
        }
        for (auto &p : processes) {
            QVERIFY(p->join());
            QCOMPARE(p->exitCode(), 0);
        }
        QCOMPARE(d.value(QStringLiteral("n")).toLongLong(), 4000);
    }

    void proxiesWorkFromSeveralThreads()
    {
        Manager manager;
        ManagedDict d = manager.dict();
        ManagedList list = manager.list();
        std::vector<std::thread> threads;
        for (int i = 0; i < 4; ++i) {
            threads.emplace_back([d, list, i]() mutable {
                for (int j = 0; j < 250; ++j) {
                    d.increment(QStringLiteral("n"));
                    list.append(i);
                }
            });
        }
        for (std::thread &t : threads)
            t.join();
        QCOMPARE(d.value(QStringLiteral("n")).toLongLong(), 1000);
        QCOMPARE(list.size(), 1000);
    }

    void clientKilledMidFrame()
    {
        Manager manager;
        ManagedDict d = manager.dict();
        Process half(halfFrameAndDie, manager.address());
        half.start();
        QVERIFY(half.join());
        QCOMPARE(half.exitCode(), -SIGKILL);

        // A reply far larger than a socket buffer, which its client never reads.
        d.insert(QStringLiteral("bulk"), QByteArray(4 << 20, 'b'));
        Process greedy(requestAndDie, manager.address(), d.handle().id());
        greedy.start();
        QVERIFY(greedy.join());
        QCOMPARE(greedy.exitCode(), -SIGKILL);

        Process other(incrementMany, d, QStringLiteral("n"), 100);
        other.start();
        QVERIFY(other.join());
        QCOMPARE(other.exitCode(), 0);
        QCOMPARE(d.value(QStringLiteral("n")).toLongLong(), 100);
    }

    void clientKilledInALoopOfCalls()
    {
        Manager manager;
        ManagedDict d = manager.dict();
        for (int round = 0; round < 5; ++round) {
            Event busy;
            Process caller(callForever, d, busy);
            caller.start();
            QVERIFY(busy.wait(std::chrono::minutes(1)));
            caller.kill();
            QVERIFY(caller.join());
            QCOMPARE(caller.exitCode(), -SIGKILL);
        }
        QVERIFY(d.value(QStringLiteral("loop")).toLongLong() >= 5 * 50);

        Process other(incrementMany, d, QStringLiteral("after"), 100);
        other.start();
        QVERIFY(other.join());
        QCOMPARE(other.exitCode(), 0);
        QCOMPARE(d.value(QStringLiteral("after")).toLongLong(), 100);
    }

    void brokenFramesDropTheClient_data()
    {
        QTest::addColumn<QByteArray>("bytes");
        QTest::newRow("1 GiB announced") << header(detail::manager::kFrameMagic, 1u << 30);
        QTest::newRow("just over the limit")
            << header(detail::manager::kFrameMagic, detail::manager::kMaxFrame + 1);
        QTest::newRow("wrong magic") << QByteArray("GARBAGE!GARBAGE!");
    }
    void brokenFramesDropTheClient()
    {
        QFETCH(QByteArray, bytes);
        Manager manager;
        ManagedDict d = manager.dict();
        RawClient raw(manager.address());
        QTest::ignoreMessage(QtWarningMsg,
                             QRegularExpression(QStringLiteral("^jobpool::Manager: dropping a "
                                                               "client that sent a frame")));
        QVERIFY(raw.send(bytes));
        QVERIFY(!raw.reply()); // closed: the server read no further than the header
        d.insert(QStringLiteral("still"), QStringLiteral("serving"));
        QCOMPARE(d.value(QStringLiteral("still")), QVariant(QStringLiteral("serving")));
    }

    void badRequestsGetAnError_data()
    {
        QTest::addColumn<int>("object"); // -1: the dictionary's id
        QTest::addColumn<int>("op");
        QTest::addColumn<QByteArray>("arguments");
        QTest::addColumn<QString>("error");
        QTest::newRow("empty body") << -2 << 0 << QByteArray() << QStringLiteral("malformed");
        QTest::newRow("unknown object")
            << 9999 << int(Op::Size) << QByteArray() << QStringLiteral("no object 9999");
        QTest::newRow("unknown operation")
            << -1 << 250 << QByteArray() << QStringLiteral("unknown operation 250");
        QTest::newRow("list operation on a dict")
            << -1 << int(Op::Append) << QByteArray() << QStringLiteral("has no operation");
        QTest::newRow("missing argument")
            << -1 << int(Op::Value) << QByteArray() << QStringLiteral("malformed");
        QTest::newRow("hostile key length")
            << -1 << int(Op::Value) << QByteArray("\xff\xff\xff\xff\xff\xff\xff\x0f", 8)
            << QStringLiteral("malformed");
        QTest::newRow("bytes left over")
            << -1 << int(Op::Size) << QByteArray("junk") << QStringLiteral("malformed");
    }
    void badRequestsGetAnError()
    {
        QFETCH(int, object);
        QFETCH(int, op);
        QFETCH(QByteArray, arguments);
        QFETCH(QString, error);
        Manager manager;
        ManagedDict d = manager.dict({{QStringLiteral("k"), 1}});
        RawClient raw(manager.address());
        const QByteArray frame =
            object == -2 ? header(detail::manager::kFrameMagic, 0)
                         : request(object == -1 ? d.handle().id() : std::uint32_t(object),
                                   std::uint8_t(op), arguments);
        QVERIFY(raw.send(frame));
        const std::optional<QByteArray> reply = raw.reply();
        QVERIFY(reply);
        QVERIFY2(errorOf(*reply).contains(error), qPrintable(errorOf(*reply)));
        // The connection is still good, and so is the manager.
        QVERIFY(raw.send(request(d.handle().id(), std::uint8_t(Op::Size))));
        const std::optional<QByteArray> size = raw.reply();
        QVERIFY(size);
        QCOMPARE(errorOf(*size), QString());
        QCOMPARE(d.size(), 1);
    }

    void framesOverTheLimitFail()
    {
        Manager manager;
        ManagedDict d = manager.dict();
        const QString tooBig = poolErrorOf(
            [&] { d.insert(QStringLiteral("big"), QByteArray(detail::manager::kMaxFrame, 'x')); });
        QVERIFY2(tooBig.contains(u"larger than a frame"), qPrintable(tooBig));
        QVERIFY(d.isEmpty());

        const QByteArray third(detail::manager::kMaxFrame / 3 + 1, 'y');
        for (int i = 0; i < 3; ++i)
            d.insert(QString::number(i), third);
        const QString reply = poolErrorOf([&] { d.toMap(); });
        QVERIFY2(reply.contains(u"larger than a frame"), qPrintable(reply));
        QCOMPARE(d.size(), 3);
        QCOMPARE(d.value(QStringLiteral("1")).toByteArray().size(), third.size());
    }

    void callsAfterShutdownThrow()
    {
        Manager manager;
        ManagedDict d = manager.dict();
        ManagedList list = manager.list();
        Event connected;
        Event goOn;
        Process child(callAcrossShutdown, d, connected, goOn);
        child.start();
        QVERIFY(connected.wait(std::chrono::minutes(1)));
        QCOMPARE(d.size(), 0); // the parent is connected too

        manager.shutdown();
        QVERIFY(!manager.isRunning());
        goOn.set();
        QVERIFY(child.join());
        QCOMPARE(child.exitCode(), 0);

        const QString error = poolErrorOf([&] { d.insert(QStringLiteral("k"), 1); });
        QVERIFY2(error.contains(u"Manager"), qPrintable(error));
        QVERIFY(!poolErrorOf([&] { list.size(); }).isEmpty());
        QVERIFY(!poolErrorOf([&] { manager.dict(); }).isEmpty());
        manager.shutdown(); // twice is fine

        Process late(expectManagerGone, list);
        late.start();
        QVERIFY(late.join());
        QCOMPARE(late.exitCode(), 0);
        QVERIFY(!poolErrorOf([] { ManagedDict().size(); }).isEmpty());
    }

    void proxyOutlivesItsManager()
    {
        auto manager = std::make_unique<Manager>();
        ManagedNamespace ns = manager->ns();
        ns.set(QStringLiteral("x"), 1);
        manager.reset();
        QVERIFY(!poolErrorOf([&] { ns.get(QStringLiteral("x")); }).isEmpty());
    }

    void socketIsPrivateAndRemoved()
    {
        QString address;
        {
            Manager manager;
            address = manager.address();
            struct stat st
            {
            };
            QCOMPARE(::stat(QFile::encodeName(address).constData(), &st), 0);
            QVERIFY(S_ISSOCK(st.st_mode));
            QCOMPARE(st.st_mode & 07777, mode_t(S_IRUSR | S_IWUSR));
            QCOMPARE(st.st_uid, ::geteuid());
            QVERIFY(manager.isRunning());
            QCOMPARE(managerSockets().size(), 1);
        }
        QVERIFY(!QFile::exists(address));
        {
            Manager manager;
            address = manager.address();
            manager.shutdown();
            QVERIFY(!QFile::exists(address));
        }
    }

private:
    QStringList m_shm;
};

JOBPOOL_TEST_MAIN(TestManager)

#include "tst_manager.moc"
