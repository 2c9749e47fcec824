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

enum Outcome {
    Nothing = 0,
    Passed = 1,
    BrokenByDeath = 2,
    BrokenByTimeout = 3,
    BrokenByAbort = 4,
    BrokenByReset = 5,
    BrokenOtherwise = 6
};

Outcome classify(const BrokenBarrierError &e)
{
    if (e.reason().contains(QLatin1String("died")))
        return BrokenByDeath;
    if (e.reason().contains(QLatin1String("timed out")))
        return BrokenByTimeout;
    if (e.reason().contains(QLatin1String("abort")))
        return BrokenByAbort;
    if (e.reason().contains(QLatin1String("reset")))
        return BrokenByReset;
    return BrokenOtherwise;
}

/// Meets the others \a rounds times, counting each (round, arrival index) it got in \a seen.
void meet(Barrier barrier, int rounds, Array<int> seen)
{
    for (int round = 0; round < rounds; ++round) {
        const int index = barrier.wait(std::chrono::minutes(1));
        std::lock_guard locked(seen.lock());
        seen[round * barrier.parties() + index] += 1;
    }
}
JOBPOOL_TASK(meet)

/// Waits once (at most \a timeoutMs, negative: a minute) and reports how that went.
void waitAndReport(Barrier barrier, int timeoutMs, Value<int> outcome)
{
    try {
        barrier.wait(std::chrono::milliseconds(timeoutMs < 0 ? 60000 : timeoutMs));
        outcome.store(Passed);
    } catch (const BrokenBarrierError &e) {
        outcome.store(classify(e));
    }
}
JOBPOOL_TASK(waitAndReport)

/// Has the barrier (it was handed one) and dies before reaching it.
void dieBeforeWaiting(Barrier barrier)
{
    Q_UNUSED(barrier);
    raise(SIGKILL);
}
JOBPOOL_TASK(dieBeforeWaiting)

/// Meets the others once, then dies before the second round.
void meetOnceThenDie(Barrier barrier)
{
    barrier.wait(std::chrono::minutes(1));
    raise(SIGKILL);
}
JOBPOOL_TASK(meetOnceThenDie)

/// A pool task: the arrival index.
int arrive(Barrier barrier)
{
    return barrier.wait(std::chrono::minutes(1));
}
JOBPOOL_TASK(arrive)

std::unique_ptr<Process> started(std::unique_ptr<Process> p)
{
    p->start();
    return p;
}

} // namespace

