// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QJsonObject>
#include <QList>
#include <QString>

/// \file
/// How a batch runs, with GNU parallel's meanings: what `jobpool run` parses from its
/// command line, what the GUI's New Batch dialog fills in, and what the job store keeps so
/// that a resumed batch runs the way it started.

namespace jobpool {

/// --halt: when to stop a batch early.
struct HaltPolicy
{
    enum class When { Never, Soon, Now };
    enum class Count { Fail, Success, Done };
    When when = When::Never;
    Count count = Count::Fail;
    double threshold = 1; ///< jobs, or a percentage of all jobs when percent is set
    bool percent = false;

    /// "never", "soon,fail=3", "now,success=10%", or parallel's old 0, 1, 2. Throws
    /// std::invalid_argument with a readable reason.
    static HaltPolicy parse(const QByteArray &text);
    QByteArray toString() const;
};

/// --timeout: seconds, or a percentage of the median run time of successful jobs.
struct Timeout
{
    double seconds = 0; ///< 0: none
    double percent = 0; ///< 0: not relative
    bool isSet() const { return seconds > 0 || percent > 0; }
};

/// Where a batch runs when it runs on a Slurm cluster (`jobpool run --slurm`, "Run on:
/// Slurm cluster" in the New Batch dialog). See docs/SLURM.md.
struct SlurmOptions
{
    bool enabled = false;  ///< false: this computer's pool of workers
    QString partition;     ///< --partition; empty: the cluster's default
    QString timeLimit;     ///< --time, in Slurm's forms ("30", "1:00:00", "2-0"); empty: none
    int inputsPerTask = 0; ///< --slurm-chunk: inputs per array task; 0: chosen by batch size
    int maxRunning = 0;    ///< -j with --slurm: array tasks at once; 0: as many as Slurm runs
    QString loginHost;     ///< --slurm-host: run Slurm's tools through `ssh HOST`; empty: here
    /// How long the controller may stay unreachable before the batch stops with an error
    /// (it can be resumed once the controller is back).
    int patienceSeconds = 120;

    /// The array tasks for \a jobs inputs: inputsPerTask, or one task per input up to 1,000
    /// tasks, and above that as many inputs to a task as keep the array at 1,000 tasks.
    int inputsPerTaskFor(qint64 jobs) const;
    /// An empty string, or why \a text is not a Slurm time limit.
    static QString checkTimeLimit(const QString &text);
};

/// What a batch remembers about how to run it.
struct BatchOptions
{
    int jobSlots = 1;       ///< -j, resolved against the number of CPUs
    bool keepOrder = false; ///< -k
    bool tag = false;       ///< --tag
    bool lineBuffer = false;
    int tries = 1; ///< --retries N: a failing job runs up to N times; 0 = no limit
    Timeout timeout;
    HaltPolicy halt;
    qint64 memfreeBytes = 0; ///< --memfree: start no job while less is available
    double delaySeconds = 0; ///< --delay: at least this long between two starts
    bool shell = false;      ///< --shell: through /bin/sh -c, every value quoted
    SlurmOptions slurm;

    QJsonObject toJson() const;
    /// Reads what toJson() wrote; fields it lacks keep their defaults.
    static BatchOptions fromJson(const QJsonObject &json);
};

/// Parsers for parallel's number formats; each throws std::invalid_argument naming what
/// is wrong.
namespace units {
/// "10", "1.5m", "1d3.5h16.6m4s": seconds.
double parseDuration(const QByteArray &text);
/// "100", "1k" (1000), "1K" (1024), "2G": bytes.
qint64 parseSize(const QByteArray &text);
/// -j's forms: "4", "50%", "+1", "-1", "0" (as many as there are inputs, up to 256),
/// against \a cpus.
int parseJobSlots(const QByteArray &text, int cpus);
} // namespace units

} // namespace jobpool
