// SPDX-License-Identifier: GPL-3.0-or-later
#include "testsupport.h"

#include <jobpool/jobpool.h>

#include <QCoreApplication>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>
#include <mutex>

#include <unistd.h>

using namespace jobpool;

namespace {

bool exists(const QString &path)
{
    return QFile::exists(path);
}

void touch(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        qFatal("cannot create %s", qPrintable(path));
}

/// Takes the lock, says so with a file, and holds it until it gets through \a gate,
/// which the test holds.
void holdUntil(Lock lock, QString held, Lock gate)
{
    lock.acquire();
    touch(held);
    gate.acquire();
    gate.release();
    lock.release();
}
JOBPOOL_TASK(holdUntil)

/// Takes the lock, says so, and dies holding it.
void holdAndDie(Lock lock, QString held)
{
    lock.acquire();
    touch(held);
    raise(SIGKILL);
}
JOBPOOL_TASK(holdAndDie)

void addLocked(Lock lock, Value<int> counter, int times)
{
    for (int i = 0; i < times; ++i) {
        std::lock_guard guard(lock);
        counter.store(counter.load() + 1);
    }
}
JOBPOOL_TASK(addLocked)

void nested(RLock lock, Value<int> counter)
{
    std::lock_guard outer(lock);
    std::lock_guard inner(lock); // an RLock may be taken again by its holder
    counter.store(counter.load() + 1);
}
JOBPOOL_TASK(nested)

} // namespace

class TestLock : public QObject
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

    void excludesOtherProcesses()
    {
        QTemporaryDir dir;
        const QString held = dir.filePath(QStringLiteral("held"));
        Lock lock;
        Lock gate;
        QVERIFY(gate.acquire());
        Process holder(holdUntil, lock, held, gate);
        holder.start();
        QTRY_VERIFY(exists(held));
        QVERIFY(!lock.acquire(std::chrono::milliseconds(50)));
        QVERIFY(!lock.try_lock());
        gate.release();
        QVERIFY(lock.acquire(std::chrono::seconds(20)));
        QVERIFY(!lock.ownerDied());
        lock.release();
        QVERIFY(holder.join());
        QCOMPARE(holder.exitCode(), 0);
    }

    void holderDyingHandsItOn()
    {
        QTemporaryDir dir;
        const QString held = dir.filePath(QStringLiteral("held"));
        Lock lock;
        Process holder(holdAndDie, lock, held);
        holder.start();
        QVERIFY(holder.join());
        QCOMPARE(holder.exitCode(), -SIGKILL);
        QVERIFY(exists(held));
        // Nobody deadlocks: the next acquirer gets it, and is told.
        QVERIFY(lock.acquire(std::chrono::seconds(20)));
        QVERIFY(lock.ownerDied());
        lock.release();
        QVERIFY(lock.acquire(std::chrono::seconds(20)));
        QVERIFY(!lock.ownerDied()); // consistent again
        lock.release();
    }

    void counterIsExact()
    {
        Lock lock;
        Value<int> counter(0);
        std::vector<std::unique_ptr<Process>> processes;
        for (int i = 0; i < 4; ++i) {
            processes.push_back(std::make_unique<Process>(addLocked, lock, counter, 20000));
            processes.back()->start();
        }
        for (auto &p : processes) {
            QVERIFY(p->join());
            QCOMPARE(p->exitCode(), 0);
        }
        QCOMPARE(counter.load(), 80000);
    }

    void worksInPoolTasks()
    {
        Lock lock;
        Value<int> counter(0);
        Pool pool({.workers = 2});
        QList<std::tuple<Lock, Value<int>, int>> calls;
        for (int i = 0; i < 8; ++i)
            calls.append({lock, counter, 1000});
        pool.starmap(addLocked, calls);
        QCOMPARE(counter.load(), 8000);
    }

    void recursiveLock()
    {
        RLock lock;
        Value<int> counter(0);
        Process p(nested, lock, counter);
        p.start();
        QVERIFY(p.join());
        QCOMPARE(p.exitCode(), 0);
        QCOMPARE(counter.load(), 1);
        QVERIFY(lock.acquire());
        QVERIFY(lock.acquire());
        lock.release();
        lock.release();
    }

private:
    QStringList m_shm;
};

JOBPOOL_TEST_MAIN(TestLock)

#include "tst_lock.moc"
