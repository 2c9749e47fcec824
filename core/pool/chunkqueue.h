// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <jobpool/batch.h>
#include <jobpool/pool.h>

#include <deque>
#include <exception>
#include <memory>
#include <unordered_map>

namespace jobpool::detail {

/// The work a pool has not finished: its calls (batches) cut into chunks, chunks waiting
/// to run again after their worker died, the counts behind PoolStats, and how long each
/// task's chunks take lately — which decides how chunks travel (policy()). Owned by the
/// dispatcher thread; not thread-safe.
class ChunkQueue
{
public:
    struct BatchState
    {
        std::shared_ptr<Batch> batch;
        qsizetype chunkSize = 1;
        qsizetype next = 0;     ///< first item not dispatched yet
        qsizetype finished = 0; ///< items whose results were delivered
        qsizetype inFlight = 0; ///< chunks in some worker's ring
        bool failed = false;
        bool completed = false;
    };
    struct Chunk
    {
        std::shared_ptr<BatchState> batch;
        qsizetype first = 0;
        qsizetype count = 0;
        quint64 id = 0;
        int attempts = 0;
    };
    struct Policy
    {
        std::size_t depth; ///< Run messages a worker may hold
        int records;       ///< chunks one message may carry
        int minRecords;    ///< ... and carries even when the fair share is smaller
    };

    /// A new call. \a chunkSize 0 chooses like Python's map: about four chunks per worker,
    /// or single items when every task has its own timeout.
    void add(std::shared_ptr<Batch> batch, int chunkSize, int workers, bool timeoutPerTask);
    /// The next chunk to dispatch (retries first); false when there is none.
    bool next(Chunk &chunk);
    /// The task of the chunk next() would return, or nullptr.
    const QByteArray *nextTask();
    /// A chunk that never ran (it waited behind one whose worker died) goes back first.
    void putBack(Chunk chunk);
    /// A chunk whose worker died goes back for another attempt.
    void retry(Chunk chunk);
    bool empty() const { return m_batches.empty() && m_retries.empty(); }
    /// Drops finished, failed and cancelled batches from the front (completing a
    /// cancelled one with nothing in flight).
    void prune();
    qint64 pendingChunks() const { return m_pendingChunks; }

    /// \a n items of \a b delivered; completes the batch with its last ones.
    void finish(const std::shared_ptr<BatchState> &b, qsizetype n);
    /// Items a worker completed before one of them threw.
    void countDone(qsizetype n) { m_counts.done += n; }
    /// Fails \a b once: its future or blocking call gets \a error.
    void fail(const std::shared_ptr<BatchState> &b, std::exception_ptr error);
    void failAll(std::exception_ptr error);
    /// Completes a cancelled batch once its last chunk in flight is back.
    void completeIfCancelled(const std::shared_ptr<BatchState> &b);

    /// How the next chunks should travel, given whether tasks have timeouts and how many
    /// workers there are.
    Policy policy(bool timeoutPerTask, std::size_t workers);
    /// Records that a chunk of \a task took \a nanoseconds in a worker.
    void recordTime(const QByteArray &task, double nanoseconds);

    const PoolStats &counts() const { return m_counts; }
    /// True when something changed since the last call (for the monitoring snapshot).
    bool takeChanged()
    {
        const bool changed = m_changed;
        m_changed = false;
        return changed;
    }

private:
    struct TaskTiming
    {
        double averageNs = 0;
        qint64 samples = 0;
    };
    TaskTiming &timingOf(const QByteArray &task);
    static qint64 chunksLeft(const BatchState &b);

    std::deque<std::shared_ptr<BatchState>> m_batches;
    std::deque<Chunk> m_retries;
    qint64 m_pendingChunks = 0; ///< chunks waiting to be dispatched, retries included
    quint64 m_nextChunkId = 1;
    std::unordered_map<QByteArray, TaskTiming> m_timings; ///< node-based: references stay valid
    QByteArray m_lastTimingTask;
    TaskTiming *m_lastTiming = nullptr;
    PoolStats m_counts;
    bool m_changed = false;
};

} // namespace jobpool::detail
