// SPDX-License-Identifier: GPL-3.0-or-later
// jobpool::Pool end to end: results, ordering and progress of maps; every way a task can
// fail (throw, crash, exit, hang) failing only its own call; retries, timeouts,
// initializers, worker replacement, close/join/terminate, live resizing, the processes view
// and statistics; and no worker ever outliving its pool or its parent.
//
// This executable is also the pool's worker program: main() hands over to jobpool::init(),
// which in a worker runs the tasks registered below and never returns.
#include "testsupport.h"

#include <jobpool/jobpool.h>

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFutureWatcher>
#include <QProcess>
#include <QSet>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <numeric>
#include <optional>
#include <stdexcept>
#include <typeinfo>
#include <vector>

#include <unistd.h>

using namespace std::chrono_literals;
using jobpool::Lock;
using jobpool::MapOptions;
using jobpool::Pool;
using jobpool::PoolOptions;
using jobpool::WorkerInfo;
using namespace jobpool::test;

#if defined(__SANITIZE_ADDRESS__)
constexpr bool Sanitized = true;
#else
constexpr bool Sanitized = false;
#endif

// Generous: workers of a sanitizer build start slowly on a loaded machine. A QTRY_* waits
// only as long as the condition takes, so this costs nothing when things work (a failing
// one waits three times this long before it reports).
constexpr int Patience = Sanitized ? 20000 : 10000;

// ---- Tasks. They run in worker processes, where sleeping to simulate work is fine. ----

int square(int n)
{
    // Wraps rather than overflows for the large inputs of the 100,000-item maps.
    return int(unsigned(n) * unsigned(n));
}
JOBPOOL_TASK(square)

double halve(double x)
{
    return x / 2;
}
JOBPOOL_TASK(halve)

QString shout(QString s)
{
    return s.toUpper() + QLatin1Char('!');
}
JOBPOOL_TASK(shout)

qsizetype length(const QString &s)
{
    return s.size();
}
JOBPOOL_TASK(length)

int add(int a, int b)
{
    return a + b;
}
JOBPOOL_TASK(add)

QString joinThree(QString a, int b, QByteArray c)
{
    return a + QString::number(b) + QString::fromLatin1(c.toHex());
}
JOBPOOL_TASK(joinThree)

QString describe(QString s, QByteArray bytes, QList<int> numbers)
{
    qint64 sum = 0;
    for (int n : numbers)
        sum += n;
    return QStringLiteral("%1|%2|%3|%4")
        .arg(s, QString::fromLatin1(bytes.toHex()), QString::number(numbers.size()),
             QString::number(sum));
}
JOBPOOL_TASK(describe)

int answer()
{
    return 42;
}
JOBPOOL_TASK(answer)

void doNothing(int)
{}
JOBPOOL_TASK(doNothing)

int slowSquare(int n)
{
    // About 20 ms of work (computing, not sleeping: it stands for a slow task).
    const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(20);
    while (std::chrono::steady_clock::now() < end) {
    }
    return n * n;
}
JOBPOOL_TASK(slowSquare)

