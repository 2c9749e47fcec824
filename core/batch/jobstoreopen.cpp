// SPDX-License-Identifier: GPL-3.0-or-later
// Opening the job store: checks that never write to a file that is not a healthy JobPool
// store, the schema, and the translation of SQLite's errors into StoreError.
#include "batch/jobstoreprivate.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QStandardPaths>
#include <QStringList>
#include <QUrl>
#include <QtEndian>

#include <atomic>

#include <fcntl.h>
#include <unistd.h>

namespace jobpool {
namespace {

using Reason = StoreError::Reason;

constexpr int kSchemaVersion = 1;
constexpr qint64 kApplicationId = 0x4A6F6250; // "JobP"
constexpr qint64 kAutoQuickCheckBytes = 32 * 1024 * 1024;

// Version 1. A later version adds a migration step from each older one; a store of a
// newer version than this code knows is refused, never touched.
const char *const kSchema[] = {
    R"(CREATE TABLE batches (
        id          INTEGER PRIMARY KEY,
        created_at  INTEGER NOT NULL,
        name        TEXT    NOT NULL DEFAULT '',
        template    BLOB    NOT NULL,
        shell       INTEGER NOT NULL DEFAULT 0,
        options     TEXT    NOT NULL DEFAULT '{}',
        working_dir BLOB    NOT NULL DEFAULT x'',
        log_dir     BLOB    NOT NULL DEFAULT x'',
        state       TEXT    NOT NULL DEFAULT 'running',
        finished_at INTEGER,
        owner_pid   INTEGER NOT NULL DEFAULT 0,
        owner_start INTEGER NOT NULL DEFAULT 0,
        owner_boot  TEXT    NOT NULL DEFAULT '')
    )",
    R"(CREATE TABLE jobs (
        batch_id    INTEGER NOT NULL REFERENCES batches (id),
        seq         INTEGER NOT NULL,
        inputs      BLOB    NOT NULL,
        input_count INTEGER NOT NULL DEFAULT 1,
        state       TEXT    NOT NULL DEFAULT 'pending',
        attempts    INTEGER NOT NULL DEFAULT 0,
        exit_code   INTEGER,
        signal      INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (batch_id, seq)) WITHOUT ROWID
    )",
    "CREATE INDEX jobs_by_state ON jobs (batch_id, state)",
    R"(CREATE TABLE attempts (
        batch_id      INTEGER NOT NULL,
        seq           INTEGER NOT NULL,
        attempt       INTEGER NOT NULL,
        slot          INTEGER NOT NULL DEFAULT 0,
        worker_pid    INTEGER,
        command_pid   INTEGER,
        started_at    INTEGER,
        ended_at      INTEGER,
        wall_us       INTEGER,
        user_cpu_us   INTEGER,
        system_cpu_us INTEGER,
        peak_rss_kib  INTEGER,
        exit_code     INTEGER,
        signal        INTEGER NOT NULL DEFAULT 0,
        timed_out     INTEGER NOT NULL DEFAULT 0,
        outcome       TEXT    NOT NULL DEFAULT 'running',
        stdout_path   BLOB    NOT NULL DEFAULT x'',
        stderr_path   BLOB    NOT NULL DEFAULT x'',
        error         TEXT    NOT NULL DEFAULT '',
        PRIMARY KEY (batch_id, seq, attempt),
        FOREIGN KEY (batch_id, seq) REFERENCES jobs (batch_id, seq)) WITHOUT ROWID
    )",
    // Jobs per state and batch, kept by the trigger below (and by addJobs, which counts
    // its inserts once per transaction), so that history never counts a million rows.
    R"(CREATE TABLE job_counts (
        batch_id INTEGER NOT NULL,
        state    TEXT    NOT NULL,
        n        INTEGER NOT NULL,
        PRIMARY KEY (batch_id, state)) WITHOUT ROWID
    )",
    R"(CREATE TRIGGER jobs_count_states AFTER UPDATE OF state ON jobs
        WHEN OLD.state IS NOT NEW.state
        BEGIN
            UPDATE job_counts SET n = n - 1 WHERE batch_id = OLD.batch_id AND state = OLD.state;
            INSERT INTO job_counts (batch_id, state, n) VALUES (NEW.batch_id, NEW.state, 1)
                ON CONFLICT (batch_id, state) DO UPDATE SET n = n + 1;
        END
    )",
};

