// SPDX-License-Identifier: GPL-3.0-or-later
// Worker chaos: 10,000 short tasks through a real Pool while another process
// (jobpool-testapp kill-workers) SIGKILLs a random busy worker of the pool every 50 ms.
// With retries, every task's result arrives exactly once and is right; without, every
// task ends exactly once, with its result or WorkerDied, and none runs twice. Nothing
// hangs, no process and no /dev/shm entry is left. And a call waiting to run again when
// the pool gives up fails with it.
//
// This executable is also the pool's worker program (JOBPOOL_TEST_MAIN).
#include "testsupport.h"

#include <jobpool/jobpool.h>

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QFuture>
#include <QProcess>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <exception>
#include <optional>

#include <unistd.h>

using namespace jobpool;
using namespace jobpool::test;

namespace {

constexpr int kTasks = 10000;
// A hang bound, not a speed limit: the measured times are in docs/RELIABILITY.md.
constexpr int kPatience = 240000; // below QtTest's 300 s per test function

/// What every task computes: cheap for the test to check, different for every input.
qint64 expected(int i)
{
    quint64 z = quint64(i) + 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return qint64(z ^ (z >> 31));
}

/// In a worker: where tasks count their starts ([0, kTasks)) and their ends ([kTasks, 2
/// kTasks)), shared with the test. Set by the pool's initializer.
std::optional<Array<qint32>> g_runs;

void count(qsizetype slot)
{
    std::atomic_ref<qint32>((*g_runs)[slot]).fetch_add(1, std::memory_order_relaxed);
}

/// About \a micros µs of work (computing, not sleeping), so that kills land mid-task.
qint64 work(int i, int micros)
{
    count(i);
    const auto end = std::chrono::steady_clock::now() + std::chrono::microseconds(micros);
    volatile quint64 sink = quint64(i);
    while (std::chrono::steady_clock::now() < end)
        sink = sink * 6364136223846793005ULL + 1442695040888963407ULL;
    count(kTasks + i);
    return expected(i);
}

} // namespace

void attachCounters(Array<qint32> runs)
{
    g_runs.emplace(std::move(runs));
}
JOBPOOL_TASK(attachCounters)

qint64 millisecondTask(int i)
{
    return work(i, 1000);
}
JOBPOOL_TASK(millisecondTask)

qint64 tinyTask(int i)
{
    return work(i, 20);
}
JOBPOOL_TASK(tinyTask)

/// Kills its worker the first time (and leaves \a marker behind); returns 7 afterwards.
int dieOnce(QString marker)
{
    QFile file(marker);
    if (!file.exists()) {
        if (!file.open(QIODevice::WriteOnly))
            return -1;
        file.close();
        raise(SIGKILL);
    }
    return 7;
}
JOBPOOL_TASK(dieOnce)

/// The workers' initializer: once \a marker exists (a worker died), the new ones wait for
/// \a gate (a minute at most) before they are ready.
void holdReplacements(QString marker, Lock gate)
{
    if (QFile::exists(marker) && gate.acquire(std::chrono::minutes(1)))
        gate.release();
}
JOBPOOL_TASK(holdReplacements)