int throwsRuntime(int n)
{
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

enum class Death { Kill, Segfault, Abort, Exit, UnderscoreExit };

int dieBy(int how)
{
    switch (Death(how)) {
    case Death::Kill:
        raise(SIGKILL);
        break;
    case Death::Segfault:
        // A sanitizer's handler would turn the SEGV into an abort; the default dies of it.
        std::signal(SIGSEGV, SIG_DFL);
        raise(SIGSEGV);
        break;
    case Death::Abort:
        std::signal(SIGABRT, SIG_DFL);
        std::abort();
    case Death::Exit:
        std::exit(3);
    case Death::UnderscoreExit:
        _exit(3);
    }
    return how;
}
JOBPOOL_TASK(dieBy)

int killOnFirstAttempt(QString marker)
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
JOBPOOL_TASK(killOnFirstAttempt)

int spinForever(int)
{
    volatile quint64 counter = 0;
    for (;;)
        counter = counter + 1;
}
JOBPOOL_TASK(spinForever)

void blockForever()
{
    for (;;)
        pause();
}
JOBPOOL_TASK(blockForever)

void failingInitializer()
{
    throw std::runtime_error("initializer refuses");
}
JOBPOOL_TASK(failingInitializer)

int g_initialised = 0;

void setGlobal(int value)
{
    g_initialised = value;
}
JOBPOOL_TASK(setGlobal)

int readGlobal(int)
{
    return g_initialised;
}
JOBPOOL_TASK(readGlobal)

qint64 workerPid(int)
{
    return getpid();
}
JOBPOOL_TASK(workerPid)

/// Blocks until the test lets go of \a gate, a lock it holds. Gives up after a minute so
/// that a failed test cannot leave it running for ever.
int waitForGate(Lock gate)
{
    if (!gate.acquire(std::chrono::minutes(1)))
        return 0;
    gate.release();
    return 1;
}
JOBPOOL_TASK(waitForGate)

// ---- Helpers for the test process. ----

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

/// Runs \a call and returns the E it threw; an empty optional (with the reason logged)
/// when it returned or threw something else.
template<class E, class Fn>
std::optional<E> thrown(Fn &&call)
{
    try {
        call();
        qWarning("expected an exception, none was thrown");
    } catch (const E &e) {
        return e;
    } catch (const std::exception &e) {
        qWarning("unexpected exception %s: %s", typeid(e).name(), e.what());
    } catch (...) {
        qWarning("unexpected exception of unknown type");
    }
    return std::nullopt;
}

QList<qint64> pidsOf(const QList<WorkerInfo> &workers)
{
    QList<qint64> pids;
    for (const WorkerInfo &w : workers)
        pids.append(w.pid);
    return pids;
}

bool allBusy(const QList<WorkerInfo> &workers, int count)
{
    return workers.size() == count && std::all_of(workers.begin(), workers.end(), [](auto &w) {
               return w.pid > 0 && w.state == WorkerInfo::State::Busy;
           });
}

bool noneAlive(const QList<qint64> &pids)
{
    return std::none_of(pids.begin(), pids.end(), [](qint64 p) { return processAlive(pid_t(p)); });
}

void killAll(const QList<qint64> &pids)
{
    for (qint64 p : pids)
        ::kill(pid_t(p), SIGKILL);
}

/// The --orphan-parent mode: a parent with two busy workers that prints their pids and
/// then waits to be SIGKILLed by the test.
int runOrphanParent(int &argc, char **argv)
{
    QCoreApplication app(argc, argv);
    Pool pool({.workers = 2});
    Lock never; // held until the test kills this process
    never.acquire();
    QFuture<int> blocked =
        pool.mapAsync(waitForGate, QList<Lock>(2, never), MapOptions{.chunkSize = 1});
    QTimer poll;
    QObject::connect(&poll, &QTimer::timeout, &app, [&] {
        const QList<WorkerInfo> workers = pool.workers();
        if (!allBusy(workers, 2))
            return;
        for (const WorkerInfo &w : workers)
            std::printf("%lld\n", static_cast<long long>(w.pid));
        std::fflush(stdout);
        poll.stop();
    });
    poll.start(10);
    return app.exec();
}

} // namespace

