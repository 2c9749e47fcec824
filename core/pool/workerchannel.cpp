// SPDX-License-Identifier: GPL-3.0-or-later
#include "workerchannel.h"

namespace jobpool::detail {

WorkerChannel::WorkerChannel()
    : m_segment(ipc::Segment::create("jobpool-worker",
                                     ipc::ChannelView::segmentSize(kRingCapacity, kBulkCapacity)))
    , m_view(ipc::ChannelView::initialise(m_segment, kRingCapacity, kBulkCapacity))
    , m_requests(&m_view.header->requests, m_view.requestData, kRingCapacity)
    , m_responses(&m_view.header->responses, m_view.responseData, kRingCapacity, kMaxMessageSize)
    , m_requestBulk(&m_view.header->requestBulkMap, m_view.requestBulk)
    , m_responseBulk(&m_view.header->responseBulkMap, m_view.responseBulk)
{
    ipc::BulkReceiver::reclaimOrphans();
}

WorkerChannel::~WorkerChannel()
{
    if (m_responseBulk.lending())
        m_responseBulk.orphan(std::make_shared<ipc::Segment>(std::move(m_segment)));
}

void WorkerChannel::sendInitializer(QByteArrayView message)
{
    m_view.header->hasInitializer = 1;
    send(message);
}

Encoder WorkerChannel::requestEncoder(QByteArray &scratch)
{
    return m_requestBulk.encoder(scratch);
}

void WorkerChannel::sendEncoded(const Encoder &encoder)
{
    ipc::BulkReference ref{};
    if (m_requestBulk.claim(encoder, kInlineLimit, ref))
        send(QByteArrayView(reinterpret_cast<const char *>(&ref), sizeof ref));
    else
        send(QByteArrayView(encoder.data(), encoder.size()));
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
