// SPDX-License-Identifier: GPL-3.0-or-later
//
// Job store benchmark (issue #5): enqueueing a million jobs (target ≤ 5 s), the state
// changes of a batch at the scheduler's pace, the reads a resume and `jobpool history` make
// on a store that size, and stopping it with most jobs never started. Prints one
// machine-readable line per figure, e.g.
// `case=enqueue value=1.62 unit=s jobs=1000000`. Release builds only mean anything.
//
//   bench_store [--jobs N] [--changes N] [--db FILE]   (default: a fresh temporary store)

#include <jobpool/jobstore.h>

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QTemporaryDir>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <exception>
#include <optional>

namespace {

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point start)
{
    return std::chrono::duration<double>(Clock::now() - start).count();
}

/// CPU time of this process (user + system): on a shared, busy machine the wall time says
/// how loaded it was as much as how fast the store is.
double cpuSeconds()
{
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return double(ts.tv_sec) + double(ts.tv_nsec) / 1e9;
}

void report(const char *name, double value, const char *unit, const QString &extra = {})
{
    std::printf("case=%s value=%.3f unit=%s%s%s\n", name, value, unit, extra.isEmpty() ? "" : " ",
                qPrintable(extra));
    std::fflush(stdout);
}

/// Input values shaped like real ones: paths of ~45 bytes.
QByteArray inputFor(qint64 n)
{
    return QByteArrayLiteral("/home/user/photos/2024/holiday/IMG_") + QByteArray::number(n)
           + QByteArrayLiteral(".jpg");
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.addHelpOption();
    parser.addOption({QStringLiteral("jobs"), QStringLiteral("Jobs to enqueue."),
                      QStringLiteral("N"), QStringLiteral("1000000")});
    parser.addOption({QStringLiteral("changes"),
                      QStringLiteral("Jobs to start and finish, flushing every 100."),
                      QStringLiteral("N"), QStringLiteral("100000")});
    parser.addOption({QStringLiteral("db"), QStringLiteral("Store to use (default: temporary)."),
                      QStringLiteral("FILE")});
    parser.process(app);
    const qint64 jobCount = parser.value(QStringLiteral("jobs")).toLongLong();
    const qint64 changeCount = parser.value(QStringLiteral("changes")).toLongLong();

    QTemporaryDir dir;
    const QString path = parser.isSet(QStringLiteral("db"))
                             ? parser.value(QStringLiteral("db"))
                             : dir.filePath(QStringLiteral("jobs.sqlite"));
    try {
        std::optional<jobpool::JobStore> store = jobpool::JobStore::open(path);
        const qint64 batch = store->createBatch(
            {.name = QStringLiteral("bench"), .templateArgv = {"gzip", "-k", "{}"}});

        // Enqueue: the inputs are made as they are read, as InputPlan streams them.
        qint64 made = 0;
        double cpuStart = cpuSeconds();
        Clock::time_point start = Clock::now();
        const qint64 added = store->addJobs(batch, [&](QList<QByteArray> &values) {
            if (made == jobCount)
                return false;
            values = {inputFor(++made)};
            return true;
        });
        const double enqueue = secondsSince(start);
        const double enqueueCpu = cpuSeconds() - cpuStart;
        if (added != jobCount || store->jobCount(batch) != jobCount) {
            std::fprintf(stderr, "bench_store: enqueued %lld jobs, expected %lld\n",
                         static_cast<long long>(added), static_cast<long long>(jobCount));
            return 1;
        }
        report("enqueue", enqueue, "s",
               QStringLiteral("jobs=%1 jobs_per_s=%2 cpu_s=%3")
                   .arg(jobCount)
                   .arg(qint64(double(jobCount) / enqueue))
                   .arg(enqueueCpu, 0, 'f', 3));

        // State changes as the scheduler makes them: start, finish, a flush every 100 jobs
        // (3,000 jobs/s with a 33 ms flush timer).
        cpuStart = cpuSeconds();
        start = Clock::now();
        for (qint64 seq = 1; seq <= changeCount && seq <= jobCount; ++seq) {
            store->jobStarted({batch, seq}, {.attempt = 1,
                                             .slot = int(seq % 2) + 1,
                                             .workerPid = 4242,
                                             .stdoutPath = "/tmp/o",
                                             .stderrPath = "/tmp/e"});
            jobpool::ExecResult r;
            r.pid = 5000 + seq;
            r.exitCode = seq % 10 == 0 ? 1 : 0;
            r.wallUs = 900;
            r.userUs = 300;
            r.systemUs = 200;
            r.maxRssKiB = 1800;
            store->jobFinished({batch, seq}, {.attempt = 1, .exec = r});
            if (seq % 100 == 0)
                store->flush();
        }
        store->flush();
        const double changes = secondsSince(start);
        report("state_changes", double(changeCount) / changes, "jobs/s",
               QStringLiteral("jobs=%1 seconds=%2 cpu_s=%3")
                   .arg(changeCount)
                   .arg(changes, 0, 'f', 3)
                   .arg(cpuSeconds() - cpuStart, 0, 'f', 3));

        start = Clock::now();
        store->flush(); // nothing pending
        report("empty_flush", secondsSince(start) * 1e6, "us");

        // The reads of a resume (every job still to do, in pages) and of history.
        start = Clock::now();
        qint64 toRun = 0;
        qint64 after = 0;
        for (;;) {
            const QList<jobpool::JobToRun> page =
                store->jobsToRun(batch, jobpool::ResumeMode::Resume, after, 10'000);
            if (page.isEmpty())
                break;
            toRun += page.size();
            after = page.last().seq;
        }
        report("resume_scan", secondsSince(start), "s", QStringLiteral("jobs=%1").arg(toRun));

        start = Clock::now();
        const QList<jobpool::BatchRecord> history = store->batches();
        report("history", secondsSince(start) * 1e3, "ms",
               QStringLiteral("batches=%1").arg(history.size()));

        start = Clock::now();
        store->jobs(batch, {}, jobCount - 100, 100);
        report("last_page", secondsSince(start) * 1e3, "ms");

        // Stopping the batch (Ctrl-C) with most of its jobs never started.
        start = Clock::now();
        store->batchFinished(batch, jobpool::BatchState::Stopped);
        report("stop", secondsSince(start) * 1e3, "ms",
               QStringLiteral("pending=%1").arg(store->batch(batch)->counts.pending));

        store.reset();
        start = Clock::now();
        store = jobpool::JobStore::open(path);
        report("reopen", secondsSince(start) * 1e3, "ms");
        start = Clock::now();
        store->check();
        report("quick_check", secondsSince(start) * 1e3, "ms");
    } catch (const std::exception &e) {
        std::fprintf(stderr, "bench_store: %s\n", e.what());
        return 1;
    }
    return 0;
}
