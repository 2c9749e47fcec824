// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <jobpool/batchoptions.h>
#include <jobpool/jobstore.h>

#include <QByteArray>
#include <QList>
#include <QString>

#include <optional>
#include <stdexcept>

namespace jobpool::app {

/// A command line `jobpool run` cannot make sense of; what() says why, in words.
class UsageError : public std::runtime_error
{
public:
    using std::runtime_error::runtime_error;
};

/// One input source, in command-line order.
struct InputSourceSpec
{
    enum class Kind { Values, File, Stdin };
    Kind kind = Kind::Stdin;
    QList<QByteArray> values; ///< Values: the arguments after :::
    QByteArray path;          ///< File: after :::: or -a
    bool linked = false;      ///< :::+ / ::::+ — paired with the previous source, not crossed
};

/// Everything `jobpool run` was asked to do, parsed but not yet checked against the
/// world (files, the store).
struct RunRequest
{
    BatchOptions options;
    QByteArray jobsSpec = "100%"; ///< -j as given; resolved into options.jobSlots
    bool jobsGiven = false;       ///< -j was on the command line (with --slurm: a throttle)
    bool dryRun = false;
    bool nullSeparated = false; ///< -0 / --null
    bool bar = false;
    bool eta = false;
    bool quiet = false;     ///< --no-progress: no progress line even on a terminal
    bool recursive = false; ///< expand directories among the inputs into their files
    QList<QByteArray> includes;
    QList<QByteArray> excludes;
    QByteArray database;              ///< --db; empty: the default store
    QByteArray logDirectory;          ///< --results-dir; empty: next to the store
    QByteArray joblog;                ///< --joblog
    bool joblogAppend = false;        ///< --joblog +FILE
    std::optional<ResumeMode> resume; ///< --resume, --resume-failed, --retry-failed
    qint64 resumeBatch = 0;           ///< --resume N; 0: resume from the joblog, as parallel does
    QList<QByteArray> command;
    QList<InputSourceSpec> inputs; ///< empty: lines on stdin
};

/// Parses the arguments after `run`, as GNU parallel would: options first, then the
/// command, then the input sources. Throws UsageError.
RunRequest parseRunArguments(const QList<QByteArray> &arguments, int cpus);

/// `jobpool run --help`.
QString runUsage();

} // namespace jobpool::app
