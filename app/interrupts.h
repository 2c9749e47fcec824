// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QObject>
#include <QSocketNotifier>

#include <memory>

namespace jobpool::app {

/// Ctrl-C (SIGINT) and SIGTERM turned into a Qt signal: the handler only writes a byte to
/// a pipe, which the event loop reads. While one of these exists, the signals no longer
/// end the process; the previous handlers come back when it is destroyed.
class Interrupts : public QObject
{
    Q_OBJECT

public:
    Interrupts();
    ~Interrupts() override;

signals:
    /// \a count: how many interrupts so far (1 for the first Ctrl-C, 2 for the second…).
    void interrupted(int count);

private:
    std::unique_ptr<QSocketNotifier> m_notifier;
    int m_count = 0;
};

} // namespace jobpool::app
