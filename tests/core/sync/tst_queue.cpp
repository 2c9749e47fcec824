// SPDX-License-Identifier: GPL-3.0-or-later
#include "testsupport.h"

#include <jobpool/jobpool.h>

#include <QCoreApplication>
#include <QDataStream>
#include <QFile>
#include <QTest>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <memory>
#include <utility>
#include <vector>

#include <pthread.h>
#include <sys/mman.h>

using namespace jobpool;

namespace {

/// A type that travels through QDataStream, not as raw bytes.
struct Sample
{
    QString name;
    QList<double> values;
    qint64 id = 0;
    friend bool operator==(const Sample &, const Sample &) = default;
};

QDataStream &operator<<(QDataStream &s, const Sample &v)
{
    return s << v.name << v.values << v.id;
}

QDataStream &operator>>(QDataStream &s, Sample &v)
{
    return s >> v.name >> v.values >> v.id;
}

using NamedNumber = std::pair<QString, int>;

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

/// Item \a seq of producer \a producer: its tag, then bytes that depend on both.
QByteArray taggedItem(int producer, int seq, qsizetype size)
{
    QByteArray item(size, Qt::Uninitialized);
    for (qsizetype i = 0; i < size; ++i)
        item[i] = char((producer * 31 + seq * 7 + i) & 0xff);
    std::memcpy(item.data(), &producer, sizeof producer);
    std::memcpy(item.data() + sizeof producer, &seq, sizeof seq);
    return item;
}

/// Pages of \a block in memory (white box: a queue's items live in its block).
qsizetype residentPages(const detail::SharedBlock &block)
{
    const std::size_t page = std::size_t(sysconf(_SC_PAGESIZE));
    std::vector<unsigned char> resident((block.size() + page - 1) / page);
    if (mincore(block.data(), block.size(), resident.data()) != 0)
        return -1;
    return std::count_if(resident.begin(), resident.end(), [](unsigned char r) { return r & 1; });
}

template<class T>
void echoAll(Queue<T> in, Queue<T> out)
{
    while (std::optional<T> value = in.get())
        out.put(*value);
}
JOBPOOL_TASK(echoAll<int>)
JOBPOOL_TASK(echoAll<QString>)
JOBPOOL_TASK(echoAll<QList<int>>)
JOBPOOL_TASK(echoAll<NamedNumber>)
JOBPOOL_TASK(echoAll<Sample>)
JOBPOOL_TASK(echoAll<QByteArray>)

void putRange(Queue<int> q, int first, int step, int end)
{
    for (int i = first; i < end; i += step)
        q.put(i);
}
JOBPOOL_TASK(putRange)

/// Says it is about to wait, then doubles one item from \a in into \a out.
void doubleOne(Queue<int> in, Queue<int> out, Event waiting)
{
    waiting.set();
    if (std::optional<int> v = in.get())
        out.put(*v * 2);
}
JOBPOOL_TASK(doubleOne)

/// Counts what it gets until the queue is closed and drained.
void drain(Queue<int> q, Value<int> count, Event waiting)
{
    waiting.set();
    while (q.get())
        count.store(count.load() + 1);
}
JOBPOOL_TASK(drain)

void consumeAll(JoinableQueue<int> q, Value<int> sum)
{
    while (std::optional<int> v = q.get()) {
        sum.store(sum.load() + *v);
        q.taskDone();
    }
}
JOBPOOL_TASK(consumeAll)

void putSquare(Queue<int> q, int x)
{
    q.put(x * x);
}
JOBPOOL_TASK(putSquare)

/// Takes the queue's producer mutex, the first thing in its block (white box), and dies
/// holding it: what a process killed inside put() leaves.
void dieHoldingTheQueue(Queue<int> q)
{
    pthread_mutex_lock(static_cast<pthread_mutex_t *>(q.block()->data()));
    raise(SIGKILL);
}
JOBPOOL_TASK(dieHoldingTheQueue)

void putTagged(Queue<QByteArray> q, int producer, int count)
{
    for (int seq = 0; count < 0 || seq < count; ++seq)
        q.put(taggedItem(producer, seq, 4096 + seq % 512));
}
JOBPOOL_TASK(putTagged)

/// Checks every item; per producer counts them in \a counts[producer] and requires them in
/// order; counts[0] is the number of bad items.
void checkTagged(Queue<QByteArray> q, Array<qint64> counts)
{
    std::vector<int> next(std::size_t(counts.size()), 0);
    while (std::optional<QByteArray> item = q.get()) {
        int producer = 0, seq = 0;
        std::memcpy(&producer, item->constData(), sizeof producer);
        std::memcpy(&seq, item->constData() + sizeof producer, sizeof seq);
        const bool good = producer > 0 && producer < counts.size()
                          && seq == next[std::size_t(producer)]
                          && *item == taggedItem(producer, seq, 4096 + seq % 512);
        if (!good) {
            std::atomic_ref(counts[0]).fetch_add(1);
            continue;
        }
        ++next[std::size_t(producer)];
        std::atomic_ref(counts[producer]).fetch_add(1);
    }
}
JOBPOOL_TASK(checkTagged)

void produceIds(Queue<qint32> q, qint32 first, qint32 step, qint32 end)
{
    for (qint32 id = first; id < end; id += step)
        q.put(id);
}
JOBPOOL_TASK(produceIds)

/// Marks each id it gets in \a seen (a duplicate makes a 2) and stores how many it got.
void consumeIds(Queue<qint32> q, Array<quint8> seen, Array<qint64> counts, int index)
{
    qint64 n = 0;
    while (std::optional<qint32> id = q.get()) {
        if (*id < 0 || *id >= seen.size()) {
            counts[index] = -1;
            return;
        }
        std::atomic_ref(seen[*id]).fetch_add(1, std::memory_order_relaxed);
        ++n;
    }
    counts[index] = n;
}
JOBPOOL_TASK(consumeIds)

template<class T>
void roundTrip(const QList<T> &values)
{
    Queue<T> in;
    Queue<T> out;
    Process echo(echoAll<T>, in, out);
    echo.start();
    for (const T &v : values)
        QVERIFY(in.put(v));
    in.close();
    for (const T &v : values) {
        const std::optional<T> back = out.get(std::chrono::minutes(1));
        QVERIFY(back);
        QCOMPARE(*back, v);
    }
    QVERIFY(echo.join());
    QCOMPARE(echo.exitCode(), 0);
    QVERIFY(!out.tryGet());
}

} // namespace

