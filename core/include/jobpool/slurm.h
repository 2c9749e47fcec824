// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>

/// \file
/// The node's side of a batch that runs on a Slurm cluster (`jobpool run --slurm`).

namespace jobpool {

/// Runs the inputs of one array task: those the manifest in \a arrayFolder lists for
/// \a taskIndex (normally $SLURM_ARRAY_TASK_ID), one after another, each with exec(), which
/// records its start and end in the task's journal beside the manifest. An input whose
/// cancel file exists is passed over. Returns 0 when every input was run (whatever their
/// exit statuses; those are in the journal), 2 when the manifest or the index is unusable,
/// with the reason on stderr.
int runSlurmTask(const QByteArray &arrayFolder, int taskIndex);

} // namespace jobpool
