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
    using storedetail::SqliteStatement;
    SqliteStatement &state =
        cachedStatement(Cached::JobState, "UPDATE jobs SET state = ?, attempts = max(attempts, ?) "
                                          "WHERE batch_id = ? AND seq = ?");
    SqliteStatement &ended = cachedStatement(
        Cached::JobResult, "UPDATE jobs SET state = ?, attempts = max(attempts, ?), "
                           "exit_code = ?, signal = ? WHERE batch_id = ? AND seq = ?");
    for (const auto &[key, job] : pendingJobs) {
        SqliteStatement &q = job.hasResult ? ended : state;
        int at = 1;
        q.bindText(at++, stateName(job.state));
        q.bind(at++, job.attempts);
        if (job.hasResult) {
            if (job.exitCode)
                q.bind(at++, *job.exitCode);
            else
                q.bindNull(at++);
            q.bind(at++, job.signal);
        }
        q.bind(at++, key.batch);
        q.bind(at++, key.seq);
        run(q, doing);
        if (q.changes() == 0)
            unknown.insert(key);
    }

    SqliteStatement &full = cachedStatement(
        Cached::AttemptFull,
        "INSERT OR REPLACE INTO attempts (batch_id, seq, attempt, slot, worker_pid, command_pid, "
        "started_at, ended_at, wall_us, user_cpu_us, system_cpu_us, peak_rss_kib, exit_code, "
        "signal, timed_out, outcome, stdout_path, stderr_path, error) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    SqliteStatement &finish = cachedStatement(
        Cached::AttemptFinish,
        "UPDATE attempts SET command_pid = ?, worker_pid = coalesce(?, worker_pid), "
        "started_at = coalesce(?, started_at), "
        "ended_at = ?, wall_us = ?, user_cpu_us = ?, system_cpu_us = ?, peak_rss_kib = ?, "
        "exit_code = ?, signal = ?, timed_out = ?, outcome = ?, error = ? "
        "WHERE batch_id = ? AND seq = ? AND attempt = ?");
    // The exit code is NULL for an attempt not finished or ended by a signal.
    const auto bindExitCode = [](SqliteStatement &q, int at, const PendingAttempt &a) {
        if (!a.finished || a.result.exec.signal != 0)
            q.bindNull(at);
        else
            q.bind(at, a.result.exec.exitCode);
    };
    for (const auto &[key, a] : pendingAttempts) {
        const auto &[batch, seq, attempt] = key;
        if (unknown.count(JobKey{batch, seq}))
            continue;
        const ExecResult &r = a.result.exec;
        if (!a.started && a.finished) {
            int at = 1;
            finish.bindOrNull(at++, r.pid);
            finish.bindOrNull(at++, r.workerPid);
            finish.bindOrNull(at++, r.startedAtMs);
            finish.bind(at++, r.endedAtMs);
            finish.bind(at++, r.wallUs);
            finish.bind(at++, r.userUs);
            finish.bind(at++, r.systemUs);
            finish.bind(at++, r.maxRssKiB);
            bindExitCode(finish, at++, a);
            finish.bind(at++, r.signal);
            finish.bind(at++, r.timedOut ? 1 : 0);
            finish.bindText(at++, stateName(a.result.outcome()));
            finish.bindText(at++, r.error);
            finish.bind(at++, batch);
            finish.bind(at++, seq);
            finish.bind(at++, attempt);
            run(finish, doing);
            if (finish.changes() > 0)
                continue; // else its start was never recorded: store what is known
        }
        int at = 1;
        full.bind(at++, batch);
        full.bind(at++, seq);
        full.bind(at++, attempt);
        full.bind(at++, a.start.slot);
        full.bindOrNull(at++, a.finished && r.workerPid != 0 ? r.workerPid : a.start.workerPid);
        full.bindOrNull(at++, a.finished ? r.pid : 0);
        full.bindOrNull(at++,
                        a.finished && r.startedAtMs != 0 ? r.startedAtMs : a.start.startedAtMs);
        if (a.finished) {
            full.bind(at++, r.endedAtMs);
            full.bind(at++, r.wallUs);
            full.bind(at++, r.userUs);
            full.bind(at++, r.systemUs);
            full.bind(at++, r.maxRssKiB);
        } else {
            for (int i = 0; i < 5; ++i)
                full.bindNull(at++);
        }
        bindExitCode(full, at++, a);
        full.bind(at++, a.finished ? r.signal : 0);
        full.bind(at++, a.finished && r.timedOut ? 1 : 0);
        full.bindText(at++, a.finished ? stateName(a.result.outcome()) : QStringLiteral("running"));
        full.bindBlob(at++, a.start.stdoutPath);
        full.bindBlob(at++, a.start.stderrPath);
        full.bindText(at++, a.finished ? r.error : QString());
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
