// SPDX-License-Identifier: GPL-3.0-or-later
#include "workerchannel.h"

namespace jobpool::detail {

WorkerChannel::WorkerChannel()
    : m_segment(ipc::Segment::create("jobpool-worker",
                                     ipc::ChannelView::segmentSize(kRingCapacity, kBulkCapacity)))
    , m_view(ipc::ChannelView::initialise(m_segment, kRingCapacity, kBulkCapacity))
    , m_requests(&m_view.header->requests, m_view.requestData, kRingCapacity)
    , m_responses(&m_view.header->responses, m_view.responseData, kRingCapacity, kMaxMessageSize)
{}

void WorkerChannel::sendInitializer(QByteArrayView message)
{
    m_view.header->hasInitializer = 1;
    send(message);
}

Encoder WorkerChannel::requestEncoder(QByteArray &scratch)
{
    if (m_view.header->requestBulkBusy.load(std::memory_order_acquire) == 0)
        return Encoder(m_view.requestBulk, qsizetype(kBulkCapacity));
    scratch.resize(0);
    return Encoder(scratch);
}

void WorkerChannel::sendEncoded(const Encoder &encoder)
{
    const QByteArrayView message(encoder.data(), encoder.size());
    if (encoder.data() != m_view.requestBulk || message.size() <= kInlineLimit) {
        send(message);
        return;
    }
    m_view.header->requestBulkBusy.store(1, std::memory_order_release);
    const BulkReference ref{std::uint32_t(ipc::MessageKind::Bulk), 0,
                            std::uint64_t(message.size())};
    send(QByteArrayView(reinterpret_cast<const char *>(&ref), sizeof ref));
}

void WorkerChannel::send(QByteArrayView message)
{
    qsizetype offset = 0;
    if (m_outbox.empty()) {
        offset = m_requests.write(message, 0);
        m_view.header->workerBell.ring();
        if (offset == message.size())
            return;
    }
    m_outbox.emplace_back(message.toByteArray(), offset);
}

bool WorkerChannel::flush()
{
    bool progress = false;
    while (!m_outbox.empty()) {
        auto &[message, offset] = m_outbox.front();
        const qsizetype before = offset;
        offset = m_requests.write(message, offset);
        if (offset != before) {
            progress = true;
            m_view.header->workerBell.ring();
        }
        if (offset < message.size())
            break;
        m_outbox.pop_front();
    }
    return progress;
}

} // namespace jobpool::detail
