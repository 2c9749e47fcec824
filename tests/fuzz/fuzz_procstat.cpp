// SPDX-License-Identifier: GPL-3.0-or-later
// libFuzzer harness: the /proc parsers behind the CPU chart and the Processes view. The
// kernel writes these files, but a process chooses its own command name (/proc/PID/stat)
// and arguments (/proc/PID/cmdline), and fixtures, containers and odd kernels exist: the
// parsers must return a value or nothing for any bytes, never throw or misbehave, and
// what the samplers compute from them must stay a percentage.
//
// The input is a file's contents, fed to every parser. A form feed splits it into two
// readings of /proc/stat for CpuUsageSampler (without one, the same reading twice).
#include <jobpool/procstat.h>

#include <QByteArrayView>
#include <QString>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

using namespace jobpool;

namespace {

void check(bool condition, const char *what)
{
    if (!condition) {
        std::fprintf(stderr, "fuzz_procstat: %s\n", what);
        std::abort();
    }
}

bool isPercent(double value)
{
    return value >= 0 && value <= 100; // false for NaN too
}

void checkUsage(const CpuUsageSampler::Usage &usage)
{
    check(usage.cpus.size() == usage.perCore.size(), "a core without its busy %");
    for (const double p : usage.perCore)
        check(isPercent(p), "a core's busy % out of 0…100");
    check(isPercent(usage.average), "the average busy % out of 0…100");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    const QByteArrayView text(reinterpret_cast<const char *>(data), qsizetype(size));

    QString error;
    if (const std::optional<SystemCpuTimes> times = parseSystemCpuTimes(text, &error)) {
        check(!times->cores.isEmpty() && times->all.cpu == -1, "a /proc/stat without its lines");
        for (qsizetype i = 1; i < times->cores.size(); ++i)
            check(times->cores[i - 1].cpu < times->cores[i].cpu, "cores out of order");
    } else {
        check(!error.isEmpty(), "/proc/stat refused without a reason");
    }

    error.clear();
    const std::optional<ProcessStat> stat = parseProcessStat(text, &error);
    if (stat)
        check(stat->pid > 0, "a process id below 1");
    else
        check(!error.isEmpty(), "/proc/PID/stat refused without a reason");

    if (const std::optional<qint64> rss = parseVmRssKiB(text))
        check(*rss >= 0, "a negative VmRSS");
    const std::optional<Uptime> uptime = parseUptime(text);
    if (uptime)
        check(uptime->seconds >= 0 && uptime->idleSeconds >= 0, "a negative uptime");
    parseCmdline(text);

    // Two readings of /proc/stat, the second maybe with other cores or smaller counters.
    const qsizetype split = text.indexOf('\f');
    CpuUsageSampler cpu(QString{});
    for (const QByteArrayView reading :
         {split < 0 ? text : text.first(split), split < 0 ? text : text.sliced(split + 1)}) {
        if (const std::optional<CpuUsageSampler::Usage> usage = cpu.sample(reading))
            checkUsage(*usage);
    }

    if (stat) {
        ProcessCpuSampler processes;
        const double up = uptime ? uptime->seconds : 0;
        for (const qint64 ms : {qint64(0), qint64(1000), qint64(1000), qint64(-5)}) {
            if (const std::optional<double> percent = processes.sample(*stat, ms, up))
                check(!std::isnan(*percent) && *percent >= 0, "a process's CPU % below 0");
        }
    }
    return 0;
}
