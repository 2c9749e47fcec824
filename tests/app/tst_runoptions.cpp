// SPDX-License-Identifier: GPL-3.0-or-later
// `jobpool run`'s command line, read as GNU parallel reads its own: options, then the
// command, then the input sources; parallel's number formats; and a clear error for
// everything it cannot make sense of.
#include "runoptions.h"

#include <QTest>

using namespace jobpool;
using namespace jobpool::app;

namespace {

QList<QByteArray> words(const char *line)
{
    QList<QByteArray> result;
    for (const QByteArray &w : QByteArray(line).split(' ')) {
        if (!w.isEmpty())
            result.append(w);
    }
    return result;
}

RunRequest parse(const char *line, int cpus = 4)
{
    return parseRunArguments(words(line), cpus);
}

} // namespace

class TestRunOptions : public QObject
{
    Q_OBJECT

private slots:
    void commandAndSources()
    {
        const RunRequest r = parse("-j2 -k gzip -k {} ::: a b :::+ 1 2 :::: list.txt -");
        QCOMPARE(r.options.jobSlots, 2);
        QVERIFY(r.options.keepOrder);
        QCOMPARE(r.command, words("gzip -k {}")); // options after the command are its own
        QCOMPARE(r.inputs.size(), 4);
        QCOMPARE(r.inputs[0].kind, InputSourceSpec::Kind::Values);
        QCOMPARE(r.inputs[0].values, words("a b"));
        QVERIFY(!r.inputs[0].linked);
        QVERIFY(r.inputs[1].linked);
        QCOMPARE(r.inputs[1].values, words("1 2"));
        QCOMPARE(r.inputs[2].kind, InputSourceSpec::Kind::File);
        QCOMPARE(r.inputs[2].path, QByteArray("list.txt"));
        QCOMPARE(r.inputs[3].kind, InputSourceSpec::Kind::Stdin);
    }

    void noSourcesMeansStdin()
    {
        const RunRequest r = parse("echo");
        QVERIFY(r.inputs.isEmpty());
        QCOMPARE(r.command, words("echo"));
        QCOMPARE(r.options.jobSlots, 4); // 100% of 4 CPUs
    }

    void doubleDashEndsOptions()
    {
        const RunRequest r = parse("-k -- -weird-program {}");
        QCOMPARE(r.command, words("-weird-program {}"));
    }

    void everyOption()
    {
        const RunRequest r =
            parse("--jobs=3 --keep-order --tag --lb --retries 4 --timeout 1.5m --halt now,fail=10% "
                  "--memfree 1G --delay 2s --dry-run --shell -0 -a in.txt --bar --eta "
                  "--no-progress --include *.txt --exclude *.tmp --db /tmp/x.sqlite "
                  "--results-dir /tmp/logs --joblog +log.tsv cmd");
        QCOMPARE(r.options.jobSlots, 3);
        QVERIFY(r.options.keepOrder && r.options.tag && r.options.lineBuffer);
        QCOMPARE(r.options.tries, 4);
        QCOMPARE(r.options.timeout.seconds, 90.0);
        QCOMPARE(r.options.halt.when, HaltPolicy::When::Now);
        QCOMPARE(r.options.halt.count, HaltPolicy::Count::Fail);
        QVERIFY(r.options.halt.percent);
        QCOMPARE(r.options.halt.threshold, 10.0);
        QCOMPARE(r.options.memfreeBytes, qint64(1) << 30);
        QCOMPARE(r.options.delaySeconds, 2.0);
        QVERIFY(r.dryRun && r.options.shell && r.nullSeparated && r.bar && r.eta && r.quiet);
        QCOMPARE(r.inputs.size(), 1);
        QCOMPARE(r.inputs[0].path, QByteArray("in.txt"));
        QVERIFY(r.recursive);
        QCOMPARE(r.includes, words("*.txt"));
        QCOMPARE(r.excludes, words("*.tmp"));
        QCOMPARE(r.database, QByteArray("/tmp/x.sqlite"));
        QCOMPARE(r.logDirectory, QByteArray("/tmp/logs"));
        QCOMPARE(r.joblog, QByteArray("log.tsv"));
        QVERIFY(r.joblogAppend);
        QCOMPARE(r.command, words("cmd"));
    }

    void timeoutAsPercentage()
    {
        const RunRequest r = parse("--timeout 300% sleep");
        QCOMPARE(r.options.timeout.percent, 300.0);
        QCOMPARE(r.options.timeout.seconds, 0.0);
    }

