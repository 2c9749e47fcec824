// SPDX-License-Identifier: GPL-3.0-or-later
#include "cpuchart.h"

#include "chartstyle.h"
#include "replotthrottle.h"

#include <QButtonGroup>
#include <QHBoxLayout>
#include <QLabel>
#include <QToolButton>
#include <QVBoxLayout>
#include <qcustomplot.h>

#include <algorithm>
#include <cmath>

namespace jobpool::widgets {
namespace {

QSharedPointer<QCPAxisTickerDateTime> timeTicker()
{
    auto ticker = QSharedPointer<QCPAxisTickerDateTime>::create();
    ticker->setDateTimeFormat(QStringLiteral("hh:mm:ss"));
    ticker->setTickCount(4);
    return ticker;
}

QSharedPointer<QCPAxisTickerFixed> percentTicker(double step)
{
    auto ticker = QSharedPointer<QCPAxisTickerFixed>::create();
    ticker->setTickStep(step);
    ticker->setScaleStrategy(QCPAxisTickerFixed::ssNone);
    return ticker;
}

} // namespace

CpuChart::CpuChart(QWidget *parent)
    : QWidget(parent)
    , m_plot(new QCustomPlot(this))
    , m_modes(new QButtonGroup(this))
{
    setObjectName(QStringLiteral("cpuChart"));
    m_plot->setObjectName(QStringLiteral("cpuChartPlot"));
    m_throttle = new ReplotThrottle(m_plot);

    m_mainRect = m_plot->axisRect();
    m_plot->xAxis->setTicker(timeTicker());
    m_plot->yAxis->setTicker(percentTicker(25));
    m_plot->yAxis->setRange(0, 100);
    m_plot->yAxis->setLabel(tr("CPU %"));
    chartstyle::applyTo(m_plot);

    // The average is drawn over the cores.
    m_plot->addLayer(QStringLiteral("average"), m_plot->layer(QStringLiteral("main")),
                     QCustomPlot::limAbove);
    m_averageGraph = m_plot->addGraph();
    m_averageGraph->setLayer(QStringLiteral("average"));
    m_averageGraph->setName(tr("Average"));
    m_averageGraph->setPen(QPen(palette().color(QPalette::Text), 2.5));

    auto *bar = new QHBoxLayout;
    bar->setContentsMargins(0, 0, 0, 0);
    const auto addButton = [this, bar](Mode mode, const QString &text, const QString &tip,
                                       const char *name) {
        auto *button = new QToolButton(this);
        button->setObjectName(QLatin1String(name));
        button->setText(text);
        button->setToolTip(tip);
        button->setCheckable(true);
        button->setAutoRaise(true);
        m_modes->addButton(button, int(mode));
        bar->addWidget(button);
    };
    addButton(Mode::Average, tr("Average"), tr("Only the average of all cores"),
              "cpuAverageButton");
    addButton(Mode::Overlay, tr("All cores"), tr("Every core in one plot, and the average"),
              "cpuOverlayButton");
    addButton(Mode::SmallMultiples, tr("Per core"), tr("One small plot per core"),
              "cpuPerCoreButton");
    m_modes->button(int(m_mode))->setChecked(true);
    connect(m_modes, &QButtonGroup::idClicked, this, [this](int id) { setMode(Mode(id)); });
    bar->addStretch();

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    layout->addLayout(bar);
    layout->addWidget(m_plot, 1);
    m_plot->setMinimumSize(160, 100);
    updateRanges();
}

CpuChart::~CpuChart()
{
    // Put the overlay back into the layout so that QCustomPlot deletes everything it owns.
    if (m_mode == Mode::SmallMultiples) {
        m_plot->plotLayout()->take(m_smallGrid);
        m_plot->plotLayout()->addElement(0, 0, m_mainRect);
    }
    dropSmallMultiples();
}

QCPGraph *CpuChart::graph(int core) const
{
    if (core < 0)
        return m_averageGraph;
    if (m_mode == Mode::SmallMultiples)
        return m_smallGraphs.value(core);
    return m_coreGraphs.value(core);
}

void CpuChart::addSample(qint64 msecsSinceEpoch, const QList<double> &perCorePercent,
                         double average)
{
    const double key = double(msecsSinceEpoch) / 1000.0;
    if (key < m_latestKey)
        clear(); // the clock went back: old points would sit in the future
    if (perCorePercent.size() != m_coreData.size())
        setCoreCount(int(perCorePercent.size()));
    // One point before the left edge stays, so that lines run into the edge.
    const double oldest = key - m_spanSeconds - 2.0;
    for (qsizetype i = 0; i < perCorePercent.size(); ++i) {
        m_coreData[i]->add(QCPGraphData(key, std::clamp(perCorePercent[i], 0.0, 100.0)));
        m_coreData[i]->removeBefore(oldest);
    }
    m_averageGraph->data()->add(QCPGraphData(key, std::clamp(average, 0.0, 100.0)));
    m_averageGraph->data()->removeBefore(oldest);
    m_lastPercent = perCorePercent;
    for (qsizetype i = 0; i < m_smallLabels.size(); ++i)
        m_smallLabels[i]->setText(tr("cpu%1  %2 %").arg(i).arg(qRound(m_lastPercent.value(i))));
    m_latestKey = key;
    updateRanges();
    m_throttle->request();
}

void CpuChart::clear()
{
    for (const auto &data : std::as_const(m_coreData))
        data->clear();
    m_averageGraph->data()->clear();
    m_latestKey = 0;
    m_throttle->request();
}

void CpuChart::setTimeSpan(int seconds)
{
    m_spanSeconds = std::max(1, seconds);
    updateRanges();
    m_throttle->request();
}

void CpuChart::updateRanges()
{
    const double right = m_latestKey > 0 ? m_latestKey : double(QDateTime::currentSecsSinceEpoch());
    const QCPRange range(right - m_spanSeconds, right);
    m_plot->xAxis->setRange(range);
    for (QCPAxisRect *rect : std::as_const(m_smallRects))
        rect->axis(QCPAxis::atBottom)->setRange(range);
}

void CpuChart::setCoreCount(int count)
{
    while (m_coreGraphs.size() > count) {
        m_plot->removeGraph(m_coreGraphs.takeLast());
        m_coreData.removeLast();
    }
    while (m_coreGraphs.size() < count) {
        const int core = int(m_coreGraphs.size());
        auto data = QSharedPointer<QCPGraphDataContainer>::create();
        QCPGraph *graph = m_plot->addGraph(m_plot->xAxis, m_plot->yAxis);
        graph->setData(data); // shared with the core's small plot
        graph->setName(tr("cpu%1").arg(core));
        QColor color = chartstyle::seriesColor(core);
        color.setAlpha(count > 16 ? 140 : 200);
        graph->setPen(QPen(color, 1));
        graph->setVisible(m_mode == Mode::Overlay);
        m_coreGraphs.append(graph);
        m_coreData.append(data);
    }
    if (m_mode == Mode::SmallMultiples) {
        // New items look for an axis rect in the layout (and complain): the overlay's, for now.
        QCPLayoutGrid *layout = m_plot->plotLayout();
        layout->take(m_smallGrid);
        layout->addElement(0, 0, m_mainRect);
        dropSmallMultiples();
        buildSmallMultiples();
        layout->take(m_mainRect);
        layout->addElement(0, 0, m_smallGrid);
    } else {
        dropSmallMultiples(); // rebuilt for the new count when next shown
    }
}

void CpuChart::buildSmallMultiples()
{
    const int count = coreCount();
    const int columns = std::max(1, int(std::ceil(std::sqrt(double(count)))));
    m_smallGrid = new QCPLayoutGrid;
    m_smallGrid->setRowSpacing(3);
    m_smallGrid->setColumnSpacing(3);
    QFont labelFont = font();
    labelFont.setPointSizeF(std::max(6.0, labelFont.pointSizeF() * 0.8));
    for (int core = 0; core < count; ++core) {
        auto *rect = new QCPAxisRect(m_plot, true);
        m_smallGrid->addElement(core / columns, core % columns, rect);
        // Fixed margins and no tick labels: 64 small plots cost little more than one.
        rect->setAutoMargins(QCP::msNone);
        rect->setMargins(QMargins(1, 1, 1, 1));
        rect->setMinimumSize(24, 16);
        rect->setRangeDrag({});
        rect->setRangeZoom({});
        chartstyle::applyTo(rect, this);
        for (QCPAxis *axis : rect->axes()) {
            axis->setVisible(true); // the four of them frame the plot
            axis->setTicks(false);
            axis->setTickLabels(false);
            axis->grid()->setVisible(axis->axisType() == QCPAxis::atLeft);
        }
        QCPAxis *x = rect->axis(QCPAxis::atBottom);
        QCPAxis *y = rect->axis(QCPAxis::atLeft);
        y->setTicker(percentTicker(50));
        y->setRange(0, 100);
        QCPGraph *graph = m_plot->addGraph(x, y);
        graph->setData(m_coreData[core]);
        QColor color = chartstyle::seriesColor(core);
        graph->setPen(QPen(color, 1));
        color.setAlpha(60);
        graph->setBrush(color);
        graph->setAntialiasedFill(false); // halves the cost of 64 small plots
        m_smallGraphs.append(graph);

        auto *label = new QCPItemText(m_plot);
        label->setClipAxisRect(rect);
        label->position->setAxisRect(rect); // first: setType() looks for a rect otherwise
        label->position->setType(QCPItemPosition::ptAxisRectRatio);
        label->position->setCoords(0.03, 0.04);
        label->setPositionAlignment(Qt::AlignLeft | Qt::AlignTop);
        label->setFont(labelFont);
        label->setColor(palette().color(QPalette::Text));
        label->setText(tr("cpu%1  %2 %").arg(core).arg(qRound(m_lastPercent.value(core))));
        m_smallLabels.append(label);
        m_smallRects.append(rect);
    }
    // QCustomPlot 2.1 crashes on adopting a grid with empty cells: fill them.
    for (int cell = count; cell % columns != 0; ++cell)
        m_smallGrid->addElement(cell / columns, cell % columns, new QCPLayoutElement(m_plot));
    updateRanges();
}

void CpuChart::dropSmallMultiples()
{
    for (QCPItemText *label : std::as_const(m_smallLabels))
        m_plot->removeItem(label);
    for (QCPGraph *graph : std::as_const(m_smallGraphs))
        m_plot->removeGraph(graph);
    m_smallLabels.clear();
    m_smallGraphs.clear();
    m_smallRects.clear();
    delete m_smallGrid; // not in the layout at this point: ours to delete, with its rects
    m_smallGrid = nullptr;
}

void CpuChart::setSmallMultiplesVisible(bool visible)
{
    // An element out of the layout is still drawn unless hidden, and so are its children.
    m_smallGrid->setVisible(visible);
    for (QCPAxisRect *rect : std::as_const(m_smallRects))
        rect->setVisible(visible);
    for (QCPItemText *label : std::as_const(m_smallLabels))
        label->setVisible(visible);
}

void CpuChart::showOverlay(bool coresVisible)
{
    for (QCPGraph *graph : std::as_const(m_coreGraphs))
        graph->setVisible(coresVisible);
}

void CpuChart::setMode(Mode mode)
{
    if (QAbstractButton *button = m_modes->button(int(mode)))
        button->setChecked(true);
    if (mode == m_mode)
        return;
    QCPLayoutGrid *layout = m_plot->plotLayout();
    if (mode == Mode::SmallMultiples) {
        if (!m_smallGrid)
            buildSmallMultiples();
        layout->take(m_mainRect);
        m_mainRect->setVisible(false);
        layout->addElement(0, 0, m_smallGrid);
        setSmallMultiplesVisible(true);
    } else if (m_mode == Mode::SmallMultiples) {
        layout->take(m_smallGrid);
        setSmallMultiplesVisible(false);
        layout->addElement(0, 0, m_mainRect);
        m_mainRect->setVisible(true);
    }
    showOverlay(mode == Mode::Overlay);
    m_mode = mode;
    emit modeChanged(mode);
    m_throttle->request();
}

} // namespace jobpool::widgets
