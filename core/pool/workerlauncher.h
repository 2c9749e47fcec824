// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QHash>
#include <QObject>
#include <QString>

#include <functional>

class QProcess;

namespace jobpool::detail {

/// Starts and kills a pool's worker processes. Lives in the pool's control thread, whose
/// event loop delivers QProcess's notifications; reports them through the callbacks,
/// which run in that thread.
class WorkerLauncher final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(WorkerLauncher)

public:
    struct Callbacks
    {
        std::function<void(quint64 id, qint64 pid)> started;
        std::function<void(quint64 id, int exitCode, int signal)> finished;
        std::function<void(quint64 id, const QString &error)> failedToStart;
    };

    WorkerLauncher(QString program, Callbacks callbacks);
    ~WorkerLauncher() override;

    /// Starts worker \a id with the two inherited descriptors. Call in the control thread.
    void start(quint64 id, int channelFd, int bellFd);
    void kill(quint64 id);
    void killAll();
    int running() const { return int(m_processes.size()); }

private:
    void deleteSoon(QProcess *process);

    QString m_program;
    Callbacks m_callbacks;
    QHash<quint64, QProcess *> m_processes;
};

} // namespace jobpool::detail
