// SPDX-License-Identifier: GPL-3.0-or-later
#include "sqlitestatement.h"

#include <QSqlDatabase>
#include <QSqlDriver>
#include <QVariant>

#include <cstring>

#include <sqlite3.h>

namespace jobpool::storedetail {

sqlite3 *SqliteStatement::connectionOf(const QSqlDatabase &db)
{
    const QVariant handle = db.isValid() && db.driver() ? db.driver()->handle() : QVariant();
    if (!handle.isValid() || std::strcmp(handle.typeName(), "sqlite3*") != 0)
        return nullptr;
    return *static_cast<sqlite3 *const *>(handle.constData());
}

SqliteStatement::SqliteStatement(sqlite3 *connection, const char *sql)
    : m_connection(connection)
{
    const int rc =
        sqlite3_prepare_v3(connection, sql, -1, SQLITE_PREPARE_PERSISTENT, &m_statement, nullptr);
    if (rc != SQLITE_OK)
        noteError(rc);
}

SqliteStatement::~SqliteStatement()
{
    sqlite3_finalize(m_statement);
}

void SqliteStatement::bindNull(int index)
{
    sqlite3_bind_null(m_statement, index);
}

void SqliteStatement::bind(int index, qint64 value)
{
    sqlite3_bind_int64(m_statement, index, value);
}

void SqliteStatement::bindOrNull(int index, qint64 value)
{
    if (value == 0)
        bindNull(index);
    else
        bind(index, value);
}

void SqliteStatement::bindText(int index, const QString &text)
{
    if (text.isEmpty()) // a null pointer would bind NULL
        sqlite3_bind_text(m_statement, index, "", 0, SQLITE_STATIC);
    else // UTF-16, as Qt's own QSQLITE driver binds it
        sqlite3_bind_text16(m_statement, index, text.utf16(), int(text.size() * 2),
                            SQLITE_TRANSIENT);
}

void SqliteStatement::bindBlob(int index, QByteArrayView bytes)
{
    // A null pointer would bind NULL.
    if (bytes.isEmpty())
        sqlite3_bind_zeroblob(m_statement, index, 0);
    else
        sqlite3_bind_blob(m_statement, index, bytes.data(), int(bytes.size()), SQLITE_TRANSIENT);
}

bool SqliteStatement::run()
{
    const int rc = sqlite3_step(m_statement);
    const bool ran = rc == SQLITE_DONE || rc == SQLITE_ROW;
    if (!ran)
        noteError(rc); // before the reset, which may change the message
    sqlite3_reset(m_statement);
    sqlite3_clear_bindings(m_statement);
    return ran;
}

qint64 SqliteStatement::changes() const
{
    return sqlite3_changes64(m_connection);
}

void SqliteStatement::noteError(int rc)
{
    m_error = rc & 0xff; // the primary result code
    m_errorText = QString::fromUtf8(sqlite3_errmsg(m_connection));
}

} // namespace jobpool::storedetail
