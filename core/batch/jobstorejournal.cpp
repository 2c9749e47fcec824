// SPDX-License-Identifier: GPL-3.0-or-later
// Replaying a batch's journal (core/batch/journal.h) into the store: what workers recorded
// after the last commit of a runner that died.
#include "batch/jobstoreprivate.h"
#include "batch/journal.h"

#include <jobpool/batchoptions.h>

#include <QDir>
#include <QFile>
#include <QJsonDocument>

#include <set>
#include <utility>

namespace jobpool {

qint64 JobStore::replayJournal(qint64 batch)
{
    d->requireWritable("replay a journal");
    const QString doing = QStringLiteral("while replaying a batch's journal");
    QSqlQuery q =
        d->prepare(QStringLiteral("SELECT log_dir, options FROM batches WHERE id = ?"), doing);
    q.addBindValue(batch);
    d->run(q, doing);
    if (!q.next())
        return 0;
    const QByteArray folder = q.value(0).toByteArray();
    const int tries =
        BatchOptions::fromJson(QJsonDocument::fromJson(q.value(1).toString().toUtf8()).object())
            .tries;
    if (folder.isEmpty())
        return 0;
    const QByteArray path = folder + '/' + detail::kJournalName;
    std::vector<detail::JournalRecord> records = detail::readJournal(path);
    // A batch on Slurm: the nodes' journals, one per array task (core/batch/slurmexecutor.h).
    // They stay where they are, for the executor that reads them while the array runs.
    const QDir dir(QFile::decodeName(folder));
    for (const QString &array : dir.entryList({QStringLiteral("slurm-*")}, QDir::Dirs)) {
        const QDir arrayDir(dir.filePath(array));
        for (const QString &task :
             arrayDir.entryList({QStringLiteral("task-*.journal")}, QDir::Files)) {
            std::vector<detail::JournalRecord> more =
                detail::readJournal(QFile::encodeName(arrayDir.filePath(task)));
            records.insert(records.end(), more.begin(), more.end());
        }
    }
    if (records.empty()) {
        QFile::remove(QFile::decodeName(path));
        return 0;
    }

    d->flushPending();
    // Attempts whose end the store has: the runner committed them, perhaps as something
    // the worker could not know (interrupted by a stop), so they stay as they are.
    std::set<std::pair<qint64, int>> ended;
    q = d->prepare(QStringLiteral("SELECT seq, attempt FROM attempts "
                                  "WHERE batch_id = ? AND outcome != 'running'"),
                   doing);
    q.addBindValue(batch);
    d->run(q, doing);
    while (q.next())
        ended.emplace(q.value(0).toLongLong(), q.value(1).toInt());
    q = QSqlQuery();

    qint64 applied = 0;
    for (const detail::JournalRecord &r : records) {
        if (ended.count({r.seq, r.attempt}))
            continue;
        const JobKey key{batch, r.seq};
        ++applied;
        if (!r.ended) {
            // Left running: the recovery that follows marks it interrupted.
            jobStarted(key, AttemptStart{r.attempt, 0, r.result.workerPid, r.result.startedAtMs,
                                         detail::jobLogPath(folder, r.seq, r.attempt, ".out"),
                                         detail::jobLogPath(folder, r.seq, r.attempt, ".err")});
            continue;
        }
        jobFinished(key, JobResult{r.attempt, r.result, std::nullopt});
        if (!r.result.succeeded() && (tries == 0 || r.attempt < tries))
            jobRequeued(key); // a failed attempt with tries left, as the runner would have
    }
    d->flushPending();
    QFile::remove(QFile::decodeName(path));
    return applied;
}

} // namespace jobpool
