// SPDX-License-Identifier: GPL-3.0-or-later
// The jobpool executable's command line, run as a user would run it: without a display.
#include "testsupport.h"

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QProcessEnvironment>
#include <QTemporaryDir>
#include <QTest>

class TestCli : public QObject
{
    Q_OBJECT

    static QProcess *start(QProcess &p, const QStringList &args)
    {
        // No display at all: --help and --version must not need one.
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.remove(QStringLiteral("DISPLAY"));
        env.remove(QStringLiteral("WAYLAND_DISPLAY"));
        env.remove(QStringLiteral("QT_QPA_PLATFORM"));
        p.setProcessEnvironment(env);
        p.start(QStringLiteral(JOBPOOL_BINARY), args);
        return &p;
    }

private slots:
    void initTestCase() { jobpool::test::installProcessLeakGuard(); }

    void version_data()
    {
        QTest::addColumn<QString>("flag");
        QTest::newRow("long") << QStringLiteral("--version");
        QTest::newRow("short") << QStringLiteral("-v");
    }
    void version()
    {
        QFETCH(QString, flag);
        QProcess p;
        start(p, {flag});
        QVERIFY(p.waitForFinished());
        QCOMPARE(p.exitStatus(), QProcess::NormalExit);
        QCOMPARE(p.exitCode(), 0);
        QCOMPARE(p.readAllStandardOutput(), QByteArray("jobpool " JOBPOOL_EXPECTED_VERSION "\n"));
    }

    void help_data()
    {
        QTest::addColumn<QString>("flag");
        QTest::newRow("long") << QStringLiteral("--help");
        QTest::newRow("short") << QStringLiteral("-h");
    }
    void help()
    {
        QFETCH(QString, flag);
        QProcess p;
        start(p, {flag});
        QVERIFY(p.waitForFinished());
        QCOMPARE(p.exitCode(), 0);
        const QByteArray out = p.readAllStandardOutput();
        QVERIFY2(out.startsWith("Usage: jobpool"), out.constData());
        QVERIFY(out.contains("demo"));
        QVERIFY(p.readAllStandardError().isEmpty());
    }

    // What scripts/run shows without a display: a real batch in real worker processes.
    /// The window is a module the program loads only to open it: a copy of the program
    /// without it says so, and the terminal commands still work.
    void desktopModuleMissing()
    {
        QTemporaryDir dir;
        const QString lonely = dir.filePath(QStringLiteral("jobpool"));
        QVERIFY(QFile::copy(QStringLiteral(JOBPOOL_BINARY), lonely));
        QProcess p;
        p.start(lonely, {QStringLiteral("--db"), dir.filePath(QStringLiteral("jobs.sqlite"))});
        QVERIFY(p.waitForFinished());
        QCOMPARE(p.exitCode(), 1);
        const QByteArray errors = p.readAllStandardError();
        QVERIFY2(errors.contains("jobpool: cannot load the desktop app:"), errors.constData());
        QVERIFY2(errors.contains("jobpool-desktop.so"), errors.constData());
        p.start(lonely, {QStringLiteral("--version")});
        QVERIFY(p.waitForFinished());
        QCOMPARE(p.exitCode(), 0);
    }

    void demoRunsABatch()
    {
        QProcess p;
        start(p, {QStringLiteral("demo")});
        QVERIFY(p.waitForFinished(60000));
        const QByteArray out = p.readAllStandardOutput();
        QVERIFY2(p.exitCode() == 0, out.constData());
        QVERIFY2(out.contains("24 jobs done, 0 failed"), out.constData());
        // sample-01.txt has 2,500 lines of known content, hashed by a worker.
        QVERIFY2(
            out.contains("sample-01.txt      53890 bytes    2500 lines  sha256 90dd3846554dda98"),
            out.constData());
        QCOMPARE(out.count("sha256 "), 12);
    }

    void demoHelp()
    {
        QProcess p;
        start(p, {QStringLiteral("demo"), QStringLiteral("--help")});
        QVERIFY(p.waitForFinished());
        QCOMPARE(p.exitCode(), 0);
        QVERIFY(p.readAllStandardOutput().startsWith("Usage: jobpool demo"));
    }

    // What a Slurm array task runs on its node (docs/SLURM.md), given what it cannot use:
    // a clear reason and exit status 2, never a crash. A good manifest is tst_slurm's.
    void slurmTaskRefusesBadInput_data()
    {
        QTest::addColumn<QByteArray>("manifest"); // empty: no file
        QTest::addColumn<QString>("taskId");      // empty: not set
        QTest::addColumn<QByteArray>("reason");
        QTest::newRow("no task index")
            << QByteArray("x") << QString() << QByteArray("SLURM_ARRAY_TASK_ID");
        QTest::newRow("no manifest")
            << QByteArray() << QStringLiteral("0") << QByteArray("manifest");
        QTest::newRow("not a manifest")
            << QByteArray("#!/bin/sh\n") << QStringLiteral("0")
            << QByteArray("not a manifest this version of JobPool can read");
        QTest::newRow("damaged") << QByteArray("JobPool Slurm manifest 1\n\xff\xff\xff\x7f")
                                 << QStringLiteral("0") << QByteArray("damaged");
        QTest::newRow("no such task") << QByteArray("JobPool Slurm manifest 1\n\0\0\0\0", 29)
                                      << QStringLiteral("3") << QByteArray("has no task 3");
    }

    void slurmTaskRefusesBadInput()
    {
        QFETCH(QByteArray, manifest);
        QFETCH(QString, taskId);
        QFETCH(QByteArray, reason);
        QTemporaryDir dir;
        if (!manifest.isEmpty()) {
            QFile file(dir.filePath(QStringLiteral("manifest")));
            QVERIFY(file.open(QIODevice::WriteOnly));
            file.write(manifest);
        }
        QProcess p;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.remove(QStringLiteral("SLURM_ARRAY_TASK_ID"));
        if (!taskId.isEmpty())
            env.insert(QStringLiteral("SLURM_ARRAY_TASK_ID"), taskId);
        p.setProcessEnvironment(env);
        p.start(QStringLiteral(JOBPOOL_BINARY), {QStringLiteral("slurm-task"), dir.path()});
        QVERIFY(p.waitForFinished());
        QCOMPARE(p.exitCode(), 2);
        const QByteArray err = p.readAllStandardError();
        QVERIFY2(err.contains(reason), err.constData());
        QVERIFY(QDir(dir.path()).entryList(QDir::Files).size() <= 1); // it ran nothing
    }
};

QTEST_GUILESS_MAIN(TestCli)
#include "tst_cli.moc"
