// SPDX-License-Identifier: GPL-3.0-or-later
// jobpool-brokenworker: a worker program that breaks the protocol on purpose, to show
// that a pool drops such a worker with a clear error instead of crashing, hanging or
// allocating without bound. A pool starts it like any worker program; the environment
// variable JOBPOOL_BROKEN_MODE picks what it does wrong:
//
//   random        random bytes into its response ring, before saying it is ready
//   huge-length   a fragment header announcing 4 GiB
//   huge-bulk     ready, then a bulk reference to 1 TiB
//   bad-kind      ready, then a message of an unknown kind
//   wrong-chunk   ready, then a well-formed result for a chunk it was never given
//   too-many      ready, then a result with more items than the chunk had
//   short-record  ready, then a result record longer than its message
#include "../../core/ipc/channel.h"
#include "../../core/ipc/segment.h"
#include "../../core/pool/protocol.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>

#include <unistd.h>

using namespace jobpool;

namespace {

struct Link
{
    ipc::ChannelView view;
    ipc::PoolBellHeader *bell;
    ipc::RingWriter out;
    ipc::RingReader in;

    void send(QByteArrayView message)
    {
        out.write(message, 0);
        bell->parentBell.ring();
    }
    QByteArray receive()
    {
        QByteArrayView message;
        while (!in.next(message))
            view.header->workerBell.wait([this] { return in.hasData(); }, std::chrono::seconds(1));
        QByteArray copy = message.toByteArray();
        in.release();
        return copy;
    }
    void sendReady()
    {
        QByteArray ready;
        Encoder e(ready);
        e.write(std::uint32_t(ipc::MessageKind::Ready));
        e.write(std::int64_t(getpid()));
        send(ready);
    }
    detail::RunHeader receiveRun()
    {
        const QByteArray run = receive();
        detail::RunHeader header{};
        std::memcpy(&header, run.constData(), sizeof header);
        return header;
    }
};

QByteArray result(std::uint64_t chunk, std::int64_t completed, std::uint64_t bytes,
                  QByteArrayView payload)
{
    const detail::ResultHeader header{std::uint32_t(ipc::MessageKind::Result), 0, chunk, completed,
                                      bytes};
    QByteArray message(reinterpret_cast<const char *>(&header), sizeof header);
    message.append(payload);
    return message;
}

} // namespace

int main(int argc, char **argv)
{
    if (argc < 5 || std::strcmp(argv[1], "--jobpool-worker") != 0)
        return 64;
    ipc::Segment channel = ipc::Segment::adopt(std::atoi(argv[2]));
    ipc::Segment bellSegment = ipc::Segment::adopt(std::atoi(argv[3]));
    const ipc::ChannelView view = ipc::ChannelView::attach(channel);
    if (!view.header)
        return 65;
    auto *bell = static_cast<ipc::PoolBellHeader *>(bellSegment.data());
    const std::uint64_t cap = view.header->ringCapacity;
    Link link{
        view, bell, ipc::RingWriter(&view.header->responses, view.responseData, cap),
        ipc::RingReader(&view.header->requests, view.requestData, cap, detail::kMaxMessageSize)};

    const std::string mode =
        std::getenv("JOBPOOL_BROKEN_MODE") ? std::getenv("JOBPOOL_BROKEN_MODE") : "";
    if (mode == "random") {
        std::mt19937_64 random(std::random_device{}());
        for (std::uint64_t i = 0; i < cap / 8; ++i) {
            const std::uint64_t r = random();
            std::memcpy(view.responseData + i * 8, &r, 8);
        }
        view.header->responses.head.store(cap / 2 + 8 * (random() % 1000),
                                          std::memory_order_release);
        bell->parentBell.ring();
    } else if (mode == "huge-length") {
        const ipc::FragmentHeader header{0xfffffff0u, ipc::FirstFragment | ipc::LastFragment};
        std::memcpy(view.responseData, &header, sizeof header);
        view.header->responses.head.store(cap, std::memory_order_release);
        bell->parentBell.ring();
    } else {
        link.sendReady();
        const detail::RunHeader run = link.receiveRun();
        if (mode == "huge-bulk") {
            const ipc::BulkReference ref{std::uint32_t(ipc::MessageKind::Bulk), 0,
                                         std::uint64_t(1) << 40};
            link.send(QByteArrayView(reinterpret_cast<const char *>(&ref), sizeof ref));
        } else if (mode == "bad-kind") {
            const std::uint32_t kind = 777;
            link.send(QByteArrayView(reinterpret_cast<const char *>(&kind), sizeof kind));
        } else if (mode == "wrong-chunk") {
            const int value = 4;
            link.send(result(run.chunkId + 1000, run.count, sizeof value,
                             QByteArrayView(reinterpret_cast<const char *>(&value), sizeof value)));
        } else if (mode == "too-many") {
            const QByteArray values(4 * (run.count + 5), '\0');
            link.send(result(run.chunkId, run.count + 5, std::uint64_t(values.size()), values));
        } else if (mode == "short-record") {
            link.send(result(run.chunkId, run.count, std::uint64_t(1) << 30, QByteArray(8, '\0')));
        } else {
            return 66;
        }
    }
    // Stay alive: the pool must drop us, not wait for us to go.
    for (;;)
        pause();
}