class TestChaos : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        installProcessLeakGuard();
        m_sharedMemoryBefore = sharedMemoryEntries();
    }

    void cleanup()
    {
        const QString left = leftovers(20000);
        QVERIFY2(left.isEmpty(), qPrintable(left));
        QTRY_COMPARE_WITH_TIMEOUT(newSharedMemory(), QStringList(), 20000);
    }

    void workersKilledAtRandom_data()
    {
        QTest::addColumn<int>("retries");
        QTest::addColumn<bool>("tiny");
        QTest::addColumn<int>("killEveryMs");
        // ~1 ms tasks travel one to a message, with one more waiting in the worker's ring.
        QTest::newRow("retries 3") << 3 << false << 50;
        QTest::newRow("retries 0") << 0 << false << 50;
        // ~20 µs tasks travel up to 64 to a message, four messages to a worker: the kill
        // lands in a message whose first tasks ran and whose last ones never started.
        // 10,000 of them take half a second, so the killer strikes more often.
        QTest::newRow("tiny tasks, retries 3") << 3 << true << 10;
        QTest::newRow("tiny tasks, retries 0") << 0 << true << 10;
    }
    void workersKilledAtRandom()
    {
        QFETCH(int, retries);
        QFETCH(bool, tiny);
        QFETCH(int, killEveryMs);
        Array<qint32> runs(2 * kTasks);
        PoolOptions options{.workers = 4, .retries = retries};
        options.initializer(attachCounters, runs);
        Pool pool(options);

        const quint32 seed = QRandomGenerator::global()->generate();
        QProcess killer;
        killer.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        killer.start(testAppPath(), {QStringLiteral("kill-workers"), QString::number(getpid()),
                                     QString::number(killEveryMs), QString::number(seed)});
        QVERIFY(killer.waitForStarted());
        // The killer's victims: the workers the pool says are busy (it checks that each is
        // still a worker of ours). Killing workers that are still starting would be a test
        // of PoolOptions::startTimeout's rule instead: three failed starts in a row with no
        // worker ready fail every call with PoolError.
        QTimer feed;
        connect(&feed, &QTimer::timeout, &killer, [&] {
            QByteArray busy;
            for (const WorkerInfo &w : pool.workers()) {
                if (w.state == WorkerInfo::State::Busy && w.pid > 0)
                    busy += QByteArray::number(w.pid) + ' ';
            }
            killer.write(busy + '\n');
        });
        feed.start(20);

        QElapsedTimer clock;
        clock.start();
        QList<QFuture<qint64>> futures;
        futures.reserve(kTasks);
        for (int i = 0; i < kTasks; ++i)
            futures.append(tiny ? pool.applyAsync(tinyTask, i)
                                : pool.applyAsync(millisecondTask, i));
        const auto finished = [&] {
            return std::all_of(futures.cbegin(), futures.cend(),
                               [](const QFuture<qint64> &f) { return f.isFinished(); });
        };
        if (!QTest::qWaitFor(finished, kPatience)) {
            const PoolStats stats = pool.stats();
            const auto left =
                std::count_if(futures.cbegin(), futures.cend(),
                              [](const QFuture<qint64> &f) { return !f.isFinished(); });
            qWarning("%lld tasks not finished; done %lld, failed %lld, queued %lld, running %lld, "
                     "%lld workers started, %lld lost, %lld live",
                     qint64(left), stats.done, stats.failed, stats.queued, stats.running,
                     stats.workersStarted, stats.workersLost, qint64(pool.workers().size()));
            feed.stop();
            killer.closeWriteChannel();
            killer.waitForFinished(20000);
            QFAIL("the pool hangs");
        }
        const qint64 took = clock.elapsed();

        feed.stop();
        killer.closeWriteChannel(); // the killer stops at the end of its input
        QVERIFY(killer.waitForFinished(20000));
        QCOMPARE(killer.exitStatus(), QProcess::NormalExit);
        QCOMPARE(killer.exitCode(), 0);
        const qsizetype kills = killer.readAllStandardOutput().count('\n');

        int succeeded = 0;
        int died = 0;
        int diedAfterTheirEnd = 0; // the task had run to its end; its result died with it
        qint64 extraRuns = 0;
        for (int i = 0; i < kTasks; ++i) {
            QFuture<qint64> &f = futures[i];
            const int starts = runs[i];
            const int ends = runs[kTasks + i];
            try {
                f.waitForFinished();
                // Exactly one result, and the right one, from a run that ended.
                QCOMPARE(f.resultCount(), 1);
                QCOMPARE(f.result(), expected(i));
                QVERIFY2(ends >= 1, qPrintable(QStringLiteral("task %1 never ended").arg(i)));
                ++succeeded;
            } catch (const WorkerDied &e) {
                QVERIFY2(retries == 0,
                         qPrintable(QStringLiteral("task %1: %2").arg(i).arg(e.message())));
                QCOMPARE(e.signal(), SIGKILL);
                ++died;
                diedAfterTheirEnd += ends;
            } catch (const std::exception &e) {
                QFAIL(qPrintable(
                    QStringLiteral("task %1: %2").arg(i).arg(QString::fromUtf8(e.what()))));
            }
            // Never more runs than attempts: without retries, never twice.
            QVERIFY2(starts <= 1 + retries,
                     qPrintable(QStringLiteral("task %1 ran %2 times").arg(i).arg(starts)));
            extraRuns += std::max(0, starts - 1);
        }
        const PoolStats stats = pool.stats();
        qInfo("%d tasks of %s, retries %d, a kill every %d ms (seed %u): %lld ms; %lld SIGKILLs, "
              "%lld workers lost with tasks, %lld tasks retried (%lld ran again), %d results, %d "
              "WorkerDied (%d of them after the task's end); %lld workers started",
              kTasks, tiny ? "~20 us" : "~1 ms", retries, killEveryMs, seed, took, qint64(kills),
              stats.workersLost, stats.retried, extraRuns, succeeded, died, diedAfterTheirEnd,
              stats.workersStarted);
        QCOMPARE(succeeded + died, kTasks);
        QCOMPARE(stats.done, qint64(succeeded));
        QCOMPARE(stats.failed, qint64(died));
        // A task runs again only as a counted retry: one that waited behind the task its
        // worker died in goes back without having run.
        QVERIFY2(extraRuns <= stats.retried, qPrintable(QString::number(extraRuns)));
        // The chaos happened: kills landed while workers had tasks.
        QVERIFY(kills > 0);
        QVERIFY(stats.workersLost > 0);
        QVERIFY(retries > 0 ? stats.retried > 0 : died > 0);
    }

    // A call waiting to run again (its worker died, the new one is not ready yet) when the
    // pool gives up — terminate(), or workers that cannot start — fails with the others
    // instead of waiting for ever. (Found by the case above on a loaded machine, where kills
    // of starting workers made the pool give up.)
    void waitingRetryFailsWithThePool()
    {
        QTemporaryDir dir;
        const QString marker = dir.filePath(QStringLiteral("died"));
        Lock gate;
        QVERIFY(gate.acquire());
        PoolOptions options{.workers = 1, .retries = 2};
        options.initializer(holdReplacements, marker, gate);
        Pool pool(options);
        QFuture<int> call = pool.applyAsync(dieOnce, marker);
        QTRY_COMPARE_WITH_TIMEOUT(pool.stats().retried, qint64(1), 20000);
        QVERIFY(!call.isFinished());
        pool.terminate();
        QTRY_VERIFY_WITH_TIMEOUT(call.isFinished(), 20000);
        gate.release();
        QVERIFY_THROWS_EXCEPTION(PoolError, call.waitForFinished());
    }

private:
    QStringList newSharedMemory() const
    {
        QStringList added;
        for (const QString &name : sharedMemoryEntries()) {
            if (!m_sharedMemoryBefore.contains(name))
                added.append(name);
        }
        return added;
    }

    QStringList m_sharedMemoryBefore;
};

JOBPOOL_TEST_MAIN(TestChaos)

#include "tst_chaos.moc"
