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
//   ring-garbage  ready, then random bytes into its response ring
//   huge-count    ready, then a well-formed result whose first value announces 2^60
//                 elements (a string or a list would be that long)
//   bad-error     ready, then a result saying the task threw, whose exception type
//                 announces 2^60 characters
//   bulk-garbage  ready, then a bulk message: a well-formed result header followed by
//                 2 MiB of random bytes
//
// With JOBPOOL_BROKEN_AFTER=N, the modes that begin with "ready" first answer N Run
// messages correctly (tasks "triple": 3n, and "label": 3n as a QString), so that they
// break the protocol in the middle of a run, with results already delivered.
#include "../../core/ipc/channel.h"
#include "../../core/ipc/segment.h"
#include "../../core/pool/protocol.h"

#include <algorithm>
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
    /// The next Run message; anything else (the pool's Exit) ends the process.
    QByteArray receive()
    {
        QByteArrayView message;
        while (!in.next(message))
            view.header->workerBell.wait([this] { return in.hasData(); }, std::chrono::seconds(1));
        QByteArray copy = message.toByteArray();
        in.release();
        if (copy.size() < qsizetype(sizeof(detail::RunHeader))
            || detail::kindOf(copy) != ipc::MessageKind::Run)
            std::exit(0);
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

/// The right answer to \a run: every record's results, for the two tasks we know.
QByteArray answer(const QByteArray &run)
{
    QByteArray out;
    Encoder e(out);
    Decoder in(run);
    detail::RunHeader first{};
    std::memcpy(&first, run.constData(), sizeof first);
    for (std::uint32_t r = 0; r < std::max<std::uint32_t>(1, first.records); ++r) {
        detail::RunHeader header{};
        in.readRaw(&header, sizeof header);
        Decoder record(in.take(qsizetype(header.bytes)), qsizetype(header.bytes));
        const QByteArray task = record.read<QByteArray>();
        const qsizetype at = e.size();
        detail::ResultHeader result{std::uint32_t(ipc::MessageKind::Result), 0, header.chunkId,
                                    header.count, 0};
        e.writeRaw(&result, sizeof result);
        for (std::int64_t i = 0; i < header.count; ++i) {
            const int n = record.read<int>();
            if (task == "label")
                e.write(QString::number(3 * n));
            else
                e.write(3 * n);
        }
        result.bytes = std::uint64_t(e.size() - at - qsizetype(sizeof result));
        std::memcpy(e.at(at), &result, sizeof result);
    }
    return out;
}

void fillRandom(char *to, std::uint64_t bytes)
{
    std::mt19937_64 random(std::random_device{}());
    for (std::uint64_t i = 0; i + 8 <= bytes; i += 8) {
        const std::uint64_t r = random();
        std::memcpy(to + i, &r, 8);
    }
}

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
        const char *after = std::getenv("JOBPOOL_BROKEN_AFTER");
        for (int served = after ? std::atoi(after) : 0; served > 0; --served)
            link.send(answer(link.receive()));
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
        } else if (mode == "ring-garbage") {
            // Where the next fragment would start, and published as if it were one.
            const std::uint64_t head = view.header->responses.head.load();
            const std::uint64_t at = head & (cap - 1);
            const std::uint64_t bytes = std::min<std::uint64_t>(cap - at, 4096);
            fillRandom(view.responseData + at, bytes);
            view.header->responses.head.store(head + bytes, std::memory_order_release);
            bell->parentBell.ring();
        } else if (mode == "huge-count") {
            QByteArray values;
            Encoder e(values);
            e.writeSize(qsizetype(1) << 60);
            e.write(QStringLiteral("hi"));
            link.send(result(run.chunkId, run.count, std::uint64_t(values.size()), values));
        } else if (mode == "bad-error") {
            QByteArray error;
            Encoder e(error);
            e.writeSize(qsizetype(1) << 60);
            const detail::ResultHeader header{std::uint32_t(ipc::MessageKind::Result), 1,
                                              run.chunkId, 0, std::uint64_t(error.size())};
            QByteArray message(reinterpret_cast<const char *>(&header), sizeof header);
            link.send(QByteArray(message + error));
        } else if (mode == "bulk-garbage") {
            const std::uint64_t bytes = std::uint64_t(2) << 20;
            const detail::ResultHeader header{std::uint32_t(ipc::MessageKind::Result), 0,
                                              run.chunkId, run.count,
                                              bytes - sizeof(detail::ResultHeader)};
            std::memcpy(view.responseBulk, &header, sizeof header);
            fillRandom(view.responseBulk + sizeof header, bytes - sizeof header);
            const ipc::BulkReference ref{std::uint32_t(ipc::MessageKind::Bulk), 0, bytes};
            link.send(QByteArrayView(reinterpret_cast<const char *>(&ref), sizeof ref));
        } else {
            return 66;
        }
    }
    // Stay alive: the pool must drop us, not wait for us to go.
    for (;;)
        pause();
}
