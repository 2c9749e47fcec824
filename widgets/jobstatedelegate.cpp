// SPDX-License-Identifier: GPL-3.0-or-later
#include "jobstatedelegate.h"

#include <jobpool/jobsmodel.h>

#include <QPainter>
#include <QPainterPath>
#include <QPixmap>

namespace jobpool::widgets {
namespace {

QColor colourOf(JobState state)
{
    switch (state) {
    case JobState::Pending:
        return QColor(0x8a, 0x8f, 0x98);
    case JobState::Running:
        return QColor(0x2f, 0x7d, 0xd1);
    case JobState::Done:
        return QColor(0x2e, 0x9d, 0x4f);
    case JobState::Failed:
        return QColor(0xd3, 0x3b, 0x35);
    case JobState::Interrupted:
        return QColor(0xe0, 0x8a, 0x1e);
    case JobState::Skipped:
        return QColor(0x6b, 0x70, 0x78);
    }
    return Qt::gray;
}

/// The glyph of \a state in a 16 × 16 square, white on its coloured disc.
void drawGlyph(QPainter &p, JobState state)
{
    QPen pen(Qt::white, 1.8, Qt::SolidLine, Qt::RoundCap, Qt::RoundJoin);
    p.setPen(pen);
    p.setBrush(Qt::NoBrush);
    switch (state) {
    case JobState::Pending:
        break;
    case JobState::Running: {
        QPainterPath play;
        play.moveTo(6.2, 4.6);
        play.lineTo(11.6, 8);
        play.lineTo(6.2, 11.4);
        play.closeSubpath();
        p.setPen(Qt::NoPen);
        p.setBrush(Qt::white);
        p.drawPath(play);
        break;
    }
    case JobState::Done:
        p.drawPolyline(QPolygonF({{4.6, 8.3}, {7, 10.7}, {11.5, 5.6}}));
        break;
    case JobState::Failed:
        p.drawLine(QPointF(5.4, 5.4), QPointF(10.6, 10.6));
        p.drawLine(QPointF(10.6, 5.4), QPointF(5.4, 10.6));
        break;
    case JobState::Interrupted:
        p.drawLine(QPointF(6.3, 5.2), QPointF(6.3, 10.8));
        p.drawLine(QPointF(9.7, 5.2), QPointF(9.7, 10.8));
        break;
    case JobState::Skipped:
        p.drawLine(QPointF(5, 8), QPointF(11, 8));
        break;
    }
}

QPixmap paintIcon(JobState state, int size)
{
    QPixmap pixmap(size, size);
    pixmap.fill(Qt::transparent);
    QPainter p(&pixmap);
    p.setRenderHint(QPainter::Antialiasing);
    p.scale(size / 16.0, size / 16.0);
    const QColor colour = colourOf(state);
    if (state == JobState::Pending) { // not started: a ring, no fill
        p.setPen(QPen(colour, 1.6));
        p.setBrush(Qt::NoBrush);
        p.drawEllipse(QRectF(2.3, 2.3, 11.4, 11.4));
    } else {
        p.setPen(Qt::NoPen);
        p.setBrush(colour);
        p.drawEllipse(QRectF(1.5, 1.5, 13, 13));
        drawGlyph(p, state);
    }
    return pixmap;
}

} // namespace

JobStateDelegate::JobStateDelegate(QObject *parent)
    : QStyledItemDelegate(parent)
{
    for (int s = 0; s < int(m_icons.size()); ++s) {
        for (int size : {16, 24, 32, 48})
            m_icons[size_t(s)].addPixmap(paintIcon(JobState(s), size));
    }
}

JobStateDelegate::~JobStateDelegate() = default;

QIcon JobStateDelegate::icon(JobState state) const
{
    const auto at = size_t(state);
    return at < m_icons.size() ? m_icons[at] : QIcon();
}

void JobStateDelegate::initStyleOption(QStyleOptionViewItem *option, const QModelIndex &index) const
{
    QStyledItemDelegate::initStyleOption(option, index);
    const QVariant state = index.data(JobsModel::StateRole);
    if (!state.isValid())
        return;
    option->icon = icon(JobState(state.toInt()));
    option->features |= QStyleOptionViewItem::HasDecoration;
    option->decorationSize = QSize(16, 16);
}

} // namespace jobpool::widgets
