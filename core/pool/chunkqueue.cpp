// SPDX-License-Identifier: GPL-3.0-or-later
#include "chunkqueue.h"

#include "crossthread.h"

#include <algorithm>

namespace jobpool::detail {
namespace {

/// How many Run messages a worker may hold while tasks are short: one running, the rest
/// waiting in its ring so that it never idles between them.
constexpr std::size_t kPipelineDepth = 4;

/// How many small chunks at most share one Run message.
constexpr int kMaxRecordsPerMessage = 64;

/// Finishes \a batch's future, after any continuation being attached to it (crossthread.h).
void completeInOrder(Batch &batch)
{
    const ContinuationOrder order;
    batch.complete();
}

} // namespace

void ChunkQueue::add(std::shared_ptr<Batch> batch, int chunkSize, int workers, bool timeoutPerTask)
{
    auto state = std::make_shared<BatchState>();
    qsizetype size = chunkSize;
    if (size <= 0) {
        // Python's choice: about four chunks per worker.
        const qsizetype parts = qsizetype(std::max(1, workers)) * 4;
        size = std::max<qsizetype>(1, (batch->count + parts - 1) / parts);
        if (timeoutPerTask)
            size = 1; // a timeout is per task, so a task must travel alone
    }
    state->chunkSize = size;
    state->batch = std::move(batch);
    m_counts.queued += state->batch->count;
    m_changed = true;
    if (state->batch->count == 0) {
        state->completed = true;
        completeInOrder(*state->batch);
        return;
    }
    m_pendingChunks += chunksLeft(*state);
    m_batches.push_back(std::move(state));
}

bool ChunkQueue::next(Chunk &chunk)
{
    while (!m_retries.empty()) {
        chunk = std::move(m_retries.front());
        m_retries.pop_front();
        --m_pendingChunks;
        if (!chunk.batch->failed)
            return true;
    }
    prune();
    if (m_batches.empty())
        return false;
    const std::shared_ptr<BatchState> &b = m_batches.front();
    chunk.batch = b;
    chunk.first = b->next;
    chunk.count = std::min(b->chunkSize, b->batch->count - b->next);
    chunk.id = m_nextChunkId++;
    chunk.attempts = 0;
    b->next += chunk.count;
    --m_pendingChunks;
    m_counts.queued -= chunk.count;
    return true;
}

const QByteArray *ChunkQueue::nextTask()
{
    while (!m_retries.empty() && m_retries.front().batch->failed) {
        m_retries.pop_front();
        --m_pendingChunks;
    }
    if (!m_retries.empty())
        return &m_retries.front().batch->batch->task;
    prune();
    return m_batches.empty() ? nullptr : &m_batches.front()->batch->task;
}

void ChunkQueue::putBack(Chunk chunk)
{
    chunk.batch->inFlight--;
    --chunk.attempts; // it never ran: dispatching it did not use up an attempt
    m_retries.push_front(std::move(chunk));
    ++m_pendingChunks;
}

void ChunkQueue::retry(Chunk chunk)
{
    m_counts.retried += chunk.count;
    m_retries.push_front(std::move(chunk));
    ++m_pendingChunks;
    m_changed = true;
}

void ChunkQueue::finish(const std::shared_ptr<BatchState> &b, qsizetype n)
{
    m_changed = true;
    b->finished += n;
    m_counts.done += n;
    if (!b->failed && !b->completed) {
        b->batch->progress(b->finished);
        if (b->finished == b->batch->count) {
            b->completed = true;
            completeInOrder(*b->batch);
        }
    }
}

void ChunkQueue::fail(const std::shared_ptr<BatchState> &b, std::exception_ptr error)
{
    if (b->failed || b->completed)
        return;
    b->failed = true;
    m_changed = true;
    m_pendingChunks -= chunksLeft(*b);
    m_counts.failed += b->batch->count - b->finished;
    m_counts.queued -= b->batch->count - b->next;
    const ContinuationOrder order; // continuations attached meanwhile
    b->batch->fail(std::move(error));
}

void ChunkQueue::failAll(std::exception_ptr error)
{
    for (const auto &b : m_batches)
        fail(b, error);
    // A call whose chunks were all dispatched has left m_batches: one waiting to run again
    // is only here.
    for (const Chunk &c : m_retries)
        fail(c.batch, error);
    m_batches.clear();
    m_retries.clear();
    m_pendingChunks = 0;
}

void ChunkQueue::completeIfCancelled(const std::shared_ptr<BatchState> &b)
{
    if (b->batch->cancelled() && b->inFlight == 0 && !b->completed && !b->failed) {
        b->completed = true;
        completeInOrder(*b->batch);
    }
}

ChunkQueue::Policy ChunkQueue::policy(bool timeoutPerTask, std::size_t workers)
{
    if (timeoutPerTask)
        return {1, 1, 1}; // the timeout clock of a chunk starts when the previous one ends
    const QByteArray *task = nextTask();
    if (!task)
        return {1, 1, 1};
    const TaskTiming timing = timingOf(*task);
    if (timing.samples >= 8 && timing.averageNs < 200'000.0) {
        // Short tasks: several to a message and several messages in a worker's ring, so
        // that it never waits for the parent between them. Tiny ones (a few microseconds)
        // fill whole messages whatever the share: a worker is through 64 of them before
        // the other would have noticed.
        const int floor = timing.averageNs < 20'000.0 ? kMaxRecordsPerMessage : 8;
        return {kPipelineDepth, kMaxRecordsPerMessage, floor};
    }
    // Long or not yet measured: one at a time, plus one waiting while there is more work
    // than workers, so that a worker starts its next task without a round trip.
    return {std::size_t(m_pendingChunks > qint64(workers) ? 2 : 1), 1, 1};
}

void ChunkQueue::recordTime(const QByteArray &task, double nanoseconds)
{
    TaskTiming &timing = timingOf(task);
    timing.averageNs += (nanoseconds - timing.averageNs) / 8; // a moving average
    ++timing.samples;
}

ChunkQueue::TaskTiming &ChunkQueue::timingOf(const QByteArray &task)
{
    // Calls of one task come in a row: check the last one before hashing the name.
    if (!m_lastTiming || task != m_lastTimingTask) {
        m_lastTiming = &m_timings[task];
        m_lastTimingTask = task;
    }
    return *m_lastTiming;
}

qint64 ChunkQueue::chunksLeft(const BatchState &b)
{
    return (b.batch->count - b.next + b.chunkSize - 1) / b.chunkSize;
}

void ChunkQueue::prune()
{
    while (!m_batches.empty()) {
        const std::shared_ptr<BatchState> &b = m_batches.front();
        if (!b->failed && !b->completed && !b->batch->cancelled() && b->next < b->batch->count)
            return;
        if (!b->failed && !b->completed && b->batch->cancelled()) {
            m_counts.queued -= b->batch->count - b->next;
            m_pendingChunks -= chunksLeft(*b);
            b->next = b->batch->count;
            if (b->inFlight == 0) {
                b->completed = true;
                completeInOrder(*b->batch);
            }
        }
        m_batches.pop_front();
        m_changed = true;
    }
}

} // namespace jobpool::detail
