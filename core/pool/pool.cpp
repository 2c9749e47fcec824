// SPDX-License-Identifier: GPL-3.0-or-later
#include "poolengine.h"

#include <jobpool/pool.h>

namespace jobpool {

Pool::Pool(PoolOptions options, QObject *parent)
    : QObject(parent)
    , d(std::make_unique<detail::PoolEngine>(std::move(options), this))
{}

Pool::~Pool() = default;

void Pool::submitBatch(std::shared_ptr<detail::Batch> batch, int chunkSize)
{
    d->submit(std::move(batch), chunkSize);
}

void Pool::close()
{
    d->close();
}

void Pool::join()
{
    d->join();
}

void Pool::terminate()
{
    d->terminate();
}

void Pool::setWorkerCount(int count)
{
    d->setWorkerCount(count);
}

int Pool::workerCount() const
{
    return d->workerCount();
}

QList<WorkerInfo> Pool::workers() const
{
    return d->workers();
}

PoolStats Pool::stats() const
{
    return d->stats();
}

} // namespace jobpool
