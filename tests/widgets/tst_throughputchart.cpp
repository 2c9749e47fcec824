// SPDX-License-Identifier: GPL-3.0-or-later
#include <QCoreApplication>
#include <QDateTime>
#include <QTest>
#include <qcustomplot.h>

#include <cmath>

#include <widgets/replotthrottle.h>
#include <widgets/throughputchart.h>

using jobpool::widgets::ThroughputChart;

namespace {

double lastValue(const QCPGraph *graph)
{
    return graph->data()->at(graph->data()->size() - 1)->value;
}

} // namespace

class TestThroughputChart : public QObject
{
    Q_OBJECT

private slots:
    void ratesOverAWindow()
    {
        ThroughputChart chart;
        QCOMPARE(chart.objectName(), QStringLiteral("throughputChart"));
        QCOMPARE(chart.rateWindow(), 5000);
        const qint64 t0 = QDateTime::currentMSecsSinceEpoch();
        chart.addSample(t0, 0, 100);
        QCOMPARE(chart.currentRate(), 0.0);
        chart.addSample(t0 + 1000, 10, 90);
        QCOMPARE(chart.currentRate(), 10.0);
        chart.addSample(t0 + 2000, 30, 70);
        QCOMPARE(chart.currentRate(), 15.0); // 30 jobs in 2 s

        // A shorter window forgets older samples, but always keeps the previous one.
        chart.setRateWindow(1000);
        chart.addSample(t0 + 3000, 60, 40);
        QCOMPARE(chart.currentRate(), 30.0);

        const QCPGraph *rate = chart.throughputGraph();
        const QCPGraph *queue = chart.queueGraph();
        QCOMPARE(rate->data()->size(), 3); // the first sample alone has no rate
        QCOMPARE(lastValue(rate), 30.0);
        QCOMPARE(queue->data()->size(), 4);
        QCOMPARE(queue->data()->at(0)->value, 100.0);
        QCOMPARE(lastValue(queue), 40.0);
        QCOMPARE(queue->data()->at(1)->key, double(t0 + 1000) / 1000.0);

        // Two y axes: the rate on the left, the queue on the right, each with room on top.
        QCOMPARE(rate->valueAxis(), chart.plot()->yAxis);
        QCOMPARE(queue->valueAxis(), chart.plot()->yAxis2);
        QVERIFY(chart.plot()->yAxis2->visible());
        QVERIFY(chart.plot()->yAxis->range().upper >= 30);
        QVERIFY(chart.plot()->yAxis2->range().upper >= 100);
        QCOMPARE(chart.plot()->yAxis->range().lower, 0.0);
        QCOMPARE(chart.plot()->xAxis->range().upper, double(t0 + 3000) / 1000.0);
    }

    void countStartingOverIsNotANegativeRate()
    {
        ThroughputChart chart;
        const qint64 t0 = QDateTime::currentMSecsSinceEpoch();
        chart.addSample(t0, 500, 0);
        chart.addSample(t0 + 1000, 600, 0);
        chart.addSample(t0 + 2000, 5, 10); // a new batch counts from zero
        QCOMPARE(chart.currentRate(), 0.0);
        chart.addSample(t0 + 3000, 25, 10);
        QCOMPARE(chart.currentRate(), 20.0);
        for (const auto &point : *chart.throughputGraph()->data())
            QVERIFY(point.value >= 0);
    }

    void keepsOnlyItsTimeSpan()
    {
        ThroughputChart chart;
        chart.setTimeSpan(60);
        const qint64 t0 = QDateTime::currentMSecsSinceEpoch();
        for (int i = 0; i < 1000; ++i)
            chart.addSample(t0 + i * 500, i * 3, 1000 - i);
        QVERIFY(chart.throughputGraph()->data()->size() <= 131);
        QVERIFY(chart.queueGraph()->data()->size() <= 131);
        QCOMPARE(chart.plot()->graphCount(), 2);
        QCOMPARE(chart.plot()->xAxis->range().size(), 60.0);
        QCOMPARE(chart.currentRate(), 6.0);
    }

    void picture()
    {
        ThroughputChart chart;
        chart.resize(640, 300);
        chart.setTimeSpan(120);
        chart.show();
        QVERIFY(QTest::qWaitForWindowExposed(&chart));
        const qint64 end = QDateTime::currentMSecsSinceEpoch();
        qint64 finished = 0;
        for (int i = 0; i <= 240; ++i) {
            finished += qint64(20 + 15 * std::sin(i * 0.1) + (i % 7));
            chart.addSample(end - (240 - i) * 500, finished, std::max(0, 4000 - i * 17));
        }
        chart.plot()->replot();
        QVERIFY(chart.grab().save(QCoreApplication::applicationDirPath()
                                  + QStringLiteral("/throughputchart.png")));
        QTRY_VERIFY(!chart.replotThrottle()->isPending());
    }
};

QTEST_MAIN(TestThroughputChart)
#include "tst_throughputchart.moc"
