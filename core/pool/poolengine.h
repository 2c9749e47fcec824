// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "../ipc/segment.h"
#include "controlthread.h"
#include "mailbox.h"

#include <jobpool/batch.h>
#include <jobpool/pool.h>

#include <memory>
#include <thread>

namespace jobpool::detail {

class Dispatcher;
class WorkerLauncher;

/// What runs a Pool: the thread-safe front its methods call, and the two threads behind
/// it — the dispatcher (see Dispatcher), which moves work through the workers' rings, and
/// the control thread, whose Qt event loop starts and reaps the worker processes
/// (WorkerLauncher). They meet in the Mailbox.
class PoolEngine
{
public:
    PoolEngine(PoolOptions options, Pool *q);
    ~PoolEngine();

    void submit(std::shared_ptr<Batch> batch, int chunkSize);
    void close();
    void join();
    void terminate();
    void setWorkerCount(int count);
    int workerCount() const;
    QList<WorkerInfo> workers() const;
    PoolStats stats() const;

private:
    /// Hands something to the dispatcher and wakes it.
    void notifyDispatcher();
    void post(WorkerEvent e);

    PoolOptions m_options;
    ipc::Segment m_bellSegment;
    mutable Mailbox m_mailbox;
    ControlThread m_controlThread;
    WorkerLauncher *m_launcher = nullptr;
    std::unique_ptr<Dispatcher> m_dispatcher;
    std::thread m_dispatcherThread;
};

} // namespace jobpool::detail
