// SPDX-License-Identifier: GPL-3.0-or-later
#include <jobpool/procstat.h>

#include <QCoreApplication>
#include <QFile>
#include <QTest>

#include <unistd.h>

using namespace jobpool;

namespace {

QByteArray fixture(const char *name)
{
    QFile file(QStringLiteral(JOBPOOL_FIXTURES "/") + QLatin1String(name));
    if (!file.open(QIODevice::ReadOnly))
        qFatal("cannot open fixture %s", name);
    return file.readAll();
}

} // namespace

class TestProcStat : public QObject
{
    Q_OBJECT

private slots:
    void twoCores()
    {
        QString error;
        const std::optional<SystemCpuTimes> stat =
            parseSystemCpuTimes(fixture("stat-2core.txt"), &error);
        QVERIFY2(stat, qPrintable(error));
        QCOMPARE(stat->all.cpu, -1);
        QCOMPARE(stat->all.user, 19514u + 20292u);
        QCOMPARE(stat->all.steal, 38u);
        QCOMPARE(stat->cores.size(), 2);
        QCOMPARE(stat->cores[0].cpu, 0);
        QCOMPARE(stat->cores[1].cpu, 1);
        QCOMPARE(stat->cores[1].idle, 7103u);
        QCOMPARE(stat->cores[1].iowait, 309u);
        QCOMPARE(stat->cores[0].total(), 19514u + 12 + 2468 + 8649 + 28 + 0 + 3 + 18);
        QCOMPARE(stat->cores[0].idleTotal(), 8649u + 28);
    }

    void sixtyFourCores()
    {
        const std::optional<SystemCpuTimes> stat = parseSystemCpuTimes(fixture("stat-64core.txt"));
        QVERIFY(stat);
        QCOMPARE(stat->cores.size(), 64);
        for (int i = 0; i < 64; ++i)
            QCOMPARE(stat->cores[i].cpu, i);
        quint64 user = 0;
        for (const CpuTimes &core : stat->cores)
            user += core.user;
        QCOMPARE(stat->all.user, user);
    }

    void olderKernels_data()
    {
        QTest::addColumn<QByteArray>("file");
        QTest::addColumn<quint64>("cpu1Idle");
        QTest::addColumn<quint64>("cpu1Softirq");
        QTest::newRow("4 fields (2.4)") << QByteArray("stat-old-kernel.txt") << 38501716ull << 0ull;
        QTest::newRow("7 fields (2.6)")
            << QByteArray("stat-seven-fields.txt") << 11313845ull << 18ull;
    }
    void olderKernels()
    {
        QFETCH(QByteArray, file);
        QFETCH(quint64, cpu1Idle);
        QFETCH(quint64, cpu1Softirq);
        const std::optional<SystemCpuTimes> stat = parseSystemCpuTimes(fixture(file.constData()));
        QVERIFY(stat);
        QCOMPARE(stat->cores.size(), 2);
        QCOMPARE(stat->cores[1].idle, cpu1Idle);
        QCOMPARE(stat->cores[1].softirq, cpu1Softirq);
        QCOMPARE(stat->cores[1].steal, 0u);
        QCOMPARE(stat->cores[1].guestNice, 0u);
    }

    void offlineCpuIsAbsent()
    {
        const std::optional<SystemCpuTimes> stat = parseSystemCpuTimes(fixture("stat-offline.txt"));
        QVERIFY(stat);
        QCOMPARE(stat->cores.size(), 3);
        QCOMPARE(stat->cores[2].cpu, 3);
        QCOMPARE(stat->cores[2].user, 4000u);
        QCOMPARE(stat->cores[2].guest, 0u); // cut-short line
    }

