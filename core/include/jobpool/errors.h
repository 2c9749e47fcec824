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
/// be started at all (a missing worker program, an initializer that fails).
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

} // namespace jobpool
