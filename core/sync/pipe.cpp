// SPDX-License-Identifier: GPL-3.0-or-later
#include "../ipc/futex.h"
#include "../ipc/ring.h"
#include "processstamp.h"
#include "waiting.h"

#include <jobpool/errors.h>
#include <jobpool/pipe.h>

#include <algorithm>
#include <atomic>

#include <unistd.h>

namespace jobpool::detail {
namespace {

using Clock = Deadline::Clock;

constexpr std::uint64_t kMagic = 0x31657069'50505050; // "PPPPipe1"
constexpr std::uint64_t kDataOffset = 4096;
/// Per direction. Its pages are allocated as they are first written; a message up to
/// half of it travels in one piece and is decoded in place, a larger one in pieces.
constexpr std::uint64_t kRingBytes = std::uint64_t(1) << 20;
constexpr qsizetype kMaxMessage = 0x7fffffff;
/// How often a waiting end looks whether the process owning the other end still lives.
constexpr std::chrono::milliseconds kLivenessPeriod(100);

/// Who owns an end: a ProcessStamp packed in one word, so that it changes at once — the
/// pid (below 2^22 on Linux) in the low bits, the start time above them.
constexpr int kPidBits = 22;

std::uint64_t ownStamp()
{
    const ProcessStamp self = ProcessStamp::current();
    return (self.startTime << kPidBits) | std::uint64_t(std::uint32_t(self.pid));
}

bool ownerAlive(std::uint64_t packed)
{
    const ProcessStamp owner{std::int32_t(packed & ((std::uint64_t(1) << kPidBits) - 1)),
                             packed >> kPidBits};
    return owner.pid == 0 || owner.pid == getpid() || owner.isAlive();
}

struct EndState
{
    alignas(64) std::atomic<std::uint32_t> closed{0};
    std::atomic<std::uint64_t> owner{0}; ///< see kPidBits
};

/// What one end sends to the other.
struct Direction
{
    ipc::RingControl ring;
    alignas(64) ipc::Doorbell data; ///< the receiver sleeps on it, the sender rings it
    alignas(64) ipc::Doorbell room; ///< the sender sleeps on it while the ring is full
};

struct Header
{
    std::uint64_t magic;
    std::uint64_t ringBytes;
    std::uint32_t duplex;
    EndState ends[2];
    Direction directions[2]; ///< directions[i] carries what end i sends
};
static_assert(sizeof(Header) <= kDataOffset);

std::uint64_t blockSize(bool duplex)
{
    return kDataOffset + (duplex ? 2 : 1) * kRingBytes;
}

} // namespace

struct PipeChannel::Private
{
    std::shared_ptr<SharedBlock> block;
    Header *header = nullptr;
    std::uint32_t side = 0;
    bool sends = false;
    bool receives = false;
    bool holding = false; ///< receive() returned a message not released yet
    ipc::RingWriter writer;
    ipc::RingReader reader;
    bool peerGone = false; ///< as last looked up: the end may be handed on meanwhile
    Clock::time_point nextLivenessCheck;

    EndState &self() const { return header->ends[side]; }
    EndState &peer() const { return header->ends[side ^ 1]; }
    Direction &outgoing() const { return header->directions[side]; }
    Direction &incoming() const { return header->directions[side ^ 1]; }
    char *ringData(std::uint32_t direction) const
    {
        const std::uint64_t index = header->duplex ? direction : 0;
        return static_cast<char *>(block->data()) + kDataOffset + index * kRingBytes;
    }

    /// True once the other end is closed, or the process owning it has ended (looked up
    /// at most every kLivenessPeriod, and only by an end that has waited that long).
    bool peerClosed(bool lookUpOwner)
    {
        if (peer().closed.load(std::memory_order_acquire))
            return true;
        if (lookUpOwner && Clock::now() >= nextLivenessCheck) {
            peerGone = !ownerAlive(peer().owner.load(std::memory_order_acquire));
            nextLivenessCheck = Clock::now() + kLivenessPeriod;
        }
        return peerGone;
    }

