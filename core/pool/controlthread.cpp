// SPDX-License-Identifier: GPL-3.0-or-later
#include "controlthread.h"

#include "crossthread.h"

#include <QAbstractEventDispatcher>
#include <QCoreApplication>

namespace jobpool::detail {

std::mutex &postOrderMutex()
{
    static std::mutex mutex;
    return mutex;
}

std::mutex &continuationOrderMutex()
{
    static std::mutex mutex;
    return mutex;
}

ControlThread::~ControlThread()
{
    stop();
}

void ControlThread::run()
{
    QAbstractEventDispatcher *dispatcher = QAbstractEventDispatcher::instance();
    while (!m_stopping.load(std::memory_order_acquire))
        dispatcher->processEvents(QEventLoop::AllEvents | QEventLoop::WaitForMoreEvents);
    delete m_owned; // in its own thread, with its QProcess children
    m_owned = nullptr;
    QCoreApplication::sendPostedEvents(nullptr, 0);
    std::lock_guard finished(m_finished); // see stop()
}

void ControlThread::stop()
{
    if (!isRunning())
        return;
    m_stopping.store(true, std::memory_order_release);
    if (QAbstractEventDispatcher *dispatcher = QAbstractEventDispatcher::instance(this))
        dispatcher->wakeUp();
    wait();
    // QThread::wait() orders the thread's end before this point with Qt's own futexes,
    // which ThreadSanitizer cannot see in an uninstrumented Qt; this lock shows it.
    std::lock_guard finished(m_finished);
}

} // namespace jobpool::detail
