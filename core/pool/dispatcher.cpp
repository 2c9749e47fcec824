// SPDX-License-Identifier: GPL-3.0-or-later
#include "dispatcher.h"

#include "crossthread.h"
#include "protocol.h"
#include "workerchannel.h"
#include "workerlauncher.h"

#include <QDateTime>
#include <QTimer>

#include <algorithm>
#include <cstring>

namespace jobpool::detail {

namespace {

/// Up to what size small chunks share one Run message.
constexpr qsizetype kPackLimit = 16 * 1024;

/// How often a busy worker's channel is looked at for the pid of a command it started:
/// the processes view shows it, and signals for a job go to it, this much later at most
/// (plus the 50 ms a snapshot is held back).
constexpr std::chrono::milliseconds kCommandPollInterval{50};

} // namespace

Dispatcher::Dispatcher(const PoolOptions &options, QString program, Mailbox &mailbox,
                       ipc::Segment &bellSegment, WorkerLauncher *launcher,
                       std::function<void()> changed)
    : m_options(options)
    , m_program(std::move(program))
    , m_mailbox(mailbox)
    , m_bellSegment(bellSegment)
    , m_bell(static_cast<ipc::PoolBellHeader *>(bellSegment.data()))
    , m_launcher(launcher)
    , m_changed(std::move(changed))
    , m_cpus(cpusToPinTo(options))
{}

Dispatcher::~Dispatcher() = default;

void Dispatcher::run()
{
    for (;;) {
        bool progress = false;
        if (m_mailbox.pending.exchange(false, std::memory_order_acq_rel)) {
            if (!takeInbox())
                return;
            progress = true;
        }
        for (auto &[id, w] : m_workers) {
            progress |= pumpIn(*w);
            progress |= pumpOut(*w);
        }
        progress |= dispatch();
        const Clock::time_point now = Clock::now();
        checkDeadlines(now);
        if (m_queue.takeChanged())
            m_dirty = true;
        if (m_dirty && now - m_lastPublish > std::chrono::milliseconds(50))
            publish();
        if (progress)
            continue;
        if (m_dirty)
            publish();
        const bool allBusy = std::all_of(m_workers.begin(), m_workers.end(),
                                         [](const auto &p) { return !p.second->inFlight.empty(); });
        const qint64 backlog = allBusy && !m_workers.empty() ? m_queue.pendingChunks() : 0;
        if (m_mailbox.backlog.load(std::memory_order_relaxed) != backlog)
            m_mailbox.backlog.store(backlog, std::memory_order_release);
        auto timeout = nextDeadline(now);
        m_bell->parentBell.wait(
            [this] {
                return m_mailbox.pending.load(std::memory_order_acquire) || anythingToRead();
            },
            timeout);
    }
}

bool Dispatcher::anythingToRead() const
{
    return std::any_of(m_workers.begin(), m_workers.end(),
                       [](const auto &p) { return p.second->channel.wantsAttention(); });
}

bool Dispatcher::takeInbox()
{
    std::vector<std::pair<std::shared_ptr<Batch>, int>> batches;
    std::vector<Event> events;
    int target = 1;
    {
        std::lock_guard lock(m_mailbox.mutex);
        if (m_mailbox.stop)
            return false;
        batches.swap(m_mailbox.batches);
        events.swap(m_mailbox.events);
        m_closedSeen = m_mailbox.closed;
        m_terminatingSeen = m_mailbox.terminating;
        target = m_mailbox.target;
    }
    for (auto &[batch, chunkSize] : batches) {
        m_queue.add(std::move(batch), chunkSize, target, m_options.taskTimeout.count() > 0);
        m_startFailures = 0; // new work: try starting workers again
    }
    for (const Event &e : events)
        handleEvent(e);
    if (m_terminatingSeen) {
        m_queue.failAll(
            std::make_exception_ptr(PoolError(QStringLiteral("the pool was terminated"))));
        for (auto &[id, w] : m_workers) {
            for (Chunk &c : w->inFlight)
                m_queue.fail(c.batch, std::make_exception_ptr(
                                          PoolError(QStringLiteral("the pool was terminated"))));
            w->inFlight.clear();
            kill(*w);
        }
    }
    m_dirty = true;
    return true;
}

void Dispatcher::handleEvent(const Event &e)
{
    auto it = m_workers.find(e.id);
    if (it == m_workers.end())
        return;
    Worker &w = *it->second;
    switch (e.type) {
    case Event::Started:
        w.pid = e.pid;
        w.channel.closeFd(); // the child has it now
        break;
    case Event::FailedToStart:
        workerGone(w, -1, 0, e.error);
        break;
    case Event::Finished:
        // Read what it wrote before it went: results of its last tasks are valid.
        try {
            pumpIn(w);
        } catch (...) {
        }
        workerGone(w, e.exitCode, e.signal, {});
        break;
    }
}

void Dispatcher::workerGone(Worker &w, int exitCode, int signal, const QString &why)
{
    const bool wasReady = w.ready;
    if (!wasReady && !m_terminatingSeen && !w.exitSent) {
        ++m_startFailures;
        if (!w.initError.isEmpty())
            m_lastStartError = w.initError;
        else if (w.lost)
            m_lastStartError = w.dropReason;
        else if (!why.isEmpty())
            m_lastStartError = why;
        else if (signal)
            m_lastStartError = QStringLiteral("killed by signal %1").arg(signal);
        else
            m_lastStartError =
                QStringLiteral("exited with status %1 before it was ready").arg(exitCode);
    }
    if (!w.inFlight.empty()) {
        ++m_workersLost;
        // The chunks up to the one it was running ran (a message's results go back together,
        // at its end); those behind it never started and go back as they are.
        const std::size_t started = w.chunksStarted(signal);
        for (std::size_t i = w.inFlight.size(); i-- > started;)
            m_queue.putBack(std::move(w.inFlight[i]));
        for (std::size_t i = started; i-- > 0;) {
            Chunk &ran = w.inFlight[i];
            ran.batch->inFlight--;
            if (w.timedOut && i == 0) {
                m_queue.fail(ran.batch, std::make_exception_ptr(TaskTimeout(
                                            qint64(m_options.taskTimeout.count()), ran.id)));
            } else if (ran.attempts <= m_options.retries && !ran.batch->failed) {
                m_queue.retry(std::move(ran));
            } else {
                m_queue.fail(ran.batch,
                             std::make_exception_ptr(WorkerDied(w.pid, exitCode, signal, ran.id,
                                                                w.lost ? w.dropReason : why)));
            }
        }
        w.inFlight.clear();
    }
    m_workers.erase(w.id);
    m_dirty = true;
    if (m_startFailures >= 3 && std::none_of(m_workers.begin(), m_workers.end(), [](const auto &p) {
            return p.second->ready;
        })) {
        m_queue.failAll(std::make_exception_ptr(
            PoolError(QStringLiteral("cannot start worker processes (%1): %2")
                          .arg(m_program, m_lastStartError))));
    }
}

bool Dispatcher::dispatch()
{
    m_queue.prune();
    spawnWorkers();
    retireSurplus();
    bool progress = false;
    // A second chunk waits in a worker's ring only while tasks are short: it hides the
    // round trip between them. Long tasks go one at a time, so none queues behind a long
    // one while another worker idles.
    const ChunkQueue::Policy policy =
        m_queue.policy(m_options.taskTimeout.count() > 0, m_workers.size());
    const std::size_t depth = policy.depth;
    // Short tasks also travel several to a message, so a worker wakes once for many.
    const int readyWorkers = int(std::count_if(m_workers.begin(), m_workers.end(),
                                               [](const auto &p) { return p.second->ready; }));
    // Breadth first: every worker gets its first message before any gets a second.
    const bool workerStarting = std::any_of(m_workers.begin(), m_workers.end(), [](const auto &p) {
        return !p.second->ready && !p.second->killRequested;
    });
    for (std::size_t level = 0; level < depth; ++level) {
        // A second message only once every worker has a first: one still starting
        // must find work when it is ready, not see it queued behind another's task.
        if (level > 0 && workerStarting)
            break;
        for (auto &[id, wp] : m_workers) {
            Worker &w = *wp;
            if (!w.ready || w.retiring || w.exitSent || w.killRequested
                || std::size_t(w.messagesInFlight) != level || !w.channel.outboxEmpty())
                continue;
            // About a fair share, so that packing does not leave another worker idle.
            const qint64 share = m_queue.pendingChunks() / std::max(1, 2 * readyWorkers);
            const int records = int(std::clamp<qint64>(share, policy.minRecords, policy.records));
            const int packed = sendChunks(w, records);
            if (packed < 0)
                goto dispatched; // nothing left to dispatch
            progress |= packed > 0;
        }
    }
dispatched:
    // Closed and nothing left: let the workers go.
    if (m_closedSeen && m_queue.empty()) {
        for (auto &[id, w] : m_workers) {
            if (w->ready && w->inFlight.empty() && !w->exitSent)
                sendExit(*w);
        }
    }
    return progress;
}

int Dispatcher::sendChunks(Worker &w, int maxRecords)
{
    Encoder out = w.channel.requestEncoder(m_scratch);
    int records = 0;
    bool exhausted = false;
    while (records < maxRecords && out.size() < kPackLimit) {
        if (m_options.maxTasksPerChild > 0 && w.chunksAssigned >= m_options.maxTasksPerChild)
            break;
        const QByteArray *task = m_queue.nextTask();
        if (records > 0 && task && *task != w.inFlight.back().batch->batch->task)
            break; // only chunks of one task share a message
        Chunk chunk;
        if (!m_queue.next(chunk)) {
            exhausted = true;
            break;
        }
        ++chunk.attempts;
        const qsizetype recordAt = out.size();
        RunHeader header{std::uint32_t(ipc::MessageKind::Run), 0, chunk.id, chunk.count, 0};
        out.writeRaw(&header, sizeof header);
        try {
            out.write(chunk.batch->batch->task);
            chunk.batch->batch->encode(chunk.first, chunk.count, out);
        } catch (...) {
            out.truncate(recordAt);
            m_queue.fail(chunk.batch, std::current_exception());
            continue;
        }
        header.bytes = std::uint64_t(out.size() - recordAt - qsizetype(sizeof header));
        std::memcpy(out.at(recordAt), &header, sizeof header);
        if (w.inFlight.empty())
            w.chunkStartedAt = Clock::now();
        chunk.batch->inFlight++;
        w.inFlight.push_back(std::move(chunk));
        ++w.chunksAssigned;
        ++records;
    }
    if (records == 0)
        return exhausted ? -1 : 0;
    std::uint32_t count = std::uint32_t(records);
    std::memcpy(out.at(offsetof(RunHeader, records)), &count, sizeof count);
    ++w.messagesInFlight;
    w.state = WorkerInfo::State::Busy;
    w.channel.sendEncoded(out);
    if (m_options.maxTasksPerChild > 0 && w.chunksAssigned >= m_options.maxTasksPerChild) {
        w.retiring = true;
        sendExit(w);
    }
    return exhausted ? -1 : records;
}

void Dispatcher::sendExit(Worker &w)
{
    w.exitSent = true;
    w.state = WorkerInfo::State::Stopping;
    const std::uint32_t kind = std::uint32_t(ipc::MessageKind::Exit);
    w.channel.send(QByteArrayView(reinterpret_cast<const char *>(&kind), sizeof kind));
    m_dirty = true;
}

bool Dispatcher::pumpOut(Worker &w)
{
    if (w.lost)
        return false;
    try {
        return w.channel.flush();
    } catch (const Error &e) {
        drop(w, e);
        return false;
    }
}

bool Dispatcher::pumpIn(Worker &w)
{
    if (w.lost || m_terminatingSeen) // after terminate(), results are nobody's: not protocol errors
        return false;
    if (w.channel.childPid() != w.publishedChildPid)
        m_dirty = true; // a task started or ended a command: the GUI shows its pid
    try {
        return w.channel.receive([this, &w](QByteArrayView message) { handleMessage(w, message); });
    } catch (const Error &e) {
        drop(w, e);
        return false;
    }
}

void Dispatcher::drop(Worker &w, const Error &e)
{
    qWarning("jobpool: dropping worker %lld: %s", w.pid, e.what());
    w.lost = true;
    w.dropReason = QStringLiteral("protocol error: %1").arg(QString::fromUtf8(e.what()));
    kill(w);
}

void Dispatcher::kill(Worker &w)
{
    if (w.killRequested)
        return;
    w.killRequested = true;
    postTo(m_launcher, [l = m_launcher, id = w.id] { l->kill(id); });
}

void Dispatcher::handleMessage(Worker &w, QByteArrayView message)
{
    if (message.size() < qsizetype(sizeof(std::uint32_t)))
        throw ProtocolError(QStringLiteral("empty message"));
    std::uint32_t kind = 0;
    std::memcpy(&kind, message.data(), sizeof kind);
    Decoder in(message);
    switch (ipc::MessageKind(kind)) {
    case ipc::MessageKind::Ready:
        in.read<std::uint32_t>();
        w.pid = in.read<std::int64_t>();
        w.ready = true;
        w.state = WorkerInfo::State::Idle;
        m_startFailures = 0;
        m_dirty = true;
        return;
    case ipc::MessageKind::InitFailed: {
        in.read<std::uint32_t>();
        const QString type = in.read<QString>();
        const QString what = in.read<QString>();
        w.initError = QStringLiteral("the initializer raised %1: %2").arg(type, what);
        return;
    }
    case ipc::MessageKind::Result:
        while (!in.atEnd())
            handleResult(w, in);
        --w.messagesInFlight;
        if (w.inFlight.empty() && !w.exitSent)
            w.state = WorkerInfo::State::Idle;
        return;
    case ipc::MessageKind::Recycled:
        workerRecycled(w);
        return;
    default:
        throw ProtocolError(QStringLiteral("unknown message kind %1").arg(kind));
    }
}

void Dispatcher::handleResult(Worker &w, Decoder &message)
{
    ResultHeader header{};
    message.readRaw(&header, sizeof header);
    if (header.bytes > std::uint64_t(message.remaining()))
        throw ProtocolError(QStringLiteral("result record longer than its message"));
    Decoder in(message.take(qsizetype(header.bytes)), qsizetype(header.bytes));
    if (w.inFlight.empty() || w.inFlight.front().id != header.chunkId)
        throw ProtocolError(QStringLiteral("result for chunk %1, which this worker does not have")
                                .arg(header.chunkId));
    // Checked while the chunk is still the worker's, so that dropping the worker fails it.
    const qint64 expected = w.inFlight.front().count;
    if (header.completed < 0 || header.completed > expected
        || (!header.failed && header.completed != expected))
        throw ProtocolError(QStringLiteral("result with %1 items for a chunk of %2")
                                .arg(header.completed)
                                .arg(expected));
    Chunk chunk = std::move(w.inFlight.front());
    w.inFlight.pop_front();
    const Clock::time_point now = Clock::now();
    const double took = double(std::chrono::nanoseconds(now - w.chunkStartedAt).count());
    m_queue.recordTime(chunk.batch->batch->task, took);
    w.chunkStartedAt = now;
    m_dirty = true;
    chunk.batch->inFlight--;
    w.tasksDone += header.completed;
    if (!chunk.batch->failed && !chunk.batch->completed) {
        QString errorType, errorMessage; // of a task that threw
        try {
            chunk.batch->batch->deliver(chunk.first, header.completed, in);
            if (header.failed) {
                errorType = in.read<QString>();
                errorMessage = in.read<QString>();
            }
        } catch (const ProtocolError &e) {
            const QString why = QStringLiteral("protocol error: worker %1 sent a result that "
                                               "cannot be decoded: %2");
            m_queue.fail(chunk.batch,
                         std::make_exception_ptr(ProtocolError(why.arg(w.pid).arg(e.message()))));
            throw;
        } catch (...) {
            m_queue.fail(chunk.batch, std::current_exception());
            return;
        }
        if (header.failed) {
            m_queue.countDone(header.completed);
            m_queue.fail(chunk.batch,
                         std::make_exception_ptr(RemoteError(errorType, errorMessage, chunk.id)));
        } else {
            m_queue.finish(chunk.batch, header.completed);
        }
    }
    m_queue.completeIfCancelled(chunk.batch);
}

void Dispatcher::checkDeadlines(Clock::time_point now)
{
    for (auto &[id, w] : m_workers) {
        if (w->killRequested)
            continue;
        bool overdue = false;
        if (!w->ready && now - w->startedAt > m_options.startTimeout) {
            w->initError =
                QStringLiteral("not ready within %1 ms").arg(m_options.startTimeout.count());
            overdue = true;
        } else if (m_options.taskTimeout.count() > 0 && !w->inFlight.empty()
                   && now - w->chunkStartedAt > m_options.taskTimeout) {
            w->timedOut = true;
            overdue = true;
        }
        if (overdue)
            kill(*w);
    }
}

std::chrono::nanoseconds Dispatcher::nextDeadline(Clock::time_point now) const
{
    Clock::time_point next = now + std::chrono::seconds(1);
    for (const auto &[id, w] : m_workers) {
        if (w->killRequested)
            continue;
        if (!w->ready)
            next = std::min(next, w->startedAt + m_options.startTimeout);
        else if (m_options.taskTimeout.count() > 0 && !w->inFlight.empty())
            next = std::min(next, w->chunkStartedAt + m_options.taskTimeout);
        // A command a task starts is not rung about (publishChildPid): look for it.
        if (!w->inFlight.empty())
            next = std::min(next, now + kCommandPollInterval);
    }
    if (m_dirty)
        next = std::min(next, m_lastPublish + std::chrono::milliseconds(50));
    return std::max(std::chrono::nanoseconds(0), next - now + std::chrono::milliseconds(1));
}

void Dispatcher::publish()
{
    QList<WorkerInfo> snapshot;
    snapshot.reserve(qsizetype(m_workers.size()));
    qint64 running = 0;
    for (const auto &[id, w] : m_workers) {
        WorkerInfo info;
        info.pid = w->pid;
        info.state = w->state;
        info.currentTask = w->inFlight.empty() ? 0 : w->inFlight.front().id;
        info.tasksDone = w->tasksDone;
        info.startedAt = w->startedWall;
        info.childPid = w->publishedChildPid = w->channel.childPid();
        info.childTag = info.childPid ? w->channel.childTag() : 0;
        snapshot.append(info);
        for (const Chunk &c : w->inFlight)
            running += c.count;
    }
    bool workPending = !m_queue.empty();
    for (const auto &[id, w] : m_workers)
        workPending |= !w->inFlight.empty();
    {
        std::lock_guard lock(m_mailbox.mutex);
        m_mailbox.snapshot = std::move(snapshot);
        m_mailbox.stats = m_queue.counts();
        m_mailbox.stats.workersStarted = m_workersStarted;
        m_mailbox.stats.workersLost = m_workersLost;
        m_mailbox.stats.workersRecycled = m_workersRecycled;
        m_mailbox.stats.running = running;
        m_mailbox.liveWorkers = int(m_workers.size());
        m_mailbox.workPending = workPending || !m_mailbox.batches.empty();
        m_mailbox.closedAcknowledged = m_closedSeen;
        m_mailbox.terminateAcknowledged = m_terminatingSeen;
    }
    m_mailbox.idle.notify_all();
    m_dirty = false;
    m_lastPublish = Clock::now();
    if (!m_changeNotifyPending.exchange(true)) {
        postTo(m_launcher, [this] {
            // At most ten signals a second, never one per task.
            QTimer::singleShot(100, m_launcher, [this] {
                m_changeNotifyPending.store(false);
                m_changed();
            });
        });
    }
}

} // namespace jobpool::detail
