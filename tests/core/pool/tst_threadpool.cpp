// SPDX-License-Identifier: GPL-3.0-or-later
// jobpool::ThreadPool: Pool's API over threads — maps, any callable, cancelling, close, join,
// terminate, resizing, items really running at once — with Pool's errors: the same failing
// calls through a Pool and a ThreadPool throw the same type with the same message. This
// executable is also that Pool's worker program (main() calls jobpool::init() first).
#include <jobpool/jobpool.h>

#include <QCoreApplication>
#include <QFutureWatcher>
#include <QSet>
#include <QSignalSpy>
#include <QTest>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <numeric>
#include <stdexcept>
#include <thread>
#include <typeinfo>

using namespace std::chrono_literals;
using jobpool::MapOptions;
using jobpool::Pool;
using jobpool::ThreadPool;
using jobpool::ThreadPoolOptions;

// Generous for sanitizer builds on a loaded machine; a QTRY_* waits only as long as it takes.
constexpr int Patience = 30000;

// ---- Tasks: registered, so that a Pool can run them too. ----

int square(int n)
{
    return int(unsigned(n) * unsigned(n)); // wraps rather than overflows for 100,000 items
}
JOBPOOL_TASK(square)

int throwsRuntime(int n)
{
    if (n < 0)
        throw n; // not a std::exception
    throw std::runtime_error("boom " + std::to_string(n));
}
JOBPOOL_TASK(throwsRuntime)

namespace {
struct TaskSpecificError : std::runtime_error
{
    using std::runtime_error::runtime_error;
};
} // namespace

int throwsOnSeven(int n)
{
    if (n == 7)
        throw TaskSpecificError("seven is not allowed");
    return n;
}
JOBPOOL_TASK(throwsOnSeven)

int addUnlessEqual(int a, int b)
{
    if (a == b)
        throw std::invalid_argument("equal arguments: " + std::to_string(a));
    return a + b;
}
JOBPOOL_TASK(addUnlessEqual)

int waitForLock(jobpool::Lock gate)
{
    if (!gate.acquire(std::chrono::minutes(1)))
        return 0;
    gate.release();
    return 1;
}
JOBPOOL_TASK(waitForLock)

// ---- Helpers ----

namespace {

QList<int> range(int n)
{
    QList<int> list(n);
    std::iota(list.begin(), list.end(), 0);
    return list;
}

QList<int> squares(int n)
{
    QList<int> list(n);
    for (int i = 0; i < n; ++i)
        list[i] = square(i);
    return list;
}

/// Where tasks wait until the test opens it — or, given a count, until that many are
/// inside at once, which proves that many threads. Waits are bounded (a minute), so that a
/// failing test cannot leave a thread blocked for ever.
class Gate
{
public:
    explicit Gate(int opensWhenInside = 0)
        : m_opensWhenInside(opensWhenInside)
    {}
    /// Arrives and waits for the gate to open; false when it did not within \a patience.
    bool pass(std::chrono::milliseconds patience = 1min)
    {
        std::unique_lock lock(m_mutex);
        if (++m_arrived == m_opensWhenInside)
            m_open = true;
        m_changed.notify_all();
        return m_changed.wait_for(lock, patience, [this] { return m_open; });
    }
    void open()
    {
        std::lock_guard lock(m_mutex);
        m_open = true;
        m_changed.notify_all();
    }
    int arrived() const
    {
        std::lock_guard lock(m_mutex);
        return m_arrived;
    }

private:
    mutable std::mutex m_mutex;
    std::condition_variable m_changed;
    const int m_opensWhenInside;
    int m_arrived = 0;
    bool m_open = false;
};

const QString RemoteErrorType = QString::fromLatin1(typeid(jobpool::RemoteError).name());
const QString PoolErrorType = QString::fromLatin1(typeid(jobpool::PoolError).name());

QString typeOf(const QString &caught)
{
    return caught.section(u'|', 0, 0);
}

/// What \a call threw, as code catching it sees it: "type|exceptionType|remoteMessage|what",
/// the typeid name of the exception object, then a RemoteError's fields, then its text.
template<class Fn>
QString caught(Fn &&call)
{
    try {
        call();
    } catch (const jobpool::RemoteError &e) {
        return QString::fromLatin1(typeid(e).name()) + u'|' + e.exceptionType() + u'|'
               + e.remoteMessage() + u'|' + QString::fromUtf8(e.what());
    } catch (const std::exception &e) {
        return QString::fromLatin1(typeid(e).name()) + u"|||" + QString::fromUtf8(e.what());
    } catch (...) {
        return QStringLiteral("not a std::exception");
    }
    return QStringLiteral("nothing was thrown");
}

/// Runs one of the failing calls of errorsMatchPool on \a pool, a Pool or a ThreadPool.
template<class P>
void failingCall(P &pool, const QString &kind)
{
    const MapOptions unordered{.chunkSize = 3, .ordered = false};
    if (kind == u"apply")
        pool.apply(throwsRuntime, 5);
    else if (kind == u"applyAsync")
        pool.applyAsync(throwsRuntime, 6).waitForFinished(); // rethrows the call's error
    else if (kind == u"map")
        pool.map(throwsOnSeven, range(20), {.chunkSize = 3});
    else if (kind == u"mapAsync unordered")
        pool.mapAsync(throwsOnSeven, range(20), unordered).waitForFinished();
    else if (kind == u"starmap")
        pool.starmap(addUnlessEqual, QList<std::tuple<int, int>>{{1, 2}, {3, 3}, {4, 5}});
    else if (kind == u"not a std::exception")
        pool.apply(throwsRuntime, -1);
}

} // namespace

