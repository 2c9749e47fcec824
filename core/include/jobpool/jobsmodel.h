// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <jobpool/commandtemplate.h>
#include <jobpool/jobstore.h>

#include <QAbstractTableModel>
#include <QByteArray>
#include <QList>
#include <QTimer>

#include <map>
#include <optional>
#include <set>
#include <vector>

/// \file
/// The jobs of one batch as a table: what the desktop app's Jobs view shows.

namespace jobpool {

struct BatchJob;

/// One row per job of a batch, in seq order, read from the job store once (a page at a
/// time, a few milliseconds per turn of the event loop, so that a million jobs never block
/// the GUI) into a compact array: no SQL and no string building until a cell is shown.
/// Live changes come from the runner's jobStarted()/jobFinished(); they are buffered and
/// applied ten times a second as a few coalesced dataChanged() ranges, never per job.
///
/// \code
/// jobpool::JobsModel model;
/// model.setStore(&store);                    // the store the runner writes to
/// model.showBatch(batch);
/// QObject::connect(&runner, &jobpool::BatchRunner::jobStarted, &model,
///                  &jobpool::JobsModel::jobStarted);
/// QObject::connect(&runner, &jobpool::BatchRunner::jobFinished, &model,
///                  &jobpool::JobsModel::jobFinished);
/// QObject::connect(&model, &jobpool::JobsModel::errorOccurred, this, &Window::showError);
/// \endcode
///
/// A StoreError never leaves the model: it stops loading, keeps what it has and reports
/// the store's message (which names the file) through errorOccurred() and errorString().
class JobsModel final : public QAbstractTableModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(JobsModel)

public:
    enum Column {
        SeqColumn,
        InputColumn,
        StateColumn,
        WorkerColumn,
        StartedColumn,
        DurationColumn,
        ExitColumn,
        CpuColumn,
        RssColumn,
        ColumnCount
    };
    Q_ENUM(Column)

    enum Roles {
        SeqRole = Qt::UserRole + 1, ///< any column: the job's seq (qint64)
        StateRole,                  ///< any column: JobState as an int
        SortRole,                   ///< the raw number (or the input's text) to sort by
        StdoutPathRole,             ///< any column: the last attempt's paths (reads the store)
        StderrPathRole,
    };

    explicit JobsModel(QObject *parent = nullptr);
    ~JobsModel() override;

    /// The store to read from; not owned, and used only from this thread. Clears the model.
    void setStore(JobStore *store);
    JobStore *store() const { return m_store; }
    /// Shows the jobs of \a batch (0: none). The first page is there on return; the rest
    /// follows while the event loop runs (isLoading(), loaded()).
    void showBatch(qint64 batch);
    qint64 batch() const { return m_batch; }
    bool isLoading() const { return m_loadTimer.isActive(); }
    /// Reads every job not read yet now (tests, benchmarks, a batch small enough to wait).
    void finishLoading();

    /// The runner's signals, for the batch shown (connect the runner of that batch).
    void jobStarted(const jobpool::BatchJob &job);
    void jobFinished(const jobpool::BatchJob &job);
    /// The runner's jobPauseChanged(): a paused job shows as Paused, its duration stopped.
    void setJobPaused(qint64 seq, bool paused);
    bool isPaused(int row) const;
    /// Reads these jobs again (after Retry or Cancel changed them in the store).
    void reloadJobs(const QList<qint64> &seqs);
    /// Reads the whole batch again, a page at a time like showBatch(), then changes the
    /// rows in place (a view keeps its selection); jobs added since are appended.
    void reload();

    /// Jobs per state in the whole batch, as the store counts them.
    StateCounts counts() const { return m_counts; }
    /// The last StoreError's message; empty when the last operation went well.
    QString errorString() const { return m_error; }

    qint64 seqAt(int row) const;
    /// -1 when no row holds \a seq (yet).
    int rowOf(qint64 seq) const;
    JobState stateAt(int row) const;
    /// The job as the store has it: inputs, last attempt, log paths. Empty on error.
    std::optional<JobRecord> record(int row);
    /// The argv the job runs (ran) with: the batch's template expanded for it.
    std::optional<QList<QByteArray>> command(int row);

