// SPDX-License-Identifier: GPL-3.0-or-later
#include "testsupport.h"

#include <jobpool/jobpool.h>

#include <QCoreApplication>
#include <QTest>

#include <csignal>
#include <memory>
#include <mutex>
#include <vector>

using namespace jobpool;

namespace {

/// What a child saw, written to a Value the test reads.
enum Outcome { Nothing = 0, GotItFromTheDead = 1, GotItClean = 2, TimedOut = 3, Refused = 4 };

void countIn(Value<int> counter)
{
    std::lock_guard locked(counter.lock());
    counter.store(counter.load() + 1);
}

/// Takes a permit, counts itself in, and holds the permit until it gets through \a gate,
/// which the test holds.
void holdUntil(Semaphore semaphore, Value<int> holding, Lock gate)
{
    semaphore.acquire();
    countIn(holding);
    gate.acquire();
    gate.release();
    semaphore.release();
}
JOBPOOL_TASK(holdUntil)

/// Takes \a permits permits, says so, and dies holding them.
void holdAndDie(Semaphore semaphore, int permits, Value<int> holding)
{
    for (int i = 0; i < permits; ++i)
        semaphore.acquire();
    holding.store(permits);
    raise(SIGKILL);
}
JOBPOOL_TASK(holdAndDie)

/// Waits for a permit, gives it back, and reports how it came.
void acquireAndReport(Semaphore semaphore, Value<int> outcome)
{
    if (!semaphore.acquire(std::chrono::minutes(1))) {
        outcome.store(TimedOut);
        return;
    }
    outcome.store(semaphore.ownerDied() ? GotItFromTheDead : GotItClean);
    semaphore.release();
}
JOBPOOL_TASK(acquireAndReport)

/// Takes a permit and ends without giving it back.
void takeAndKeep(Semaphore semaphore, Value<int> outcome)
{
    outcome.store(semaphore.acquire(std::chrono::minutes(1)) ? GotItClean : TimedOut);
}
JOBPOOL_TASK(takeAndKeep)

/// Gives back one permit more than it took: a BoundedSemaphore refuses the second.
void releaseTwice(BoundedSemaphore semaphore, Value<int> outcome)
{
    semaphore.acquire();
    semaphore.release();
    try {
        semaphore.release();
    } catch (const PoolError &) {
        outcome.store(Refused);
        return;
    }
    outcome.store(GotItClean);
}
JOBPOOL_TASK(releaseTwice)

void releaseOnce(Semaphore semaphore)
{
    semaphore.release();
}
JOBPOOL_TASK(releaseOnce)

void addGuarded(Semaphore semaphore, Value<int> counter, int times)
{
    for (int i = 0; i < times; ++i) {
        std::lock_guard guard(semaphore);
        counter.store(counter.load() + 1); // not atomic as a whole: the semaphore guards it
    }
}
JOBPOOL_TASK(addGuarded)

} // namespace

