// SPDX-License-Identifier: GPL-3.0-or-later
// PoolOptions::maxWorkerMemory end to end, with real worker processes and tasks that leak
// on purpose: a worker whose own memory is over the limit after a task is replaced before
// it runs another; what was waiting in its ring goes to another worker; no task fails, is
// lost or runs twice; PoolStats and the processes model count the replacements; memory
// that was freed is not mistaken for a leak; and a pool without the limit replaces nobody.
//
// This executable is also the pool's worker program: main() hands over to jobpool::init().
#include "testsupport.h"

#include <jobpool/jobpool.h>
#include <jobpool/processesmodel.h>

#include <QCoreApplication>
#include <QFile>
#include <QHash>
#include <QSet>
#include <QTest>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <tuple>
#include <utility>
#include <vector>

#include <unistd.h>

using jobpool::Array;
using jobpool::Pool;
using jobpool::PoolOptions;
using jobpool::PoolStats;
using namespace jobpool::test;

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr bool Sanitized = true;
#else
constexpr bool Sanitized = false;
#endif

// Workers of a sanitizer build start slowly on a loaded machine. A QTRY_* waits only as
// long as the condition takes.
constexpr int Patience = Sanitized ? 20000 : 10000;
constexpr qint64 MiB = 1024 * 1024;

// ---- Tasks. They run in worker processes. ----

/// What leak() never gives back, kept reachable so that no leak checker minds.
std::vector<std::unique_ptr<char[]>> g_leaked;

/// Allocates \a kib KiB, writes every byte and keeps it for ever; counts its own run in
/// \a runs[n]. Returns 3n and the worker's pid.
std::pair<int, qint64> leak(int n, int kib, Array<int> runs)
{
    const std::size_t size = std::size_t(kib) * 1024;
    auto block = std::make_unique_for_overwrite<char[]>(size);
    std::memset(block.get(), n | 1, size);
    g_leaked.push_back(std::move(block));
    std::atomic_ref<int>(runs[n]).fetch_add(1);
    return {n * 3, qint64(getpid())};
}
JOBPOOL_TASK(leak)

/// The worker's own resident memory (RssAnon: heap and stacks), in bytes.
qint64 ownMemory(int)
{
    QFile status(QStringLiteral("/proc/self/status"));
    if (!status.open(QIODevice::ReadOnly))
        throw std::runtime_error("cannot read /proc/self/status");
    for (const QByteArray &line : status.readAll().split('\n')) {
        if (line.startsWith("RssAnon:"))
            return line.mid(8).trimmed().split(' ').first().toLongLong() * 1024;
    }
    throw std::runtime_error("no RssAnon in /proc/self/status");
}
JOBPOOL_TASK(ownMemory)

/// Allocates \a mib MiB, writes every byte, and frees it again. Returns the worker's pid.
qint64 useAndFree(int n, int mib)
{
    const std::size_t size = std::size_t(mib) * MiB;
    char *block = static_cast<char *>(std::malloc(size));
    if (!block)
        throw std::bad_alloc();
    std::memset(block, n | 1, size);
    asm volatile("" : : "r"(block) : "memory"); // the writes must happen
    std::free(block);
    return qint64(getpid());
}
JOBPOOL_TASK(useAndFree)

namespace {

using LeakCall = std::tuple<int, int, Array<int>>;

QList<LeakCall> leakCalls(int count, int kib, const Array<int> &runs)
{
    QList<LeakCall> calls;
    for (int i = 0; i < count; ++i)
        calls.append({i, kib, runs});
    return calls;
}

/// Checks that item i came back as 3i and ran exactly once; returns how many items each
/// worker (by pid) ran.
QHash<qint64, int> checkResults(const QList<std::pair<int, qint64>> &results,
                                const Array<int> &runs)
{
    QHash<qint64, int> perWorker;
    if (results.size() != runs.size()) {
        qWarning("%lld results for %lld items", qlonglong(results.size()), qlonglong(runs.size()));
        return {};
    }
    for (qsizetype i = 0; i < results.size(); ++i) {
        if (results[i].first != 3 * i || runs[i] != 1) {
            qWarning("item %lld: result %d, ran %d times", qlonglong(i), results[i].first, runs[i]);
            return {};
        }
        ++perWorker[results[i].second];
    }
    return perWorker;
}

} // namespace

