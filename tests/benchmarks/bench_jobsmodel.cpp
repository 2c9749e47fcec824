// SPDX-License-Identifier: GPL-3.0-or-later
// The Jobs view's models at scale (issue #6): loading a batch of a million jobs, sorting
// and filtering it, and how long the GUI thread stalls while a simulated runner (two
// slots, tiny jobs, the store flushed every 20 ms as BatchRunner does) feeds it. Run by
// hand, offscreen:
//
//     QT_QPA_PLATFORM=offscreen bench_jobsmodel [JOBS] [--view] [--seconds N]
//
// --view also shows a JobsView over the model, so that painting and the table's own
// bookkeeping are in the figures. Deliberately no add_test().
#include <jobpool/batchrunner.h>
#include <jobpool/jobsfiltermodel.h>
#include <jobpool/jobsmodel.h>
#include <jobpool/jobstore.h>

#include <QApplication>
#include <QDateTime>
#include <QElapsedTimer>
#include <QFile>
#include <QTableView>
#include <QTemporaryDir>
#include <QTimer>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <vector>

#include <unistd.h>
#include <widgets/jobsview.h>

using namespace jobpool;

namespace {

double rssMiB()
{
    QFile statm(QStringLiteral("/proc/self/statm"));
    if (!statm.open(QIODevice::ReadOnly))
        return 0;
    const QList<QByteArray> fields = statm.readAll().split(' ');
    return fields.size() > 1
               ? double(fields[1].toLongLong()) * double(sysconf(_SC_PAGESIZE)) / (1024.0 * 1024.0)
               : 0;
}

double timeMs(const std::function<void()> &work)
{
    QElapsedTimer timer;
    timer.start();
    work();
    return double(timer.nsecsElapsed()) / 1e6;
}

/// How long the event loop goes without running a 1 ms timer: the GUI thread's stalls.
class StallMeter
{
public:
    StallMeter()
    {
        m_timer.setTimerType(Qt::PreciseTimer);
        m_timer.setInterval(1);
        QObject::connect(&m_timer, &QTimer::timeout, [this] {
            m_gaps.push_back(double(m_clock.nsecsElapsed()) / 1e6);
            m_clock.restart();
        });
    }
    void start()
    {
        m_gaps.clear();
        m_clock.start();
        m_timer.start();
    }
    void stop() { m_timer.stop(); }
    void print(const char *what)
    {
        std::vector<double> gaps = m_gaps;
        std::sort(gaps.begin(), gaps.end());
        const auto at = [&](double q) {
            return gaps.empty() ? 0.0 : gaps[std::min(gaps.size() - 1, size_t(q * gaps.size()))];
        };
        std::printf("  %-44s stalls: p50 %.1f ms, p99 %.1f ms, max %.1f ms (%zu samples)\n", what,
                    at(0.5), at(0.99), gaps.empty() ? 0.0 : gaps.back(), gaps.size());
    }

private:
    QTimer m_timer;
    QElapsedTimer m_clock;
    std::vector<double> m_gaps;
};

/// Two slots running tiny jobs back to back, committed and signalled every 20 ms.
class Runner
{
public:
    Runner(JobStore &store, qint64 batch, JobsModel &model, int jobsPerSecond)
        : m_store(store)
        , m_batch(batch)
        , m_model(model)
        , m_perTick(std::max(1, jobsPerSecond / 50))
    {
        m_timer.setInterval(20);
        QObject::connect(&m_timer, &QTimer::timeout, [this] { tick(); });
    }
    void start(qint64 firstSeq)
    {
        m_next = firstSeq;
        m_timer.start();
    }
    void stop() { m_timer.stop(); }
    qint64 finished() const { return m_finished; }
    qint64 next() const { return m_next; }

private:
    void tick()
    {
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        std::vector<BatchJob> starts;
        std::vector<BatchJob> ends;
        for (int i = 0; i < m_perTick; ++i) {
            BatchJob job;
            job.seq = m_next++;
            job.attempt = 1;
            job.slot = int(job.seq % 2) + 1;
            job.launchedAtMs = now;
            job.stdoutPath = "/tmp/" + QByteArray::number(job.seq) + ".out";
            m_store.jobStarted(
                {m_batch, job.seq},
                {.attempt = 1, .slot = job.slot, .startedAtMs = now, .stdoutPath = job.stdoutPath});
            starts.push_back(job);
            if (i + 2 < m_perTick) { // all but the last two end within the tick
                job.result.exitCode = job.seq % 97 == 0 ? 1 : 0;
                job.result.startedAtMs = now;
                job.result.endedAtMs = now + 1;
                job.result.wallUs = 900 + job.seq % 400;
                job.result.userUs = 300;
                job.result.maxRssKiB = 1800;
                job.outcome =
                    job.result.exitCode ? BatchJob::Outcome::Failed : BatchJob::Outcome::Done;
                m_store.jobFinished({m_batch, job.seq}, {.attempt = 1, .exec = job.result});
                ends.push_back(job);
            }
        }
        for (const BatchJob &job : m_carried) { // last tick's two still running
            BatchJob done = job;
            done.result.exitCode = 0;
            done.result.wallUs = 1500;
            done.outcome = BatchJob::Outcome::Done;
            m_store.jobFinished({m_batch, done.seq}, {.attempt = 1, .exec = done.result});
            ends.push_back(done);
        }
        m_carried.assign(starts.end() - std::min<qsizetype>(2, qsizetype(starts.size())),
                         starts.end());
        m_store.flush();
        for (const BatchJob &job : starts)
            m_model.jobStarted(job);
        for (const BatchJob &job : ends)
            m_model.jobFinished(job);
        m_finished += qint64(ends.size());
    }

