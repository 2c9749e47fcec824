// SPDX-License-Identifier: GPL-3.0-or-later
//
// Pool benchmark (issue #3): the cases of tests/benchmarks/pool_anchor.py, with the same
// sizes and 2 workers, measured on jobpool::Pool. Prints one machine-readable line per
// figure, e.g. `case=map1m value=41234567 unit=tasks/s`, which run-pool-bench.sh sets
// beside Python's. Workers are this executable, re-launched: jobpool::init() comes first.
//
//   bench_pool [--case NAME]... [--list]

#include "benchcases.h"

#include <jobpool/jobpool.h>

#include <QCoreApplication>
#include <QFile>
#include <QRandomGenerator>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <exception>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <vector>

using jobpool::bench::check;
using jobpool::bench::Clock;
using jobpool::bench::report;
using jobpool::bench::secondsSince;

namespace {

constexpr int Workers = 2;

constexpr qsizetype MapItems = 1'000'000;
constexpr int MapRepeats = 3;
constexpr qsizetype AsyncItems = 200'000;
constexpr int RoundTrips = 20'000;
constexpr int RoundTripWarmup = 1'000;
constexpr qsizetype EchoBytes = 64 * 1024 * 1024;
constexpr int EchoRepeats = 5;
constexpr int StartPools = 10;
constexpr int FibN = 32;
constexpr int FibTasks = 16;
constexpr int FibRepeats = 15; // runs of ~25 ms: take the best of many
constexpr int RssBatches = 10;
constexpr qsizetype RssBatchItems = 100'000;

} // namespace

// --- tasks ------------------------------------------------------------------------------

int square(int x)
{
    return x * x;
}
JOBPOOL_TASK(square)

QByteArray echo(const QByteArray &bytes)
{
    return bytes;
}
JOBPOOL_TASK(echo)

int fib(int n)
{
    return n < 2 ? n : fib(n - 1) + fib(n - 2);
}
JOBPOOL_TASK(fib)

void fillArray(jobpool::Array<double> array, double value)
{
    std::fill(array.span().begin(), array.span().end(), value);
}
JOBPOOL_TASK(fillArray)

void addLocked(jobpool::Lock lock, jobpool::Value<int> counter, int times)
{
    for (int i = 0; i < times; ++i) {
        std::lock_guard guard(lock);
        counter.store(counter.load() + 1);
    }
}
JOBPOOL_TASK(addLocked)

