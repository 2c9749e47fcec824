// SPDX-License-Identifier: GPL-3.0-or-later
// A worker that breaks the protocol — random bytes, absurd lengths, results for chunks it
// never had — is dropped with a clear error. The parent neither crashes, nor hangs, nor
// allocates what the worker announces.
#include "testsupport.h"

#include <jobpool/jobpool.h>

#include <QCoreApplication>
#include <QFile>
#include <QTest>

#include <unistd.h>

using namespace jobpool;
using namespace jobpool::test;

namespace {

int triple(int n)
{
    return 3 * n;
}
JOBPOOL_TASK(triple)

qint64 residentKiB()
{
    QFile status(QStringLiteral("/proc/self/status"));
    if (!status.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray &line : status.readAll().split('\n')) {
        if (line.startsWith("VmRSS:"))
            return line.mid(6).trimmed().split(' ').first().toLongLong();
    }
    return -1;
}

} // namespace

class TestBrokenWorker : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase() { installProcessLeakGuard(); }
    void cleanup()
    {
        const QString left = leftovers(20000);
        QVERIFY2(left.isEmpty(), qPrintable(left));
    }

    void isDropped_data()
    {
        QTest::addColumn<QByteArray>("mode");
        QTest::addColumn<QString>("expected");
        QTest::newRow("random bytes before ready")
            << QByteArray("random") << QStringLiteral("corrupt");
        QTest::newRow("4 GiB fragment") << QByteArray("huge-length") << QStringLiteral("corrupt");
        QTest::newRow("1 TiB bulk reference")
            << QByteArray("huge-bulk") << QStringLiteral("does not fit");
        QTest::newRow("unknown message kind")
            << QByteArray("bad-kind") << QStringLiteral("unknown message kind");
        QTest::newRow("result for another chunk")
            << QByteArray("wrong-chunk") << QStringLiteral("does not have");
        QTest::newRow("more results than items")
            << QByteArray("too-many") << QStringLiteral("for a chunk of");
        QTest::newRow("record longer than message")
            << QByteArray("short-record") << QStringLiteral("longer than its message");
    }
    void isDropped()
    {
        QFETCH(QByteArray, mode);
        QFETCH(QString, expected);
        qputenv("JOBPOOL_BROKEN_MODE", mode);
        const qint64 before = residentKiB();
        {
            PoolOptions options;
            options.workers = 1;
            options.workerProgram = QStringLiteral(JOBPOOL_BROKENWORKER);
            Pool pool(options);
            QFuture<int> future = pool.applyAsync(triple, 14);
            QTRY_VERIFY_WITH_TIMEOUT(future.isFinished(), 20000);
            QString message;
            try {
                future.waitForFinished();
                QFAIL("a broken worker's call succeeded");
            } catch (const WorkerDied &e) {
                message = e.message();
            } catch (const PoolError &e) {
                message = e.message(); // it broke before it was ready, three times
            }
            QVERIFY2(message.contains(QLatin1String("protocol error")), qPrintable(message));
            QVERIFY2(message.contains(expected), qPrintable(message));
        }
        qunsetenv("JOBPOOL_BROKEN_MODE");
        // What a broken worker announces is never allocated.
        QVERIFY2(residentKiB() - before < 64 * 1024,
                 qPrintable(
                     QStringLiteral("resident memory grew by %1 KiB").arg(residentKiB() - before)));
    }

    void poolWorksAgainWithAGoodWorker()
    {
        // The same process, a healthy pool: nothing of the broken ones lingers.
        Pool pool({.workers = 2});
        QCOMPARE(pool.map(triple, QList<int>{1, 2, 3}), (QList<int>{3, 6, 9}));
    }
};

JOBPOOL_TEST_MAIN(TestBrokenWorker)

#include "tst_brokenworker.moc"
