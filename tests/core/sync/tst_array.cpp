// SPDX-License-Identifier: GPL-3.0-or-later
#include "testsupport.h"

#include <jobpool/jobpool.h>

#include <QCoreApplication>
#include <QTest>

#include <numeric>

#include <unistd.h>

using namespace jobpool;

namespace {

void doubleAll(Array<int> a)
{
    for (int &x : a.span())
        x *= 2;
}
JOBPOOL_TASK(doubleAll)

void fillRange(Array<double> a, qsizetype from, qsizetype to, double value)
{
    std::fill(a.data() + from, a.data() + to, value);
}
JOBPOOL_TASK(fillRange)

Array<int> makeArray(int n)
{
    Array<int> a(n);
    std::iota(a.data(), a.data() + n, 100);
    return a; // created in the worker, handed back to the parent
}
JOBPOOL_TASK(makeArray)

qint64 sum(Array<int> a)
{
    return std::accumulate(a.data(), a.data() + a.size(), qint64(0));
}
JOBPOOL_TASK(sum)

} // namespace

class TestArray : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase() { test::installProcessLeakGuard(); }
    void cleanup()
    {
        const QString left = test::leftovers(20000);
        QVERIFY2(left.isEmpty(), qPrintable(left));
    }

    void childChangesItInPlace()
    {
        // Seed 000: Array('i', [1, 2, 3, 4]), a child doubles every element.
        Array<int> arr{1, 2, 3, 4};
        Process p(doubleAll, arr);
        p.start();
        QVERIFY(p.join());
        QCOMPARE(p.exitCode(), 0);
        QCOMPARE(arr.toList(), (QList<int>{2, 4, 6, 8}));
    }

    void workersFillDisjointParts()
    {
        const qsizetype n = 1 << 20;
        Array<double> a(n);
        QCOMPARE(a.size(), n);
        QCOMPARE(a[n - 1], 0.0); // zero-filled
        Pool pool({.workers = 2});
        QList<std::tuple<Array<double>, qsizetype, qsizetype, double>> parts;
        for (int i = 0; i < 4; ++i)
            parts.append({a, i * n / 4, (i + 1) * n / 4, double(i + 1)});
        pool.starmap(fillRange, parts, {.chunkSize = 1});
        for (int i = 0; i < 4; ++i) {
            QCOMPARE(a[i * n / 4], double(i + 1));
            QCOMPARE(a[(i + 1) * n / 4 - 1], double(i + 1));
        }
    }

    void comesBackFromAWorker()
    {
        Pool pool({.workers = 1});
        Array<int> a = pool.apply(makeArray, 5);
        QCOMPARE(a.toList(), (QList<int>{100, 101, 102, 103, 104}));
        a[0] = 0;
        QCOMPARE(pool.apply(sum, a), qint64(410)); // the worker sees our write
    }

    void fromAList()
    {
        const QList<int> values{5, 6, 7};
        Array<int> a(values);
        QCOMPARE(a.span().size(), std::size_t(3));
        QCOMPARE(a.toList(), values);
        Array<int> empty(0);
        QCOMPARE(empty.size(), qsizetype(0));
        QVERIFY(empty.toList().isEmpty());
    }
};

JOBPOOL_TEST_MAIN(TestArray)

#include "tst_array.moc"
