// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <jobpool/codec.h>

#include <QString>

#include <cstddef>
#include <span>

namespace jobpool {

/// A named block of shared memory, the twin of Python's
/// multiprocessing.shared_memory.SharedMemory, for exchange with other programs: it is
/// /dev/shm/NAME (POSIX shm_open("/NAME"), as Python names it), so a Python process can
/// attach to it with `SharedMemory(name="NAME")`, and the other way round. Between JobPool
/// processes alone, Value and Array are simpler: they need no name and leave nothing behind.
///
/// \code
/// auto shm = jobpool::SharedMemory::create({}, 1 << 20);  // a new name: psm_1a2b3c4d
/// std::ranges::fill(shm.bytes(), std::byte{0});
/// jobpool::Process p(fill, jobpool::SharedMemory::attach(shm.name()));
/// p.start(); p.join();
/// shm.unlink();                                           // the name goes; nobody else's map
/// \endcode
///
/// Only its owner may open it: it is created with mode 0600 whatever the umask. Each
/// object maps the block once; it is move-only, and its destructor unmaps it (close()
/// does so early). **Nothing ever removes the name but unlink()**, as in Python (less its
/// resource tracker): not the destructor, not the end of the creator, so that a block
/// outlives the program that made it for another that reads it later. Whoever is last to
/// need it calls unlink(), once; until then it holds memory, and it stays in /dev/shm
/// if the program dies. Every failure throws PoolError naming the block and the reason.
///
/// As a task or Process argument it travels by name and the receiver attaches to it (the
/// parent keeps its own: pass a second attach(), or std::move() one you no longer need).
class SharedMemory
{
public:
    /// A new block of \a size bytes (> 0), zero-filled, named \a name — or, when \a name is
    /// empty, a new name like Python's, "psm_" and 8 hex digits. Throws PoolError when the
    /// name exists or is invalid (empty when attaching, holds '/', longer than 255 bytes).
    static SharedMemory create(const QString &name, qsizetype size);
    /// The existing block \a name. Throws PoolError when there is none, when it belongs to
    /// another user (permission denied), or when it is empty.
    static SharedMemory attach(const QString &name);

    SharedMemory(SharedMemory &&other) noexcept;
    SharedMemory &operator=(SharedMemory &&other) noexcept;
    SharedMemory(const SharedMemory &) = delete;
    SharedMemory &operator=(const SharedMemory &) = delete;
    ~SharedMemory();

    /// The name without a leading '/', as Python reports it.
    QString name() const { return m_name; }
    /// Its size in bytes (for attach(), the size of the block as it exists).
    qsizetype size() const { return m_size; }
    /// Where it is mapped; nullptr once closed (or moved from).
    void *data() const { return m_data; }
    std::span<std::byte> bytes() const
    {
        return {static_cast<std::byte *>(m_data), m_data ? std::size_t(m_size) : 0};
    }

    /// Unmaps the block from this object. The block and its name stay.
    void close();
    /// Removes the name from the system: nobody can attach any more, and the memory goes
    /// once the last mapping does. This object stays mapped. Throws PoolError when the name
    /// is gone already.
    void unlink();

private:
    SharedMemory(QString name, void *data, qsizetype size);

    QString m_name;
    void *m_data = nullptr;
    qsizetype m_size = 0;
};

/// A SharedMemory travels by name; the receiver attaches.
template<>
struct Codec<SharedMemory>
{
    static void encode(Encoder &out, const SharedMemory &memory) { out.write(memory.name()); }
    static SharedMemory decode(Decoder &in) { return SharedMemory::attach(in.read<QString>()); }
};

} // namespace jobpool
