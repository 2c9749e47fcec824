// SPDX-License-Identifier: GPL-3.0-or-later
#include "mainwindow.h"

#include "cpuchart.h"
#include "jobsview.h"
#include "logview.h"
#include "newbatchdialog.h"
#include "processesview.h"
#include "throughputchart.h"
#include "timelinechart.h"

#include <jobpool/appsettings.h>
#include <jobpool/jobsmodel.h>
#include <jobpool/processesmodel.h>
#include <jobpool/version.h>

#include <QAction>
#include <QActionGroup>
#include <QApplication>
#include <QComboBox>
#include <QDockWidget>
#include <QFile>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QMenuBar>
#include <QMessageBox>
#include <QPushButton>
#include <QSpinBox>
#include <QStatusBar>
#include <QStyle>
#include <QSystemTrayIcon>
#include <QThread>
#include <QToolBar>
#include <QToolButton>
#include <QVBoxLayout>

namespace jobpool::widgets {
namespace {

constexpr int kProcessRefreshMs = 500;
constexpr int kChartSampleMs = 1000;

QString id(const char *name)
{
    return QString::fromLatin1(name);
}

} // namespace

MainWindow::MainWindow(BatchSession &session, AppSettings &settings, QWidget *parent)
    : QMainWindow(parent)
    , m_session(session)
    , m_settings(settings)
{
    setObjectName(id("MainWindow"));
    setWindowIcon(QIcon(QStringLiteral(":/icons/jobpool.svg")));
    setAcceptDrops(true);
    setDockNestingEnabled(true);
    resize(1200, 760);

    createViews();
    createActions();
    createDocks();
    createMenus();
    createToolBar();
    createStatusBar();
    retranslate();
    restoreLayout();

    connect(&m_session, &BatchSession::jobStarted, this, &MainWindow::onJobStarted);
    connect(&m_session, &BatchSession::jobFinished, this, &MainWindow::onJobFinished);
    connect(&m_session, &BatchSession::batchStarted, this, [this](qint64 batch) {
        m_batchClock.start();
        showBatch(batch);
        m_finishedAtStart = m_jobsModel->counts().done + m_jobsModel->counts().failed;
        refreshBatches();
    });
    connect(&m_session, &BatchSession::batchFinished, this, &MainWindow::onBatchFinished);
    connect(&m_session, &BatchSession::stateChanged, this, &MainWindow::updateControls);
    connect(&m_session, &BatchSession::jobsChanged, this,
            [this](qint64 batch, const QList<qint64> &seqs) {
                if (batch == m_jobsModel->batch())
                    m_jobsModel->reloadJobs(seqs);
            });
    connect(&m_session, &BatchSession::jobPauseChanged, this,
            [this](qint64 batch, qint64 seq, bool paused) {
                if (batch == m_jobsModel->batch())
                    m_jobsModel->setJobPaused(seq, paused);
            });
    connect(&m_session, &BatchSession::errorOccurred, this,
            [this](const QString &message) { QMessageBox::warning(this, tr("JobPool"), message); });
    connect(m_jobsModel, &JobsModel::countsChanged, this, &MainWindow::updateStatus);
    connect(m_jobsModel, &JobsModel::errorOccurred, this,
            [this](const QString &message) { statusBar()->showMessage(message, 10000); });

    m_processTimer.setInterval(kProcessRefreshMs);
    connect(&m_processTimer, &QTimer::timeout, this, &MainWindow::refreshProcesses);
    m_processTimer.start();
    m_chartTimer.setInterval(kChartSampleMs);
    connect(&m_chartTimer, &QTimer::timeout, this, &MainWindow::sampleCharts);
    m_chartTimer.start();
    m_cpu.sample(); // the first sample is since boot: not shown

    refreshBatches();
    if (m_session.runningBatch())
        showBatch(m_session.runningBatch());
    else if (m_batches->count() > 0)
        showBatch(m_batches->item(0)->data(Qt::UserRole).toLongLong());
    showInterrupted();
    updateControls();
}

MainWindow::~MainWindow() = default;

void MainWindow::createViews()
{
    m_jobsModel = new JobsModel(this);
    m_jobsModel->setStore(&m_session.store());
    m_processesModel = new ProcessesModel(this);
    m_processesModel->setJobLabel([this](qint64 seq) {
        const int row = m_jobsModel->rowOf(seq);
        return row < 0 ? QString::number(seq)
                       : QStringLiteral("#%1 %2").arg(seq).arg(
                           m_jobsModel->index(row, JobsModel::InputColumn).data().toString());
    });

    auto *central = new QWidget(this);
    auto *layout = new QVBoxLayout(central);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);

