// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QPoint>
#include <QTimer>
#include <QWidget>

#include <limits>

class QCustomPlot;

namespace jobpool::widgets {

class ReplotThrottle;
class TimelineBars;

/// Which worker ran which job, and when: one lane per worker slot, one bar per job from its
/// start to its end; bars of running jobs grow, failed jobs are red. Clicking a bar selects
/// the job (jobClicked()). Only the last maximumBars() jobs are kept, so a batch of 100,000
/// jobs costs no more than one of 5,000. The time axis follows the present until the user
/// drags or zooms it; a double click makes it follow again.
///
/// \code
/// auto *timeline = new jobpool::widgets::TimelineChart;
/// connect(runner, &BatchRunner::jobStarted, timeline, &TimelineChart::jobStarted);
/// connect(timeline, &TimelineChart::jobClicked, jobsView, &JobsView::selectJob);
/// \endcode
class TimelineChart final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(TimelineChart)

public:
    explicit TimelineChart(QWidget *parent = nullptr);
    ~TimelineChart() override;

    void jobStarted(int slot, qint64 seq, qint64 startMs);
    void jobFinished(int slot, qint64 seq, qint64 startMs, qint64 endMs, bool ok);
    void clear();

    /// Bars kept, 5000 by default; the oldest go first.
    int maximumBars() const;
    void setMaximumBars(int count);
    int barCount() const;
    int runningCount() const;
    int laneCount() const;

    /// The time shown while following the present, 2 minutes by default.
    int timeSpan() const { return m_spanSeconds; }
    void setTimeSpan(int seconds);
    bool isFollowing() const { return m_following; }
    void setFollowing(bool follow);

    qint64 selectedJob() const;
    void setSelectedJob(qint64 seq);
    /// The job whose bar is at \a pos (in plot() coordinates), 0 if none.
    qint64 jobAt(const QPoint &pos) const;

    QCustomPlot *plot() const { return m_plot; }
    ReplotThrottle *replotThrottle() const { return m_throttle; }

signals:
    void jobClicked(qint64 seq);

private:
    void noteLane(int slot, double startKey);
    void changed();
    void updateRanges();
    QString toolTipAt(const QPoint &pos) const;

    QCustomPlot *m_plot = nullptr;
    TimelineBars *m_bars = nullptr;
    ReplotThrottle *m_throttle = nullptr;
    QTimer m_tick; ///< keeps running bars growing
    QPoint m_pressPos;
    int m_spanSeconds = 120;
    int m_lanesShown = -1;
    int m_firstLane = std::numeric_limits<int>::max(); ///< the lowest slot seen
    double m_firstKey = 0;                             ///< the earliest start seen, seconds
    bool m_following = true;
    bool m_settingRange = false;
};

} // namespace jobpool::widgets