    void checkOpen(const char *operation) const
    {
        if (self().closed.load(std::memory_order_relaxed))
            throw PoolError(
                QStringLiteral("Pipe: %1() on a closed end").arg(QLatin1String(operation)));
    }
};

std::pair<std::shared_ptr<PipeChannel>, std::shared_ptr<PipeChannel>>
PipeChannel::create(bool duplex)
{
    auto block = SharedBlock::create(blockSize(duplex), SharedBlock::Pages::OnTouch);
    auto *h = new (block->data()) Header{};
    h->magic = kMagic;
    h->ringBytes = kRingBytes;
    h->duplex = duplex ? 1 : 0;
    return {std::make_shared<PipeChannel>(block, 0), std::make_shared<PipeChannel>(block, 1)};
}

PipeChannel::PipeChannel(std::shared_ptr<SharedBlock> block, std::uint32_t side)
    : d(std::make_unique<Private>())
{
    auto *h =
        block && block->size() >= kDataOffset ? static_cast<Header *>(block->data()) : nullptr;
    if (!h || h->magic != kMagic || h->ringBytes != kRingBytes || h->duplex > 1
        || block->size() != blockSize(h->duplex) || side > 1)
        throw ProtocolError(QStringLiteral("a pipe handle names a block that is not a pipe"));
    d->block = std::move(block);
    d->header = h;
    d->side = side;
    // One-way: end 0 receives, end 1 sends.
    d->sends = h->duplex || side == 1;
    d->receives = h->duplex || side == 0;
    if (d->sends)
        d->writer = ipc::RingWriter(&d->outgoing().ring, d->ringData(side), kRingBytes);
    if (d->receives)
        d->reader =
            ipc::RingReader(&d->incoming().ring, d->ringData(side ^ 1), kRingBytes, kMaxMessage);
    d->self().owner.store(ownStamp(), std::memory_order_release);
}

PipeChannel::~PipeChannel() = default;

const std::shared_ptr<SharedBlock> &PipeChannel::block() const
{
    return d->block;
}

std::uint32_t PipeChannel::side() const
{
    return d->side;
}

void PipeChannel::send(QByteArrayView message)
{
    if (!d->sends)
        throw PoolError(QStringLiteral("Pipe: send() on the receiving end of a one-way pipe"));
    d->checkOpen("send");
    if (message.size() > kMaxMessage)
        throw PoolError(
            QStringLiteral("Pipe: a message of %1 bytes is larger than 2 GiB").arg(message.size()));
    Direction &out = d->outgoing();
    qsizetype offset = 0;
    for (;;) {
        if (d->peerClosed(false))
            throw PoolError(QStringLiteral("Pipe: send() while the other end is closed"));
        const std::uint64_t tailSeen = out.ring.tail.load(std::memory_order_acquire);
        offset = d->writer.write(message, offset);
        out.data.ring();
        if (offset == message.size())
            return;
        // Full: wait until the receiver makes room (it rings after every message).
        const auto roomOrClosed = [&] {
            return out.ring.tail.load(std::memory_order_acquire) != tailSeen
                   || d->peer().closed.load(std::memory_order_acquire);
        };
        if (spinUntil(roomOrClosed))
            continue;
        if (!out.room.wait(roomOrClosed, kLivenessPeriod) && d->peerClosed(true))
            throw PoolError(
                QStringLiteral("Pipe: send() while the process at the other end has ended"));
    }
}

bool PipeChannel::receive(QByteArrayView &message, std::chrono::milliseconds timeout)
{
    if (!d->receives)
        throw PoolError(QStringLiteral("Pipe: recv() on the sending end of a one-way pipe"));
    d->checkOpen("recv");
    Direction &in = d->incoming();
    const Deadline deadline(timeout);
    bool waitedLong = false;
    for (;;) {
        // Looked at before the ring: what was sent before the close is then there.
        const bool closed = d->peerClosed(waitedLong);
        if (d->reader.next(message)) {
            d->holding = true;
            return true;
        }
        if (d->reader.takeReleased())
            in.room.ring(); // pieces of a large message were taken: room for the rest
        if (closed || deadline.passed())
            return false;
        const auto dataOrClosed = [&] {
            return d->reader.hasData() || d->peer().closed.load(std::memory_order_acquire);
        };
        if (spinUntil(dataOrClosed))
            continue;
        const std::chrono::nanoseconds slice = deadline.slice(kLivenessPeriod);
        waitedLong = !in.data.wait(dataOrClosed, slice) && slice == kLivenessPeriod;
    }
}

void PipeChannel::release()
{
    if (!d->holding)
        return;
    d->holding = false;
    d->reader.release();
    d->incoming().room.ring();
}

bool PipeChannel::poll(std::chrono::milliseconds timeout)
{
    if (!d->receives)
        throw PoolError(QStringLiteral("Pipe: poll() on the sending end of a one-way pipe"));
    d->checkOpen("poll");
    Direction &in = d->incoming();
    const Deadline deadline(timeout);
    const auto dataOrClosed = [&] {
        return d->reader.hasData() || d->peer().closed.load(std::memory_order_acquire);
    };
    for (;;) {
        if (dataOrClosed() || d->peerClosed(true))
            return true;
        if (deadline.passed())
            return false;
        in.data.wait(dataOrClosed, deadline.slice(kLivenessPeriod));
    }
}

void PipeChannel::close()
{
    d->self().closed.store(1, std::memory_order_seq_cst);
    // Wake the other end wherever it may wait for this one: for data, or for room.
    d->outgoing().data.ring();
    d->incoming().room.ring();
}

bool PipeChannel::isClosed() const
{
    return d->self().closed.load(std::memory_order_relaxed) != 0;
}

} // namespace jobpool::detail