    JobStore &m_store;
    qint64 m_batch;
    JobsModel &m_model;
    int m_perTick;
    qint64 m_next = 1;
    qint64 m_finished = 0;
    std::vector<BatchJob> m_carried;
    QTimer m_timer;
};

void runFor(int ms)
{
    QElapsedTimer clock;
    clock.start();
    while (clock.elapsed() < ms)
        QCoreApplication::processEvents(QEventLoop::AllEvents, 5);
}

} // namespace

int main(int argc, char **argv)
{
    QApplication app(argc, argv);
    const QStringList args = app.arguments();
    const qint64 jobs =
        args.size() > 1 && args[1].toLongLong() > 0 ? args[1].toLongLong() : 1'000'000;
    const bool withView = args.contains(QStringLiteral("--view"));
    const qsizetype secondsAt = args.indexOf(QStringLiteral("--seconds"));
    const int seconds = secondsAt > 0 ? args.value(secondsAt + 1).toInt() : 5;

    QTemporaryDir dir;
    JobStore store = JobStore::open(dir.filePath(QStringLiteral("jobs.sqlite")));
    const qint64 batch = store.createBatch({.templateArgv = {"convert", "{}", "{.}.png"}});
    std::printf("bench_jobsmodel: %lld jobs%s\n", jobs, withView ? ", with a JobsView" : "");
    const double addMs = timeMs([&] {
        qint64 next = 1;
        store.addJobs(batch, [&](QList<QByteArray> &values) {
            if (next > jobs)
                return false;
            values = {"/data/photos/2023/IMG_" + QByteArray::number(next++ * 7919 % jobs) + ".jpg"};
            return true;
        });
    });
    // A tenth done or failed already (scattered), so that groups and sorts have work.
    const double finishMs = timeMs([&] {
        for (qint64 seq = 1; seq <= jobs; seq += 10) {
            const qint64 s = seq + (seq * 31 % 7);
            if (s > jobs)
                continue;
            store.jobStarted({batch, s}, {.attempt = 1, .slot = 1});
            ExecResult r;
            r.exitCode = s % 13 == 0 ? 2 : 0;
            r.wallUs = s * 37 % 5'000'000;
            r.userUs = r.wallUs / 2;
            r.maxRssKiB = s % 100'000;
            store.jobFinished({batch, s}, {.attempt = 1, .exec = r});
            if (s % 5000 == 0)
                store.flush();
        }
        store.flush();
    });
    std::printf("  store: %lld jobs added in %.0f ms, a tenth finished in %.0f ms\n", jobs, addMs,
                finishMs);

    const double rssBefore = rssMiB();
    JobsModel model;
    model.setStore(&store);
    StallMeter stalls;
    std::unique_ptr<widgets::JobsView> view;
    JobsFilterModel *filter = nullptr;
    std::unique_ptr<JobsFilterModel> ownFilter;
    if (withView) {
        view = std::make_unique<widgets::JobsView>(&model);
        view->resize(1200, 700);
        view->show();
        filter = view->filterModel();
    } else {
        ownFilter = std::make_unique<JobsFilterModel>();
        ownFilter->setSourceModel(&model);
        ownFilter->sort(JobsModel::SeqColumn);
        filter = ownFilter.get();
    }

    QElapsedTimer loading;
    loading.start();
    stalls.start();
    model.showBatch(batch);
    while (model.isLoading())
        QCoreApplication::processEvents(QEventLoop::AllEvents, 5);
    stalls.stop();
    std::printf("  load: %.0f ms for %d rows; model + proxy memory %.0f MiB\n",
                double(loading.nsecsElapsed()) / 1e6, model.rowCount(), rssMiB() - rssBefore);
    stalls.print("while loading");

    // The proxy rebuilds its mapping when next asked (rowCount()): timed with the change.
    const auto bench = [&](const char *what, const std::function<void()> &work) {
        const double ms = timeMs([&] {
            work();
            (void)filter->rowCount();
        });
        std::printf("  %-44s %8.1f ms (%d rows)\n", what, ms, filter->rowCount());
    };
    bench("sort by input", [&] { filter->sort(JobsModel::InputColumn); });
    bench("sort by duration, descending",
          [&] { filter->sort(JobsModel::DurationColumn, Qt::DescendingOrder); });
    bench("sort by state", [&] { filter->sort(JobsModel::StateColumn); });
    bench("sort by #, descending",
          [&] { filter->sort(JobsModel::SeqColumn, Qt::DescendingOrder); });
    bench("sort by # (the source order)", [&] { filter->sort(JobsModel::SeqColumn); });
    bench("group Failed", [&] { filter->setStateGroup(JobStateGroup::Failed); });
    bench("group Queued", [&] { filter->setStateGroup(JobStateGroup::Queued); });
    bench("group All", [&] { filter->setStateGroup(JobStateGroup::All); });
    bench("text \"img_12\"", [&] { filter->setTextFilter(QStringLiteral("img_12")); });
    bench("text cleared", [&] { filter->setTextFilter({}); });
    bench("data(): 60 rows x 9 columns, 100 times", [&] {
        for (int round = 0; round < 100; ++round) {
            for (int row = 0; row < 60; ++row) {
                for (int column = 0; column < JobsModel::ColumnCount; ++column)
                    (void)filter->index(row * 997 % filter->rowCount(), column).data();
            }
        }
    });
    std::printf("  memory after sorting and filtering: +%.0f MiB\n", rssMiB() - rssBefore);

    // Live: two slots, 2,000 tiny jobs a second, from the first queued job on.
    qint64 nextSeq = 1;
    const auto live = [&](const char *what) {
        Runner runner(store, batch, model, 2000);
        stalls.start();
        runner.start(nextSeq);
        runFor(seconds * 1000);
        runner.stop();
        nextSeq = runner.next();
        stalls.stop();
        runFor(200);
        char label[128];
        std::snprintf(label, sizeof label, "live, %s (%lld jobs)", what, runner.finished());
        stalls.print(label);
    };
    live("sorted by #");
    filter->setStateGroup(JobStateGroup::Queued);
    (void)filter->rowCount(); // the new mapping, before the clock runs
    live("group Queued");
    filter->setStateGroup(JobStateGroup::All);
    filter->sort(JobsModel::DurationColumn, Qt::DescendingOrder);
    (void)filter->rowCount();
    live("sorted by duration");
    std::printf("  process RSS at the end: %.0f MiB\n", rssMiB());
    return 0;
}