// What a store of this version must have; a store without it is malformed.
const std::pair<const char *, const char *> kRequiredColumns[] = {
    {"batches", "id created_at name template shell options working_dir log_dir state finished_at "
                "owner_pid owner_start owner_boot"},
    {"jobs", "batch_id seq inputs input_count state attempts exit_code signal"},
    {"attempts",
     "batch_id seq attempt slot worker_pid command_pid started_at ended_at wall_us user_cpu_us "
     "system_cpu_us peak_rss_kib exit_code signal timed_out outcome stdout_path stderr_path "
     "error"},
    {"job_counts", "batch_id state n"},
};

std::atomic<int> g_connections{0};

/// What the first 100 bytes say, before SQLite reads anything. Throws for a file that is
/// plainly not a database; returns true when the header promises more pages than the
/// file has (cut short, or caught in the middle of another process's checkpoint:
/// quick_check decides which).
bool checkHeader(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        throw StoreError(file.exists() ? Reason::ReadOnly : Reason::NotFound, path,
                         QStringLiteral("cannot read it: %1").arg(file.errorString()));
    const qint64 size = file.size();
    if (size == 0)
        return false; // an empty file is an empty database
    const QByteArray header = file.read(100);
    static const QByteArray magic("SQLite format 3\0", 16);
    if (header.size() < 100 || !header.startsWith(magic))
        throw StoreError(Reason::Corrupt, path,
                         QStringLiteral("is not an SQLite database (it is left as it is)"));
    const auto be32 = [&](int at) { return qFromBigEndian<quint32>(header.constData() + at); };
    const quint32 rawPageSize = qFromBigEndian<quint16>(header.constData() + 16);
    const qint64 pageSize = rawPageSize == 1 ? 65536 : rawPageSize;
    if (pageSize < 512 || (pageSize & (pageSize - 1)) != 0)
        throw StoreError(Reason::Corrupt, path,
                         QStringLiteral("has a damaged header (page size %1; the file is left "
                                        "as it is)")
                             .arg(rawPageSize));
    const bool sizeValid = be32(24) == be32(92);
    return sizeValid && qint64(be32(28)) * pageSize > size;
}

} // namespace

// --- opening ------------------------------------------------------------------------------

QString JobStore::defaultPath()
{
    return QStandardPaths::writableLocation(QStandardPaths::AppDataLocation)
           + QStringLiteral("/jobs.sqlite");
}

