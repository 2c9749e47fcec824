// SPDX-License-Identifier: GPL-3.0-or-later
// How workers join a pool: spawnWorkers() tops it up to its target (at the start, after a
// death, a recycling or a larger setWorkerCount()), each new worker kept to a CPU no live
// worker has when the pool pins them (PoolOptions::pinWorkers). recycling.cpp is how they
// leave.
#include "crossthread.h"
#include "dispatcher.h"
#include "workerlauncher.h"

#include <QDateTime>

#include <algorithm>

#include <sched.h>

namespace jobpool::detail {

std::vector<int> Dispatcher::cpusToPinTo(const PoolOptions &options)
{
    std::vector<int> cpus;
    cpu_set_t usable;
    if (options.pinWorkers && ::sched_getaffinity(0, sizeof usable, &usable) == 0) {
        for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
            if (CPU_ISSET(cpu, &usable))
                cpus.push_back(cpu);
        }
    }
    return cpus;
}

int Dispatcher::liveWorkers() const
{
    return int(std::count_if(m_workers.begin(), m_workers.end(),
                             [](const auto &p) { return p.second->live(); }));
}

int Dispatcher::freeCpu(int target) const
{
    // Only a pool that fills every CPU: with fewer workers, the kernel has idle CPUs to
    // wake them on (and two runs on a large machine would pin to the same few); with more,
    // it spreads them better.
    if (m_cpus.size() < 2 || std::size_t(target) != m_cpus.size())
        return -1;
    for (const int cpu : m_cpus) {
        const bool taken = std::any_of(m_workers.begin(), m_workers.end(), [cpu](const auto &p) {
            return p.second->cpu == cpu && p.second->live();
        });
        if (!taken)
            return cpu;
    }
    return -1;
}

void Dispatcher::spawnWorkers()
{
    if (m_closedSeen && m_queue.empty())
        return;
    if (m_terminatingSeen || m_startFailures >= 3)
        return;
    int target;
    {
        std::lock_guard lock(m_mailbox.mutex);
        target = m_mailbox.target;
    }
    while (liveWorkers() < target) {
        std::unique_ptr<Worker> w;
        try {
            w = std::make_unique<Worker>();
        } catch (const Error &e) {
            m_startFailures = 3;
            m_lastStartError = QString::fromUtf8(e.what());
            m_queue.failAll(std::make_exception_ptr(e));
            return;
        }
        w->id = m_nextWorkerId++;
        w->startedAt = Clock::now();
        w->startedWall = QDateTime::currentDateTime();
        w->channel.setMaxMemory(m_options.maxWorkerMemory);
        w->cpu = freeCpu(target);
        w->channel.setCpu(w->cpu);
        if (!m_options.initializerTask.isEmpty()) {
            QByteArray message;
            Encoder out(message);
            out.write(std::uint32_t(ipc::MessageKind::Initialize));
            out.write(m_options.initializerTask);
            out.writeRaw(m_options.initializerArguments.constData(),
                         m_options.initializerArguments.size());
            w->channel.sendInitializer(message);
        }
        ++m_workersStarted;
        const quint64 id = w->id;
        const int channelFd = w->channel.fd();
        const int bellFd = m_bellSegment.fd();
        m_workers.emplace(id, std::move(w));
        postTo(m_launcher,
               [l = m_launcher, id, channelFd, bellFd] { l->start(id, channelFd, bellFd); });
        m_dirty = true;
    }
}

} // namespace jobpool::detail