    void resume()
    {
        RunRequest r = parse("--resume 12");
        QCOMPARE(*r.resume, ResumeMode::Resume);
        QCOMPARE(r.resumeBatch, 12);
        QVERIFY(r.command.isEmpty());
        r = parse("--resume-failed --joblog log.tsv echo ::: a");
        QCOMPARE(*r.resume, ResumeMode::ResumeFailed);
        QCOMPARE(r.resumeBatch, 0);
        QCOMPARE(r.command, words("echo"));
        r = parse("--retry-failed --joblog log.tsv"); // the joblog holds the commands
        QCOMPARE(*r.resume, ResumeMode::RetryFailed);
    }

    void errors_data()
    {
        QTest::addColumn<QByteArray>("line");
        QTest::addColumn<QString>("message");
        QTest::newRow("unknown option")
            << QByteArray("--frobnicate echo") << QStringLiteral("unknown option '--frobnicate'");
        QTest::newRow("value missing at the end")
            << QByteArray("--timeout") << QStringLiteral("'--timeout' needs a value");
        QTest::newRow("no command") << QByteArray("-j2 ::: a") << QStringLiteral("no command");
        QTest::newRow("bad -j") << QByteArray("-j lots echo") << QStringLiteral("-j 'lots'");
        QTest::newRow("bad duration")
            << QByteArray("--timeout 5x echo") << QStringLiteral("--timeout: duration '5x'");
        QTest::newRow("bad size") << QByteArray("--memfree 3Q echo")
                                  << QStringLiteral("--memfree: size '3Q'");
        QTest::newRow("bad halt") << QByteArray("--halt later,fail=1 echo")
                                  << QStringLiteral("'soon' or 'now'");
        QTest::newRow("bad halt count")
            << QByteArray("--halt now,fail=0 echo") << QStringLiteral("positive number");
        QTest::newRow("bad retries")
            << QByteArray("--retries -1 echo") << QStringLiteral("not a number of tries");
        QTest::newRow("linked first source")
            << QByteArray("echo :::+ a") << QStringLiteral("the first source has none");
        QTest::newRow("empty ::::")
            << QByteArray("cat ::::") << QStringLiteral("at least one file");
        QTest::newRow("resume without batch")
            << QByteArray("--resume echo") << QStringLiteral("need a batch number");
        QTest::newRow("resume with command")
            << QByteArray("--resume 3 echo ::: a") << QStringLiteral("give no command");
        QTest::newRow("bad Slurm time")
            << QByteArray("--slurm --time 10min echo") << QStringLiteral("not a Slurm time limit");
        QTest::newRow("bad --slurm-chunk")
            << QByteArray("--slurm-chunk 0 echo") << QStringLiteral("not a number of inputs");
        QTest::newRow("--memfree on Slurm") << QByteArray("--slurm --memfree 1G echo")
                                            << QStringLiteral("cannot be used with --slurm");
        QTest::newRow("--delay on Slurm") << QByteArray("--partition x --delay 1 echo")
                                          << QStringLiteral("cannot be used with --slurm");
    }

    void slurm()
    {
        RunRequest r = parse("--slurm echo");
        QVERIFY(r.options.slurm.enabled);
        QCOMPARE(r.options.slurm.maxRunning, 0); // no -j: as many as Slurm runs
        QCOMPARE(r.options.slurm.inputsPerTaskFor(1000), 1);
        QCOMPARE(r.options.slurm.inputsPerTaskFor(1001), 2);
        QCOMPARE(r.options.slurm.inputsPerTaskFor(250000), 250);
        r = parse("-j 8 --partition gpu --time 1-12:00 --slurm-chunk 5 --slurm-host login1 "
                  "--slurm-patience 1m echo");
        QVERIFY(r.options.slurm.enabled); // --partition implies it
        QCOMPARE(r.options.slurm.maxRunning, 8);
        QCOMPARE(r.options.slurm.partition, QStringLiteral("gpu"));
        QCOMPARE(r.options.slurm.timeLimit, QStringLiteral("1-12:00"));
        QCOMPARE(r.options.slurm.inputsPerTaskFor(1000000), 5);
        QCOMPARE(r.options.slurm.loginHost, QStringLiteral("login1"));
        QCOMPARE(r.options.slurm.patienceSeconds, 60);
        const BatchOptions back = BatchOptions::fromJson(r.options.toJson());
        QCOMPARE(back.toJson(), r.options.toJson());
        QVERIFY(!parse("-j 8 echo").options.slurm.enabled);
        for (const char *limit : {"30", "0:30", "2:00:00", "2-0", "1-12", "infinite"})
            QVERIFY2(SlurmOptions::checkTimeLimit(QString::fromLatin1(limit)).isEmpty(), limit);
    }
    void errors()
    {
        QFETCH(QByteArray, line);
        QFETCH(QString, message);
        try {
            parse(line.constData());
            QFAIL("no error");
        } catch (const UsageError &e) {
            QVERIFY2(QString::fromUtf8(e.what()).contains(message), e.what());
        }
    }

