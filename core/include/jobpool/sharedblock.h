// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <jobpool/codec.h>

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <memory>

namespace jobpool::detail {

/// A block of anonymous shared memory that can travel to other processes of the same
/// user as a task argument: it is encoded as a handle (the creator's pid, its descriptor,
/// the file's inode) that the receiver opens through /proc and maps. Nothing is named in
/// /dev/shm; the memory is gone once no process maps it any more. Value, Array and the
/// locks are built on it.
class SharedBlock
{
public:
    /// When a block's memory is allocated: all of it at once (Value, Array: a worker then
    /// fills it at full speed), or each page when it is first written (a large region of
    /// which little may ever be used, such as a Queue's).
    enum class Pages { UpFront, OnTouch };
    /// A new zero-filled block of \a size bytes.
    static std::shared_ptr<SharedBlock> create(std::size_t size, Pages pages = Pages::UpFront);
    ~SharedBlock();
    SharedBlock(const SharedBlock &) = delete;
    SharedBlock &operator=(const SharedBlock &) = delete;

    void *data() const { return m_data; }
    std::size_t size() const { return m_size; }

    void encode(Encoder &out) const;
    /// The block a handle names: the one this process already maps, or a new mapping.
    /// Throws ProtocolError when the handle is malformed, PoolError when the block cannot
    /// be opened (its creator is gone, or it belongs to another user).
    static std::shared_ptr<SharedBlock> decode(Decoder &in);

    /// Workers keep the blocks they were handed mapped between tasks (mapping 256 MiB
    /// costs more than filling it), and let go of each once its creator has: the worker
    /// loop calls this now and then.
    static void releaseAbandoned();

private:
    SharedBlock() = default;
    void *m_data = nullptr;
    std::size_t m_size = 0;
    int m_fd = -1;          ///< kept open by the creator, so that others can open the block
    std::int64_t m_pid = 0; ///< the process whose descriptor m_fd is
    std::uint64_t m_inode = 0;
    std::int64_t m_creatorPid = 0; ///< where it came from, for a decoded block
    std::int64_t m_creatorFd = -1;
};

/// A type that lives in a SharedBlock and is rebuilt from one: Value, Array, the locks.
template<class T>
concept SharedObject = requires(const T &t)
{
    {
        t.block()
        } -> std::convertible_to<const std::shared_ptr<SharedBlock> &>;
}
&&std::constructible_from<T, std::shared_ptr<SharedBlock>>;

} // namespace jobpool::detail

namespace jobpool {

/// Shared objects travel as handles to the same memory, never as copies of it.
template<class T>
struct Codec<T, std::enable_if_t<detail::SharedObject<T>>>
{
    static void encode(Encoder &out, const T &object) { object.block()->encode(out); }
    static T decode(Decoder &in) { return T(detail::SharedBlock::decode(in)); }
};

} // namespace jobpool
