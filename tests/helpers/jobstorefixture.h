// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <jobpool/batchrunner.h>
#include <jobpool/jobsmodel.h>
#include <jobpool/jobstore.h>

#include <QDateTime>
#include <QTemporaryDir>
#include <QTest>

#include <optional>

using namespace Qt::StringLiterals;

namespace jobpool::test {

/// A real job store in a temporary directory holding one batch (`echo {}`) of \a jobs
/// jobs with inputs file-1.txt, file-2.txt, … Header-only: the model and view suites share
/// it. start()/finish() change a job in the store as the runner does (then flush), and,
/// given a model, hand it the runner's signal too.
struct StoreFixture
{
    explicit StoreFixture(qint64 jobs, QTemporaryDir *where = nullptr)
    {
        QTemporaryDir &d = where ? *where : ownDir;
        path = d.filePath(u"jobs.sqlite"_s);
        logDir = d.filePath(u"logs"_s).toUtf8();
        store.emplace(JobStore::open(path));
        batch = store->createBatch(
            {.name = u"fixture"_s, .templateArgv = {"echo", "{}"}, .logDirectory = logDir});
        qint64 next = 1;
        store->addJobs(batch, [&](QList<QByteArray> &values) {
            if (next > jobs)
                return false;
            values = {"file-" + QByteArray::number(next++) + ".txt"};
            return true;
        });
    }

    QByteArray logPath(qint64 seq, const char *suffix) const
    {
        return logDir + '/' + QByteArray::number(seq) + suffix;
    }

    BatchJob batchJob(qint64 seq, int slot, qint64 startedAtMs) const
    {
        BatchJob job;
        job.seq = seq;
        job.inputs = {"file-" + QByteArray::number(seq) + ".txt"};
        job.attempt = 1;
        job.slot = slot;
        job.argv = {"echo", job.inputs.first()};
        job.stdoutPath = logPath(seq, ".out");
        job.stderrPath = logPath(seq, ".err");
        job.launchedAtMs = startedAtMs;
        return job;
    }

    void start(qint64 seq, int slot, JobsModel *model = nullptr, qint64 startedAtMs = 0)
    {
        if (startedAtMs == 0)
            startedAtMs = QDateTime::currentMSecsSinceEpoch() - 2000;
        store->jobStarted({batch, seq}, {.attempt = 1,
                                         .slot = slot,
                                         .workerPid = 4242,
                                         .startedAtMs = startedAtMs,
                                         .stdoutPath = logPath(seq, ".out"),
                                         .stderrPath = logPath(seq, ".err")});
        store->flush();
        started[seq] = startedAtMs;
        if (model)
            model->jobStarted(batchJob(seq, slot, startedAtMs));
    }

    /// Ends a started job: 1.5 s wall, 250 ms CPU, 20 MiB; \a signal 0 for an exit.
    void finish(qint64 seq, int exitCode, int signal = 0, JobsModel *model = nullptr)
    {
        ExecResult r;
        r.pid = 1000 + seq;
        r.exitCode = exitCode;
        r.signal = signal;
        r.startedAtMs = started.value(seq);
        r.endedAtMs = r.startedAtMs + 1500;
        r.wallUs = 1'500'000;
        r.userUs = 200'000;
        r.systemUs = 50'000;
        r.maxRssKiB = 20 * 1024;
        store->jobFinished({batch, seq}, {.attempt = 1, .exec = r});
        store->flush();
        if (model) {
            BatchJob job = batchJob(seq, 1, r.startedAtMs);
            job.result = r;
            job.outcome = r.succeeded() ? BatchJob::Outcome::Done : BatchJob::Outcome::Failed;
            model->jobFinished(job);
        }
    }

    /// For a fixture of ten jobs: 1 2 done, 3 failed (exit 2), 4 killed (SIGKILL),
    /// 5 running, 6 skipped (cancelled), 7 interrupted, 8..10 pending.
    void makeMixed()
    {
        start(1, 1);
        finish(1, 0);
        start(2, 2);
        finish(2, 0);
        start(3, 1);
        finish(3, 2);
        start(4, 2);
        finish(4, -1, 9);
        start(5, 1);
        store->jobSkipped({batch, 6});
        store->jobStarted({batch, 7}, {.attempt = 1, .slot = 2});
        store->jobFinished({batch, 7}, {.attempt = 1, .state = JobState::Interrupted});
        store->flush();
    }

    QTemporaryDir ownDir;
    QString path;
    QByteArray logDir;
    std::optional<JobStore> store;
    qint64 batch = 0;
    QHash<qint64, qint64> started;
};

} // namespace jobpool::test
