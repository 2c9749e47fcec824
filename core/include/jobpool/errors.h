// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QString>

#include <cstdint>
#include <stdexcept>

namespace jobpool {

/// Base of every error JobPool reports. Errors of a task arrive through its QFuture, so
/// `future.result()` (or `Pool::map`) rethrows them in the caller.
class Error : public std::runtime_error
{
public:
    explicit Error(const QString &message);
    QString message() const { return QString::fromUtf8(what()); }
};

/// A task threw. Carries the type name of the exception thrown in the worker.
class RemoteError : public Error
{
public:
    RemoteError(QString exceptionType, const QString &message, std::uint64_t taskId);
    QString exceptionType() const { return m_exceptionType; }
    QString remoteMessage() const { return m_remoteMessage; }
    std::uint64_t taskId() const { return m_taskId; }

private:
    QString m_exceptionType;
    QString m_remoteMessage;
    std::uint64_t m_taskId;
};

/// The worker running a task died (crashed, was killed, exited inside the task).
class WorkerDied : public Error
{
public:
    WorkerDied(std::int64_t pid, int exitCode, int signal, std::uint64_t taskId,
               const QString &detail = {});
    std::int64_t pid() const { return m_pid; }
    int exitCode() const { return m_exitCode; } ///< valid when signal() == 0
    int signal() const { return m_signal; }     ///< the signal that killed it, or 0
    std::uint64_t taskId() const { return m_taskId; }

private:
    std::int64_t m_pid;
    int m_exitCode;
    int m_signal;
    std::uint64_t m_taskId;
};

/// A task ran longer than PoolOptions::taskTimeout; its worker was killed and replaced.
class TaskTimeout : public Error
{
public:
    TaskTimeout(std::int64_t milliseconds, std::uint64_t taskId);
    std::uint64_t taskId() const { return m_taskId; }

private:
    std::uint64_t m_taskId;
};

/// The pool cannot take the call: it was closed or terminated, or its workers cannot
/// be started at all (a missing worker program, an initializer that fails). Shared
/// objects throw it too when they cannot do what was asked (a SharedMemory name that is
/// taken, a BoundedSemaphore released once too often).
class PoolError : public Error
{
public:
    using Error::Error;
};

/// A frame from a worker, or a value being decoded, is malformed.
class ProtocolError : public Error
{
public:
    using Error::Error;
};

/// The job store cannot be used as asked. The message names the file and says why;
/// reason() tells the cases apart for a caller that reacts to them.
class StoreError : public Error
{
public:
    enum class Reason {
        Locked,      ///< another writer held it past the busy timeout
        ReadOnly,    ///< the file or its directory cannot be written, or opened read-only
        Corrupt,     ///< not an SQLite file, damaged, or another program's database
        NewerSchema, ///< written by a newer JobPool; left untouched
        NotFound,    ///< no store at that path (read-only opening), or no such batch
        InUse,       ///< the batch is being run by another live process
        Failed,      ///< anything else SQLite or the file system reported
    };
    StoreError(Reason reason, const QString &path, const QString &detail);
    Reason reason() const { return m_reason; }
    QString path() const { return m_path; }

private:
    Reason m_reason;
    QString m_path;
};

/// A Barrier was broken — a wait() timed out, abort() or reset() was called, or a process
/// died before reaching it — while this process waited on it, or before it arrived.
class BrokenBarrierError : public Error
{
public:
    explicit BrokenBarrierError(const QString &reason);
    /// What broke it, e.g. "process 1234 died before reaching it".
    QString reason() const { return m_reason; }

private:
    QString m_reason;
};

/// A command template is malformed: an unknown replacement string, an unbalanced brace, a
/// replacement string naming an input source that does not exist, or one in a place of a
/// --shell script where its value cannot be quoted. CommandTemplate::parse() throws it,
/// before any job runs. The message names the template, the argument and the position:
/// `template "gzip -k {x}": unknown replacement string "{x}" in argument 3 at position 0`.
class TemplateError : public Error
{
public:
    TemplateError(const QString &templateText, const QString &problem, int argument, int position,
                  const QString &hint = {});
    QString templateText() const { return m_templateText; }
    int argument() const { return m_argument; } ///< 1-based: the command is argument 1
    int position() const { return m_position; } ///< 0-based byte offset in that argument

private:
    QString m_templateText;
    int m_argument;
    int m_position;
};

/// An input source cannot be read: a `::::` file that is missing or unreadable, a read
/// error on stdin. The message names the file (readably, when its name is not UTF-8).
class InputError : public Error
{
public:
    InputError(const QByteArray &path, const QString &message);
    QByteArray path() const { return m_path; } ///< as given, bytes (file names may not be UTF-8)

private:
    QByteArray m_path;
};

} // namespace jobpool
