// SPDX-License-Identifier: GPL-3.0-or-later
#include "processstamp.h"

#include <QByteArray>
#include <QList>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <mutex>

#include <fcntl.h>
#include <pthread.h>
#include <unistd.h>

namespace jobpool::detail {
namespace {

/// The text of /proc/PID/stat ("self" for \a pid 0), or empty when there is no such process.
QByteArray readProcStat(std::int32_t pid)
{
    char path[48];
    if (pid == 0)
        std::snprintf(path, sizeof path, "/proc/self/stat");
    else
        std::snprintf(path, sizeof path, "/proc/%d/stat", int(pid));
    const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return {};
    // The file is one line of about 300 bytes; the command name is at most 64.
    char buffer[1024];
    qsizetype length = 0;
    for (;;) {
        const ssize_t n = ::read(fd, buffer + length, sizeof buffer - std::size_t(length));
        if (n <= 0)
            break;
        length += n;
        if (length == qsizetype(sizeof buffer))
            break;
    }
    ::close(fd);
    return QByteArray(buffer, length);
}

std::mutex g_selfMutex;
std::atomic<bool> g_selfKnown{false};
ProcessStamp g_self;

} // namespace

std::optional<ProcStat> parseProcStat(QByteArrayView text)
{
    const qsizetype close = text.lastIndexOf(')');
    if (close < 0 || close + 2 >= text.size())
        return std::nullopt;
    // After ") ": state (field 3), ppid (4), …, starttime (22).
    const QList<QByteArray> fields = text.sliced(close + 2).toByteArray().split(' ');
    if (fields.size() < 20 || fields[0].size() != 1)
        return std::nullopt;
    bool ok = false;
    const std::uint64_t start = fields[19].toULongLong(&ok);
    if (!ok)
        return std::nullopt;
    return ProcStat{fields[0][0], start};
}

ProcessStamp ProcessStamp::current()
{
    if (g_selfKnown.load(std::memory_order_acquire))
        return g_self;
    std::lock_guard lock(g_selfMutex);
    if (!g_selfKnown.load(std::memory_order_relaxed)) {
        static const bool forgetInForkedChild = [] {
            pthread_atfork(nullptr, nullptr,
                           [] { g_selfKnown.store(false, std::memory_order_relaxed); });
            return true;
        }();
        Q_UNUSED(forgetInForkedChild);
        const std::optional<ProcStat> stat = parseProcStat(readProcStat(0));
        g_self = ProcessStamp{std::int32_t(getpid()), stat ? stat->startTime : 0};
        g_selfKnown.store(true, std::memory_order_release);
    }
    return g_self;
}

bool ProcessStamp::isAlive() const
{
    if (pid <= 0)
        return false;
    if (startTime == 0) // no /proc to read when it was stamped: the pid alone it is
        return ::kill(pid, 0) == 0 || errno == EPERM;
    const std::optional<ProcStat> stat = parseProcStat(readProcStat(pid));
    return stat && stat->state != 'Z' && stat->state != 'X' && stat->startTime == startTime;
}

} // namespace jobpool::detail