    /// For JobsFilterModel: no QVariant, no formatting, no SQL. \a foldedNeedle is UTF-8
    /// with ASCII letters in lower case; matching ignores the case of ASCII letters.
    bool inputContains(int row, QByteArrayView foldedNeedle) const;
    /// <0, 0 or >0 as \a left sorts before, with or after \a right by \a column.
    int compareRows(int left, int right, int column) const;

    /// "Queued", "Running", "Done", "Failed", "Interrupted", "Cancelled" (skipped).
    static QString stateText(JobState state);
    /// "12 ms", "4.2 s", "3:07", "1:02:03".
    static QString formatDuration(qint64 us);

    /// Without QAbstractTableModel's virtual rowCount()/columnCount() calls: a proxy sorting
    /// a million rows asks for forty million indexes.
    QModelIndex index(int row, int column, const QModelIndex &parent = {}) const override;
    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

signals:
    void countsChanged();
    /// A StoreError (or a malformed template) stopped something; the message names the file.
    void errorOccurred(const QString &message);
    /// Every job of the batch is in the model.
    void loaded();

private:
    /// What a row keeps: about 72 bytes, plus its input's bytes in m_inputs.
    struct Row
    {
        qint64 seq = 0;
        qint64 startedAtMs = 0;
        qint64 wallUs = 0;
        qint64 cpuUs = 0;
        qint64 inputOffset = 0; ///< into m_inputs: the inputs joined by spaces
        qint32 inputLength = 0;
        qint32 workerPid = 0;
        qint32 slot = 0;
        qint32 exitCode = 0; ///< when HasExit
        quint32 peakRssKiB = 0;
        quint16 attempts = 0;
        quint8 state = 0;
        quint8 signal = 0;
        quint8 flags = 0;
    };
    enum RowFlag : quint8 { HasExit = 1, TimedOut = 2, StartError = 4 };

    void clear();
    bool loadSlice(qint64 budgetMs);
    void appendRows(std::vector<Row>::const_iterator begin, std::vector<Row>::const_iterator end);
    void finishRefresh();
    /// \a existing: the row it replaces, whose input bytes it keeps.
    Row rowFrom(const JobRecord &record, const Row *existing = nullptr);
    void applyResult(Row &row, const BatchJob &job) const;
    Row *pendingRow(qint64 seq);
    void applyPending();
    void emitChangedRows(std::vector<int> rows, int firstColumn, int lastColumn);
    void tick();
    void updateTimer();
    void refreshCounts();
    void fail(const QString &message);
    QByteArrayView inputOf(const Row &row) const;
    QString displayText(const Row &row, int column) const;
    QVariant sortValue(const Row &row, int column) const;
    const std::optional<JobRecord> &cachedRecord(int row) const;
    qint64 durationUs(const Row &row) const;
    QString exitText(const Row &row) const;

    JobStore *m_store = nullptr;
    qint64 m_batch = 0;
    std::vector<Row> m_rows;
    std::vector<Row> m_staged; ///< a reload()'s rows, read while the view shows m_rows
    bool m_refreshing = false;
    QByteArray m_inputs;
    StateCounts m_counts;
    QString m_error;
    std::map<int, Row> m_pending; ///< row → its state after the changes not applied yet
    std::set<int> m_running;      ///< rows whose Duration ticks
    struct Pause
    {
        qint64 sinceMs = 0; ///< paused now since then; 0: running again
        qint64 totalMs = 0; ///< earlier pauses of this attempt
    };
    std::map<qint64, Pause> m_paused;              ///< by seq: running jobs that were paused
    mutable std::optional<JobRecord> m_lastRecord; ///< a view asks once per role
    std::optional<CommandTemplate> m_command;      ///< parsed when first needed
    qint64 m_nowMs = 0; ///< what running jobs' durations count to: one clock per tick
    QTimer m_loadTimer;
    QTimer m_applyTimer;
    bool m_countsStale = false;
};

} // namespace jobpool
