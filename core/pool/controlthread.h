// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QThread>

#include <atomic>
#include <mutex>

namespace jobpool::detail {

/// The thread whose event dispatcher delivers QProcess's notifications for a pool's
/// workers. It drives the dispatcher itself instead of running a QEventLoop, because a
/// QEventLoop needs a QCoreApplication and a program using JobPool::Core need not have
/// one (Python's multiprocessing needs nothing either). The object given to own() is
/// deleted in this thread when it stops.
class ControlThread final : public QThread
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ControlThread)

public:
    ControlThread() = default;
    ~ControlThread() override;

    void own(QObject *object) { m_owned = object; }
    /// Ends the thread's loop and waits for it; safe from any thread but this one.
    void stop();

protected:
    void run() override;

private:
    std::atomic<bool> m_stopping{false};
    QObject *m_owned = nullptr;
    std::mutex m_finished; ///< taken last by run(), and by stop() after it waited
};

} // namespace jobpool::detail
