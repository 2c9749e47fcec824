// SPDX-License-Identifier: GPL-3.0-or-later
#include <QCoreApplication>
#include <QDateTime>
#include <QElapsedTimer>
#include <QSignalSpy>
#include <QTest>
#include <qcustomplot.h>

#include <widgets/replotthrottle.h>
#include <widgets/timelinechart.h>

using jobpool::widgets::TimelineChart;

namespace {

/// The pixel in the middle of a bar from \a startMs to \a endMs in lane \a slot.
QPoint barCentre(const TimelineChart &chart, int slot, qint64 startMs, qint64 endMs)
{
    const double key = double(startMs + endMs) / 2000.0;
    return QPoint(qRound(chart.plot()->xAxis->coordToPixel(key)),
                  qRound(chart.plot()->yAxis->coordToPixel(slot)));
}

} // namespace

class TestTimelineChart : public QObject
{
    Q_OBJECT

private slots:
    void barsPerJob()
    {
        TimelineChart chart;
        QCOMPARE(chart.objectName(), QStringLiteral("timelineChart"));
        const qint64 t0 = QDateTime::currentMSecsSinceEpoch() - 10000;
        chart.jobStarted(0, 1, t0);
        chart.jobStarted(1, 2, t0 + 500);
        QCOMPARE(chart.runningCount(), 2);
        chart.jobFinished(0, 1, t0, t0 + 2000, true);
        chart.jobFinished(1, 2, t0 + 500, t0 + 3000, false);
        chart.jobStarted(3, 3, t0 + 3000);
        chart.jobFinished(2, 4, t0 + 100, t0 + 900, true); // start never reported
        QCOMPARE(chart.barCount(), 4);
        QCOMPARE(chart.runningCount(), 1);
        QCOMPARE(chart.laneCount(), 4);
        // Workers top to bottom, slot 0 first.
        QVERIFY(chart.plot()->yAxis->rangeReversed());
        QVERIFY(chart.plot()->yAxis->range().contains(0));
        QVERIFY(chart.plot()->yAxis->range().contains(3));
        // While a job runs, the time axis follows the present.
        QVERIFY(chart.isFollowing());
        QVERIFY(chart.plot()->xAxis->range().upper
                >= double(QDateTime::currentMSecsSinceEpoch() - 1000) / 1000.0);
        // A young batch fills the width (at least 20 s); an old one scrolls in the span.
        QCOMPARE(chart.plot()->xAxis->range().size(), 20.0);
        chart.jobStarted(0, 5, t0 - 500'000);
        QCOMPARE(chart.plot()->xAxis->range().size(), double(chart.timeSpan()));
    }

    void clickingABarSelectsItsJob()
    {
        TimelineChart chart;
        chart.setTimeSpan(80);
        chart.resize(700, 260);
        chart.show();
        QVERIFY(QTest::qWaitForWindowExposed(&chart));
        QSignalSpy clicked(&chart, &TimelineChart::jobClicked);

        const qint64 t0 = QDateTime::currentMSecsSinceEpoch() - 60000;
        for (int slot = 0; slot < 4; ++slot) {
            for (int i = 0; i < 10; ++i) {
                const qint64 seq = 1 + slot * 10 + i;
                const qint64 start = t0 + i * 5000;
                chart.jobStarted(slot, seq, start);
                chart.jobFinished(slot, seq, start, start + 4000, seq % 7 != 0);
            }
        }
        chart.jobStarted(2, 99, QDateTime::currentMSecsSinceEpoch() - 3000);
        chart.plot()->replot();

        // Job 23: slot 2, the fourth of its lane.
        const qint64 start23 = t0 + 2 * 5000;
        QCOMPARE(chart.jobAt(barCentre(chart, 2, start23, start23 + 4000)), 23);
        QTest::mouseClick(chart.plot(), Qt::LeftButton, {},
                          barCentre(chart, 2, start23, start23 + 4000));
        QCOMPARE(clicked.count(), 1);
        QCOMPARE(clicked.first().first().toLongLong(), 23);
        QCOMPARE(chart.selectedJob(), 23);

        // The running job's bar reaches to now.
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        QTest::mouseClick(chart.plot(), Qt::LeftButton, {},
                          barCentre(chart, 2, now - 2800, now - 2000));
        QCOMPARE(clicked.count(), 2);
        QCOMPARE(clicked.last().first().toLongLong(), 99);

        // Between two bars, and between two lanes: nothing.
        const qint64 gap = t0 + 4 * 5000 + 4500;
        QTest::mouseClick(chart.plot(), Qt::LeftButton, {}, barCentre(chart, 1, gap, gap));
        const QPoint between = barCentre(chart, 1, start23, start23 + 4000);
        QTest::mouseClick(chart.plot(), Qt::LeftButton, {},
                          QPoint(between.x(), qRound(chart.plot()->yAxis->coordToPixel(1.5))));
        QCOMPARE(clicked.count(), 2);

        chart.plot()->replot(); // with job 23 selected
        QVERIFY(chart.grab().save(QCoreApplication::applicationDirPath()
                                  + QStringLiteral("/timelinechart.png")));
    }

    void runningBarsGrow()
    {
        TimelineChart chart;
        chart.resize(500, 200);
        chart.show();
        QVERIFY(QTest::qWaitForWindowExposed(&chart));
        chart.jobStarted(0, 7, QDateTime::currentMSecsSinceEpoch() - 1000);
        QSignalSpy replotted(chart.plot(), &QCustomPlot::afterReplot);
        // With nothing else happening, the chart keeps replotting while the job runs...
        QVERIFY(replotted.wait(2000));
        const int replots = chart.replotThrottle()->replots();
        QTRY_VERIFY(chart.replotThrottle()->replots() > replots);
        // ...and stops once it has finished.
        chart.jobFinished(0, 7, QDateTime::currentMSecsSinceEpoch() - 1000,
                          QDateTime::currentMSecsSinceEpoch(), true);
        QTRY_VERIFY(!chart.replotThrottle()->isPending());
        QSignalSpy more(chart.replotThrottle(), &jobpool::widgets::ReplotThrottle::aboutToReplot);
        QVERIFY(!more.wait(1200));
    }

    void boundedHistory()
    {
        TimelineChart chart;
        QCOMPARE(chart.maximumBars(), 5000);
        const qint64 t0 = QDateTime::currentMSecsSinceEpoch() - 200000;
        QElapsedTimer clock;
        clock.start();
        for (qint64 seq = 1; seq <= 100000; ++seq) {
            const int slot = int(seq % 16);
            const qint64 start = t0 + seq * 2;
            chart.jobStarted(slot, seq, start);
            chart.jobFinished(slot, seq, start, start + 30, seq % 100 != 0);
        }
        QCOMPARE(chart.barCount(), 5000);
        QCOMPARE(chart.runningCount(), 0);
        qInfo("100,000 jobs reported in %lld ms", qint64(clock.elapsed()));
        chart.resize(600, 300);
        chart.plot()->replot(QCustomPlot::rpImmediateRefresh); // draws the 5,000 it kept
        chart.setMaximumBars(100);
        QCOMPARE(chart.barCount(), 100);
        chart.clear();
        QCOMPARE(chart.barCount(), 0);
        QCOMPARE(chart.laneCount(), 0);
    }

    void draggingStopsFollowingDoubleClickResumes()
    {
        TimelineChart chart;
        chart.resize(500, 200);
        chart.show();
        QVERIFY(QTest::qWaitForWindowExposed(&chart));
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        chart.jobStarted(0, 1, now - 500);
        QVERIFY(chart.isFollowing());
        const QCPRange past(double(now) / 1000.0 - 600, double(now) / 1000.0 - 500);
        chart.plot()->xAxis->setRange(past); // as a drag or a wheel turn would
        QVERIFY(!chart.isFollowing());
        chart.jobFinished(0, 1, now - 500, now, true);
        QCOMPARE(chart.plot()->xAxis->range(), past); // left where the user put it
        QTest::mouseDClick(chart.plot(), Qt::LeftButton, {}, chart.plot()->rect().center());
        QVERIFY(chart.isFollowing());
        QVERIFY(chart.plot()->xAxis->range().contains(double(now) / 1000.0 - 0.1));
    }
};

QTEST_MAIN(TestTimelineChart)
#include "tst_timelinechart.moc"
