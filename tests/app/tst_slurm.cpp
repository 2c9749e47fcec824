// SPDX-License-Identifier: GPL-3.0-or-later
// `jobpool run --slurm` against a real, local, one-node Slurm (issue #9). ctest's fixture
// `slurm` starts it with tests/slurm/start-slurm and stops it afterwards; SLURM_CONF and
// JOBPOOL_SLURM_DIR say where it is.
#include "testsupport.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>
#include <memory>

using namespace Qt::StringLiterals;
namespace test = jobpool::test;

namespace {

constexpr int kPatience = 120000; // a batch on Slurm polls every second

struct Outcome
{
    bool finished = false;
    int exitCode = -1;
    QByteArray out;
    QByteArray err;
    QByteArray describe() const
    {
        return "exit " + QByteArray::number(exitCode) + (finished ? "" : " (did not finish)")
               + "\n--- stdout:\n" + out.left(3000) + "\n--- stderr:\n" + err.left(3000);
    }
};

QString slurmDir()
{
    return qEnvironmentVariable("JOBPOOL_SLURM_DIR");
}

/// Runs a Slurm tool (or a script) to its end; its stdout, or a null array on failure.
QByteArray tool(const QString &program, const QStringList &arguments, int *exitCode = nullptr)
{
    QProcess p;
    p.start(program, arguments);
    const bool ended = p.waitForFinished(kPatience);
    if (exitCode)
        *exitCode = ended && p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    return p.readAllStandardOutput();
}

/// The tasks of batch \a batch's arrays Slurm reports in \a state.
QByteArray tasksIn(qint64 batch, const QString &state)
{
    return tool(u"squeue"_s,
                {u"-h"_s, u"-t"_s, state, u"-n"_s, u"jobpool-%1"_s.arg(batch), u"-o"_s, u"%i %T"_s})
        .trimmed();
}

qint64 pidIn(const QString &file)
{
    QFile f(file);
    return f.open(QIODevice::ReadOnly) ? f.readAll().trimmed().toLongLong() : 0;
}

} // namespace

class TestSlurm : public QObject
{
    Q_OBJECT

    std::unique_ptr<QTemporaryDir> m_dir;

    QString path(const QString &name) const { return m_dir->filePath(name); }
    QString db() const { return path(u"jobs.sqlite"_s); }
    QString results() const { return path(u"results"_s); }

    void start(QProcess &p, const QStringList &arguments,
               const QProcessEnvironment &extra = {}) const
    {
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(extra);
        env.insert(u"XDG_DATA_HOME"_s, path(u"xdg-data"_s));
        p.setProcessEnvironment(env);
        p.setWorkingDirectory(m_dir->path());
        p.start(QStringLiteral(JOBPOOL_BINARY),
                QStringList{u"run"_s, u"--db"_s, db(), u"--results-dir"_s, results(),
                            u"--no-progress"_s}
                    + arguments);
    }

    Outcome finish(QProcess &p) const
    {
        Outcome o;
        o.finished = p.waitForFinished(kPatience * 2);
        if (!o.finished) {
            p.kill();
            p.waitForFinished(kPatience);
        }
        o.exitCode = p.exitCode();
        o.out = p.readAllStandardOutput();
        o.err = p.readAllStandardError();
        return o;
    }

    Outcome run(const QStringList &arguments, const QProcessEnvironment &extra = {}) const
    {
        QProcess p;
        start(p, arguments, extra);
        return finish(p);
    }

    QJsonObject show(qint64 batch) const
    {
        QProcess p;
        p.start(QStringLiteral(JOBPOOL_BINARY),
                {u"show"_s, QString::number(batch), u"--db"_s, db(), u"--json"_s});
        p.waitForFinished(kPatience);
        return QJsonDocument::fromJson(p.readAllStandardOutput()).object();
    }

    QString batchFolder(qint64 batch) const { return results() + u"/batch-%1"_s.arg(batch); }

    int startedCount() const
    {
        return int(QDir(m_dir->path()).entryList({u"started-*"_s}, QDir::Files).size());
    }

private slots:
    void initTestCase()
    {
        test::installProcessLeakGuard();
        if (qEnvironmentVariableIsEmpty("SLURM_CONF") || slurmDir().isEmpty())
            QSKIP("no local Slurm: run this suite through ctest, whose fixture starts one");
        int status = -1;
        tool(u"sinfo"_s, {u"-h"_s}, &status);
        QVERIFY2(status == 0, "the local Slurm does not answer sinfo");
    }

