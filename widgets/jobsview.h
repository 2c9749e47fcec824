// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QList>
#include <QTimer>
#include <QWidget>

class QAction;
class QLabel;
class QLineEdit;
class QListWidget;
class QMenu;
class QSplitter;
class QTableView;

namespace jobpool {
class JobsFilterModel;
class JobsModel;
} // namespace jobpool

namespace jobpool::widgets {

class JobStateDelegate;

/// The Jobs view: a sidebar of state groups with live counts ("Failed (3)") and a search
/// field, beside a table of the batch's jobs (JobsModel through a JobsFilterModel). Its
/// context menu asks for Retry, Cancel or a job's log through signals; the window that
/// owns the runner acts on them.
///
/// \code
/// auto *jobs = new jobpool::widgets::JobsView(jobsModel, this);
/// connect(jobs, &JobsView::cancelRequested, this, [this](const QList<qint64> &seqs) {
///     session.cancel(jobsModel->batch(), seqs);
/// });
/// connect(jobs, &JobsView::currentJobChanged, this, &MainWindow::showLog);
/// \endcode
class JobsView final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(JobsView)

public:
    explicit JobsView(JobsModel *model, QWidget *parent = nullptr);
    ~JobsView() override;

    JobsModel *model() const { return m_model; }
    JobsFilterModel *filterModel() const { return m_filter; }
    QTableView *tableView() const { return m_table; }

    /// Seqs of the selected jobs, ascending.
    QList<qint64> selectedSeqs() const;
    /// The seq of the current row, 0 when there is none.
    qint64 currentSeq() const;

    /// Column layout, sort order, sidebar width and state group, for the next session.
    QByteArray saveState() const;
    bool restoreState(const QByteArray &state);

public slots:
    /// Scrolls to job \a seq and selects it (showing all jobs if the filter hides it).
    /// False when the model has no such job (yet).
    bool selectJob(qint64 seq);

signals:
    void retryRequested(const QList<qint64> &seqs);
    void cancelRequested(const QList<qint64> &seqs);
    /// Pause (true) or resume (false) the selected running jobs.
    void pauseRequested(const QList<qint64> &seqs, bool paused);
    void openLogRequested(qint64 seq);
    void currentJobChanged(qint64 seq);

private:
    QWidget *createSidebar();
    void createTable();
    void createActions();
    void updateCounts();
    void updateActions();
    void showMenu(const QPoint &pos);
    void pauseSelected(bool paused);
    int sourceRow(int proxyRow) const;
    QList<int> selectedSourceRows() const;
    QList<qint64> seqsIn(const QList<int> &rows, bool (*wanted)(int state)) const;
    void retry();
    void cancel();
    void openLog();
    void reveal();
    void copyCommand();

    JobsModel *m_model = nullptr;
    JobsFilterModel *m_filter = nullptr;
    JobStateDelegate *m_states = nullptr;
    QSplitter *m_splitter = nullptr;
    QListWidget *m_groups = nullptr;
    QLineEdit *m_search = nullptr;
    QLabel *m_error = nullptr;
    QTableView *m_table = nullptr;
    QMenu *m_menu = nullptr;
    QAction *m_openLog = nullptr;
    QAction *m_retry = nullptr;
    QAction *m_cancel = nullptr;
    QAction *m_pause = nullptr;
    QAction *m_resume = nullptr;
    QAction *m_reveal = nullptr;
    QAction *m_copyCommand = nullptr;
    QTimer m_searchDelay; ///< one filter pass per pause in typing, not per key
};

} // namespace jobpool::widgets