class TestThreadPool : public QObject
{
    Q_OBJECT

private slots:
    // ---- map ----

    void mapKeepsOrder_data()
    {
        QTest::addColumn<int>("count");
        QTest::addColumn<int>("chunkSize");
        QTest::newRow("empty") << 0 << 0;
        QTest::newRow("one item") << 1 << 0;
        QTest::newRow("1000, chunk 1") << 1000 << 1;
        QTest::newRow("1000, chunk 7") << 1000 << 7;
        QTest::newRow("1000, automatic") << 1000 << 0;
        QTest::newRow("1000, chunk larger than input") << 1000 << 5000;
        QTest::newRow("100000, automatic") << 100000 << 0;
        QTest::newRow("100000, chunk 1") << 100000 << 1;
    }
    void mapKeepsOrder()
    {
        QFETCH(int, count);
        QFETCH(int, chunkSize);
        ThreadPool pool({.workers = 3});
        const QList<int> results = pool.map(square, range(count), {.chunkSize = chunkSize});
        QCOMPARE(results, squares(count));
        QCOMPARE(pool.map([](int n) { return square(n); }, range(count), {.chunkSize = chunkSize}),
                 squares(count));
    }

    void mapAnyCallableAndContainer()
    {
        ThreadPool pool({.workers = 2});
        // std::vector input, converted to the callable's parameter type.
        const std::vector<int> ints{1, 2, 3, 4, 5};
        QCOMPARE(pool.map([](double x) { return x / 2; }, ints),
                 (QList<double>{0.5, 1.0, 1.5, 2.0, 2.5}));
        // A generic lambda, a std::function, a member function, a function object.
        QCOMPARE(pool.map([](auto x) { return x * 2; }, range(3)), (QList<int>{0, 2, 4}));
        QCOMPARE(pool.map(std::function<int(int)>(std::negate<int>()), range(3)),
                 (QList<int>{0, -1, -2}));
        const QStringList words{QStringLiteral("a"), QString(), QStringLiteral("wörd")};
        QCOMPARE(pool.map(&QString::size, words), (QList<qsizetype>{1, 0, 4}));
        const auto triple = std::bind(std::multiplies<int>(), std::placeholders::_1, 3);
        QCOMPARE(pool.map(triple, range(4), {.chunkSize = 1}), (QList<int>{0, 3, 6, 9}));
        // A result without a default constructor.
        const QList<int> values = range(50);
        const auto refs = pool.map([&values](int n) { return std::cref(values[n]); }, range(50));
        QCOMPARE(refs.size(), 50);
        QCOMPARE(&refs.last().get(), &values.last());
        // A void callable maps to nothing, but runs every item, capturing by reference.
        std::atomic<int> sum = 0;
        pool.map([&sum](int n) { sum += n; }, range(1000), {.chunkSize = 10});
        QCOMPARE(sum.load(), 999 * 1000 / 2);
    }

