// SPDX-License-Identifier: GPL-3.0-or-later
#include "timelinebars.h"

#include "chartstyle.h"

#include <algorithm>

namespace jobpool::widgets {
namespace {

constexpr double HalfHeight = 0.38; ///< of a lane
constexpr double MinimumWidth = 2;  ///< pixels: a 1 ms job is still seen

} // namespace

TimelineBars::TimelineBars(QCPAxis *keyAxis, QCPAxis *valueAxis)
    : QCPAbstractPlottable(keyAxis, valueAxis)
{
    setSelectable(QCP::stNone); // TimelineChart hit-tests clicks itself
}

void TimelineBars::start(int slot, qint64 seq, double start)
{
    if (const auto it = m_running.constFind(seq); it != m_running.cend()) {
        Bar &bar = m_bars[std::size_t(*it - m_dropped)];
        bar.slot = slot;
        bar.start = start;
    } else {
        m_bars.push_back(Bar{seq, slot, start, start, true, true});
        m_running.insert(seq, m_dropped + qint64(m_bars.size()) - 1);
    }
    m_lanes = std::max(m_lanes, slot + 1);
    m_latest = std::max(m_latest, start);
    trim();
}

void TimelineBars::finish(int slot, qint64 seq, double start, double end, bool ok)
{
    const Bar finished{seq, slot, start, std::max(start, end), false, ok};
    if (const auto it = m_running.constFind(seq); it != m_running.cend()) {
        m_bars[std::size_t(*it - m_dropped)] = finished;
        m_running.erase(it);
    } else {
        m_bars.push_back(finished); // its start was not seen (or was dropped)
        trim();
    }
    m_lanes = std::max(m_lanes, slot + 1);
    m_latest = std::max(m_latest, finished.end);
}

void TimelineBars::clear()
{
    m_bars.clear();
    m_running.clear();
    m_dropped = 0;
    m_lanes = 0;
    m_latest = 0;
    m_selected = 0;
}

void TimelineBars::setMaximumBars(int count)
{
    m_maximum = std::max(1, count);
    trim();
}

void TimelineBars::trim()
{
    while (m_bars.size() > std::size_t(m_maximum)) {
        if (m_bars.front().running)
            m_running.remove(m_bars.front().seq);
        m_bars.pop_front();
        ++m_dropped;
    }
}

QRectF TimelineBars::pixelRect(const Bar &bar) const
{
    const double end = bar.running ? std::max(bar.start, m_now) : bar.end;
    const double x1 = keyAxis()->coordToPixel(bar.start);
    const double x2 = keyAxis()->coordToPixel(end);
    const double y1 = valueAxis()->coordToPixel(bar.slot - HalfHeight);
    const double y2 = valueAxis()->coordToPixel(bar.slot + HalfHeight);
    QRectF rect = QRectF(QPointF(x1, y1), QPointF(x2, y2)).normalized();
    if (rect.width() < MinimumWidth)
        rect.setWidth(MinimumWidth);
    return rect;
}

const TimelineBars::Bar *TimelineBars::barAt(const QPointF &pixel) const
{
    if (!keyAxis() || !valueAxis())
        return nullptr;
    for (auto it = m_bars.crbegin(); it != m_bars.crend(); ++it) {
        if (pixelRect(*it).adjusted(-2, 0, 2, 0).contains(pixel))
            return &*it;
    }
    return nullptr;
}

const TimelineBars::Bar *TimelineBars::find(qint64 seq) const
{
    const auto it = std::find_if(m_bars.crbegin(), m_bars.crend(),
                                 [seq](const Bar &bar) { return bar.seq == seq; });
    return it == m_bars.crend() ? nullptr : &*it;
}

double TimelineBars::selectTest(const QPointF &, bool, QVariant *) const
{
    return -1;
}

QCPRange TimelineBars::getKeyRange(bool &foundRange, QCP::SignDomain) const
{
    foundRange = !m_bars.empty();
    if (!foundRange)
        return {};
    QCPRange range(m_bars.front().start, m_latest);
    for (const Bar &bar : m_bars)
        range.lower = std::min(range.lower, bar.start);
    range.upper = std::max(range.upper, m_now);
    return range;
}

QCPRange TimelineBars::getValueRange(bool &foundRange, QCP::SignDomain, const QCPRange &) const
{
    foundRange = m_lanes > 0;
    return QCPRange(-0.5, m_lanes - 0.5);
}

void TimelineBars::draw(QCPPainter *painter)
{
    if (!keyAxis() || !valueAxis() || m_bars.empty())
        return;
    const QCPRange visible = keyAxis()->range();
    QList<QRectF> succeeded;
    QList<QRectF> failed;
    QList<QRectF> running;
    const Bar *selected = nullptr;
    for (const Bar &bar : m_bars) {
        const double end = bar.running ? std::max(bar.start, m_now) : bar.end;
        if (end < visible.lower || bar.start > visible.upper)
            continue;
        (bar.running ? running : bar.ok ? succeeded : failed).append(pixelRect(bar));
        if (bar.seq == m_selected && m_selected != 0)
            selected = &bar;
    }
    painter->setAntialiasing(false); // crisp edges, and cheaper
    const auto drawAll = [painter](const QList<QRectF> &rects, const QColor &color) {
        if (rects.isEmpty())
            return;
        painter->setPen(QPen(color.darker(135), 0));
        painter->setBrush(color);
        painter->drawRects(rects.constData(), int(rects.size()));
    };
    drawAll(succeeded, chartstyle::succeededColor());
    drawAll(failed, chartstyle::failedColor());
    drawAll(running, chartstyle::runningColor());
    if (selected) {
        painter->setPen(QPen(mParentPlot->palette().color(QPalette::Text), 2));
        painter->setBrush(Qt::NoBrush);
        painter->drawRect(pixelRect(*selected).adjusted(-1, -1, 1, 1));
    }
}

void TimelineBars::drawLegendIcon(QCPPainter *painter, const QRectF &rect) const
{
    painter->setPen(Qt::NoPen);
    painter->setBrush(chartstyle::succeededColor());
    painter->drawRect(rect.adjusted(0, rect.height() * 0.2, 0, -rect.height() * 0.2));
}

} // namespace jobpool::widgets
