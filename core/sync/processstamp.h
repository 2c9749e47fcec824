// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArrayView>

#include <cstdint>
#include <optional>

namespace jobpool::detail {

/// A process, told apart from a later one that reuses its pid: its pid and the moment it
/// started (field 22 of /proc/PID/stat, in clock ticks since boot). Semaphore and Barrier
/// record the processes that use them this way, so that they notice one dying.
struct ProcessStamp
{
    std::int32_t pid = 0;
    std::uint64_t startTime = 0;

    /// This process. Read from /proc once, then cached (forgotten in a forked child).
    static ProcessStamp current();
    /// False once the process has ended (a zombie has ended) or its pid names another.
    /// A stamp without a start time (there was no /proc to read) only asks whether the pid
    /// exists.
    bool isAlive() const;

    bool operator==(const ProcessStamp &) const = default;
};

/// What ProcessStamp reads from the text of a /proc/PID/stat file.
struct ProcStat
{
    char state = '?';
    std::uint64_t startTime = 0;
};
/// Parses /proc/PID/stat. The command name, in parentheses, may itself hold spaces and
/// parentheses, so fields are counted from the last ')'. Empty when the text is malformed.
std::optional<ProcStat> parseProcStat(QByteArrayView text);

} // namespace jobpool::detail
