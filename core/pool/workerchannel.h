// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "../ipc/channel.h"
#include "protocol.h"

#include <deque>
#include <utility>

namespace jobpool::detail {

/// The parent's end of one worker's channel: the shared segment the worker inherits, the
/// request ring it writes without ever blocking (what does not fit waits in an outbox),
/// and the response ring it reads. Everything read from the worker is checked; garbage
/// throws ProtocolError, and the engine then drops the worker.
class WorkerChannel
{
public:
    /// A new segment with empty rings; throws PoolError when shared memory is refused.
    WorkerChannel();
    /// Arrays lent out of the channel's memory keep that memory mapped after it is gone.
    ~WorkerChannel();
    WorkerChannel(const WorkerChannel &) = delete;
    WorkerChannel &operator=(const WorkerChannel &) = delete;

    /// The descriptor the worker inherits; closed once the worker has started.
    int fd() const { return m_segment.fd(); }
    void closeFd() { m_segment.closeFd(); }

    /// Puts \a message first in the request ring and tells the worker it is there: the
    /// worker runs it before saying it is ready.
    void sendInitializer(QByteArrayView message);
    /// The worker leaves once its own resident memory is above \a bytes after a Run message
    /// (0: never). Before the worker starts.
    void setMaxMemory(qint64 bytes)
    {
        m_view.header->maxMemory = bytes > 0 ? std::uint64_t(bytes) : 0;
    }
    /// The worker keeps to \a cpu (-1: to the CPUs it inherits). Before the worker starts.
    void setCpu(int cpu) { m_view.header->cpu = cpu; }
    /// Where to encode the next request: in place in the largest free stretch of the bulk
    /// region, moving on into \a scratch if it outgrows that.
    Encoder requestEncoder(QByteArray &scratch);
    /// Sends what \a encoder holds: copied into the ring when small, by reference to the
    /// bulk region when large.
    void sendEncoded(const Encoder &encoder);
    void send(QByteArrayView message);
    bool outboxEmpty() const { return m_outbox.empty(); }
    /// Moves what waits in the outbox into the ring as it frees up; true if any moved.
    bool flush();

    /// Hands every whole response to \a handle(QByteArrayView); true if any was read.
    template<class Handler>
    bool receive(Handler handle)
    {
        bool progress = false;
        if (m_responseBulk.lending())
            m_responseBulk.reclaim();
        QByteArrayView message;
        while (m_responses.next(message)) {
            if (kindOf(message) == ipc::MessageKind::Bulk) {
                handle(m_responseBulk.open(message));
                m_responseBulk.close();
            } else {
                handle(message);
            }
            m_responses.release();
            progress = true;
        }
        if (m_responses.takeReleased()) {
            m_view.header->workerBell.ring(); // it may be waiting for room to write
            progress = true;
        }
        return progress;
    }

    /// True when there is something to read, or room for what waits in the outbox.
    bool wantsAttention() const
    {
        return m_responses.hasData() || (!m_outbox.empty() && m_requests.drained());
    }
    /// The pid of a command the worker runs on behalf of a task, if any.
    qint64 childPid() const { return m_view.header->childPid.load(std::memory_order_acquire); }
    qint64 childTag() const { return m_view.header->childTag.load(std::memory_order_relaxed); }
    /// The chunk the worker last started, 0 before its first.
    quint64 runningChunk() const
    {
        return m_view.header->runningChunk.load(std::memory_order_acquire);
    }

private:
    ipc::Segment m_segment;
    ipc::ChannelView m_view;
    ipc::RingWriter m_requests;
    ipc::RingReader m_responses;
    ipc::BulkSender m_requestBulk;
    ipc::BulkReceiver m_responseBulk;
    std::deque<std::pair<QByteArray, qsizetype>> m_outbox; ///< messages not fully in the ring
};

} // namespace jobpool::detail
