// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QTreeView>

class QSortFilterProxyModel;

namespace jobpool {
class ProcessesModel;
}

namespace jobpool::widgets {

/// The processes table: jobpool::ProcessesModel through a sorting proxy that sorts by the
/// raw numbers (Qt::UserRole), so that "9.5 MiB" comes before "12.3 MiB". Column widths,
/// order, hidden columns and the sort column survive a restart through saveState() and
/// restoreState().
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

    QByteArray saveState() const;
    /// False, leaving the view as it was, when \a state is not one saveState() made.
    bool restoreState(const QByteArray &state);

signals:
    /// A row was double-clicked (or Enter pressed) while its worker ran job \a seq.
    void jobActivated(qint64 seq);

private:
    jobpool::ProcessesModel *m_source = nullptr;
    QSortFilterProxyModel *m_proxy = nullptr;
};

} // namespace jobpool::widgets
