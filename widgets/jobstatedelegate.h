// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <jobpool/jobstore.h>

#include <QIcon>
#include <QStyledItemDelegate>

#include <array>

namespace jobpool::widgets {

/// Paints a job's state icon before its text (JobsModel::StateRole). The icons differ in
/// shape as well as colour: an empty ring (queued), a play mark (running), a tick (done),
/// a cross (failed), two bars (interrupted) and a dash (cancelled).
///
/// \code
/// auto *states = new JobStateDelegate(table);
/// table->setItemDelegateForColumn(jobpool::JobsModel::StateColumn, states);
/// item->setIcon(states->icon(jobpool::JobState::Failed));
/// \endcode
class JobStateDelegate final : public QStyledItemDelegate
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(JobStateDelegate)

public:
    explicit JobStateDelegate(QObject *parent = nullptr);
    ~JobStateDelegate() override;

    QIcon icon(JobState state) const;

protected:
    void initStyleOption(QStyleOptionViewItem *option, const QModelIndex &index) const override;

private:
    std::array<QIcon, 6> m_icons; ///< by JobState
};

} // namespace jobpool::widgets