class TestRecycle : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        installProcessLeakGuard();
        m_sharedMemoryBefore = sharedMemoryEntries();
        // The limits below are this much plus what the tasks keep, so that they hold in a
        // sanitizer's build too, whose workers start out bigger.
        Pool probe({.workers = 1});
        m_base = probe.apply(ownMemory, 0);
        QVERIFY(m_base > 0);
    }

    void cleanup()
    {
        // Every pool of the test is destroyed by now; none of its workers may remain.
        const QString left = leftovers(Patience);
        QVERIFY2(left.isEmpty(), qPrintable(left));
        QTRY_COMPARE_WITH_TIMEOUT(newSharedMemory(), QStringList(), Patience);
    }

    // 20 MiB kept per task, a limit 50 MiB above a fresh worker's size: a worker leaves
    // after its third task at the latest (60 MiB), or after its first chunk of four.
    void replacesAWorkerOverTheLimit_data()
    {
        QTest::addColumn<int>("chunkSize");
        QTest::addColumn<int>("mostPerWorker");
        QTest::newRow("one task a chunk") << 1 << 3;
        QTest::newRow("four tasks a chunk") << 4 << 4;
    }

    void replacesAWorkerOverTheLimit()
    {
        QFETCH(int, chunkSize);
        QFETCH(int, mostPerWorker);
        constexpr int Items = 24;
        Array<int> runs(Items);
        Pool pool({.workers = 2, .maxWorkerMemory = m_base + 50 * MiB});
        const auto results =
            pool.starmap(leak, leakCalls(Items, 20 * 1024, runs), {.chunkSize = chunkSize});

        const QHash<qint64, int> perWorker = checkResults(results, runs);
        QVERIFY(!perWorker.isEmpty()); // every result right, every item run exactly once
        QVERIFY2(perWorker.size() > 2, qPrintable(QString::number(perWorker.size())));
        for (auto it = perWorker.cbegin(); it != perWorker.cend(); ++it)
            QVERIFY2(it.value() <= mostPerWorker,
                     qPrintable(QStringLiteral("%1 ran %2 tasks").arg(it.key()).arg(it.value())));

        // (The pool publishes its counts a moment after it delivers the results.)
        QTRY_COMPARE_WITH_TIMEOUT(pool.stats().done, qint64(Items), Patience);
        // Each worker after the first two replaced one that was over the limit; and every
        // one that was, was replaced.
        QTRY_VERIFY_WITH_TIMEOUT(pool.stats().workersRecycled >= perWorker.size() - 2, Patience);
        QTRY_COMPARE_WITH_TIMEOUT(pool.stats().workersStarted, 2 + pool.stats().workersRecycled,
                                  Patience);
        const PoolStats stats = pool.stats();
        QCOMPARE(stats.failed, qint64(0));
        QCOMPARE(stats.retried, qint64(0)); // what waited in a leaving worker never ran
        QCOMPARE(stats.workersLost, qint64(0));

        // The processes view's model says so too.
        jobpool::ProcessesModel model;
        model.update(pool.workers());
        model.setPoolStats(stats);
        QCOMPARE(model.workersRecycled(), stats.workersRecycled);
        QVERIFY2(model.summary().contains(QString::number(stats.workersRecycled)),
                 qPrintable(model.summary()));
    }

    // Short tasks (256 KiB each) travel many to a message, and several messages wait in a
    // worker's ring: all of them go back when it leaves.
    void shortTasksAreNeitherLostNorRepeated()
    {
        constexpr int Items = 2000;
        Array<int> runs(Items);
        Pool pool({.workers = 2, .maxWorkerMemory = m_base + 16 * MiB});
        const auto results = pool.starmap(leak, leakCalls(Items, 256, runs), {.chunkSize = 1});
        const QHash<qint64, int> perWorker = checkResults(results, runs);
        QVERIFY(!perWorker.isEmpty());
        QVERIFY2(perWorker.size() > 2, qPrintable(QString::number(perWorker.size())));
        QTRY_COMPARE_WITH_TIMEOUT(pool.stats().done, qint64(Items), Patience);
        QTRY_VERIFY_WITH_TIMEOUT(pool.stats().workersRecycled >= perWorker.size() - 2, Patience);
        const PoolStats stats = pool.stats();
        QCOMPARE(stats.failed, qint64(0));
        QCOMPARE(stats.retried, qint64(0));
        QCOMPARE(stats.workersLost, qint64(0));
    }

    void withoutALimitNobodyIsReplaced()
    {
        constexpr int Items = 6;
        Array<int> runs(Items);
        Pool pool({.workers = 2});
        const auto results =
            pool.starmap(leak, leakCalls(Items, 20 * 1024, runs), {.chunkSize = 1});
        const QHash<qint64, int> perWorker = checkResults(results, runs);
        QVERIFY(!perWorker.isEmpty());
        QVERIFY(perWorker.size() <= 2);
        QTRY_COMPARE_WITH_TIMEOUT(pool.stats().done, qint64(Items), Patience);
        const PoolStats stats = pool.stats();
        QCOMPARE(stats.workersRecycled, qint64(0));
        QCOMPARE(stats.workersStarted, qint64(2));
        QCOMPARE(stats.failed, qint64(0));

        jobpool::ProcessesModel model;
        model.setPoolStats(stats);
        QCOMPARE(model.summary(), QString());
    }

    // Memory a task used and freed stays with the worker's allocator; it is handed back to
    // the system before it counts, so the worker is not replaced for it.
    void freedMemoryIsNotALeak()
    {
        if (Sanitized)
            QSKIP("a sanitizer's allocator keeps freed memory in quarantine");
        Pool pool({.workers = 1, .maxWorkerMemory = m_base + 50 * MiB});
        QSet<qint64> pids;
        for (int i = 0; i < 4; ++i)
            pids.insert(pool.apply(useAndFree, i, 80));
        QCOMPARE(pids.size(), 1);
        QTRY_COMPARE_WITH_TIMEOUT(pool.stats().done, qint64(4), Patience);
        QCOMPARE(pool.stats().workersRecycled, qint64(0));
        QCOMPARE(pool.stats().workersStarted, qint64(1));
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
    qint64 m_base = 0; ///< a fresh worker's own memory
};

JOBPOOL_TEST_MAIN(TestRecycle)

#include "tst_recycle.moc"
