// SPDX-License-Identifier: GPL-3.0-or-later
// `jobpool run` under resource pressure, with the real executables: a job that prints
// 1 GiB (the output goes to its log file, and through jobpool in blocks, never all in its
// memory), a disk that fills up under the store and the logs (a clear error, a store that
// still opens and says nothing finished that did not), and --memfree above the memory
// there is (no second job starts while one runs).
#include "testsupport.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QScopeGuard>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

#include <unistd.h>

namespace test = jobpool::test;
using namespace Qt::StringLiterals;

#if defined(__SANITIZE_ADDRESS__)
constexpr bool Sanitized = true;
#else
constexpr bool Sanitized = false;
#endif

namespace {

constexpr int kPatience = 120000; // ms: a hang bound on a loaded machine, maybe under ASan
constexpr qint64 kMiB = 1024 * 1024;
// The peak resident memory allowed to jobpool (and each worker: wait4() reports the
// largest of a process and the children it reaped) while a job prints 1 GiB.
constexpr qint64 kRssBoundKiB = 128 * 1024;

struct Outcome
{
    bool finished = false;
    int exitCode = -1;
    QProcess::ExitStatus status = QProcess::NormalExit;
    QByteArray err;

    QByteArray describe() const
    {
        return "exit " + QByteArray::number(exitCode) + (finished ? "" : " (did not finish)")
               + (status == QProcess::CrashExit ? " (crashed)" : "") + "\n--- stderr:\n"
               + err.left(4000);
    }
};

QString state(const QJsonObject &job)
{
    return job.value(u"state").toString();
}

QString stdoutLog(const QJsonObject &job)
{
    return job.value(u"lastAttempt").toObject().value(u"stdout").toString();
}

} // namespace

class TestRunPressure : public QObject
{
    Q_OBJECT

    std::unique_ptr<QTemporaryDir> m_dir;
    QStringList m_shm;
    QString m_mounted; ///< a tmpfs this test mounted, unmounted in cleanup()

    QString path(const QString &name) const { return m_dir->filePath(name); }

    /// `jobpool ARGUMENTS` in the temporary folder, stdout thrown away (it may be 1 GiB),
    /// with a data directory there too: the user's store stays untouched.
    Outcome jobpool(const QStringList &arguments, const QString &program = {},
                    const QStringList &wrapper = {}) const
    {
        QProcess p;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(u"XDG_DATA_HOME"_s, path(u"xdg-data"_s));
        // ASan keeps freed memory (256 MiB by default) before reusing it: resident memory
        // that a plain build gives back. Less of it, and the figures mean the same.
        if (Sanitized)
            env.insert(u"ASAN_OPTIONS"_s,
                       env.value(u"ASAN_OPTIONS"_s) + u":quarantine_size_mb=16"_s);
        p.setProcessEnvironment(env);
        p.setWorkingDirectory(m_dir->path());
        p.setStandardOutputFile(QProcess::nullDevice());
        p.start(program.isEmpty() ? QStringLiteral(JOBPOOL_BINARY) : program, wrapper + arguments);
        Outcome o;
        o.finished = p.waitForFinished(kPatience);
        if (!o.finished) {
            p.kill();
            p.waitForFinished(kPatience);
        }
        o.exitCode = p.exitCode();
        o.status = p.exitStatus();
        o.err = p.readAllStandardError();
        return o;
    }

    /// `jobpool show BATCH --json` of the store \a db; empty with a warning on failure.
    QJsonObject show(const QString &db, int batch) const
    {
        QProcess p;
        p.setWorkingDirectory(m_dir->path());
        p.start(QStringLiteral(JOBPOOL_BINARY),
                {u"show"_s, QString::number(batch), u"--db"_s, db, u"--json"_s});
        if (!p.waitForFinished(kPatience) || p.exitCode() != 0) {
            qWarning("jobpool show: exit %d: %s", p.exitCode(), p.readAllStandardError().data());
            return {};
        }
        return QJsonDocument::fromJson(p.readAllStandardOutput()).object();
    }

