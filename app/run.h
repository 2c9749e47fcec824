// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QList>

namespace jobpool::app {

/// `jobpool run …`: a batch from the terminal, the way GNU parallel users expect. Takes
/// the arguments after `run` as bytes (file names need not be UTF-8); returns the exit
/// status (parallel's: failed jobs, capped at 101; 255 for any other error).
int runBatchCommand(const QList<QByteArray> &arguments);

/// `jobpool history [--db FILE] [--json]`: the batches in the store, newest first.
int runHistoryCommand(const QList<QByteArray> &arguments);

/// `jobpool show BATCH [--db FILE] [--json] [--state STATE]`: one batch and its jobs.
int runShowCommand(const QList<QByteArray> &arguments);

} // namespace jobpool::app
