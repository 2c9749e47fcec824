// SPDX-License-Identifier: GPL-3.0-or-later
#include "jobsview.h"

#include "jobstatedelegate.h"

#include <jobpool/commandtemplate.h>
#include <jobpool/jobsfiltermodel.h>
#include <jobpool/jobsmodel.h>

#include <QAction>
#include <QClipboard>
#include <QDataStream>
#include <QDesktopServices>
#include <QFileInfo>
#include <QGuiApplication>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QLocale>
#include <QMenu>
#include <QSplitter>
#include <QTableView>
#include <QUrl>
#include <QVBoxLayout>

#include <algorithm>

namespace jobpool::widgets {
namespace {

constexpr quint32 kStateMagic = 0x4a6f6256; // "JobV"
constexpr quint32 kStateVersion = 1;
constexpr int kSearchDelayMs = 200;
/// Copy Command reads each job from the store; past this many it would take seconds.
constexpr int kMaxCopiedCommands = 10'000;

constexpr JobStateGroup kGroups[] = {JobStateGroup::All,     JobStateGroup::Queued,
                                     JobStateGroup::Running, JobStateGroup::Done,
                                     JobStateGroup::Failed,  JobStateGroup::Cancelled};

bool retryable(int state)
{
    const auto s = JobState(state);
    return s == JobState::Failed || s == JobState::Interrupted || s == JobState::Skipped;
}

bool cancellable(int state)
{
    const auto s = JobState(state);
    return s == JobState::Pending || s == JobState::Running || s == JobState::Interrupted;
}

} // namespace

JobsView::JobsView(JobsModel *model, QWidget *parent)
    : QWidget(parent)
    , m_model(model)
    , m_filter(new JobsFilterModel(this))
    , m_states(new JobStateDelegate(this))
{
    m_filter->setSourceModel(model);
    m_splitter = new QSplitter(Qt::Horizontal, this);
    m_splitter->setObjectName(QStringLiteral("jobsSplitter"));
    m_splitter->setChildrenCollapsible(false);
    m_splitter->addWidget(createSidebar());

    auto *main = new QWidget(m_splitter);
    auto *mainLayout = new QVBoxLayout(main);
    mainLayout->setContentsMargins(0, 0, 0, 0);
    mainLayout->setSpacing(4);
    m_error = new QLabel(main);
    m_error->setObjectName(QStringLiteral("jobsError"));
    m_error->setWordWrap(true);
    m_error->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_error->setStyleSheet(QStringLiteral("QLabel { color: #b3261e; padding: 4px; }"));
    m_error->hide();
    mainLayout->addWidget(m_error);
    createTable();
    mainLayout->addWidget(m_table, 1);
    m_splitter->addWidget(main);
    m_splitter->setStretchFactor(1, 1);
    m_splitter->setSizes({fontMetrics().horizontalAdvance(QLatin1Char('x')) * 22, 800});

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_splitter);
    createActions();

    connect(m_model, &JobsModel::countsChanged, this, &JobsView::updateCounts);
    connect(m_model, &JobsModel::errorOccurred, this, [this](const QString &message) {
        m_error->setText(tr("The job store could not be read: %1").arg(message));
        m_error->show();
    });
    connect(m_model, &QAbstractItemModel::modelReset, this, [this] {
        m_error->setVisible(!m_model->errorString().isEmpty());
        updateActions();
    });
    m_searchDelay.setSingleShot(true);
    m_searchDelay.setInterval(kSearchDelayMs);
    connect(&m_searchDelay, &QTimer::timeout, this,
            [this] { m_filter->setTextFilter(m_search->text()); });
    updateCounts();
    updateActions();
}

JobsView::~JobsView() = default;

