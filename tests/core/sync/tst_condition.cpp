// SPDX-License-Identifier: GPL-3.0-or-later
#include "testsupport.h"

#include <jobpool/jobpool.h>

#include <QCoreApplication>
#include <QFuture>
#include <QTest>

#include <csignal>
#include <memory>
#include <mutex>
#include <vector>

using namespace jobpool;

namespace {

enum Outcome { Nothing = 0, Woken = 1, TimedOut = 2, Refused = 3, Taken = 4 };

/// Counts itself among the waiters, then waits (a minute at most) for \a flag; reports.
void waitForFlag(Condition condition, Value<int> waiting, Value<int> flag, Value<int> woken)
{
    std::unique_lock locked(condition);
    waiting.store(waiting.load() + 1); // under the condition's lock
    const bool ok = condition.waitFor([&] { return flag.load() != 0; }, std::chrono::minutes(1));
    if (ok)
        woken.store(woken.load() + 1);
}
JOBPOOL_TASK(waitForFlag)

/// Waits for a ticket and takes it: however many a notify wakes, one goes per ticket.
void takeTicket(Condition condition, Value<int> waiting, Value<int> tickets, Value<int> taken)
{
    std::unique_lock locked(condition);
    waiting.store(waiting.load() + 1);
    if (condition.waitFor([&] { return tickets.load() > 0; }, std::chrono::minutes(1))) {
        tickets.store(tickets.load() - 1);
        taken.store(taken.load() + 1);
    }
}
JOBPOOL_TASK(takeTicket)

void setFlagAndNotify(Condition condition, Value<int> flag)
{
    std::lock_guard locked(condition);
    flag.store(1);
    condition.notifyAll();
}
JOBPOOL_TASK(setFlagAndNotify)

/// Sets the flag, notifies, and dies holding the lock.
void notifyAndDie(Condition condition, Value<int> flag)
{
    condition.acquire();
    flag.store(1);
    condition.notifyAll();
    raise(SIGKILL);
}
JOBPOOL_TASK(notifyAndDie)

void tryTheLock(Lock lock, Value<int> outcome)
{
    if (lock.try_lock()) {
        outcome.store(Taken);
        lock.release();
    } else {
        outcome.store(Refused);
    }
}
JOBPOOL_TASK(tryTheLock)

/// A pool task: waits for the flag, returns whether it came.
bool flagCame(Condition condition, Value<int> waiting, Value<int> flag)
{
    std::unique_lock locked(condition);
    waiting.store(waiting.load() + 1);
    return condition.waitFor([&] { return flag.load() != 0; }, std::chrono::minutes(1));
}
JOBPOOL_TASK(flagCame)

} // namespace

