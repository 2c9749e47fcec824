// SPDX-License-Identifier: GPL-3.0-or-later
#include <jobpool/errors.h>
#include <jobpool/sharedblock.h>
#include <jobpool/task.h>

#include <QHash>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <vector>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace jobpool::detail {
namespace {

struct Handle
{
    std::int64_t pid;
    std::int64_t fd;
    std::uint64_t inode;
    std::uint64_t size;
};

/// Blocks this process maps, by inode, so that a block passed to a worker many times is
/// mapped once, and one that comes back to its creator is the creator's own.
struct Mappings
{
    std::mutex mutex;
    QHash<std::uint64_t, std::weak_ptr<SharedBlock>> byInode;
    std::vector<std::shared_ptr<SharedBlock>> kept; ///< decoded blocks a worker holds on to
    /// Blocks a worker created and handed out (a task returned an Array): kept mapped, and
    /// their descriptors open, so that the parent can still open them after the task's
    /// own copy is gone. The oldest goes when a newer one needs the room.
    std::vector<std::shared_ptr<const SharedBlock>> handedOut;
};

constexpr std::size_t kMaxKept = 32;

void registerBlock(Mappings &m, std::uint64_t inode, const std::shared_ptr<SharedBlock> &block)
{
    if (m.byInode.size() > 64)
        m.byInode.removeIf([](const auto &entry) { return entry.value().expired(); });
    m.byInode.insert(inode, block);
}

/// True while process \a pid still holds the memory file \a inode as descriptor \a fd.
bool creatorHolds(std::int64_t pid, std::int64_t fd, std::uint64_t inode)
{
    const QByteArray path =
        QByteArray("/proc/") + QByteArray::number(pid) + "/fd/" + QByteArray::number(fd);
    struct stat st
    {
    };
    return stat(path.constData(), &st) == 0 && std::uint64_t(st.st_ino) == inode;
}

Mappings &mappings()
{
    static Mappings m;
    return m;
}

QString lastError()
{
    return QString::fromLocal8Bit(std::strerror(errno));
}

} // namespace

std::shared_ptr<SharedBlock> SharedBlock::create(std::size_t size, Pages pages)
{
    std::shared_ptr<SharedBlock> block(new SharedBlock);
    block->m_fd = memfd_create("jobpool-shared", MFD_CLOEXEC);
    if (block->m_fd < 0)
        throw PoolError(QStringLiteral("shared memory: memfd_create: %1").arg(lastError()));
    const std::size_t mapped = std::max<std::size_t>(size, 1);
    // Allocated now, not page by page while a worker fills it (unless asked otherwise).
    const bool upFront = pages == Pages::UpFront;
    if (ftruncate(block->m_fd, off_t(mapped)) != 0
        || (upFront && fallocate(block->m_fd, 0, 0, off_t(mapped)) != 0))
        throw PoolError(QStringLiteral("shared memory: cannot allocate %1 bytes: %2")
                            .arg(mapped)
                            .arg(lastError()));
    block->m_data = mmap(nullptr, mapped, PROT_READ | PROT_WRITE,
                         upFront ? MAP_SHARED | MAP_POPULATE : MAP_SHARED, block->m_fd, 0);
    if (block->m_data == MAP_FAILED) {
        block->m_data = nullptr;
        throw PoolError(QStringLiteral("shared memory: mmap: %1").arg(lastError()));
    }
    struct stat st
    {
    };
    fstat(block->m_fd, &st);
    block->m_size = size;
    block->m_pid = getpid();
    block->m_inode = std::uint64_t(st.st_ino);
    Mappings &m = mappings();
    std::lock_guard lock(m.mutex);
    registerBlock(m, block->m_inode, block);
    return block;
}

SharedBlock::~SharedBlock()
{
    // Not a word to mappings(): a block may die while that lock is held (an evicted or
    // half-built one); its expired entry is swept when the next block is registered.
    if (m_data)
        munmap(m_data, std::max<std::size_t>(m_size, 1));
    if (m_fd >= 0)
        ::close(m_fd);
}