QWidget *JobsView::createSidebar()
{
    auto *sidebar = new QWidget(this);
    auto *layout = new QVBoxLayout(sidebar);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(4);
    m_search = new QLineEdit(sidebar);
    m_search->setObjectName(QStringLiteral("jobSearch"));
    m_search->setPlaceholderText(tr("Filter inputs"));
    m_search->setClearButtonEnabled(true);
    m_search->setToolTip(tr("Shows the jobs whose input contains this text"));
    connect(m_search, &QLineEdit::textChanged, this, [this] { m_searchDelay.start(); });
    connect(m_search, &QLineEdit::returnPressed, this, [this] {
        m_searchDelay.stop();
        m_filter->setTextFilter(m_search->text());
    });
    layout->addWidget(m_search);

    m_groups = new QListWidget(sidebar);
    m_groups->setObjectName(QStringLiteral("stateGroups"));
    m_groups->setSelectionMode(QAbstractItemView::SingleSelection);
    m_groups->setFrameShape(QFrame::NoFrame);
    m_groups->setIconSize(QSize(16, 16));
    for (JobStateGroup group : kGroups) {
        auto *item = new QListWidgetItem(JobsFilterModel::groupName(group), m_groups);
        item->setData(Qt::UserRole, int(group));
        switch (group) {
        case JobStateGroup::All:
            break;
        case JobStateGroup::Queued:
            item->setIcon(m_states->icon(JobState::Pending));
            break;
        case JobStateGroup::Running:
            item->setIcon(m_states->icon(JobState::Running));
            break;
        case JobStateGroup::Done:
            item->setIcon(m_states->icon(JobState::Done));
            break;
        case JobStateGroup::Failed:
            item->setIcon(m_states->icon(JobState::Failed));
            break;
        case JobStateGroup::Cancelled:
            item->setIcon(m_states->icon(JobState::Skipped));
            break;
        }
    }
    m_groups->setCurrentRow(0);
    connect(m_groups, &QListWidget::currentRowChanged, this, [this](int row) {
        if (row >= 0)
            m_filter->setStateGroup(kGroups[row]);
    });
    layout->addWidget(m_groups, 1);
    return sidebar;
}

void JobsView::createTable()
{
    m_table = new QTableView(this);
    m_table->setObjectName(QStringLiteral("jobsTable"));
    m_table->setModel(m_filter);
    m_table->setItemDelegateForColumn(JobsModel::StateColumn, m_states);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_table->setContextMenuPolicy(Qt::CustomContextMenu);
    m_table->setWordWrap(false);
    m_table->setTextElideMode(Qt::ElideMiddle); // inputs are mostly paths
    m_table->setShowGrid(false);
    m_table->setAlternatingRowColors(true);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setCornerButtonEnabled(false);
    // Every row the same height, never measured: a million rows cost nothing to lay out.
    QHeaderView *rows = m_table->verticalHeader();
    rows->hide();
    rows->setSectionResizeMode(QHeaderView::Fixed);
    rows->setDefaultSectionSize(fontMetrics().height() + 6);

    QHeaderView *columns = m_table->horizontalHeader();
    columns->setSectionsMovable(true);
    columns->setHighlightSections(false);
    columns->setStretchLastSection(false);
    columns->setDefaultAlignment(Qt::AlignLeft | Qt::AlignVCenter);
    const auto width = [this](const QString &sample) {
        return fontMetrics().horizontalAdvance(sample) + 24;
    };
    columns->resizeSection(JobsModel::SeqColumn, width(QStringLiteral("0000000")));
    columns->resizeSection(JobsModel::InputColumn, width(QString(36, QLatin1Char('x'))));
    columns->resizeSection(JobsModel::StateColumn, width(QStringLiteral("Interrupted")) + 20);
    columns->resizeSection(JobsModel::WorkerColumn, width(QStringLiteral("0000000")));
    columns->resizeSection(JobsModel::StartedColumn, width(QStringLiteral("00:00:00")));
    columns->resizeSection(JobsModel::DurationColumn, width(QStringLiteral("00:00:00")));
    columns->resizeSection(JobsModel::ExitColumn, width(QStringLiteral("SIGSEGV")));
    columns->resizeSection(JobsModel::CpuColumn, width(QStringLiteral("00:00:00")));
    columns->resizeSection(JobsModel::RssColumn, width(QStringLiteral("000.0 MiB")));

    m_table->setSortingEnabled(true);
    m_table->sortByColumn(JobsModel::SeqColumn, Qt::AscendingOrder);

    connect(m_table, &QWidget::customContextMenuRequested, this, &JobsView::showMenu);
    connect(m_table, &QAbstractItemView::activated, this, [this] { openLog(); });
    connect(m_table->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &JobsView::updateActions);
    connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this, [this] {
        updateActions();
        emit currentJobChanged(currentSeq());
    });
}

