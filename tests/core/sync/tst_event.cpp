// SPDX-License-Identifier: GPL-3.0-or-later
#include "testsupport.h"

#include <jobpool/jobpool.h>

#include <QCoreApplication>
#include <QTest>

#include <memory>
#include <vector>

#include <unistd.h>

using namespace jobpool;

namespace {

/// Exits 0 when the event is set within a minute, 3 otherwise.
void waitForIt(Event event)
{
    if (!event.wait(std::chrono::minutes(1)))
        std::exit(3);
}
JOBPOOL_TASK(waitForIt)

void setIt(Event event)
{
    event.set();
}
JOBPOOL_TASK(setIt)

} // namespace

class TestEvent : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase() { test::installProcessLeakGuard(); }
    void cleanup()
    {
        const QString left = test::leftovers(20000);
        QVERIFY2(left.isEmpty(), qPrintable(left));
    }

    void startsClearAndTimesOut()
    {
        Event event;
        QVERIFY(!event.isSet());
        QVERIFY(!event.wait(std::chrono::milliseconds(20)));
        QVERIFY(!event.wait(std::chrono::milliseconds(0)));
    }

    void setWakesEveryWaitingProcess()
    {
        Event event;
        std::vector<std::unique_ptr<Process>> waiters;
        for (int i = 0; i < 3; ++i) {
            waiters.push_back(std::make_unique<Process>(waitForIt, event));
            waiters.back()->start();
        }
        for (auto &w : waiters)
            QVERIFY(w->isAlive()); // they wait: nothing has set it
        event.set();
        for (auto &w : waiters) {
            QVERIFY(w->join());
            QCOMPARE(w->exitCode(), 0);
        }
    }

    void anotherProcessSetsIt()
    {
        Event event;
        Process setter(setIt, event);
        setter.start();
        QVERIFY(event.wait(std::chrono::minutes(1)));
        QVERIFY(event.isSet());
        QVERIFY(setter.join());
        event.clear();
        QVERIFY(!event.isSet());
        QVERIFY(!event.wait(std::chrono::milliseconds(10)));
    }

    void worksInPoolTasks()
    {
        Event event;
        event.set();
        Pool pool({.workers = 2});
        pool.map(waitForIt, QList<Event>(4, event)); // all return at once: it is set
        QVERIFY(event.isSet());
    }
};

JOBPOOL_TEST_MAIN(TestEvent)

#include "tst_event.moc"
