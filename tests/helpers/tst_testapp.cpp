// SPDX-License-Identifier: GPL-3.0-or-later
// The test helper program must do exactly what each mode promises, or every failure-path
// test built on it proves nothing.
#include "testsupport.h"

#include <QFile>
#include <QProcess>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>

#include <sys/wait.h>
#include <unistd.h>

using namespace jobpool::test;

class TestTestApp : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase() { installProcessLeakGuard(); }
    void cleanup()
    {
        QCOMPARE(leakedProcessWarnings(), 0);
        QTRY_VERIFY(childProcesses(getpid()).isEmpty());
    }

    void exitCode_data()
    {
        QTest::addColumn<int>("code");
        QTest::newRow("zero") << 0;
        QTest::newRow("one") << 1;
        QTest::newRow("forty-two") << 42;
        QTest::newRow("max") << 255;
    }
    void exitCode()
    {
        QFETCH(int, code);
        QProcess p;
        p.start(testAppPath(), {QStringLiteral("exit"), QString::number(code)});
        QVERIFY(p.waitForFinished());
        QCOMPARE(p.exitStatus(), QProcess::NormalExit);
        QCOMPARE(p.exitCode(), code);
    }

    void dies_data()
    {
        QTest::addColumn<QString>("mode");
        QTest::addColumn<int>("signal");
        QTest::newRow("crash") << QStringLiteral("crash") << int(SIGSEGV);
        QTest::newRow("abort") << QStringLiteral("abort") << int(SIGABRT);
    }
    void dies()
    {
        QFETCH(QString, mode);
        QFETCH(int, signal);
        // QProcess does not tell which signal ended a child, so wait for it ourselves.
        const pid_t pid = fork();
        QVERIFY(pid >= 0);
        if (pid == 0) {
            const QByteArray app = testAppPath().toLocal8Bit();
            const QByteArray m = mode.toLatin1();
            execl(app.constData(), app.constData(), m.constData(), nullptr);
            _exit(127);
        }
        int status = 0;
        QCOMPARE(waitpid(pid, &status, 0), pid);
        QVERIFY(WIFSIGNALED(status));
        QCOMPARE(WTERMSIG(status), signal);
    }

    void hangsUntilKilled()
    {
        QProcess p;
        p.start(testAppPath(), {QStringLiteral("hang")});
        QVERIFY(p.waitForStarted());
        QVERIFY(!p.waitForFinished(200));
        QCOMPARE(p.state(), QProcess::Running);
        p.kill();
        QVERIFY(p.waitForFinished());
        QCOMPARE(p.exitStatus(), QProcess::CrashExit);
    }

    void sleepsThenExits()
    {
        QProcess p;
        QSignalSpy finished(&p, &QProcess::finished);
        p.start(testAppPath(), {QStringLiteral("sleep"), QStringLiteral("50")});
        QVERIFY(finished.wait());
        QCOMPARE(p.exitCode(), 0);
    }

    void printsMebibytes_data()
    {
        QTest::addColumn<QString>("mode");
        QTest::addColumn<int>("mib");
        QTest::newRow("stdout 2") << QStringLiteral("stdout") << 2;
        QTest::newRow("stderr 3") << QStringLiteral("stderr") << 3;
    }
    void printsMebibytes()
    {
        QFETCH(QString, mode);
        QFETCH(int, mib);
        QProcess p;
        p.start(testAppPath(), {mode, QString::number(mib)});
        QVERIFY(p.waitForFinished());
        QCOMPARE(p.exitCode(), 0);
        const QByteArray out =
            mode == QLatin1String("stdout") ? p.readAllStandardOutput() : p.readAllStandardError();
        QCOMPARE(out.size(), qsizetype(mib) * 1024 * 1024);
    }

    void ignoresTerm()
    {
        QProcess p;
        p.start(testAppPath(), {QStringLiteral("ignore-term")});
        QVERIFY(p.waitForReadyRead());
        QCOMPARE(p.readAllStandardOutput(), QByteArray("ready\n"));
        p.terminate();
        QVERIFY(!p.waitForFinished(200));
        p.kill();
        QVERIFY(p.waitForFinished());
    }

    void leavesGrandchildBehind()
    {
        QProcess p;
        p.start(testAppPath(), {QStringLiteral("grandchild")});
        QVERIFY(p.waitForFinished());
        const pid_t grandchild = pid_t(p.readAllStandardOutput().trimmed().toInt());
        QVERIFY(grandchild > 0);
        QVERIFY(processAlive(grandchild));
        QCOMPARE(::kill(grandchild, SIGKILL), 0);
        QTRY_VERIFY(!processAlive(grandchild));
    }

    void echoesArguments()
    {
        QProcess p;
        p.start(testAppPath(),
                {QStringLiteral("echo"), QStringLiteral("a b"), QStringLiteral("-c")});
        QVERIFY(p.waitForFinished());
        QCOMPARE(p.readAllStandardOutput(), QByteArray("a b\n-c\n"));
    }

    void killsTheWorkersItIsTold()
    {
        // Two stand-ins for pool workers (their command lines hold --jobpool-worker); the
        // killer is told about one of them only.
        QProcess named;
        QProcess other;
        const QStringList hang{QStringLiteral("hang"), QStringLiteral("--jobpool-worker")};
        named.start(testAppPath(), hang);
        other.start(testAppPath(), hang);
        QVERIFY(named.waitForStarted() && other.waitForStarted());
        QProcess killer;
        killer.start(testAppPath(), {QStringLiteral("kill-workers"), QString::number(getpid()),
                                     QStringLiteral("10"), QStringLiteral("1")});
        QVERIFY(killer.waitForStarted());
        const QByteArray pid = QByteArray::number(named.processId());
        killer.write(pid + '\n');
        QVERIFY(killer.waitForBytesWritten());
        QVERIFY(named.waitForFinished());
        QCOMPARE(named.exitStatus(), QProcess::CrashExit);
        QByteArray killed;
        QTRY_COMPARE(killed += killer.readAllStandardOutput(), pid + '\n');
        killer.closeWriteChannel(); // the end of its input stops it
        QVERIFY(killer.waitForFinished());
        QCOMPARE(killer.exitCode(), 0);
        QCOMPARE(other.state(), QProcess::Running);
        other.kill();
        QVERIFY(other.waitForFinished());
    }

    void measuresPeakMemory()
    {
        QTemporaryDir dir;
        const QString report = dir.filePath(QStringLiteral("maxrss"));
        QProcess p;
        p.start(testAppPath(), {QStringLiteral("rusage"), report, testAppPath(),
                                QStringLiteral("exit"), QStringLiteral("7")});
        QVERIFY(p.waitForFinished());
        QCOMPARE(p.exitCode(), 7); // the measured program's
        QFile file(report);
        QVERIFY(file.open(QIODevice::ReadOnly));
        QVERIFY(file.readAll().trimmed().toLongLong() > 0);
    }

    void rejectsUnknownMode()
    {
        QProcess p;
        p.start(testAppPath(), {QStringLiteral("bogus")});
        QVERIFY(p.waitForFinished());
        QCOMPARE(p.exitCode(), 64);
        QVERIFY(p.readAllStandardError().contains("unknown mode"));
    }
};

QTEST_GUILESS_MAIN(TestTestApp)
#include "tst_testapp.moc"