    /// Mounts a tmpfs of \a size at \a where (an empty string: it cannot, and says why).
    QString mountSmallDisk(const QString &where, const QString &size)
    {
        if (::geteuid() != 0)
            return u"mounting a tmpfs needs root"_s;
        if (!QDir().mkpath(where))
            return u"cannot create "_s + where;
        QProcess mount;
        mount.start(u"mount"_s,
                    {u"-t"_s, u"tmpfs"_s, u"-o"_s, u"size="_s + size, u"tmpfs"_s, where});
        if (!mount.waitForFinished(kPatience) || mount.exitCode() != 0)
            return u"mount failed: "_s + QString::fromLocal8Bit(mount.readAllStandardError());
        m_mounted = where;
        return {};
    }

private slots:
    void initTestCase() { test::installProcessLeakGuard(); }

    void init()
    {
        m_dir = std::make_unique<QTemporaryDir>();
        QVERIFY(m_dir->isValid());
        m_shm = test::sharedMemoryEntries();
    }

    void cleanup()
    {
        if (!m_mounted.isEmpty()) {
            QProcess::execute(u"umount"_s, {u"-l"_s, m_mounted});
            m_mounted.clear();
        }
        m_dir.reset();
        const QString left = test::leftovers(20000);
        QVERIFY2(left.isEmpty(), qPrintable(left));
        QTRY_COMPARE_WITH_TIMEOUT(test::sharedMemoryEntries(), m_shm, 10000);
    }

    // A job prints 1 GiB: it goes to its log file, and jobpool copies it to its own stdout
    // a block at a time. jobpool's peak resident memory stays far below what was printed.
    void bigOutputStaysOnDisk_data()
    {
        QTest::addColumn<QStringList>("options");
        QTest::addColumn<QString>("size");
        QTest::addColumn<qint64>("bytes");
        QTest::newRow("1 GiB") << QStringList() << u"1G"_s << 1024 * kMiB;
        // --tag and --line-buffer print whole lines, but hold at most a MiB of one.
        QTest::newRow("--tag, 160 MiB without a newline")
            << QStringList{u"--tag"_s} << u"160M"_s << 160 * kMiB;
        QTest::newRow("--line-buffer --tag, 160 MiB without a newline")
            << QStringList{u"--line-buffer"_s, u"--tag"_s} << u"160M"_s << 160 * kMiB;
    }
    void bigOutputStaysOnDisk()
    {
        QFETCH(QStringList, options);
        QFETCH(QString, size);
        QFETCH(qint64, bytes);
        const QString db = path(u"jobs.sqlite"_s);
        const QString rss = path(u"maxrss"_s);
        const Outcome o = jobpool(
            QStringList{u"run"_s, u"--db"_s, db, u"--results-dir"_s, path(u"results"_s)} + options
                + QStringList{u"head"_s, u"-c"_s, u"{}"_s, u"/dev/zero"_s, u":::"_s, size},
            test::testAppPath(), {u"rusage"_s, rss, QStringLiteral(JOBPOOL_BINARY)});
        QVERIFY2(o.finished && o.status == QProcess::NormalExit && o.exitCode == 0, o.describe());
        QFile report(rss);
        QVERIFY(report.open(QIODevice::ReadOnly));
        const qint64 peakKiB = report.readAll().trimmed().toLongLong();
        QVERIFY(peakKiB > 0);
        qInfo("a job printed %lld MiB: jobpool's peak resident memory %lld KiB", bytes / kMiB,
              peakKiB);

        const QJsonObject job = show(db, 1).value(u"jobs").toArray().at(0).toObject();
        QCOMPARE(state(job), u"done"_s);
        QCOMPARE(QFileInfo(stdoutLog(job)).size(), bytes);
        QVERIFY(stdoutLog(job).startsWith(path(u"results/batch-1/"_s)));
        QVERIFY2(peakKiB < kRssBoundKiB, qPrintable(QString::number(peakKiB)));
    }

