// SPDX-License-Identifier: GPL-3.0-or-later
// What the job store's files share: SQLite's errors as StoreError, statements, transactions,
// and who runs a batch.
#include "batch/jobstoreprivate.h"

#include "sync/processstamp.h"

#include <QFile>
#include <QFileInfo>

namespace jobpool {
namespace {

using Reason = StoreError::Reason;

} // namespace

namespace storedetail {

QString bootId()
{
    static const QString id = [] {
        QFile file(QStringLiteral("/proc/sys/kernel/random/boot_id"));
        return file.open(QIODevice::ReadOnly) ? QString::fromLatin1(file.readAll().trimmed())
                                              : QString();
    }();
    return id;
}

bool ownerAlive(qint64 pid, qint64 startTime, const QString &boot)
{
    if (pid <= 0 || (!boot.isEmpty() && boot != bootId()))
        return false;
    return detail::ProcessStamp{std::int32_t(pid), std::uint64_t(startTime)}.isAlive();
}

} // namespace storedetail

// --- errors and statements ----------------------------------------------------------------

void JobStore::Private::fail(StoreError::Reason reason, const QString &detail) const
{
    throw StoreError(reason, path, detail);
}

void JobStore::Private::fail(const QSqlError &error, const QString &doing) const
{
    fail(error.nativeErrorCode().toInt() & 0xff, // the primary result code
         error.databaseText().isEmpty() ? error.text() : error.databaseText(), doing);
}

void JobStore::Private::fail(int code, const QString &text, const QString &doing) const
{
    switch (code) {
    case 5: // SQLITE_BUSY
    case 6: // SQLITE_LOCKED
        fail(Reason::Locked,
             QStringLiteral("is locked by another writer; gave up %1 after waiting %2 ms (%3)")
                 .arg(doing)
                 .arg(options.busyTimeout.count())
                 .arg(text));
    case 8: // SQLITE_READONLY
        fail(Reason::ReadOnly,
             options.mode == OpenMode::ReadOnly
                 ? QStringLiteral("is open for reading only (%1)").arg(text)
                 : QStringLiteral("cannot be written (a read-only file or directory) %1 (%2)")
                       .arg(doing, text));
    case 11: // SQLITE_CORRUPT
    case 26: // SQLITE_NOTADB
        fail(Reason::Corrupt,
             QStringLiteral("is damaged or not a database: %1 (found %2; the file is left as "
                            "it is)")
                 .arg(text, doing));
    case 14: { // SQLITE_CANTOPEN
        const QFileInfo dir(QFileInfo(path).absolutePath());
        if (!dir.isWritable() || (QFileInfo::exists(path) && !QFileInfo(path).isWritable()))
            fail(Reason::ReadOnly,
                 QStringLiteral("cannot be opened: it or its directory %1 is read-only (%2)")
                     .arg(dir.filePath(), text));
        fail(Reason::Failed, QStringLiteral("cannot be opened: %1").arg(text));
    }
    default:
        fail(Reason::Failed, QStringLiteral("failed %1: %2").arg(doing, text));
    }
}

void JobStore::Private::requireWritable(const char *what) const
{
    if (options.mode == OpenMode::ReadOnly)
        fail(Reason::ReadOnly,
             QStringLiteral("is open for reading only; cannot %1").arg(QLatin1String(what)));
}

QSqlQuery JobStore::Private::prepare(const QString &sql, const QString &doing)
{
    QSqlQuery query(db);
    query.setForwardOnly(true);
    if (!query.prepare(sql))
        fail(query.lastError(), doing);
    return query;
}

storedetail::SqliteStatement &JobStore::Private::cachedStatement(Cached which, const char *sql)
{
    std::unique_ptr<storedetail::SqliteStatement> &slot = cached[std::size_t(which)];
    if (!slot) {
        sqlite3 *connection = storedetail::SqliteStatement::connectionOf(db);
        if (!connection)
            fail(Reason::Failed, QStringLiteral("is not open through Qt's SQLite driver"));
        auto statement = std::make_unique<storedetail::SqliteStatement>(connection, sql);
        if (statement->error() != 0)
            fail(statement->error(), statement->errorText(),
                 QStringLiteral("while preparing a statement"));
        slot = std::move(statement);
    }
    return *slot;
}

void JobStore::Private::run(QSqlQuery &query, const QString &doing)
{
    if (!query.exec())
        fail(query.lastError(), doing);
}

void JobStore::Private::run(storedetail::SqliteStatement &statement, const QString &doing)
{
    if (!statement.run())
        fail(statement.error(), statement.errorText(), doing);
}

QSqlQuery JobStore::Private::exec(const QString &sql, const QString &doing)
{
    QSqlQuery query(db);
    query.setForwardOnly(true);
    if (!query.exec(sql))
        fail(query.lastError(), doing);
    return query;
}

void JobStore::Private::begin(const QString &doing)
{
    exec(QStringLiteral("BEGIN IMMEDIATE"), doing);
}

void JobStore::Private::commit(const QString &doing)
{
    exec(QStringLiteral("COMMIT"), doing);
}

void JobStore::Private::rollback() noexcept
{
    QSqlQuery query(db);
    if (!query.exec(QStringLiteral("ROLLBACK")))
        qWarning("jobpool: job store %s: rollback failed: %s", qPrintable(path),
                 qPrintable(query.lastError().text()));
}

JobStore::Private::~Private()
{
    for (auto &statement : cached) // before the connection they were prepared on closes
        statement.reset();
    if (db.isValid())
        db.close();
    db = QSqlDatabase();
    if (!connectionName.isEmpty())
        QSqlDatabase::removeDatabase(connectionName);
}

} // namespace jobpool