    void jobSlots_data()
    {
        QTest::addColumn<QByteArray>("spec");
        QTest::addColumn<int>("cpus");
        QTest::addColumn<int>("expected");
        QTest::newRow("plain") << QByteArray("6") << 2 << 6;
        QTest::newRow("percent") << QByteArray("50%") << 4 << 2;
        QTest::newRow("percent rounds down, at least one") << QByteArray("10%") << 2 << 1;
        QTest::newRow("plus") << QByteArray("+2") << 2 << 4;
        QTest::newRow("minus") << QByteArray("-1") << 2 << 1;
        QTest::newRow("minus below one") << QByteArray("-5") << 2 << 1;
        QTest::newRow("zero: as many as possible") << QByteArray("0") << 2 << 256;
    }
    void jobSlots()
    {
        QFETCH(QByteArray, spec);
        QFETCH(int, cpus);
        QFETCH(int, expected);
        QCOMPARE(units::parseJobSlots(spec, cpus), expected);
    }

    void durations_data()
    {
        QTest::addColumn<QByteArray>("text");
        QTest::addColumn<double>("seconds");
        QTest::newRow("seconds") << QByteArray("30") << 30.0;
        QTest::newRow("fraction") << QByteArray("0.25") << 0.25;
        QTest::newRow("minutes") << QByteArray("1.5m") << 90.0;
        QTest::newRow("combined") << QByteArray("1d3.5h16.6m4s") << 100000.0;
    }
    void durations()
    {
        QFETCH(QByteArray, text);
        QFETCH(double, seconds);
        QVERIFY(qAbs(units::parseDuration(text) - seconds) < 1e-6);
    }

    void sizes_data()
    {
        QTest::addColumn<QByteArray>("text");
        QTest::addColumn<qint64>("bytes");
        QTest::newRow("bytes") << QByteArray("512") << qint64(512);
        QTest::newRow("K is 1024") << QByteArray("2K") << qint64(2048);
        QTest::newRow("k is 1000") << QByteArray("2k") << qint64(2000);
        QTest::newRow("G") << QByteArray("1.5G") << qint64(1610612736);
        QTest::newRow("t") << QByteArray("1t") << qint64(1000000000000);
    }
    void sizes()
    {
        QFETCH(QByteArray, text);
        QFETCH(qint64, bytes);
        QCOMPARE(units::parseSize(text), bytes);
    }

    void haltRoundTrip_data()
    {
        QTest::addColumn<QByteArray>("text");
        QTest::addColumn<QByteArray>("canonical");
        QTest::newRow("never") << QByteArray("never") << QByteArray("never");
        QTest::newRow("old 0") << QByteArray("0") << QByteArray("never");
        QTest::newRow("old 1") << QByteArray("1") << QByteArray("soon,fail=1");
        QTest::newRow("old 2") << QByteArray("2") << QByteArray("now,fail=1");
        QTest::newRow("soon fail") << QByteArray("soon,fail=3") << QByteArray("soon,fail=3");
        QTest::newRow("now success %")
            << QByteArray("now,success=50%") << QByteArray("now,success=50%");
        QTest::newRow("done") << QByteArray("soon,done=7") << QByteArray("soon,done=7");
    }
    void haltRoundTrip()
    {
        QFETCH(QByteArray, text);
        QFETCH(QByteArray, canonical);
        QCOMPARE(HaltPolicy::parse(text).toString(), canonical);
    }

    void optionsSurviveTheStore()
    {
        BatchOptions o;
        o.jobSlots = 7;
        o.keepOrder = true;
        o.tag = true;
        o.tries = 3;
        o.timeout.percent = 250;
        o.halt = HaltPolicy::parse("soon,success=2");
        o.memfreeBytes = qint64(3) << 30;
        o.delaySeconds = 0.5;
        o.shell = true;
        const BatchOptions back = BatchOptions::fromJson(o.toJson());
        QCOMPARE(back.toJson(), o.toJson());
        QCOMPARE(back.memfreeBytes, o.memfreeBytes);
        QCOMPARE(back.halt.toString(), QByteArray("soon,success=2"));
        // A damaged record falls back to defaults instead of failing.
        const BatchOptions damaged = BatchOptions::fromJson(
            QJsonObject{{QStringLiteral("jobs"), -3}, {QStringLiteral("halt"), 42}});
        QCOMPARE(damaged.jobSlots, 1);
        QCOMPARE(damaged.halt.when, HaltPolicy::When::Never);
    }
};

QTEST_GUILESS_MAIN(TestRunOptions)

#include "tst_runoptions.moc"