class TestPool : public QObject
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
        // Every pool of the test is destroyed by now; none of its workers may remain.
        const QString left = leftovers(Patience);
        QVERIFY2(left.isEmpty(), qPrintable(left));
        QTRY_COMPARE_WITH_TIMEOUT(newSharedMemory(), QStringList(), Patience);
    }

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
        QTest::newRow("100000, chunk 1000") << 100000 << 1000;
    }
    void mapKeepsOrder()
    {
        QFETCH(int, count);
        QFETCH(int, chunkSize);
        Pool pool({.workers = 2});
        const QList<int> results = pool.map(square, range(count), {.chunkSize = chunkSize});
        QCOMPARE(results.size(), count);
        QCOMPARE(results, squares(count));
    }

    void mapOtherContainersAndTypes()
    {
        Pool pool({.workers = 2});
        // std::vector input, and an int input converted to the task's double parameter.
        const std::vector<int> ints{1, 2, 3, 4, 5};
        QCOMPARE(pool.map(halve, ints), (QList<double>{0.5, 1.0, 1.5, 2.0, 2.5}));

        QStringList words;
        for (int i = 0; i < 500; ++i)
            words.append(QStringLiteral("wörd %1").arg(i));
        const QList<QString> shouted = pool.map(shout, words, {.chunkSize = 3});
        QCOMPARE(shouted.size(), words.size());
        for (int i = 0; i < words.size(); ++i)
            QCOMPARE(shouted[i], words[i].toUpper() + QLatin1Char('!'));

        const QList<qsizetype> lengths = pool.map(length, QStringList{QString(), words[42]});
        QCOMPARE(lengths, (QList<qsizetype>{0, words[42].size()}));

        pool.map(doNothing, range(100)); // a void task maps to nothing, but runs every item
        QTRY_COMPARE_WITH_TIMEOUT(pool.stats().done, qint64(5 + 500 + 2 + 100), Patience);
    }

    void mapAsync_data()
    {
        QTest::addColumn<bool>("ordered");
        QTest::addColumn<int>("chunkSize");
        QTest::newRow("ordered, automatic") << true << 0;
        QTest::newRow("ordered, chunk 1") << true << 1;
        QTest::newRow("unordered, automatic") << false << 0;
        QTest::newRow("unordered, chunk 3") << false << 3;
    }
    void mapAsync()
    {
        QFETCH(bool, ordered);
        QFETCH(int, chunkSize);
        const int count = 2000;
        Pool pool({.workers = 2});
        QFuture<int> future =
            pool.mapAsync(square, range(count), {.chunkSize = chunkSize, .ordered = ordered});
        QFutureWatcher<int> watcher;
        QSignalSpy finished(&watcher, &QFutureWatcherBase::finished);
        watcher.setFuture(future);
        QVERIFY(finished.wait(Patience) || future.isFinished());
        QVERIFY(!future.isCanceled());
        QCOMPARE(future.resultCount(), count);
        QList<int> results = future.results();
        if (ordered) {
            QCOMPARE(results, squares(count));
        } else {
            std::sort(results.begin(), results.end());
            QCOMPARE(results, squares(count)); // the same multiset, in whatever order
        }
    }

    void mapAsyncReportsProgress()
    {
        const int count = 3000;
        Pool pool({.workers = 2});
        QFutureWatcher<int> watcher;
        QSignalSpy progress(&watcher, &QFutureWatcherBase::progressValueChanged);
        watcher.setFuture(pool.mapAsync(square, range(count), {.chunkSize = 10}));
        QTRY_VERIFY_WITH_TIMEOUT(watcher.isFinished(), Patience);
        QCOMPARE(watcher.progressMaximum(), count);
        QTRY_COMPARE_WITH_TIMEOUT(watcher.progressValue(), count, Patience);
        QTRY_VERIFY_WITH_TIMEOUT(!progress.isEmpty(), Patience);
        QTRY_COMPARE_WITH_TIMEOUT(progress.last().at(0).toInt(), count, Patience);
        for (const QList<QVariant> &emitted : std::as_const(progress))
            QVERIFY(emitted.at(0).toInt() >= 0 && emitted.at(0).toInt() <= count);
        QCOMPARE(watcher.future().results(), squares(count));
    }

    void cancelMapAsync()
    {
        const int count = 400; // 20 ms each: seconds of work if cancelling did nothing
        Pool pool({.workers = 2});
        QFuture<int> future = pool.mapAsync(slowSquare, range(count), {.chunkSize = 1});
        QTRY_VERIFY_WITH_TIMEOUT(future.resultCount() > 0, Patience);
        future.cancel();
        QVERIFY(future.isCanceled());
        QTRY_VERIFY_WITH_TIMEOUT(future.isFinished(), Patience);
        QVERIFY(future.isCanceled());
        // The pool stopped handing out the rest instead of running it to the end.
        QTRY_COMPARE_WITH_TIMEOUT(pool.stats().running, qint64(0), Patience);
        QVERIFY2(
            pool.stats().done < count,
            qPrintable(QStringLiteral("%1 of %2 items ran").arg(pool.stats().done).arg(count)));
        // …and still works.
        QCOMPARE(pool.apply(square, 12), 144);
        QCOMPARE(pool.map(square, range(50)), squares(50));
    }

    // ---- starmap, apply ----

    void starmap()
    {
        Pool pool({.workers = 2});
        QList<std::tuple<int, int>> pairs;
        QList<int> sums;
        for (int i = 0; i < 1000; ++i) {
            pairs.append({i, -2 * i + 1});
            sums.append(-i + 1);
        }
        QCOMPARE(pool.starmap(add, pairs), sums);
        QCOMPARE(pool.starmap(add, pairs, {.chunkSize = 1}), sums);

        const QList<std::tuple<QString, int, QByteArray>> triples{
            {QStringLiteral("a"), 1, QByteArray("\x01\x00", 2)},
            {QStringLiteral("ü"), -2, QByteArray()},
        };
        QCOMPARE(pool.starmap(joinThree, triples),
                 (QList<QString>{QStringLiteral("a10100"), QStringLiteral("ü-2")}));

        QFuture<int> async = pool.starmapAsync(add, pairs, {.chunkSize = 50, .ordered = true});
        QTRY_VERIFY_WITH_TIMEOUT(async.isFinished(), Patience);
        QCOMPARE(async.results(), sums);
        QFuture<QString> asyncTriples = pool.starmapAsync(joinThree, triples);
        QTRY_VERIFY_WITH_TIMEOUT(asyncTriples.isFinished(), Patience);
        QCOMPARE(asyncTriples.resultCount(), 2);
        QCOMPARE(asyncTriples.resultAt(1), QStringLiteral("ü-2"));
    }

    void apply()
    {
        Pool pool({.workers = 2});
        QCOMPARE(pool.apply(square, 7), 49);
        QCOMPARE(pool.apply(add, 40, 2), 42);
        QCOMPARE(pool.apply(answer), 42);
        QCOMPARE(pool.apply(shout, QStringLiteral("héllo wörld")), QStringLiteral("HÉLLO WÖRLD!"));
        const QByteArray withNuls("\0a\0", 3);
        QCOMPARE(pool.apply(describe, QStringLiteral("日本"), withNuls, QList<int>{1, 2, 3, 1000}),
                 QStringLiteral("日本|006100|4|1006"));
        QCOMPARE(pool.apply(describe, QString(), QByteArray(), QList<int>()),
                 QStringLiteral("||0|0"));
        const QString big(200000, QChar(0x263a));
        QCOMPARE(pool.apply(length, big), big.size());
        pool.apply(doNothing, 3);
        QTRY_COMPARE_WITH_TIMEOUT(pool.stats().done, qint64(8), Patience);
    }

    void applyAsync()
    {
        Pool pool({.workers = 2});
        QFuture<int> a = pool.applyAsync(square, 9);
        QFuture<QString> b = pool.applyAsync(shout, QStringLiteral("quiet"));
        QFuture<QString> c =
            pool.applyAsync(describe, QStringLiteral("x"), QByteArray("\xff", 1), QList<int>{5});
        QFuture<void> d = pool.applyAsync(doNothing, 1);
        QFutureWatcher<void> watcher;
        QSignalSpy finished(&watcher, &QFutureWatcherBase::finished);
        watcher.setFuture(d);
        QVERIFY(finished.wait(Patience) || d.isFinished());
        QTRY_VERIFY_WITH_TIMEOUT(a.isFinished() && b.isFinished() && c.isFinished(), Patience);
        QCOMPARE(a.result(), 81);
        QCOMPARE(b.result(), QStringLiteral("QUIET!"));
        QCOMPARE(c.result(), QStringLiteral("x|ff|1|5"));
        QVERIFY(!d.isCanceled());
    }

    // ---- failures ----

    void remoteError()
    {
        Pool pool({.workers = 1});
        const auto error = thrown<jobpool::RemoteError>([&] { pool.apply(throwsRuntime, 5); });
        QVERIFY(error);
        QVERIFY2(error->exceptionType().contains(QLatin1String("runtime_error")),
                 qPrintable(error->exceptionType()));
        QVERIFY2(error->remoteMessage().contains(QLatin1String("boom 5")),
                 qPrintable(error->remoteMessage()));
        QVERIFY(error->message().contains(QLatin1String("boom 5")));

        // One failing item fails the map, reporting the exception's own type.
        const auto mapError = thrown<jobpool::RemoteError>(
            [&] { pool.map(throwsOnSeven, range(20), {.chunkSize = 3}); });
        QVERIFY(mapError);
        QVERIFY2(mapError->exceptionType().contains(QLatin1String("TaskSpecificError")),
                 qPrintable(mapError->exceptionType()));
        QVERIFY(mapError->remoteMessage().contains(QLatin1String("seven is not allowed")));

        // Through a future, too.
        QFuture<int> future = pool.applyAsync(throwsRuntime, 6);
        QTRY_VERIFY_WITH_TIMEOUT(future.isFinished(), Patience);
        const auto asyncError = thrown<jobpool::RemoteError>([&] { future.waitForFinished(); });
        QVERIFY(asyncError);
        QVERIFY(asyncError->remoteMessage().contains(QLatin1String("boom 6")));

        // A throwing task does not cost the worker its life.
        QCOMPARE(pool.apply(square, 4), 16);
        QTRY_VERIFY_WITH_TIMEOUT(pool.stats().failed >= 3, Patience);
        QCOMPARE(pool.stats().workersLost, qint64(0));
    }

    void workerDies_data()
    {
        QTest::addColumn<int>("how");
        QTest::addColumn<int>("signal");
        QTest::addColumn<int>("exitCode");
        QTest::newRow("SIGKILL") << int(Death::Kill) << SIGKILL << 0;
        QTest::newRow("SIGSEGV") << int(Death::Segfault) << SIGSEGV << 0;
        QTest::newRow("abort") << int(Death::Abort) << SIGABRT << 0;
        QTest::newRow("exit(3)") << int(Death::Exit) << 0 << 3;
        QTest::newRow("_exit(3)") << int(Death::UnderscoreExit) << 0 << 3;
    }
    void workerDies()
    {
        QFETCH(int, how);
        QFETCH(int, signal);
        QFETCH(int, exitCode);
        Pool pool({.workers = 1});
        QFuture<int> future = pool.applyAsync(dieBy, how);
        QTRY_VERIFY_WITH_TIMEOUT(future.isFinished(), Patience);
        const auto died = thrown<jobpool::WorkerDied>([&] { future.waitForFinished(); });
        QVERIFY(died);
        QCOMPARE(died->signal(), signal);
        if (signal == 0)
            QCOMPARE(died->exitCode(), exitCode);
        QVERIFY(died->pid() > 0);
        QVERIFY(died->pid() != getpid());
        QTRY_VERIFY_WITH_TIMEOUT(!processAlive(pid_t(died->pid())), Patience);

        // The next call on the same pool runs in a replacement worker.
        QCOMPARE(pool.apply(square, 6), 36);
        const qint64 replacement = pool.apply(workerPid, 0);
        QVERIFY(replacement > 0);
        QVERIFY(replacement != died->pid());
        QTRY_VERIFY_WITH_TIMEOUT(pool.stats().workersLost >= 1, Patience);
        QTRY_VERIFY_WITH_TIMEOUT(pool.stats().failed >= 1, Patience);
    }

    void retryAfterWorkerDeath()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString marker = dir.filePath(QStringLiteral("attempted"));
        Pool pool({.workers = 2, .retries = 2});
        QCOMPARE(pool.apply(killOnFirstAttempt, marker), 7);
        QVERIFY(QFile::exists(marker)); // the first attempt really ran, and died
        QTRY_VERIFY_WITH_TIMEOUT(pool.stats().retried >= 1, Patience);
        QTRY_VERIFY_WITH_TIMEOUT(pool.stats().workersLost >= 1, Patience);
        QCOMPARE(pool.stats().failed, qint64(0));
    }

    void retriesRunOut()
    {
        Pool pool({.workers = 1, .retries = 1});
        const auto died = thrown<jobpool::WorkerDied>([&] { pool.apply(dieBy, int(Death::Kill)); });
        QVERIFY(died);
        QCOMPARE(died->signal(), SIGKILL);
        QTRY_VERIFY_WITH_TIMEOUT(pool.stats().retried >= 1, Patience);
        QTRY_VERIFY_WITH_TIMEOUT(pool.stats().workersLost >= 2, Patience);
        QCOMPARE(pool.apply(square, 5), 25);
    }

    void taskTimeout()
    {
        Pool pool({.workers = 1, .taskTimeout = 300ms});
        QFuture<int> future = pool.applyAsync(spinForever, 0);
        QTRY_VERIFY_WITH_TIMEOUT(future.isFinished(), Patience);
        QVERIFY(thrown<jobpool::TaskTimeout>([&] { future.waitForFinished(); }));
        QCOMPARE(pool.apply(square, 11), 121);
        QCOMPARE(pool.map(square, range(100)), squares(100));
        QTRY_VERIFY_WITH_TIMEOUT(pool.stats().failed >= 1, Patience);
    }

    void workersThatCannotStart_data()
    {
        QTest::addColumn<int>("kind");
        QTest::newRow("initializer hangs") << 0;
        QTest::newRow("initializer throws") << 1;
        QTest::newRow("missing worker program") << 2;
    }
    void workersThatCannotStart()
    {
        QFETCH(int, kind);
        PoolOptions options{.workers = 1, .startTimeout = 500ms};
        if (kind == 0)
            options.initializer(blockForever);
        else if (kind == 1)
            options.initializer(failingInitializer);
        else
            options.workerProgram = QStringLiteral("/nonexistent/jobpool-worker");
        Pool pool(options);
        // Whether the call throws at once or its future fails, it must not hang.
        std::optional<QFuture<int>> future;
        const auto refused = thrown<jobpool::PoolError>([&] {
            future = pool.applyAsync(square, 2);
            if (!QTest::qWaitFor([&] { return future->isFinished(); }, Patience))
                throw std::runtime_error("the call is still pending: the pool hangs");
            future->waitForFinished();
        });
        QVERIFY(refused);
        if (future)
            QVERIFY(future->isFinished());
    }

    void initializer()
    {
        PoolOptions options{.workers = 2};
        options.initializer(setGlobal, 41);
        Pool pool(options);
        QCOMPARE(pool.map(readGlobal, range(20), {.chunkSize = 1}), QList<int>(20, 41));

        // Every replacement worker runs it again.
        PoolOptions recycled{.workers = 1, .maxTasksPerChild = 1};
        recycled.initializer(setGlobal, -5);
        Pool recycling(recycled);
        for (int i = 0; i < 4; ++i)
            QCOMPARE(recycling.apply(readGlobal, i), -5);
        QTRY_VERIFY_WITH_TIMEOUT(recycling.stats().workersStarted >= 4, Patience);
    }

    void maxTasksPerChild()
    {
        Pool pool({.workers = 1, .maxTasksPerChild = 2});
        QSet<qint64> pids;
        for (int i = 0; i < 10; ++i) {
            const qint64 pid = pool.apply(workerPid, i);
            QVERIFY(pid > 0);
            QVERIFY(pid != getpid());
            pids.insert(pid);
        }
        QVERIFY2(pids.size() >= 5, qPrintable(QString::number(pids.size())));
        QTRY_VERIFY_WITH_TIMEOUT(pool.stats().workersStarted >= 5, Patience);
        QCOMPARE(pool.stats().workersLost, qint64(0)); // retiring a worker is not losing it
    }

    // ---- close, join, terminate ----

    void closeRefusesNewCalls()
    {
        Pool pool({.workers = 1});
        QCOMPARE(pool.apply(square, 2), 4);
        pool.close();
        QVERIFY(thrown<jobpool::PoolError>([&] { pool.apply(square, 3); }));
        QVERIFY(thrown<jobpool::PoolError>([&] { pool.map(square, range(3)); }));
        pool.join();
    }

    void closeJoinFinishesQueuedWork()
    {
        Pool pool({.workers = 2});
        QFuture<int> future = pool.mapAsync(slowSquare, range(40), {.chunkSize = 1});
        QFuture<int> single = pool.applyAsync(slowSquare, 9);
        QTRY_COMPARE_WITH_TIMEOUT(pool.workers().size(), 2, Patience);
        const QList<qint64> pids = pidsOf(pool.workers());
        pool.close();
        pool.join();
        QVERIFY(future.isFinished());
        QVERIFY(!future.isCanceled());
        QCOMPARE(future.results(), squares(40));
        QVERIFY(single.isFinished());
        QCOMPARE(single.result(), 81);
        QVERIFY(noneAlive(pids)); // join() returned, so they have exited
    }

    void terminateFailsPendingCalls()
    {
        Lock never;
        QVERIFY(never.acquire());
        Pool pool({.workers = 2});
        QFuture<int> running = pool.mapAsync(waitForGate, QList<Lock>(2, never), {.chunkSize = 1});
        QFuture<int> queued = pool.applyAsync(square, 3);
        QTRY_VERIFY_WITH_TIMEOUT(allBusy(pool.workers(), 2), Patience);
        const QList<qint64> pids = pidsOf(pool.workers());

        pool.terminate();
        QTRY_VERIFY_WITH_TIMEOUT(running.isFinished() && queued.isFinished(), Patience);
        QVERIFY(thrown<jobpool::PoolError>([&] { running.waitForFinished(); }));
        QVERIFY(thrown<jobpool::PoolError>([&] { queued.waitForFinished(); }));
        QTRY_VERIFY_WITH_TIMEOUT(noneAlive(pids), Patience);
        QVERIFY(thrown<jobpool::PoolError>([&] { pool.apply(square, 1); }));
        pool.join();
    }

    // ---- many pools ----

    void severalPoolsAtOnce()
    {
        Pool first({.workers = 1});
        Pool second({.workers = 1});
        Pool third({.workers = 1});
        const int count = 20000;
        QStringList words;
        for (int i = 0; i < 2000; ++i)
            words.append(QString::number(i, 36));
        QFuture<int> a = first.mapAsync(square, range(count));
        QFuture<double> b = second.mapAsync(halve, range(count), {.chunkSize = 100});
        QFuture<QString> c = third.mapAsync(shout, words, {.chunkSize = 7});
        QTRY_VERIFY_WITH_TIMEOUT(a.isFinished() && b.isFinished() && c.isFinished(), Patience);
        QCOMPARE(a.results(), squares(count));
        const QList<double> halves = b.results();
        QCOMPARE(halves.size(), count);
        for (int i = 0; i < count; ++i)
            QCOMPARE(halves[i], i / 2.0);
        const QList<QString> shouted = c.results();
        QCOMPARE(shouted.size(), words.size());
        QCOMPARE(shouted.last(), words.last().toUpper() + QLatin1Char('!'));
        // Their workers are distinct processes.
        const QSet<qint64> pids{first.apply(workerPid, 0), second.apply(workerPid, 0),
                                third.apply(workerPid, 0)};
        QCOMPARE(pids.size(), 3);
    }

    void createAndDestroyManyPools()
    {
        const int rounds = Sanitized ? 50 : 200;
        for (int i = 0; i < rounds; ++i) {
            Pool pool({.workers = 1});
            QCOMPARE(pool.apply(square, i), i * i);
        }
        QTRY_VERIFY_WITH_TIMEOUT(childProcesses(getpid()).isEmpty(), Patience);
    }

    // ---- the processes view ----

    void resizeLive()
    {
        Pool pool({.workers = 1});
        QCOMPARE(pool.workerCount(), 1);
        QCOMPARE(pool.apply(square, 1), 1);

        pool.setWorkerCount(3);
        QCOMPARE(pool.workerCount(), 3);
        QTRY_COMPARE_WITH_TIMEOUT(pool.workers().size(), 3, Patience);
        QTRY_VERIFY_WITH_TIMEOUT(!pidsOf(pool.workers()).contains(0), Patience);
        const QList<qint64> three = pidsOf(pool.workers());
        QCOMPARE(QSet<qint64>(three.begin(), three.end()).size(), 3);
        QCOMPARE(pool.map(square, range(300), {.chunkSize = 1}), squares(300));

        pool.setWorkerCount(1);
        QCOMPARE(pool.workerCount(), 1);
        QTRY_COMPARE_WITH_TIMEOUT(pool.workers().size(), 1, Patience);
        const qint64 kept = pool.workers().first().pid;
        QVERIFY(three.contains(kept));
        QList<qint64> retired = three;
        retired.removeAll(kept);
        QTRY_VERIFY_WITH_TIMEOUT(noneAlive(retired), Patience);
        QCOMPARE(pool.apply(square, 5), 25);
    }

    void shrinkWaitsForRunningTasks()
    {
        Lock gate;
        QVERIFY(gate.acquire());
        Pool pool({.workers = 3});
        QFuture<int> blocked = pool.mapAsync(waitForGate, QList<Lock>(3, gate), {.chunkSize = 1});
        QTRY_VERIFY_WITH_TIMEOUT(allBusy(pool.workers(), 3), Patience);
        pool.setWorkerCount(1);
        QCOMPARE(pool.workerCount(), 1);
        gate.release();
        QTRY_VERIFY_WITH_TIMEOUT(blocked.isFinished(), Patience);
        QCOMPARE(blocked.results(), QList<int>(3, 1)); // none was killed to shrink
        QTRY_COMPARE_WITH_TIMEOUT(pool.workers().size(), 1, Patience);
    }

    void workersShowBusyTask()
    {
        Lock gate;
        QVERIFY(gate.acquire());
        Pool pool({.workers = 1});
        QFuture<int> future = pool.applyAsync(waitForGate, gate);
        QTRY_VERIFY_WITH_TIMEOUT(allBusy(pool.workers(), 1), Patience);
        const WorkerInfo busy = pool.workers().first();
        QVERIFY(busy.pid > 0);
        QVERIFY(busy.pid != getpid());
        QVERIFY(processAlive(pid_t(busy.pid)));
        QVERIFY(childProcesses(getpid()).contains(pid_t(busy.pid)));
        QVERIFY(busy.currentTask != 0);
        QVERIFY(busy.startedAt.isValid());
        QVERIFY(busy.startedAt <= QDateTime::currentDateTime());
        QTRY_COMPARE_WITH_TIMEOUT(pool.stats().running, qint64(1), Patience);

        gate.release();
        QTRY_VERIFY_WITH_TIMEOUT(future.isFinished(), Patience);
        QCOMPARE(future.result(), 1);
        QTRY_VERIFY_WITH_TIMEOUT(pool.workers().size() == 1
                                     && pool.workers().first().state == WorkerInfo::State::Idle,
                                 Patience);
        const WorkerInfo idle = pool.workers().first();
        QCOMPARE(idle.pid, busy.pid);
        QCOMPARE(idle.currentTask, quint64(0));
        QVERIFY(idle.tasksDone >= 1);
    }

    void statsCountItems()
    {
        Pool pool({.workers = 2});
        QTRY_VERIFY_WITH_TIMEOUT(pool.stats().workersStarted >= 2, Patience);
        QCOMPARE(pool.map(square, range(100), {.chunkSize = 9}), squares(100));
        QVERIFY(thrown<jobpool::RemoteError>([&] { pool.apply(throwsRuntime, 1); }));
        QCOMPARE(pool.apply(square, 3), 9);
        QTRY_COMPARE_WITH_TIMEOUT(pool.stats().done, qint64(101), Patience);
        QTRY_COMPARE_WITH_TIMEOUT(pool.stats().failed, qint64(1), Patience);
        const jobpool::PoolStats stats = pool.stats();
        QCOMPARE(stats.queued, qint64(0));
        QCOMPARE(stats.running, qint64(0));
        QCOMPARE(stats.retried, qint64(0));
        QCOMPARE(stats.workersLost, qint64(0));
        QVERIFY(stats.workersStarted >= 2);
    }

    void changedIsThrottled()
    {
        Pool pool({.workers = 2});
        QSignalSpy changed(&pool, &Pool::changed);
        QVERIFY(changed.isValid());
        QVERIFY(changed.wait(Patience)); // starting workers is a change
        changed.clear();
        QCOMPARE(pool.map(square, range(10000), {.chunkSize = 1}), squares(10000));
        // Deliveries queued to this thread arrive once the event loop runs.
        QTRY_VERIFY_WITH_TIMEOUT(!changed.isEmpty(), Patience);
        QCoreApplication::processEvents();
        QVERIFY2(changed.size() < 200, qPrintable(QString::number(changed.size())));
    }

    // ---- the parent dies ----

    void workersDieWithTheirParent()
    {
        QProcess parent;
        parent.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        parent.start(QCoreApplication::applicationFilePath(), {QStringLiteral("--orphan-parent")});
        QVERIFY(parent.waitForStarted());
        QByteArray output;
        QTRY_VERIFY_WITH_TIMEOUT((output += parent.readAllStandardOutput()).count('\n') >= 2,
                                 Patience);
        QList<qint64> pids;
        for (const QByteArray &line : output.trimmed().split('\n'))
            pids.append(line.trimmed().toLongLong());
        QCOMPARE(pids.size(), 2);
        const QList<pid_t> workersOfParent = descendantProcesses(pid_t(parent.processId()));
        for (qint64 pid : pids) {
            QVERIFY(pid > 0);
            QVERIFY(workersOfParent.contains(pid_t(pid)));
        }

        parent.kill(); // SIGKILL: no destructor, no atexit, nothing of the parent runs
        QVERIFY(parent.waitForFinished(Patience));
        QCOMPARE(parent.exitStatus(), QProcess::CrashExit);
        const bool gone = QTest::qWaitFor([&] { return noneAlive(pids); }, Patience);
        if (!gone)
            killAll(pids); // orphans are not our children: nobody else would clean them up
        QVERIFY2(gone, "the workers outlived their SIGKILLed parent");
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
    static QStringList pidStrings(const QList<qint64> &pids)
    {
        QStringList s;
        for (qint64 p : pids)
            s.append(QString::number(p));
        return s;
    }

    QStringList m_sharedMemoryBefore;
};

int main(int argc, char **argv)
{
    jobpool::init(argc, argv); // in a worker, runs the tasks above and never returns
    if (argc > 1 && qstrcmp(argv[1], "--orphan-parent") == 0)
        return runOrphanParent(argc, argv);
    QCoreApplication app(argc, argv);
    TestPool test;
    return QTest::qExec(&test, argc, argv);
}

#include "tst_pool.moc"