    m_interruptedBar = new QFrame(central);
    m_interruptedBar->setObjectName(id("interruptedBar"));
    m_interruptedBar->setFrameShape(QFrame::StyledPanel);
    m_interruptedBar->setStyleSheet(
        QStringLiteral("#interruptedBar { background: #fff4ce; border: 1px solid #e0c060; }"));
    auto *barLayout = new QHBoxLayout(m_interruptedBar);
    m_interruptedText = new QLabel(m_interruptedBar);
    m_interruptedText->setWordWrap(true);
    auto *resume = new QPushButton(tr("Resume"), m_interruptedBar);
    resume->setObjectName(id("resumeInterrupted"));
    auto *dismiss = new QPushButton(tr("Dismiss"), m_interruptedBar);
    auto *warning = new QLabel(m_interruptedBar);
    warning->setPixmap(style()->standardIcon(QStyle::SP_MessageBoxWarning).pixmap(22));
    barLayout->addWidget(warning);
    barLayout->addWidget(m_interruptedText, 1);
    barLayout->addWidget(resume);
    barLayout->addWidget(dismiss);
    connect(resume, &QPushButton::clicked, this, [this] {
        if (m_interruptedBatch)
            m_session.resumeBatch(std::exchange(m_interruptedBatch, 0));
        showInterrupted();
    });
    connect(dismiss, &QPushButton::clicked, m_interruptedBar, &QWidget::hide);
    layout->addWidget(m_interruptedBar);

    m_dropHint = new QLabel(central);
    m_dropHint->setObjectName(id("dropHint"));
    m_dropHint->setAlignment(Qt::AlignCenter);
    m_dropHint->setStyleSheet(
        QStringLiteral("color: palette(mid); font-size: 15pt; padding: 40px;"));
    layout->addWidget(m_dropHint);

    m_jobsView = new JobsView(m_jobsModel, central);
    layout->addWidget(m_jobsView, 1);
    setCentralWidget(central);

    connect(m_jobsView, &JobsView::retryRequested, this,
            [this](const QList<qint64> &seqs) { m_session.retry(m_jobsModel->batch(), seqs); });
    connect(m_jobsView, &JobsView::cancelRequested, this,
            [this](const QList<qint64> &seqs) { m_session.cancel(m_jobsModel->batch(), seqs); });
    connect(m_jobsView, &JobsView::pauseRequested, this,
            [this](const QList<qint64> &seqs, bool paused) {
                pauseJobs(m_jobsModel->batch(), seqs, paused);
            });
    connect(m_jobsView, &JobsView::openLogRequested, this, &MainWindow::showLog);
    connect(m_jobsView, &JobsView::currentJobChanged, this, &MainWindow::showLog);

    m_logView = new LogView(this);
    m_processesView = new ProcessesView(m_processesModel, this);
    m_processesView->setJobPausedQuery(
        [this](qint64 seq) { return m_session.isJobPaused(m_session.runningBatch(), seq); });
    connect(m_processesView, &ProcessesView::pauseRequested, this, [this](qint64 seq, bool paused) {
        pauseJobs(m_session.runningBatch(), {seq}, paused);
    });
    m_cpuChart = new CpuChart(this);
    m_throughput = new ThroughputChart(this);
    m_timeline = new TimelineChart(this);
    connect(m_timeline, &TimelineChart::jobClicked, m_jobsView, &JobsView::selectJob);
    m_batches = new QListWidget(this);
    m_batches->setObjectName(id("batches"));
    connect(m_batches, &QListWidget::itemActivated, this,
            [this](QListWidgetItem *item) { showBatch(item->data(Qt::UserRole).toLongLong()); });
    connect(m_batches, &QListWidget::itemClicked, this,
            [this](QListWidgetItem *item) { showBatch(item->data(Qt::UserRole).toLongLong()); });
}

QDockWidget *MainWindow::addDock(QWidget *view, const char *name, Qt::DockWidgetArea area)
{
    auto *dock = new QDockWidget(this);
    dock->setObjectName(id(name));
    dock->setWidget(view);
    addDockWidget(area, dock);
    m_docks.append(dock);
    return dock;
}