    void malformed_data()
    {
        QTest::addColumn<QByteArray>("text");
        QTest::addColumn<QString>("errorPart");
        QTest::newRow("letters") << fixture("stat-garbage.txt") << QStringLiteral("not a number");
        QTest::newRow("no aggregate")
            << fixture("stat-no-aggregate.txt") << QStringLiteral("no aggregate");
        QTest::newRow("too few fields")
            << fixture("stat-short-line.txt") << QStringLiteral("at least 4");
        QTest::newRow("cpu twice")
            << fixture("stat-duplicate.txt") << QStringLiteral("listed twice");
        QTest::newRow("bad name") << fixture("stat-binary-garbage.txt")
                                  << QStringLiteral("CPU name");
        QTest::newRow("negative") << fixture("stat-negative.txt") << QStringLiteral("not a number");
        QTest::newRow("empty") << QByteArray() << QStringLiteral("no aggregate");
        QTest::newRow("only aggregate")
            << QByteArray("cpu  1 2 3 4\n") << QStringLiteral("no cpuN");
        QTest::newRow("huge number")
            << QByteArray("cpu  1 2 3 99999999999999999999999\n") << QStringLiteral("not a number");
        QTest::newRow("binary") << QByteArray("cpu\0\xff\xfe 1 2", 10)
                                << QStringLiteral("CPU name");
    }
    void malformed()
    {
        QFETCH(QByteArray, text);
        QFETCH(QString, errorPart);
        QString error;
        QVERIFY(!parseSystemCpuTimes(text, &error));
        QVERIFY2(error.contains(errorPart), qPrintable(error));
        QVERIFY(!parseSystemCpuTimes(text)); // no error string wanted: still no crash
    }

    void usageBetweenTwoReadings()
    {
        CpuUsageSampler sampler(QStringLiteral(JOBPOOL_FIXTURES "/stat-2core.txt"));
        const auto sinceBoot = sampler.sample();
        QVERIFY(sinceBoot);
        QCOMPARE(sinceBoot->perCore.size(), 2);
        QVERIFY(sinceBoot->perCore[0] > 0 && sinceBoot->perCore[0] < 100);

        const auto usage = sampler.sample(fixture("stat-2core-later.txt"));
        QVERIFY(usage);
        QCOMPARE(usage->cpus, (QList<int>{0, 1}));
        QCOMPARE(usage->perCore, (QList<double>{75.0, 25.0}));
        QCOMPARE(usage->average, 50.0);

        // Nothing changed since: 0 %, not a division by zero.
        const auto still = sampler.sample(fixture("stat-2core-later.txt"));
        QVERIFY(still);
        QCOMPARE(still->perCore, (QList<double>{0.0, 0.0}));
        QCOMPARE(still->average, 0.0);
    }

    void hotplug()
    {
        // cpu1 went offline and cpu2 came online between the two readings.
        const auto before = parseSystemCpuTimes(fixture("stat-2core-later.txt"));
        const auto after = parseSystemCpuTimes(fixture("stat-hotplug.txt"));
        QVERIFY(before && after);
        const auto beforeFirst = parseSystemCpuTimes(fixture("stat-2core.txt"));
        const CpuUsageSampler::Usage usage = CpuUsageSampler::usageBetween(*beforeFirst, *after);
        QCOMPARE(usage.cpus, (QList<int>{0, 2}));
        QCOMPARE(usage.perCore.size(), 2);
        QCOMPARE(usage.perCore[0], 75.0);
        QCOMPARE(usage.perCore[1], 0.0); // no earlier reading of cpu2
        QCOMPARE(usage.average, 75.0);   // over the cores seen twice, not the aggregate
        const CpuUsageSampler::Usage same = CpuUsageSampler::usageBetween(*before, *after);
        QCOMPARE(same.perCore[0], 0.0);
    }

    void countersGoingBackwards()
    {
        SystemCpuTimes before;
        before.cores.append(CpuTimes{0, 1000, 0, 100, 500, 50});
        SystemCpuTimes after = before;
        after.cores[0].user += 30;
        after.cores[0].idle += 10;
        after.cores[0].iowait -= 40; // some kernels do this
        const CpuUsageSampler::Usage usage = CpuUsageSampler::usageBetween(before, after);
        QCOMPARE(usage.perCore.size(), 1);
        QCOMPARE(usage.perCore[0], 75.0); // 30 busy of 40, the backwards iowait as 0
        QVERIFY(usage.average >= 0 && usage.average <= 100);

        // Everything went backwards (a reset): 0 %, never negative.
        const CpuUsageSampler::Usage reset = CpuUsageSampler::usageBetween(after, before);
        QVERIFY(reset.perCore[0] >= 0 && reset.perCore[0] <= 100);
    }

    void samplerFailsCleanly()
    {
        CpuUsageSampler missing(QStringLiteral("/nonexistent/stat"));
        QVERIFY(!missing.sample());
        CpuUsageSampler sampler;
        QVERIFY(!sampler.sample(fixture("stat-garbage.txt")));
    }

