// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <jobpool/jobstore.h>

#include <QByteArray>
#include <QSortFilterProxyModel>
#include <QString>

namespace jobpool {

class JobsModel;

/// The state groups the Jobs view filters by. Queued is pending and interrupted (a resume
/// runs both); Cancelled is skipped.
enum class JobStateGroup { All, Queued, Running, Done, Failed, Cancelled };

/// Sorting and filtering of a JobsModel that stay fast at a million rows: rows are kept or
/// dropped by their state group and by text in their input (case-insensitive for ASCII
/// letters), and compared by the raw numbers, all read straight from the model's compact
/// rows (no QVariant, no string building, no SQL). A filter change rebuilds the mapping in
/// one pass (invalidate()) rather than removing rows one interval at a time, which would
/// take quadratic time when the dropped rows are scattered.
///
/// \code
/// jobpool::JobsFilterModel filter;
/// filter.setSourceModel(&jobsModel);
/// filter.setStateGroup(jobpool::JobStateGroup::Failed);
/// filter.setTextFilter(u"photos/2023"_s);
/// tableView->setModel(&filter);
/// \endcode
///
/// Over another model it falls back to JobsModel's roles (StateRole, SortRole).
class JobsFilterModel final : public QSortFilterProxyModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(JobsFilterModel)

public:
    explicit JobsFilterModel(QObject *parent = nullptr);
    ~JobsFilterModel() override;

    void setSourceModel(QAbstractItemModel *model) override;
    /// Sorting by # in ascending order is the source's own order: the proxy keeps it
    /// without comparing anything (sortColumn() is -1 then). A stable sort of a million
    /// rows costs a quarter of a second even when they are in order already, and every
    /// filter change sorts again.
    void sort(int column, Qt::SortOrder order = Qt::AscendingOrder) override;

    void setStateGroup(JobStateGroup group);
    JobStateGroup stateGroup() const { return m_group; }
    void setTextFilter(const QString &text);
    QString textFilter() const { return m_text; }

    static bool contains(JobStateGroup group, JobState state);
    static qint64 count(const StateCounts &counts, JobStateGroup group);
    /// "All", "Queued", "Running", "Done", "Failed", "Cancelled".
    static QString groupName(JobStateGroup group);

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;
    bool lessThan(const QModelIndex &left, const QModelIndex &right) const override;

private:
    JobsModel *m_jobs = nullptr; ///< the source, when it is a JobsModel
    JobStateGroup m_group = JobStateGroup::All;
    QString m_text;
    QByteArray m_needle; ///< m_text in UTF-8, ASCII letters in lower case
};

} // namespace jobpool
