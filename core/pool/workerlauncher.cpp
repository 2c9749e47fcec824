// SPDX-License-Identifier: GPL-3.0-or-later
#include "workerlauncher.h"

#include <QProcess>

#include <csignal>

#include <fcntl.h>
#include <sys/prctl.h>
#include <unistd.h>

namespace jobpool::detail {

WorkerLauncher::WorkerLauncher(QString program, Callbacks callbacks)
    : m_program(std::move(program))
    , m_callbacks(std::move(callbacks))
{}

WorkerLauncher::~WorkerLauncher()
{
    for (QProcess *p : std::as_const(m_processes)) {
        p->disconnect(this);
        p->kill();
        p->waitForFinished(-1);
        delete p;
    }
}

void WorkerLauncher::start(quint64 id, int channelFd, int bellFd)
{
    auto *process = new QProcess(this);
    process->setProgram(m_program);
    const pid_t parent = getpid();
    process->setArguments({QStringLiteral("--jobpool-worker"), QString::number(channelFd),
                           QString::number(bellFd), QString::number(parent)});
    // The worker's prints go where ours go, like Python's; it reads nothing from us.
    process->setProcessChannelMode(QProcess::ForwardedChannels);
    process->setStandardInputFile(QProcess::nullDevice());
    process->setChildProcessModifier([channelFd, bellFd, parent] {
        // Runs in the child between fork and exec: async-signal-safe calls only.
        fcntl(channelFd, F_SETFD, 0); // inherit exactly these two segments
        fcntl(bellFd, F_SETFD, 0);
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(1); // the parent died before the line above
        // Ctrl-C in a terminal is for the parent to handle: it stops the pool in order.
        signal(SIGINT, SIG_IGN);
    });

    connect(process, &QProcess::started, this,
            [this, id, process] { m_callbacks.started(id, process->processId()); });
    connect(process, &QProcess::finished, this,
            [this, id, process](int exitCode, QProcess::ExitStatus status) {
                m_processes.remove(id);
                deleteSoon(process);
                // On a crash QProcess reports the signal number as the exit code.
                if (status == QProcess::CrashExit)
                    m_callbacks.finished(id, 0, exitCode);
                else
                    m_callbacks.finished(id, exitCode, 0);
            });
    connect(process, &QProcess::errorOccurred, this, [this, id, process](QProcess::ProcessError e) {
        if (e != QProcess::FailedToStart)
            return;
        m_processes.remove(id);
        deleteSoon(process);
        m_callbacks.failedToStart(id, process->errorString());
    });
    m_processes.insert(id, process);
    process->start();
}

void WorkerLauncher::deleteSoon(QProcess *process)
{
    // Not deleteLater(): deferred deletion waits for a QEventLoop, and the control thread
    // runs none (see ControlThread). Not now either: we are inside its signal.
    QMetaObject::invokeMethod(
        this, [process] { delete process; }, Qt::QueuedConnection);
}

void WorkerLauncher::kill(quint64 id)
{
    if (QProcess *p = m_processes.value(id))
        p->kill();
}

void WorkerLauncher::killAll()
{
    for (QProcess *p : std::as_const(m_processes))
        p->kill();
}

} // namespace jobpool::detail