    void sixtyFourCoreUsage()
    {
        CpuUsageSampler sampler;
        QVERIFY(sampler.sample(fixture("stat-64core.txt")));
        const auto usage = sampler.sample(fixture("stat-64core.txt"));
        QVERIFY(usage);
        QCOMPARE(usage->perCore.size(), 64);
    }

    void processStat()
    {
        QString error;
        const std::optional<ProcessStat> stat =
            parseProcessStat(fixture("pid-stat-normal.txt"), &error);
        QVERIFY2(stat, qPrintable(error));
        QCOMPARE(stat->pid, 31337);
        QCOMPARE(stat->comm, QStringLiteral("jobpool-worker"));
        QCOMPARE(stat->state, 'S');
        QCOMPARE(stat->ppid, 31300);
        QCOMPARE(stat->utime, 153u);
        QCOMPARE(stat->stime, 27u);
        QCOMPARE(stat->cpuTicks(), 180u);
        QCOMPARE(stat->threads, 3);
        QCOMPARE(stat->startTime, 8123456u);
    }

    void processStatWithParenthesesInName()
    {
        const std::optional<ProcessStat> stat =
            parseProcessStat(fixture("pid-stat-weird-comm.txt"));
        QVERIFY(stat);
        QCOMPARE(stat->pid, 4242);
        QCOMPARE(stat->comm, QStringLiteral("(a) b)"));
        QCOMPARE(stat->state, 'R');
        QCOMPARE(stat->ppid, 1);
        QCOMPARE(stat->utime, 7u);
        QCOMPARE(stat->stime, 3u);
        QCOMPARE(stat->startTime, 30834u);
    }

    void zombie()
    {
        const std::optional<ProcessStat> stat = parseProcessStat(fixture("pid-stat-zombie.txt"));
        QVERIFY(stat);
        QCOMPARE(stat->state, 'Z');
        QCOMPARE(stat->comm, QStringLiteral("gzip"));
    }

    void processStatMalformed_data()
    {
        QTest::addColumn<QByteArray>("text");
        QTest::newRow("truncated") << fixture("pid-stat-truncated.txt");
        QTest::newRow("bad number") << fixture("pid-stat-bad-number.txt");
        QTest::newRow("empty") << QByteArray();
        QTest::newRow("no parentheses") << QByteArray("12 bash S 1 2 3");
        QTest::newRow("no pid") << QByteArray("(bash) S 1 2 3");
        QTest::newRow("close before open") << QByteArray("12 )bash( S 1 2 3");
        QTest::newRow("ends at paren") << QByteArray("12 (bash)");
        QTest::newRow("state is a word")
            << QByteArray("12 (x) Sleeping 1 1 1 0 -1 0 0 0 0 0 1 1 0 0 20 0 1 0 5 0 0");
    }
    void processStatMalformed()
    {
        QFETCH(QByteArray, text);
        QString error;
        QVERIFY(!parseProcessStat(text, &error));
        QVERIFY(!error.isEmpty());
    }

    void vmRss()
    {
        QCOMPARE(parseVmRssKiB(fixture("pid-status.txt")), std::optional<qint64>(20480));
        QCOMPARE(parseVmRssKiB(fixture("pid-status-kthread.txt")), std::nullopt);
        QCOMPARE(parseVmRssKiB("VmRSS:\t 12 kB"), std::optional<qint64>(12));
        QCOMPARE(parseVmRssKiB("VmRSS:\t 12 MB\n"), std::nullopt);
        QCOMPARE(parseVmRssKiB("VmRSS:\t kB\n"), std::nullopt);
        QCOMPARE(parseVmRssKiB("XVmRSS:\t 12 kB\n"), std::nullopt);
        QCOMPARE(parseVmRssKiB(""), std::nullopt);
        // Found by fuzz_procstat: a VmRSS line right after a leading newline was read from
        // the newline, cutting a view of negative length (a Qt assertion in debug builds).
        QCOMPARE(parseVmRssKiB("\nVmRSS:"), std::nullopt);
        QCOMPARE(parseVmRssKiB("\nVmRSS:\t 12 kB\n"), std::optional<qint64>(12));
    }