    // The disk under the store and the logs, or only the logs, fills up (a 4 MiB tmpfs,
    // jobs of 1 MiB each). jobpool says so and fails; the store still opens, and what it
    // says is true: no job is done whose output is not all there.
    void fullDisk_data()
    {
        QTest::addColumn<bool>("storeThere");
        QTest::newRow("store and logs on the full disk") << true;
        QTest::newRow("logs on the full disk") << false;
    }
    void fullDisk()
    {
        QFETCH(bool, storeThere);
        const QString disk = path(u"small"_s);
        const QString why = mountSmallDisk(disk, u"4m"_s);
        if (!why.isEmpty())
            QSKIP(qPrintable(why));
        const QString db = storeThere ? disk + u"/jobs.sqlite"_s : path(u"jobs.sqlite"_s);
        constexpr int kJobs = 8;
        QStringList args{u"run"_s, u"--db"_s, db, u"-j2"_s};
        if (!storeThere)
            args += QStringList{u"--results-dir"_s, disk};
        args += QStringList{u"head"_s, u"-c"_s, u"{}"_s, u"/dev/zero"_s, u":::"_s};
        for (int i = 0; i < kJobs; ++i)
            args.append(u"1M"_s);
        const Outcome o = jobpool(args);
        qInfo("%s", o.describe().constData());
        QVERIFY2(o.finished && o.status == QProcess::NormalExit, o.describe());
        QVERIFY2(o.exitCode != 0, o.describe());

        // The store opens, on the full disk too, and every job is where it should be.
        const QJsonObject batch = show(db, 1);
        const QJsonArray jobs = batch.value(u"jobs").toArray();
        QCOMPARE(jobs.size(), kJobs);
        QVERIFY2(QStringList({u"finished"_s, u"interrupted"_s, u"stopped"_s})
                     .contains(batch.value(u"state").toString()),
                 qPrintable(batch.value(u"state").toString()));
        int done = 0;
        for (const QJsonValue &value : jobs) {
            const QJsonObject job = value.toObject();
            const QString s = state(job);
            QVERIFY2(
                QStringList({u"done"_s, u"failed"_s, u"pending"_s, u"interrupted"_s}).contains(s),
                qPrintable(s));
            if (s == u"done") {
                ++done;
                QCOMPARE(job.value(u"exitCode").toInt(-1), 0);
                QCOMPARE(QFileInfo(stdoutLog(job)).size(), kMiB); // all of it, on disk
            } else if (s == u"failed") {
                QVERIFY(job.value(u"exitCode").toInt(0) != 0);
            }
        }
        QVERIFY(done < kJobs); // 8 MiB do not fit

        QVERIFY2(!o.err.contains("Qt has caught an exception thrown from an event handler"),
                 o.describe());
        QVERIFY2(o.err.contains("No space left on device") || o.err.contains("disk is full"),
                 o.describe());
    }

    // --memfree above what the machine has: a job starts only while no other runs (the
    // first always starts), so -j4 runs one at a time. Below it, four run at once.
    void memfreeHoldsStarts()
    {
        // Each job waits (up to 30 s) until all four have started.
        const QString together = u"touch started.$1; i=0; "
                                 u"while [ $(ls started.* | wc -l) -lt 4 ] && [ $i -lt 600 ]; "
                                 u"do sleep 0.05; i=$((i+1)); done; "
                                 u"[ $(ls started.* | wc -l) -ge 4 ]"_s;
        const QStringList four{u":::"_s, u"1"_s, u"2"_s, u"3"_s, u"4"_s};
        Outcome o = jobpool(QStringList{u"run"_s, u"--db"_s, path(u"jobs.sqlite"_s), u"-j4"_s,
                                        u"--memfree"_s, u"1K"_s, u"sh"_s, u"-c"_s, together,
                                        u"sh"_s, u"{}"_s}
                            + four);
        QVERIFY2(o.finished && o.exitCode == 0, o.describe());

        // Each job notes its start and end, and takes a moment in between.
        const QString trace = u"echo start $1 >> trace; sleep 0.2; echo end $1 >> trace"_s;
        o = jobpool(QStringList{u"run"_s, u"--db"_s, path(u"jobs.sqlite"_s), u"-j4"_s,
                                u"--memfree"_s, u"100T"_s, u"sh"_s, u"-c"_s, trace, u"sh"_s,
                                u"{}"_s}
                    + four);
        QVERIFY2(o.finished && o.exitCode == 0, o.describe());
        QFile file(path(u"trace"_s));
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QList<QByteArray> lines = file.readAll().trimmed().split('\n');
        QCOMPARE(lines.size(), 8);
        for (qsizetype i = 0; i < lines.size(); i += 2) {
            // start N, then end N: never two at once.
            QVERIFY2(lines[i].startsWith("start ")
                         && lines[i + 1] == QByteArray("end " + lines[i].mid(6)),
                     lines.join('\n').constData());
        }
        const QJsonObject batch = show(path(u"jobs.sqlite"_s), 2);
        QCOMPARE(batch.value(u"counts").toObject().value(u"done").toInt(), 4);
    }
};

QTEST_GUILESS_MAIN(TestRunPressure)

#include "tst_runpressure.moc"
