// SPDX-License-Identifier: GPL-3.0-or-later
#include <QCoreApplication>
#include <QDateTime>
#include <QElapsedTimer>
#include <QSignalSpy>
#include <QTest>
#include <QToolButton>
#include <qcustomplot.h>

#include <cmath>

#include <widgets/cpuchart.h>
#include <widgets/replotthrottle.h>

using jobpool::widgets::CpuChart;

namespace {

/// Something that looks like real usage: each core its own wave.
QList<double> wave(int cores, int step)
{
    QList<double> values;
    for (int c = 0; c < cores; ++c)
        values.append(50 + 45 * std::sin(step * 0.15 + c * 0.7));
    return values;
}

double average(const QList<double> &values)
{
    double sum = 0;
    for (double v : values)
        sum += v;
    return values.isEmpty() ? 0 : sum / double(values.size());
}

/// A minute of samples at 2 Hz, ending now.
void feedMinute(CpuChart &chart, int cores)
{
    const qint64 end = QDateTime::currentMSecsSinceEpoch();
    for (int i = 0; i <= 120; ++i) {
        const QList<double> values = wave(cores, i);
        chart.addSample(end - (120 - i) * 500, values, average(values));
    }
}

/// What one sample and replot cost, printed for a reader (the limit, 5 % of a core at
/// 2 Hz, is checked by tests/benchmarks/run-gui-bench.sh, never here).
void measureReplot(CpuChart &chart, const char *mode)
{
    constexpr int Rounds = 10;
    QElapsedTimer clock;
    clock.start();
    for (int i = 0; i < Rounds; ++i) {
        const QList<double> values = wave(chart.coreCount(), 200 + i);
        chart.addSample(QDateTime::currentMSecsSinceEpoch() + 1000 + i, values, average(values));
        chart.plot()->replot(QCustomPlot::rpImmediateRefresh);
    }
    const double perReplot = double(clock.elapsed()) / Rounds;
    qInfo("%d cores, %s: %.1f ms per sample and replot = %.1f %% of a core at 2 Hz",
          chart.coreCount(), mode, perReplot, perReplot * 2 / 10);
}

QString picturePath(const char *name)
{
    return QCoreApplication::applicationDirPath() + u'/' + QLatin1String(name);
}

} // namespace

class TestCpuChart : public QObject
{
    Q_OBJECT

private slots:
    void samplesBecomeGraphData()
    {
        CpuChart chart;
        QCOMPARE(chart.objectName(), QStringLiteral("cpuChart"));
        const qint64 t0 = QDateTime::currentMSecsSinceEpoch();
        chart.addSample(t0, {10, 90}, 50);
        chart.addSample(t0 + 500, {20, 80}, 50);
        chart.addSample(t0 + 1000, {130, -5}, 62.5); // out of range: clamped
        QCOMPARE(chart.coreCount(), 2);
        QCPGraph *core1 = chart.graph(1);
        QVERIFY(core1);
        QCOMPARE(core1->data()->size(), 3);
        QCOMPARE(core1->data()->at(0)->value, 90.0);
        QCOMPARE(core1->data()->at(1)->key, double(t0 + 500) / 1000.0);
        QCOMPARE(core1->data()->at(2)->value, 0.0);
        QCOMPARE(chart.graph(0)->data()->at(2)->value, 100.0);
        QCOMPARE(chart.graph(-1)->data()->size(), 3);
        QCOMPARE(chart.graph(-1)->data()->at(2)->value, 62.5);
        // The time axis ends at the latest sample and spans a minute.
        QCOMPARE(chart.plot()->xAxis->range().upper, double(t0 + 1000) / 1000.0);
        QCOMPARE(chart.plot()->xAxis->range().size(), 60.0);
        QCOMPARE(chart.plot()->yAxis->range(), QCPRange(0, 100));
    }

    void keepsOnlyTheLastMinute()
    {
        CpuChart chart;
        const qint64 t0 = QDateTime::currentMSecsSinceEpoch();
        for (int i = 0; i < 600; ++i) // five minutes at 2 Hz
            chart.addSample(t0 + i * 500, wave(4, i), 50);
        for (int core = -1; core < 4; ++core) {
            const QCPGraph *graph = chart.graph(core);
            QVERIFY2(graph->data()->size() <= 126,
                     qPrintable(QString::number(graph->data()->size())));
            QVERIFY(graph->data()->at(0)->key >= double(t0 + 599 * 500) / 1000.0 - 63);
        }
        QCOMPARE(chart.plot()->graphCount(), 5); // graphs reused, not added per sample
    }

