// SPDX-License-Identifier: GPL-3.0-or-later
#include <jobpool/jobsfiltermodel.h>
#include <jobpool/jobsmodel.h>

namespace jobpool {

JobsFilterModel::JobsFilterModel(QObject *parent)
    : QSortFilterProxyModel(parent)
{
    setSortRole(JobsModel::SortRole);
    setDynamicSortFilter(true);
}

JobsFilterModel::~JobsFilterModel() = default;

void JobsFilterModel::setSourceModel(QAbstractItemModel *model)
{
    m_jobs = qobject_cast<JobsModel *>(model);
    QSortFilterProxyModel::setSourceModel(model);
}

void JobsFilterModel::sort(int column, Qt::SortOrder order)
{
    // Descending stays a real sort: rows inserted into an unsorted proxy go in ascending
    // source order.
    const bool sourceOrder =
        m_jobs && column == JobsModel::SeqColumn && order == Qt::AscendingOrder;
    QSortFilterProxyModel::sort(sourceOrder ? -1 : column, order);
}

void JobsFilterModel::setStateGroup(JobStateGroup group)
{
    if (group == m_group)
        return;
    m_group = group;
    invalidate();
}

void JobsFilterModel::setTextFilter(const QString &text)
{
    if (text == m_text)
        return;
    m_text = text;
    m_needle = text.toUtf8();
    for (char &c : m_needle) {
        if (c >= 'A' && c <= 'Z')
            c = char(c + ('a' - 'A'));
    }
    invalidate();
}

bool JobsFilterModel::contains(JobStateGroup group, JobState state)
{
    switch (group) {
    case JobStateGroup::All:
        return true;
    case JobStateGroup::Queued:
        return state == JobState::Pending || state == JobState::Interrupted;
    case JobStateGroup::Running:
        return state == JobState::Running;
    case JobStateGroup::Done:
        return state == JobState::Done;
    case JobStateGroup::Failed:
        return state == JobState::Failed;
    case JobStateGroup::Cancelled:
        return state == JobState::Skipped;
    }
    return false;
}

qint64 JobsFilterModel::count(const StateCounts &counts, JobStateGroup group)
{
    switch (group) {
    case JobStateGroup::All:
        return counts.total();
    case JobStateGroup::Queued:
        return counts.pending + counts.interrupted;
    case JobStateGroup::Running:
        return counts.running;
    case JobStateGroup::Done:
        return counts.done;
    case JobStateGroup::Failed:
        return counts.failed;
    case JobStateGroup::Cancelled:
        return counts.skipped;
    }
    return 0;
}

QString JobsFilterModel::groupName(JobStateGroup group)
{
    switch (group) {
    case JobStateGroup::All:
        return tr("All");
    case JobStateGroup::Queued:
        return tr("Queued");
    case JobStateGroup::Running:
        return tr("Running");
    case JobStateGroup::Done:
        return tr("Done");
    case JobStateGroup::Failed:
        return tr("Failed");
    case JobStateGroup::Cancelled:
        return tr("Cancelled");
    }
    return {};
}

bool JobsFilterModel::filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const
{
    if (m_jobs) {
        return contains(m_group, m_jobs->stateAt(sourceRow))
               && m_jobs->inputContains(sourceRow, m_needle);
    }
    const QAbstractItemModel *model = sourceModel();
    const QModelIndex input = model->index(sourceRow, JobsModel::InputColumn, sourceParent);
    return contains(m_group, JobState(input.data(JobsModel::StateRole).toInt()))
           && (m_text.isEmpty() || input.data().toString().contains(m_text, Qt::CaseInsensitive));
}

bool JobsFilterModel::lessThan(const QModelIndex &left, const QModelIndex &right) const
{
    if (m_jobs)
        return m_jobs->compareRows(left.row(), right.row(), left.column()) < 0;
    return QSortFilterProxyModel::lessThan(left, right);
}

} // namespace jobpool
