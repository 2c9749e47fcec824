// SPDX-License-Identifier: GPL-3.0-or-later
#include "processesview.h"

#include <jobpool/processesmodel.h>

#include <QDataStream>
#include <QHeaderView>
#include <QIODevice>
#include <QLabel>
#include <QMenu>
#include <QSortFilterProxyModel>

namespace jobpool::widgets {
namespace {

constexpr quint32 StateMagic = 0x4a505056; // "JPPV"
constexpr quint32 StateVersion = 1;

} // namespace

ProcessesView::ProcessesView(QWidget *parent)
    : QTreeView(parent)
    , m_proxy(new QSortFilterProxyModel(this))
    , m_summary(new QLabel(this))
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

    m_menu = new QMenu(this);
    m_menu->setObjectName(QStringLiteral("processesMenu"));
    m_pause = m_menu->addAction(tr("&Pause Job"));
    m_pause->setObjectName(QStringLiteral("actionPauseProcessJob"));
    m_resume = m_menu->addAction(tr("Res&ume Job"));
    m_resume->setObjectName(QStringLiteral("actionResumeProcessJob"));
    connect(m_pause, &QAction::triggered, this, [this] { emit pauseRequested(m_menuSeq, true); });
    connect(m_resume, &QAction::triggered, this, [this] { emit pauseRequested(m_menuSeq, false); });
    setContextMenuPolicy(Qt::CustomContextMenu);
    connect(this, &QWidget::customContextMenuRequested, this, [this](const QPoint &pos) {
        menuFor(indexAt(pos))->popup(viewport()->mapToGlobal(pos));
    });

    m_summary->setObjectName(QStringLiteral("processesSummary"));
    m_summary->setContentsMargins(4, 2, 4, 2);
    m_summary->hide();
}

ProcessesView::ProcessesView(ProcessesModel *model, QWidget *parent)
    : ProcessesView(parent)
{
    setProcessesModel(model);
}

ProcessesView::~ProcessesView() = default;

QMenu *ProcessesView::menuFor(const QModelIndex &index)
{
    m_menuSeq = index.isValid() ? index.data(ProcessesModel::JobSeqRole).toLongLong() : 0;
    const bool paused = m_menuSeq != 0 && m_isPaused && m_isPaused(m_menuSeq);
    m_pause->setEnabled(m_menuSeq != 0 && !paused);
    m_resume->setEnabled(paused);
    return m_menu;
}

void ProcessesView::setProcessesModel(ProcessesModel *model)
{
    disconnect(m_summaryConnection);
    m_source = model;
    m_proxy->setSourceModel(model);
    if (model) {
        header()->setSectionResizeMode(ProcessesModel::CommandColumn, QHeaderView::Stretch);
        header()->resizeSection(ProcessesModel::JobColumn, 160);
        m_summaryConnection =
            connect(model, &ProcessesModel::summaryChanged, this, &ProcessesView::updateSummary);
    }
    updateSummary();
}

void ProcessesView::updateSummary()
{
    const QString text = m_source ? m_source->summary() : QString();
    m_summary->setText(text);
    m_summary->setToolTip(m_source ? m_source->summaryToolTip() : QString());
    m_summary->setVisible(!text.isEmpty());
    const int height = text.isEmpty() ? 0 : m_summary->sizeHint().height();
    if (height != m_summaryHeight) {
        m_summaryHeight = height;
        updateGeometries();
    }
}

void ProcessesView::updateGeometries()
{
    // QTreeView sets the viewport's margins to make room for its header above the rows;
    // the summary takes a strip below them (above the horizontal scroll bar). Changing the
    // margins resizes the viewport, which comes back here: by then they are right, and
    // QTreeView sizes its scroll bars for the rows' real height.
    QTreeView::updateGeometries();
    QMargins margins = viewportMargins();
    if (margins.bottom() != m_summaryHeight) {
        margins.setBottom(m_summaryHeight);
        setViewportMargins(margins);
    }
    if (m_summaryHeight > 0) {
        const QRect rows = viewport()->geometry();
        m_summary->setGeometry(rows.left(), rows.bottom() + 1, rows.width(), m_summaryHeight);
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