    void mapAsync_data()
    {
        QTest::addColumn<bool>("ordered");
        QTest::addColumn<int>("chunkSize");
        QTest::newRow("ordered, automatic") << true << 0;
        QTest::newRow("ordered, chunk 1") << true << 1;
        QTest::newRow("unordered, automatic") << false << 0;
        QTest::newRow("unordered, chunk 1") << false << 1;
        QTest::newRow("unordered, chunk 3") << false << 3;
    }
    void mapAsync()
    {
        QFETCH(bool, ordered);
        QFETCH(int, chunkSize);
        const int count = 3000;
        ThreadPool pool({.workers = 4});
        QFutureWatcher<int> watcher;
        QSignalSpy progress(&watcher, &QFutureWatcherBase::progressValueChanged);
        watcher.setFuture(
            pool.mapAsync(square, range(count), {.chunkSize = chunkSize, .ordered = ordered}));
        QTRY_VERIFY_WITH_TIMEOUT(watcher.isFinished(), Patience);
        QVERIFY(!watcher.isCanceled());
        QCOMPARE(watcher.future().resultCount(), count);
        QList<int> results = watcher.future().results();
        if (!ordered) // every result once, in whatever order (the squares are distinct)
            std::sort(results.begin(), results.end());
        QCOMPARE(results, squares(count));
        // Progress in items, as Pool's futures report it.
        QCOMPARE(watcher.progressMaximum(), count);
        QTRY_COMPARE_WITH_TIMEOUT(watcher.progressValue(), count, Patience);
        QTRY_VERIFY_WITH_TIMEOUT(!progress.isEmpty(), Patience);
        for (const QList<QVariant> &emitted : std::as_const(progress))
            QVERIFY(emitted.at(0).toInt() >= 0 && emitted.at(0).toInt() <= count);
    }

    void cancelMapAsync()
    {
        const int count = 1000;
        Gate gate;
        ThreadPool pool({.workers = 2});
        QFuture<int> future = pool.mapAsync([&gate](int n) { return gate.pass() ? n : -1; },
                                            range(count), {.chunkSize = 1});
        QTRY_COMPARE_WITH_TIMEOUT(gate.arrived(), 2, Patience); // both threads are inside
        future.cancel();
        QVERIFY(future.isCanceled());
        QVERIFY(!future.isFinished()); // two of its items still run
        gate.open();
        QTRY_VERIFY_WITH_TIMEOUT(future.isFinished(), Patience);
        QVERIFY(future.isCanceled());
        QCOMPARE(gate.arrived(), 2); // nothing started after the cancel
        QCOMPARE(pool.stats().running + pool.stats().queued, qint64(0));
        QCOMPARE(pool.map(square, range(50)), squares(50)); // and the pool carries on
    }

    // ---- starmap, apply ----

    void starmap()
    {
        ThreadPool pool({.workers = 2});
        QList<std::tuple<int, int>> pairs;
        QList<int> sums;
        for (int i = 0; i < 1000; ++i) {
            pairs.append({i, -2 * i + 1});
            sums.append(-i + 1);
        }
        QCOMPARE(pool.starmap(addUnlessEqual, pairs), sums);
        QCOMPARE(pool.starmap([](int a, int b) { return a + b; }, pairs, {.chunkSize = 1}), sums);

        const QString separator = QStringLiteral("/"); // captured by reference
        const auto join = [&separator](const QString &a, int b, const QByteArray &c) -> QString {
            return a + separator + QString::number(b) + separator + QString::fromLatin1(c.toHex());
        };
        const QList<std::tuple<QString, int, QByteArray>> triples{
            {QStringLiteral("ü"), -2, QByteArray("\x01\x00", 2)}};
        QCOMPARE(pool.starmap(join, triples), QStringList{QStringLiteral("ü/-2/0100")});

        QFuture<int> async = pool.starmapAsync(addUnlessEqual, pairs, {.chunkSize = 50});
        QTRY_VERIFY_WITH_TIMEOUT(async.isFinished(), Patience);
        QCOMPARE(async.results(), sums);
    }

