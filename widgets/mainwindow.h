// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "newbatchdialog.h"

#include <jobpool/batchsession.h>
#include <jobpool/procstat.h>

#include <QElapsedTimer>
#include <QMainWindow>
#include <QPointer>
#include <QTimer>

class QActionGroup;
class QComboBox;
class QDockWidget;
class QFrame;
class QLabel;
class QListWidget;
class QListWidgetItem;
class QSpinBox;
class QSystemTrayIcon;
class QToolButton;

namespace jobpool {
class AppSettings;
class JobsModel;
class ProcessesModel;
} // namespace jobpool

namespace jobpool::widgets {

class CpuChart;
class JobsView;
class LogView;
class ProcessesView;
class ThroughputChart;
class TimelineChart;

/// The JobPool main window: the jobs table in the middle, docks around it (batches,
/// processes, CPU, throughput, timeline, log), the controls in a toolbar. It arranges
/// views and forwards what the user does to the BatchSession; the views' data come from
/// JobPool::Core's models.
class MainWindow final : public QMainWindow
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(MainWindow)

public:
    MainWindow(BatchSession &session, AppSettings &settings, QWidget *parent = nullptr);
    ~MainWindow() override;

    /// Opens the New Batch dialog on these files and folders (a drop, File ▸ Add, the
    /// command line, or a second `jobpool FILE…`); into the open dialog if there is one.
    void openNewBatch(const QList<QByteArray> &paths);
    NewBatchDialog *newBatchDialog() const { return m_dialog; }

    /// The batch the jobs table shows.
    qint64 shownBatch() const;
    void showBatch(qint64 batch);

    /// Pauses or resumes these jobs of \a batch (the jobs and processes views' menus); what
    /// could not be done goes to the status bar.
    void pauseJobs(qint64 batch, const QList<qint64> &seqs, bool paused);

    JobsModel *jobsModel() const { return m_jobsModel; }
    ProcessesModel *processesModel() const { return m_processesModel; }

signals:
    /// "When done: quit" was chosen and the last batch ended.
    void quitRequested();
    /// "When done: notify me": the tray message (when there is a tray) and this signal.
    void notificationShown(const QString &title, const QString &message);

protected:
    void dragEnterEvent(QDragEnterEvent *event) override;
    void dropEvent(QDropEvent *event) override;
    void closeEvent(QCloseEvent *event) override;
    void changeEvent(QEvent *event) override;

private:
    void createViews();
    void createDocks();
    void createActions();
    void createMenus();
    void createToolBar();
    void createStatusBar();
    void retranslate();
    void restoreLayout();
    void saveLayout();
    void startDialogBatch();
    void updateControls();
    void updateStatus();
    void refreshBatches();
    /// The batches list's line of \a batch, or nullptr.
    QListWidgetItem *batchItem(qint64 batch) const;
    void refreshProcesses();
    void sampleCharts();
    void onJobStarted(qint64 batch, const BatchJob &job);
    void onJobFinished(qint64 batch, const BatchJob &job);
    void onBatchFinished(qint64 batch, BatchState state);
    void showLog(qint64 seq);
    void showInterrupted();
    void notify(const QString &title, const QString &message);
    QDockWidget *addDock(QWidget *view, const char *name, Qt::DockWidgetArea area);

    BatchSession &m_session;
    AppSettings &m_settings;
    JobsModel *m_jobsModel = nullptr;
    ProcessesModel *m_processesModel = nullptr;
    CpuUsageSampler m_cpu;
    JobsView *m_jobsView = nullptr;
    LogView *m_logView = nullptr;
    ProcessesView *m_processesView = nullptr;
    CpuChart *m_cpuChart = nullptr;
    ThroughputChart *m_throughput = nullptr;
    TimelineChart *m_timeline = nullptr;
    QListWidget *m_batches = nullptr;
    QFrame *m_interruptedBar = nullptr;
    QLabel *m_interruptedText = nullptr;
    QLabel *m_dropHint = nullptr;
    QPointer<NewBatchDialog> m_dialog;
    QList<QDockWidget *> m_docks;

    QAction *m_newBatch = nullptr;
    QAction *m_addFiles = nullptr;
    QAction *m_addFolder = nullptr;
    QAction *m_quit = nullptr;
    QAction *m_start = nullptr;
    QAction *m_pause = nullptr;
    QAction *m_stop = nullptr;
    QAction *m_stopNow = nullptr;
    QAction *m_retryFailed = nullptr;
    QAction *m_about = nullptr;
    QSpinBox *m_poolSize = nullptr;
    QComboBox *m_whenDone = nullptr;
    QSystemTrayIcon *m_tray = nullptr;

    QLabel *m_progressLabel = nullptr;
    QLabel *m_failedLabel = nullptr;
    QLabel *m_rateLabel = nullptr;
    QLabel *m_etaLabel = nullptr;

    QTimer m_processTimer; ///< the processes view, twice a second
    QTimer m_chartTimer;   ///< CPU and throughput samples, once a second
    QElapsedTimer m_batchClock;
    qint64 m_finishedAtStart = 0;
    qint64 m_interruptedBatch = 0;
    qint64 m_logSeq = 0; ///< the job the log view shows
};

} // namespace jobpool::widgets