JobStore JobStore::open(const QString &path, const OpenOptions &options)
{
    auto d = std::make_unique<Private>();
    d->path = QFileInfo(path).absoluteFilePath();
    d->options = options;
    const bool readOnly = options.mode == OpenMode::ReadOnly;
    const QFileInfo file(d->path);

    if (readOnly && !file.exists())
        d->fail(Reason::NotFound, QStringLiteral("does not exist"));
    if (file.exists() && !file.isFile())
        d->fail(Reason::Failed, QStringLiteral("is not a regular file"));
    if (!readOnly && !QDir().mkpath(file.absolutePath()))
        d->fail(Reason::ReadOnly,
                QStringLiteral("cannot create its directory %1").arg(file.absolutePath()));
    // SQLite would open a write-protected file for reading without a word and fail at the
    // first write; say so now.
    if (!readOnly && file.exists() && !file.isWritable())
        d->fail(Reason::ReadOnly, QStringLiteral("is a read-only file; it can be opened for "
                                                 "reading only"));
    const bool looksTruncated = file.exists() && checkHeader(d->path);
    // A new store is its owner's alone (SQLite gives its log files the same mode): what
    // ran, on which files, and where their output is, is no one else's business.
    if (!readOnly && !file.exists()) {
        const int fd = ::open(QFile::encodeName(d->path).constData(),
                              O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd >= 0)
            ::close(fd);
    }

    d->connectionName = QStringLiteral("jobpool-store-%1").arg(++g_connections);
    d->db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), d->connectionName);
    if (!d->db.isValid())
        d->fail(Reason::Failed, QStringLiteral("cannot be opened: Qt's QSQLITE driver is missing"));
    const auto connect = [&](bool immutable) {
        QString connectOptions = QStringLiteral("QSQLITE_BUSY_TIMEOUT=%1")
                                     .arg(qMax<qint64>(0, options.busyTimeout.count()));
        if (readOnly)
            connectOptions += QStringLiteral(";QSQLITE_OPEN_READONLY");
        if (immutable)
            connectOptions += QStringLiteral(";QSQLITE_OPEN_URI");
        d->db.setConnectOptions(connectOptions);
        d->db.setDatabaseName(immutable ? QUrl::fromLocalFile(d->path).toString(QUrl::FullyEncoded)
                                              + QStringLiteral("?immutable=1")
                                        : d->path);
        if (!d->db.open())
            d->fail(d->db.lastError(), QStringLiteral("while opening"));
    };
    connect(false);

    // Read before anything is written: whose file is it, which version, is it whole?
    const QString reading = QStringLiteral("while reading its schema");
    QSqlQuery q(d->db);
    if (!q.exec(QStringLiteral("PRAGMA application_id"))) {
        // A reader of a write-ahead-log store in a directory it cannot write to has nowhere
        // for the log's index. With no log left over by a writer, the file alone is the
        // whole store: read it as immutable.
        const int code = q.lastError().nativeErrorCode().toInt() & 0xff;
        const bool noLog = !QFileInfo::exists(d->path + QStringLiteral("-wal"));
        if (!readOnly || !noLog || (code != 8 && code != 14)) // SQLITE_READONLY, _CANTOPEN
            d->fail(q.lastError(), reading);
        q = QSqlQuery();
        d->db.close();
        connect(true);
        q = d->exec(QStringLiteral("PRAGMA application_id"), reading);
    }
    const qint64 applicationId = q.next() ? q.value(0).toLongLong() : 0;
    q = d->exec(QStringLiteral("PRAGMA user_version"), reading);
    const int version = q.next() ? q.value(0).toInt() : 0;
    QStringList tables;
    q = d->exec(QStringLiteral("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name"),
                reading);
    while (q.next())
        tables.append(q.value(0).toString());
    q = QSqlQuery();

    const bool empty = applicationId == 0 && version == 0 && tables.isEmpty();
    if (!empty && applicationId != kApplicationId)
        d->fail(Reason::Corrupt,
                QStringLiteral("is another program's SQLite database, not a JobPool job store "
                               "(tables: %1); it is left as it is")
                    .arg(tables.isEmpty() ? QStringLiteral("none") : tables.join(u", ")));
    if (version > kSchemaVersion)
        d->fail(Reason::NewerSchema,
                QStringLiteral("was written by a newer JobPool (schema version %1; this one "
                               "knows up to %2); it is left as it is")
                    .arg(version)
                    .arg(kSchemaVersion));
    if (empty && readOnly)
        d->fail(Reason::NotFound, QStringLiteral("holds no job store yet"));
    if (!empty) {
        for (const auto &[table, columns] : kRequiredColumns) {
            QSet<QString> present;
            q = d->exec(QStringLiteral("PRAGMA table_info(%1)").arg(QLatin1String(table)), reading);
            while (q.next())
                present.insert(q.value(1).toString());
            if (present.isEmpty())
                d->fail(Reason::Corrupt,
                        QStringLiteral("has a malformed schema: table %1 is missing (the file is "
                                       "left as it is)")
                            .arg(QLatin1String(table)));
            for (const QString &column : QString::fromLatin1(columns).split(u' ')) {
                if (!present.contains(column))
                    d->fail(Reason::Corrupt,
                            QStringLiteral("has a malformed schema: table %1 lacks column %2 "
                                           "(the file is left as it is)")
                                .arg(QLatin1String(table), column));
            }
        }
        q = QSqlQuery();
        const bool small = file.size() <= kAutoQuickCheckBytes;
        if (looksTruncated || options.quickCheck == QuickCheck::Always
            || (options.quickCheck == QuickCheck::Auto && small))
            d->quickCheck();
    }

    if (!readOnly) {
        const QString setting = QStringLiteral("while setting it up");
        q = d->exec(QStringLiteral("PRAGMA journal_mode = WAL"), setting);
        if (!q.next() || q.value(0).toString().compare(u"wal", Qt::CaseInsensitive) != 0)
            d->fail(Reason::Failed, QStringLiteral("cannot use a write-ahead log (journal mode "
                                                   "%1)")
                                        .arg(q.value(0).toString()));
        q = QSqlQuery();
        d->exec(QStringLiteral("PRAGMA synchronous = %1")
                    .arg(options.fullSync ? QStringLiteral("FULL") : QStringLiteral("NORMAL")),
                setting);
        // The log is emptied, not truncated, after a checkpoint; cap what a big insert
        // leaves on the disk.
        d->exec(QStringLiteral("PRAGMA journal_size_limit = 67108864"), setting);
        // 16 MiB of page cache (2 MiB by default): a big insert spills fewer pages to the log
        // before it commits; enqueueing a million jobs is ~15% quicker. Allocated as used.
        d->exec(QStringLiteral("PRAGMA cache_size = -16384"), setting);

        Private::Transaction transaction(*d, QStringLiteral("while opening"));
        // Again under the write lock: another process may have created it meanwhile.
        q = d->exec(QStringLiteral("PRAGMA user_version"), reading);
        if (q.next() && q.value(0).toInt() == 0) {
            for (const char *statement : kSchema)
                d->exec(QString::fromLatin1(statement),
                        QStringLiteral("while creating the schema"));
            d->exec(QStringLiteral("PRAGMA application_id = %1").arg(kApplicationId), setting);
            d->exec(QStringLiteral("PRAGMA user_version = %1").arg(kSchemaVersion), setting);
        }
        q = d->exec(QStringLiteral("SELECT id, owner_pid, owner_start, owner_boot FROM batches "
                                   "WHERE state = 'running'"),
                    reading);
        QList<qint64> abandoned;
        while (q.next()) {
            if (!storedetail::ownerAlive(q.value(1).toLongLong(), q.value(2).toLongLong(),
                                         q.value(3).toString()))
                abandoned.append(q.value(0).toLongLong());
        }
        q = QSqlQuery();
        transaction.commit();
        // Each journal first: the jobs its workers ended after the last commit are not
        // interrupted.
        JobStore store(std::move(d));
        for (qint64 batch : std::as_const(abandoned))
            store.recover(batch);
        return store;
    }
    return JobStore(std::move(d));
}

void JobStore::check()
{
    d->quickCheck();
}

void JobStore::Private::quickCheck()
{
    QSqlQuery q =
        exec(QStringLiteral("PRAGMA quick_check"), QStringLiteral("while checking its pages"));
    // "ok", or lines of findings (a row may hold several), the first naming the database.
    QStringList problems;
    while (q.next() && problems.size() < 3) {
        for (const QString &line : q.value(0).toString().split(u'\n', Qt::SkipEmptyParts)) {
            if (!line.startsWith(QStringLiteral("***")) && problems.size() < 3)
                problems.append(line.trimmed());
        }
    }
    if (problems != QStringList{QStringLiteral("ok")})
        fail(Reason::Corrupt, QStringLiteral("is damaged: %1 (the file is left as it is)")
                                  .arg(problems.join(QStringLiteral("; "))));
}

} // namespace jobpool
