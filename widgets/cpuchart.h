// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QList>
#include <QSharedPointer>
#include <QWidget>
#include <qcustomplot.h> // QCPGraphDataContainer, a typedef of a template

class QButtonGroup;
class QCPAxisRect;
class QCPGraph;
class QCPGraphData;
class QCPItemText;
class QCPLayoutGrid;
class QCustomPlot;

namespace jobpool::widgets {

class ReplotThrottle;

/// Per-core CPU usage over the last minute: every core overlaid, the average alone, or one
/// small plot per core. It draws what it is given and reads nothing itself; the window feeds
/// it from a timer with jobpool::CpuUsageSampler.
///
/// \code
/// auto *chart = new jobpool::widgets::CpuChart;
/// connect(timer, &QTimer::timeout, chart, [chart, sampler] {
///     if (const auto usage = sampler->sample())
///         chart->addSample(QDateTime::currentMSecsSinceEpoch(), usage->perCore, usage->average);
/// });
/// \endcode
class CpuChart final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(CpuChart)

public:
    enum class Mode { Average, Overlay, SmallMultiples };
    Q_ENUM(Mode)

    explicit CpuChart(QWidget *parent = nullptr);
    ~CpuChart() override;

    /// One reading: busy % 0…100 of each core, and of all of them. When the number of cores
    /// changes (hotplug), the chart follows.
    void addSample(qint64 msecsSinceEpoch, const QList<double> &perCorePercent, double average);
    void clear();

    Mode mode() const { return m_mode; }
    void setMode(Mode mode);

    /// How much history is kept and shown, 60 s by default.
    int timeSpan() const { return m_spanSeconds; }
    void setTimeSpan(int seconds);

    int coreCount() const { return int(m_coreData.size()); }

    /// The plot, for tests and for saving a picture.
    QCustomPlot *plot() const { return m_plot; }
    /// The graph of core \a core (-1: the average) in the overlay; in small-multiples mode, the
    /// graph of the core's small plot.
    QCPGraph *graph(int core) const;
    ReplotThrottle *replotThrottle() const { return m_throttle; }

signals:
    void modeChanged(jobpool::widgets::CpuChart::Mode mode);

private:
    void setCoreCount(int count);
    void buildSmallMultiples();
    void dropSmallMultiples();
    void setSmallMultiplesVisible(bool visible);
    void showOverlay(bool coresVisible);
    void updateRanges();

    QCustomPlot *m_plot = nullptr;
    QButtonGroup *m_modes = nullptr;
    ReplotThrottle *m_throttle = nullptr;
    QCPAxisRect *m_mainRect = nullptr;
    QCPGraph *m_averageGraph = nullptr;
    QList<QCPGraph *> m_coreGraphs;
    QList<QSharedPointer<QCPGraphDataContainer>> m_coreData;
    QList<double> m_lastPercent;

    // Small multiples, built when first needed and whenever the number of cores changes.
    QCPLayoutGrid *m_smallGrid = nullptr;
    QList<QCPAxisRect *> m_smallRects;
    QList<QCPGraph *> m_smallGraphs;
    QList<QCPItemText *> m_smallLabels;

    Mode m_mode = Mode::Overlay;
    int m_spanSeconds = 60;
    double m_latestKey = 0;
};

} // namespace jobpool::widgets
