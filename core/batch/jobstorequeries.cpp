// SPDX-License-Identifier: GPL-3.0-or-later
// The job store's reads: batch summaries, pages of jobs, attempts, and what a resume runs.
#include "batch/jobstoreprivate.h"

#include <QJsonDocument>
#include <QStringList>

namespace jobpool {
namespace {

const QString kReading = QStringLiteral("while reading");

const char *const kBatchColumns = "id, created_at, name, template, shell, options, working_dir, "
                                  "log_dir, state, finished_at, owner_pid, owner_start, owner_boot";

const char *const kJobColumns =
    "j.seq, j.inputs, j.input_count, j.state, j.attempts, j.exit_code, j.signal, "
    "a.attempt, a.slot, a.worker_pid, a.command_pid, a.started_at, a.ended_at, a.wall_us, "
    "a.user_cpu_us, a.system_cpu_us, a.peak_rss_kib, a.exit_code, a.signal, a.timed_out, "
    "a.outcome, a.stdout_path, a.stderr_path, a.error "
    "FROM jobs j LEFT JOIN attempts a "
    "ON a.batch_id = j.batch_id AND a.seq = j.seq AND a.attempt = j.attempts ";

const char *const kAttemptColumns =
    "attempt, slot, worker_pid, command_pid, started_at, ended_at, wall_us, user_cpu_us, "
    "system_cpu_us, peak_rss_kib, exit_code, signal, timed_out, outcome, stdout_path, "
    "stderr_path, error";

std::optional<int> optionalInt(const QVariant &value)
{
    return value.isNull() ? std::nullopt : std::optional<int>(value.toInt());
}

/// An attempt from the columns of kAttemptColumns, the first at \a at.
AttemptRecord readAttempt(const QSqlQuery &q, int at, qint64 batch, qint64 seq)
{
    AttemptRecord a;
    a.batch = batch;
    a.seq = seq;
    a.attempt = q.value(at).toInt();
    a.slot = q.value(at + 1).toInt();
    a.workerPid = q.value(at + 2).toLongLong();
    a.commandPid = q.value(at + 3).toLongLong();
    a.startedAtMs = q.value(at + 4).toLongLong();
    a.endedAtMs = q.value(at + 5).toLongLong();
    a.wallUs = q.value(at + 6).toLongLong();
    a.userCpuUs = q.value(at + 7).toLongLong();
    a.systemCpuUs = q.value(at + 8).toLongLong();
    a.peakRssKiB = q.value(at + 9).toLongLong();
    a.exitCode = optionalInt(q.value(at + 10));
    a.signal = q.value(at + 11).toInt();
    a.timedOut = q.value(at + 12).toInt() != 0;
    a.outcome = jobStateFromName(q.value(at + 13).toString()).value_or(JobState::Running);
    a.stdoutPath = q.value(at + 14).toByteArray();
    a.stderrPath = q.value(at + 15).toByteArray();
    a.error = q.value(at + 16).toString();
    return a;
}

QString stateList(const QList<JobState> &states)
{
    QStringList quoted;
    for (JobState state : states)
        quoted.append(u'\'' + stateName(state) + u'\'');
    return quoted.join(u", ");
}

} // namespace

std::optional<BatchRecord> JobStore::Private::readBatch(qint64 id)
{
    QSqlQuery q = prepare(
        QStringLiteral("SELECT %1 FROM batches WHERE id = ?").arg(QLatin1String(kBatchColumns)),
        kReading);
    q.addBindValue(id);
    run(q, kReading);
    if (!q.next())
        return std::nullopt;
    BatchRecord b;
    b.id = id;
    b.createdAtMs = q.value(1).toLongLong();
    b.name = q.value(2).toString();
    const std::optional<QList<QByteArray>> argv =
        storedetail::unpackValues(q.value(3).toByteArray());
    if (!argv)
        fail(StoreError::Reason::Corrupt,
             QStringLiteral("the template of batch %1 cannot be read back").arg(id));
    b.templateArgv = *argv;
    b.shell = q.value(4).toInt() != 0;
    b.options = QJsonDocument::fromJson(q.value(5).toString().toUtf8()).object();
    b.workingDirectory = q.value(6).toByteArray();
    b.logDirectory = q.value(7).toByteArray();
    b.state = batchStateFromName(q.value(8).toString()).value_or(BatchState::Interrupted);
    b.finishedAtMs = q.value(9).toLongLong();
    b.ownerPid = q.value(10).toLongLong();
    // A runner that died since (seen by a reader, or before the next read-write open).
    if (b.state == BatchState::Running && !claimed.contains(id)
        && !storedetail::ownerAlive(b.ownerPid, q.value(11).toLongLong(), q.value(12).toString()))
        b.state = BatchState::Interrupted;
    q = prepare(QStringLiteral("SELECT state, n FROM job_counts WHERE batch_id = ?"), kReading);
    q.addBindValue(id);
    run(q, kReading);
    while (q.next()) {
        if (const std::optional<JobState> state = jobStateFromName(q.value(0).toString()))
            b.counts[*state] = q.value(1).toLongLong();
    }
    return b;
}

QList<BatchRecord> JobStore::batches()
{
    d->flushPending();
    QList<qint64> ids;
    QSqlQuery q = d->exec(QStringLiteral("SELECT id FROM batches ORDER BY id DESC"), kReading);
    while (q.next())
        ids.append(q.value(0).toLongLong());
    q = QSqlQuery();
    QList<BatchRecord> records;
    records.reserve(ids.size());
    for (qint64 id : std::as_const(ids)) {
        if (std::optional<BatchRecord> record = d->readBatch(id))
            records.append(std::move(*record));
    }
    return records;
}

std::optional<BatchRecord> JobStore::batch(qint64 id)
{
    d->flushPending();
    return d->readBatch(id);
}

QList<JobRecord> JobStore::jobs(qint64 batch, const QList<JobState> &states, qint64 offset,
                                qint64 limit)
{
    d->flushPending();
    // Seqs run 1..N without a gap, so an unfiltered page starts with a key lookup instead
    // of stepping over `offset` rows.
    const QString sql =
        states.isEmpty()
            ? QStringLiteral("SELECT %1 WHERE j.batch_id = ? AND j.seq > ? ORDER BY j.seq "
                             "LIMIT ?")
                  .arg(QLatin1String(kJobColumns))
            : QStringLiteral("SELECT %1 WHERE j.batch_id = ? AND j.state IN (%2) "
                             "ORDER BY j.seq LIMIT ? OFFSET ?")
                  .arg(QLatin1String(kJobColumns), stateList(states));
    QSqlQuery q = d->prepare(sql, kReading);
    q.addBindValue(batch);
    if (states.isEmpty()) {
        q.addBindValue(qMax<qint64>(0, offset));
        q.addBindValue(limit);
    } else {
        q.addBindValue(limit);
        q.addBindValue(qMax<qint64>(0, offset));
    }
    d->run(q, kReading);
    QList<JobRecord> records;
    while (q.next()) {
        JobRecord j;
        j.batch = batch;
        j.seq = q.value(0).toLongLong();
        j.inputs =
            storedetail::readInputs(d->path, q.value(1).toByteArray(), q.value(2).toLongLong());
        j.state = jobStateFromName(q.value(3).toString()).value_or(JobState::Pending);
        j.attempts = q.value(4).toInt();
        j.exitCode = optionalInt(q.value(5));
        j.signal = q.value(6).toInt();
        if (!q.value(7).isNull())
            j.lastAttempt = readAttempt(q, 7, batch, j.seq);
        else
            j.lastAttempt = AttemptRecord{.batch = batch, .seq = j.seq};
        records.append(std::move(j));
    }
    return records;
}

std::optional<JobRecord> JobStore::job(JobKey key)
{
    QList<JobRecord> one = jobs(key.batch, {}, key.seq - 1, 1);
    if (one.isEmpty() || one.first().seq != key.seq)
        return std::nullopt;
    return one.takeFirst();
}

qint64 JobStore::jobCount(qint64 batch, const QList<JobState> &states)
{
    d->flushPending();
    QString sql = QStringLiteral("SELECT coalesce(sum(n), 0) FROM job_counts WHERE batch_id = ?");
    if (!states.isEmpty())
        sql += QStringLiteral(" AND state IN (%1)").arg(stateList(states));
    QSqlQuery q = d->prepare(sql, kReading);
    q.addBindValue(batch);
    d->run(q, kReading);
    return q.next() ? q.value(0).toLongLong() : 0;
}

QList<AttemptRecord> JobStore::attempts(JobKey job)
{
    d->flushPending();
    QSqlQuery q = d->prepare(QStringLiteral("SELECT %1 FROM attempts WHERE batch_id = ? AND "
                                            "seq = ? ORDER BY attempt")
                                 .arg(QLatin1String(kAttemptColumns)),
                             kReading);
    q.addBindValue(job.batch);
    q.addBindValue(job.seq);
    d->run(q, kReading);
    QList<AttemptRecord> records;
    while (q.next())
        records.append(readAttempt(q, 0, job.batch, job.seq));
    return records;
}

QList<JobToRun> JobStore::jobsToRun(qint64 batch, ResumeMode mode, qint64 afterSeq, qint64 limit)
{
    d->flushPending();
    QList<JobState> states;
    switch (mode) {
    case ResumeMode::Resume:
        states = {JobState::Pending, JobState::Interrupted};
        break;
    case ResumeMode::ResumeFailed:
        states = {JobState::Pending, JobState::Interrupted, JobState::Failed};
        break;
    case ResumeMode::RetryFailed:
        states = {JobState::Failed};
        break;
    }
    // `+state`: walk the primary key in seq order and filter, so that each page stops
    // after `limit` rows instead of sorting every match of the state index.
    QSqlQuery q = d->prepare(QStringLiteral("SELECT seq, inputs, input_count, state, attempts "
                                            "FROM jobs WHERE batch_id = ? AND seq > ? AND "
                                            "+state IN (%1) ORDER BY seq LIMIT ?")
                                 .arg(stateList(states)),
                             kReading);
    q.addBindValue(batch);
    q.addBindValue(afterSeq);
    q.addBindValue(limit);
    d->run(q, kReading);
    QList<JobToRun> jobs;
    while (q.next()) {
        JobToRun job;
        job.seq = q.value(0).toLongLong();
        job.inputs =
            storedetail::readInputs(d->path, q.value(1).toByteArray(), q.value(2).toLongLong());
        job.state = jobStateFromName(q.value(3).toString()).value_or(JobState::Pending);
        job.attempts = q.value(4).toInt();
        jobs.append(std::move(job));
    }
    return jobs;
}

} // namespace jobpool