void JobsView::createActions()
{
    const auto make = [this](const char *name, const QString &text) {
        auto *action = new QAction(text, this);
        action->setObjectName(QLatin1String(name));
        m_table->addAction(action);
        return action;
    };
    m_openLog = make("actionOpenLog", tr("Open &Log"));
    m_retry = make("actionRetry", tr("&Retry"));
    m_cancel = make("actionCancel", tr("&Cancel"));
    m_pause = make("actionPauseJob", tr("&Pause"));
    m_resume = make("actionResumeJob", tr("Res&ume"));
    m_reveal = make("actionRevealInFileManager", tr("Reveal in File &Manager"));
    m_copyCommand = make("actionCopyCommand", tr("Copy C&ommand"));
    m_openLog->setToolTip(tr("Shows the job's output in the log view"));
    m_retry->setToolTip(tr("Runs the selected failed, interrupted or cancelled jobs again"));
    m_cancel->setToolTip(tr("Stops the selected running jobs; queued ones will not start"));
    m_pause->setToolTip(tr("Stops the selected running jobs where they are, to go on later; "
                           "the rest of the batch goes on"));
    m_resume->setToolTip(tr("Lets the selected paused jobs go on"));
    m_reveal->setToolTip(tr("Opens the folder that holds the job's log files"));
    m_copyCommand->setToolTip(tr("Copies the selected jobs' commands, one per line"));
    m_copyCommand->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_C));
    m_copyCommand->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    connect(m_openLog, &QAction::triggered, this, &JobsView::openLog);
    connect(m_retry, &QAction::triggered, this, &JobsView::retry);
    connect(m_cancel, &QAction::triggered, this, &JobsView::cancel);
    connect(m_pause, &QAction::triggered, this, [this] { pauseSelected(true); });
    connect(m_resume, &QAction::triggered, this, [this] { pauseSelected(false); });
    connect(m_reveal, &QAction::triggered, this, &JobsView::reveal);
    connect(m_copyCommand, &QAction::triggered, this, &JobsView::copyCommand);

    m_menu = new QMenu(this);
    m_menu->setObjectName(QStringLiteral("jobsMenu"));
    m_menu->addAction(m_openLog);
    m_menu->addSeparator();
    m_menu->addAction(m_pause);
    m_menu->addAction(m_resume);
    m_menu->addAction(m_retry);
    m_menu->addAction(m_cancel);
    m_menu->addSeparator();
    m_menu->addAction(m_reveal);
    m_menu->addAction(m_copyCommand);
}

void JobsView::updateCounts()
{
    const bool shown = m_model->batch() != 0;
    const StateCounts counts = m_model->counts();
    const QLocale locale;
    for (int row = 0; row < m_groups->count(); ++row) {
        const JobStateGroup group = kGroups[row];
        const QString name = JobsFilterModel::groupName(group);
        m_groups->item(row)->setText(
            shown ? tr("%1 (%2)").arg(name, locale.toString(JobsFilterModel::count(counts, group)))
                  : name);
    }
}

void JobsView::updateActions()
{
    const QItemSelection selection = m_table->selectionModel()->selection();
    bool anyRetry = false;
    bool anyCancel = false;
    bool anyPaused = false;
    bool anyRunning = false;
    // Looks at rows until it knows every answer: cheap even with everything selected.
    for (const QItemSelectionRange &range : selection) {
        for (int row = range.top();
             row <= range.bottom() && !(anyRetry && anyCancel && anyPaused && anyRunning); ++row) {
            const int source = sourceRow(row);
            const int state = int(m_model->stateAt(source));
            anyRetry = anyRetry || retryable(state);
            anyCancel = anyCancel || cancellable(state);
            const bool paused = m_model->isPaused(source);
            anyPaused = anyPaused || paused;
            anyRunning = anyRunning || (JobState(state) == JobState::Running && !paused);
        }
    }
    m_pause->setEnabled(anyRunning);
    m_resume->setEnabled(anyPaused);
    const qint64 current = currentSeq();
    const bool started =
        current != 0 && m_model->stateAt(m_model->rowOf(current)) != JobState::Pending;
    m_openLog->setEnabled(started);
    m_reveal->setEnabled(started);
    m_retry->setEnabled(anyRetry);
    m_cancel->setEnabled(anyCancel);
    m_copyCommand->setEnabled(!selection.isEmpty());
}

void JobsView::showMenu(const QPoint &pos)
{
    updateActions();
    m_menu->popup(m_table->viewport()->mapToGlobal(pos));
}

int JobsView::sourceRow(int proxyRow) const
{
    return m_filter->mapToSource(m_filter->index(proxyRow, 0)).row();
}

QList<int> JobsView::selectedSourceRows() const
{
    QList<int> rows;
    for (const QItemSelectionRange &range : m_table->selectionModel()->selection()) {
        for (int row = range.top(); row <= range.bottom(); ++row)
            rows.append(sourceRow(row));
    }
    std::sort(rows.begin(), rows.end()); // source rows are in seq order
    rows.erase(std::unique(rows.begin(), rows.end()), rows.end());
    return rows;
}

