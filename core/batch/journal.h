// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <jobpool/exec.h>

#include <QByteArray>

#include <vector>

/// \file
/// A batch's journal: the record of each command's start and end that the worker running
/// it appends to a file in the batch's log folder, before it starts the command and before
/// it reports the end. When the parent dies between a job's end and the commit of that end
/// to the job store, the journal still has it; the store replays it when it recovers the
/// batch (JobStore::replayJournal), so that a pipelined runner, whose workers start their
/// next job without waiting for the parent, loses nothing and runs no finished job twice.
///
/// One line per record, tab-separated, written with one write() to a file opened with
/// O_APPEND, so that the workers' lines never interleave:
///
///     S  seq attempt startedAtMs workerPid
///     E  seq attempt pid workerPid exitCode signal timedOut startedAtMs endedAtMs
///        wallUs userUs systemUs maxRssKiB error(percent-encoded)
///
/// A line that does not parse (the last one of a full disk, say) is passed over.

namespace jobpool::detail {

/// The journal's and the hold file's names in a batch's log folder. While the hold file
/// exists, exec() starts no command that names it (ExecResult::held): a stopping runner's
/// jobs that wait in a worker stay unstarted.
inline constexpr char kJournalName[] = "jobpool.journal";
inline constexpr char kHoldName[] = "jobpool.hold";

/// A job's log file: "<folder>/<seq><suffix>", "<folder>/<seq>.<attempt><suffix>" after
/// the first attempt.
QByteArray jobLogPath(const QByteArray &folder, qint64 seq, int attempt, const char *suffix);

void journalStart(const QByteArray &path, qint64 seq, int attempt, qint64 startedAtMs);
void journalEnd(const QByteArray &path, qint64 seq, int attempt, const ExecResult &result);

struct JournalRecord
{
    bool ended = false; ///< an E record; else S
    qint64 seq = 0;
    int attempt = 0;
    ExecResult result; ///< an S record has startedAtMs and workerPid only
};

/// The records of the journal at \a path, in file order; none when there is no file.
std::vector<JournalRecord> readJournal(const QByteArray &path);

} // namespace jobpool::detail
