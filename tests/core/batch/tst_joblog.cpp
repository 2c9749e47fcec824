// SPDX-License-Identifier: GPL-3.0-or-later
// GNU parallel's joblog: what JobPool writes is what parallel 20221122 writes, what
// parallel writes JobPool reads, and --resume's view of it survives a writer killed
// mid-line.
#include <jobpool/errors.h>
#include <jobpool/joblog.h>

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace jobpool;

namespace {

// Written by `parallel --joblog jl.tsv -j2 'sh -c "exit {}"' ::: 0 1 2` and then
// `parallel --joblog +jl.tsv --timeout 0.2 sleep ::: 1`.
const QByteArray kParallelJoblog =
    "Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\tSignal\tCommand\n"
    "1\t:\t1795330406.191\t     0.006\t0\t0\t0\t0\tsh -c \"exit 0\"\n"
    "2\t:\t1795330406.197\t     0.003\t0\t0\t1\t0\tsh -c \"exit 1\"\n"
    "3\t:\t1795330406.200\t     0.004\t0\t0\t2\t0\tsh -c \"exit 2\"\n"
    "1\t:\t1795330406.290\t     0.750\t0\t0\t-1\t15\tsleep 1\n";

QByteArray readAll(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

void writeFile(const QString &path, const QByteArray &bytes)
{
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(bytes);
}

} // namespace

class TestJoblog : public QObject
{
    Q_OBJECT

private slots:
    void writesParallelsFormat()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("log.tsv"));
        {
            JobLog log(path, false);
            log.write({2, 1795330407.261, 0.006, 4, 0, 0, JobLog::shellJoin({"echo", "b c"})});
            log.write({3, 1795330407.267, 0.0, 4, 0, 0, JobLog::shellJoin({"echo", "d'e"})});
            log.write({4, 1795330406.29, 0.75, 0, -1, 15, "sleep 1"});
            QCOMPARE(readAll(path), QByteArray()); // nothing before flush()
            log.flush();
        }
        QCOMPARE(readAll(path),
                 "Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\tSignal\tCommand\n"
                 "2\t:\t1795330407.261\t     0.006\t0\t4\t0\t0\techo 'b c'\n"
                 "3\t:\t1795330407.267\t     0.000\t0\t4\t0\t0\techo 'd'\"'\"'e'\n"
                 "4\t:\t1795330406.290\t     0.750\t0\t0\t-1\t15\tsleep 1\n");
    }

    void appendKeepsWhatWasThere()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("log.tsv"));
        writeFile(path, kParallelJoblog);
        {
            JobLog log(path, true);
            log.write({4, 1.0, 1.0, 0, 0, 0, "true"});
            log.flush();
        }
        QCOMPARE(readAll(path), kParallelJoblog + "4\t:\t1.000\t     1.000\t0\t0\t0\t0\ttrue\n");
        {
            JobLog log(path, false); // truncates, header again
            log.flush();
        }
        QVERIFY(readAll(path).startsWith("Seq\tHost"));
        QCOMPARE(readAll(path).count('\n'), 1);
    }

    void readsParallelsJoblog()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("log.tsv"));
        writeFile(path, kParallelJoblog);
        const JoblogSummary s = JobLog::read(path);
        // Job 1 succeeded first, then a later line says it was killed: the last line counts.
        QCOMPARE(s.succeeded, QSet<qint64>());
        QCOMPARE(s.failed.keys().size(), 3);
        QCOMPARE(s.failed.value(1), QByteArray("sleep 1"));
        QCOMPARE(s.failed.value(3), QByteArray("sh -c \"exit 2\""));
        QVERIFY(s.listed(2));
        QVERIFY(!s.listed(4));
    }

    void commandsWithTabsSurvive()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("log.tsv"));
        {
            JobLog log(path, false);
            log.write({1, 1.0, 1.0, 0, 3, 0, "printf 'a\tb'"});
            log.flush();
        }
        QCOMPARE(JobLog::read(path).failed.value(1), QByteArray("printf 'a\tb'"));
    }

    void lineCutShortByACrashIsIgnored()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("log.tsv"));
        writeFile(path, kParallelJoblog + "5\t:\t1795330406.3");
        const JoblogSummary s = JobLog::read(path);
        QVERIFY(!s.listed(5));
        QCOMPARE(s.failed.size(), 3);
    }

    // Appending after a line a killed writer cut short starts a new line: the cut one is
    // skipped by the reader, and the new entry is read whole.
    void appendAfterACutLine()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("log.tsv"));
        writeFile(path, kParallelJoblog + "5\t:\t1795330406.3");
        {
            JobLog log(path, true);
            log.write({6, 1.0, 1.0, 0, 0, 0, "true"});
            log.flush();
        }
        const JoblogSummary s = JobLog::read(path);
        QVERIFY(s.succeeded.contains(6));
        QVERIFY(!s.listed(5));
    }

    void malformedLinesAreErrors_data()
    {
        QTest::addColumn<QByteArray>("line");
        QTest::newRow("too few fields") << QByteArray("1\t:\t1.0\n");
        QTest::newRow("sequence not a number") << QByteArray("x\t:\t1\t1\t0\t0\t0\t0\tcmd\n");
        QTest::newRow("exit value not a number") << QByteArray("1\t:\t1\t1\t0\t0\tz\t0\tcmd\n");
        QTest::newRow("zero sequence") << QByteArray("0\t:\t1\t1\t0\t0\t0\t0\tcmd\n");
    }
    void malformedLinesAreErrors()
    {
        QFETCH(QByteArray, line);
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("log.tsv"));
        writeFile(path, kParallelJoblog + line);
        try {
            JobLog::read(path);
            QFAIL("no error");
        } catch (const PoolError &e) {
            QVERIFY2(QString::fromUtf8(e.what()).contains(QStringLiteral("line 6")), e.what());
        }
    }

    void unreadableOrUnwritable()
    {
        QVERIFY_THROWS_EXCEPTION(PoolError, JobLog::read(QStringLiteral("/nonexistent/log.tsv")));
        QVERIFY_THROWS_EXCEPTION(PoolError,
                                 JobLog(QStringLiteral("/nonexistent/dir/log.tsv"), false));
    }

    void shellQuoting_data()
    {
        QTest::addColumn<QByteArray>("argument");
        QTest::addColumn<QByteArray>("quoted");
        QTest::newRow("plain") << QByteArray("a/b-c_d.txt") << QByteArray("a/b-c_d.txt");
        QTest::newRow("space") << QByteArray("b c") << QByteArray("'b c'");
        QTest::newRow("quote") << QByteArray("d'e") << QByteArray("'d'\"'\"'e'");
        QTest::newRow("dollar") << QByteArray("$HOME") << QByteArray("'$HOME'");
        QTest::newRow("empty") << QByteArray() << QByteArray("''");
        QTest::newRow("semicolon") << QByteArray("a;rm") << QByteArray("'a;rm'");
    }
    void shellQuoting()
    {
        QFETCH(QByteArray, argument);
        QFETCH(QByteArray, quoted);
        QCOMPARE(JobLog::shellQuote(argument), quoted);
    }
};

QTEST_GUILESS_MAIN(TestJoblog)

#include "tst_joblog.moc"
