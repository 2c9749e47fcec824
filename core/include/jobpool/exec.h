// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QDataStream>
#include <QList>
#include <QString>

/// \file
/// Running one external command the way a batch job runs: no shell, its own process
/// group, output into log files, a timeout that takes the whole group down, and the
/// figures wait4() gives. A pool worker runs it as the registered task `exec`; the same
/// function runs in the calling process too.

namespace jobpool {

struct ExecRequest
{
    /// The program and its arguments, as bytes (file names need not be UTF-8). A program
    /// without a '/' is looked up in PATH, as a shell would.
    QList<QByteArray> argv;
    QByteArray workingDirectory; ///< empty: the worker's own
    QByteArray stdoutPath;       ///< written from the start; empty: discarded
    QByteArray stderrPath;       ///< likewise; the same path as stdoutPath: one file
    /// Over this, the group gets SIGTERM, again after 200 and 100 ms, SIGKILL after 50 ms
    /// more (GNU parallel's sequence). 0: no limit.
    qint64 timeoutMs = 0;
    /// Log files under their names while the command runs (to follow them: --line-buffer).
    /// Otherwise a log appears when the command ends, and only if it wrote something: an
    /// empty log is no file at all (and an older file of that name is removed).
    bool logsWhileRunning = false;
    /// Published with the command's pid while it runs (WorkerInfo::childTag): a job number.
    qint64 tag = 0;
    /// A batch's journal (see core/batch/journal.h): when set, the start and the end are
    /// appended to it, as job \a tag's attempt \a attempt, before the command starts and
    /// before exec() returns.
    QByteArray journalPath;
    int attempt = 0;
    /// While a file of this name exists, the command is not started: the result is held.
    QByteArray holdPath;

    friend QDataStream &operator<<(QDataStream &s, const ExecRequest &r)
    {
        return s << r.argv << r.workingDirectory << r.stdoutPath << r.stderrPath << r.timeoutMs
                 << r.logsWhileRunning << r.tag << r.journalPath << r.attempt << r.holdPath;
    }
    friend QDataStream &operator>>(QDataStream &s, ExecRequest &r)
    {
        return s >> r.argv >> r.workingDirectory >> r.stdoutPath >> r.stderrPath >> r.timeoutMs
               >> r.logsWhileRunning >> r.tag >> r.journalPath >> r.attempt >> r.holdPath;
    }
};

struct ExecResult
{
    qint64 pid = 0;
    qint64 workerPid = 0; ///< the worker process that ran it
    int exitCode = -1;    ///< the status it exited with; 127 when it could not be started
    int signal = 0;       ///< the signal that ended it, or 0
    bool timedOut = false;
    /// Not started, because the request's hold file exists (its batch is stopping).
    bool held = false;
    /// Why it could not be started ("command not found: foo", "cannot open log …"),
    /// empty when it ran.
    QString error;
    qint64 startedAtMs = 0; ///< wall clock, ms since the epoch
    qint64 endedAtMs = 0;
    qint64 wallUs = 0;   ///< from start to end, less the time it was paused (SIGSTOP)
    qint64 pausedUs = 0; ///< how long it was stopped, in all
    qint64 userUs = 0;
    qint64 systemUs = 0;
    qint64 maxRssKiB = 0;

    bool succeeded() const { return error.isEmpty() && !timedOut && signal == 0 && exitCode == 0; }

    friend QDataStream &operator<<(QDataStream &s, const ExecResult &r)
    {
        return s << r.pid << r.workerPid << r.exitCode << r.signal << r.timedOut << r.held
                 << r.error << r.startedAtMs << r.endedAtMs << r.wallUs << r.pausedUs << r.userUs
                 << r.systemUs << r.maxRssKiB;
    }
    friend QDataStream &operator>>(QDataStream &s, ExecResult &r)
    {
        return s >> r.pid >> r.workerPid >> r.exitCode >> r.signal >> r.timedOut >> r.held
               >> r.error >> r.startedAtMs >> r.endedAtMs >> r.wallUs >> r.pausedUs >> r.userUs
               >> r.systemUs >> r.maxRssKiB;
    }
};

/// Runs \a request to its end and says how it went. Never throws for anything the
/// command does; a command that cannot be started is an ExecResult with error() set.
ExecResult exec(ExecRequest request);

} // namespace jobpool