void SharedBlock::encode(Encoder &out) const
{
    const Handle h{m_pid, m_fd, m_inode, m_size};
    out.writeRaw(&h, sizeof h);
    if (isWorkerProcess() && m_creatorPid == 0) {
        std::shared_ptr<const SharedBlock> evicted; // destroyed after the lock is let go
        Mappings &m = mappings();
        std::lock_guard lock(m.mutex);
        const auto self = m.byInode.value(m_inode).lock();
        if (self && std::find(m.handedOut.begin(), m.handedOut.end(), self) == m.handedOut.end()) {
            if (m.handedOut.size() == kMaxKept) {
                evicted = std::move(m.handedOut.front());
                m.handedOut.erase(m.handedOut.begin());
            }
            m.handedOut.push_back(self);
        }
    }
}

std::shared_ptr<SharedBlock> SharedBlock::decode(Decoder &in)
{
    Handle h{};
    in.readRaw(&h, sizeof h);
    if (h.pid <= 0 || h.fd < 0)
        throw ProtocolError(QStringLiteral("malformed shared memory handle"));
    std::shared_ptr<SharedBlock> evicted; // destroyed after the lock is let go
    Mappings &m = mappings();
    std::lock_guard lock(m.mutex);
    if (auto known = m.byInode.value(h.inode).lock())
        return known;

    // The creator keeps its descriptor open; /proc lets a process of the same user open
    // the very same memory file through it.
    const QByteArray path =
        QByteArray("/proc/") + QByteArray::number(h.pid) + "/fd/" + QByteArray::number(h.fd);
    const int fd = open(path.constData(), O_RDWR | O_CLOEXEC);
    if (fd < 0)
        throw PoolError(QStringLiteral("cannot open shared memory of process %1: %2")
                            .arg(h.pid)
                            .arg(lastError()));
    struct stat st
    {
    };
    if (fstat(fd, &st) != 0 || std::uint64_t(st.st_ino) != h.inode
        || std::uint64_t(st.st_size) < h.size) {
        ::close(fd);
        throw PoolError(QStringLiteral("shared memory of process %1 is gone").arg(h.pid));
    }
    std::shared_ptr<SharedBlock> block(new SharedBlock);
    block->m_fd = fd;
    block->m_size = std::size_t(h.size);
    block->m_pid = getpid();
    block->m_inode = h.inode;
    block->m_creatorPid = h.pid;
    block->m_creatorFd = h.fd;
    // Populating a block created with Pages::OnTouch would allocate all of it: map in
    // advance only what is already allocated, which is all of a Pages::UpFront block.
    const bool allocated = std::uint64_t(st.st_blocks) * 512 >= h.size;
    block->m_data = mmap(nullptr, std::max<std::size_t>(block->m_size, 1), PROT_READ | PROT_WRITE,
                         allocated ? MAP_SHARED | MAP_POPULATE : MAP_SHARED, fd, 0);
    if (block->m_data == MAP_FAILED) {
        block->m_data = nullptr;
        throw PoolError(QStringLiteral("shared memory: mmap: %1").arg(lastError()));
    }
    registerBlock(m, h.inode, block);
    if (isWorkerProcess()) {
        if (m.kept.size() == kMaxKept) {
            evicted = std::move(m.kept.front());
            m.kept.erase(m.kept.begin());
        }
        m.kept.push_back(block);
    }
    return block;
}

void SharedBlock::releaseAbandoned()
{
    std::vector<std::shared_ptr<SharedBlock>> released; // destroyed outside the lock
    {
        Mappings &m = mappings();
        std::lock_guard lock(m.mutex);
        auto abandoned = [](const std::shared_ptr<SharedBlock> &b) {
            return !creatorHolds(b->m_creatorPid, b->m_creatorFd, b->m_inode);
        };
        for (auto it = m.kept.begin(); it != m.kept.end();) {
            if (abandoned(*it)) {
                released.push_back(std::move(*it));
                it = m.kept.erase(it);
            } else {
                ++it;
            }
        }
    }
}

} // namespace jobpool::detail
