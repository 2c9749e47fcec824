// SPDX-License-Identifier: GPL-3.0-or-later
#include "controlthread.h"

#include <QAbstractEventDispatcher>
#include <QCoreApplication>

namespace jobpool::detail {

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
}

void ControlThread::stop()
{
    if (!isRunning())
        return;
    m_stopping.store(true, std::memory_order_release);
    if (QAbstractEventDispatcher *dispatcher = QAbstractEventDispatcher::instance(this))
        dispatcher->wakeUp();
    wait();
}

} // namespace jobpool::detail
