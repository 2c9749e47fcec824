// SPDX-License-Identifier: GPL-3.0-or-later
#include "timelinechart.h"

#include "chartstyle.h"
#include "replotthrottle.h"
#include "timelinebars.h"

#include <QDateTime>
#include <QLocale>
#include <QVBoxLayout>
#include <qcustomplot.h>

#include <algorithm>

namespace jobpool::widgets {
namespace {

constexpr int kMinSpanSeconds = 20; ///< the narrowest time axis, for a batch just started

double seconds(qint64 ms)
{
    return double(ms) / 1000.0;
}

} // namespace

TimelineChart::TimelineChart(QWidget *parent)
    : QWidget(parent)
    , m_plot(new QCustomPlot(this))
{
    setObjectName(QStringLiteral("timelineChart"));
    m_plot->setObjectName(QStringLiteral("timelineChartPlot"));
    m_throttle = new ReplotThrottle(m_plot);
    connect(m_throttle, &ReplotThrottle::aboutToReplot, this, &TimelineChart::updateRanges);

    auto ticker = QSharedPointer<QCPAxisTickerDateTime>::create();
    ticker->setDateTimeFormat(QStringLiteral("hh:mm:ss"));
    ticker->setTickCount(4);
    m_plot->xAxis->setTicker(ticker);
    auto lanes = QSharedPointer<QCPAxisTickerFixed>::create();
    lanes->setTickStep(1);
    lanes->setScaleStrategy(QCPAxisTickerFixed::ssMultiples);
    m_plot->yAxis->setTicker(lanes);
    m_plot->yAxis->setRangeReversed(true); // worker 0 on top
    m_plot->yAxis->setLabel(tr("Worker"));
    m_plot->yAxis->grid()->setVisible(false);
    m_plot->yAxis->setSubTicks(false);
    chartstyle::applyTo(m_plot);

    m_bars = new TimelineBars(m_plot->xAxis, m_plot->yAxis);
    m_bars->setName(tr("Jobs"));

    // Time can be dragged and zoomed; workers stay put.
    m_plot->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    m_plot->axisRect()->setRangeDrag(Qt::Horizontal);
    m_plot->axisRect()->setRangeZoom(Qt::Horizontal);
    connect(m_plot->xAxis, qOverload<const QCPRange &>(&QCPAxis::rangeChanged), this, [this] {
        if (!m_settingRange)
            m_following = false; // the user moved it
    });
    connect(m_plot, &QCustomPlot::mouseDoubleClick, this, [this] { setFollowing(true); });
    connect(m_plot, &QCustomPlot::mousePress, this,
            [this](QMouseEvent *event) { m_pressPos = event->position().toPoint(); });
    connect(m_plot, &QCustomPlot::mouseRelease, this, [this](QMouseEvent *event) {
        const QPoint pos = event->position().toPoint();
        if (event->button() != Qt::LeftButton || (pos - m_pressPos).manhattanLength() > 3)
            return; // a drag, not a click
        if (const qint64 seq = jobAt(pos)) {
            setSelectedJob(seq);
            emit jobClicked(seq);
        }
    });
    connect(m_plot, &QCustomPlot::mouseMove, this, [this](QMouseEvent *event) {
        if (event->buttons() == Qt::NoButton)
            m_plot->setToolTip(toolTipAt(event->position().toPoint()));
    });

    m_tick.setInterval(m_throttle->interval());
    connect(&m_tick, &QTimer::timeout, m_throttle, &ReplotThrottle::request);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_plot);
    m_plot->setMinimumSize(160, 80);
    updateRanges();
}

TimelineChart::~TimelineChart() = default;

void TimelineChart::jobStarted(int slot, qint64 seq, qint64 startMs)
{
    m_bars->start(std::max(0, slot), seq, seconds(startMs));
    noteLane(slot, seconds(startMs));
    changed();
}

void TimelineChart::jobFinished(int slot, qint64 seq, qint64 startMs, qint64 endMs, bool ok)
{
    m_bars->finish(std::max(0, slot), seq, seconds(startMs), seconds(endMs), ok);
    noteLane(slot, seconds(startMs));
    changed();
}