    void apply()
    {
        ThreadPool pool({.workers = 2});
        QCOMPARE(pool.apply(square, 7), 49);
        int calls = 0;
        const QString prefix = QStringLiteral("héllo ");
        const auto greet = [&calls, prefix](const QString &name, int times) -> QString {
            ++calls; // by reference: apply() waits, nothing else touches it
            return prefix + name.repeated(times);
        };
        QCOMPARE(pool.apply(greet, QStringLiteral("wö"), 2), QStringLiteral("héllo wöwö"));
        QCOMPARE(calls, 1);
        QCOMPARE(pool.apply([] { return 42; }), 42);
        pool.apply([&calls] { calls += 10; }); // void
        QCOMPARE(calls, 11);
        auto owned = std::make_unique<int>(5); // a move-only argument
        QCOMPARE(pool.apply([](std::unique_ptr<int> p) { return *p * 2; }, std::move(owned)), 10);

        // applyAsync copies its arguments when called, and reports through the future.
        QString text = QStringLiteral("quiet");
        const QFuture<QString> shouted = pool.applyAsync(greet, text, 1);
        text = QStringLiteral("changed");
        std::atomic<int> counter = 0;
        QFutureWatcher<void> watcher;
        QSignalSpy finished(&watcher, &QFutureWatcherBase::finished);
        watcher.setFuture(pool.applyAsync([&counter](int by) { counter += by; }, 3));
        QVERIFY(finished.wait(Patience) || watcher.isFinished());
        QCOMPARE(counter.load(), 3);
        QCOMPARE(shouted.result(), QStringLiteral("héllo quiet"));
    }

    void errorsMatchPool_data()
    {
        QTest::addColumn<QString>("exceptionType");
        QTest::addColumn<QString>("message");
        const char *const rows[][3] = {
            {"apply", "std::runtime_error", "boom 5"},
            {"applyAsync", "std::runtime_error", "boom 6"},
            {"map", "TaskSpecificError", "seven is not allowed"},
            {"mapAsync unordered", "TaskSpecificError", "seven is not allowed"},
            {"starmap", "std::invalid_argument", "equal arguments: 3"},
            {"not a std::exception", "unknown exception", "(not a std::exception)"},
        };
        for (const auto &row : rows)
            QTest::newRow(row[0]) << QString::fromUtf8(row[1]) << QString::fromUtf8(row[2]);
    }
    void errorsMatchPool()
    {
        const QString kind = QString::fromUtf8(QTest::currentDataTag());
        QFETCH(QString, exceptionType);
        QFETCH(QString, message);
        // Fresh pools of the same size: the task ids (chunk numbers) in the texts match too.
        Pool processes({.workers = 2});
        ThreadPool threads({.workers = 2});
        const QString fromProcesses = caught([&] { failingCall(processes, kind); });
        const QStringList parts = fromProcesses.split(u'|');
        QCOMPARE(parts.size(), 4);
        QCOMPARE(parts[0], RemoteErrorType);
        QVERIFY2(parts[1].contains(exceptionType), qPrintable(parts[1]));
        QCOMPARE(parts[2], message);
        // The type, exceptionType(), remoteMessage() and what(): "task 3 raised …: …".
        QCOMPARE(caught([&] { failingCall(threads, kind); }), fromProcesses);

        // A failing call costs neither pool anything.
        QCOMPARE(threads.apply(square, 4), 16);
        QCOMPARE(processes.apply(square, 4), 16);
    }

    void closedPoolErrorsMatchPool()
    {
        Pool processes({.workers = 1});
        ThreadPool threads({.workers = 1});
        const QString joinTooEarly = caught([&] { processes.join(); });
        QCOMPARE(typeOf(joinTooEarly), PoolErrorType);
        QCOMPARE(caught([&] { threads.join(); }), joinTooEarly);

        processes.close();
        threads.close();
        const QString closed = caught([&] { processes.apply(square, 3); });
        QCOMPARE(typeOf(closed), PoolErrorType);
        QCOMPARE(caught([&] { threads.apply(square, 3); }), closed);
        QCOMPARE(caught([&] { threads.mapAsync(square, range(3)); }), closed);
        processes.join();
        threads.join();
    }

