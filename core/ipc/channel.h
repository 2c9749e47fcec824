// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "bulk.h"
#include "futex.h"
#include "ring.h"
#include "segment.h"

#include <cstdint>

namespace jobpool::ipc {

/// The layout of one worker's segment: its doorbell, a request ring (parent → worker)
/// and a response ring (worker → parent). The parent's doorbell lives in a separate
/// small segment that every worker of a pool shares, so the pool sleeps on one word.
struct ChannelHeader
{
    static constexpr std::uint32_t kMagic = 0x4a50434e; // "JPCN"
    static constexpr std::uint32_t kVersion = 6;

    std::uint32_t magic = kMagic;
    std::uint32_t version = kVersion;
    std::uint64_t ringCapacity = 0;
    std::uint32_t hasInitializer = 0; ///< the first request is an Initialize
    std::uint64_t bulkCapacity = 0;
    /// The worker leaves (MessageKind::Recycled) once its own resident memory is above
    /// this after a Run message; 0: no limit. Set before the worker starts.
    std::uint64_t maxMemory = 0;
    /// The CPU the worker keeps to (PoolOptions::pinWorkers); -1: any it inherited. Set
    /// before the worker starts.
    std::int32_t cpu = -1;
    alignas(64) Doorbell workerBell;
    /// Which units of each bulk region hold a message or an array lent out of one.
    alignas(64) BulkMap requestBulkMap;
    alignas(64) BulkMap responseBulkMap;
    RingControl requests;
    RingControl responses;
    alignas(64) std::atomic<std::int64_t> childPid{0}; ///< a command the worker runs, if any
    std::atomic<std::int64_t> childTag{0}; ///< what the task calls that command (a job number)
    /// The chunk the worker last started to run: when it dies, the parent tells the chunks
    /// of a message that ran (their results died with it) from those that never started.
    std::atomic<std::uint64_t> runningChunk{0};
};

/// What a channel segment looks like from one side. Behind the two rings lie two bulk
/// regions, one per direction: a large message is written there in place and only a
/// reference to it crosses the ring, so it is copied once instead of streamed through,
/// and a large byte array in it can be lent to the receiver without a copy (bulk.h).
/// The segment is sparse: a region costs memory only where it was written.
struct ChannelView
{
    ChannelHeader *header = nullptr;
    char *requestData = nullptr;
    char *responseData = nullptr;
    char *requestBulk = nullptr;
    char *responseBulk = nullptr;

    static constexpr std::uint64_t headerSpace()
    {
        return (sizeof(ChannelHeader) + 4095) & ~std::uint64_t(4095);
    }
    static std::size_t segmentSize(std::uint64_t ringCapacity, std::uint64_t bulkCapacity)
    {
        return std::size_t(headerSpace() + 2 * ringCapacity + 2 * bulkCapacity);
    }
    /// Lays out a fresh segment (parent side).
    static ChannelView initialise(Segment &segment, std::uint64_t ringCapacity,
                                  std::uint64_t bulkCapacity)
    {
        auto *h = new (segment.data()) ChannelHeader;
        h->ringCapacity = ringCapacity;
        h->bulkCapacity = bulkCapacity;
        return attach(segment);
    }
    /// Views an existing segment; an empty view when it is not one of ours.
    static ChannelView attach(Segment &segment)
    {
        ChannelView v;
        if (segment.size() < headerSpace())
            return v;
        auto *h = static_cast<ChannelHeader *>(segment.data());
        const std::uint64_t cap = h->ringCapacity;
        const std::uint64_t bulk = h->bulkCapacity;
        if (h->magic != ChannelHeader::kMagic || h->version != ChannelHeader::kVersion || cap == 0
            || (cap & (cap - 1)) != 0 || bulk != kBulkRegionSize
            || segmentSize(cap, bulk) != segment.size())
            return v;
        v.header = h;
        v.requestData = static_cast<char *>(segment.data()) + headerSpace();
        v.responseData = v.requestData + cap;
        v.requestBulk = v.responseData + cap;
        v.responseBulk = v.requestBulk + bulk;
        return v;
    }
};

/// The pool-wide segment holding the parent's doorbell.
struct PoolBellHeader
{
    alignas(64) Doorbell parentBell;
};

/// Messages on the rings. Every message starts with its kind.
enum class MessageKind : std::uint32_t {
    // parent → worker
    Run = 1,        ///< u64 chunk id, task name, i64 item count, the items
    Initialize = 2, ///< task name, the arguments
    Exit = 3,       ///< finish and exit cleanly
    // either way
    Bulk = 50, ///< u32 0, u64 size: the message itself waits in the sender's bulk region
    // worker → parent
    Ready = 100,      ///< i64 pid: initialised, waiting for work
    Result = 101,     ///< u64 chunk id, i64 items completed, u8 failed, results[, error]
    InitFailed = 102, ///< exception type, message
    /// i64 resident bytes: after the Result before it, over the memory limit; it starts
    /// nothing more (what waits in its ring never ran) and exits
    Recycled = 103,
};

} // namespace jobpool::ipc
