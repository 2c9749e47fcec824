// SPDX-License-Identifier: GPL-3.0-or-later
// How Semaphore and Barrier tell a live process from a dead one (core/sync/processstamp.cpp).
#include "../../../core/sync/processstamp.h"
#include "testsupport.h"

#include <jobpool/jobpool.h>

#include <QCoreApplication>
#include <QFile>
#include <QTest>

#include <sys/wait.h>
#include <unistd.h>

using namespace jobpool;
using detail::ProcessStamp;

namespace {

void waitAtGate(Lock gate)
{
    gate.acquire();
    gate.release();
}
JOBPOOL_TASK(waitAtGate)

} // namespace

class TestProcessStamp : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        test::installProcessLeakGuard();
        m_shm = test::sharedMemoryEntries();
    }
    void cleanup()
    {
        const QString left = test::leftovers(20000);
        QVERIFY2(left.isEmpty(), qPrintable(left));
        QCOMPARE(test::sharedMemoryEntries(), m_shm);
    }

    void parsesProcStat_data()
    {
        QTest::addColumn<QByteArray>("text");
        QTest::addColumn<bool>("valid");
        QTest::addColumn<char>("state");
        QTest::addColumn<quint64>("startTime");
        // Lines as /proc/PID/stat holds them (Linux 6.1).
        QTest::newRow("plain") << QByteArray("913 (cat) R 908 908 28473 0 -1 4194304 122 0 0 0 0 "
                                             "0 0 0 20 0 1 0 1544284 3133440 384 "
                                             "18446744073709551615 1 1 0 0 0 0 0\n")
                               << true << 'R' << quint64(1544284);
        QTest::newRow("name with spaces and parentheses")
            << QByteArray("77 (a) b (c)) S 1 77 77 0 -1 4194560 5 0 0 0 0 0 0 0 20 0 1 0 "
                          "424242 1000 10 0\n")
            << true << 'S' << quint64(424242);
        QTest::newRow("zombie") << QByteArray("12 (gone) Z 1 12 12 0 -1 4227084 0 0 0 0 0 0 0 0 "
                                              "20 0 1 0 99 0 0 0\n")
                                << true << 'Z' << quint64(99);
        QTest::newRow("empty") << QByteArray() << false << '?' << quint64(0);
        QTest::newRow("no name") << QByteArray("12 S 1 12") << false << '?' << quint64(0);
        QTest::newRow("truncated")
            << QByteArray("12 (x) S 1 12 12 0 -1") << false << '?' << quint64(0);
        QTest::newRow("start time not a number")
            << QByteArray("12 (x) S 1 12 12 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 abc 0 0\n") << false
            << '?' << quint64(0);
    }
    void parsesProcStat()
    {
        QFETCH(QByteArray, text);
        QFETCH(bool, valid);
        QFETCH(char, state);
        QFETCH(quint64, startTime);
        const std::optional<detail::ProcStat> stat = detail::parseProcStat(text);
        QCOMPARE(stat.has_value(), valid);
        if (valid) {
            QCOMPARE(stat->state, state);
            QCOMPARE(quint64(stat->startTime), startTime);
        }
    }

    void thisProcessIsAlive()
    {
        const ProcessStamp self = ProcessStamp::current();
        QCOMPARE(self.pid, std::int32_t(getpid()));
        QVERIFY(self.startTime > 0);
        QVERIFY(self.isAlive());
        QCOMPARE(ProcessStamp::current(), self);
    }

    void aReusedPidIsNotTheSameProcess()
    {
        // The same pid with another start time: a later process that got the pid.
        ProcessStamp later = ProcessStamp::current();
        later.startTime += 1;
        QVERIFY(!later.isAlive());
        QVERIFY(!ProcessStamp{}.isAlive());
    }

    void childIsAliveUntilItEnds()
    {
        Lock gate;
        QVERIFY(gate.acquire());
        Process child(waitAtGate, gate);
        child.start();
        const auto stat = detail::parseProcStat([&] {
            QFile file(QStringLiteral("/proc/%1/stat").arg(child.pid()));
            return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
        }());
        QVERIFY(stat.has_value());
        const ProcessStamp stamp{std::int32_t(child.pid()), stat->startTime};
        QVERIFY(stamp.isAlive());
        gate.release();
        QVERIFY(child.join());
        QVERIFY(!stamp.isAlive());
    }

    void zombieIsNotAlive()
    {
        const pid_t pid = fork();
        if (pid == 0)
            _exit(0);
        QVERIFY(pid > 0);
        auto statOf = [pid]() -> std::optional<detail::ProcStat> {
            QFile file(QStringLiteral("/proc/%1/stat").arg(pid));
            if (!file.open(QIODevice::ReadOnly))
                return std::nullopt;
            return detail::parseProcStat(file.readAll());
        };
        // Ended, not reaped yet: its /proc entry is still there, as a zombie.
        QTRY_VERIFY(statOf() && statOf()->state == 'Z');
        const ProcessStamp zombie{std::int32_t(pid), statOf()->startTime};
        QVERIFY(!zombie.isAlive());
        int status = 0;
        QCOMPARE(waitpid(pid, &status, 0), pid);
    }

private:
    QStringList m_shm;
};

JOBPOOL_TEST_MAIN(TestProcessStamp)

#include "tst_processstamp.moc"