    void terminateFailsPendingCallsLikePool()
    {
        // Pool: a running call and a queued one; terminate() kills the worker.
        jobpool::Lock never;
        QVERIFY(never.acquire());
        Pool processes({.workers = 1});
        QFuture<int> runningP = processes.applyAsync(waitForLock, never);
        QFuture<int> queuedP = processes.applyAsync(square, 3);
        QTRY_VERIFY_WITH_TIMEOUT(processes.stats().running > 0, Patience); // in the worker
        processes.terminate();
        never.release();
        QVERIFY(runningP.isFinished() && queuedP.isFinished());
        const QString runningFromProcesses = caught([&] { runningP.waitForFinished(); });
        const QString queuedFromProcesses = caught([&] { queuedP.waitForFinished(); });
        QCOMPARE(typeOf(runningFromProcesses), PoolErrorType);
        QCOMPARE(typeOf(queuedFromProcesses), PoolErrorType);

        // ThreadPool: the same, but a thread cannot be killed: terminate() fails the queued
        // call at once and waits for the running item before it fails that call too.
        Gate gate;
        std::atomic<bool> ranToTheEnd = false, queuedRan = false;
        ThreadPool threads({.workers = 1});
        QFuture<int> running = threads.applyAsync([&] {
            const bool passed = gate.pass();
            ranToTheEnd = true;
            return passed ? 1 : 0;
        });
        QFuture<int> queued = threads.applyAsync([&queuedRan] { return int(queuedRan = true); });
        QTRY_COMPARE_WITH_TIMEOUT(gate.arrived(), 1, Patience);
        std::atomic<bool> terminated = false;
        std::thread terminator([&] {
            threads.terminate();
            terminated = true;
        });
        QTRY_VERIFY_WITH_TIMEOUT(queued.isFinished(), Patience);
        QVERIFY(!running.isFinished()); // its item still runs…
        QVERIFY(!terminated);           // …and terminate() waits for it
        gate.open();
        QTRY_VERIFY_WITH_TIMEOUT(terminated, Patience);
        terminator.join();
        QVERIFY(running.isFinished());
        QVERIFY(ranToTheEnd);
        QVERIFY(!queuedRan);
        QCOMPARE(caught([&] { running.waitForFinished(); }), runningFromProcesses);
        QCOMPARE(caught([&] { queued.waitForFinished(); }), queuedFromProcesses);

        // Afterwards both refuse calls alike, and join() returns at once.
        QCOMPARE(caught([&] { threads.apply(square, 1); }),
                 caught([&] { processes.apply(square, 1); }));
        threads.join();
        processes.join(); // and the destructors terminate again, harmlessly
    }

    void failedCallEndsAfterItsRunningItems()
    {
        // Item 0 throws while item 1 still runs on the other thread: map() must not return
        // before item 1 has, or a task could outlive what it captured by reference.
        ThreadPool pool({.workers = 2});
        Gate bothInside(2);
        Gate returned; // opened once map() came back
        std::atomic<bool> secondDone = false, returnedEarly = false;
        const auto item = [&](int n) {
            bothInside.pass();
            if (n == 0)
                throw std::runtime_error("first");
            // Item 1 goes on once the pool has recorded the failure, the moment a map()
            // that did not wait for it would return; it watches for that return a while.
            while (pool.stats().failed == 0)
                std::this_thread::yield();
            returnedEarly = returned.pass(200ms);
            secondDone = true;
            return n;
        };
        const QString error = caught([&] { pool.map(item, range(2), {.chunkSize = 1}); });
        returned.open();
        QVERIFY2(error.startsWith(RemoteErrorType + u"|std::runtime_error|first|"),
                 qPrintable(error));
        QVERIFY(secondDone);
        QVERIFY(!returnedEarly);
    }

    void closeJoinFinishesQueuedWork()
    {
        ThreadPool pool({.workers = 2});
        Gate gate;
        QFuture<int> future = pool.mapAsync([&gate](int n) { return gate.pass() ? square(n) : -1; },
                                            range(40), {.chunkSize = 1});
        QFuture<int> single = pool.applyAsync(square, 9);
        QTRY_COMPARE_WITH_TIMEOUT(gate.arrived(), 2, Patience);
        pool.close(); // 38 items and the apply still wait in the queue
        QVERIFY(!future.isFinished());
        gate.open();
        pool.join();
        QVERIFY(future.isFinished());
        QVERIFY(!future.isCanceled());
        QCOMPARE(future.results(), squares(40));
        QCOMPARE(single.result(), 81);
        pool.join(); // again: nothing left to wait for
    }