class TestBarrier : public QObject
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

    void startsEmpty()
    {
        Barrier barrier(3);
        QCOMPARE(barrier.parties(), 3);
        QCOMPARE(barrier.nWaiting(), 0);
        QVERIFY(!barrier.broken());
        Barrier one(1);
        QCOMPARE(one.wait(), 0); // a party of one never waits
        QCOMPARE(one.wait(), 0);
        QVERIFY_THROWS_EXCEPTION(PoolError, Barrier(0));
    }

    void indicesAcrossProcessesAndRounds()
    {
        constexpr int kParties = 3;
        constexpr int kRounds = 5;
        Barrier barrier(kParties);
        Array<int> seen(kParties * kRounds);
        std::vector<std::unique_ptr<Process>> parties;
        for (int i = 0; i < kParties; ++i)
            parties.push_back(started(std::make_unique<Process>(meet, barrier, kRounds, seen)));
        for (auto &p : parties) {
            QVERIFY(p->join());
            QCOMPARE(p->exitCode(), 0);
        }
        // Every round handed out each index 0..parties-1 exactly once.
        for (int i = 0; i < kParties * kRounds; ++i)
            QCOMPARE(seen[i], 1);
        QVERIFY(!barrier.broken());
        QCOMPARE(barrier.nWaiting(), 0);
    }

    void creatorCanBeAParty()
    {
        Barrier barrier(2);
        Value<int> outcome(Nothing);
        Process other(waitAndReport, barrier, -1, outcome);
        other.start();
        const int index = barrier.wait(std::chrono::minutes(1));
        QVERIFY(index == 0 || index == 1);
        QVERIFY(other.join());
        QCOMPARE(outcome.load(), int(Passed));
    }

    void timeoutBreaksItForEveryone()
    {
        Barrier barrier(3);
        Value<int> patient(Nothing), hasty(Nothing);
        Process first(waitAndReport, barrier, -1, patient);
        first.start();
        QTRY_COMPARE(barrier.nWaiting(), 1);
        Process second(waitAndReport, barrier, 100, hasty);
        second.start();
        QVERIFY(first.join());
        QVERIFY(second.join());
        QCOMPARE(hasty.load(), int(BrokenByTimeout));
        QCOMPARE(patient.load(), int(BrokenByTimeout));
        QVERIFY(barrier.broken());
        QVERIFY_THROWS_EXCEPTION(BrokenBarrierError, barrier.wait());
        barrier.reset();
        QVERIFY(!barrier.broken());
        // Usable again.
        Value<int> again(Nothing);
        Process third(waitAndReport, barrier, -1, again);
        Process fourth(waitAndReport, barrier, -1, again);
        third.start();
        fourth.start();
        QVERIFY(barrier.wait(std::chrono::minutes(1)) >= 0);
        QVERIFY(third.join());
        QVERIFY(fourth.join());
        QCOMPARE(again.load(), int(Passed));
    }

    void abortReleasesTheWaiters()
    {
        Barrier barrier(3);
        Value<int> a(Nothing), b(Nothing);
        Process first(waitAndReport, barrier, -1, a);
        Process second(waitAndReport, barrier, -1, b);
        first.start();
        second.start();
        QTRY_COMPARE(barrier.nWaiting(), 2);
        barrier.abort();
        QVERIFY(first.join());
        QVERIFY(second.join());
        QCOMPARE(a.load(), int(BrokenByAbort));
        QCOMPARE(b.load(), int(BrokenByAbort));
        QVERIFY(barrier.broken());
        try {
            barrier.wait();
            QFAIL("a broken barrier let a waiter through");
        } catch (const BrokenBarrierError &e) {
            QVERIFY2(e.message().contains(QLatin1String("abort")), qPrintable(e.message()));
        }
        barrier.reset();
        QVERIFY(!barrier.broken());
        QCOMPARE(barrier.nWaiting(), 0);
    }

    void resetFailsTheWaiters()
    {
        Barrier barrier(3);
        Value<int> a(Nothing);
        Process first(waitAndReport, barrier, -1, a);
        first.start();
        QTRY_COMPARE(barrier.nWaiting(), 1);
        barrier.reset();
        QVERIFY(first.join());
        QCOMPARE(a.load(), int(BrokenByReset));
        QVERIFY(!barrier.broken());
        QTRY_COMPARE(barrier.nWaiting(), 0);
    }

    void partyDyingBeforeArrivingBreaksIt()
    {
        Barrier barrier(3);
        Value<int> a(Nothing), b(Nothing);
        Process first(waitAndReport, barrier, -1, a);
        Process second(waitAndReport, barrier, -1, b);
        Process doomed(dieBeforeWaiting, barrier);
        first.start();
        second.start();
        doomed.start();
        QVERIFY(first.join());
        QVERIFY(second.join());
        QVERIFY(doomed.join());
        QCOMPARE(doomed.exitCode(), -SIGKILL);
        // Told at once that the third will never come, instead of waiting for ever (or
        // for their minute to pass).
        QCOMPARE(a.load(), int(BrokenByDeath));
        QCOMPARE(b.load(), int(BrokenByDeath));
        QVERIFY(barrier.broken());
        // reset() forgets the dead: a replacement completes the round.
        barrier.reset();
        Value<int> c(Nothing), d(Nothing);
        Process third(waitAndReport, barrier, -1, c);
        Process fourth(waitAndReport, barrier, -1, d);
        third.start();
        fourth.start();
        QVERIFY(barrier.wait(std::chrono::minutes(1)) >= 0);
        QVERIFY(third.join());
        QVERIFY(fourth.join());
        QCOMPARE(c.load(), int(Passed));
        QCOMPARE(d.load(), int(Passed));
    }

    void partyDyingAfterARoundBreaksTheNext()
    {
        Barrier barrier(2);
        Process doomed(meetOnceThenDie, barrier);
        doomed.start();
        QVERIFY(barrier.wait(std::chrono::minutes(1)) >= 0);
        try {
            barrier.wait(std::chrono::minutes(1));
            QFAIL("the second round went through without the dead party");
        } catch (const BrokenBarrierError &e) {
            QVERIFY2(e.reason().contains(QLatin1String("died")), qPrintable(e.message()));
        }
        QVERIFY(doomed.join());
        QCOMPARE(doomed.exitCode(), -SIGKILL);
    }

    void partiesThatLeaveDoNotBreakIt()
    {
        // Processes that had the barrier and ended normally (their handles destroyed) are
        // no longer expected: the next round, between others, goes through.
        Barrier barrier(2);
        Value<int> a(Nothing), b(Nothing);
        Process first(waitAndReport, barrier, -1, a);
        Process second(waitAndReport, barrier, -1, b);
        first.start();
        second.start();
        QVERIFY(first.join());
        QVERIFY(second.join());
        QCOMPARE(a.load(), int(Passed));
        QCOMPARE(b.load(), int(Passed));
        Value<int> c(Nothing);
        Process third(waitAndReport, barrier, -1, c);
        third.start();
        QVERIFY(barrier.wait(std::chrono::minutes(1)) >= 0);
        QVERIFY(third.join());
        QCOMPARE(c.load(), int(Passed));
        QVERIFY(!barrier.broken());
    }

    void worksInPoolTasks()
    {
        Barrier barrier(3);
        Pool pool({.workers = 3});
        QList<int> indices = pool.map(arrive, QList<Barrier>(3, barrier), {.chunkSize = 1});
        std::sort(indices.begin(), indices.end());
        QCOMPARE(indices, (QList<int>{0, 1, 2}));
        QVERIFY(!barrier.broken());
    }

private:
    QStringList m_shm;
};

JOBPOOL_TEST_MAIN(TestBarrier)

#include "tst_barrier.moc"
