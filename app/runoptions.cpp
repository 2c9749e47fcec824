// SPDX-License-Identifier: GPL-3.0-or-later
#include "runoptions.h"

#include <QCoreApplication>

#include <cmath>
#include <functional>

namespace jobpool::app {
namespace {

bool isSeparator(const QByteArray &a)
{
    return a == ":::" || a == "::::" || a == ":::+" || a == "::::+";
}

bool isNumber(const QByteArray &a)
{
    bool ok = false;
    return !a.isEmpty() && a.toLongLong(&ok) > 0 && ok;
}

QString text(const QByteArray &bytes)
{
    return QString::fromLocal8Bit(bytes);
}

/// One option: its spellings, whether it takes a value, and what it does with it.
struct Option
{
    QList<QByteArray> names;
    enum class Value { None, Required, OptionalNumber } value = Value::None;
    std::function<void(RunRequest &, const QByteArray &)> apply;
};

template<class Parse>
auto checked(const QByteArray &name, Parse parse)
{
    return [name, parse](RunRequest &r, const QByteArray &v) {
        try {
            parse(r, v);
        } catch (const std::invalid_argument &e) {
            throw UsageError(QStringLiteral("%1: %2")
                                 .arg(text(name), QString::fromUtf8(e.what()))
                                 .toStdString());
        }
    };
}

int parseTries(const QByteArray &v)
{
    bool ok = false;
    const int n = v.toInt(&ok);
    if (!ok || n < 0)
        throw std::invalid_argument("'" + v.toStdString() + "' is not a number of tries");
    return n;
}

int parseCount(const QByteArray &v, const char *what)
{
    bool ok = false;
    const int n = v.toInt(&ok);
    if (!ok || n < 1)
        throw std::invalid_argument("'" + v.toStdString() + "' is not a number of " + what);
    return n;
}

const QList<Option> &options()
{
    using V = Option::Value;
    static const QList<Option> all{
        {{"-j", "--jobs", "-P", "--max-procs"},
         V::Required,
         [](RunRequest &r, const QByteArray &v) {
             r.jobsSpec = v;
             r.jobsGiven = true;
         }},
        {{"-k", "--keep-order"},
         V::None,
         [](RunRequest &r, auto &) { r.options.keepOrder = true; }},
        {{"--tag"}, V::None, [](RunRequest &r, auto &) { r.options.tag = true; }},
        {{"--line-buffer", "--lb"},
         V::None,
         [](RunRequest &r, auto &) { r.options.lineBuffer = true; }},
        {{"--retries"},
         V::Required,
         checked("--retries",
                 [](RunRequest &r, const QByteArray &v) { r.options.tries = parseTries(v); })},
        {{"--timeout"},
         V::Required,
         checked("--timeout",
                 [](RunRequest &r, const QByteArray &v) {
                     if (v.endsWith('%')) {
                         bool ok = false;
                         r.options.timeout.percent = v.chopped(1).toDouble(&ok);
                         if (!ok || r.options.timeout.percent <= 0)
                             throw std::invalid_argument("'" + v.toStdString()
                                                         + "' is not a percentage");
                     } else {
                         r.options.timeout.seconds = units::parseDuration(v);
                     }
                 })},
        {{"--halt", "--halt-on-error"},
         V::Required,
         checked("--halt", [](RunRequest &r,
                              const QByteArray &v) { r.options.halt = HaltPolicy::parse(v); })},
        {{"--memfree"},
         V::Required,
         checked("--memfree",
                 [](RunRequest &r, const QByteArray &v) {
                     r.options.memfreeBytes = units::parseSize(v);
                 })},
        {{"--delay"},
         V::Required,
         checked("--delay",
                 [](RunRequest &r, const QByteArray &v) {
                     r.options.delaySeconds = units::parseDuration(v);
                 })},
        {{"--dry-run", "--dryrun"}, V::None, [](RunRequest &r, auto &) { r.dryRun = true; }},
        {{"--shell"}, V::None, [](RunRequest &r, auto &) { r.options.shell = true; }},
        {{"-0", "--null"}, V::None, [](RunRequest &r, auto &) { r.nullSeparated = true; }},
        {{"-a", "--arg-file"},
         V::Required,
         [](RunRequest &r, const QByteArray &v) {
             r.inputs.append({InputSourceSpec::Kind::File, {}, v, false});
         }},
        {{"--bar"}, V::None, [](RunRequest &r, auto &) { r.bar = true; }},
        {{"--eta"}, V::None, [](RunRequest &r, auto &) { r.eta = true; }},
        {{"--no-progress"}, V::None, [](RunRequest &r, auto &) { r.quiet = true; }},
        {{"--recursive"}, V::None, [](RunRequest &r, auto &) { r.recursive = true; }},
        {{"--include"},
         V::Required,
         [](RunRequest &r, const QByteArray &v) {
             r.includes.append(v);
             r.recursive = true;
         }},
        {{"--exclude"},
         V::Required,
         [](RunRequest &r, const QByteArray &v) {
             r.excludes.append(v);
             r.recursive = true;
         }},
        {{"--slurm"}, V::None, [](RunRequest &r, auto &) { r.options.slurm.enabled = true; }},
        {{"--partition"},
         V::Required,
         [](RunRequest &r, const QByteArray &v) {
             r.options.slurm.enabled = true;
             r.options.slurm.partition = text(v);
         }},
        {{"--time"},
         V::Required,
         [](RunRequest &r, const QByteArray &v) {
             const QString why = SlurmOptions::checkTimeLimit(text(v));
             if (!why.isEmpty())
                 throw UsageError(QStringLiteral("--time: %1").arg(why).toStdString());
             r.options.slurm.enabled = true;
             r.options.slurm.timeLimit = text(v);
         }},
        {{"--slurm-chunk"},
         V::Required,
         checked("--slurm-chunk",
                 [](RunRequest &r, const QByteArray &v) {
                     r.options.slurm.enabled = true;
                     r.options.slurm.inputsPerTask = parseCount(v, "inputs per array task");
                 })},
        {{"--slurm-host"},
         V::Required,
         [](RunRequest &r, const QByteArray &v) {
             r.options.slurm.enabled = true;
             r.options.slurm.loginHost = text(v);
         }},
        {{"--slurm-patience"},
         V::Required,
         checked("--slurm-patience",
                 [](RunRequest &r, const QByteArray &v) {
                     r.options.slurm.patienceSeconds = int(std::ceil(units::parseDuration(v)));
                 })},
        {{"--db"}, V::Required, [](RunRequest &r, const QByteArray &v) { r.database = v; }},
        {{"--results-dir"},
         V::Required,
         [](RunRequest &r, const QByteArray &v) { r.logDirectory = v; }},
        {{"--joblog", "--jl"},
         V::Required,
         [](RunRequest &r, const QByteArray &v) {
             r.joblogAppend = v.startsWith('+');
             r.joblog = r.joblogAppend ? v.mid(1) : v;
         }},
        {{"--resume"},
         V::OptionalNumber,
         [](RunRequest &r, const QByteArray &v) {
             r.resume = ResumeMode::Resume;
             r.resumeBatch = v.toLongLong();
         }},
        {{"--resume-failed"},
         V::OptionalNumber,
         [](RunRequest &r, const QByteArray &v) {
             r.resume = ResumeMode::ResumeFailed;
             r.resumeBatch = v.toLongLong();
         }},
        {{"--retry-failed"},
         V::OptionalNumber,
         [](RunRequest &r, const QByteArray &v) {
             r.resume = ResumeMode::RetryFailed;
             r.resumeBatch = v.toLongLong();
         }},
    };
    return all;
}

/// The option \a argument names, and its value if it came attached ("-j4", "--jobs=4").
const Option *findOption(const QByteArray &argument, QByteArray &attached, bool &hasAttached)
{
    hasAttached = false;
    for (const Option &o : options()) {
        for (const QByteArray &name : o.names) {
            if (argument == name)
                return &o;
            if (o.value == Option::Value::None)
                continue;
            if (name.startsWith("--") && argument.startsWith(QByteArray(name + '='))) {
                attached = argument.mid(name.size() + 1);
                hasAttached = true;
                return &o;
            }
            if (!name.startsWith("--") && argument.size() > 2 && argument.startsWith(name)) {
                attached = argument.mid(name.size());
                hasAttached = true;
                return &o;
            }
        }
    }
    return nullptr;
}

} // namespace

RunRequest parseRunArguments(const QList<QByteArray> &arguments, int cpus)
{
    RunRequest r;
    qsizetype i = 0;
    // Options, up to the first word that is not one (or "--").
    while (i < arguments.size()) {
        const QByteArray &a = arguments[i];
        if (a == "--") {
            ++i;
            break;
        }
        if (!a.startsWith('-') || a == "-" || isSeparator(a))
            break;
        QByteArray value;
        bool attached = false;
        const Option *o = findOption(a, value, attached);
        if (!o)
            throw UsageError(QStringLiteral("unknown option '%1' (see 'jobpool run --help')")
                                 .arg(text(a))
                                 .toStdString());
        ++i;
        if (o->value == Option::Value::Required && !attached) {
            if (i >= arguments.size())
                throw UsageError(
                    QStringLiteral("option '%1' needs a value").arg(text(a)).toStdString());
            value = arguments[i++];
        } else if (o->value == Option::Value::OptionalNumber && !attached && i < arguments.size()
                   && isNumber(arguments[i])) {
            value = arguments[i++];
        }
        o->apply(r, value);
    }
    // The command, up to the first input separator.
    while (i < arguments.size() && !isSeparator(arguments[i]))
        r.command.append(arguments[i++]);
    // Input sources.
    while (i < arguments.size()) {
        const QByteArray separator = arguments[i++];
        const bool files = separator.startsWith("::::");
        const bool linked = separator.endsWith('+');
        if (files) {
            bool first = true;
            for (; i < arguments.size() && !isSeparator(arguments[i]); ++i) {
                InputSourceSpec s;
                s.kind = arguments[i] == "-" ? InputSourceSpec::Kind::Stdin
                                             : InputSourceSpec::Kind::File;
                s.path = arguments[i];
                s.linked = linked && first;
                r.inputs.append(s);
                first = false;
            }
            if (first)
                throw UsageError(QStringLiteral("'%1' needs at least one file")
                                     .arg(text(separator))
                                     .toStdString());
        } else {
            InputSourceSpec s;
            s.kind = InputSourceSpec::Kind::Values;
            s.linked = linked;
            for (; i < arguments.size() && !isSeparator(arguments[i]); ++i)
                s.values.append(arguments[i]);
            r.inputs.append(s);
        }
    }
    if (!r.inputs.isEmpty() && r.inputs.front().linked)
        throw UsageError("':::+' and '::::+' link a source to the one before it; the first "
                         "source has none");
    try {
        r.options.jobSlots = units::parseJobSlots(r.jobsSpec, cpus);
    } catch (const std::invalid_argument &e) {
        throw UsageError(e.what());
    }
    if (r.options.slurm.enabled) {
        // Each of these decides a start on this computer, from its state at that moment.
        if (r.options.memfreeBytes > 0)
            throw UsageError("--memfree cannot be used with --slurm: Slurm decides where and "
                             "when jobs start (ask for memory with the partition)");
        if (r.options.delaySeconds > 0)
            throw UsageError("--delay cannot be used with --slurm: Slurm decides when jobs start");
        if (r.jobsGiven)
            r.options.slurm.maxRunning = r.options.jobSlots; // a throttle on the array
    }
    const bool fromStore = r.resume && r.resumeBatch > 0;
    const bool fromJoblog = r.resume == ResumeMode::RetryFailed && !r.joblog.isEmpty();
    if (r.resume && r.resumeBatch == 0 && r.joblog.isEmpty())
        throw UsageError("--resume, --resume-failed and --retry-failed need a batch number "
                         "(see 'jobpool history') or a --joblog file");
    if (fromStore && (!r.command.isEmpty() || !r.inputs.isEmpty()))
        throw UsageError("a resumed batch runs its own command on its own inputs; give no "
                         "command with --resume N");
    if (r.command.isEmpty() && !fromStore && !fromJoblog)
        throw UsageError("no command given (see 'jobpool run --help')");
    return r;
}

QString runUsage()
{
    return QCoreApplication::translate(
        "jobpool",
        "Usage: jobpool run [OPTIONS] COMMAND [ARGS…] [::: VALUES…] [:::: FILES…]\n"
        "\n"
        "Runs COMMAND once per input in a pool of worker processes, as GNU parallel does.\n"
        "Replacement strings: {} {.} {/} {//} {/.} {#} {%} and {n} {n.}… for source n;\n"
        "without any, {} is appended. Inputs: ::: values, :::: files of lines, :::+/::::+\n"
        "link a source to the previous one; without either, lines on stdin. Every job is\n"
        "kept in the job store: see 'jobpool history' and 'jobpool show'.\n"
        "\n"
        "Options (GNU parallel's meanings):\n"
        "  -j, --jobs N|N%|+N|-N  job slots (default 100%: one per CPU)\n"
        "  -k, --keep-order       print output in input order\n"
        "      --tag              prefix output lines with the input\n"
        "      --line-buffer      print output line by line as it comes\n"
        "      --retries N        run a failing job up to N times\n"
        "      --timeout SECS|P%  kill a job after SECS, or P% of the median run time\n"
        "      --halt WHEN,WHY=N  now|soon,fail|success|done=N or N%\n"
        "      --memfree SIZE     start no job while less memory is free\n"
        "      --delay SECS       wait this long between two job starts\n"
        "      --dry-run          print the commands, run nothing\n"
        "  -0, --null             inputs are separated by NUL, not newline\n"
        "  -a, --arg-file FILE    an input source, like :::: FILE\n"
        "      --bar, --eta       a progress bar / an estimate of the time left\n"
        "      --joblog [+]FILE   write parallel's joblog (+: append)\n"
        "      --resume [N]       finish batch N (or, with --joblog, what it lacks)\n"
        "      --resume-failed [N]  the same, running failed jobs again too\n"
        "      --retry-failed [N]   only run the failed jobs again\n"
        "JobPool's own:\n"
        "      --shell            run the command through /bin/sh -c, inputs quoted\n"
        "      --recursive        expand directories among the inputs into their files\n"
        "      --include GLOB, --exclude GLOB  which files (imply --recursive)\n"
        "      --db FILE          the job store (default: in your data directory)\n"
        "      --results-dir DIR  where each job's stdout and stderr logs go\n"
        "      --no-progress      no progress line, even on a terminal\n"
        "On a Slurm cluster (see docs/SLURM.md):\n"
        "      --slurm            run the jobs as one Slurm job array, not here\n"
        "      --partition P      the partition (implies --slurm)\n"
        "      --time T           each array task's time limit, as sbatch takes it\n"
        "      --slurm-chunk N    inputs per array task (default: 1, up to 1,000 tasks)\n"
        "      --slurm-host HOST  run sbatch, squeue and scancel through ssh HOST\n"
        "      --slurm-patience SECS  how long the controller may be unreachable (120)\n"
        "  With --slurm, -j N lets at most N array tasks run at once.\n"
        "\n"
        "Exit status: the number of failed jobs (101 for more than 100), 255 on other\n"
        "errors.\n");
}

} // namespace jobpool::app
