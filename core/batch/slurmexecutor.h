// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "batchexecutor.h"

#include <jobpool/batchoptions.h>

#include <QByteArray>
#include <QElapsedTimer>
#include <QObject>
#include <QSet>
#include <QStringList>
#include <QTimer>

#include <functional>
#include <memory>
#include <vector>

class QProcess;

namespace jobpool::detail {

/// Runs a batch's commands on a Slurm cluster, through its command-line tools (sbatch,
/// squeue, scancel), never through a shell, optionally on a login host over ssh.
///
/// The attempts submitted in one turn of the event loop become one job array: a folder
/// `slurm-K` in the batch's folder (on a path the nodes share) holds the manifest of the
/// attempts (QDataStream of ExecRequests, a list per array task), the batch script, and,
/// written by the nodes, one journal per array task (`task-I.journal`, core/batch/journal.h)
/// and Slurm's own output (`task-I.slurm`). Each array task runs `jobpool slurm-task DIR`
/// (runSlurmTask()), which runs its inputs with exec() one after another: the same logs,
/// timeouts and figures as on this computer, in the journal, so that results never depend
/// on Slurm's accounting. Every second the executor reads the journals (starts and ends)
/// and asks squeue for the tasks' states; a task that ended (FAILED, CANCELLED, TIMEOUT,
/// NODE_FAIL, OUT_OF_MEMORY…) without an end for one of its inputs ends that attempt with
/// the state as its error. Retries are the runner's: it submits only the failed inputs
/// again, which makes a new, smaller array.
class SlurmExecutor final : public QObject, public BatchExecutor
{
    Q_OBJECT

public:
    struct Setup
    {
        SlurmOptions options;
        QByteArray folder; ///< the batch's folder, on a path the nodes share
        qint64 batch = 0;  ///< names the Slurm jobs: jobpool-BATCH
        QString program;   ///< `jobpool` as the nodes find it
        int throttle = 0;  ///< array tasks running at once (-j); 0: as Slurm likes
        std::function<void(const QString &)> failed; ///< the cluster cannot be used
    };

    SlurmExecutor(Setup setup, QObject *parent);
    ~SlurmExecutor() override;

    void submit(Attempt attempt) override;
    std::size_t capacity(int slotCount, bool pipelined) const override;
    void setSlots(int) override {}
    QList<WorkerInfo> workers() const override { return {}; }
    void signalRunning(int signal) override;
    /// Slurm suspends whole jobs, and only for its administrators: no single input here.
    bool signalJob(qint64, int) override { return false; }
    void cancel(const QList<qint64> &seqs) override;

    /// The environment Slurm's tools run with: ours, without the variables that change
    /// what they print (SQUEUE_FORMAT, SQUEUE_SORT, SLURM_TIME_FORMAT, SBATCH_*…).
    static QStringList toolEnvironment();
    /// The program and arguments that run \a argv (a Slurm tool and its arguments) here,
    /// or on \a loginHost through ssh, with every word quoted for the remote shell.
    static QStringList toolCommand(const QStringList &argv, const QString &loginHost);

private:
    struct Job
    {
        Attempt attempt;
        bool started = false;
        bool ended = false;
    };
    struct Task
    {
        std::vector<std::size_t> jobs; ///< indexes into Array::jobs
        qint64 journalSize = -1;       ///< when it was last read
        bool over = false;             ///< Slurm says it ended
    };
    struct Array
    {
        QByteArray dir;
        QString jobId; ///< empty until sbatch answered
        std::vector<Job> jobs;
        std::vector<Task> tasks;
        bool cancelRequested = false;
        bool done() const;
    };
    using ToolDone =
        std::function<void(int exitCode, const QByteArray &out, const QByteArray &err)>;

    void flush();
    void writeArray(Array &array);
    QStringList sbatchCommand(const Array &array) const;
    void submitArray(Array *array);
    void poll();
    void readJournals(Array &array, bool force);
    /// Ends the tasks squeue's output says ended; \a asked: the arrays it was asked about.
    void applyStates(const QByteArray &squeueOutput, const QStringList &asked);
    void endTask(Array &array, Task &task, const QString &state, const QString &reason);
    void finishArrays();
    void cancelEarlierArrays();
    bool controllerUnreachable(int exitCode, const QByteArray &err);
    void giveUp(const QString &why);
    void runTool(const QStringList &argv, ToolDone done);
    QString describeFailure(const QByteArray &err) const;

    Setup m_setup;
    std::vector<Attempt> m_unsubmitted;
    std::vector<std::unique_ptr<Array>> m_arrays;
    int m_nextArray = 1;
    QTimer m_pollTimer;
    bool m_polling = false; ///< a squeue is on its way
    bool m_gaveUp = false;
    bool m_cancelAll = false; ///< signalRunning(): every array is cancelled
    QElapsedTimer m_unreachableFor;
    QString m_lastUnreachable;
    QSet<QProcess *> m_tools;
};

} // namespace jobpool::detail