class TestCondition : public QObject
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

    void waitTimesOutAndKeepsTheLock()
    {
        Lock lock;
        Condition condition(lock);
        QVERIFY(condition.acquire());
        QVERIFY(!condition.wait(std::chrono::milliseconds(20)));
        QVERIFY(!condition.waitFor([] { return false; }, std::chrono::milliseconds(20)));
        QVERIFY(condition.waitFor([] { return true; }, std::chrono::milliseconds(0)));
        // Still held, by this thread: a child cannot take it.
        Value<int> outcome(Nothing);
        Process other(tryTheLock, lock, outcome);
        other.start();
        QVERIFY(other.join());
        QCOMPARE(outcome.load(), int(Refused));
        condition.release();
    }

    void waitWithoutTheLockThrows()
    {
        Condition condition;
        QVERIFY_THROWS_EXCEPTION(PoolError, condition.wait(std::chrono::milliseconds(0)));
        condition.notify(); // nobody waits: nothing happens
        condition.notifyAll();
    }

    void notifyWakesAWaiterInAnotherProcess()
    {
        Condition condition;
        Value<int> waiting(0), flag(0), woken(0);
        Process waiter(waitForFlag, condition, waiting, flag, woken);
        waiter.start();
        QTRY_COMPARE(waiting.load(), 1);
        {
            // Granted only once the waiter has let go of it inside wait().
            std::lock_guard locked(condition);
            flag.store(1);
            condition.notify();
        }
        QVERIFY(waiter.join());
        QCOMPARE(waiter.exitCode(), 0);
        QCOMPARE(woken.load(), 1);
    }

    void notifyAllWakesEveryWaiter()
    {
        Condition condition;
        Value<int> waiting(0), flag(0), woken(0);
        std::vector<std::unique_ptr<Process>> waiters;
        for (int i = 0; i < 3; ++i) {
            waiters.push_back(
                std::make_unique<Process>(waitForFlag, condition, waiting, flag, woken));
            waiters.back()->start();
        }
        QTRY_COMPARE(waiting.load(), 3);
        {
            std::lock_guard locked(condition);
            flag.store(1);
            condition.notifyAll();
        }
        for (auto &w : waiters) {
            QVERIFY(w->join());
            QCOMPARE(w->exitCode(), 0);
        }
        QCOMPARE(woken.load(), 3);
    }

    void notifyOneHandsOutOneTicketAtATime()
    {
        Condition condition;
        Value<int> waiting(0), tickets(0), taken(0);
        Process first(takeTicket, condition, waiting, tickets, taken);
        Process second(takeTicket, condition, waiting, tickets, taken);
        first.start();
        second.start();
        QTRY_COMPARE(waiting.load(), 2);
        for (int round = 1; round <= 2; ++round) {
            {
                std::lock_guard locked(condition);
                tickets.store(1);
                condition.notify(1);
            }
            QTRY_COMPARE(taken.load(), round);
            std::lock_guard locked(condition);
            QCOMPARE(tickets.load(), 0);
        }
        QVERIFY(first.join());
        QVERIFY(second.join());
        QCOMPARE(first.exitCode(), 0);
        QCOMPARE(second.exitCode(), 0);
    }

    void waitLetsGoOfEveryLevelOfAnRLock()
    {
        RLock lock;
        Condition condition(lock);
        Value<int> flag(0);
        QVERIFY(condition.acquire());
        QVERIFY(condition.acquire());
        Process setter(setFlagAndNotify, condition, flag);
        setter.start();
        // The setter needs the lock: wait() must let go of both levels.
        QVERIFY(condition.waitFor([&] { return flag.load() != 0; }, std::chrono::minutes(1)));
        QVERIFY(!condition.ownerDied());
        QVERIFY(setter.join());
        QCOMPARE(setter.exitCode(), 0);
        condition.release();
        condition.release();
        // Both levels are given back: another process can take it now.
        Value<int> outcome(Nothing);
        Process other(tryTheLock, Lock(lock), outcome);
        other.start();
        QVERIFY(other.join());
        QCOMPARE(outcome.load(), int(Taken));
    }

    void waiterSeesTheNotifierDieHoldingTheLock()
    {
        Condition condition(Lock{});
        Value<int> flag(0);
        QVERIFY(condition.acquire());
        Process notifier(notifyAndDie, condition, flag);
        notifier.start();
        QVERIFY(condition.waitFor([&] { return flag.load() != 0; }, std::chrono::minutes(1)));
        QVERIFY(condition.ownerDied()); // the lock came back from the dead notifier
        condition.release();
        QVERIFY(notifier.join());
        QCOMPARE(notifier.exitCode(), -SIGKILL);
        QVERIFY(condition.acquire(std::chrono::seconds(20)));
        QVERIFY(!condition.ownerDied());
        condition.release();
    }

    void sharesALockWithOthers()
    {
        Lock lock;
        Condition condition(lock);
        Value<int> outcome(Nothing);
        {
            std::lock_guard locked(condition);
            Process other(tryTheLock, lock, outcome);
            other.start();
            QVERIFY(other.join());
            QCOMPARE(outcome.load(), int(Refused));
        }
        Process other(tryTheLock, lock, outcome);
        other.start();
        QVERIFY(other.join());
        QCOMPARE(outcome.load(), int(Taken));
    }

    void worksInPoolTasks()
    {
        Condition condition;
        Value<int> waiting(0), flag(0);
        Pool pool({.workers = 2});
        QFuture<bool> a = pool.applyAsync(flagCame, condition, waiting, flag);
        QFuture<bool> b = pool.applyAsync(flagCame, condition, waiting, flag);
        QTRY_COMPARE(waiting.load(), 2);
        {
            std::lock_guard locked(condition);
            flag.store(1);
            condition.notifyAll();
        }
        QVERIFY(a.result());
        QVERIFY(b.result());
    }

private:
    QStringList m_shm;
};

JOBPOOL_TEST_MAIN(TestCondition)

#include "tst_condition.moc"
