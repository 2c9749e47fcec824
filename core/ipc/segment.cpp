// SPDX-License-Identifier: GPL-3.0-or-later
#include "segment.h"

#include <jobpool/errors.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace jobpool::ipc {
namespace {

[[noreturn]] void fail(const char *what)
{
    throw PoolError(QStringLiteral("shared memory: %1: %2")
                        .arg(QLatin1String(what), QString::fromLocal8Bit(std::strerror(errno))));
}

} // namespace

Segment::~Segment()
{
    reset();
}

Segment::Segment(Segment &&other) noexcept
    : m_data(std::exchange(other.m_data, nullptr))
    , m_size(std::exchange(other.m_size, 0))
    , m_fd(std::exchange(other.m_fd, -1))
{}

Segment &Segment::operator=(Segment &&other) noexcept
{
    if (this != &other) {
        reset();
        m_data = std::exchange(other.m_data, nullptr);
        m_size = std::exchange(other.m_size, 0);
        m_fd = std::exchange(other.m_fd, -1);
    }
    return *this;
}

void Segment::reset()
{
    if (m_data)
        munmap(m_data, m_size);
    closeFd();
    m_data = nullptr;
    m_size = 0;
}

void Segment::closeFd()
{
    if (m_fd >= 0)
        ::close(m_fd);
    m_fd = -1;
}

Segment Segment::create(const char *debugName, std::size_t size)
{
    Segment s;
    s.m_fd = memfd_create(debugName, MFD_CLOEXEC);
    if (s.m_fd < 0)
        fail("memfd_create");
    if (ftruncate(s.m_fd, off_t(size)) != 0)
        fail("ftruncate");
    s.m_data = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, s.m_fd, 0);
    if (s.m_data == MAP_FAILED) {
        s.m_data = nullptr;
        fail("mmap");
    }
    s.m_size = size;
    return s;
}

Segment Segment::adopt(int fd)
{
    Segment s;
    s.m_fd = fd;
    fcntl(fd, F_SETFD, FD_CLOEXEC); // not into the commands a worker runs
    struct stat st
    {
    };
    if (fstat(fd, &st) != 0)
        fail("fstat");
    s.m_size = std::size_t(st.st_size);
    s.m_data = mmap(nullptr, s.m_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (s.m_data == MAP_FAILED) {
        s.m_data = nullptr;
        fail("mmap");
    }
    return s;
}

} // namespace jobpool::ipc
