// SPDX-License-Identifier: GPL-3.0-or-later
// The batch runner's controls for a person watching it (the desktop app): pause, the
// number of slots, cancelling and running jobs again; and the store as a job source.
#include "batchexecutor.h"

#include <jobpool/batchrunner.h>
#include <jobpool/jobstore.h>
#include <jobpool/pool.h>

#include <algorithm>
#include <csignal>
#include <utility>

namespace jobpool {
namespace {

constexpr qint64 kSourcePage = 1000;

} // namespace

void BatchRunner::setPaused(bool paused)
{
    if (m_paused == paused)
        return;
    m_paused = paused;
    if (!paused)
        QMetaObject::invokeMethod(this, &BatchRunner::fill, Qt::QueuedConnection);
}

BatchCounts BatchRunner::counts() const
{
    BatchCounts c = m_counts;
    c.running = std::min<qint64>(c.running, m_setup.options.jobSlots);
    return c;
}

void BatchRunner::setJobSlots(int count)
{
    m_setup.options.jobSlots = std::max(1, count);
    if (m_executor)
        m_executor->setSlots(m_setup.options.jobSlots);
    QMetaObject::invokeMethod(this, &BatchRunner::fill, Qt::QueuedConnection);
}

bool BatchRunner::isRunning(qint64 seq) const
{
    return std::any_of(m_running.cbegin(), m_running.cend(),
                       [seq](const auto &job) { return job->seq == seq; });
}

void BatchRunner::cancel(const QList<qint64> &seqs)
{
    bool killing = false;
    for (const qint64 seq : seqs) {
        if (m_cancelled.contains(seq))
            continue;
        const auto retry = std::find_if(m_retries.begin(), m_retries.end(),
                                        [seq](const BatchJob &job) { return job.seq == seq; });
        if (retry != m_retries.end()) {
            auto job = std::make_shared<BatchJob>(std::move(*retry));
            m_retries.erase(retry);
            job->outcome = BatchJob::Outcome::Cancelled;
            settle(job);
            continue;
        }
        m_cancelled.insert(seq);
        if (isRunning(seq)) {
            killing = true;
        } else {
            ++m_counts.cancelled; // waiting in the source; fill() passes over it
        }
    }
    if (killing) {
        m_cancelTimer.start();
        signalCancelled();
        if (m_executor)
            m_executor->cancel(seqs);
    }
    QMetaObject::invokeMethod(this, &BatchRunner::fill, Qt::QueuedConnection);
}

void BatchRunner::signalCancelled()
{
    bool any = false;
    for (const WorkerInfo &w : workers()) {
        if (w.childPid <= 0 || !m_cancelled.contains(w.childTag))
            continue;
        // The grace period runs from the first SIGTERM the command itself got: a job
        // cancelled before its worker started the command is not killed outright.
        auto [first, isNew] = m_cancelSignalled.try_emplace(w.childPid);
        if (isNew)
            first->second.start();
        const bool graceOver = first->second.elapsed() >= m_setup.terminateGraceMs;
        ::kill(-pid_t(w.childPid), graceOver ? SIGKILL : SIGTERM);
        ::kill(-pid_t(w.childPid), SIGCONT); // a paused one must run to act on SIGTERM
        any = true;
    }
    if (!any && std::none_of(m_running.cbegin(), m_running.cend(), [this](const auto &job) {
            return m_cancelled.contains(job->seq);
        })) {
        m_cancelTimer.stop();
        m_cancelSignalled.clear();
    }
}

QString BatchRunner::setJobPaused(qint64 seq, bool paused)
{
    if (paused == m_pausedJobs.contains(seq))
        return {};
    if (!isRunning(seq) || !m_executor)
        return tr("job %1 is not running").arg(seq);
    if (m_stopping && paused)
        return tr("the batch is stopping");
    if (!m_executor->signalJob(seq, paused ? SIGSTOP : SIGCONT))
        return m_setup.options.slurm.enabled
                   ? tr("a job on a Slurm cluster cannot be paused on its own")
                   : tr("job %1 has not started its command yet").arg(seq);
    if (paused)
        m_pausedJobs.insert(seq);
    else
        m_pausedJobs.remove(seq);
    emit jobPauseChanged(seq, paused);
    return {};
}

void BatchRunner::resumePausedJobs()
{
    for (const qint64 seq : std::exchange(m_pausedJobs, {})) {
        if (m_executor)
            m_executor->signalJob(seq, SIGCONT);
        emit jobPauseChanged(seq, false);
    }
}

void BatchRunner::runAgain(const QList<BatchJob> &jobs)
{
    for (const BatchJob &job : jobs) {
        m_cancelled.remove(job.seq);
        m_ranAgain.insert(job.seq);
        m_retries.push_back(job);
    }
    if (m_finished) {
        m_finished = false;
        m_stopping = m_killing = m_killNow = m_stoppedByUser = m_halted = false;
        m_haltStatus = -1;
        m_setup.store->claimBatch(m_setup.batch);
        m_commitTimer.start();
    }
    QMetaObject::invokeMethod(this, &BatchRunner::fill, Qt::QueuedConnection);
}

QList<WorkerInfo> BatchRunner::workers() const
{
    return m_executor ? m_executor->workers() : QList<WorkerInfo>{};
}

PoolStats BatchRunner::poolStats() const
{
    return m_executor ? m_executor->poolStats() : PoolStats{};
}

BatchRunner::JobSource jobsFromStore(JobStore &store, qint64 batch, ResumeMode mode,
                                     bool runSkipped)
{
    struct Pager
    {
        qint64 after = 0;
        QList<JobToRun> page;
        qsizetype at = 0;
        bool done = false;
    };
    auto pager = std::make_shared<Pager>();
    return [&store, batch, mode, runSkipped, pager](BatchJob &job) {
        for (;;) {
            if (pager->at == pager->page.size()) {
                if (pager->done)
                    return false;
                pager->page = store.jobsToRun(batch, mode, pager->after, kSourcePage);
                pager->at = 0;
                if (pager->page.isEmpty()) {
                    pager->done = true;
                    return false;
                }
            }
            pager->after = pager->page[pager->at].seq;
            if (runSkipped || pager->page[pager->at].state != JobState::Skipped)
                break;
            ++pager->at;
        }
        const JobToRun &next = pager->page[pager->at++];
        job.seq = next.seq;
        job.inputs = next.inputs;
        job.attempt = next.attempts;
        return true;
    };
}

} // namespace jobpool
