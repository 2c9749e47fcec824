// SPDX-License-Identifier: GPL-3.0-or-later
#include "progress.h"

#include <QStringBuilder>

#include <algorithm>
#include <cmath>

namespace jobpool::app {

QByteArray ProgressLine::formatDuration(double seconds)
{
    if (!(seconds >= 0) || !std::isfinite(seconds))
        return "?";
    const qint64 s = qint64(std::llround(seconds));
    const qint64 h = s / 3600;
    const qint64 m = (s / 60) % 60;
    auto two = [](qint64 v) { return QByteArray::number(v).rightJustified(2, '0'); };
    QByteArray text;
    if (h > 0)
        text += QByteArray::number(h) + ':' + two(m);
    else
        text += QByteArray::number(m);
    text += ':';
    text += two(s % 60);
    return text;
}

QByteArray ProgressLine::render(const ProgressCounts &c) const
{
    QByteArray counts = QByteArray::number(c.done);
    if (c.total >= 0)
        counts += '/' + QByteArray::number(c.total);
    counts += " done";
    if (c.failed > 0)
        counts += QByteArray(", ") + QByteArray::number(c.failed) + " failed";
    counts += QByteArray(", ") + QByteArray::number(c.running) + " running";

    QByteArray eta;
    if (m_style & Eta) {
        QByteArray left = "?";
        if (c.total >= 0 && c.done > 0 && c.elapsedSeconds > 0)
            left = formatDuration(c.elapsedSeconds / double(c.done) * double(c.total - c.done));
        eta = QByteArray(", ETA ") + left;
    }

    QByteArray line;
    if ((m_style & Bar) && c.total > 0) {
        const double fraction = std::clamp(double(c.done) / double(c.total), 0.0, 1.0);
        const QByteArray percent =
            QByteArray(QByteArray::number(int(fraction * 100)).rightJustified(3)) + "% ";
        const qsizetype room =
            std::max<qsizetype>(10, m_width - percent.size() - counts.size() - eta.size() - 3);
        const auto filled = qsizetype(std::floor(fraction * double(room)));
        line = percent + '[' + QByteArray(filled, '#') + QByteArray(room - filled, ' ') + "] ";
    }
    line += counts + eta;
    if (line.size() > m_width)
        line.truncate(std::max(0, m_width));
    return line;
}

} // namespace jobpool::app
