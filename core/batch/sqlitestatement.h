// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArrayView>
#include <QString>

struct sqlite3;
struct sqlite3_stmt;
class QSqlDatabase;

namespace jobpool::storedetail {

/// One prepared statement run through SQLite's own interface on the connection Qt Sql
/// opened (QSqlDriver::handle()), for the job store's hot path: there QSqlQuery's binding
/// cost more than SQLite's work (each positional value is looked up under a name Qt
/// formats for it, and travels in a QVariant), about 14 µs a job of the runner's thread.
/// Transactions, the busy timeout and everything else stay Qt Sql's: it is the same
/// connection. Indexes count from 1, as SQLite's do.
class SqliteStatement
{
public:
    /// The SQLite connection behind \a db, or nullptr when it is not a QSQLITE one.
    static sqlite3 *connectionOf(const QSqlDatabase &db);

    /// Prepares \a sql on \a connection; error() says whether that failed.
    SqliteStatement(sqlite3 *connection, const char *sql);
    ~SqliteStatement();
    SqliteStatement(const SqliteStatement &) = delete;
    SqliteStatement &operator=(const SqliteStatement &) = delete;

    void bindNull(int index);
    void bind(int index, qint64 value);
    /// NULL for 0.
    void bindOrNull(int index, qint64 value);
    /// As TEXT, never NULL.
    void bindText(int index, const QString &text);
    /// As a BLOB, never NULL (an empty one is a zero-length BLOB).
    void bindBlob(int index, QByteArrayView bytes);

    /// Runs the statement and readies it for the next values; true when it ran to its
    /// end, else error() says why.
    bool run();
    /// Rows the last run() changed.
    qint64 changes() const;

    /// The primary result code of the last failure (SQLITE_BUSY…), 0 when none.
    int error() const { return m_error; }
    QString errorText() const { return m_errorText; }

private:
    void noteError(int rc);

    sqlite3 *m_connection = nullptr;
    sqlite3_stmt *m_statement = nullptr;
    int m_error = 0;
    QString m_errorText;
};

} // namespace jobpool::storedetail
