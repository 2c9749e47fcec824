// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QTreeView>

#include <functional>

class QAction;
class QLabel;
class QMenu;
class QSortFilterProxyModel;

namespace jobpool {
class ProcessesModel;
}

namespace jobpool::widgets {

/// The processes table: jobpool::ProcessesModel through a sorting proxy that sorts by the
/// raw numbers (Qt::UserRole), so that "9.5 MiB" comes before "12.3 MiB". Column widths,
/// order, hidden columns and the sort column survive a restart through saveState() and
/// restoreState(). Under the table, a line shows the model's summary() (workers replaced
/// for their memory) while it has one.
///
/// \code
/// auto *view = new jobpool::widgets::ProcessesView;
/// view->setProcessesModel(model);
/// view->restoreState(settings.value("processesView").toByteArray());
/// \endcode
class ProcessesView final : public QTreeView
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ProcessesView)

public:
    explicit ProcessesView(QWidget *parent = nullptr);
    /// The same, then setProcessesModel(\a model).
    explicit ProcessesView(jobpool::ProcessesModel *model, QWidget *parent = nullptr);
    ~ProcessesView() override;

    void setProcessesModel(jobpool::ProcessesModel *model);
    jobpool::ProcessesModel *processesModel() const { return m_source; }
    QSortFilterProxyModel *proxyModel() const { return m_proxy; }

    /// The line under the table (hidden while the model's summary() is empty).
    QLabel *summaryLabel() const { return m_summary; }

    /// Says whether job \a seq is paused, for the context menu's Pause and Resume.
    void setJobPausedQuery(std::function<bool(qint64 seq)> query) { m_isPaused = std::move(query); }
    /// The context menu, set up for the row at \a index (for tests; shown on a right click).
    QMenu *menuFor(const QModelIndex &index);

    QByteArray saveState() const;
    /// False, leaving the view as it was, when \a state is not one saveState() made.
    bool restoreState(const QByteArray &state);

signals:
    /// A row was double-clicked (or Enter pressed) while its worker ran job \a seq.
    void jobActivated(qint64 seq);
    /// Pause (true) or resume (false) job \a seq, which a worker runs (the context menu).
    void pauseRequested(qint64 seq, bool paused);

protected:
    void updateGeometries() override;

private:
    void updateSummary();

    jobpool::ProcessesModel *m_source = nullptr;
    QSortFilterProxyModel *m_proxy = nullptr;
    QLabel *m_summary = nullptr;
    int m_summaryHeight = 0; ///< the strip below the rows that the summary takes
    QMetaObject::Connection m_summaryConnection;
    std::function<bool(qint64)> m_isPaused;
    QMenu *m_menu = nullptr;
    QAction *m_pause = nullptr;
    QAction *m_resume = nullptr;
    qint64 m_menuSeq = 0; ///< the job the menu acts on
};

} // namespace jobpool::widgets
