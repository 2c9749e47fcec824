// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "../ipc/channel.h"

#include <jobpool/codec.h>

#include <cstdint>
#include <cstring>
#include <exception>

namespace jobpool::detail {

/// The largest message either side accepts; anything bigger is a protocol error, so a
/// hostile or broken peer cannot make the other allocate without bound.
constexpr qsizetype kMaxMessageSize = qsizetype(1) << 31;

/// The default size of each ring of a worker's channel.
constexpr std::uint64_t kRingCapacity = std::uint64_t(1) << 20;

/// Each direction's bulk region can hold the largest message.
constexpr std::uint64_t kBulkCapacity = ipc::kBulkRegionSize;
static_assert(kBulkCapacity == std::uint64_t(kMaxMessageSize));

/// Messages up to this size are copied into the ring; larger ones stay in the bulk region.
constexpr qsizetype kInlineLimit = 64 * 1024;

/// The kind of a message; 0 for one too short to have one.
inline ipc::MessageKind kindOf(QByteArrayView message)
{
    std::uint32_t kind = 0;
    if (message.size() >= qsizetype(sizeof kind))
        std::memcpy(&kind, message.data(), sizeof kind);
    return ipc::MessageKind(kind);
}

/// Offsets of the fields patched after a Result's results were written.
/// A Run message holds one or more records, each a RunHeader followed by the task name
/// and the items; small chunks travel together so that a worker is woken, and answers,
/// once for many of them. The answer is one Result message with a record per chunk, in
/// the same order. Each record says how long it is, so a malformed one cannot make the
/// reader lose its place in the next.
struct RunHeader
{
    std::uint32_t kind;
    std::uint32_t records; ///< in the first record: how many records the message holds
    std::uint64_t chunkId;
    std::int64_t count;
    std::uint64_t bytes; ///< what follows this header in this record
};
static_assert(sizeof(RunHeader) == 32);

struct ResultHeader
{
    std::uint32_t kind;
    std::uint32_t failed;
    std::uint64_t chunkId;
    std::int64_t completed;
    std::uint64_t bytes; ///< what follows this header in this record: results[, error]
};
static_assert(sizeof(ResultHeader) == 32);

/// The type name and message of an exception, for a RemoteError on the other side.
std::pair<QString, QString> describeException(const std::exception_ptr &error);

/// The worker's main loop: serves the channel until told to exit or the parent is gone.
/// Returns the process's exit status.
int runWorker(int channelFd, int bellFd, pid_t parentPid);

/// In a worker, tells the parent which command a task is running (0: none) and the task's
/// own name for it (say, a job number), for WorkerInfo::childPid and childTag and for
/// signalling its process group; elsewhere does nothing.
void publishChildPid(qint64 pid, qint64 tag = 0);

/// In a child a task has just forked (or vforked) to become a command, before exec: gives
/// it back the CPUs the worker inherited, when the worker keeps to one of them
/// (PoolOptions::pinWorkers). A single system call, safe between vfork() and exec.
void releaseWorkerCpu();

/// A Process child: runs the call stored in the inherited segment. Returns the exit status.
int runProcessChild(int callFd, pid_t parentPid);

} // namespace jobpool::detail