    void uptime()
    {
        const std::optional<Uptime> up = parseUptime(fixture("uptime.txt"));
        QVERIFY(up);
        QCOMPARE(up->seconds, 35719.32);
        QCOMPARE(up->idleSeconds, 69021.54);
        QVERIFY(!parseUptime("12.5\n"));
        QVERIFY(!parseUptime("abc def\n"));
        QVERIFY(!parseUptime("-1 2\n"));
        QVERIFY(!parseUptime(""));
    }

    void cmdline()
    {
        QCOMPARE(parseCmdline(fixture("cmdline.bin")),
                 (QStringList{QStringLiteral("gzip"), QStringLiteral("-k"),
                              QStringLiteral("my file.txt")}));
        QCOMPARE(parseCmdline(QByteArrayView()), QStringList());
        QCOMPARE(parseCmdline(QByteArrayView("a\0\0b", 4)),
                 (QStringList{QStringLiteral("a"), QString(), QStringLiteral("b")}));
        QCOMPARE(parseCmdline("no-terminator"), QStringList{QStringLiteral("no-terminator")});
    }

    void processCpuFromReadings()
    {
        const long hz = clockTicksPerSecond();
        ProcessCpuSampler sampler;
        ProcessStat stat;
        stat.pid = 99;
        stat.startTime = quint64(hz) * 100; // started 100 s after boot
        stat.utime = quint64(hz) * 5;       // and used 5 s of CPU in the 10 s since
        // First reading: the average over its life.
        QCOMPARE(sampler.sample(stat, 1000, 110.0), std::optional<double>(50.0));
        // One second later with a full core's worth more: 100 %.
        stat.utime += quint64(hz);
        QCOMPARE(sampler.sample(stat, 2000, 111.0), std::optional<double>(100.0));
        // Asked again at the same moment: the same answer, no division by zero.
        QCOMPARE(sampler.sample(stat, 2000, 111.0), std::optional<double>(100.0));
        // Two threads busy for half a second: 200 %.
        stat.stime += quint64(hz);
        QCOMPARE(sampler.sample(stat, 2500, 111.5), std::optional<double>(200.0));
        // The pid now names another process, started at 111 s with 0.25 s of CPU.
        ProcessStat other = stat;
        other.startTime = quint64(hz) * 111;
        other.utime = quint64(hz) / 4;
        other.stime = 0;
        QCOMPARE(sampler.sample(other, 3000, 111.5), std::optional<double>(50.0));
    }

    void readsRealProcSelf()
    {
        const std::optional<QByteArray> text = readProcFile(QStringLiteral("/proc/self/stat"));
        QVERIFY(text);
        const std::optional<ProcessStat> stat = parseProcessStat(*text);
        QVERIFY(stat);
        QCOMPARE(stat->pid, qint64(getpid()));
        QCOMPARE(stat->ppid, qint64(getppid()));
        QVERIFY(stat->threads >= 1);

        const std::optional<QByteArray> status = readProcFile(QStringLiteral("/proc/self/status"));
        QVERIFY(status);
        const std::optional<qint64> rss = parseVmRssKiB(*status);
        QVERIFY(rss && *rss > 100);

        const std::optional<QByteArray> cmdline =
            readProcFile(QStringLiteral("/proc/self/cmdline"));
        QVERIFY(cmdline);
        QVERIFY(parseCmdline(*cmdline).value(0).endsWith(QLatin1String("tst_procstat")));

        const std::optional<QByteArray> up = readProcFile(QStringLiteral("/proc/uptime"));
        QVERIFY(up && parseUptime(*up));

        CpuUsageSampler cpu;
        QVERIFY(cpu.sample());
        const auto usage = cpu.sample();
        QVERIFY(usage);
        QCOMPARE(usage->perCore.size(), usage->cpus.size());
        QVERIFY(!usage->perCore.isEmpty());
        QVERIFY(usage->average >= 0 && usage->average <= 100);

        ProcessCpuSampler self;
        const std::optional<double> percent = self.sample(getpid());
        QVERIFY(percent && *percent >= 0);
        QVERIFY(!self.sample(0));
        QVERIFY(!readProcFile(QStringLiteral("/proc/0/stat")));
    }
};

QTEST_GUILESS_MAIN(TestProcStat)
#include "tst_procstat.moc"