    void itemsRunConcurrently()
    {
        const int workers = 8; // more than the CPUs
        ThreadPool pool({.workers = workers});
        Gate all(workers); // opens only when every thread is inside at once
        const QList<bool> met =
            pool.map([&all](int) { return all.pass(); }, range(workers), {.chunkSize = 1});
        QCOMPARE(met, QList<bool>(workers, true));
    }

    void workerCount()
    {
        ThreadPool perCpu;
        QCOMPARE(perCpu.workerCount(), std::max(1, int(std::thread::hardware_concurrency())));

        ThreadPool pool({.workers = 2});
        QCOMPARE(pool.workerCount(), 2);
        pool.setWorkerCount(5); // grows at once: five items meet
        QCOMPARE(pool.workerCount(), 5);
        Gate five(5);
        QCOMPARE(pool.map([&five](int) { return five.pass(); }, range(5), {.chunkSize = 1}),
                 QList<bool>(5, true));

        pool.setWorkerCount(1); // idle threads leave; every later item runs on the one left
        QCOMPARE(pool.workerCount(), 1);
        const auto threadOf = [](int) {
            return std::hash<std::thread::id>()(std::this_thread::get_id());
        };
        const QList<std::size_t> ids = pool.map(threadOf, range(200), {.chunkSize = 1});
        QCOMPARE(QSet<std::size_t>(ids.begin(), ids.end()).size(), 1);
        QCOMPARE(pool.stats().workersStarted, qint64(5));
    }

    void initializerRunsOncePerThread()
    {
        static thread_local int t_value = 0;
        std::atomic<int> runs = 0;
        ThreadPoolOptions options{.workers = 3};
        const auto initialise = [&runs](int value) {
            t_value = value;
            ++runs;
        };
        options.initializer(initialise, 41);
        ThreadPool pool(options);
        Gate three(3);
        const QList<int> seen = pool.map([&three](int) { return three.pass() ? t_value : -1; },
                                         range(3), {.chunkSize = 1});
        QCOMPARE(seen, QList<int>(3, 41));
        QCOMPARE(pool.map([](int) { return t_value; }, range(100)), QList<int>(100, 41));
        QCOMPARE(runs.load(), 3);

        ThreadPoolOptions failing{.workers = 2};
        failing.initializer([] { throw std::runtime_error("initializer refuses"); });
        ThreadPool broken(failing);
        const QString refused = caught([&] { broken.apply(square, 2); });
        QCOMPARE(typeOf(refused), PoolErrorType);
        QVERIFY2(refused.endsWith(QLatin1String("raised std::runtime_error: initializer refuses")),
                 qPrintable(refused));
    }

    void statsAndLifetime()
    {
        ThreadPool pool({.workers = 2});
        QCOMPARE(pool.map(square, range(100), {.chunkSize = 9}), squares(100));
        QCOMPARE(typeOf(caught([&] { pool.apply(throwsRuntime, 1); })), RemoteErrorType);
        QCOMPARE(pool.apply(square, 3), 9);
        const jobpool::PoolStats stats = pool.stats();
        QCOMPARE(stats.done, qint64(101));
        QCOMPARE(stats.failed, qint64(1));
        QCOMPARE(stats.queued + stats.running + stats.workersLost, qint64(0));
        QCOMPARE(stats.workersStarted, qint64(2));

        for (int i = 0; i < 200; ++i) { // each joins its threads
            ThreadPool another({.workers = 2});
            QCOMPARE(another.apply(square, i), i * i);
        }
        QObject parent;
        auto *owned = new ThreadPool({.workers = 1}, &parent); // a QObject, like Pool
        QCOMPARE(owned->apply(square, 3), 9);
    }
};

int main(int argc, char **argv)
{
    jobpool::init(argc, argv); // in a worker of the Pool, runs the tasks and never returns
    QCoreApplication app(argc, argv);
    TestThreadPool test;
    return QTest::qExec(&test, argc, argv);
}

#include "tst_threadpool.moc"
