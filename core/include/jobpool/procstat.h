// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QElapsedTimer>
#include <QHash>
#include <QList>
#include <QSet>
#include <QString>
#include <QStringList>

#include <optional>

/// \file
/// Parsers of the /proc files the monitoring views need, and two small samplers over them.
/// The parsers take a file's contents, never a path, so that tests feed them fixture files;
/// they never throw and say what was wrong through an optional error string.
///
/// \code
/// jobpool::CpuUsageSampler cpu;
/// if (const auto usage = cpu.sample())           // each call: busy % since the last one
///     chart->addSample(now, usage->perCore, usage->average);
///
/// jobpool::ProcessCpuSampler processes;
/// const std::optional<double> percent = processes.sample(pid); // 100 = one core busy
/// \endcode

namespace jobpool {

/// One "cpu" or "cpuN" line of /proc/stat, in clock ticks (USER_HZ) since boot.
struct CpuTimes
{
    int cpu = -1; ///< N of "cpuN"; -1 for the aggregate "cpu" line
    quint64 user = 0;
    quint64 nice = 0;
    quint64 system = 0;
    quint64 idle = 0;
    quint64 iowait = 0;
    quint64 irq = 0;
    quint64 softirq = 0;
    quint64 steal = 0;
    quint64 guest = 0;     ///< already counted in user
    quint64 guestNice = 0; ///< already counted in nice

    /// Every tick the CPU spent, guest time not counted twice.
    quint64 total() const { return user + nice + system + idle + iowait + irq + softirq + steal; }
    /// Ticks spent doing nothing (waiting for I/O counts as nothing).
    quint64 idleTotal() const { return idle + iowait; }
};

/// The CPU lines of /proc/stat.
struct SystemCpuTimes
{
    CpuTimes all;          ///< the aggregate "cpu" line
    QList<CpuTimes> cores; ///< "cpu0", "cpu1", …, sorted by number; offline CPUs are absent
};

/// Parses /proc/stat. Lines other than "cpu…" are ignored. A CPU line needs at least the
/// four fields of old kernels (user nice system idle); missing later fields count as 0,
/// extra ones are ignored. Empty, with \a error set, when there is no aggregate line, no
/// core line, a CPU number twice, or a CPU line that is not numbers.
std::optional<SystemCpuTimes> parseSystemCpuTimes(QByteArrayView text, QString *error = nullptr);

/// What the monitor reads from /proc/PID/stat.
struct ProcessStat
{
    qint64 pid = 0;
    QString comm;     ///< the command name, without its parentheses
    char state = '?'; ///< R, S, D, Z, T, …
    qint64 ppid = 0;
    quint64 utime = 0;     ///< clock ticks in user mode
    quint64 stime = 0;     ///< clock ticks in kernel mode
    quint64 startTime = 0; ///< clock ticks after boot at which it started
    qint64 threads = 0;

    quint64 cpuTicks() const { return utime + stime; }
};

/// Parses /proc/PID/stat. The command name may hold spaces and ')', so the fields are counted
/// from the last ')'. Empty, with \a error set, when the text is cut short or malformed.
std::optional<ProcessStat> parseProcessStat(QByteArrayView text, QString *error = nullptr);

/// The resident set size in KiB from the VmRSS line of /proc/PID/status. Empty when there is
/// no such line (kernel threads, zombies) or it is malformed.
std::optional<qint64> parseVmRssKiB(QByteArrayView text);

/// /proc/uptime: seconds since boot, and seconds all CPUs together spent idle.
struct Uptime
{
    double seconds = 0;
    double idleSeconds = 0;
};
std::optional<Uptime> parseUptime(QByteArrayView text);

/// The arguments in /proc/PID/cmdline (NUL-separated, usually NUL-terminated). Empty for
/// kernel threads and zombies.
QStringList parseCmdline(QByteArrayView text);

/// Reads a /proc file whole (their size is reported as 0, so QFile::size() does not help).
/// Empty when it cannot be opened, e.g. because the process has gone.
std::optional<QByteArray> readProcFile(const QString &path);

/// Clock ticks per second of the times in /proc (sysconf(_SC_CLK_TCK), normally 100).
long clockTicksPerSecond();

/// Busy % of each CPU core between two calls of sample(), from /proc/stat.
class CpuUsageSampler final
{
public:
    struct Usage
    {
        QList<int> cpus;       ///< the CPU number of each entry of perCore
        QList<double> perCore; ///< busy % 0…100 of each online core
        double average = 0;    ///< busy % of all of them together
    };

    /// Reads \a path (a fixture in tests) on every sample().
    explicit CpuUsageSampler(QString path = QStringLiteral("/proc/stat"));

    /// Reads the file and returns the usage since the previous call; the first call returns
    /// the usage since boot. Empty when the file cannot be read or parsed.
    std::optional<Usage> sample();
    /// The same with contents already read.
    std::optional<Usage> sample(QByteArrayView text);

    /// Computes the usage between two readings. Counters that went backwards count as no
    /// time passed; a core that came online since \a before shows 0 % this once. The
    /// average is over the cores present in both readings.
    static Usage usageBetween(const SystemCpuTimes &before, const SystemCpuTimes &after);

private:
    QString m_path;
    std::optional<SystemCpuTimes> m_previous;
};

/// CPU % of processes (100 % = one core busy) between two calls for the same pid.
class ProcessCpuSampler final
{
public:
    ProcessCpuSampler();

    /// Reads /proc/PID/stat. The CPU % since the previous call for \a pid, or, on the first
    /// call (or when the pid now names a newer process), since the process started. Empty
    /// when the process has gone.
    std::optional<double> sample(qint64 pid);
    /// The same from a parsed stat, the time of the reading on a monotonic clock, and the
    /// system uptime (for first readings).
    std::optional<double> sample(const ProcessStat &stat, qint64 monotonicMs, double uptimeSeconds);

    /// Forgets the pids not in \a alive, so that the sampler does not grow.
    void retainOnly(const QSet<qint64> &alive);

private:
    struct Reading
    {
        quint64 startTime = 0;
        quint64 ticks = 0;
        qint64 ms = 0;
        double percent = 0;
    };
    QHash<qint64, Reading> m_last;
    QElapsedTimer m_clock;
    long m_ticksPerSecond;
};

} // namespace jobpool
