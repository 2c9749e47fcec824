// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QElapsedTimer>
#include <QObject>
#include <QTimer>

class QCustomPlot;

namespace jobpool::widgets {

/// Replots a QCustomPlot at most once per interval (500 ms: about 2 Hz), with
/// rpQueuedReplot, and not at all while the plot is hidden (a closed or tabbed-away dock):
/// a hidden chart catches up when it is shown. Charts call request() whenever their data
/// changed, as often as they like.
class ReplotThrottle final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ReplotThrottle)

public:
    explicit ReplotThrottle(QCustomPlot *plot, int intervalMs = 500);

    void request();
    bool isPending() const { return m_pending; }
    void setInterval(int ms) { m_intervalMs = ms; }
    int interval() const { return m_intervalMs; }
    /// How many replots were asked of QCustomPlot so far.
    int replots() const { return m_replots; }

signals:
    /// Emitted just before a replot: the place to update what depends on the time of day
    /// (axis ranges that follow "now", bars of running jobs).
    void aboutToReplot();

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    void fire();

    QCustomPlot *m_plot;
    QTimer m_timer;
    QElapsedTimer m_sinceLast;
    int m_intervalMs;
    int m_replots = 0;
    bool m_pending = false;
};

} // namespace jobpool::widgets
