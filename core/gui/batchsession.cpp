// SPDX-License-Identifier: GPL-3.0-or-later
#include <jobpool/batchsession.h>
#include <jobpool/commandtemplate.h>

#include <QDir>
#include <QFileInfo>
#include <QTimer>

#include <stdexcept>
#include <thread>

namespace jobpool {

struct BatchSession::Run
{
    qint64 batch = 0;
    CommandTemplate command;
    std::unique_ptr<BatchRunner> runner;
    bool stopping = false;
};

namespace {

int defaultPoolSize()
{
    return std::max(1, int(std::thread::hardware_concurrency()));
}

} // namespace

BatchSession::BatchSession(Options options, QObject *parent)
    : QObject(parent)
    , m_options(std::move(options))
    , m_store(JobStore::open(m_options.storePath.isEmpty() ? JobStore::defaultPath()
                                                           : m_options.storePath))
{}

BatchSession::~BatchSession()
{
    if (m_run && m_run->runner && !m_run->runner->isFinished())
        m_run->runner->stop(BatchRunner::Stop::Kill);
    m_run.reset(); // the pool goes with it; the store marks what was left running
}

qint64 BatchSession::submit(const NewBatch &batch)
{
    if (batch.templateArgv.isEmpty())
        throw std::invalid_argument("the command is empty");
    CommandTemplate::Options templateOptions;
    templateOptions.shell = batch.shell;
    CommandTemplate::parse(batch.templateArgv, templateOptions); // throws on a bad template

    BatchSpec spec;
    spec.name = batch.name;
    spec.templateArgv = batch.templateArgv;
    spec.shell = batch.shell;
    // Stored so that the batch runs the same way when it starts, waits its turn or resumes.
    BatchOptions options;
    options.shell = batch.shell;
    options.slurm = batch.slurm;
    spec.options = options.toJson();
    spec.workingDirectory = batch.workingDirectory.isEmpty()
                                ? QFile::encodeName(QDir::currentPath())
                                : batch.workingDirectory;
    const qint64 id = m_store.createBatch(spec);
    m_store.setLogDirectory(id, m_store.createLogDirectory(id));
    qsizetype next = 0;
    m_store.addJobs(id, [&](QList<QByteArray> &values) {
        if (next == batch.inputs.size())
            return false;
        values = {batch.inputs[next++]};
        return true;
    });
    m_store.flush();
    enqueue(id);
    return id;
}

PoolStats BatchSession::poolStats() const
{
    return m_run && m_run->runner ? m_run->runner->poolStats() : PoolStats{};
}

QString BatchSession::setJobPaused(qint64 batch, qint64 seq, bool paused)
{
    if (!m_run || !m_run->runner || m_run->batch != batch)
        return tr("batch %1 is not running").arg(batch);
    return m_run->runner->setJobPaused(seq, paused);
}

bool BatchSession::isJobPaused(qint64 batch, qint64 seq) const
{
    return m_run && m_run->runner && m_run->batch == batch && m_run->runner->isJobPaused(seq);
}

void BatchSession::enqueue(qint64 batch)
{
    if (std::find(m_waiting.cbegin(), m_waiting.cend(), batch) == m_waiting.cend())
        m_waiting.push_back(batch);
    m_held = false;
    if (!m_run)
        startNext();
    else
        emit stateChanged();
}

qint64 BatchSession::runningBatch() const
{
    return m_run ? m_run->batch : 0;
}

QList<qint64> BatchSession::waitingBatches() const
{
    return QList<qint64>(m_waiting.cbegin(), m_waiting.cend());
}

const BatchRunner *BatchSession::runner() const
{
    return m_run ? m_run->runner.get() : nullptr;
}

QList<WorkerInfo> BatchSession::workers() const
{
    return m_run ? m_run->runner->workers() : QList<WorkerInfo>{};
}

BatchSession::State BatchSession::state() const
{
    if (!m_run)
        return State::Idle;
    if (m_run->stopping)
        return State::Stopping;
    return m_paused ? State::Paused : State::Running;
}

void BatchSession::pause()
{
    m_paused = true;
    if (m_run)
        m_run->runner->setPaused(true);
    emit stateChanged();
}

void BatchSession::resume()
{
    m_paused = false;
    if (m_run)
        m_run->runner->setPaused(false);
    emit stateChanged();
}

void BatchSession::stop(BatchRunner::Stop how)
{
    m_held = true;
    if (!m_run)
        return;
    m_run->stopping = true;
    m_run->runner->setPaused(false); // a paused runner that stops still has to finish
    m_run->runner->stop(how);
    emit stateChanged();
}

void BatchSession::start()
{
    m_held = false;
    if (m_paused)
        resume();
    if (!m_run)
        startNext();
}

int BatchSession::jobSlots() const
{
    return m_options.poolSize > 0 ? m_options.poolSize : defaultPoolSize();
}

void BatchSession::setPoolSize(int size)
{
    m_options.poolSize = std::max(0, size);
    if (m_run)
        m_run->runner->setJobSlots(jobSlots());
}

void BatchSession::setMaxWorkerMemory(qint64 bytes)
{
    m_options.maxWorkerMemory = std::max<qint64>(0, bytes);
}

QList<JobRecord> BatchSession::records(qint64 batch, const QList<qint64> &seqs)
{
    QList<JobRecord> found;
    for (const qint64 seq : seqs) {
        if (std::optional<JobRecord> job = m_store.job({batch, seq}))
            found.append(std::move(*job));
    }
    return found;
}

void BatchSession::cancel(qint64 batch, const QList<qint64> &seqs)
{
    QList<qint64> waiting;
    QList<qint64> running;
    for (const JobRecord &job : records(batch, seqs)) {
        if (job.state == JobState::Pending || job.state == JobState::Interrupted)
            waiting.append(job.seq);
        else if (job.state == JobState::Running)
            running.append(job.seq);
    }
    for (const qint64 seq : std::as_const(waiting))
        m_store.jobSkipped({batch, seq});
    m_store.flush();
    // The running ones end as cancelled through the runner, which stores them so.
    if (m_run && m_run->batch == batch)
        m_run->runner->cancel(waiting + running);
    emit jobsChanged(batch, waiting);
}

void BatchSession::retry(qint64 batch, const QList<qint64> &seqs)
{
    requeue(batch, records(batch, seqs));
}

void BatchSession::retryFailed(qint64 batch)
{
    requeue(batch, m_store.jobs(batch, {JobState::Failed}));
}

void BatchSession::requeue(qint64 batch, const QList<JobRecord> &records)
{
    QList<BatchJob> jobs;
    QList<qint64> changed;
    for (const JobRecord &job : records) {
        if (!QList{JobState::Failed, JobState::Interrupted, JobState::Skipped}.contains(job.state))
            continue;
        m_store.jobRequeued({batch, job.seq});
        BatchJob next;
        next.seq = job.seq;
        next.inputs = job.inputs;
        next.attempt = job.attempts;
        jobs.append(next);
        changed.append(job.seq);
    }
    m_store.flush();
    if (jobs.isEmpty())
        return;
    emit jobsChanged(batch, changed);
    if (m_run && m_run->batch == batch) {
        m_run->runner->runAgain(jobs);
        return;
    }
    enqueue(batch); // pending again in the store: the batch's own run picks them up
}

QList<BatchRecord> BatchSession::interruptedBatches()
{
    QList<BatchRecord> found;
    for (const BatchRecord &b : m_store.batches()) {
        if (b.state == BatchState::Interrupted
            && b.counts.pending + b.counts.interrupted + b.counts.running > 0)
            found.append(b);
    }
    return found;
}

void BatchSession::resumeBatch(qint64 batch)
{
    if (!m_run || m_run->batch != batch)
        enqueue(batch);
}

void BatchSession::startNext()
{
    while (!m_run && !m_held && !m_waiting.empty()) {
        const qint64 batch = m_waiting.front();
        m_waiting.pop_front();
        try {
            const std::optional<BatchRecord> record = m_store.batch(batch);
            if (!record)
                continue;
            m_store.claimBatch(batch);
            auto run = std::make_unique<Run>();
            run->batch = batch;
            CommandTemplate::Options templateOptions;
            templateOptions.shell = record->shell;
            run->command = CommandTemplate::parse(record->templateArgv, templateOptions);

            BatchRunner::Setup setup;
            setup.store = &m_store;
            setup.batch = batch;
            setup.command = &run->command;
            setup.options = BatchOptions::fromJson(record->options);
            setup.options.jobSlots = jobSlots();
            setup.source = jobsFromStore(m_store, batch, ResumeMode::Resume, false);
            setup.totalJobs = m_store.jobCount(batch, {JobState::Pending, JobState::Interrupted});
            setup.logDirectory = record->logDirectory.isEmpty() ? m_store.createLogDirectory(batch)
                                                                : record->logDirectory;
            setup.workingDirectory = record->workingDirectory;
            setup.workerProgram = m_options.workerProgram;
            setup.maxWorkerMemory = m_options.maxWorkerMemory;
            setup.terminateGraceMs = m_options.terminateGraceMs;
            run->runner = std::make_unique<BatchRunner>(std::move(setup));
            BatchRunner *runner = run->runner.get();
            connect(runner, &BatchRunner::jobStarted, this,
                    [this, batch](const BatchJob &job) { emit jobStarted(batch, job); });
            connect(runner, &BatchRunner::jobFinished, this,
                    [this, batch](const BatchJob &job) { emit jobFinished(batch, job); });
            connect(runner, &BatchRunner::jobPauseChanged, this,
                    [this, batch](qint64 seq, bool paused) {
                        emit jobPauseChanged(batch, seq, paused);
                    });
            // Queued: the runner is not destroyed from inside its own signal.
            connect(runner, &BatchRunner::finished, this, &BatchSession::onFinished,
                    Qt::QueuedConnection);
            m_run = std::move(run);
            runner->setPaused(m_paused);
            runner->start();
            emit batchStarted(batch);
            emit stateChanged();
        } catch (const std::exception &e) {
            m_run.reset();
            emit errorOccurred(
                tr("Batch %1 cannot run: %2").arg(batch).arg(QString::fromUtf8(e.what())));
        }
    }
}

void BatchSession::onFinished()
{
    if (!m_run)
        return;
    const qint64 batch = m_run->batch;
    const std::optional<BatchRecord> record = m_store.batch(batch);
    m_run.reset();
    emit batchFinished(batch, record ? record->state : BatchState::Finished);
    startNext();
    emit stateChanged();
}

} // namespace jobpool
