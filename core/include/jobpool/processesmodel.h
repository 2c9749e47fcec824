// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <jobpool/pool.h>
#include <jobpool/procstat.h>

#include <QAbstractTableModel>
#include <QElapsedTimer>
#include <QHash>
#include <QList>
#include <QString>

#include <functional>

namespace jobpool {

/// One row per pool worker and the command it runs: pid, state, job, command, CPU %, RSS,
/// uptime, jobs done. Rows stay put across update() calls (matched by pid); only the cells
/// that changed are signalled, so a view keeps its selection and scroll position.
///
/// \code
/// jobpool::ProcessesModel model;
/// model.setJobLabel([&store](qint64 seq) { return store.inputOf(seq); });
/// QTimer refresh;                          // about twice a second
/// QObject::connect(&refresh, &QTimer::timeout, [&] {
///     model.update(pool.workers());
///     model.setPoolStats(pool.stats()); // workers replaced for their memory: summary()
/// });
/// \endcode
///
/// CPU % is the worker's and its command's together (100 % = one core busy); RSS too. The
/// display role holds formatted text ("37 %", "12.3 MiB", "1:02:03"), Qt::UserRole the raw
/// number to sort by (RSS in bytes, uptime in seconds, -1 when unknown).
///
/// Workers that have gone have no row; what the pool says about them (setPoolStats()) is
/// in summary(), for a line under the table: how many were replaced for their memory.
class ProcessesModel final : public QAbstractTableModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ProcessesModel)

public:
    enum Column {
        PidColumn,
        StateColumn,
        JobColumn,
        CommandColumn,
        CpuColumn,
        RssColumn,
        UptimeColumn,
        JobsDoneColumn,
        ColumnCount
    };
    Q_ENUM(Column)

    enum Role {
        SortRole = Qt::UserRole, ///< the raw value of the cell
        JobSeqRole,              ///< any column: the job number the row's command runs, or 0
        PidRole,                 ///< any column: the worker's pid
    };

    explicit ProcessesModel(QObject *parent = nullptr);
    ~ProcessesModel() override;

    /// Takes a new snapshot of the workers (Pool::workers()) and reads /proc for each one
    /// whose last reading is older than sampleInterval() or whose command changed.
    void update(const QList<jobpool::WorkerInfo> &workers);

    /// The pool's counts (Pool::stats()), taken for summary(); emits summaryChanged() when
    /// that changes.
    void setPoolStats(const jobpool::PoolStats &stats);
    /// Workers replaced because their memory grew past PoolOptions::maxWorkerMemory.
    qint64 workersRecycled() const { return m_workersRecycled; }
    /// "Workers replaced for using too much memory: 3"; empty while none was.
    QString summary() const;
    /// What the summary's reader may want to know about it, for a tool tip.
    QString summaryToolTip() const;

    /// What the Job column shows for a job number (e.g. its input); "#seq" without one.
    void setJobLabel(std::function<QString(qint64 seq)> label);

    /// The shortest time between two /proc readings of a row, 450 ms by default: update()
    /// may be called more often (on every Pool::changed) without making CPU % jumpy.
    void setSampleInterval(int ms) { m_sampleIntervalMs = ms; }
    int sampleInterval() const { return m_sampleIntervalMs; }

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

    /// "1:02:03" for 3723 seconds.
    static QString formatUptime(qint64 seconds);

signals:
    void summaryChanged();

private:
    struct Process
    {
        qint64 pid = 0;
        double cpu = -1; ///< -1 when it could not be read
        qint64 rssKiB = -1;
        quint64 startTime = 0; ///< ticks after boot
    };
    struct Row
    {
        qint64 key = 0; ///< the worker's pid, or a negative stand-in before it has one
        WorkerInfo info;
        Process worker;
        Process child;
        QStringList argv; ///< the child's command line
        QString jobLabel;
        qint64 uptimeSeconds = -1;
        qint64 sampledMs = -1;
    };

    void sample(Row &row, qint64 nowMs, double bootUptime);
    void sampleProcess(Process &process, qint64 pid, qint64 nowMs, double bootUptime);
    QString jobText(const Row &row) const;
    QVariant display(const Row &row, int column) const;
    QVariant sortValue(const Row &row, int column) const;
    QVariant toolTip(const Row &row, int column) const;
    void removeRowsNotIn(const QList<qint64> &keys);

    QList<Row> m_rows;
    std::function<QString(qint64)> m_jobLabel;
    ProcessCpuSampler m_cpu;
    QElapsedTimer m_clock;
    int m_sampleIntervalMs = 450;
    qint64 m_workersRecycled = 0;
};

} // namespace jobpool