namespace {

// --- helpers ----------------------------------------------------------------------------

/// Kept below 2^15 so that x*x fits an int; pool_anchor.py uses the same values.
QList<int> inputs(qsizetype n)
{
    QList<int> values(n);
    for (qsizetype i = 0; i < n; ++i)
        values[i] = int(i & 0x7FFF);
    return values;
}

qint64 sumOfSquares(const QList<int> &values)
{
    qint64 sum = 0;
    for (int v : values)
        sum += qint64(v) * v;
    return sum;
}

qint64 sum(const QList<int> &values)
{
    qint64 total = 0;
    for (int v : values)
        total += v;
    return total;
}

template<class T>
double median(std::vector<T> sorted)
{
    std::sort(sorted.begin(), sorted.end());
    const size_t n = sorted.size(), mid = n / 2;
    return n % 2 ? double(sorted[mid]) : (double(sorted[mid - 1]) + double(sorted[mid])) / 2;
}

/// Nearest rank, as in pool_anchor.py.
template<class T>
double percentile(std::vector<T> sorted, double p)
{
    std::sort(sorted.begin(), sorted.end());
    const auto rank = std::max<size_t>(1, size_t(std::ceil(p / 100 * double(sorted.size()))));
    return double(sorted[rank - 1]);
}

double rssMiB()
{
    // Read whole: a /proc file reports size 0, so QFile::atEnd() is true from the start.
    QFile status(QStringLiteral("/proc/self/status"));
    if (!status.open(QIODevice::ReadOnly))
        throw std::runtime_error("cannot read /proc/self/status");
    const QList<QByteArray> lines = status.readAll().split('\n');
    for (const QByteArray &line : lines) {
        if (line.startsWith("VmRSS:"))
            return line.mid(6).trimmed().split(' ').constFirst().toDouble() / 1024;
    }
    throw std::runtime_error("no VmRSS in /proc/self/status");
}

jobpool::PoolOptions poolOptions()
{
    // Not `{.workers = Workers}`: GCC's -Wmissing-field-initializers flags the members
    // without a default member initializer (workerProgram, initializer*).
    jobpool::PoolOptions options;
    options.workers = Workers;
    return options;
}

// --- cases ------------------------------------------------------------------------------

void caseMap1m()
{
    const QList<int> data = inputs(MapItems);
    const qint64 expected = sumOfSquares(data);
    jobpool::Pool pool(poolOptions());
    pool.map(square, inputs(1000)); // warm-up: workers up and running

    // One map takes a fraction of a second, so a stray scheduling hiccup shows: best of 3.
    double best = std::numeric_limits<double>::infinity();
    for (int rep = 0; rep < MapRepeats; ++rep) {
        const auto t0 = Clock::now();
        const QList<int> results = pool.map(square, data); // automatic chunking
        best = std::min(best, secondsSince(t0));
        check(results.size() == MapItems && sum(results) == expected, "map1m");
    }
    report("map1m", double(MapItems) / best, "tasks/s");
}

void caseApplyAsync()
{
    jobpool::Pool pool(poolOptions());
    pool.map(square, inputs(1000));

    std::vector<QFuture<int>> pending;
    pending.reserve(AsyncItems);
    qint64 total = 0;
    const auto t0 = Clock::now();
    for (qsizetype i = 0; i < AsyncItems; ++i)
        pending.push_back(pool.applyAsync(square, int(i & 0x7FFF)));
    for (QFuture<int> &f : pending)
        total += f.result();
    const double elapsed = secondsSince(t0);

    check(total == sumOfSquares(inputs(AsyncItems)), "apply_async");
    report("apply_async", double(AsyncItems) / elapsed, "tasks/s");
}

void caseApplyRtt()
{
    jobpool::Pool pool(poolOptions());
    for (int i = 0; i < RoundTripWarmup; ++i)
        pool.apply(square, i);

    std::vector<qint64> samples;
    samples.reserve(RoundTrips);
    for (int i = 0; i < RoundTrips; ++i) {
        const int x = i & 0x7FFF;
        const auto t0 = Clock::now();
        const int r = pool.apply(square, x);
        samples.push_back(
            std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - t0).count());
        check(r == x * x, "apply_rtt");
    }
    report("apply_rtt_median", median(samples) / 1000, "us");
    report("apply_rtt_p99", percentile(samples, 99) / 1000, "us");
}

void caseEcho64m()
{
    QByteArray data(EchoBytes, Qt::Uninitialized);
    QRandomGenerator::global()->fillRange(reinterpret_cast<quint32 *>(data.data()),
                                          EchoBytes / qsizetype(sizeof(quint32)));
    jobpool::Pool pool(poolOptions());
    check(pool.apply(echo, data) == data, "echo64m"); // warm-up, and the bytes survive

    double best = std::numeric_limits<double>::infinity();
    for (int i = 0; i < EchoRepeats; ++i) {
        const auto t0 = Clock::now();
        const QByteArray back = pool.apply(echo, data);
        best = std::min(best, secondsSince(t0));
        check(back.size() == EchoBytes, "echo64m");
    }
    report("echo64m", double(EchoBytes) / best / 1e9, "GB/s");
}

void caseStart()
{
    std::vector<double> samples;
    for (int i = 0; i < StartPools; ++i) {
        std::optional<jobpool::Pool> pool;
        const auto t0 = Clock::now();
        pool.emplace(poolOptions());
        const int r = pool->apply(square, 3);
        samples.push_back(secondsSince(t0));
        check(r == 9, "start");
        pool.reset(); // tear-down is not part of the figure
    }
    report("start", median(samples) * 1000, "ms");
}