QList<qint64> JobsView::seqsIn(const QList<int> &rows, bool (*wanted)(int state)) const
{
    QList<qint64> seqs;
    for (int row : rows) {
        if (!wanted || wanted(int(m_model->stateAt(row))))
            seqs.append(m_model->seqAt(row));
    }
    return seqs;
}

QList<qint64> JobsView::selectedSeqs() const
{
    return seqsIn(selectedSourceRows(), nullptr);
}

qint64 JobsView::currentSeq() const
{
    const QModelIndex current = m_table->selectionModel()->currentIndex();
    return current.isValid() ? m_model->seqAt(sourceRow(current.row())) : 0;
}

bool JobsView::selectJob(qint64 seq)
{
    const int row = m_model->rowOf(seq);
    if (row < 0)
        return false;
    QModelIndex index = m_filter->mapFromSource(m_model->index(row, 0));
    if (!index.isValid()) { // filtered out: show everything rather than nothing
        m_search->clear();
        m_searchDelay.stop();
        m_filter->setTextFilter({});
        m_groups->setCurrentRow(0);
        index = m_filter->mapFromSource(m_model->index(row, 0));
    }
    m_table->selectionModel()->setCurrentIndex(index, QItemSelectionModel::ClearAndSelect
                                                          | QItemSelectionModel::Rows);
    m_table->scrollTo(index, QAbstractItemView::PositionAtCenter);
    return true;
}

void JobsView::retry()
{
    const QList<qint64> seqs = seqsIn(selectedSourceRows(), retryable);
    if (!seqs.isEmpty())
        emit retryRequested(seqs);
}

void JobsView::pauseSelected(bool paused)
{
    QList<qint64> seqs;
    for (const int row : selectedSourceRows()) {
        if (m_model->stateAt(row) == JobState::Running && m_model->isPaused(row) != paused)
            seqs.append(m_model->seqAt(row));
    }
    if (!seqs.isEmpty())
        emit pauseRequested(seqs, paused);
}

void JobsView::cancel()
{
    const QList<qint64> seqs = seqsIn(selectedSourceRows(), cancellable);
    if (!seqs.isEmpty())
        emit cancelRequested(seqs);
}

void JobsView::openLog()
{
    if (const qint64 seq = currentSeq())
        emit openLogRequested(seq);
}

void JobsView::reveal()
{
    const int row = m_model->rowOf(currentSeq());
    if (row < 0)
        return;
    QByteArray path = m_model->index(row, 0).data(JobsModel::StdoutPathRole).toByteArray();
    if (path.isEmpty())
        path = m_model->index(row, 0).data(JobsModel::StderrPathRole).toByteArray();
    if (path.isEmpty())
        return;
    QDesktopServices::openUrl(QUrl::fromLocalFile(QFileInfo(QFile::decodeName(path)).path()));
}

void JobsView::copyCommand()
{
    QList<int> rows = selectedSourceRows();
    if (rows.size() > kMaxCopiedCommands)
        rows.resize(kMaxCopiedCommands);
    QByteArrayList lines;
    for (int row : std::as_const(rows)) {
        // displayCommand: valid shell, and valid text even for bytes that are not UTF-8.
        if (const std::optional<QList<QByteArray>> argv = m_model->command(row))
            lines.append(CommandTemplate::displayCommand(*argv));
    }
    if (!lines.isEmpty()) // no newline after the last: pasted, it does not run at once
        QGuiApplication::clipboard()->setText(QString::fromUtf8(lines.join('\n')));
}

QByteArray JobsView::saveState() const
{
    QByteArray state;
    QDataStream out(&state, QIODevice::WriteOnly);
    out.setVersion(QDataStream::Qt_6_4);
    out << kStateMagic << kStateVersion << m_table->horizontalHeader()->saveState()
        << m_splitter->saveState() << qint32(m_groups->currentRow());
    return state;
}

bool JobsView::restoreState(const QByteArray &state)
{
    QDataStream in(state);
    in.setVersion(QDataStream::Qt_6_4);
    quint32 magic = 0;
    quint32 version = 0;
    QByteArray header;
    QByteArray splitter;
    qint32 group = 0;
    in >> magic >> version >> header >> splitter >> group;
    if (in.status() != QDataStream::Ok || magic != kStateMagic || version != kStateVersion)
        return false;
    if (!m_table->horizontalHeader()->restoreState(header))
        return false;
    m_splitter->restoreState(splitter);
    if (group >= 0 && group < m_groups->count())
        m_groups->setCurrentRow(group);
    return true;
}

} // namespace jobpool::widgets