class TestSemaphore : public QObject
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

    void timesOutWithoutPermits()
    {
        Semaphore none(0);
        QCOMPARE(none.value(), 0);
        QVERIFY(!none.acquire(std::chrono::milliseconds(0)));
        QVERIFY(!none.try_lock());
        QVERIFY(!none.acquire(std::chrono::milliseconds(20)));
        none.release();
        QCOMPARE(none.value(), 1);
        QVERIFY(none.try_lock());
        QVERIFY(!none.ownerDied());
        QCOMPARE(none.value(), 0);
    }

    void negativeValueIsRefused()
    {
        QVERIFY_THROWS_EXCEPTION(PoolError, Semaphore(-1));
        QVERIFY_THROWS_EXCEPTION(PoolError, BoundedSemaphore(-1));
    }

    void limitsHoldersAcrossProcesses()
    {
        Semaphore permits(2);
        Value<int> holding(0);
        Lock gate;
        QVERIFY(gate.acquire());
        std::vector<std::unique_ptr<Process>> holders;
        for (int i = 0; i < 3; ++i) {
            holders.push_back(std::make_unique<Process>(holdUntil, permits, holding, gate));
            holders.back()->start();
        }
        QTRY_COMPARE(holding.load(), 2);
        QCOMPARE(permits.value(), 0);
        QVERIFY(!permits.try_lock());
        QVERIFY(!permits.acquire(std::chrono::milliseconds(50)));
        QCOMPARE(holding.load(), 2); // the third still waits
        gate.release();
        for (auto &h : holders) {
            QVERIFY(h->join());
            QCOMPARE(h->exitCode(), 0);
        }
        QCOMPARE(holding.load(), 3);
        QCOMPARE(permits.value(), 2);
    }

    void waiterGetsThePermitOfAKilledHolder()
    {
        Semaphore one(1);
        Value<int> holding(0);
        Value<int> outcome(Nothing);
        Lock gate;
        QVERIFY(gate.acquire());
        Process holder(holdUntil, one, holding, gate);
        holder.start();
        QTRY_COMPARE(holding.load(), 1);
        Process waiter(acquireAndReport, one, outcome);
        waiter.start();
        QVERIFY(!one.try_lock());
        holder.kill(); // holding the permit, with the waiter waiting (or about to)
        QVERIFY(holder.join());
        QCOMPARE(holder.exitCode(), -SIGKILL);
        QVERIFY(waiter.join());
        QCOMPARE(waiter.exitCode(), 0);
        QCOMPARE(outcome.load(), int(GotItFromTheDead));
        // The waiter gave it back: clean again.
        QVERIFY(one.acquire(std::chrono::seconds(20)));
        QVERIFY(!one.ownerDied());
        one.release();
        gate.release();
    }

    void permitsOfADeadHolderComeBackTagged()
    {
        Semaphore three(3);
        Value<int> holding(0);
        Process holder(holdAndDie, three, 2, holding);
        holder.start();
        QVERIFY(holder.join());
        QCOMPARE(holder.exitCode(), -SIGKILL);
        QCOMPARE(holding.load(), 2);
        QCOMPARE(three.value(), 3); // its two are free again
        // The two it held are handed out as the dead's; the third never was.
        QVERIFY(three.acquire(std::chrono::seconds(20)));
        QVERIFY(three.ownerDied());
        QVERIFY(three.acquire(std::chrono::seconds(20)));
        QVERIFY(three.ownerDied());
        QVERIFY(three.acquire(std::chrono::seconds(20)));
        QVERIFY(!three.ownerDied());
        QVERIFY(!three.try_lock());
        for (int i = 0; i < 3; ++i)
            three.release();
        QCOMPARE(three.value(), 3);
    }

    void heldPermitsComeBackWhenTheHolderEnds()
    {
        Semaphore counted(0);
        Value<int> outcome(Nothing);
        Process consumer(takeAndKeep, counted, outcome);
        consumer.start();
        counted.release(); // a release from a process holding nothing adds a permit
        QVERIFY(consumer.join());
        QCOMPARE(consumer.exitCode(), 0);
        QCOMPARE(outcome.load(), int(GotItClean));
        // It ended without giving the permit back: held permits return (SEM_UNDO).
        QCOMPARE(counted.value(), 1);
        QVERIFY(counted.try_lock());
        QVERIFY(counted.ownerDied());
    }

    void consumedPermitsStayConsumed()
    {
        Semaphore counted(0, Semaphore::Permits::Consumed);
        Value<int> outcome(Nothing);
        Process consumer(takeAndKeep, counted, outcome);
        consumer.start();
        counted.release();
        QVERIFY(consumer.join());
        QCOMPARE(consumer.exitCode(), 0);
        QCOMPARE(outcome.load(), int(GotItClean));
        QCOMPARE(counted.value(), 0);
        QVERIFY(!counted.try_lock());
    }

    void releaseFromAnotherProcessWakesTheWaiter()
    {
        Semaphore signal(0);
        Value<int> outcome(Nothing);
        Process waiter(acquireAndReport, signal, outcome);
        waiter.start();
        Process releaser(releaseOnce, signal);
        releaser.start();
        QVERIFY(releaser.join());
        QVERIFY(waiter.join());
        QCOMPARE(waiter.exitCode(), 0);
        QCOMPARE(outcome.load(), int(GotItClean));
        QCOMPARE(signal.value(), 1); // given back by the waiter
    }

    void boundedSemaphoreRefusesOverRelease()
    {
        BoundedSemaphore bounded(1);
        QVERIFY_THROWS_EXCEPTION(PoolError, bounded.release());
        QCOMPARE(bounded.value(), 1);
        Value<int> outcome(Nothing);
        Process child(releaseTwice, bounded, outcome);
        child.start();
        QVERIFY(child.join());
        QCOMPARE(child.exitCode(), 0);
        QCOMPARE(outcome.load(), int(Refused));
        QCOMPARE(bounded.value(), 1);
        try {
            bounded.release();
            QFAIL("an over-release went through");
        } catch (const PoolError &e) {
            QVERIFY2(e.message().contains(QLatin1String("released too many times")),
                     qPrintable(e.message()));
        }
    }

    void boundedSemaphoreTakesAReleaseFromAnotherProcess()
    {
        // Python lets a process release what another acquired; the bound still holds.
        BoundedSemaphore bounded(2);
        QVERIFY(bounded.acquire());
        Process other(releaseOnce, bounded);
        other.start();
        QVERIFY(other.join());
        QCOMPARE(other.exitCode(), 0);
        QCOMPARE(bounded.value(), 2);
        QVERIFY_THROWS_EXCEPTION(PoolError, bounded.release());
    }

    void guardsACounterAcrossProcesses()
    {
        Semaphore mutex(1);
        Value<int> counter(0);
        std::vector<std::unique_ptr<Process>> processes;
        for (int i = 0; i < 4; ++i) {
            processes.push_back(std::make_unique<Process>(addGuarded, mutex, counter, 5000));
            processes.back()->start();
        }
        for (auto &p : processes) {
            QVERIFY(p->join());
            QCOMPARE(p->exitCode(), 0);
        }
        QCOMPARE(counter.load(), 20000);
        QCOMPARE(mutex.value(), 1);
    }

    void worksInPoolTasks()
    {
        Semaphore mutex(1);
        Value<int> counter(0);
        Pool pool({.workers = 2});
        QList<std::tuple<Semaphore, Value<int>, int>> calls;
        for (int i = 0; i < 8; ++i)
            calls.append({mutex, counter, 500});
        pool.starmap(addGuarded, calls);
        QCOMPARE(counter.load(), 4000);
        QCOMPARE(mutex.value(), 1);
    }

private:
    QStringList m_shm;
};

JOBPOOL_TEST_MAIN(TestSemaphore)

#include "tst_semaphore.moc"
