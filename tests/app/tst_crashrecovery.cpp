// SPDX-License-Identifier: GPL-3.0-or-later
// Issue #8's batch crash recovery: `jobpool run` of 2,000 jobs, SIGKILLed at 20 random
// moments and resumed after each, with the real executables. At the end every job is
// done; a job ran more than once only if it was running at a kill, and then the store has
// an interrupted attempt for each extra run; the joblog lists every job once and agrees
// with the store. The kills land wherever the run is: between a worker's end of a job and
// the parent's commit of it too, which the batch's journal covers.
#include "testsupport.h"

#include <jobpool/joblog.h>
#include <jobpool/jobstore.h>

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QHash>
#include <QProcess>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <csignal>

namespace test = jobpool::test;
using namespace jobpool;
using namespace Qt::StringLiterals;

namespace {

constexpr int kPatience = 120000; // ms: a loaded two-core machine, maybe under ASan
constexpr int kJobs = 2000;
constexpr int kKills = 20;
constexpr int kSlots = 2;

QByteArray readAll(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

int lineCount(const QString &path)
{
    return int(readAll(path).count('\n'));
}

bool allDead(const QList<pid_t> &pids)
{
    return std::none_of(pids.begin(), pids.end(), [](pid_t p) { return test::processAlive(p); });
}

} // namespace

class TestCrashRecovery : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;

    QString path(const QString &name) const { return m_dir.filePath(name); }

    void start(QProcess &p, const QStringList &arguments) const
    {
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(u"XDG_DATA_HOME"_s, path(u"xdg-data"_s)); // never the user's store
        p.setProcessEnvironment(env);
        p.setWorkingDirectory(m_dir.path());
        p.start(QStringLiteral(JOBPOOL_BINARY),
                QStringList{u"run"_s, u"--db"_s, path(u"jobs.sqlite"_s), u"--joblog"_s,
                            path(u"joblog"_s), u"-j%1"_s.arg(kSlots)}
                    + arguments);
    }

private slots:
    void initTestCase()
    {
        test::installProcessLeakGuard();
        QVERIFY(m_dir.isValid());
    }
    void cleanup()
    {
        const QString left = test::leftovers(20000);
        QVERIFY2(left.isEmpty(), qPrintable(left));
    }

    void killedTwentyTimes()
    {
        const quint32 seed = QRandomGenerator::global()->generate();
        qInfo("seed %u", seed);
        QRandomGenerator random(seed);
        QByteArray inputs;
        for (int seq = 1; seq <= kJobs; ++seq)
            inputs += QByteArray::number(seq) + '\n';
        QFile inputFile(path(u"inputs"_s));
        QVERIFY(inputFile.open(QIODevice::WriteOnly) && inputFile.write(inputs) == inputs.size());
        inputFile.close();
        // Each job leaves a mark, so that the test counts real runs, not what the store says.
        const QStringList command{u"sh"_s, u"-c"_s, u"echo {} >> marks"_s};
        const QString marks = path(u"marks"_s);

        // Kill points, as numbers of marks: random, increasing, far enough from the end
        // that the run is still going when the test sees them.
        QList<int> killAt;
        for (int k = 0; k < kKills; ++k)
            killAt.append(30 + int(random.bounded(kJobs - 300)));
        std::sort(killAt.begin(), killAt.end());

        QElapsedTimer clock;
        clock.start();
        for (int k = 0; k < kKills; ++k) {
            QProcess p;
            start(p, k == 0 ? QStringList{command} << u"::::"_s << path(u"inputs"_s)
                            : QStringList{u"--resume"_s, u"1"_s});
            QVERIFY(p.waitForStarted(kPatience));
            const int target = std::max(killAt[k], lineCount(marks) + 1);
            QTRY_VERIFY_WITH_TIMEOUT(lineCount(marks) >= target || p.state() != QProcess::Running,
                                     kPatience);
            QVERIFY2(p.state() == QProcess::Running,
                     qPrintable(u"run %1 ended before its kill: %2"_s.arg(k).arg(
                         QString::fromLocal8Bit(p.readAllStandardError()))));
            const QList<pid_t> below = test::descendantProcesses(pid_t(p.processId()));
            ::kill(pid_t(p.processId()), SIGKILL);
            QVERIFY(p.waitForFinished(kPatience));
            QCOMPARE(p.exitStatus(), QProcess::CrashExit);
            QTRY_VERIFY_WITH_TIMEOUT(allDead(below), kPatience); // workers and commands too
        }
        QProcess last;
        start(last, {u"--resume"_s, u"1"_s});
        QVERIFY(last.waitForFinished(kPatience));
        QVERIFY2(last.exitStatus() == QProcess::NormalExit && last.exitCode() == 0,
                 last.readAllStandardError().constData());
        qInfo("%d kills and resumes of %d jobs: %lld ms", kKills, kJobs, clock.elapsed());

        QHash<int, int> runs;
        for (const QByteArray &seq : readAll(marks).split('\n')) {
            if (!seq.isEmpty())
                ++runs[seq.toInt()];
        }
        JobStore store =
            JobStore::open(path(u"jobs.sqlite"_s), {.mode = JobStore::OpenMode::ReadOnly});
        const BatchRecord batch = *store.batch(1);
        QCOMPARE(batch.state, BatchState::Finished);
        QCOMPARE(batch.counts.done, kJobs);
        int interrupted = 0;
        int ranAgain = 0;
        for (const JobRecord &job : store.jobs(1)) {
            QCOMPARE(job.state, JobState::Done);
            const QList<AttemptRecord> attempts = store.attempts({1, job.seq});
            const auto interruptions =
                std::count_if(attempts.begin(), attempts.end(), [](const AttemptRecord &a) {
                    return a.outcome == JobState::Interrupted;
                });
            interrupted += int(interruptions);
            const int count = runs.value(int(job.seq));
            QVERIFY2(count >= 1, qPrintable(u"job %1 never ran"_s.arg(job.seq)));
            ranAgain += count - 1;
            QVERIFY2(count - 1 <= interruptions,
                     qPrintable(u"job %1 ran %2 times with %3 interrupted attempts"_s.arg(job.seq)
                                    .arg(count)
                                    .arg(interruptions)));
        }
        // Only what ran at a kill: at most one job per slot each time.
        QVERIFY2(interrupted <= kKills * kSlots, qPrintable(QString::number(interrupted)));
        qInfo("%d jobs ran twice, %d attempts interrupted", ranAgain, interrupted);

        // The joblog: every job once, all of them succeeded, as the store says.
        QHash<qint64, int> lines;
        const QList<QByteArray> joblog = readAll(path(u"joblog"_s)).split('\n');
        for (qsizetype i = 1; i < joblog.size(); ++i) {
            if (!joblog[i].isEmpty())
                ++lines[joblog[i].split('\t').value(0).toLongLong()];
        }
        QCOMPARE(lines.size(), kJobs);
        for (auto it = lines.cbegin(); it != lines.cend(); ++it)
            QVERIFY2(it.value() == 1,
                     qPrintable(u"job %1 has %2 lines"_s.arg(it.key()).arg(it.value())));
        const JoblogSummary summary = JobLog::read(path(u"joblog"_s));
        QCOMPARE(summary.succeeded.size(), kJobs);
        QVERIFY(summary.failed.isEmpty());
        QVERIFY(!QFileInfo::exists(path(u"xdg-data"_s)));
    }
};

QTEST_GUILESS_MAIN(TestCrashRecovery)
#include "tst_crashrecovery.moc"