void MainWindow::createDocks()
{
    addDock(m_batches, "batchesDock", Qt::LeftDockWidgetArea);
    addDock(m_processesView, "processesDock", Qt::BottomDockWidgetArea);
    QDockWidget *log = addDock(m_logView, "logDock", Qt::BottomDockWidgetArea);
    QDockWidget *cpu = addDock(m_cpuChart, "cpuDock", Qt::RightDockWidgetArea);
    QDockWidget *throughput = addDock(m_throughput, "throughputDock", Qt::RightDockWidgetArea);
    QDockWidget *timeline = addDock(m_timeline, "timelineDock", Qt::RightDockWidgetArea);
    tabifyDockWidget(log, m_docks[1]);
    m_docks[1]->raise();
    splitDockWidget(cpu, throughput, Qt::Vertical);
    splitDockWidget(throughput, timeline, Qt::Vertical);
    resizeDocks({cpu, m_docks[0]}, {380, 170}, Qt::Horizontal);
    resizeDocks({m_docks[1]}, {170}, Qt::Vertical);
}

void MainWindow::createActions()
{
    auto action = [this](const char *name, QStyle::StandardPixmap icon, auto slot) {
        auto *a = new QAction(style()->standardIcon(icon), QString(), this);
        a->setObjectName(id(name));
        connect(a, &QAction::triggered, this, slot);
        return a;
    };
    m_newBatch =
        action("actionNewBatch", QStyle::SP_FileDialogNewFolder, [this] { openNewBatch({}); });
    m_newBatch->setShortcut(QKeySequence::New);
    m_addFiles = action("actionAddFiles", QStyle::SP_FileIcon, [this] {
        QList<QByteArray> paths;
        for (const QString &f : QFileDialog::getOpenFileNames(this, tr("Add Files")))
            paths.append(QFile::encodeName(f));
        if (!paths.isEmpty())
            openNewBatch(paths);
    });
    m_addFiles->setShortcut(QKeySequence::Open);
    m_addFolder = action("actionAddFolder", QStyle::SP_DirIcon, [this] {
        const QString dir = QFileDialog::getExistingDirectory(this, tr("Add Folder"));
        if (!dir.isEmpty())
            openNewBatch({QFile::encodeName(dir)});
    });
    m_quit = action("actionQuit", QStyle::SP_DialogCloseButton, [this] { close(); });
    m_quit->setShortcut(QKeySequence::Quit);
    m_start = action("actionStart", QStyle::SP_MediaPlay, [this] { m_session.start(); });
    m_pause = action("actionPause", QStyle::SP_MediaPause, [this](bool paused) {
        if (paused)
            m_session.pause();
        else
            m_session.resume();
    });
    m_pause->setCheckable(true);
    m_stop = action("actionStop", QStyle::SP_MediaStop,
                    [this] { m_session.stop(BatchRunner::Stop::Soon); });
    m_stopNow = action("actionStopNow", QStyle::SP_BrowserStop,
                       [this] { m_session.stop(BatchRunner::Stop::Terminate); });
    m_retryFailed = action("actionRetryFailed", QStyle::SP_BrowserReload, [this] {
        if (const qint64 batch = m_jobsModel->batch())
            m_session.retryFailed(batch);
    });
    m_about = action("actionAbout", QStyle::SP_MessageBoxInformation, [this] {
        QMessageBox::about(this, tr("About JobPool"),
                           tr("<b>JobPool %1</b><p>A job-pool manager for the desktop.</p>"
                              "<p>Licensed under the GNU GPL, version 3 or later.</p>")
                               .arg(libraryVersion()));
    });
}