void TimelineChart::noteLane(int slot, double startKey)
{
    m_firstLane = std::min(m_firstLane, std::max(0, slot));
    if (m_firstKey <= 0 || startKey < m_firstKey)
        m_firstKey = startKey;
}

void TimelineChart::clear()
{
    m_firstLane = std::numeric_limits<int>::max();
    m_firstKey = 0;
    m_lanesShown = -1;
    m_bars->clear();
    changed();
}

void TimelineChart::changed()
{
    // While jobs run their bars grow, so the chart is replotted even when no event comes.
    if (m_bars->runningCount() > 0 && !m_tick.isActive())
        m_tick.start();
    else if (m_bars->runningCount() == 0)
        m_tick.stop();
    updateRanges();
    m_throttle->request();
}

void TimelineChart::updateRanges()
{
    const double now = std::max(seconds(QDateTime::currentMSecsSinceEpoch()), m_bars->latest());
    // Running bars end now; with no job running the picture stands still.
    m_bars->setNow(m_bars->runningCount() > 0 ? now : m_bars->latest());
    m_settingRange = true;
    if (m_following) {
        const double right =
            m_bars->runningCount() > 0 || m_bars->count() == 0 ? now : m_bars->latest();
        // A young batch fills the width; once older than the span, the span scrolls.
        const double age = m_firstKey > 0 ? right - m_firstKey : m_spanSeconds;
        const double span = std::clamp(age * 1.05, double(kMinSpanSeconds), double(m_spanSeconds));
        m_plot->xAxis->setRange(right - span, right);
    }
    const int lanes = std::max(1, m_bars->laneCount());
    if (lanes != m_lanesShown) {
        // Slots ({%}) count from 1: no empty lane 0 above them.
        const int first = m_firstLane <= lanes - 1 ? m_firstLane : 0;
        m_plot->yAxis->setRange(first - 0.6, lanes - 0.4);
        m_lanesShown = lanes;
    }
    m_settingRange = false;
}

int TimelineChart::maximumBars() const
{
    return m_bars->maximumBars();
}

void TimelineChart::setMaximumBars(int count)
{
    m_bars->setMaximumBars(count);
    changed();
}

int TimelineChart::barCount() const
{
    return m_bars->count();
}

int TimelineChart::runningCount() const
{
    return m_bars->runningCount();
}

int TimelineChart::laneCount() const
{
    return m_bars->laneCount();
}

void TimelineChart::setTimeSpan(int seconds)
{
    m_spanSeconds = std::max(1, seconds);
    setFollowing(true);
}

void TimelineChart::setFollowing(bool follow)
{
    m_following = follow;
    updateRanges();
    m_throttle->request();
}

qint64 TimelineChart::selectedJob() const
{
    return m_bars->selectedSeq();
}

void TimelineChart::setSelectedJob(qint64 seq)
{
    if (seq == m_bars->selectedSeq())
        return;
    m_bars->setSelectedSeq(seq);
    m_throttle->request();
}

qint64 TimelineChart::jobAt(const QPoint &pos) const
{
    if (!m_plot->axisRect()->rect().contains(pos))
        return 0;
    const TimelineBars::Bar *bar = m_bars->barAt(pos);
    return bar ? bar->seq : 0;
}

QString TimelineChart::toolTipAt(const QPoint &pos) const
{
    if (!m_plot->axisRect()->rect().contains(pos))
        return {};
    const TimelineBars::Bar *bar = m_bars->barAt(pos);
    if (!bar)
        return {};
    const double end = bar->running ? m_bars->now() : bar->end;
    const QString duration = QLocale().toString(end - bar->start, 'f', 1);
    if (bar->running)
        return tr("Job %1 on worker %2: running for %3 s")
            .arg(bar->seq)
            .arg(bar->slot)
            .arg(duration);
    return bar->ok ? tr("Job %1 on worker %2: %3 s").arg(bar->seq).arg(bar->slot).arg(duration)
                   : tr("Job %1 on worker %2: failed after %3 s")
                         .arg(bar->seq)
                         .arg(bar->slot)
                         .arg(duration);
}

} // namespace jobpool::widgets
