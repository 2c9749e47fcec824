// SPDX-License-Identifier: GPL-3.0-or-later
#include "testsupport.h"

#include <jobpool/jobpool.h>

#include <QCoreApplication>
#include <QTest>

#include <mutex>

#include <unistd.h>

using namespace jobpool;

namespace {

struct Point
{
    double x, y, z; // 24 bytes: too wide for a lock-free atomic, so load/store lock
};

void addTen(Value<int> v)
{
    v.store(v.load() + 10);
}
JOBPOOL_TASK(addTen)

void movePoint(Value<Point> p)
{
    std::lock_guard guard(p.lock());
    Point q = p.load();
    q.x += 1;
    q.z = -q.z;
    p.store(q);
}
JOBPOOL_TASK(movePoint)

int readTwice(Value<qint64> v)
{
    return int(v.load() * 2);
}
JOBPOOL_TASK(readTwice)

} // namespace

class TestValue : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase() { test::installProcessLeakGuard(); }
    void cleanup()
    {
        const QString left = test::leftovers(20000);
        QVERIFY2(left.isEmpty(), qPrintable(left));
    }

    void childSeesAndChangesIt()
    {
        // Seed 000's example: Value('i', 5), a child adds 10.
        Value<int> num(5);
        Process p(addTen, num);
        p.start();
        QVERIFY(p.join());
        QCOMPARE(p.exitCode(), 0);
        QCOMPARE(num.load(), 15);
    }

    void wideValuesUnderTheirLock()
    {
        Value<Point> point(Point{1.0, 2.0, 3.0});
        Pool pool({.workers = 2});
        pool.map(movePoint, QList<Value<Point>>(10, point), {.chunkSize = 1});
        const Point p = point.load();
        QCOMPARE(p.x, 11.0);
        QCOMPARE(p.y, 2.0);
        QCOMPARE(p.z, 3.0); // negated ten times
    }

    void manyWorkersReadOneValue()
    {
        Value<qint64> v(21);
        Pool pool({.workers = 2});
        QCOMPARE(pool.map(readTwice, QList<Value<qint64>>(50, v)), QList<int>(50, 42));
        v.store(50);
        QCOMPARE(pool.apply(readTwice, v), 100); // the same memory, not a copy
    }

    void defaultIsZero()
    {
        Value<double> d;
        QCOMPARE(d.load(), 0.0);
    }
};

JOBPOOL_TEST_MAIN(TestValue)

#include "tst_value.moc"
