// SPDX-License-Identifier: GPL-3.0-or-later
#include "throughputchart.h"

#include "chartstyle.h"
#include "replotthrottle.h"

#include <QVBoxLayout>
#include <qcustomplot.h>

#include <algorithm>

namespace jobpool::widgets {
namespace {

constexpr int kMinSpanSeconds = 30; ///< the narrowest time axis, for a batch just started

/// The top of a value axis: a little above the highest point, never a zero-height range.
double upperBound(const QCPGraph *graph, const QCPRange &keys)
{
    bool found = false;
    const QCPRange values = graph->getValueRange(found, QCP::sdBoth, keys);
    return found ? std::max(1.0, values.upper * 1.15) : 1.0;
}

} // namespace

ThroughputChart::ThroughputChart(QWidget *parent)
    : QWidget(parent)
    , m_plot(new QCustomPlot(this))
{
    setObjectName(QStringLiteral("throughputChart"));
    m_plot->setObjectName(QStringLiteral("throughputChartPlot"));
    m_throttle = new ReplotThrottle(m_plot);

    auto ticker = QSharedPointer<QCPAxisTickerDateTime>::create();
    ticker->setDateTimeFormat(QStringLiteral("hh:mm:ss"));
    ticker->setTickCount(4);
    m_plot->xAxis->setTicker(ticker);
    m_plot->yAxis->setLabel(tr("Jobs/s"));
    m_plot->yAxis2->setVisible(true);
    m_plot->yAxis2->setLabel(tr("Queued"));
    m_plot->yAxis2->grid()->setVisible(false);
    chartstyle::applyTo(m_plot);

    // The queue is an area behind the rate line.
    m_queueGraph = m_plot->addGraph(m_plot->xAxis, m_plot->yAxis2);
    m_queueGraph->setName(tr("Queued"));
    QColor queue = chartstyle::seriesColor(3);
    m_queueGraph->setPen(QPen(queue, 1));
    queue.setAlpha(50);
    m_queueGraph->setBrush(queue);
    m_queueGraph->setLineStyle(QCPGraph::lsStepLeft);

    m_rateGraph = m_plot->addGraph(m_plot->xAxis, m_plot->yAxis);
    m_rateGraph->setName(tr("Jobs/s"));
    m_rateGraph->setPen(QPen(chartstyle::seriesColor(0), 2));

    m_plot->yAxis->setLabelColor(chartstyle::seriesColor(0));
    m_plot->yAxis2->setLabelColor(chartstyle::seriesColor(3));
    // The legend in a row of its own above the plot, where it hides no data.
    QCPLegend *legend = m_plot->legend;
    legend->setVisible(true);
    m_plot->axisRect()->insetLayout()->take(legend);
    m_plot->plotLayout()->insertRow(0);
    m_plot->plotLayout()->addElement(0, 0, legend);
    m_plot->plotLayout()->setRowStretchFactor(0, 0.001);
    legend->setFillOrder(QCPLegend::foColumnsFirst);
    legend->setBrush(Qt::NoBrush);
    legend->setBorderPen(Qt::NoPen);
    legend->setTextColor(palette().color(QPalette::Text));
    legend->setMargins(QMargins(4, 2, 4, 0));

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_plot);
    m_plot->setMinimumSize(160, 100);
    updateRanges();
}

ThroughputChart::~ThroughputChart() = default;

void ThroughputChart::addSample(qint64 msecsSinceEpoch, qint64 finishedTotal, qint64 queued)
{
    const double key = double(msecsSinceEpoch) / 1000.0;
    if (key < m_latestKey)
        clear(); // the clock went back
    if (!m_window.empty() && finishedTotal < m_window.back().second)
        m_window.clear(); // a new count: no rate across the two
    m_window.emplace_back(msecsSinceEpoch, finishedTotal);
    // Keep the oldest sample inside the window, and always the previous one.
    while (m_window.size() > 2 && m_window[1].first <= msecsSinceEpoch - m_rateWindowMs)
        m_window.pop_front();
    const auto &[firstMs, firstTotal] = m_window.front();
    m_currentRate = msecsSinceEpoch > firstMs ? double(finishedTotal - firstTotal) * 1000.0
                                                    / double(msecsSinceEpoch - firstMs)
                                              : 0.0;

    const double oldest = key - m_spanSeconds - 5.0;
    if (m_window.size() > 1) // one sample alone has no rate
        m_rateGraph->data()->add(QCPGraphData(key, m_currentRate));
    m_rateGraph->data()->removeBefore(oldest);
    m_queueGraph->data()->add(QCPGraphData(key, double(std::max<qint64>(0, queued))));
    m_queueGraph->data()->removeBefore(oldest);
    m_latestKey = key;
    updateRanges();
    m_throttle->request();
}

void ThroughputChart::clear()
{
    m_rateGraph->data()->clear();
    m_queueGraph->data()->clear();
    m_window.clear();
    m_currentRate = 0;
    m_latestKey = 0;
    updateRanges();
    m_throttle->request();
}

void ThroughputChart::setTimeSpan(int seconds)
{
    m_spanSeconds = std::max(1, seconds);
    updateRanges();
    m_throttle->request();
}

void ThroughputChart::setRateWindow(int ms)
{
    m_rateWindowMs = std::max(1, ms);
}

void ThroughputChart::updateRanges()
{
    const double right = m_latestKey > 0 ? m_latestKey : double(QDateTime::currentSecsSinceEpoch());
    // A young batch fills the width; once older than the span, the span scrolls.
    double span = m_spanSeconds;
    if (!m_rateGraph->data()->isEmpty()) {
        const double age = right - m_rateGraph->data()->constBegin()->key;
        span = std::clamp(age * 1.05, double(std::min(kMinSpanSeconds, m_spanSeconds)),
                          double(m_spanSeconds));
    }
    const QCPRange keys(right - span, right);
    m_plot->xAxis->setRange(keys);
    m_plot->yAxis->setRange(0, upperBound(m_rateGraph, keys));
    m_plot->yAxis2->setRange(0, upperBound(m_queueGraph, keys));
}

} // namespace jobpool::widgets