class TestQueue : public QObject
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

    void fifoAcrossProcesses()
    {
        Queue<int> q;
        Process producer(putRange, q, 0, 1, 5000);
        producer.start();
        for (int i = 0; i < 5000; ++i) {
            const std::optional<int> v = q.get(std::chrono::minutes(1));
            QVERIFY(v);
            QCOMPARE(*v, i);
        }
        QVERIFY(producer.join());
        QCOMPARE(producer.exitCode(), 0);
        QVERIFY(q.empty());
    }

    void getSleepsUntilAnotherProcessPuts()
    {
        Queue<int> in;
        Queue<int> out;
        Event waiting;
        Process child(doubleOne, in, out, waiting);
        child.start();
        QVERIFY(waiting.wait(std::chrono::minutes(1)));
        QTRY_COMPARE(processState(child.pid()), 'S'); // asleep in get(): nothing to take
        QVERIFY(in.put(21));
        QCOMPARE(out.get(std::chrono::minutes(1)), std::optional<int>(42));
        QVERIFY(child.join());
        QCOMPARE(child.exitCode(), 0);
    }

    void timeouts()
    {
        Queue<int> q(1);
        QCOMPARE(q.get(std::chrono::milliseconds(20)), std::nullopt);
        QCOMPARE(q.get(std::chrono::milliseconds(0)), std::nullopt);
        QVERIFY(q.put(1, std::chrono::milliseconds(0)));
        QVERIFY(!q.put(2, std::chrono::milliseconds(20))); // full
        QVERIFY(!q.put(2, std::chrono::milliseconds(0)));
        QCOMPARE(q.get(std::chrono::milliseconds(20)), std::optional<int>(1));
    }

    void tryGetSizeAndEmpty()
    {
        Queue<int> q;
        QVERIFY(q.empty());
        QCOMPARE(q.size(), 0);
        QCOMPARE(q.capacity(), 0);
        QCOMPARE(q.tryGet(), std::nullopt);
        q.put(7);
        q.put(8);
        QCOMPARE(q.size(), 2);
        QVERIFY(!q.empty());
        QCOMPARE(q.tryGet(), std::optional<int>(7));
        QCOMPARE(q.size(), 1);
        Queue<int> same = q; // a handle to the same queue
        QCOMPARE(same.tryGet(), std::optional<int>(8));
        QVERIFY(q.empty());
    }

    void putWaitsWhileFull()
    {
        Queue<int> q(2);
        QCOMPARE(q.capacity(), 2);
        Process producer(putRange, q, 0, 1, 10);
        producer.start();
        QTRY_COMPARE(q.size(), 2);
        QTRY_COMPARE(processState(producer.pid()), 'S'); // waiting for room
        QVERIFY(producer.isAlive());
        QCOMPARE(q.size(), 2);
        for (int i = 0; i < 10; ++i)
            QCOMPARE(q.get(std::chrono::minutes(1)), std::optional<int>(i));
        QVERIFY(producer.join());
        QCOMPARE(producer.exitCode(), 0);
    }

    void regionBoundsTheBytes()
    {
        // 64 KiB of room: three 20 KiB items fit, a fourth waits; a 128 KiB one never fits.
        Queue<QByteArray> q(0, 64 * 1024);
        const QByteArray item(20 * 1024, 'x');
        for (int i = 0; i < 3; ++i)
            QVERIFY(q.put(item, std::chrono::milliseconds(0)));
        QVERIFY(!q.put(item, std::chrono::milliseconds(20)));
        QVERIFY_THROWS_EXCEPTION(PoolError, q.put(QByteArray(128 * 1024, 'y')));
        QCOMPARE(q.get(), std::optional<QByteArray>(item));
        QVERIFY(q.put(item, std::chrono::milliseconds(0))); // round the end of the ring
        for (int i = 0; i < 3; ++i)
            QCOMPARE(q.get(), std::optional<QByteArray>(item));
        QVERIFY(q.empty());
        // Empty, its head past the middle: an item of almost all of it still fits.
        const QByteArray most(60 * 1024, 'm');
        for (int i = 0; i < 3; ++i) {
            QVERIFY(q.put(most, std::chrono::milliseconds(0)));
            QCOMPARE(q.get(), std::optional<QByteArray>(most));
        }
    }

    void memoryFollowsTheItems()
    {
        constexpr qsizetype MiB = 1024 * 1024;
        constexpr qsizetype Page = 4096;
        Queue<QByteArray> q; // 1 GiB of address space
        QCOMPARE(q.block()->size(), std::size_t(Queue<QByteArray>::DefaultRegionBytes + Page));
        QVERIFY(residentPages(*q.block()) <= 1); // the header
        const QByteArray big(32 * MiB, 'x');
        q.put(big);
        QVERIFY(residentPages(*q.block()) >= 32 * MiB / Page);
        QCOMPARE(q.get(), std::optional<QByteArray>(big));
        QVERIFY(residentPages(*q.block()) <= (4 * MiB + Page) / Page); // emptied: one chunk
        // A backlog that never drains: the ring comes round three times, and what the
        // readers leave behind goes back chunk by chunk.
        Queue<QByteArray> ring(0, 64 * MiB);
        const QByteArray item(MiB, 'r');
        ring.put(item);
        ring.put(item);
        for (int i = 0; i < 200; ++i) {
            ring.put(item);
            QCOMPARE(ring.get()->size(), MiB);
        }
        QVERIFY2(residentPages(*ring.block()) <= 16 * MiB / Page,
                 qPrintable(QString::number(residentPages(*ring.block()))));
        QCOMPARE(ring.size(), 2);
    }

    void closeDrainsThenEnds()
    {
        Queue<int> q;
        Value<int> count(0);
        Event waiting;
        Process consumer(drain, q, count, waiting);
        consumer.start();
        QVERIFY(waiting.wait(std::chrono::minutes(1)));
        for (int i = 0; i < 3; ++i)
            q.put(i);
        QTRY_COMPARE(count.load(), 3);
        QTRY_COMPARE(processState(consumer.pid()), 'S'); // waiting for a fourth
        q.close();                                       // wakes it: it ends
        QVERIFY(consumer.join());
        QCOMPARE(consumer.exitCode(), 0);

        Queue<int> r;
        r.put(1);
        r.put(2);
        r.close();
        QVERIFY(r.isClosed());
        QVERIFY_THROWS_EXCEPTION(PoolError, r.put(3));
        QCOMPARE(r.get(), std::optional<int>(1)); // what is left still comes out
        QCOMPARE(r.get(), std::optional<int>(2));
        QCOMPARE(r.get(), std::nullopt); // then nothing, without waiting
    }

    void closeFailsAWaitingPut()
    {
        Queue<int> q(1);
        q.put(0);
        Process producer(putRange, q, 1, 1, 3);
        producer.start();
        QTRY_COMPARE(processState(producer.pid()), 'S'); // waiting for room
        q.close();
        QVERIFY(producer.join());
        QCOMPARE(producer.exitCode(), 1); // its put() threw
        QCOMPARE(q.get(), std::optional<int>(0));
        QCOMPARE(q.get(), std::nullopt);
    }

    void joinableQueue()
    {
        JoinableQueue<int> q;
        QVERIFY(q.join(std::chrono::milliseconds(0))); // nothing put: nothing to wait for
        for (int i = 1; i <= 5; ++i)
            q.put(i);
        QVERIFY(!q.join(std::chrono::milliseconds(20)));
        Value<int> sum(0);
        Process consumer(consumeAll, q, sum);
        consumer.start();
        QVERIFY(q.join());
        QCOMPARE(sum.load(), 15);
        QVERIFY_THROWS_EXCEPTION(PoolError, q.taskDone()); // one more than was put
        q.put(6);
        QVERIFY(q.join(std::chrono::minutes(1)));
        QCOMPARE(sum.load(), 21);
        q.close();
        QVERIFY(consumer.join());
        QCOMPARE(consumer.exitCode(), 0);

        JoinableQueue<int> local;
        local.put(1);
        QCOMPARE(local.get(), std::optional<int>(1));
        local.taskDone();
        QVERIFY(local.join(std::chrono::milliseconds(0)));
        QVERIFY_THROWS_EXCEPTION(PoolError, local.taskDone());
    }

    void complexTypes()
    {
        roundTrip<QString>({QStringLiteral("hello"), QString(), QStringLiteral("队列 ✓")});
        if (QTest::currentTestFailed())
            return;
        roundTrip<QList<int>>({{}, {1, 2, 3}, QList<int>(10000, 7)});
        if (QTest::currentTestFailed())
            return;
        roundTrip<NamedNumber>({{QStringLiteral("one"), 1}, {QString(), -2}});
        if (QTest::currentTestFailed())
            return;
        roundTrip<Sample>({{QStringLiteral("a"), {1.5, 2.5}, 1}, {QString(), {}, -7}});
    }

    void largeItem()
    {
        QByteArray big(32 * 1024 * 1024, Qt::Uninitialized);
        for (qsizetype i = 0; i < big.size(); ++i)
            big[i] = char((i * 131) >> 3);
        roundTrip<QByteArray>({big, QByteArray("small"), big});
    }

    void holderKilledInsideTheQueue()
    {
        Queue<int> in;
        Queue<int> out;
        Event waiting;
        Process consumer(doubleOne, in, out, waiting);
        consumer.start();
        QVERIFY(waiting.wait(std::chrono::minutes(1)));
        QTRY_COMPARE(processState(consumer.pid()), 'S');

        Process dying(dieHoldingTheQueue, in);
        dying.start();
        QVERIFY(dying.join());
        QCOMPARE(dying.exitCode(), -SIGKILL);
        // The mutex is robust: the next put gets it, and wakes the sleeping consumer.
        QVERIFY(in.put(5, std::chrono::minutes(1)));
        QCOMPARE(out.get(std::chrono::minutes(1)), std::optional<int>(10));
        QVERIFY(consumer.join());
        QCOMPARE(consumer.exitCode(), 0);
        in.put(1);
        QCOMPARE(in.tryGet(), std::optional<int>(1));
    }

    void producerKilledMidStream()
    {
        // A small queue, so that the doomed producer is inside put() most of the time.
        constexpr int GoodItems = 1000;
        Queue<QByteArray> q(8);
        Array<qint64> counts(3); // bad items, producer 1's, producer 2's
        Process consumer(checkTagged, q, counts);
        Process good(putTagged, q, 1, GoodItems);
        Process doomed(putTagged, q, 2, -1);
        consumer.start();
        doomed.start();
        good.start();
        QTRY_VERIFY(std::atomic_ref(counts[2]).load() >= 200);
        doomed.kill();
        QVERIFY(doomed.join());
        QCOMPARE(doomed.exitCode(), -SIGKILL);
        QVERIFY(good.join());
        QCOMPARE(good.exitCode(), 0);
        q.close();
        QVERIFY(consumer.join());
        QCOMPARE(consumer.exitCode(), 0);
        QCOMPARE(counts[0], qint64(0));         // nothing torn
        QCOMPARE(counts[1], qint64(GoodItems)); // nothing lost, in order
        QVERIFY(q.empty());
    }

    void consumerKilledMidStream()
    {
        // Two consumers of a small queue; one is killed, nearly always inside get(). The
        // other gets everything else: at most the one item the dead one held is missing.
        constexpr qint32 Items = 200'000;
        Queue<qint32> q(16);
        Array<quint8> seen(Items);
        Array<qint64> counts(2);
        Process doomed(consumeIds, q, seen, counts, 0);
        Process survivor(consumeIds, q, seen, counts, 1);
        Process producer(produceIds, q, qint32(0), qint32(1), Items);
        doomed.start();
        survivor.start();
        producer.start();
        QTRY_VERIFY(std::atomic_ref(seen[Items / 10]).load() != 0);
        doomed.kill();
        QVERIFY(doomed.join());
        QCOMPARE(doomed.exitCode(), -SIGKILL);
        QVERIFY(producer.join());
        QCOMPARE(producer.exitCode(), 0);
        q.close();
        QVERIFY(survivor.join());
        QCOMPARE(survivor.exitCode(), 0);
        qsizetype missing = 0, twice = 0;
        for (quint8 s : seen.span()) {
            missing += s == 0;
            twice += s > 1;
        }
        QCOMPARE(twice, 0);
        QVERIFY2(missing <= 1, qPrintable(QString::number(missing)));
    }

    void smallRegionWrapsRound()
    {
        // Items of 4 to 4.5 KiB in 64 KiB: the ring comes round again and again, padding
        // its end, while two producers wait for room.
        constexpr int Items = 3000;
        Queue<QByteArray> q(0, 64 * 1024);
        Array<qint64> counts(3); // bad items, producer 1's, producer 2's
        Process consumer(checkTagged, q, counts);
        Process first(putTagged, q, 1, Items);
        Process second(putTagged, q, 2, Items);
        consumer.start();
        first.start();
        second.start();
        QVERIFY(first.join());
        QVERIFY(second.join());
        q.close();
        QVERIFY(consumer.join());
        QCOMPARE(consumer.exitCode(), 0);
        QCOMPARE(counts[0], qint64(0));
        QCOMPARE(counts[1], qint64(Items));
        QCOMPARE(counts[2], qint64(Items));
    }

    void manyProducersAndConsumers_data()
    {
        QTest::addColumn<qsizetype>("capacity");
        QTest::newRow("unbounded") << qsizetype(0);
        QTest::newRow("capacity 1000") << qsizetype(1000);
    }
    void manyProducersAndConsumers()
    {
        QFETCH(qsizetype, capacity);
        constexpr qint32 Items = 1'000'000;
        constexpr int Producers = 3;
        constexpr int Consumers = 3;
        Queue<qint32> q(capacity);
        Array<quint8> seen(Items);
        Array<qint64> counts(Consumers);
        std::vector<std::unique_ptr<Process>> consumers;
        for (int i = 0; i < Consumers; ++i) {
            consumers.push_back(std::make_unique<Process>(consumeIds, q, seen, counts, i));
            consumers.back()->start();
        }
        std::vector<std::unique_ptr<Process>> producers;
        for (int i = 0; i < Producers; ++i) {
            producers.push_back(
                std::make_unique<Process>(produceIds, q, qint32(i), qint32(Producers), Items));
            producers.back()->start();
        }
        for (auto &p : producers) {
            QVERIFY(p->join());
            QCOMPARE(p->exitCode(), 0);
        }
        q.close();
        qint64 total = 0;
        for (int i = 0; i < Consumers; ++i) {
            QVERIFY(consumers[std::size_t(i)]->join());
            QCOMPARE(consumers[std::size_t(i)]->exitCode(), 0);
            QVERIFY(counts[i] >= 0);
            total += counts[i];
        }
        QCOMPARE(total, qint64(Items));
        qsizetype wrong = 0;
        for (quint8 s : seen.span())
            wrong += s != 1;
        QCOMPARE(wrong, 0); // each id exactly once: none lost, none twice
    }

    void worksInPoolTasks()
    {
        Queue<int> q;
        Pool pool({.workers = 2});
        QList<std::tuple<Queue<int>, int>> calls;
        for (int i = 0; i < 100; ++i)
            calls.append({q, i});
        pool.starmap(putSquare, calls);
        qint64 sum = 0;
        for (int i = 0; i < 100; ++i)
            sum += q.get(std::chrono::minutes(1)).value_or(-1000000);
        QCOMPARE(sum, qint64(328350));
        QVERIFY(q.empty());
    }

private:
    QStringList m_shm;
};

JOBPOOL_TEST_MAIN(TestQueue)

#include "tst_queue.moc"
