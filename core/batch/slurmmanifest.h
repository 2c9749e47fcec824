// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <jobpool/exec.h>

#include <QByteArray>
#include <QList>

namespace jobpool::detail {

/// What the array tasks of one Slurm array run: for each task, its inputs' requests, in
/// order. Written by SlurmExecutor into the array's folder, read by each task on its node
/// (runSlurmTask()). A QDataStream after a header line that names the format and its
/// version, so that a node running another version of JobPool refuses it clearly.
struct SlurmManifest
{
    QList<QList<ExecRequest>> tasks;

    /// Writes it atomically; throws std::runtime_error naming the file.
    void write(const QByteArray &path) const;
    /// Throws std::runtime_error naming the file and what is wrong with it.
    static SlurmManifest read(const QByteArray &path);
};

} // namespace jobpool::detail