void MainWindow::createMenus()
{
    QMenu *file = menuBar()->addMenu(QString());
    file->setObjectName(id("menuFile"));
    file->addActions({m_newBatch, m_addFiles, m_addFolder});
    file->addSeparator();
    file->addAction(m_quit);

    QMenu *batch = menuBar()->addMenu(QString());
    batch->setObjectName(id("menuBatch"));
    batch->addActions({m_start, m_pause, m_stop, m_stopNow});
    batch->addSeparator();
    batch->addAction(m_retryFailed);

    QMenu *view = menuBar()->addMenu(QString());
    view->setObjectName(id("menuView"));
    for (QDockWidget *dock : std::as_const(m_docks))
        view->addAction(dock->toggleViewAction());
    view->addSeparator();
    QMenu *language = view->addMenu(QString());
    language->setObjectName(id("menuLanguage"));
    auto *languages = new QActionGroup(this);
    const QString current = m_settings.language();
    const std::pair<const char *, QString> choices[] = {
        {"", QString()}, {"en", QStringLiteral("English")}, {"zh_CN", QStringLiteral("简体中文")}};
    for (const auto &[code, name] : choices) {
        QAction *a = language->addAction(name);
        a->setObjectName(QStringLiteral("actionLanguage_") + QString::fromLatin1(code));
        a->setCheckable(true);
        a->setChecked(current == QString::fromLatin1(code));
        a->setData(QString::fromLatin1(code));
        languages->addAction(a);
        connect(a, &QAction::triggered, this, [this, a] {
            m_settings.setLanguage(a->data().toString());
            statusBar()->showMessage(tr("The language changes the next time JobPool starts."),
                                     8000);
        });
    }

    QMenu *help = menuBar()->addMenu(QString());
    help->setObjectName(id("menuHelp"));
    help->addAction(m_about);
}

void MainWindow::createToolBar()
{
    QToolBar *bar = addToolBar(QString());
    bar->setObjectName(id("mainToolBar"));
    bar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    bar->addAction(m_newBatch);
    bar->addSeparator();
    bar->addActions({m_start, m_pause});
    auto *stop = new QToolButton(bar);
    stop->setDefaultAction(m_stop);
    stop->setPopupMode(QToolButton::MenuButtonPopup);
    stop->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    auto *stopMenu = new QMenu(stop);
    stopMenu->addActions({m_stop, m_stopNow});
    stop->setMenu(stopMenu);
    bar->addWidget(stop);
    bar->addAction(m_retryFailed);
    bar->addSeparator();

    auto *poolLabel = new QLabel(bar);
    poolLabel->setObjectName(id("poolSizeLabel"));
    bar->addWidget(poolLabel);
    m_poolSize = new QSpinBox(bar);
    m_poolSize->setObjectName(id("poolSize"));
    m_poolSize->setRange(1, 256);
    const int saved = m_settings.poolSize();
    m_poolSize->setValue(saved > 0 ? saved : std::max(1, QThread::idealThreadCount()));
    m_session.setPoolSize(m_poolSize->value());
    connect(m_poolSize, &QSpinBox::valueChanged, this, [this](int size) {
        m_session.setPoolSize(size);
        m_settings.setPoolSize(size);
    });
    bar->addWidget(m_poolSize);
    auto *memoryLabel = new QLabel(bar);
    memoryLabel->setObjectName(id("maxWorkerMemoryLabel"));
    bar->addWidget(memoryLabel);
    auto *memory = new QSpinBox(bar);
    memory->setObjectName(id("maxWorkerMemory"));
    memory->setRange(0, 1 << 20); // MiB; 0: no limit
    memory->setSingleStep(256);
    memory->setValue(m_settings.maxWorkerMemoryMiB());
    m_session.setMaxWorkerMemory(qint64(memory->value()) * 1024 * 1024);
    connect(memory, &QSpinBox::valueChanged, this, [this](int mib) {
        m_session.setMaxWorkerMemory(qint64(mib) * 1024 * 1024);
        m_settings.setMaxWorkerMemoryMiB(mib);
    });
    bar->addWidget(memory);
    bar->addSeparator();
    auto *whenLabel = new QLabel(bar);
    whenLabel->setObjectName(id("whenDoneLabel"));
    bar->addWidget(whenLabel);
    m_whenDone = new QComboBox(bar);
    m_whenDone->setObjectName(id("whenDone"));
    m_whenDone->addItems({QString(), QString(), QString()});
    m_whenDone->setCurrentIndex(int(m_settings.whenDone()));
    connect(m_whenDone, &QComboBox::currentIndexChanged, this,
            [this](int index) { m_settings.setWhenDone(AppSettings::WhenDone(index)); });
    bar->addWidget(m_whenDone);

    if (QSystemTrayIcon::isSystemTrayAvailable()) {
        m_tray = new QSystemTrayIcon(windowIcon(), this);
        m_tray->setObjectName(id("tray"));
        m_tray->show();
        connect(m_tray, &QSystemTrayIcon::activated, this, [this] {
            showNormal();
            activateWindow();
        });
    }
}

