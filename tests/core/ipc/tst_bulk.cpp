// SPDX-License-Identifier: GPL-3.0-or-later
// Large byte arrays between the parent and its workers (core/ipc/bulk.cpp): they are
// handed over in the channel's shared memory instead of copied, and stay correct however
// the program keeps, copies or changes them — after more messages reuse the memory, after
// the worker that sent them died, after the pool itself is gone.
//
// This executable is also the pool's worker program.
#include "testsupport.h"

#include <jobpool/jobpool.h>

#include <QTest>

#include <csignal>
#include <vector>

#include <unistd.h>

using jobpool::Pool;
using namespace jobpool::test;

namespace {

constexpr qsizetype MiB = qsizetype(1) << 20;

/// Bytes that differ for every \a seed and position, so that a mix-up shows.
QByteArray pattern(int seed, qsizetype size)
{
    QByteArray bytes(size, Qt::Uninitialized);
    quint32 x = quint32(seed) * 2654435761u + 1;
    for (qsizetype i = 0; i < size; ++i) {
        x = x * 1664525u + 1013904223u;
        bytes[i] = char(x >> 24);
    }
    return bytes;
}

QByteArray echo(QByteArray bytes)
{
    return bytes;
}
JOBPOOL_TASK(echo)

QByteArray makePattern(int seed, qsizetype size)
{
    return pattern(seed, size);
}
JOBPOOL_TASK(makePattern)

QList<QByteArray> makePatterns(int seed, int count, qsizetype size)
{
    QList<QByteArray> all;
    for (int i = 0; i < count; ++i)
        all.append(pattern(seed + i, size));
    return all;
}
JOBPOOL_TASK(makePatterns)

/// Arrays a task kept after it returned, in the worker.
std::vector<QByteArray> &kept()
{
    static std::vector<QByteArray> arrays;
    return arrays;
}

qsizetype keep(QByteArray bytes)
{
    kept().push_back(bytes);
    return bytes.size();
}
JOBPOOL_TASK(keep)

/// Whether every kept array still equals pattern(first + i, size).
bool keptIntact(int first, qsizetype size)
{
    for (std::size_t i = 0; i < kept().size(); ++i) {
        if (kept()[i] != pattern(first + int(i), size))
            return false;
    }
    return !kept().empty();
}
JOBPOOL_TASK(keptIntact)

int dieNow(int)
{
    raise(SIGKILL);
    return 0;
}
JOBPOOL_TASK(dieNow)

} // namespace

class TestBulk : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        installProcessLeakGuard();
        m_shm = sharedMemoryEntries();
    }
    void cleanup()
    {
        const QString left = leftovers(20000);
        QVERIFY2(left.isEmpty(), qPrintable(left));
        QCOMPARE(sharedMemoryEntries(), m_shm);
    }

    void sizesAroundTheLendingThreshold_data()
    {
        QTest::addColumn<qsizetype>("size");
        const qsizetype lendable = jobpool::detail::kLendableSize;
        for (qsizetype size : {qsizetype(70000), lendable - 1, lendable, lendable + 1, 9 * MiB + 3})
            QTest::addRow("%lld bytes", qlonglong(size)) << size;
    }
    void sizesAroundTheLendingThreshold()
    {
        QFETCH(qsizetype, size);
        Pool pool({.workers = 1});
        const QByteArray data = pattern(int(size), size);
        const QByteArray back = pool.apply(echo, data);
        QCOMPARE(back.size(), size);
        QCOMPARE(back, data);
        QCOMPARE(*(back.constData() + back.size()), '\0'); // terminated, as QByteArray is
    }

    // The result the caller gets lives in the channel's memory: it is shared (a reference
    // is held for the channel), so changing it copies it first and leaves other copies be.
    void lentArrayCopiesOnWrite()
    {
        Pool pool({.workers = 1});
        const QByteArray data = pattern(1, 4 * MiB);
        QByteArray back = pool.apply(echo, data);
        QVERIFY(!back.isDetached()); // lent, not a private copy
        const QByteArray other = back;
        back[0] = char(~back.at(0));
        QVERIFY(back.isDetached());
        QCOMPARE(other, data);
        QCOMPARE(back.mid(1), data.mid(1));
        back.append("tail");
        QCOMPARE(back.size(), data.size() + 4);
    }

    // Results that are kept pin their part of the channel; later ones go elsewhere.
    void manyLargeResultsHeldAtOnce()
    {
        Pool pool({.workers = 2});
        for (int round = 0; round < 3; ++round) {
            QList<std::tuple<int, qsizetype>> calls;
            for (int i = 0; i < 12; ++i)
                calls.append({round * 100 + i, qsizetype(3 * MiB + i)});
            const QList<QByteArray> results = pool.starmap(makePattern, calls);
            QCOMPARE(results.size(), calls.size());
            for (int i = 0; i < results.size(); ++i)
                QVERIFY2(results[i] == pattern(round * 100 + i, 3 * MiB + i),
                         qPrintable(QStringLiteral("round %1, result %2").arg(round).arg(i)));
        }
    }

    void severalLargeArraysInOneResult()
    {
        Pool pool({.workers = 1});
        const QList<QByteArray> all = pool.apply(makePatterns, 7, 5, 2 * MiB);
        QCOMPARE(all.size(), 5);
        for (int i = 0; i < all.size(); ++i)
            QCOMPARE(all[i], pattern(7 + i, 2 * MiB));
    }

    // A task that keeps its argument keeps the worker's side lent: the parent's next
    // messages must not write over it.
    void taskKeepsItsArguments()
    {
        Pool pool({.workers = 1});
        for (int i = 0; i < 6; ++i)
            QCOMPARE(pool.apply(keep, pattern(50 + i, 2 * MiB)), 2 * MiB);
        QVERIFY(pool.apply(keptIntact, 50, 2 * MiB));
    }

    void lentArraysOutliveTheirWorker()
    {
        Pool pool({.workers = 1});
        const QByteArray held = pool.apply(makePattern, 3, 5 * MiB);
        QVERIFY_THROWS_EXCEPTION(jobpool::WorkerDied, pool.apply(dieNow, 0));
        QCOMPARE(pool.apply(makePattern, 4, 5 * MiB), pattern(4, 5 * MiB)); // a new worker
        QCOMPARE(held, pattern(3, 5 * MiB));
    }

    void lentArraysOutliveThePool()
    {
        QList<QByteArray> held;
        {
            Pool pool({.workers = 2});
            held = pool.starmap(makePattern, QList<std::tuple<int, qsizetype>>{
                                                 {1, 2 * MiB}, {2, 3 * MiB}, {3, 4 * MiB}});
        }
        QCOMPARE(held.size(), 3);
        for (int i = 0; i < 3; ++i)
            QCOMPARE(held[i], pattern(i + 1, (i + 2) * MiB));
    }

private:
    QStringList m_shm;
};

JOBPOOL_TEST_MAIN(TestBulk)

#include "tst_bulk.moc"
