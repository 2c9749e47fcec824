// SPDX-License-Identifier: GPL-3.0-or-later
#include "builtinexec.h"
#include "journal.h"
#include "localexecutor.h"
#include "slurmexecutor.h"

#include <jobpool/batchrunner.h>
#include <jobpool/commandtemplate.h>
#include <jobpool/jobstore.h>
#include <jobpool/pool.h>

#include <QCoreApplication>
#include <QDateTime>
#include <QFile>

#include <algorithm>
#include <cmath>
#include <csignal>

namespace jobpool {
namespace {

constexpr int kCommitIntervalMs = 20;
constexpr int kResignalIntervalMs = 100;
constexpr int kMemoryPollMs = 100;
constexpr int kWorkerPollMs = 5;

/// MemAvailable from /proc/meminfo, in bytes; -1 when unknown.
qint64 availableMemory()
{
    QFile meminfo(QStringLiteral("/proc/meminfo"));
    if (!meminfo.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray &line : meminfo.readAll().split('\n')) {
        if (line.startsWith("MemAvailable:"))
            return line.mid(13).trimmed().split(' ').first().toLongLong() * 1024;
    }
    return -1;
}

/// When the process \a pid started, in clock ticks since boot; 0 when it is gone.
qint64 processStartTicks(qint64 pid)
{
    QFile stat(QStringLiteral("/proc/%1/stat").arg(pid));
    if (!stat.open(QIODevice::ReadOnly))
        return 0;
    const QByteArray text = stat.readAll();
    const QList<QByteArray> fields = text.mid(text.lastIndexOf(')') + 2).split(' ');
    return fields.value(19).toLongLong(); // field 22 of the whole line
}

} // namespace

BatchRunner::BatchRunner(Setup setup, QObject *parent)
    : QObject(parent)
    , m_setup(std::move(setup))
{
    m_counts.total = m_setup.totalJobs;
    m_setup.options.jobSlots = std::max(1, m_setup.options.jobSlots);
    m_pipelined =
        m_setup.pipelined && !m_setup.options.slurm.enabled && !m_setup.command->usesSlot()
        && m_setup.options.delaySeconds <= 0 && m_setup.options.memfreeBytes <= 0
        && m_setup.options.halt.when == HaltPolicy::When::Never && !m_setup.logDirectory.isEmpty();
    m_slotsInUse.assign(std::size_t(m_setup.options.jobSlots), false);
    m_commitTimer.setInterval(kCommitIntervalMs);
    connect(&m_commitTimer, &QTimer::timeout, this, &BatchRunner::commit);
    m_retryTimer.setSingleShot(true);
    connect(&m_retryTimer, &QTimer::timeout, this, &BatchRunner::fill);
    m_killTimer.setInterval(kResignalIntervalMs);
    connect(&m_killTimer, &QTimer::timeout, this, [this] {
        const bool graceOver = m_sinceStop.elapsed() >= m_setup.terminateGraceMs;
        signalRunning(graceOver || m_killNow ? SIGKILL : SIGTERM);
    });
    m_cancelTimer.setInterval(kResignalIntervalMs);
    connect(&m_cancelTimer, &QTimer::timeout, this, &BatchRunner::signalCancelled);
}

BatchRunner::~BatchRunner() = default;

void BatchRunner::start()
{
    holdWaitingJobs(false); // a hold file a killed stopping runner left behind
    if (m_setup.options.slurm.enabled) {
        detail::SlurmExecutor::Setup slurm;
        slurm.options = m_setup.options.slurm;
        slurm.folder = m_setup.logDirectory;
        slurm.batch = m_setup.batch;
        slurm.program = m_setup.slurmProgram.isEmpty() ? QCoreApplication::applicationFilePath()
                                                       : m_setup.slurmProgram;
        slurm.throttle = m_setup.options.slurm.maxRunning;
        slurm.failed = [this](const QString &error) { executorFailed(error); };
        m_executor = std::make_unique<detail::SlurmExecutor>(std::move(slurm), this);
    } else {
        PoolOptions options;
        options.workers = m_setup.options.jobSlots;
        options.workerProgram = m_setup.workerProgram;
        options.maxWorkerMemory = m_setup.maxWorkerMemory;
        // With a slot per CPU, workers that start commands keep to a CPU each (the commands
        // do not): the kernel then no longer queues a worker behind another's command while
        // a CPU idles, worth 6-10% on short jobs (docs/BENCHMARKS.md). Not for the
        // built-ins, which are the work itself and must be free to leave a busy CPU.
        options.pinWorkers = m_setup.command->isShell()
                             || !detail::isBuiltinCommand(m_setup.command->arguments().value(0));
        m_executor = std::make_unique<detail::LocalExecutor>(options, this);
    }
    m_commitTimer.start();
    if (m_setup.options.delaySeconds <= 0) {
        fill();
        return;
    }
    // --delay spaces the jobs' real starts. The first waits for a ready worker (for one delay
    // at most), lest it start late in a worker still starting up while the delay runs.
    QElapsedTimer waited;
    waited.start();
    const auto whenReady = [this, waited](const auto &self) -> void {
        const QList<WorkerInfo> workers = m_executor->workers();
        const bool ready = std::any_of(workers.cbegin(), workers.cend(), [](const WorkerInfo &w) {
            return w.state == WorkerInfo::State::Idle;
        });
        if (ready || m_stopping || waited.elapsed() >= qint64(m_setup.options.delaySeconds * 1000))
            fill();
        else
            QTimer::singleShot(kWorkerPollMs, this, [self] { self(self); });
    };
    whenReady(whenReady);
}

void BatchRunner::fill()
{
    // The jobs that ended are committed before their slots take others, so that after a
    // kill -9 only the jobs running then (one per slot) run again on --resume. Pipelined,
    // the journal does that, and each worker has a job waiting (and the pool more than one
    // for each, which is when it queues a second in a worker), so that no slot waits for
    // this process between two jobs.
    if (!m_pipelined && !m_uncommittedEnds.empty() && !m_stopping && !m_paused
        && m_running.size() < std::size_t(m_setup.options.jobSlots))
        commit();
    const std::size_t inFlight = m_executor->capacity(m_setup.options.jobSlots, m_pipelined);
    while (!m_stopping && !m_paused && m_running.size() < inFlight) {
        if (!mayStartNow())
            return;
        BatchJob job;
        if (!m_retries.empty()) {
            job = std::move(m_retries.front());
            m_retries.pop_front();
        } else if (m_sourceDone || !m_setup.source(job)) {
            m_sourceDone = true;
            break;
        } else if (m_ranAgain.contains(job.seq)) {
            continue; // runAgain() took it
        }
        if (m_cancelled.remove(job.seq))
            continue; // counted and stored as skipped by cancel() and its caller
        launch(std::move(job));
    }
    finishIfDone();
}

bool BatchRunner::mayStartNow()
{
    const BatchOptions &o = m_setup.options;
    if (o.delaySeconds > 0 && m_sinceLastStart.isValid()) {
        const qint64 wait = qint64(o.delaySeconds * 1000) - m_sinceLastStart.elapsed();
        if (wait > 0) {
            m_retryTimer.start(int(std::min<qint64>(wait, 60000)));
            return false;
        }
    }
    if (o.memfreeBytes > 0 && !m_running.empty()) {
        const qint64 available = availableMemory();
        if (available >= 0 && available < o.memfreeBytes) {
            m_retryTimer.start(kMemoryPollMs);
            return false;
        }
    }
    return true;
}

int BatchRunner::slotOfWorker(qint64 pid)
{
    // In the order the workers first report; a worker started for one that died gets a
    // new number.
    const auto [it, added] = m_workerSlots.try_emplace(pid, int(m_workerSlots.size()) + 1);
    return it->second;
}

QByteArray BatchRunner::folderFile(const char *name) const
{
    return m_setup.logDirectory + '/' + name;
}

void BatchRunner::holdWaitingJobs(bool hold)
{
    if (!m_pipelined)
        return;
    const QString path = QFile::decodeName(folderFile(detail::kHoldName));
    if (!hold) {
        QFile::remove(path);
        return;
    }
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        qWarning("jobpool: cannot create %s: %s: jobs waiting in a worker may still start",
                 qPrintable(path), qPrintable(file.errorString()));
}

int BatchRunner::takeSlot()
{
    auto free = std::find(m_slotsInUse.begin(), m_slotsInUse.end(), false);
    if (free == m_slotsInUse.end()) { // more slots than ever before (setJobSlots)
        m_slotsInUse.push_back(false);
        free = m_slotsInUse.end() - 1;
    }
    *free = true;
    return int(free - m_slotsInUse.begin()) + 1;
}

qint64 BatchRunner::currentTimeoutMs() const
{
    const Timeout &t = m_setup.options.timeout;
    if (t.seconds > 0)
        return std::max<qint64>(1, qint64(t.seconds * 1000));
    if (t.percent > 0 && m_successfulSeconds.size() >= 3) {
        std::vector<double> sorted = m_successfulSeconds;
        std::nth_element(sorted.begin(), sorted.begin() + qsizetype(sorted.size() / 2),
                         sorted.end());
        const double median = sorted[sorted.size() / 2];
        return std::max<qint64>(1, qint64(median * t.percent / 100.0 * 1000));
    }
    return 0;
}

void BatchRunner::launch(BatchJob job)
{
    ++job.attempt;
    // Pipelined: its worker's, known at its end. On Slurm, there are no slots.
    job.slot = m_pipelined || m_setup.options.slurm.enabled ? 0 : takeSlot();
    job.argv = m_setup.command->expand(job.inputs, job.seq, job.slot);
    job.stdoutPath = detail::jobLogPath(m_setup.logDirectory, job.seq, job.attempt, ".out");
    job.stderrPath = detail::jobLogPath(m_setup.logDirectory, job.seq, job.attempt, ".err");
    job.result = {};
    job.outcome = BatchJob::Outcome::Pending;
    job.started = false;
    job.launchedAtMs = QDateTime::currentMSecsSinceEpoch();

    ExecRequest request;
    request.argv = job.argv;
    request.stdoutPath = job.stdoutPath;
    request.stderrPath = job.stderrPath;
    request.timeoutMs = currentTimeoutMs();
    request.logsWhileRunning = m_setup.options.lineBuffer;
    request.tag = job.seq;
    request.workingDirectory = m_setup.workingDirectory;
    request.attempt = job.attempt;
    if (m_pipelined) {
        request.journalPath = folderFile(detail::kJournalName);
        request.holdPath = folderFile(detail::kHoldName);
    }

    auto running = std::make_shared<BatchJob>(std::move(job));
    m_running.push_back(running);
    m_sinceLastStart.start();
    detail::BatchExecutor::Attempt attempt;
    attempt.request = std::move(request);
    attempt.started = [this, running] { markStarted(running); };
    attempt.done = [this, running](ExecResult result) { onResult(running, std::move(result)); };
    m_executor->submit(std::move(attempt));
}

void BatchRunner::markStarted(const std::shared_ptr<BatchJob> &job)
{
    if (job->started)
        return;
    job->started = true;
    if (m_setup.options.slurm.enabled)
        job->launchedAtMs = QDateTime::currentMSecsSinceEpoch(); // submitted earlier
    if (m_pipelined)
        emit jobStarted(*job); // its start is stored with its end
    else
        m_uncommittedStarts.push_back(std::make_shared<BatchJob>(*job));
    ++m_counts.running;
}

void BatchRunner::executorFailed(const QString &error)
{
    if (m_executorError.isEmpty())
        m_executorError = error;
    stopInternally(Stop::Terminate); // what it had not finished ends interrupted
}

void BatchRunner::onResult(std::shared_ptr<BatchJob> job, ExecResult result)
{
    m_running.erase(std::find(m_running.begin(), m_running.end(), job));
    if (m_pausedJobs.remove(job->seq))
        emit jobPauseChanged(job->seq, false);
    markStarted(job); // an attempt that ended before its executor saw it start
    --m_counts.running;
    if (result.held) { // it waited in a worker while the batch stopped: it never started
        --job->attempt;
        m_retries.push_front(*job);
        QMetaObject::invokeMethod(this, &BatchRunner::fill, Qt::QueuedConnection);
        return;
    }
    if (m_pipelined) {
        job->slot = slotOfWorker(result.workerPid);
        m_uncommittedStarts.push_back(job);
    } else if (job->slot > 0) {
        m_slotsInUse[std::size_t(job->slot - 1)] = false;
    }
    job->result = std::move(result);
    const ExecResult &r = job->result;

    if (m_cancelled.remove(job->seq)) {
        job->outcome = BatchJob::Outcome::Cancelled;
        settle(job);
    } else if (m_memoryKillPid != 0 && r.pid == m_memoryKillPid) {
        // Killed to free memory (--memfree): not its fault; it runs again later.
        m_memoryKillPid = 0;
        job->outcome = BatchJob::Outcome::Interrupted;
        m_uncommittedEnds.push_back(std::make_shared<BatchJob>(*job));
        --job->attempt;
        m_retries.push_back(*job);
    } else if (m_killing && !r.succeeded() && (r.signal != 0 || !r.error.isEmpty())) {
        job->outcome = BatchJob::Outcome::Interrupted; // stopped, not failed: --resume runs it
        settle(job);
    } else if (r.succeeded()) {
        job->outcome = BatchJob::Outcome::Done;
        m_successfulSeconds.push_back(double(r.wallUs) / 1e6);
        settle(job);
    } else if (!m_stopping
               && (m_setup.options.tries == 0 || job->attempt < m_setup.options.tries)) {
        job->outcome = BatchJob::Outcome::Failed; // this attempt; the job goes round again
        m_uncommittedEnds.push_back(std::make_shared<BatchJob>(*job));
        m_retries.push_back(*job);
    } else {
        job->outcome = BatchJob::Outcome::Failed;
        settle(job);
    }
    // Queued, so that results arriving together share fill()'s commit.
    QMetaObject::invokeMethod(this, &BatchRunner::fill, Qt::QueuedConnection);
}

void BatchRunner::settle(std::shared_ptr<BatchJob> job)
{
    switch (job->outcome) {
    case BatchJob::Outcome::Done:
        ++m_counts.done;
        break;
    case BatchJob::Outcome::Failed:
        ++m_counts.failed;
        break;
    case BatchJob::Outcome::Interrupted:
        ++m_counts.interrupted;
        break;
    case BatchJob::Outcome::Cancelled:
        ++m_counts.cancelled;
        break;
    case BatchJob::Outcome::Pending:
        break;
    }
    m_uncommittedEnds.push_back(job);
    m_finalEnds.insert(job.get());
    checkHalt(*job);
}

void BatchRunner::checkHalt(const BatchJob &job)
{
    const HaltPolicy &h = m_setup.options.halt;
    if (h.when == HaltPolicy::When::Never || m_stopping)
        return;
    const qint64 n = h.count == HaltPolicy::Count::Fail      ? m_counts.failed
                     : h.count == HaltPolicy::Count::Success ? m_counts.done
                                                             : m_counts.finished();
    double threshold = h.threshold;
    if (h.percent) {
        if (m_counts.total <= 0)
            return; // a percentage of an unknown number of jobs: never reached
        threshold = std::ceil(double(m_counts.total) * h.threshold / 100.0);
    }
    if (double(n) < threshold)
        return;
    m_halted = true;
    if (h.count == HaltPolicy::Count::Fail) {
        if (h.percent)
            m_haltStatus = int(m_counts.failed * 100 / std::max<qint64>(1, m_counts.total));
        else if (h.threshold == 1)
            m_haltStatus = job.result.signal != 0 ? 128 + job.result.signal
                                                  : std::clamp(job.result.exitCode, 1, 255);
    } else if (h.count == HaltPolicy::Count::Success) {
        m_haltStatus = 0;
    }
    stopInternally(h.when == HaltPolicy::When::Now ? Stop::Terminate : Stop::Soon);
}

void BatchRunner::stop(Stop how)
{
    m_stoppedByUser = true;
    stopInternally(how);
}

void BatchRunner::stopInternally(Stop how)
{
    m_stopping = true;
    resumePausedJobs(); // nothing is left stopped: they finish, or take the signals below
    holdWaitingJobs(true);
    m_retryTimer.stop();
    if (how != Stop::Soon) {
        m_killing = true;
        m_killNow = m_killNow || how == Stop::Kill;
        if (!m_killTimer.isActive()) {
            m_sinceStop.start();
            m_killTimer.start();
        }
        signalRunning(m_killNow ? SIGKILL : SIGTERM);
    }
    finishIfDone();
}

void BatchRunner::signalRunning(int signal)
{
    if (m_executor)
        m_executor->signalRunning(signal);
}

void BatchRunner::checkMemory()
{
    const qint64 wanted = m_setup.options.memfreeBytes;
    if (wanted <= 0 || m_memoryKillPid != 0 || m_running.size() < 2 || !m_executor)
        return;
    const qint64 available = availableMemory();
    if (available < 0 || available >= wanted / 2)
        return;
    // The youngest command goes back to the queue.
    qint64 youngest = 0;
    qint64 youngestStart = -1;
    for (const WorkerInfo &w : m_executor->workers()) {
        const qint64 started = w.childPid > 0 ? processStartTicks(w.childPid) : 0;
        if (started > youngestStart) {
            youngestStart = started;
            youngest = w.childPid;
        }
    }
    if (youngest > 0) {
        m_memoryKillPid = youngest;
        ::kill(-pid_t(youngest), SIGTERM);
    }
}

void BatchRunner::commit()
{
    checkMemory();
    if (m_uncommittedStarts.empty() && m_uncommittedEnds.empty())
        return;
    if (!m_storeError.isEmpty())
        return; // nothing more can be written; what ended is in the journal, if anywhere
    try {
        writeUncommitted();
    } catch (const StoreError &e) {
        // Thrown out of a timer's slot, it would cross Qt's event loop: stop instead, and
        // let the caller say why.
        m_storeError = QString::fromUtf8(e.what());
        stopInternally(Stop::Terminate);
        return;
    }
    const auto starts = std::exchange(m_uncommittedStarts, {});
    const auto ends = std::exchange(m_uncommittedEnds, {});
    const auto finals = std::exchange(m_finalEnds, {});
    if (!m_pipelined) {
        for (const auto &job : starts)
            emit jobStarted(*job);
    }
    for (const auto &job : ends) {
        if (finals.contains(job.get()))
            emit jobFinished(*job);
    }
    finishIfDone();
}

void BatchRunner::writeUncommitted()
{
    JobStore &store = *m_setup.store;
    for (const auto &job : m_uncommittedStarts) {
        store.jobStarted({m_setup.batch, job->seq},
                         AttemptStart{job->attempt, job->slot, 0, job->launchedAtMs,
                                      job->stdoutPath, job->stderrPath});
    }
    for (const auto &job : m_uncommittedEnds) {
        const JobKey key{m_setup.batch, job->seq};
        JobResult result{job->attempt, job->result, std::nullopt};
        if (job->outcome == BatchJob::Outcome::Interrupted)
            result.state = JobState::Interrupted;
        else if (job->outcome == BatchJob::Outcome::Cancelled)
            result.state = JobState::Skipped;
        else if (job->outcome == BatchJob::Outcome::Failed)
            result.state = JobState::Failed;
        store.jobFinished(key, result);
        if (!m_finalEnds.contains(job.get()))
            store.jobRequeued(key); // a failed attempt with tries left, or a --memfree kill
    }
    store.flush();
}

void BatchRunner::finishIfDone()
{
    if (m_finished || !m_running.empty())
        return;
    if (!m_stopping && !(m_sourceDone && m_retries.empty()))
        return;
    if (m_storeError.isEmpty() && (!m_uncommittedStarts.empty() || !m_uncommittedEnds.empty())) {
        QMetaObject::invokeMethod(this, &BatchRunner::commit, Qt::QueuedConnection);
        return;
    }
    m_finished = true;
    m_commitTimer.stop();
    m_retryTimer.stop();
    m_killTimer.stop();
    m_cancelTimer.stop();
    const bool complete = m_sourceDone && m_retries.empty() && !m_stopping;
    try {
        if (m_storeError.isEmpty())
            m_setup.store->batchFinished(m_setup.batch, complete   ? BatchState::Finished
                                                        : m_halted ? BatchState::Halted
                                                                   : BatchState::Stopped);
    } catch (const StoreError &e) {
        m_storeError = QString::fromUtf8(e.what());
    }
    if (m_pipelined && m_storeError.isEmpty()) { // the store has all the journal says
        holdWaitingJobs(false);
        QFile::remove(QFile::decodeName(folderFile(detail::kJournalName)));
    }
    emit finished();
}

int BatchRunner::exitStatus() const
{
    if (!m_storeError.isEmpty() || !m_executorError.isEmpty())
        return 255;
    if (m_haltStatus >= 0)
        return m_haltStatus;
    if (m_stoppedByUser)
        return 255;
    return int(std::min<qint64>(m_counts.failed, 101));
}

std::vector<const BatchJob *> BatchRunner::runningJobs() const
{
    std::vector<const BatchJob *> jobs;
    for (const auto &j : m_running)
        jobs.push_back(j.get());
    return jobs;
}

} // namespace jobpool
