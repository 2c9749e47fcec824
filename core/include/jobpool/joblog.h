// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QFile>
#include <QHash>
#include <QList>
#include <QSet>
#include <QString>

/// \file
/// GNU parallel's joblog: one tab-separated line per finished job, so that scripts
/// written for `parallel --joblog` read JobPool's, and `--resume` works from either.
///
///     Seq  Host  Starttime       JobRuntime  Send  Receive  Exitval  Signal  Command
///     1    :     1795330406.191       0.006  0     0        0        0       gzip -k 'a b'
///
/// Exitval is -1 for a job that was killed (timeout, Ctrl-C, --memfree); Receive is the
/// size of its standard output.

namespace jobpool {

struct JoblogEntry
{
    qint64 seq = 0;
    double startTime = 0; ///< seconds since the epoch
    double runTime = 0;   ///< seconds
    qint64 received = 0;  ///< bytes of standard output
    int exitValue = 0;
    int signal = 0;
    QByteArray command; ///< as a shell would read it (see JobLog::shellQuote)

    bool failed() const { return exitValue != 0 || signal != 0; }
};

/// What a joblog says about the jobs it lists; the last line for a job counts.
struct JoblogSummary
{
    QSet<qint64> succeeded;
    QHash<qint64, QByteArray> failed; ///< seq → the command that failed

    bool listed(qint64 seq) const { return succeeded.contains(seq) || failed.contains(seq); }
};

class JobLog
{
public:
    /// Opens \a path for writing: truncated, or appended to when \a append (and when
    /// resuming); the header is written when the file is new or empty. Throws PoolError
    /// naming the file when it cannot be opened.
    JobLog(const QString &path, bool append);

    void write(const JoblogEntry &entry);
    /// Pushes what was written to the file (the scheduler calls it with the store's
    /// flush, so that a joblog line never shows a job the store has not committed).
    void flush();

    /// Reads a joblog. A last line cut short (the writer was killed mid-line) is
    /// ignored; any other malformed line throws PoolError naming the file and line.
    static JoblogSummary read(const QString &path);

    /// \a argument quoted for a POSIX shell the way parallel writes commands: as it is
    /// when it holds nothing special, else in single quotes.
    static QByteArray shellQuote(const QByteArray &argument);
    static QByteArray shellJoin(const QList<QByteArray> &argv);

private:
    QFile m_file;
    QByteArray m_pending;
};

} // namespace jobpool