    void modes()
    {
        CpuChart chart;
        QSignalSpy modeChanged(&chart, &CpuChart::modeChanged);
        feedMinute(chart, 4);
        QCOMPARE(chart.mode(), CpuChart::Mode::Overlay);
        QCOMPARE(chart.plot()->axisRectCount(), 1);
        QVERIFY(chart.graph(0)->visible());
        QVERIFY(chart.graph(-1)->visible());

        auto *average = chart.findChild<QToolButton *>(QStringLiteral("cpuAverageButton"));
        auto *perCore = chart.findChild<QToolButton *>(QStringLiteral("cpuPerCoreButton"));
        auto *overlay = chart.findChild<QToolButton *>(QStringLiteral("cpuOverlayButton"));
        QVERIFY(average && perCore && overlay);
        QVERIFY(overlay->isChecked());

        QTest::mouseClick(average, Qt::LeftButton);
        QCOMPARE(chart.mode(), CpuChart::Mode::Average);
        QCOMPARE(modeChanged.count(), 1);
        QVERIFY(!chart.graph(0)->visible());
        QVERIFY(chart.graph(-1)->visible());

        QTest::mouseClick(perCore, Qt::LeftButton);
        QCOMPARE(chart.mode(), CpuChart::Mode::SmallMultiples);
        QCOMPARE(chart.plot()->axisRectCount(), 4); // one small plot per core
        for (int core = 0; core < 4; ++core) {
            QCPGraph *small = chart.graph(core);
            QVERIFY(small->visible());
            QCOMPARE(small->keyAxis()->axisRect(), chart.plot()->axisRect(core));
            QCOMPARE(small->data()->size(), 121);
        }
        // A new sample reaches the small plots too: they share the overlay's data.
        chart.addSample(QDateTime::currentMSecsSinceEpoch() + 500, {1, 2, 3, 4}, 2.5);
        QCOMPARE(chart.graph(3)->data()->at(chart.graph(3)->data()->size() - 1)->value, 4.0);

        chart.setMode(CpuChart::Mode::Overlay);
        QVERIFY(overlay->isChecked());
        QCOMPARE(chart.plot()->axisRectCount(), 1);
        QVERIFY(chart.graph(2)->visible());
        QCOMPARE(chart.graph(2)->keyAxis(), chart.plot()->xAxis);
        QCOMPARE(modeChanged.count(), 3);
        chart.setMode(CpuChart::Mode::Overlay); // no change, no signal
        QCOMPARE(modeChanged.count(), 3);
    }

    void followsHotplug()
    {
        CpuChart chart;
        chart.setMode(CpuChart::Mode::SmallMultiples);
        const qint64 t0 = QDateTime::currentMSecsSinceEpoch();
        chart.addSample(t0, {10, 20}, 15);
        QCOMPARE(chart.plot()->axisRectCount(), 2);
        chart.addSample(t0 + 500, {10, 20, 30}, 20);
        QCOMPARE(chart.coreCount(), 3);
        QCOMPARE(chart.plot()->axisRectCount(), 3);
        QCOMPARE(chart.graph(2)->data()->size(), 1);
        chart.setMode(CpuChart::Mode::Overlay);
        chart.addSample(t0 + 1000, {10}, 10);
        QCOMPARE(chart.coreCount(), 1);
        QCOMPARE(chart.plot()->graphCount(), 2); // the average and one core
        chart.setMode(CpuChart::Mode::SmallMultiples);
        QCOMPARE(chart.plot()->axisRectCount(), 1);
    }

    void replotsAtMostTwiceASecondAndOnlyWhenShown()
    {
        CpuChart chart;
        QSignalSpy replotted(chart.replotThrottle(),
                             &jobpool::widgets::ReplotThrottle::aboutToReplot);
        const qint64 t0 = QDateTime::currentMSecsSinceEpoch();
        chart.addSample(t0, {10, 20}, 15);
        // Hidden: nothing is drawn however long we wait.
        QVERIFY(!replotted.wait(700));
        QVERIFY(chart.replotThrottle()->isPending());

        chart.resize(400, 250);
        chart.show();
        QVERIFY(QTest::qWaitForWindowExposed(&chart));
        QTRY_VERIFY(!chart.replotThrottle()->isPending());
        const int before = chart.replotThrottle()->replots();
        QElapsedTimer clock;
        clock.start();
        for (int i = 1; i <= 50; ++i)
            chart.addSample(t0 + i * 10, {10, 20}, 15);
        QTRY_COMPARE(chart.replotThrottle()->replots(), before + 1);
        QVERIFY2(clock.elapsed() >= 400, qPrintable(QString::number(clock.elapsed())));
        QVERIFY(!chart.replotThrottle()->isPending()); // fifty samples, one replot
    }

    void picturesAndCost()
    {
        CpuChart chart;
        chart.resize(640, 360);
        chart.show();
        QVERIFY(QTest::qWaitForWindowExposed(&chart));

        feedMinute(chart, 8);
        chart.plot()->replot();
        QVERIFY(chart.grab().save(picturePath("cpuchart-overlay.png")));
        chart.setMode(CpuChart::Mode::Average);
        chart.plot()->replot();
        QVERIFY(chart.grab().save(picturePath("cpuchart-average.png")));

        // 64 cores as small multiples: the most expensive picture this chart draws.
        CpuChart big;
        big.resize(800, 600);
        big.setMode(CpuChart::Mode::SmallMultiples);
        big.show();
        QVERIFY(QTest::qWaitForWindowExposed(&big));
        feedMinute(big, 64);
        big.plot()->replot();
        QVERIFY(big.grab().save(picturePath("cpuchart-percore-64.png")));

        chart.setMode(CpuChart::Mode::Overlay);
        measureReplot(chart, "overlay");
        measureReplot(big, "small multiples");
        big.setMode(CpuChart::Mode::Overlay);
        measureReplot(big, "overlay");
    }
};

QTEST_MAIN(TestCpuChart)
#include "tst_cpuchart.moc"