    void init()
    {
        m_dir = std::make_unique<QTemporaryDir>();
        QVERIFY(m_dir->isValid());
    }

    void cleanup()
    {
        if (QTest::currentTestFailed()) {
            m_dir->setAutoRemove(false);
            qWarning("kept %s", qPrintable(m_dir->path()));
        }
        m_dir.reset();
        const QString left = test::leftovers(20000);
        QVERIFY2(left.isEmpty(), qPrintable(left));
    }

    void runsABatchOf200()
    {
        QFile inputs(path(u"inputs"_s));
        QVERIFY(inputs.open(QIODevice::WriteOnly));
        for (int i = 1; i <= 200; ++i)
            inputs.write(QByteArray::number(i) + '\n');
        inputs.close();
        QElapsedTimer clock;
        clock.start();
        const Outcome o = run({u"--slurm"_s, u"--slurm-chunk"_s, u"4"_s, u"sh"_s, u"-c"_s,
                               u"echo out-{}; echo err-{} >&2"_s, u"::::"_s, inputs.fileName()});
        QVERIFY2(o.finished && o.exitCode == 0, o.describe().constData());
        qInfo("200 inputs, 50 array tasks: %.1f s", double(clock.elapsed()) / 1000);
        QCOMPARE(o.out.count('\n'), 200);

        const QJsonObject batch = show(1);
        QCOMPARE(batch[u"counts"_s][u"done"_s].toInt(), 200);
        const QJsonArray jobs = batch[u"jobs"_s].toArray();
        QCOMPARE(jobs.size(), 200);
        for (const QJsonValue &value : jobs) {
            const QJsonObject job = value.toObject();
            const QJsonObject last = job[u"lastAttempt"_s].toObject();
            const QString input = job[u"inputs"_s].toArray().first().toString();
            QCOMPARE(job[u"state"_s].toString(), u"done"_s);
            QCOMPARE(last[u"exitCode"_s].toInt(), 0);
            QVERIFY(last[u"wallUs"_s].toInteger() > 0);
            QVERIFY(last[u"commandPid"_s].toInteger() > 0);
            QVERIFY(last[u"peakRssKiB"_s].toInteger() > 0);
            QVERIFY(!last[u"startedAt"_s].toString().isEmpty());
            QVERIFY(!last[u"endedAt"_s].toString().isEmpty());
            QFile out(last[u"stdout"_s].toString());
            QVERIFY2(out.open(QIODevice::ReadOnly), qPrintable(out.fileName()));
            QCOMPARE(out.readAll(), QByteArray("out-" + input.toUtf8() + "\n"));
            QFile err(last[u"stderr"_s].toString());
            QVERIFY(err.open(QIODevice::ReadOnly));
            QCOMPARE(err.readAll(), QByteArray("err-" + input.toUtf8() + "\n"));
        }
        // One array of 50 tasks, four inputs each, and its script beside the manifest.
        const QDir array(batchFolder(1) + u"/slurm-1"_s);
        QCOMPARE(array.entryList({u"task-*.journal"_s}, QDir::Files).size(), 50);
        QVERIFY(QFile::exists(array.filePath(u"job.sh"_s)));
        QVERIFY(!QDir(batchFolder(1) + u"/slurm-2"_s).exists());
    }

    void retriesOnlyTheFailedInput()
    {
        // Input 4 fails the first time, and only then.
        const Outcome o = run({u"--slurm"_s, u"--retries"_s, u"2"_s, u"sh"_s, u"-c"_s,
                               u"if [ {} = 4 ] && [ ! -e marker ]; then touch marker; exit 3; fi;"
                               " echo ok-{}"_s,
                               u":::"_s, u"1"_s, u"2"_s, u"3"_s, u"4"_s, u"5"_s, u"6"_s});
        QVERIFY2(o.finished && o.exitCode == 0, o.describe().constData());
        const QJsonObject batch = show(1);
        QCOMPARE(batch[u"counts"_s][u"done"_s].toInt(), 6);
        for (const QJsonValue &value : batch[u"jobs"_s].toArray()) {
            const QJsonObject job = value.toObject();
            QCOMPARE(job[u"attempts"_s].toInt(), job[u"seq"_s].toInt() == 4 ? 2 : 1);
        }
        // The retry went to Slurm as a second array holding that input alone.
        const QDir retry(batchFolder(1) + u"/slurm-2"_s);
        QCOMPARE(retry.entryList({u"task-*.journal"_s}, QDir::Files),
                 QStringList{u"task-0.journal"_s});
        QFile journal(retry.filePath(u"task-0.journal"_s));
        QVERIFY(journal.open(QIODevice::ReadOnly));
        QVERIFY2(journal.readAll().startsWith("S\t4\t2\t"), "the retry is input 4's attempt 2");
    }

