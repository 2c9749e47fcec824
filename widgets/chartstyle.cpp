// SPDX-License-Identifier: GPL-3.0-or-later
#include "chartstyle.h"

#include <QPalette>
#include <QWidget>
#include <qcustomplot.h>

#include <cmath>

namespace jobpool::widgets::chartstyle {

void applyTo(QCustomPlot *plot)
{
    plot->setBackground(plot->palette().brush(QPalette::Base));
    // Text is what costs most in a replot: keep tick labels cached as pixmaps.
    plot->setPlottingHints(QCP::phCacheLabels | QCP::phFastPolylines);
    plot->setNotAntialiasedElements(QCP::aeGrid | QCP::aeSubGrid | QCP::aeAxes | QCP::aeZeroLine);
    for (int i = 0; i < plot->axisRectCount(); ++i)
        applyTo(plot->axisRect(i), plot);
}

void applyTo(QCPAxis *axis, const QWidget *source)
{
    const QPalette palette = source->palette();
    const QColor text = palette.color(QPalette::Text);
    QColor faint = palette.color(QPalette::Mid);
    faint.setAlpha(110);
    axis->setBasePen(QPen(palette.color(QPalette::Mid)));
    axis->setTickPen(QPen(palette.color(QPalette::Mid)));
    axis->setSubTickPen(QPen(palette.color(QPalette::Mid)));
    axis->setTickLabelColor(text);
    axis->setLabelColor(text);
    axis->grid()->setPen(QPen(faint, 0, Qt::DotLine));
    axis->grid()->setZeroLinePen(Qt::NoPen);
    axis->grid()->setSubGridVisible(false);
}

void applyTo(QCPAxisRect *rect, const QWidget *source)
{
    for (QCPAxis *axis : rect->axes())
        applyTo(axis, source);
}

QColor seriesColor(int index)
{
    // 137.5° apart: any run of neighbouring cores gets clearly different hues.
    const int hue = int(std::fmod(210.0 + index * 137.508, 360.0));
    return QColor::fromHsv(hue, 170, 200);
}

QColor succeededColor()
{
    return QColor(0x3d, 0x7e, 0xd1);
}

QColor failedColor()
{
    return QColor(0xd9, 0x3f, 0x3f);
}

QColor runningColor()
{
    return QColor(0x4c, 0xb0, 0x5a);
}

} // namespace jobpool::widgets::chartstyle
