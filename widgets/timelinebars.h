// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QHash>
#include <qcustomplot.h>

#include <deque>

namespace jobpool::widgets {

/// The bars of TimelineChart: one per job, from its start to its end (to "now" while it
/// runs), in the lane of the worker slot that ran it. A plottable of its own rather than a
/// QCPItemRect per job, so that thousands of bars are drawn with three drawRects() calls.
/// Keeps at most maximumBars() bars, dropping the oldest.
class TimelineBars final : public QCPAbstractPlottable
{
public:
    struct Bar
    {
        qint64 seq = 0;
        int slot = 0;
        double start = 0; ///< seconds since the epoch
        double end = 0;   ///< unused while running
        bool running = true;
        bool ok = true;
    };

    TimelineBars(QCPAxis *keyAxis, QCPAxis *valueAxis);

    void start(int slot, qint64 seq, double start);
    void finish(int slot, qint64 seq, double start, double end, bool ok);
    void clear();

    int maximumBars() const { return m_maximum; }
    void setMaximumBars(int count);
    int count() const { return int(m_bars.size()); }
    int runningCount() const { return int(m_running.size()); }
    /// One more than the highest slot seen.
    int laneCount() const { return m_lanes; }

    /// Where the bars of running jobs end.
    void setNow(double seconds) { m_now = seconds; }
    double now() const { return m_now; }
    /// The latest time any bar mentions.
    double latest() const { return m_latest; }

    void setSelectedSeq(qint64 seq) { m_selected = seq; }
    qint64 selectedSeq() const { return m_selected; }

    /// The newest bar drawn at \a pixel, or null.
    const Bar *barAt(const QPointF &pixel) const;
    /// The newest bar of job \a seq, or null.
    const Bar *find(qint64 seq) const;

    double selectTest(const QPointF &pos, bool onlySelectable,
                      QVariant *details = nullptr) const override;
    QCPRange getKeyRange(bool &foundRange,
                         QCP::SignDomain inSignDomain = QCP::sdBoth) const override;
    QCPRange getValueRange(bool &foundRange, QCP::SignDomain inSignDomain = QCP::sdBoth,
                           const QCPRange &inKeyRange = QCPRange()) const override;

protected:
    void draw(QCPPainter *painter) override;
    void drawLegendIcon(QCPPainter *painter, const QRectF &rect) const override;

private:
    QRectF pixelRect(const Bar &bar) const;
    void trim();

    std::deque<Bar> m_bars;          ///< in the order they were reported
    QHash<qint64, qint64> m_running; ///< seq → index of its bar counted from the first ever
    qint64 m_dropped = 0;            ///< bars dropped from the front so far
    int m_maximum = 5000;
    int m_lanes = 0;
    double m_now = 0;
    double m_latest = 0;
    qint64 m_selected = 0;
};

} // namespace jobpool::widgets
