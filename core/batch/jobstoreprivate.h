// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "sqlitestatement.h"

#include <jobpool/errors.h>
#include <jobpool/jobstore.h>

#include <QDateTime>
#include <QSet>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QVariant>

#include <array>
#include <map>
#include <memory>
#include <optional>
#include <tuple>

/// \file
/// What the job store's source files share: the connection, its cached statements, the
/// buffered state changes, and the byte packing of lists into one BLOB.

namespace jobpool {

namespace storedetail {

/// "LEN:BYTES," for each value (netstrings): lossless for any bytes, and readable with
/// the sqlite3 shell. One job input alone is stored as it is (input_count says which).
QByteArray packValues(const QList<QByteArray> &values);
/// Empty when \a packed is not a well-formed packing.
std::optional<QList<QByteArray>> unpackValues(QByteArrayView packed);
/// A job's stored inputs; throws StoreError(Corrupt) when they cannot be read back.
QList<QByteArray> readInputs(const QString &path, const QByteArray &blob, qint64 count);

/// Bound as a BLOB, never as NULL: Qt binds a null QByteArray as NULL.
inline QVariant blob(const QByteArray &bytes)
{
    return bytes.isNull() ? QVariant(QByteArray("", 0)) : QVariant(bytes);
}
/// Bound as TEXT, never as NULL.
inline QVariant text(const QString &string)
{
    return string.isNull() ? QVariant(QStringLiteral("")) : QVariant(string);
}
inline QVariant nullIfZero(qint64 value)
{
    return value == 0 ? QVariant() : QVariant(value);
}

inline qint64 nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

/// This boot of the machine (/proc/sys/kernel/random/boot_id), so that a pid recorded
/// before a reboot is never taken for a live process.
QString bootId();
bool ownerAlive(qint64 pid, qint64 startTime, const QString &boot);

} // namespace storedetail

/// The statements the hot path (flushing buffered changes) runs again and again, prepared
/// once.
enum class Cached {
    JobState,      ///< state and attempts of a job
    JobResult,     ///< the same and its exit code and signal
    AttemptFull,   ///< a whole attempt row
    AttemptFinish, ///< the end of an attempt whose start is already stored
};
constexpr int kCachedCount = 4;

struct JobStore::Private
{
    QString path;
    QString connectionName;
    OpenOptions options;
    QSqlDatabase db;
    std::array<std::unique_ptr<storedetail::SqliteStatement>, kCachedCount> cached;
    QSet<qint64> claimed; ///< batches this object runs and has not finished

    struct PendingJob
    {
        JobState state = JobState::Pending;
        int attempts = 0;
        bool hasResult = false;
        std::optional<int> exitCode;
        int signal = 0;
    };
    struct PendingAttempt
    {
        bool started = false;
        bool finished = false;
        AttemptStart start;
        JobResult result;
    };
    using AttemptKey = std::tuple<qint64, qint64, int>; // batch, seq, attempt
    std::map<JobKey, PendingJob> pendingJobs;
    std::map<AttemptKey, PendingAttempt> pendingAttempts;

    ~Private();

    // Errors: every failure of SQLite becomes a StoreError naming the file.
    [[noreturn]] void fail(const QSqlError &error, const QString &doing) const;
    /// \a code: SQLite's primary result code.
    [[noreturn]] void fail(int code, const QString &text, const QString &doing) const;
    [[noreturn]] void fail(StoreError::Reason reason, const QString &detail) const;
    void requireWritable(const char *what) const;

    QSqlQuery prepare(const QString &sql, const QString &doing);
    /// Who runs a batch, as the store has it.
    struct Runner
    {
        bool running = false; ///< the batch's state says so
        qint64 pid = 0;
        qint64 start = 0;
        bool alive = false; ///< and that process is still there
    };
    /// The runner of \a batch; fails NotFound when the store has no such batch.
    Runner runnerOf(qint64 batch, const QString &doing);
    storedetail::SqliteStatement &cachedStatement(Cached which, const char *sql);
    void run(QSqlQuery &query, const QString &doing);
    void run(storedetail::SqliteStatement &statement, const QString &doing);
    /// Runs \a sql (no parameters) and returns the query positioned before its first row.
    QSqlQuery exec(const QString &sql, const QString &doing);
    void begin(const QString &doing); ///< BEGIN IMMEDIATE: the write lock, or Locked
    void commit(const QString &doing);
    void rollback() noexcept;

    // Parts of the implementation that several files use.
    void shutdown() noexcept; ///< what the destructor does before the connection closes
    void flushPending();
    void requireBatch(qint64 batch);
    void quickCheck();
    qint64 markInterrupted(qint64 batch, const QString &why, bool endBatch);
    std::optional<BatchRecord> readBatch(qint64 id);

    /// BEGIN IMMEDIATE … COMMIT, rolled back when left by an exception.
    class Transaction
    {
    public:
        Transaction(Private &store, QString doing)
            : m_store(store)
            , m_doing(std::move(doing))
        {
            m_store.begin(m_doing);
        }
        ~Transaction()
        {
            if (!m_done)
                m_store.rollback();
        }
        void commit()
        {
            m_store.commit(m_doing);
            m_done = true;
        }
        Transaction(const Transaction &) = delete;
        Transaction &operator=(const Transaction &) = delete;

    private:
        Private &m_store;
        QString m_doing;
        bool m_done = false;
    };
};

} // namespace jobpool
