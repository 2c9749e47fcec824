// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QHash>
#include <QList>

#include <cstdio>
#include <deque>
#include <map>

namespace jobpool::app {

/// What `jobpool run` prints of its jobs' output, as GNU parallel does: each job's
/// stdout then its stderr, whole, when it ends (--group, the default); in input order
/// (-k); line by line as it comes (--line-buffer); each line prefixed with the inputs and
/// a tab (--tag). The output comes from the job's log files, which stay as they are.
class OutputPrinter
{
public:
    struct Settings
    {
        bool keepOrder = false;
        bool tag = false;
        bool lineBuffer = false;
    };
    OutputPrinter(Settings settings, std::FILE *out, std::FILE *err);

    /// A job started: for -k, its place in the order.
    void started(qint64 seq);
    /// A job ended with these logs. With -k, it is printed once every job that started
    /// before it has been.
    void finished(qint64 seq, const QList<QByteArray> &inputs, const QByteArray &stdoutPath,
                  const QByteArray &stderrPath);
    /// --line-buffer: prints the whole lines a running job has written since last time.
    void poll(qint64 seq, const QList<QByteArray> &inputs, const QByteArray &stdoutPath,
              const QByteArray &stderrPath);
    /// Prints whatever -k still holds back (the batch was stopped before the jobs that
    /// came first ended).
    void flushHeld();

private:
    struct Stream
    {
        qint64 offset = 0;    ///< printed up to here
        QByteArray partial;   ///< a line not yet ended
        bool midLine = false; ///< part of a very long line is printed (its tag with it)
    };
    struct Done
    {
        QList<QByteArray> inputs;
        QByteArray stdoutPath;
        QByteArray stderrPath;
    };
    void print(const Done &job, qint64 seq);
    /// Copies \a path from where it was left, tagging lines; with \a wholeLinesOnly, keeps
    /// a trailing unfinished line for later.
    void copy(const QByteArray &path, Stream &stream, std::FILE *to, const QByteArray &tag,
              bool wholeLinesOnly);

    Settings m_settings;
    std::FILE *m_out;
    std::FILE *m_err;
    std::deque<qint64> m_order;          ///< -k: seqs in the order they started
    std::map<qint64, Done> m_held;       ///< -k: ended, waiting for their turn
    QHash<QByteArray, Stream> m_streams; ///< --line-buffer: by log path
};

} // namespace jobpool::app
