// SPDX-License-Identifier: GPL-3.0-or-later
#include "poolengine.h"

#include "dispatcher.h"
#include "workerlauncher.h"

#include <QCoreApplication>
#include <QFile>

#include <algorithm>
#include <mutex>
#include <thread>

#include <unistd.h>

namespace jobpool::detail {

namespace {

/// How many chunks held back for busy workers let a new call go in without a ring.
constexpr qint64 kBacklogWithoutRing = 2;

/// Qt delivers events across threads only once a QCoreApplication exists, and a program
/// that uses JobPool as Python uses multiprocessing need not have made one: then JobPool
/// makes one for itself, which lives as long as the program (it is never exec()ed).
void ensureApplication()
{
    static std::once_flag once;
    std::call_once(once, [] {
        if (QCoreApplication::instance())
            return;
        static int argc = 1;
        static char name[] = "jobpool";
        static char *argv[] = {name, nullptr};
        new QCoreApplication(argc, argv);
    });
}

QString selfExecutable()
{
    return QFile::symLinkTarget(QStringLiteral("/proc/self/exe"));
}

} // namespace

PoolEngine::PoolEngine(PoolOptions options, Pool *q)
    : m_options(std::move(options))
{
    ensureApplication();
    const QString program =
        m_options.workerProgram.isEmpty() ? selfExecutable() : m_options.workerProgram;
    m_mailbox.target = m_options.workers > 0
                           ? m_options.workers
                           : std::max(1, int(std::thread::hardware_concurrency()));
    m_bellSegment = ipc::Segment::create("jobpool-bell", sizeof(ipc::PoolBellHeader));
    new (m_bellSegment.data()) ipc::PoolBellHeader;

    WorkerLauncher::Callbacks callbacks;
    callbacks.started = [this](quint64 id, qint64 pid) {
        post({WorkerEvent::Started, id, pid, 0, 0, {}});
    };
    callbacks.finished = [this](quint64 id, int exitCode, int signal) {
        post({WorkerEvent::Finished, id, 0, exitCode, signal, {}});
    };
    callbacks.failedToStart = [this](quint64 id, const QString &error) {
        post({WorkerEvent::FailedToStart, id, 0, 0, 0, error});
    };
    m_launcher = new WorkerLauncher(program, std::move(callbacks));
    m_launcher->moveToThread(&m_controlThread);
    m_controlThread.own(m_launcher);
    m_controlThread.setObjectName(QStringLiteral("jobpool control"));
    m_controlThread.start();

    m_dispatcher = std::make_unique<Dispatcher>(m_options, program, m_mailbox, m_bellSegment,
                                                m_launcher, [q] { emit q->changed(); });
    m_dispatcherThread = std::thread([this] { m_dispatcher->run(); });
}

PoolEngine::~PoolEngine()
{
    terminate();
    {
        std::lock_guard lock(m_mailbox.mutex);
        m_mailbox.stop = true;
    }
    notifyDispatcher();
    m_dispatcherThread.join();
    // The control thread may still run a timer of the dispatcher's (the throttled
    // changed() signal): stop it before the dispatcher goes.
    m_controlThread.stop();
    m_dispatcher.reset();
}

void PoolEngine::notifyDispatcher()
{
    m_mailbox.pending.store(true, std::memory_order_release);
    static_cast<ipc::PoolBellHeader *>(m_bellSegment.data())->parentBell.ring();
}

void PoolEngine::post(WorkerEvent e)
{
    {
        std::lock_guard lock(m_mailbox.mutex);
        m_mailbox.events.push_back(std::move(e));
    }
    notifyDispatcher();
}

void PoolEngine::submit(std::shared_ptr<Batch> batch, int chunkSize)
{
    {
        std::lock_guard lock(m_mailbox.mutex);
        if (m_mailbox.closed || m_mailbox.terminating)
            throw PoolError(QStringLiteral("the pool is closed: it takes no more calls"));
        m_mailbox.batches.emplace_back(std::move(batch), chunkSize);
        m_mailbox.workPending = true;
    }
    // Deep enough behind others, a call is not needed before the dispatcher wakes for a
    // result: one wake-up less per call when calls keep coming (a batch run's jobs).
    if (m_mailbox.backlog.load(std::memory_order_acquire) >= kBacklogWithoutRing) {
        m_mailbox.pending.store(true, std::memory_order_release);
        return;
    }
    notifyDispatcher();
}

void PoolEngine::close()
{
    {
        std::lock_guard lock(m_mailbox.mutex);
        m_mailbox.closed = true;
    }
    notifyDispatcher();
}

void PoolEngine::join()
{
    std::unique_lock lock(m_mailbox.mutex);
    if (!m_mailbox.closed && !m_mailbox.terminating)
        throw PoolError(QStringLiteral("join() needs close() or terminate() first"));
    m_mailbox.idle.wait(lock, [this] {
        return m_mailbox.closedAcknowledged && m_mailbox.liveWorkers == 0 && !m_mailbox.workPending;
    });
}

void PoolEngine::terminate()
{
    {
        std::lock_guard lock(m_mailbox.mutex);
        if (m_mailbox.stop)
            return;
        m_mailbox.terminating = true;
        m_mailbox.closed = true;
    }
    notifyDispatcher();
    std::unique_lock lock(m_mailbox.mutex);
    m_mailbox.idle.wait(lock, [this] {
        return m_mailbox.terminateAcknowledged && m_mailbox.liveWorkers == 0
               && !m_mailbox.workPending;
    });
}

void PoolEngine::setWorkerCount(int count)
{
    {
        std::lock_guard lock(m_mailbox.mutex);
        m_mailbox.target = std::max(1, count);
    }
    notifyDispatcher();
}

int PoolEngine::workerCount() const
{
    std::lock_guard lock(m_mailbox.mutex);
    return m_mailbox.target;
}

QList<WorkerInfo> PoolEngine::workers() const
{
    std::lock_guard lock(m_mailbox.mutex);
    return m_mailbox.snapshot;
}

PoolStats PoolEngine::stats() const
{
    std::lock_guard lock(m_mailbox.mutex);
    return m_mailbox.stats;
}

} // namespace jobpool::detail
