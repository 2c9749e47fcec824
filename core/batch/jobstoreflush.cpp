// SPDX-License-Identifier: GPL-3.0-or-later
// The job store's buffered state changes: kept in memory, merged per job and attempt (an
// attempt that starts and ends between two flushes is one row written once), and written
// by flush() in one transaction.
#include "batch/jobstoreprivate.h"

#include <set>

namespace jobpool {

// --- buffered state changes ---------------------------------------------------------------

void JobStore::jobStarted(JobKey job, const AttemptStart &attempt)
{
    d->requireWritable("record a job's start");
    Private::PendingJob &pending = d->pendingJobs[job];
    pending.state = JobState::Running;
    pending.attempts = qMax(pending.attempts, attempt.attempt);
    Private::PendingAttempt &a = d->pendingAttempts[{job.batch, job.seq, attempt.attempt}];
    a.started = true;
    a.start = attempt;
    if (a.start.startedAtMs == 0)
        a.start.startedAtMs = storedetail::nowMs();
}

void JobStore::jobFinished(JobKey job, const JobResult &result)
{
    d->requireWritable("record a job's end");
    Private::PendingJob &pending = d->pendingJobs[job];
    pending.state = result.outcome();
    pending.attempts = qMax(pending.attempts, result.attempt);
    pending.hasResult = true;
    pending.signal = result.exec.signal;
    pending.exitCode =
        result.exec.signal == 0 ? std::optional<int>(result.exec.exitCode) : std::nullopt;
    Private::PendingAttempt &a = d->pendingAttempts[{job.batch, job.seq, result.attempt}];
    a.finished = true;
    a.result = result;
    if (a.result.exec.endedAtMs == 0)
        a.result.exec.endedAtMs = storedetail::nowMs();
}

void JobStore::jobRequeued(JobKey job)
{
    d->requireWritable("requeue a job");
    d->pendingJobs[job].state = JobState::Pending;
}

void JobStore::jobSkipped(JobKey job)
{
    d->requireWritable("skip a job");
    d->pendingJobs[job].state = JobState::Skipped;
}

bool JobStore::hasPendingChanges() const
{
    return !d->pendingJobs.empty() || !d->pendingAttempts.empty();
}

void JobStore::flush()
{
    d->flushPending();
}

void JobStore::Private::flushPending()
{
    if (pendingJobs.empty() && pendingAttempts.empty())
        return;
    const QString doing = QStringLiteral("while writing state changes");
    Transaction transaction(*this, doing);

    std::set<JobKey> unknown;
    QSqlQuery &state =
        cachedQuery(Cached::JobState, "UPDATE jobs SET state = ?, attempts = max(attempts, ?) "
                                      "WHERE batch_id = ? AND seq = ?");
    QSqlQuery &ended =
        cachedQuery(Cached::JobResult, "UPDATE jobs SET state = ?, attempts = max(attempts, ?), "
                                       "exit_code = ?, signal = ? WHERE batch_id = ? AND seq = ?");
    for (const auto &[key, job] : pendingJobs) {
        QSqlQuery &q = job.hasResult ? ended : state;
        int at = 0;
        q.bindValue(at++, stateName(job.state));
        q.bindValue(at++, job.attempts);
        if (job.hasResult) {
            q.bindValue(at++, job.exitCode ? QVariant(*job.exitCode) : QVariant());
            q.bindValue(at++, job.signal);
        }
        q.bindValue(at++, key.batch);
        q.bindValue(at++, key.seq);
        run(q, doing);
        if (q.numRowsAffected() == 0)
            unknown.insert(key);
    }

    QSqlQuery &full = cachedQuery(
        Cached::AttemptFull,
        "INSERT OR REPLACE INTO attempts (batch_id, seq, attempt, slot, worker_pid, command_pid, "
        "started_at, ended_at, wall_us, user_cpu_us, system_cpu_us, peak_rss_kib, exit_code, "
        "signal, timed_out, outcome, stdout_path, stderr_path, error) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    QSqlQuery &finish = cachedQuery(
        Cached::AttemptFinish,
        "UPDATE attempts SET command_pid = ?, worker_pid = coalesce(?, worker_pid), "
        "started_at = coalesce(?, started_at), "
        "ended_at = ?, wall_us = ?, user_cpu_us = ?, system_cpu_us = ?, peak_rss_kib = ?, "
        "exit_code = ?, signal = ?, timed_out = ?, outcome = ?, error = ? "
        "WHERE batch_id = ? AND seq = ? AND attempt = ?");
    for (const auto &[key, a] : pendingAttempts) {
        const auto &[batch, seq, attempt] = key;
        if (unknown.count(JobKey{batch, seq}))
            continue;
        const ExecResult &r = a.result.exec;
        const QVariant exitCode = !a.finished || r.signal != 0 ? QVariant() : QVariant(r.exitCode);
        const QVariant started = storedetail::nullIfZero(r.startedAtMs);
        if (!a.started && a.finished) {
            int at = 0;
            finish.bindValue(at++, storedetail::nullIfZero(r.pid));
            finish.bindValue(at++, storedetail::nullIfZero(r.workerPid));
            finish.bindValue(at++, started);
            finish.bindValue(at++, r.endedAtMs);
            finish.bindValue(at++, r.wallUs);
            finish.bindValue(at++, r.userUs);
            finish.bindValue(at++, r.systemUs);
            finish.bindValue(at++, r.maxRssKiB);
            finish.bindValue(at++, exitCode);
            finish.bindValue(at++, r.signal);
            finish.bindValue(at++, r.timedOut ? 1 : 0);
            finish.bindValue(at++, stateName(a.result.outcome()));
            finish.bindValue(at++, storedetail::text(r.error));
            finish.bindValue(at++, batch);
            finish.bindValue(at++, seq);
            finish.bindValue(at++, attempt);
            run(finish, doing);
            if (finish.numRowsAffected() > 0)
                continue; // else its start was never recorded: store what is known
        }
        int at = 0;
        full.bindValue(at++, batch);
        full.bindValue(at++, seq);
        full.bindValue(at++, attempt);
        full.bindValue(at++, a.start.slot);
        full.bindValue(at++, storedetail::nullIfZero(
                                 a.finished && r.workerPid != 0 ? r.workerPid : a.start.workerPid));
        full.bindValue(at++, a.finished ? storedetail::nullIfZero(r.pid) : QVariant());
        full.bindValue(at++, a.finished && r.startedAtMs != 0
                                 ? QVariant(r.startedAtMs)
                                 : storedetail::nullIfZero(a.start.startedAtMs));
        full.bindValue(at++, a.finished ? QVariant(r.endedAtMs) : QVariant());
        full.bindValue(at++, a.finished ? QVariant(r.wallUs) : QVariant());
        full.bindValue(at++, a.finished ? QVariant(r.userUs) : QVariant());
        full.bindValue(at++, a.finished ? QVariant(r.systemUs) : QVariant());
        full.bindValue(at++, a.finished ? QVariant(r.maxRssKiB) : QVariant());
        full.bindValue(at++, exitCode);
        full.bindValue(at++, a.finished ? r.signal : 0);
        full.bindValue(at++, a.finished && r.timedOut ? 1 : 0);
        full.bindValue(at++,
                       a.finished ? stateName(a.result.outcome()) : QStringLiteral("running"));
        full.bindValue(at++, storedetail::blob(a.start.stdoutPath));
        full.bindValue(at++, storedetail::blob(a.start.stderrPath));
        full.bindValue(at++, storedetail::text(a.finished ? r.error : QString()));
        run(full, doing);
    }
    transaction.commit();
    pendingJobs.clear();
    pendingAttempts.clear();
    if (!unknown.empty())
        qWarning("jobpool: job store %s: state changes for %d unknown jobs were dropped "
                 "(batch %lld, seq %lld first)",
                 qPrintable(path), int(unknown.size()), unknown.begin()->batch,
                 unknown.begin()->seq);
}

} // namespace jobpool