void caseFib()
{
    const QList<int> work(FibTasks, FibN);
    // Called through a volatile pointer so that the serial run executes the same code as
    // the workers do, not a copy the optimiser specialised for a constant argument.
    int (*volatile serialFib)(int) = fib;

    jobpool::Pool pool(poolOptions());
    pool.map(square, inputs(100));

    // Each run is short (tens of ms), so take the best of a few for both sides.
    double serialBest = std::numeric_limits<double>::infinity();
    double parallelBest = serialBest;
    for (int rep = 0; rep < FibRepeats; ++rep) {
        auto t0 = Clock::now();
        QList<int> serial;
        for (int n : work)
            serial.append(serialFib(n));
        serialBest = std::min(serialBest, secondsSince(t0));

        t0 = Clock::now();
        const QList<int> parallel = pool.map(fib, work, {.chunkSize = 1});
        parallelBest = std::min(parallelBest, secondsSince(t0));
        check(parallel == serial, "fib");
    }
    std::printf("info case=fib serial_s=%.3f parallel_s=%.3f\n", serialBest, parallelBest);
    report("fib_speedup", serialBest / parallelBest, "x");
}

void caseRss()
{
    const QList<int> data = inputs(RssBatchItems);
    jobpool::Pool pool(poolOptions());
    pool.map(square, data);
    const double afterFirst = rssMiB();
    qsizetype lastSize = 0;
    for (int i = 1; i < RssBatches; ++i)
        lastSize = pool.map(square, data).size();
    const double afterAll = rssMiB();

    check(lastSize == RssBatchItems, "rss");
    std::printf("info case=rss first_mib=%.1f end_mib=%.1f\n", afterFirst, afterAll);
    report("rss_growth", afterAll - afterFirst, "MiB");
}

// A worker filling a shared Array<double> of 256 MiB, against memcpy of 256 MiB in this
// process (both warm, best of 5): the figure is fill time / memcpy time.
void caseArray256()
{
    constexpr qsizetype Bytes = qsizetype(256) << 20;
    jobpool::Pool pool(poolOptions());
    jobpool::Array<double> array(Bytes / qsizetype(sizeof(double)));
    std::vector<char> from(std::size_t(Bytes), 1);
    std::vector<char> to(std::size_t(Bytes), 2);
    double fillBest = std::numeric_limits<double>::infinity();
    double copyBest = fillBest;
    for (int rep = 0; rep < 5; ++rep) {
        auto t0 = Clock::now();
        std::memcpy(to.data(), from.data(), from.size());
        copyBest = std::min(copyBest, secondsSince(t0));
        t0 = Clock::now();
        pool.apply(fillArray, array, double(rep) + 0.5);
        fillBest = std::min(fillBest, secondsSince(t0));
        check(array[0] == double(rep) + 0.5 && array[array.size() - 1] == double(rep) + 0.5,
              "array256");
    }
    check(to[12345] == 1, "array256 memcpy");
    std::printf("info case=array256 fill_ms=%.1f memcpy_ms=%.1f\n", fillBest * 1000,
                copyBest * 1000);
    report("array256", fillBest / copyBest, "x");
}

// Seed 000's lock counter: 4 processes × 100,000 locked increments of a shared Value.
void caseLockCounter()
{
    jobpool::Lock lock;
    jobpool::Value<int> counter(0);
    const auto t0 = Clock::now();
    std::vector<std::unique_ptr<jobpool::Process>> processes;
    for (int i = 0; i < 4; ++i) {
        processes.push_back(std::make_unique<jobpool::Process>(addLocked, lock, counter, 100000));
        processes.back()->start();
    }
    for (auto &p : processes)
        p->join();
    const double seconds = secondsSince(t0);
    check(counter.load() == 400000, "lock_counter");
    report("lock_counter", seconds, "s");
}

constexpr jobpool::bench::Case Cases[] = {
    {"map1m", caseMap1m},
    {"apply_async", caseApplyAsync},
    {"apply_rtt", caseApplyRtt},
    {"echo64m", caseEcho64m},
    {"start", caseStart},
    {"fib", caseFib},
    {"rss", caseRss},
    {"array256", caseArray256},
    {"lock_counter", caseLockCounter},
};

} // namespace

int main(int argc, char **argv)
{
    jobpool::init(argc, argv); // a worker never returns from here
    QCoreApplication app(argc, argv);

    const QByteArray workers = " workers=" + QByteArray::number(Workers);
    return jobpool::bench::runCases(
        app, "bench_pool",
        QStringLiteral("JobPool pool benchmark; prints case=NAME value=X unit=U lines."), Cases,
        workers.constData());
}
