// SPDX-License-Identifier: GPL-3.0-or-later
#include <jobpool/procstat.h>

#include <QCoreApplication>
#include <QFile>

#include <algorithm>
#include <array>
#include <cerrno>
#include <limits>

#include <fcntl.h>
#include <unistd.h>

namespace jobpool {

/// The translation context of the parsers' messages.
class ProcStatText
{
    Q_DECLARE_TR_FUNCTIONS(jobpool::ProcStatText)
};
namespace {

void setError(QString *error, const QString &message)
{
    if (error)
        *error = message;
}

/// The next space-separated word of \a text from \a pos; empty at the end of the text.
QByteArrayView nextWord(QByteArrayView text, qsizetype &pos)
{
    while (pos < text.size() && (text[pos] == ' ' || text[pos] == '\t'))
        ++pos;
    const qsizetype start = pos;
    while (pos < text.size() && text[pos] != ' ' && text[pos] != '\t')
        ++pos;
    return text.sliced(start, pos - start);
}

/// An unsigned decimal number that is all of \a word, without Qt's leniency about signs
/// and spaces.
std::optional<quint64> toUnsigned(QByteArrayView word)
{
    if (word.isEmpty() || word.size() > 20)
        return std::nullopt;
    quint64 value = 0;
    for (const char c : word) {
        if (c < '0' || c > '9')
            return std::nullopt;
        const quint64 next = value * 10 + quint64(c - '0');
        if (next / 10 != value)
            return std::nullopt; // overflow
        value = next;
    }
    return value;
}

std::optional<qint64> toSigned(QByteArrayView word)
{
    const bool negative = word.startsWith('-');
    const std::optional<quint64> magnitude = toUnsigned(negative ? word.sliced(1) : word);
    if (!magnitude || *magnitude > quint64(std::numeric_limits<qint64>::max()))
        return std::nullopt;
    return negative ? -qint64(*magnitude) : qint64(*magnitude);
}

/// At most 32 bytes of a word, for an error message.
QString shown(QByteArrayView word)
{
    return QString::fromLatin1(word.first(std::min<qsizetype>(word.size(), 32)));
}

/// One line starting with "cpu". Fills \a times or says what is wrong with the line.
bool parseCpuLine(QByteArrayView line, CpuTimes &times, QString *error)
{
    qsizetype pos = 0;
    const QByteArrayView name = nextWord(line, pos);
    if (name == "cpu") {
        times.cpu = -1;
    } else {
        const std::optional<quint64> number = toUnsigned(name.sliced(3));
        if (!number || *number > 1u << 20) {
            setError(error,
                     ProcStatText::tr("/proc/stat: unexpected CPU name \"%1\"").arg(shown(name)));
            return false;
        }
        times.cpu = int(*number);
    }
    std::array<quint64 *, 10> fields{&times.user,   &times.nice,     &times.system,  &times.idle,
                                     &times.iowait, &times.irq,      &times.softirq, &times.steal,
                                     &times.guest,  &times.guestNice};
    std::size_t count = 0;
    for (QByteArrayView word = nextWord(line, pos); !word.isEmpty(); word = nextWord(line, pos)) {
        const std::optional<quint64> value = toUnsigned(word);
        if (!value) {
            setError(error,
                     ProcStatText::tr("/proc/stat: \"%1\" is not a number of ticks in the %2 line")
                         .arg(shown(word), QString::fromLatin1(name)));
            return false;
        }
        if (count < fields.size())
            *fields[count] = *value;
        ++count; // newer kernels may add fields: ignored
    }
    if (count < 4) {
        setError(error,
                 ProcStatText::tr("/proc/stat: the %1 line has %2 fields, at least 4 expected")
                     .arg(QString::fromLatin1(name))
                     .arg(count));
        return false;
    }
    return true;
}

} // namespace

std::optional<SystemCpuTimes> parseSystemCpuTimes(QByteArrayView text, QString *error)
{
    SystemCpuTimes result;
    bool haveAll = false;
    qsizetype start = 0;
    while (start < text.size()) {
        qsizetype end = text.indexOf('\n', start);
        if (end < 0)
            end = text.size();
        const QByteArrayView line = text.sliced(start, end - start);
        start = end + 1;
        if (!line.startsWith("cpu"))
            continue; // intr, ctxt, btime, processes, …
        CpuTimes times;
        if (!parseCpuLine(line, times, error))
            return std::nullopt;
        if (times.cpu < 0) {
            if (haveAll) {
                setError(error, ProcStatText::tr("/proc/stat: two aggregate cpu lines"));
                return std::nullopt;
            }
            haveAll = true;
            result.all = times;
        } else {
            result.cores.append(times);
        }
    }
    if (!haveAll) {
        setError(error, ProcStatText::tr("/proc/stat: no aggregate cpu line"));
        return std::nullopt;
    }
    if (result.cores.isEmpty()) {
        setError(error, ProcStatText::tr("/proc/stat: no cpuN line"));
        return std::nullopt;
    }
    std::sort(result.cores.begin(), result.cores.end(),
              [](const CpuTimes &a, const CpuTimes &b) { return a.cpu < b.cpu; });
    const auto twice =
        std::adjacent_find(result.cores.cbegin(), result.cores.cend(),
                           [](const CpuTimes &a, const CpuTimes &b) { return a.cpu == b.cpu; });
    if (twice != result.cores.cend()) {
        setError(error, ProcStatText::tr("/proc/stat: cpu%1 is listed twice").arg(twice->cpu));
        return std::nullopt;
    }
    return result;
}

std::optional<ProcessStat> parseProcessStat(QByteArrayView text, QString *error)
{
    const qsizetype open = text.indexOf('(');
    const qsizetype close = text.lastIndexOf(')');
    if (open < 1 || close < open) {
        setError(error, ProcStatText::tr("/proc/PID/stat: no command name in parentheses"));
        return std::nullopt;
    }
    ProcessStat stat;
    qsizetype pos = 0;
    const std::optional<qint64> pid = toSigned(nextWord(text.first(open), pos));
    if (!pid || *pid <= 0 || !nextWord(text.first(open), pos).isEmpty()) {
        setError(error, ProcStatText::tr("/proc/PID/stat: no process id before the command name"));
        return std::nullopt;
    }
    stat.pid = *pid;
    stat.comm = QString::fromUtf8(text.sliced(open + 1, close - open - 1));

    // Fields after ") " numbered as in proc(5): state is 3, ppid 4, utime 14, stime 15,
    // num_threads 20, starttime 22.
    const QByteArrayView rest = text.sliced(close + 1).trimmed();
    pos = 0;
    std::array<QByteArrayView, 20> fields;
    std::size_t count = 0;
    for (QByteArrayView word = nextWord(rest, pos); !word.isEmpty() && count < fields.size();
         word = nextWord(rest, pos))
        fields[count++] = word;
    if (count < fields.size()) {
        setError(error,
                 ProcStatText::tr("/proc/PID/stat: %1 fields after the command name, at least %2 "
                                  "expected")
                     .arg(count)
                     .arg(fields.size()));
        return std::nullopt;
    }
    const auto field = [&fields](int number) { return fields[std::size_t(number - 3)]; };
    if (field(3).size() != 1 || field(3)[0] < 'A' || field(3)[0] > 'z') {
        setError(
            error,
            ProcStatText::tr("/proc/PID/stat: \"%1\" is not a process state").arg(shown(field(3))));
        return std::nullopt;
    }
    stat.state = field(3)[0];
    const std::optional<qint64> ppid = toSigned(field(4));
    const std::optional<quint64> utime = toUnsigned(field(14));
    const std::optional<quint64> stime = toUnsigned(field(15));
    const std::optional<qint64> threads = toSigned(field(20));
    const std::optional<quint64> startTime = toUnsigned(field(22));
    if (!ppid || !utime || !stime || !threads || !startTime) {
        setError(error, ProcStatText::tr("/proc/PID/stat: a field that should be a number is not"));
        return std::nullopt;
    }
    stat.ppid = *ppid;
    stat.utime = *utime;
    stat.stime = *stime;
    stat.threads = *threads;
    stat.startTime = *startTime;
    return stat;
}

std::optional<qint64> parseVmRssKiB(QByteArrayView text)
{
    // "VmRSS:\t   12345 kB" — always kB, whatever the page size.
    qsizetype line = 0;
    if (!text.startsWith("VmRSS:")) {
        line = text.indexOf("\nVmRSS:");
        if (line < 0)
            return std::nullopt;
        ++line; // past the newline, also when it is the first byte
    }
    qsizetype end = text.indexOf('\n', line);
    if (end < 0)
        end = text.size();
    const QByteArrayView value = text.sliced(line + 6, end - line - 6);
    qsizetype pos = 0;
    const std::optional<quint64> kib = toUnsigned(nextWord(value, pos));
    if (!kib || nextWord(value, pos) != "kB" || *kib > quint64(1) << 50)
        return std::nullopt;
    return qint64(*kib);
}

std::optional<Uptime> parseUptime(QByteArrayView text)
{
    const QList<QByteArray> words = text.toByteArray().simplified().split(' ');
    if (words.size() != 2)
        return std::nullopt;
    bool okUp = false;
    bool okIdle = false;
    const Uptime uptime{words[0].toDouble(&okUp), words[1].toDouble(&okIdle)};
    if (!okUp || !okIdle || !(uptime.seconds >= 0) || !(uptime.idleSeconds >= 0))
        return std::nullopt;
    return uptime;
}

QStringList parseCmdline(QByteArrayView text)
{
    if (text.endsWith('\0'))
        text.chop(1);
    if (text.isEmpty())
        return {};
    QStringList args;
    qsizetype start = 0;
    for (;;) {
        const qsizetype end = text.indexOf('\0', start);
        args.append(
            QString::fromLocal8Bit(text.sliced(start, (end < 0 ? text.size() : end) - start)));
        if (end < 0)
            break;
        start = end + 1;
    }
    return args;
}

std::optional<QByteArray> readProcFile(const QString &path)
{
    const int fd = ::open(QFile::encodeName(path).constData(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return std::nullopt;
    QByteArray contents;
    char buffer[4096];
    for (;;) {
        const ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            ::close(fd);
            if (n < 0)
                return std::nullopt; // e.g. ESRCH: the process went away while we read
            return contents;
        }
        contents.append(buffer, n);
    }
}

long clockTicksPerSecond()
{
    static const long ticks = [] {
        const long value = sysconf(_SC_CLK_TCK);
        return value > 0 ? value : 100;
    }();
    return ticks;
}

CpuUsageSampler::CpuUsageSampler(QString path)
    : m_path(std::move(path))
{}

std::optional<CpuUsageSampler::Usage> CpuUsageSampler::sample()
{
    const std::optional<QByteArray> text = readProcFile(m_path);
    if (!text)
        return std::nullopt;
    return sample(*text);
}

std::optional<CpuUsageSampler::Usage> CpuUsageSampler::sample(QByteArrayView text)
{
    std::optional<SystemCpuTimes> now = parseSystemCpuTimes(text);
    if (!now)
        return std::nullopt;
    const Usage usage = usageBetween(m_previous.value_or(SystemCpuTimes{}), *now);
    m_previous = std::move(now);
    return usage;
}

namespace {

quint64 since(quint64 before, quint64 after)
{
    return after >= before ? after - before : 0;
}

/// The ticks that passed between two readings of one CPU line, and how many were busy.
std::pair<quint64, quint64> totalAndBusy(const CpuTimes &a, const CpuTimes &b)
{
    // Field by field, so that one counter going backwards (iowait does on some kernels)
    // does not turn the sums negative.
    const quint64 idle = since(a.idle, b.idle) + since(a.iowait, b.iowait);
    const quint64 busy = since(a.user, b.user) + since(a.nice, b.nice) + since(a.system, b.system)
                         + since(a.irq, b.irq) + since(a.softirq, b.softirq)
                         + since(a.steal, b.steal);
    return {idle + busy, busy};
}

double percent(quint64 busy, quint64 total)
{
    return total == 0 ? 0.0 : std::clamp(100.0 * double(busy) / double(total), 0.0, 100.0);
}

} // namespace

CpuUsageSampler::Usage CpuUsageSampler::usageBetween(const SystemCpuTimes &before,
                                                     const SystemCpuTimes &after)
{
    Usage usage;
    usage.cpus.reserve(after.cores.size());
    usage.perCore.reserve(after.cores.size());
    quint64 sumTotal = 0;
    quint64 sumBusy = 0;
    bool anyShared = false;
    // Both lists are sorted by CPU number: walk them together.
    auto previous = before.cores.cbegin();
    for (const CpuTimes &core : after.cores) {
        while (previous != before.cores.cend() && previous->cpu < core.cpu)
            ++previous;
        usage.cpus.append(core.cpu);
        if (previous != before.cores.cend() && previous->cpu == core.cpu) {
            const auto [total, busy] = totalAndBusy(*previous, core);
            usage.perCore.append(percent(busy, total));
            sumTotal += total;
            sumBusy += busy;
            anyShared = true;
        } else if (before.cores.isEmpty()) {
            // The first reading: since boot.
            const auto [total, busy] = totalAndBusy(CpuTimes{}, core);
            usage.perCore.append(percent(busy, total));
            sumTotal += total;
            sumBusy += busy;
            anyShared = true;
        } else {
            usage.perCore.append(0.0); // just came online: no earlier reading to compare
        }
    }
    if (anyShared) {
        usage.average = percent(sumBusy, sumTotal);
    } else {
        const auto [total, busy] = totalAndBusy(before.all, after.all);
        usage.average = percent(busy, total);
    }
    return usage;
}

ProcessCpuSampler::ProcessCpuSampler()
    : m_ticksPerSecond(clockTicksPerSecond())
{
    m_clock.start();
}

std::optional<double> ProcessCpuSampler::sample(qint64 pid)
{
    const std::optional<QByteArray> text = readProcFile(QStringLiteral("/proc/%1/stat").arg(pid));
    const std::optional<ProcessStat> stat = text ? parseProcessStat(*text) : std::nullopt;
    if (!stat || stat->state == 'Z' || stat->state == 'X') {
        m_last.remove(pid);
        return std::nullopt;
    }
    double uptime = 0;
    if (const auto it = m_last.constFind(pid);
        it == m_last.cend() || it->startTime != stat->startTime) {
        const std::optional<QByteArray> up = readProcFile(QStringLiteral("/proc/uptime"));
        const std::optional<Uptime> parsed = up ? parseUptime(*up) : std::nullopt;
        uptime = parsed ? parsed->seconds : 0;
    }
    return sample(*stat, m_clock.elapsed(), uptime);
}

std::optional<double> ProcessCpuSampler::sample(const ProcessStat &stat, qint64 monotonicMs,
                                                double uptimeSeconds)
{
    const double hz = double(m_ticksPerSecond);
    Reading now{stat.startTime, stat.cpuTicks(), monotonicMs, 0.0};
    const auto it = m_last.find(stat.pid);
    if (it == m_last.end() || it->startTime != stat.startTime) {
        // New to us, or the pid names a newer process: its average since it started.
        const double lifetime = uptimeSeconds - double(stat.startTime) / hz;
        now.percent = lifetime > 0 ? std::max(0.0, 100.0 * double(now.ticks) / hz / lifetime) : 0.0;
        m_last.insert(stat.pid, now);
        return now.percent;
    }
    const qint64 elapsedMs = monotonicMs - it->ms;
    if (elapsedMs <= 0)
        return it->percent; // asked twice at once: nothing new to say
    const quint64 ticks = now.ticks >= it->ticks ? now.ticks - it->ticks : 0;
    now.percent = 100.0 * double(ticks) / hz / (double(elapsedMs) / 1000.0);
    *it = now;
    return now.percent;
}

void ProcessCpuSampler::retainOnly(const QSet<qint64> &alive)
{
    m_last.removeIf([&alive](const auto &entry) { return !alive.contains(entry.key()); });
}

} // namespace jobpool
