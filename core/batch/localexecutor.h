// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "batchexecutor.h"

#include <QObject>

#include <memory>

namespace jobpool::detail {

/// Runs a batch's commands in this computer's pool of worker processes, one `exec` task
/// per attempt.
class LocalExecutor final : public BatchExecutor
{
public:
    /// \a context receives the results (the runner); it must outlive this executor's pool.
    LocalExecutor(const PoolOptions &options, QObject *context);
    ~LocalExecutor() override;

    void submit(Attempt attempt) override;
    std::size_t capacity(int slotCount, bool pipelined) const override;
    void setSlots(int slotCount) override;
    QList<WorkerInfo> workers() const override;
    PoolStats poolStats() const override { return m_pool->stats(); }
    void signalRunning(int signal) override;
    bool signalJob(qint64 seq, int signal) override;
    void cancel(const QList<qint64> &) override {}

private:
    std::unique_ptr<Pool> m_pool;
    QObject *m_context;
};

} // namespace jobpool::detail
