// SPDX-License-Identifier: GPL-3.0-or-later
// The job store's writes: batches, the bulk insert of jobs, claims, recovery and the end
// of a batch. The buffered state changes are in jobstoreflush.cpp.
#include "batch/jobstoreprivate.h"
#include "sync/processstamp.h"

#include <QDir>
#include <QFileInfo>
#include <QJsonDocument>

namespace jobpool {
namespace {

using Reason = StoreError::Reason;

constexpr int kRowsPerInsert = 64;        // rows of one INSERT statement
constexpr qint64 kJobsPerCommit = 50'000; // ~0.1 s of inserting: other writers get a turn

bool isSelf(qint64 pid, qint64 startTime)
{
    const detail::ProcessStamp self = detail::ProcessStamp::current();
    return pid == self.pid && std::uint64_t(startTime) == self.startTime;
}

/// INSERT … SELECT from a VALUES list: each row binds only its inputs (and their count
/// when a job has other than one), its seq is the one bound base plus the row's offset.
/// Qt binds every value through a placeholder name it builds, so fewer values per row is
/// what makes a million inserts fast.
QString insertJobsSql(qint64 batch, int rows, bool withCounts)
{
    QString sql = QStringLiteral("INSERT INTO jobs (batch_id, seq, inputs%1) SELECT %2, ? + "
                                 "column1, column2%3 FROM (VALUES ")
                      .arg(withCounts ? QStringLiteral(", input_count") : QString())
                      .arg(batch)
                      .arg(withCounts ? QStringLiteral(", column3") : QString());
    for (int i = 0; i < rows; ++i) {
        sql += i == 0 ? QStringLiteral("(") : QStringLiteral(", (");
        sql +=
            QString::number(i) + (withCounts ? QStringLiteral(", ?, ?)") : QStringLiteral(", ?)"));
    }
    return sql + u')';
}

} // namespace

JobStore::JobStore(std::unique_ptr<Private> d)
    : d(std::move(d))
{}

JobStore::JobStore(JobStore &&other) noexcept = default;

JobStore &JobStore::operator=(JobStore &&other) noexcept
{
    if (this != &other) {
        if (d)
            d->shutdown();
        d = std::move(other.d);
    }
    return *this;
}

JobStore::~JobStore()
{
    if (d)
        d->shutdown();
}

void JobStore::Private::shutdown() noexcept
{
    if (options.mode == OpenMode::ReadOnly)
        return;
    try {
        flushPending();
    } catch (const StoreError &e) {
        qWarning("jobpool: %s", e.what());
    }
    for (qint64 batch : std::as_const(claimed)) {
        try {
            Transaction transaction(*this, QStringLiteral("while closing"));
            markInterrupted(batch, QStringLiteral("interrupted: the program ended before it"),
                            true);
            transaction.commit();
        } catch (const StoreError &e) {
            qWarning("jobpool: %s", e.what());
        }
    }
    claimed.clear();
}

QByteArray JobStore::createLogDirectory(qint64 batch, const QString &parent) const
{
    const QString under = parent.isEmpty()
                              ? QFileInfo(d->path).absolutePath() + QStringLiteral("/logs")
                              : QFileInfo(parent).absoluteFilePath();
    const QString folder = under + QStringLiteral("/batch-%1").arg(batch);
    const bool ownLogsFolder = parent.isEmpty() && !QFileInfo::exists(under);
    if (!QDir().mkpath(folder))
        return {};
    // Commands' output is the user's business: no one else may list or read it.
    constexpr QFile::Permissions ownerOnly = QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner;
    if (ownLogsFolder)
        QFile::setPermissions(under, ownerOnly);
    if (!QFile::setPermissions(folder, ownerOnly))
        return {};
    return QFile::encodeName(folder);
}

QString JobStore::path() const
{
    return d->path;
}

JobStore::OpenMode JobStore::mode() const
{
    return d->options.mode;
}

// --- batches ------------------------------------------------------------------------------

qint64 JobStore::createBatch(const BatchSpec &spec)
{
    d->requireWritable("create a batch");
    const QString doing = QStringLiteral("while creating a batch");
    const detail::ProcessStamp self = detail::ProcessStamp::current();
    Private::Transaction transaction(*d, doing);
    QSqlQuery q = d->prepare(
        QStringLiteral("INSERT INTO batches (created_at, name, template, shell, options, "
                       "working_dir, log_dir, state, owner_pid, owner_start, owner_boot) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?, 'running', ?, ?, ?)"),
        doing);
    q.addBindValue(spec.createdAtMs != 0 ? spec.createdAtMs : storedetail::nowMs());
    q.addBindValue(storedetail::text(spec.name));
    q.addBindValue(storedetail::blob(storedetail::packValues(spec.templateArgv)));
    q.addBindValue(spec.shell ? 1 : 0);
    q.addBindValue(QString::fromUtf8(QJsonDocument(spec.options).toJson(QJsonDocument::Compact)));
    q.addBindValue(storedetail::blob(spec.workingDirectory));
    q.addBindValue(storedetail::blob(spec.logDirectory));
    q.addBindValue(qint64(self.pid));
    q.addBindValue(qint64(self.startTime));
    q.addBindValue(storedetail::bootId());
    d->run(q, doing);
    const qint64 id = q.lastInsertId().toLongLong();
    q = QSqlQuery();
    transaction.commit();
    d->claimed.insert(id);
    return id;
}

void JobStore::Private::requireBatch(qint64 batch)
{
    QSqlQuery q = prepare(QStringLiteral("SELECT 1 FROM batches WHERE id = ?"),
                          QStringLiteral("while looking up a batch"));
    q.addBindValue(batch);
    run(q, QStringLiteral("while looking up a batch"));
    if (!q.next())
        fail(Reason::NotFound, QStringLiteral("has no batch %1").arg(batch));
}

qint64 JobStore::addJobs(qint64 batch, const QList<QList<QByteArray>> &inputs)
{
    qsizetype next = 0;
    return addJobs(batch, [&](QList<QByteArray> &values) {
        if (next == inputs.size())
            return false;
        values = inputs.at(next++);
        return true;
    });
}

qint64 JobStore::addJobs(qint64 batch, const JobSource &next)
{
    d->requireWritable("add jobs");
    const QString doing = QStringLiteral("while adding jobs");
    d->requireBatch(batch);
    std::optional<Private::Transaction> transaction;
    transaction.emplace(*d, doing);

    QSqlQuery q = d->prepare(
        QStringLiteral("SELECT coalesce(max(seq), 0) FROM jobs WHERE batch_id = %1").arg(batch),
        doing);
    d->run(q, doing);
    qint64 lastSeq = q.next() ? q.value(0).toLongLong() : 0;
    q = QSqlQuery();

    QSqlQuery ones = d->prepare(insertJobsSql(batch, kRowsPerInsert, false), doing);
    QSqlQuery many = d->prepare(insertJobsSql(batch, kRowsPerInsert, true), doing);
    QSqlQuery counted = d->prepare(
        QStringLiteral("INSERT INTO job_counts (batch_id, state, n) VALUES (?, 'pending', ?) "
                       "ON CONFLICT (batch_id, state) DO UPDATE SET n = n + excluded.n"),
        doing);

    QList<QList<QByteArray>> rows;
    rows.reserve(kRowsPerInsert);
    qint64 inTransaction = 0;
    const auto writeRows = [&] {
        if (rows.isEmpty())
            return;
        bool allSingle = true;
        for (const QList<QByteArray> &row : std::as_const(rows))
            allSingle = allSingle && row.size() == 1;
        std::optional<QSqlQuery> tail;
        if (rows.size() < kRowsPerInsert)
            tail = d->prepare(insertJobsSql(batch, int(rows.size()), !allSingle), doing);
        QSqlQuery &insert = tail ? *tail : allSingle ? ones : many;
        int at = 0;
        insert.bindValue(at++, lastSeq + 1);
        for (const QList<QByteArray> &row : std::as_const(rows)) {
            insert.bindValue(at++, storedetail::blob(allSingle || row.size() == 1
                                                         ? row.value(0)
                                                         : storedetail::packValues(row)));
            if (!allSingle)
                insert.bindValue(at++, qint64(row.size()));
        }
        d->run(insert, doing);
        lastSeq += rows.size();
        inTransaction += rows.size();
        rows.clear();
    };
    const auto commitRows = [&] {
        writeRows();
        if (inTransaction > 0) {
            counted.bindValue(0, batch);
            counted.bindValue(1, inTransaction);
            d->run(counted, doing);
        }
        transaction->commit();
        inTransaction = 0;
    };

    QList<QByteArray> values;
    while (next(values)) {
        rows.append(values);
        if (rows.size() == kRowsPerInsert) {
            writeRows();
            if (inTransaction >= kJobsPerCommit) {
                commitRows();
                transaction.emplace(*d, doing);
            }
        }
    }
    commitRows();
    return lastSeq;
}

void JobStore::setLogDirectory(qint64 batch, const QByteArray &directory)
{
    d->requireWritable("change a batch");
    const QString doing = QStringLiteral("while changing a batch");
    Private::Transaction transaction(*d, doing);
    QSqlQuery q = d->prepare(QStringLiteral("UPDATE batches SET log_dir = ? WHERE id = ?"), doing);
    q.addBindValue(storedetail::blob(directory));
    q.addBindValue(batch);
    d->run(q, doing);
    if (q.numRowsAffected() == 0)
        d->fail(Reason::NotFound, QStringLiteral("has no batch %1").arg(batch));
    q = QSqlQuery();
    transaction.commit();
}

// --- claims and recovery ------------------------------------------------------------------

qint64 JobStore::Private::markInterrupted(qint64 batch, const QString &why, bool endBatch)
{
    const QString doing = QStringLiteral("while marking interrupted jobs");
    QSqlQuery q =
        prepare(QStringLiteral("UPDATE attempts SET outcome = 'interrupted', error = ? "
                               "WHERE batch_id = ? AND outcome = 'running' AND seq IN "
                               "(SELECT seq FROM jobs WHERE batch_id = ? AND state = 'running')"),
                doing);
    q.addBindValue(why);
    q.addBindValue(batch);
    q.addBindValue(batch);
    run(q, doing);
    q = prepare(QStringLiteral("UPDATE jobs SET state = 'interrupted' "
                               "WHERE batch_id = ? AND state = 'running'"),
                doing);
    q.addBindValue(batch);
    run(q, doing);
    const qint64 marked = q.numRowsAffected();
    if (endBatch) {
        q = prepare(QStringLiteral("UPDATE batches SET state = 'interrupted' "
                                   "WHERE id = ? AND state = 'running'"),
                    doing);
        q.addBindValue(batch);
        run(q, doing);
    }
    return marked;
}

JobStore::Private::Runner JobStore::Private::runnerOf(qint64 batch, const QString &doing)
{
    QSqlQuery q = prepare(QStringLiteral("SELECT state, owner_pid, owner_start, owner_boot "
                                         "FROM batches WHERE id = ?"),
                          doing);
    q.addBindValue(batch);
    run(q, doing);
    if (!q.next())
        fail(Reason::NotFound, QStringLiteral("has no batch %1").arg(batch));
    Runner r;
    r.running = q.value(0).toString() == u"running";
    r.pid = q.value(1).toLongLong();
    r.start = q.value(2).toLongLong();
    r.alive = storedetail::ownerAlive(r.pid, r.start, q.value(3).toString());
    return r;
}

void JobStore::claimBatch(qint64 batch)
{
    d->requireWritable("claim a batch");
    const QString doing = QStringLiteral("while claiming a batch");
    d->flushPending();
    if (!d->claimed.contains(batch)) {
        const Private::Runner previous = d->runnerOf(batch, doing);
        if (!(previous.running && previous.alive))
            replayJournal(batch); // what its dead runner's workers did after its last commit
    }
    Private::Transaction transaction(*d, doing);
    const Private::Runner runner = d->runnerOf(batch, doing);
    if (runner.running && runner.alive && !d->claimed.contains(batch))
        d->fail(Reason::InUse, QStringLiteral("batch %1 is being run by %2")
                                   .arg(batch)
                                   .arg(isSelf(runner.pid, runner.start)
                                            ? QStringLiteral("another part of this process")
                                            : QStringLiteral("process %1").arg(runner.pid)));
    if (!d->claimed.contains(batch))
        d->markInterrupted(batch, QStringLiteral("interrupted: the process running it died"),
                           false);
    const detail::ProcessStamp self = detail::ProcessStamp::current();
    QSqlQuery q =
        d->prepare(QStringLiteral("UPDATE batches SET state = 'running', finished_at = NULL, "
                                  "owner_pid = ?, owner_start = ?, owner_boot = ? WHERE id = ?"),
                   doing);
    q.addBindValue(qint64(self.pid));
    q.addBindValue(qint64(self.startTime));
    q.addBindValue(storedetail::bootId());
    q.addBindValue(batch);
    d->run(q, doing);
    q = QSqlQuery();
    transaction.commit();
    d->claimed.insert(batch);
}

qint64 JobStore::recover(qint64 batch)
{
    d->requireWritable("recover a batch");
    const QString doing = QStringLiteral("while recovering a batch");
    d->flushPending();
    if (const Private::Runner runner = d->runnerOf(batch, doing); runner.running && runner.alive)
        return 0; // its runner lives: what it runs is running
    replayJournal(batch);
    Private::Transaction transaction(*d, doing);
    const Private::Runner runner = d->runnerOf(batch, doing);
    if (runner.running && runner.alive)
        return 0;
    const qint64 marked = d->markInterrupted(
        batch, QStringLiteral("interrupted: the process running it died"), runner.running);
    transaction.commit();
    return marked;
}

void JobStore::batchFinished(qint64 batch, BatchState state)
{
    d->requireWritable("finish a batch");
    const QString doing = QStringLiteral("while finishing a batch");
    d->flushPending();
    Private::Transaction transaction(*d, doing);
    d->markInterrupted(batch, QStringLiteral("interrupted: the batch ended while it ran"), false);
    QSqlQuery q = d->prepare(
        QStringLiteral("UPDATE batches SET state = ?, finished_at = ? WHERE id = ?"), doing);
    q.addBindValue(stateName(state));
    q.addBindValue(state == BatchState::Running ? QVariant() : QVariant(storedetail::nowMs()));
    q.addBindValue(batch);
    d->run(q, doing);
    if (q.numRowsAffected() == 0)
        d->fail(Reason::NotFound, QStringLiteral("has no batch %1").arg(batch));
    q = QSqlQuery();
    transaction.commit();
    if (state != BatchState::Running)
        d->claimed.remove(batch);
}

} // namespace jobpool
