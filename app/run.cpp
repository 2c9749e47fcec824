// SPDX-License-Identifier: GPL-3.0-or-later
#include "run.h"

#include "interrupts.h"
#include "output.h"
#include "progress.h"
#include "runoptions.h"

#include <jobpool/batchrunner.h>
#include <jobpool/commandtemplate.h>
#include <jobpool/errors.h>
#include <jobpool/inputplan.h>
#include <jobpool/joblog.h>
#include <jobpool/jobstore.h>
#include <jobpool/pathexpansion.h>

#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFileInfo>
#include <QThread>
#include <QTimer>

#include <algorithm>
#include <cstdio>
#include <optional>

#include <sys/ioctl.h>
#include <unistd.h>

namespace jobpool::app {
namespace {

int fail(const QString &message)
{
    std::fprintf(stderr, "jobpool run: %s\n", message.toLocal8Bit().constData());
    return 255;
}

void warn(const QString &message)
{
    std::fprintf(stderr, "jobpool run: warning: %s\n", message.toLocal8Bit().constData());
}

QString storePath(const RunRequest &r)
{
    return r.database.isEmpty() ? JobStore::defaultPath() : QFile::decodeName(r.database);
}

/// The worker program next to this one: the app's pool runs its jobs there.
QString workerProgram()
{
    const QString next = QCoreApplication::applicationDirPath() + QStringLiteral("/jobpool-worker");
    if (!QFileInfo(next).isExecutable())
        throw PoolError(QStringLiteral("cannot find the worker program %1").arg(next));
    return next;
}

InputSource::Separator separator(const RunRequest &r)
{
    return r.nullSeparated ? InputSource::Separator::Nul : InputSource::Separator::Newline;
}

InputSource openSource(const RunRequest &r, const InputSourceSpec &spec)
{
    switch (spec.kind) {
    case InputSourceSpec::Kind::Values:
        return InputSource::fromList(spec.values);
    case InputSourceSpec::Kind::File:
        return InputSource::fromFile(spec.path, separator(r));
    case InputSourceSpec::Kind::Stdin:
        break;
    }
    return InputSource::fromStdin(separator(r));
}

/// The inputs, as parallel combines them; with --recursive, folders among the values
/// become the files in them.
InputPlan buildPlan(const RunRequest &r)
{
    QList<InputSourceSpec> specs = r.inputs;
    if (specs.isEmpty())
        specs.append(InputSourceSpec{});
    InputPlan plan;
    for (const InputSourceSpec &spec : specs) {
        InputSource source = openSource(r, spec);
        if (r.recursive) {
            const ExpandedPaths found = expandPaths(source.readAll(), r.includes, r.excludes);
            for (const PathWarning &w : found.warnings)
                warn(w.message);
            source = InputSource::fromList(found.files);
        }
        plan.add(std::move(source),
                 spec.linked ? InputPlan::Link::Linked : InputPlan::Link::Product);
    }
    return plan;
}

CommandTemplate parseCommand(const QList<QByteArray> &argv, bool shell, int sources)
{
    CommandTemplate::Options options;
    options.shell = shell;
    options.sources = std::max(1, sources);
    return CommandTemplate::parse(argv, options);
}

int dryRun(const RunRequest &r)
{
    InputPlan plan = buildPlan(r);
    const CommandTemplate command = parseCommand(r.command, r.options.shell, plan.sourceCount());
    QList<QByteArray> values;
    for (qint64 seq = 1; plan.next(values); ++seq) {
        const int slot = int((seq - 1) % r.options.jobSlots) + 1;
        const QByteArray line =
            CommandTemplate::displayCommand(command.expand(values, seq, slot)) + '\n';
        std::fwrite(line.constData(), 1, size_t(line.size()), stdout);
    }
    return 0;
}

QList<JobState> statesFor(ResumeMode mode)
{
    switch (mode) {
    case ResumeMode::Resume:
        return {JobState::Pending, JobState::Interrupted, JobState::Skipped};
    case ResumeMode::ResumeFailed:
        return {JobState::Pending, JobState::Interrupted, JobState::Skipped, JobState::Failed};
    case ResumeMode::RetryFailed:
        return {JobState::Failed};
    }
    return {};
}

/// Where a batch's job logs go: --results-dir, or beside the store.
QByteArray logDirectoryFor(const RunRequest &r, const JobStore &store, qint64 batch)
{
    const QString parent = QFile::decodeName(r.logDirectory);
    const QByteArray dir = store.createLogDirectory(batch, parent);
    if (dir.isEmpty())
        throw PoolError(
            QStringLiteral("cannot create the log folder for batch %1 in %2")
                .arg(batch)
                .arg(parent.isEmpty() ? QFileInfo(store.path()).absolutePath() : parent));
    return dir;
}

struct Prepared
{
    qint64 batch = 0;
    CommandTemplate command;
    BatchOptions options;
    QByteArray logDirectory;
    qint64 total = 0;
    ResumeMode mode = ResumeMode::Resume;
    bool runSkipped = true; ///< false for a fresh batch, whose skipped jobs a joblog had
    /// --retry-failed from a joblog: job n is the joblog's job joblogSeqs[n - 1], and its
    /// one input the command written there.
    QList<qint64> joblogSeqs;
};

/// `--resume N`, `--resume-failed N`, `--retry-failed N`: a batch of the store, again.
Prepared resumeFromStore(const RunRequest &r, JobStore &store)
{
    Prepared p;
    p.batch = r.resumeBatch;
    store.claimBatch(p.batch);
    const std::optional<BatchRecord> record = store.batch(p.batch);
    if (!record)
        throw StoreError(
            StoreError::Reason::NotFound, store.path(),
            QStringLiteral("there is no batch %1 (see 'jobpool history')").arg(p.batch));
    p.options = BatchOptions::fromJson(record->options);
    p.command = parseCommand(record->templateArgv, record->shell,
                             record->options.value(QStringLiteral("sources")).toInt(1));
    p.mode = *r.resume;
    p.logDirectory = record->logDirectory;
    if (p.logDirectory.isEmpty())
        p.logDirectory = logDirectoryFor(r, store, p.batch);
    p.total = store.jobCount(p.batch, statesFor(p.mode));
    // Its jobs run where the batch was started, wherever --resume is given.
    const QString folder = QFile::decodeName(record->workingDirectory);
    if (!folder.isEmpty() && !QDir::setCurrent(folder))
        throw PoolError(QStringLiteral("cannot change to the batch's folder %1").arg(folder));
    return p;
}

/// A new batch: every input goes into the store before the first job starts, so that
/// nothing is lost whatever happens next. With a --joblog and --resume/--resume-failed,
/// the jobs the joblog already has are marked skipped, as parallel skips them.
Prepared newBatch(const RunRequest &r, JobStore &store)
{
    Prepared p;
    p.options = r.options;
    p.runSkipped = false;
    std::optional<JoblogSummary> previous;
    RunRequest request = r;
    if (r.resume && QFileInfo::exists(QFile::decodeName(r.joblog)))
        previous = JobLog::read(QFile::decodeName(r.joblog));
    if (r.resume == ResumeMode::RetryFailed) {
        // parallel's --retry-failed runs the failed commands of the joblog, as written, in
        // seq order, and logs them under their own seq.
        QList<QByteArray> commands;
        if (previous) {
            p.joblogSeqs = previous->failed.keys();
            std::sort(p.joblogSeqs.begin(), p.joblogSeqs.end());
            for (const qint64 seq : std::as_const(p.joblogSeqs))
                commands.append(previous->failed.value(seq));
        }
        request.command = {"/bin/sh", "-c", "{}"};
        request.inputs = {InputSourceSpec{InputSourceSpec::Kind::Values, commands, {}, false}};
        request.options.shell = false;
        previous.reset();
    }
    InputPlan plan = buildPlan(request);
    p.command = parseCommand(request.command, request.options.shell, plan.sourceCount());

    BatchSpec spec;
    spec.templateArgv = request.command;
    spec.shell = request.options.shell;
    QJsonObject options = request.options.toJson();
    options.insert(QStringLiteral("sources"), plan.sourceCount());
    spec.options = options;
    spec.workingDirectory = QFile::encodeName(QDir::currentPath());
    p.batch = store.createBatch(spec);
    p.logDirectory = logDirectoryFor(r, store, p.batch);
    store.setLogDirectory(p.batch, p.logDirectory);
    p.total =
        store.addJobs(p.batch, [&plan](QList<QByteArray> &values) { return plan.next(values); });
    if (previous) {
        const bool failedToo = r.resume == ResumeMode::ResumeFailed;
        const qint64 jobs = p.total; // the loop counts p.total down
        for (qint64 seq = 1; seq <= jobs; ++seq) {
            if (previous->succeeded.contains(seq)
                || (!failedToo && previous->failed.contains(seq))) {
                store.jobFinished({p.batch, seq}, JobResult{0, {}, JobState::Skipped});
                --p.total;
            }
        }
        store.flush();
    }
    return p;
}

JoblogEntry joblogEntry(const BatchJob &job, const Prepared &p)
{
    const ExecResult &r = job.result;
    const bool killed = r.signal != 0 || r.timedOut;
    const bool retried = job.seq <= p.joblogSeqs.size();
    return JoblogEntry{retried ? p.joblogSeqs[job.seq - 1] : job.seq,
                       double(r.startedAtMs) / 1000.0,
                       double(r.wallUs) / 1e6,
                       QFileInfo(QFile::decodeName(job.stdoutPath)).size(),
                       killed ? -1 : r.exitCode,
                       r.signal,
                       retried ? job.inputs.value(0) : JobLog::shellJoin(job.argv)};
}

/// Brings a resumed batch's joblog up to date with the store: a job the store has as ended
/// but the joblog lacks (\a listed) gets its line, from its last attempt. Those are the
/// jobs whose end a killed runner had committed, or its workers journalled, before it
/// could write their lines.
void completeJoblog(JobLog &joblog, const JoblogSummary &listed, JobStore &store, const Prepared &p)
{
    for (const JobRecord &job : store.jobs(p.batch, {JobState::Done, JobState::Failed})) {
        if (listed.listed(job.seq))
            continue;
        const AttemptRecord &a = job.lastAttempt;
        BatchJob ended;
        ended.seq = job.seq;
        ended.inputs = job.inputs;
        ended.argv = p.command.expand(job.inputs, job.seq, std::max(1, a.slot));
        ended.stdoutPath = a.stdoutPath;
        ended.result.startedAtMs = a.startedAtMs;
        ended.result.wallUs = a.wallUs;
        ended.result.exitCode = a.exitCode.value_or(-1);
        ended.result.signal = a.signal;
        ended.result.timedOut = a.timedOut;
        joblog.write(joblogEntry(ended, p));
    }
    joblog.flush();
}

int terminalWidth()
{
    winsize size{};
    if (::ioctl(STDERR_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 0)
        return size.ws_col;
    return 80;
}

int execute(const RunRequest &r)
{
    if (r.dryRun)
        return dryRun(r);
    // Named from here: a resumed batch runs in its own folder.
    const QString joblogPath =
        r.joblog.isEmpty() ? QString() : QFileInfo(QFile::decodeName(r.joblog)).absoluteFilePath();
    JobStore store = JobStore::open(storePath(r));
    Prepared p = r.resume && r.resumeBatch > 0 ? resumeFromStore(r, store) : newBatch(r, store);
    std::optional<JobLog> joblog;
    if (!joblogPath.isEmpty()) {
        const bool resumed = r.resume && r.resumeBatch > 0;
        const JoblogSummary listed =
            resumed && QFileInfo::exists(joblogPath) ? JobLog::read(joblogPath) : JoblogSummary{};
        joblog.emplace(joblogPath, r.joblogAppend || r.resume.has_value());
        if (resumed)
            completeJoblog(*joblog, listed, store, p);
    }

    BatchRunner::Setup setup;
    setup.store = &store;
    setup.batch = p.batch;
    setup.command = &p.command;
    setup.options = p.options;
    setup.source = jobsFromStore(store, p.batch, p.mode, p.runSkipped);
    setup.totalJobs = p.total;
    setup.logDirectory = p.logDirectory;
    setup.workerProgram = workerProgram();
    setup.pipelined = true;
    BatchRunner runner(std::move(setup));

    OutputPrinter printer({p.options.keepOrder, p.options.tag, p.options.lineBuffer}, stdout,
                          stderr);
    const bool showProgress = !r.quiet && (r.bar || r.eta || ::isatty(STDERR_FILENO));
    const ProgressLine progress((r.bar ? ProgressLine::Bar : 0) | (r.eta ? ProgressLine::Eta : 0),
                                terminalWidth() - 1);
    QElapsedTimer clock;
    clock.start();
    bool progressShown = false;
    auto clearProgress = [&] {
        if (progressShown)
            std::fputs("\r\x1b[K", stderr);
        progressShown = false;
    };
    auto drawProgress = [&] {
        const BatchCounts c = runner.counts();
        const QByteArray line = progress.render(
            {c.total, c.finished(), c.failed, c.running, double(clock.elapsed()) / 1000.0});
        std::fprintf(stderr, "\r%s\x1b[K", line.constData());
        std::fflush(stderr);
        progressShown = true;
    };

    QObject::connect(&runner, &BatchRunner::jobStarted, &runner,
                     [&](const BatchJob &job) { printer.started(job.seq); });
    QObject::connect(&runner, &BatchRunner::jobFinished, &runner, [&](const BatchJob &job) {
        clearProgress();
        printer.finished(job.seq, job.inputs, job.stdoutPath, job.stderrPath);
        if (!job.result.error.isEmpty())
            std::fprintf(stderr, "jobpool run: job %lld: %s\n", qlonglong(job.seq),
                         job.result.error.toLocal8Bit().constData());
        if (joblog) {
            joblog->write(joblogEntry(job, p));
            joblog->flush();
        }
    });
    QTimer ticker;
    ticker.setInterval(p.options.lineBuffer ? 50 : 200);
    QObject::connect(&ticker, &QTimer::timeout, &runner, [&] {
        if (p.options.lineBuffer) {
            clearProgress();
            for (const BatchJob *job : runner.runningJobs())
                printer.poll(job->seq, job->inputs, job->stdoutPath, job->stderrPath);
        }
        if (showProgress)
            drawProgress();
    });
    ticker.start();

    Interrupts interrupts;
    QObject::connect(&interrupts, &Interrupts::interrupted, &runner, [&](int count) {
        clearProgress();
        if (count == 1) {
            std::fprintf(stderr,
                         "jobpool run: stopping: no new jobs; the %lld running get "
                         "SIGTERM (Ctrl-C again: SIGKILL now)\n",
                         qlonglong(runner.counts().running));
            runner.stop(BatchRunner::Stop::Terminate);
        } else {
            runner.stop(BatchRunner::Stop::Kill);
        }
    });

    QEventLoop loop;
    QObject::connect(&runner, &BatchRunner::finished, &loop, &QEventLoop::quit);
    runner.start();
    if (!runner.isFinished())
        loop.exec();
    ticker.stop();
    printer.flushHeld();
    if (showProgress) {
        drawProgress();
        std::fputc('\n', stderr);
    }
    if (!runner.storeError().isEmpty())
        std::fprintf(stderr, "jobpool run: %s\n", runner.storeError().toLocal8Bit().constData());
    if (!runner.executorError().isEmpty())
        std::fprintf(stderr, "jobpool run: %s; resume it with 'jobpool run --resume %lld'\n",
                     runner.executorError().toLocal8Bit().constData(), qlonglong(p.batch));
    if (runner.counts().interrupted > 0 || runner.exitStatus() == 255)
        std::fprintf(stderr,
                     "jobpool run: batch %lld stopped; 'jobpool run --resume %lld' "
                     "finishes it\n",
                     qlonglong(p.batch), qlonglong(p.batch));
    return runner.exitStatus();
}

} // namespace

int runBatchCommand(const QList<QByteArray> &arguments)
{
    if (!arguments.isEmpty() && (arguments.front() == "-h" || arguments.front() == "--help")) {
        std::fputs(runUsage().toLocal8Bit().constData(), stdout);
        return 0;
    }
    try {
        return execute(parseRunArguments(arguments, QThread::idealThreadCount()));
    } catch (const UsageError &e) {
        return fail(QString::fromLocal8Bit(e.what()));
    } catch (const Error &e) {
        return fail(QString::fromUtf8(e.what()));
    }
}

} // namespace jobpool::app
