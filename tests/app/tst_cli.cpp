// SPDX-License-Identifier: GPL-3.0-or-later
// The jobpool executable's command line, run as a user would run it: without a display.
#include "testsupport.h"

#include <QProcess>
#include <QProcessEnvironment>
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
};

QTEST_GUILESS_MAIN(TestCli)
#include "tst_cli.moc"
