// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>

namespace jobpool::app {

/// Where a batch stands, for the progress line.
struct ProgressCounts
{
    qint64 total = -1; ///< -1 while unknown (inputs still arriving on stdin)
    qint64 done = 0;   ///< finished, whatever the outcome
    qint64 failed = 0;
    qint64 running = 0;
    double elapsedSeconds = 0;
};

/// The line `jobpool run` keeps rewriting on a terminal's stderr: a plain count by
/// default, with a bar (--bar) and an estimate of the time left (--eta).
class ProgressLine
{
public:
    enum Style { Plain = 0, Bar = 1, Eta = 2 };
    ProgressLine(int style, int width)
        : m_style(style)
        , m_width(width)
    {}

    /// The line for \a counts, without a newline, at most width() columns.
    QByteArray render(const ProgressCounts &counts) const;
    int width() const { return m_width; }

    /// "1:02:03", "2:03", "0:07"; "?" for a negative or unknown time.
    static QByteArray formatDuration(double seconds);

private:
    int m_style;
    int m_width;
};

} // namespace jobpool::app
