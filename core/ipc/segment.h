// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QString>

#include <cstddef>

namespace jobpool::ipc {

/// A block of shared memory backed by an anonymous memfd: nothing in /dev/shm, nothing
/// another user can open, gone when the last process holding it lets go. A child gets
/// it by inheriting the descriptor (see Segment::fd()).
class Segment
{
public:
    Segment() = default;
    ~Segment();
    Segment(Segment &&other) noexcept;
    Segment &operator=(Segment &&other) noexcept;
    Segment(const Segment &) = delete;
    Segment &operator=(const Segment &) = delete;

    /// A new zero-filled segment of \a size bytes; throws PoolError on failure.
    static Segment create(const char *debugName, std::size_t size);
    /// Maps a segment whose descriptor this process inherited; takes ownership of \a fd.
    static Segment adopt(int fd);

    bool isValid() const { return m_data != nullptr; }
    void *data() const { return m_data; }
    std::size_t size() const { return m_size; }
    int fd() const { return m_fd; }
    /// Closes the descriptor but keeps the mapping (once a child has it, the parent's
    /// descriptor is only a way to leak it into the next child).
    void closeFd();

private:
    void reset();
    void *m_data = nullptr;
    std::size_t m_size = 0;
    int m_fd = -1;
};

} // namespace jobpool::ipc
