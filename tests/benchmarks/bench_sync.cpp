// SPDX-License-Identifier: GPL-3.0-or-later
//
// Queue, Pipe and lock benchmark (issue #4): the cases of tests/benchmarks/sync_anchor.py,
// with the same sizes, measured on jobpool::Queue, Pipe and Lock. Prints one
// machine-readable line per figure, e.g. `case=queue value=5123456 unit=items/s`, which
// run-sync-bench.sh sets beside Python's. Children are this executable, re-launched:
// jobpool::init() comes first.
//
//   bench_sync [--case NAME]... [--list]

#include "benchcases.h"

#include <jobpool/jobpool.h>

#include <QCoreApplication>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <exception>
#include <limits>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <vector>

using jobpool::bench::check;
using jobpool::bench::Clock;
using jobpool::bench::report;
using jobpool::bench::secondsSince;

namespace {

constexpr int StreamItems = 2'000'000;
constexpr int StreamRepeats = 3;
constexpr int CounterProcesses = 4;
constexpr int CounterIncrements = 100'000;
constexpr int UncontendedRounds = 10'000'000;
constexpr int UncontendedRepeats = 5;

} // namespace

// --- tasks ------------------------------------------------------------------------------
// Both sides of a stream say they are ready and wait for the go, so that the figure
// leaves process start-up out; the consumer says when it has the last item.

void queueProducer(jobpool::Queue<int> q, int count, jobpool::Event ready, jobpool::Event go)
{
    ready.set();
    go.wait();
    for (int i = 0; i < count; ++i)
        q.put(i);
}
JOBPOOL_TASK(queueProducer)

void queueConsumer(jobpool::Queue<int> q, int count, jobpool::Event ready, jobpool::Event go,
                   jobpool::Event done, jobpool::Value<qint64> sum)
{
    ready.set();
    go.wait();
    qint64 total = 0;
    for (int i = 0; i < count; ++i)
        total += q.get().value_or(0);
    sum.store(total);
    done.set();
}
JOBPOOL_TASK(queueConsumer)

void pipeProducer(jobpool::PipeEnd<int> out, int count, jobpool::Event ready, jobpool::Event go)
{
    ready.set();
    go.wait();
    for (int i = 0; i < count; ++i)
        out.send(i);
}
JOBPOOL_TASK(pipeProducer)

void pipeConsumer(jobpool::PipeEnd<int> in, int count, jobpool::Event ready, jobpool::Event go,
                  jobpool::Event done, jobpool::Value<qint64> sum)
{
    ready.set();
    go.wait();
    qint64 total = 0;
    for (int i = 0; i < count; ++i)
        total += in.recv().value_or(0);
    sum.store(total);
    done.set();
}
JOBPOOL_TASK(pipeConsumer)

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

/// What the two sides of a stream and the parent share.
struct Stream
{
    jobpool::Event producerReady;
    jobpool::Event consumerReady;
    jobpool::Event go;
    jobpool::Event done;
    jobpool::Value<qint64> sum{0};
};

/// One run of a stream: starts both processes, and returns the seconds from the go to the
/// consumer's last item.
double timeStream(Stream &stream, jobpool::Process &producer, jobpool::Process &consumer)
{
    producer.start();
    consumer.start();
    check(stream.producerReady.wait(std::chrono::minutes(1))
              && stream.consumerReady.wait(std::chrono::minutes(1)),
          "children did not start");
    const auto t0 = Clock::now();
    stream.go.set();
    stream.done.wait();
    const double seconds = secondsSince(t0);
    producer.join();
    consumer.join();
    check(stream.sum.load() == qint64(StreamItems) * (StreamItems - 1) / 2, "stream sum");
    return seconds;
}

// --- cases ------------------------------------------------------------------------------

void caseQueue()
{
    double best = std::numeric_limits<double>::infinity();
    for (int rep = 0; rep < StreamRepeats; ++rep) {
        Stream s;
        jobpool::Queue<int> q;
        jobpool::Process producer(queueProducer, q, StreamItems, s.producerReady, s.go);
        jobpool::Process consumer(queueConsumer, q, StreamItems, s.consumerReady, s.go, s.done,
                                  s.sum);
        best = std::min(best, timeStream(s, producer, consumer));
    }
    report("queue", StreamItems / best, "items/s");
}

void casePipe()
{
    double best = std::numeric_limits<double>::infinity();
    for (int rep = 0; rep < StreamRepeats; ++rep) {
        Stream s;
        auto [receiving, sending] = jobpool::Pipe<int>::create(false);
        jobpool::Process producer(pipeProducer, sending, StreamItems, s.producerReady, s.go);
        jobpool::Process consumer(pipeConsumer, receiving, StreamItems, s.consumerReady, s.go,
                                  s.done, s.sum);
        best = std::min(best, timeStream(s, producer, consumer));
    }
    report("pipe", StreamItems / best, "items/s");
}

// Seed 000's lock counter: 4 processes × 100,000 locked increments of a shared Value,
// process start included (as in bench_pool and Python's anchor).
void caseLockCounter()
{
    jobpool::Lock lock;
    jobpool::Value<int> counter(0);
    const auto t0 = Clock::now();
    std::vector<std::unique_ptr<jobpool::Process>> processes;
    for (int i = 0; i < CounterProcesses; ++i) {
        processes.push_back(
            std::make_unique<jobpool::Process>(addLocked, lock, counter, CounterIncrements));
        processes.back()->start();
    }
    for (auto &p : processes)
        p->join();
    const double seconds = secondsSince(t0);
    check(counter.load() == CounterProcesses * CounterIncrements, "lock_counter");
    report("lock_counter", seconds, "s");
}

// One process taking and releasing a Lock nobody else wants: std::lock_guard in a loop.
void caseLockUncontended()
{
    jobpool::Lock lock;
    double best = std::numeric_limits<double>::infinity();
    for (int rep = 0; rep < UncontendedRepeats; ++rep) {
        const auto t0 = Clock::now();
        for (int i = 0; i < UncontendedRounds; ++i) {
            std::lock_guard guard(lock);
        }
        best = std::min(best, secondsSince(t0));
    }
    report("lock_uncontended", best / UncontendedRounds * 1e9, "ns");
}

constexpr jobpool::bench::Case Cases[] = {
    {"queue", caseQueue},
    {"pipe", casePipe},
    {"lock_counter", caseLockCounter},
    {"lock_uncontended", caseLockUncontended},
};

} // namespace

int main(int argc, char **argv)
{
    jobpool::init(argc, argv); // a child never returns from here
    QCoreApplication app(argc, argv);

    return jobpool::bench::runCases(
        app, "bench_sync",
        QStringLiteral("JobPool Queue/Pipe/Lock benchmark; prints case=NAME value=X unit=U."),
        Cases);
}
