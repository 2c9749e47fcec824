// SPDX-License-Identifier: GPL-3.0-or-later
#include <jobpool/errors.h>

#include <csignal>
#include <cstring>

namespace jobpool {
namespace {

QString describeDeath(std::int64_t pid, int exitCode, int signal, const QString &detail)
{
    QString text = signal != 0
                       ? QStringLiteral("worker %1 was killed by signal %2 (%3)")
                             .arg(pid)
                             .arg(signal)
                             .arg(QString::fromLocal8Bit(strsignal(signal)))
                       : QStringLiteral("worker %1 exited with status %2").arg(pid).arg(exitCode);
    if (!detail.isEmpty())
        text += QStringLiteral(": ") + detail;
    return text;
}

} // namespace

Error::Error(const QString &message)
    : std::runtime_error(message.toStdString())
{}

RemoteError::RemoteError(QString exceptionType, const QString &message, std::uint64_t taskId)
    : Error(QStringLiteral("task %1 raised %2: %3").arg(taskId).arg(exceptionType, message))
    , m_exceptionType(std::move(exceptionType))
    , m_remoteMessage(message)
    , m_taskId(taskId)
{}

WorkerDied::WorkerDied(std::int64_t pid, int exitCode, int signal, std::uint64_t taskId,
                       const QString &detail)
    : Error(QStringLiteral("task %1 failed: %2")
                .arg(taskId)
                .arg(describeDeath(pid, exitCode, signal, detail)))
    , m_pid(pid)
    , m_exitCode(exitCode)
    , m_signal(signal)
    , m_taskId(taskId)
{}

TaskTimeout::TaskTimeout(std::int64_t milliseconds, std::uint64_t taskId)
    : Error(QStringLiteral("task %1 timed out after %2 ms").arg(taskId).arg(milliseconds))
    , m_taskId(taskId)
{}

StoreError::StoreError(Reason reason, const QString &path, const QString &detail)
    : Error(QStringLiteral("job store %1: %2").arg(path, detail))
    , m_reason(reason)
    , m_path(path)
{}

BrokenBarrierError::BrokenBarrierError(const QString &reason)
    : Error(QStringLiteral("barrier broken: %1").arg(reason))
    , m_reason(reason)
{}

TemplateError::TemplateError(const QString &templateText, const QString &problem, int argument,
                             int position, const QString &hint)
    // Concatenated, not arg()-chained: the template itself may contain "%1".
    : Error(QStringLiteral("template \"") + templateText + QStringLiteral("\": ") + problem
            + QStringLiteral(" in argument ") + QString::number(argument)
            + QStringLiteral(" at position ") + QString::number(position)
            + (hint.isEmpty() ? QString() : QStringLiteral(" (") + hint + u')'))
    , m_templateText(templateText)
    , m_argument(argument)
    , m_position(position)
{}

InputError::InputError(const QByteArray &path, const QString &message)
    : Error(message)
    , m_path(path)
{}

} // namespace jobpool