void MainWindow::createStatusBar()
{
    auto label = [this](const char *name) {
        auto *l = new QLabel(statusBar());
        l->setObjectName(id(name));
        statusBar()->addPermanentWidget(l);
        return l;
    };
    m_progressLabel = label("progressLabel");
    m_failedLabel = label("failedLabel");
    m_rateLabel = label("rateLabel");
    m_etaLabel = label("etaLabel");
}

void MainWindow::retranslate()
{
    menuBar()->findChild<QMenu *>(id("menuFile"))->setTitle(tr("&File"));
    menuBar()->findChild<QMenu *>(id("menuBatch"))->setTitle(tr("&Batch"));
    menuBar()->findChild<QMenu *>(id("menuView"))->setTitle(tr("&View"));
    menuBar()->findChild<QMenu *>(id("menuLanguage"))->setTitle(tr("&Language"));
    menuBar()->findChild<QMenu *>(id("menuHelp"))->setTitle(tr("&Help"));
    findChild<QAction *>(id("actionLanguage_"))->setText(tr("System Default"));
    m_newBatch->setText(tr("&New Batch…"));
    m_newBatch->setToolTip(tr("Choose files and what to run on each"));
    m_addFiles->setText(tr("Add &Files…"));
    m_addFolder->setText(tr("Add F&older…"));
    m_quit->setText(tr("&Quit"));
    m_start->setText(tr("&Start"));
    m_start->setToolTip(tr("Start the next waiting batch"));
    m_pause->setText(tr("&Pause"));
    m_pause->setToolTip(tr("Start no new jobs; the running ones go on"));
    m_stop->setText(tr("S&top"));
    m_stop->setToolTip(tr("Start no new jobs and end the batch once the running ones finish"));
    m_stopNow->setText(tr("Stop &Now"));
    m_stopNow->setToolTip(tr("Stop the running jobs too (they can be resumed later)"));
    m_retryFailed->setText(tr("&Retry Failed"));
    m_retryFailed->setToolTip(tr("Run the failed jobs of this batch again"));
    m_about->setText(tr("&About JobPool"));
    findChild<QToolBar *>(id("mainToolBar"))->setWindowTitle(tr("Toolbar"));
    findChild<QLabel *>(id("poolSizeLabel"))->setText(tr("Jobs at once:") + u' ');
    m_poolSize->setToolTip(tr("How many jobs run at the same time; applied at once"));
    findChild<QLabel *>(id("maxWorkerMemoryLabel"))
        ->setText(u' ' + tr("Worker memory limit:") + u' ');
    auto *memory = findChild<QSpinBox *>(id("maxWorkerMemory"));
    memory->setSpecialValueText(tr("No limit"));
    memory->setSuffix(tr(" MiB"));
    memory->setToolTip(tr("A worker whose own memory grows past this after a job is replaced "
                          "by a new one before its next job; applies to the batches started "
                          "from now on"));
    findChild<QLabel *>(id("whenDoneLabel"))->setText(u' ' + tr("When done:") + u' ');
    m_whenDone->setItemText(0, tr("Do nothing"));
    m_whenDone->setItemText(1, tr("Notify me"));
    m_whenDone->setItemText(2, tr("Quit JobPool"));
    m_dropHint->setText(tr("Drop files or folders here to start a batch"));
    const char *titles[] = {QT_TR_NOOP("Batches"),    QT_TR_NOOP("Processes"),
                            QT_TR_NOOP("Log"),        QT_TR_NOOP("CPU Cores"),
                            QT_TR_NOOP("Throughput"), QT_TR_NOOP("Timeline")};
    for (int i = 0; i < m_docks.size(); ++i)
        m_docks[i]->setWindowTitle(tr(titles[i]));
    updateStatus();
}

void MainWindow::restoreLayout()
{
    restoreGeometry(m_settings.windowGeometry());
    restoreState(m_settings.windowState());
    m_jobsView->restoreState(m_settings.headerState(id("jobs")));
    m_processesView->restoreState(m_settings.headerState(id("processes")));
}

void MainWindow::saveLayout()
{
    m_settings.setWindowGeometry(saveGeometry());
    m_settings.setWindowState(saveState());
    m_settings.setHeaderState(id("jobs"), m_jobsView->saveState());
    m_settings.setHeaderState(id("processes"), m_processesView->saveState());
    m_settings.sync();
}

} // namespace jobpool::widgets
