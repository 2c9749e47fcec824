// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QWidget>

#include <deque>
#include <utility>

class QCPGraph;
class QCustomPlot;

namespace jobpool::widgets {

class ReplotThrottle;

/// Pool throughput (jobs finished per second, left axis) and queue depth (jobs waiting,
/// right axis) over time. Fed with running totals; it works out the rate itself over a
/// short window, so that one busy tick does not make a spike.
///
/// \code
/// connect(timer, &QTimer::timeout, chart, [chart, &pool] {
///     const jobpool::PoolStats s = pool.stats();
///     chart->addSample(QDateTime::currentMSecsSinceEpoch(), s.done + s.failed, s.queued);
/// });
/// \endcode
class ThroughputChart final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ThroughputChart)

public:
    explicit ThroughputChart(QWidget *parent = nullptr);
    ~ThroughputChart() override;

    /// \a finishedTotal counts every job finished so far; when it goes down (a new batch
    /// started counting from zero) the rate starts over.
    void addSample(qint64 msecsSinceEpoch, qint64 finishedTotal, qint64 queued);
    void clear();

    /// History kept and shown, 10 minutes by default.
    int timeSpan() const { return m_spanSeconds; }
    void setTimeSpan(int seconds);
    /// The window the rate is averaged over, 5 s by default.
    int rateWindow() const { return m_rateWindowMs; }
    void setRateWindow(int ms);

    /// The latest rate, jobs per second.
    double currentRate() const { return m_currentRate; }

    QCustomPlot *plot() const { return m_plot; }
    QCPGraph *throughputGraph() const { return m_rateGraph; }
    QCPGraph *queueGraph() const { return m_queueGraph; }
    ReplotThrottle *replotThrottle() const { return m_throttle; }

private:
    void updateRanges();

    QCustomPlot *m_plot = nullptr;
    ReplotThrottle *m_throttle = nullptr;
    QCPGraph *m_rateGraph = nullptr;
    QCPGraph *m_queueGraph = nullptr;
    std::deque<std::pair<qint64, qint64>> m_window; ///< (ms, finished total)
    int m_spanSeconds = 600;
    int m_rateWindowMs = 5000;
    double m_latestKey = 0;
    double m_currentRate = 0;
};

} // namespace jobpool::widgets
