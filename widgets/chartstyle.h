// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QColor>

class QCPAxis;
class QCPAxisRect;
class QCustomPlot;
class QWidget;

/// \file
/// The look the monitoring charts share: colours from the widget's palette (so a dark theme
/// stays dark), quiet grids, and plotting hints that keep a replot cheap.

namespace jobpool::widgets::chartstyle {

/// Sets up \a plot for charts refreshed a couple of times a second: palette colours,
/// label caching, no antialiasing of the grid.
void applyTo(QCustomPlot *plot);
/// Styles the axes and grids of \a rect (every axis rect of a plot has to be styled).
void applyTo(QCPAxisRect *rect, const QWidget *source);
/// Styles one axis with the palette of \a source.
void applyTo(QCPAxis *axis, const QWidget *source);

/// The colour of series \a index of \a count: evenly spread hues that stay apart from their
/// neighbours (golden-angle steps).
QColor seriesColor(int index);

/// Bars of the timeline.
QColor succeededColor();
QColor failedColor();
QColor runningColor();

} // namespace jobpool::widgets::chartstyle