    // Variables that change what Slurm's tools print or where sbatch submits are not
    // passed on to them, here or on a login host (reached through ssh; this one is a
    // stand-in that runs the remote line here, as sshd would there).
    void slurmVariablesAndALoginHost()
    {
        QProcessEnvironment poisoned;
        poisoned.insert(u"SBATCH_PARTITION"_s, u"nowhere"_s);
        poisoned.insert(u"SBATCH_ARRAY_INX"_s, u"0-1"_s);
        poisoned.insert(u"SQUEUE_FORMAT"_s, u"%i"_s);
        poisoned.insert(u"SQUEUE_SORT"_s, u"-i"_s);
        poisoned.insert(u"SLURM_TIME_FORMAT"_s, u"relative"_s);
        Outcome o = run({u"--slurm"_s, u"echo"_s, u":::"_s, u"a"_s, u"b"_s, u"c"_s}, poisoned);
        QVERIFY2(o.finished && o.exitCode == 0, o.describe().constData());
        QCOMPARE(show(1)[u"counts"_s][u"done"_s].toInt(), 3);

        QVERIFY(QDir(m_dir->path()).mkdir(u"bin"_s));
        QFile ssh(path(u"bin/ssh"_s));
        QVERIFY(ssh.open(QIODevice::WriteOnly));
        ssh.write("#!/bin/sh\n"
                  "printf '%s\\n' \"$*\" >> \"$SSH_CALLS\"\n"
                  "[ \"$1 $2 $3 $4\" = '-o BatchMode=yes login.example --' ] || exit 255\n"
                  "exec sh -c \"$5\"\n");
        ssh.close();
        QVERIFY(ssh.setPermissions(QFileDevice::ReadOwner | QFileDevice::ExeOwner));
        poisoned.insert(u"PATH"_s, path(u"bin"_s) + u':' + qEnvironmentVariable("PATH"));
        poisoned.insert(u"SSH_CALLS"_s, path(u"ssh-calls"_s));
        o = run({u"--slurm-host"_s, u"login.example"_s, u"-k"_s, u"echo"_s, u":::"_s, u"d e"_s,
                 u"$HOME"_s},
                poisoned);
        QVERIFY2(o.finished && o.exitCode == 0, o.describe().constData());
        QCOMPARE(o.out, QByteArray("d e\n$HOME\n")); // no shell read the inputs
        QCOMPARE(show(2)[u"counts"_s][u"done"_s].toInt(), 2);
        QFile calls(path(u"ssh-calls"_s));
        QVERIFY(calls.open(QIODevice::ReadOnly));
        const QByteArray log = calls.readAll();
        // sbatch went through it (squeue too, if a poll came before the journals had it all).
        QVERIFY2(log.startsWith("-o BatchMode=yes login.example -- 'sh' '-c' ")
                     && log.contains("'sbatch' '--parsable'"),
                 log.constData());
    }

    void interruptCancelsTheArray()
    {
        QProcess p;
        start(p, {u"--slurm"_s, u"sh"_s, u"-c"_s, u"touch started-{}; exec sleep 300"_s, u":::"_s,
                  u"1"_s, u"2"_s, u"3"_s, u"4"_s});
        QTRY_VERIFY_WITH_TIMEOUT(startedCount() >= 2, kPatience);
        QTRY_VERIFY_WITH_TIMEOUT(!tasksIn(1, u"running"_s).isEmpty(), kPatience);
        ::kill(pid_t(p.processId()), SIGINT);
        const Outcome o = finish(p);
        QVERIFY2(o.finished && o.exitCode == 255, o.describe().constData());
        // Slurm cancelled every task; none runs, and the store lost none of the jobs.
        QTRY_VERIFY_WITH_TIMEOUT(tasksIn(1, u"running,completing"_s).isEmpty(), kPatience);
        QVERIFY(tasksIn(1, u"cancelled"_s).contains("CANCELLED"));
        const QJsonObject counts = show(1)[u"counts"_s].toObject();
        QCOMPARE(counts[u"done"_s].toInt(), 0);
        QCOMPARE(counts[u"interrupted"_s].toInt() + counts[u"pending"_s].toInt(), 4);
    }

