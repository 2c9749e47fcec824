// SPDX-License-Identifier: GPL-3.0-or-later
#include "processesview.h"

#include <jobpool/processesmodel.h>

#include <QDataStream>
#include <QHeaderView>
#include <QIODevice>
#include <QSortFilterProxyModel>

namespace jobpool::widgets {
namespace {

constexpr quint32 StateMagic = 0x4a505056; // "JPPV"
constexpr quint32 StateVersion = 1;

} // namespace

ProcessesView::ProcessesView(QWidget *parent)
    : QTreeView(parent)
    , m_proxy(new QSortFilterProxyModel(this))
{
    setObjectName(QStringLiteral("processesView"));
    m_proxy->setObjectName(QStringLiteral("processesProxy"));
    m_proxy->setSortRole(ProcessesModel::SortRole);
    m_proxy->setDynamicSortFilter(true);
    QTreeView::setModel(m_proxy);

    setRootIsDecorated(false);
    setUniformRowHeights(true); // rows are laid out without asking every one
    setAlternatingRowColors(true);
    setSelectionBehavior(QAbstractItemView::SelectRows);
    setSelectionMode(QAbstractItemView::SingleSelection);
    setAllColumnsShowFocus(true);
    setSortingEnabled(true);
    sortByColumn(ProcessesModel::PidColumn, Qt::AscendingOrder);
    header()->setStretchLastSection(false);
    header()->setSectionsMovable(true);

    connect(this, &QAbstractItemView::activated, this, [this](const QModelIndex &index) {
        if (const qint64 seq = index.data(ProcessesModel::JobSeqRole).toLongLong())
            emit jobActivated(seq);
    });
}

ProcessesView::ProcessesView(ProcessesModel *model, QWidget *parent)
    : ProcessesView(parent)
{
    setProcessesModel(model);
}

ProcessesView::~ProcessesView() = default;

void ProcessesView::setProcessesModel(ProcessesModel *model)
{
    m_source = model;
    m_proxy->setSourceModel(model);
    if (model) {
        header()->setSectionResizeMode(ProcessesModel::CommandColumn, QHeaderView::Stretch);
        header()->resizeSection(ProcessesModel::JobColumn, 160);
    }
}

QByteArray ProcessesView::saveState() const
{
    QByteArray state;
    QDataStream out(&state, QIODevice::WriteOnly);
    out.setVersion(QDataStream::Qt_6_4);
    out << StateMagic << StateVersion << header()->saveState();
    return state;
}

bool ProcessesView::restoreState(const QByteArray &state)
{
    QDataStream in(state);
    in.setVersion(QDataStream::Qt_6_4);
    quint32 magic = 0;
    quint32 version = 0;
    QByteArray headerState;
    in >> magic >> version >> headerState;
    if (in.status() != QDataStream::Ok || magic != StateMagic || version != StateVersion)
        return false;
    if (!header()->restoreState(headerState))
        return false;
    sortByColumn(header()->sortIndicatorSection(), header()->sortIndicatorOrder());
    return true;
}

} // namespace jobpool::widgets
