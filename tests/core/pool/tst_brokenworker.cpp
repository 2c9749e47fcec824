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

QString label(int n)
{
    return QString::number(3 * n);
}
JOBPOOL_TASK(label)

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
        QTest::addColumn<int>("after"); // Run messages the worker answers right first
        QTest::addColumn<QString>("expected");
        QTest::newRow("random bytes before ready")
            << QByteArray("random") << 0 << QStringLiteral("corrupt ring");
        QTest::newRow("4 GiB fragment")
            << QByteArray("huge-length") << 0 << QStringLiteral("corrupt ring");
        QTest::newRow("1 TiB bulk reference")
            << QByteArray("huge-bulk") << 0 << QStringLiteral("does not fit");
        QTest::newRow("unknown message kind")
            << QByteArray("bad-kind") << 0 << QStringLiteral("unknown message kind");
        QTest::newRow("result for another chunk")
            << QByteArray("wrong-chunk") << 0 << QStringLiteral("does not have");
        QTest::newRow("more results than items")
            << QByteArray("too-many") << 0 << QStringLiteral("for a chunk of");
        QTest::newRow("record longer than message")
            << QByteArray("short-record") << 0 << QStringLiteral("longer than its message");
        QTest::newRow("huge count inside a result")
            << QByteArray("huge-count") << 0 << QStringLiteral("bad element count");
        QTest::newRow("garbage in the bulk region")
            << QByteArray("bulk-garbage") << 0 << QStringLiteral("bad element count");
        QTest::newRow("huge count inside an error")
            << QByteArray("bad-error") << 0 << QStringLiteral("bad element count");
        // The same in the middle of a run, after good results.
        QTest::newRow("random bytes mid-run")
            << QByteArray("ring-garbage") << 3 << QStringLiteral("corrupt ring");
        QTest::newRow("result for another chunk mid-run")
            << QByteArray("wrong-chunk") << 3 << QStringLiteral("does not have");
        QTest::newRow("huge count inside a result mid-run")
            << QByteArray("huge-count") << 3 << QStringLiteral("bad element count");
        QTest::newRow("garbage in the bulk region mid-run")
            << QByteArray("bulk-garbage") << 3 << QStringLiteral("bad element count");
        QTest::newRow("1 TiB bulk reference mid-run")
            << QByteArray("huge-bulk") << 3 << QStringLiteral("does not fit");
    }
    void isDropped()
    {
        QFETCH(QByteArray, mode);
        QFETCH(int, after);
        QFETCH(QString, expected);
        qputenv("JOBPOOL_BROKEN_MODE", mode);
        qputenv("JOBPOOL_BROKEN_AFTER", QByteArray::number(after));
        const qint64 before = residentKiB();
        {
            PoolOptions options;
            options.workers = 1;
            options.workerProgram = QStringLiteral(JOBPOOL_BROKENWORKER);
            Pool pool(options);
            for (int i = 0; i < after; ++i)
                QCOMPARE(pool.apply(label, i), QString::number(3 * i));
            QFuture<QString> future = pool.applyAsync(label, 14);
            QTRY_VERIFY_WITH_TIMEOUT(future.isFinished(), 20000);
            QString message;
            try {
                future.waitForFinished();
                QFAIL("a broken worker's call succeeded");
            } catch (const WorkerDied &e) {
                message = e.message();
            } catch (const ProtocolError &e) {
                message = e.message(); // a result that cannot be decoded: the call says so
            } catch (const PoolError &e) {
                message = e.message(); // it broke before it was ready, three times
            }
            qInfo("the call failed with: %s", qPrintable(message));
            QVERIFY2(message.contains(QLatin1String("protocol error")), qPrintable(message));
            QVERIFY2(message.contains(expected), qPrintable(message));
            if (after > 0) {
                // The pool goes on with a new worker, which answers its first calls right.
                QFuture<QString> next = pool.applyAsync(label, 5);
                QTRY_VERIFY_WITH_TIMEOUT(next.isFinished(), 20000);
                QCOMPARE(next.result(), QStringLiteral("15"));
            }
        }
        qunsetenv("JOBPOOL_BROKEN_MODE");
        qunsetenv("JOBPOOL_BROKEN_AFTER");
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
