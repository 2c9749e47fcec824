// SPDX-License-Identifier: GPL-3.0-or-later
#include "replotthrottle.h"

#include <QEvent>
#include <qcustomplot.h>

#include <algorithm>

namespace jobpool::widgets {

ReplotThrottle::ReplotThrottle(QCustomPlot *plot, int intervalMs)
    : QObject(plot)
    , m_plot(plot)
    , m_intervalMs(intervalMs)
{
    m_timer.setSingleShot(true);
    connect(&m_timer, &QTimer::timeout, this, &ReplotThrottle::fire);
    plot->installEventFilter(this);
}

void ReplotThrottle::request()
{
    m_pending = true;
    if (m_timer.isActive())
        return;
    const qint64 since = m_sinceLast.isValid() ? m_sinceLast.elapsed() : m_intervalMs;
    m_timer.start(int(std::clamp<qint64>(m_intervalMs - since, 0, m_intervalMs)));
}

void ReplotThrottle::fire()
{
    if (!m_pending || !m_plot->isVisible())
        return; // shown later: eventFilter() fires then
    m_pending = false;
    m_sinceLast.start();
    emit aboutToReplot();
    ++m_replots;
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

bool ReplotThrottle::eventFilter(QObject *watched, QEvent *event)
{
    if (watched == m_plot && event->type() == QEvent::Show && m_pending)
        m_timer.start(0);
    return QObject::eventFilter(watched, event);
}

} // namespace jobpool::widgets