    void timeLimitFailsWhatItCut()
    {
        // Slurm's limits are whole minutes, checked about every 30 s.
        const Outcome o = run({u"--slurm"_s, u"--time"_s, u"1"_s, u"sh"_s, u"-c"_s,
                               u"if [ {} = slow ]; then exec sleep 600; fi; echo quick"_s, u":::"_s,
                               u"quick"_s, u"slow"_s});
        QVERIFY2(o.finished && o.exitCode == 1, o.describe().constData());
        const QJsonArray jobs = show(1)[u"jobs"_s].toArray();
        QCOMPARE(jobs.size(), 2);
        QCOMPARE(jobs[0][u"state"_s].toString(), u"done"_s);
        const QJsonObject slow = jobs[1][u"lastAttempt"_s].toObject();
        QCOMPARE(jobs[1][u"state"_s].toString(), u"failed"_s);
        QVERIFY(slow[u"timedOut"_s].toBool());
        QVERIFY2(slow[u"error"_s].toString().contains(u"TIMEOUT"_s),
                 qPrintable(slow[u"error"_s].toString()));
    }

    void controllerGoneThenResumed()
    {
        QProcess p;
        // Until the file "back" exists, the jobs outlast the controller's absence (the
        // results of those that end meanwhile would reach jobpool through their journals).
        start(p, {u"--slurm"_s, u"--slurm-patience"_s, u"2"_s, u"sh"_s, u"-c"_s,
                  u"touch started-{}; [ -e back ] || sleep 60; echo done-{}"_s, u":::"_s, u"1"_s,
                  u"2"_s, u"3"_s});
        QTRY_VERIFY_WITH_TIMEOUT(startedCount() >= 1, kPatience);
        // The controller goes away (TERM: it saves its state, as in a real restart).
        const qint64 controller = pidIn(slurmDir() + u"/run/slurmctld.pid"_s);
        QVERIFY(controller > 0);
        QCOMPARE(::kill(pid_t(controller), SIGTERM), 0);
        QTRY_VERIFY_WITH_TIMEOUT(!test::processAlive(pid_t(controller)), kPatience);
        const Outcome o = finish(p);
        QVERIFY2(o.finished && o.exitCode == 255, o.describe().constData());
        QVERIFY2(o.err.contains("could not be reached") && o.err.contains("--resume 1"),
                 o.err.constData());
        QCOMPARE(show(1)[u"state"_s].toString(), u"stopped"_s);

        // Back again: the batch resumes, cancels what still ran of its first array, and
        // finishes.
        QFile back(path(u"back"_s));
        QVERIFY(back.open(QIODevice::WriteOnly));
        back.close();
        QProcess restart;
        restart.setProcessChannelMode(QProcess::MergedChannels);
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(u"JOBPOOL_SLURM_WAIT"_s, u"120"_s); // a loaded machine re-registers slowly
        restart.setProcessEnvironment(env);
        restart.start(QStringLiteral(JOBPOOL_SLURM_SCRIPTS "/start-slurm"), QStringList{});
        QVERIFY(restart.waitForFinished(kPatience));
        QVERIFY2(restart.exitCode() == 0, restart.readAll().constData());
        const Outcome resumed = run({u"--resume"_s, u"1"_s});
        QVERIFY2(resumed.finished && resumed.exitCode == 0, resumed.describe().constData());
        const QJsonObject counts = show(1)[u"counts"_s].toObject();
        QCOMPARE(counts[u"done"_s].toInt(), 3);
        QTRY_VERIFY_WITH_TIMEOUT(tasksIn(1, u"running,completing"_s).isEmpty(), kPatience);
    }
};

QTEST_GUILESS_MAIN(TestSlurm)
#include "tst_slurm.moc"
