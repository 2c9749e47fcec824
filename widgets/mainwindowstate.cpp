// SPDX-License-Identifier: GPL-3.0-or-later
// The main window's behaviour: batches started from the dialog, what the views and the
// status bar show as the session runs, drops, and closing.
#include "cpuchart.h"
#include "jobsview.h"
#include "logview.h"
#include "mainwindow.h"
#include "newbatchdialog.h"
#include "throughputchart.h"
#include "timelinechart.h"

#include <jobpool/appsettings.h>
#include <jobpool/jobsmodel.h>
#include <jobpool/processesmodel.h>

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QDateTime>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFile>
#include <QLabel>
#include <QListWidget>
#include <QLocale>
#include <QMessageBox>
#include <QMimeData>
#include <QSpinBox>
#include <QStatusBar>
#include <QSystemTrayIcon>

namespace jobpool::widgets {
namespace {

QString batchStateText(BatchState state)
{
    switch (state) {
    case BatchState::Running:
        return MainWindow::tr("running");
    case BatchState::Finished:
        return MainWindow::tr("finished");
    case BatchState::Halted:
        return MainWindow::tr("halted");
    case BatchState::Stopped:
        return MainWindow::tr("stopped");
    case BatchState::Interrupted:
        return MainWindow::tr("interrupted");
    }
    return {};
}

QString batchItemText(qint64 id, const QString &name, const QString &state, qint64 done,
                      qint64 total)
{
    const QLocale locale;
    return MainWindow::tr("#%1 %2\n%3 · %4 of %5 done")
        .arg(id)
        .arg(name, state, locale.toString(done), locale.toString(total));
}

QString formatEta(qint64 seconds)
{
    return QStringLiteral("%1:%2:%3")
        .arg(seconds / 3600)
        .arg(seconds / 60 % 60, 2, 10, QLatin1Char('0'))
        .arg(seconds % 60, 2, 10, QLatin1Char('0'));
}

} // namespace

void MainWindow::openNewBatch(const QList<QByteArray> &paths)
{
    if (m_dialog) {
        m_dialog->addPaths(paths);
        m_dialog->raise();
        m_dialog->activateWindow();
        return;
    }
    m_dialog = new NewBatchDialog(paths, m_settings, this);
    m_dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(m_dialog, &QDialog::accepted, this, &MainWindow::startDialogBatch);
    m_dialog->open();
}

void MainWindow::startDialogBatch()
{
    if (!m_dialog)
        return;
    m_poolSize->setValue(m_dialog->poolSize()); // applies it to the session too
    try {
        const qint64 batch = m_session.submit(m_dialog->batch());
        if (m_session.runningBatch() != batch)
            statusBar()->showMessage(
                tr("Batch %1 waits until the running batch is done.").arg(batch), 8000);
        refreshBatches();
    } catch (const std::exception &e) {
        QMessageBox::warning(this, tr("New Batch"),
                             tr("The batch cannot start: %1").arg(QString::fromUtf8(e.what())));
    }
}

qint64 MainWindow::shownBatch() const
{
    return m_jobsModel->batch();
}

void MainWindow::showBatch(qint64 batch)
{
    if (batch != m_jobsModel->batch()) {
        m_jobsModel->showBatch(batch);
        m_timeline->clear();
    }
    if (QListWidgetItem *item = batchItem(batch))
        m_batches->setCurrentItem(item);
    updateControls();
}

QListWidgetItem *MainWindow::batchItem(qint64 batch) const
{
    for (int i = 0; i < m_batches->count(); ++i) {
        if (m_batches->item(i)->data(Qt::UserRole).toLongLong() == batch)
            return m_batches->item(i);
    }
    return nullptr;
}

void MainWindow::refreshBatches()
{
    const qint64 current = m_jobsModel->batch();
    m_batches->clear();
    QList<BatchRecord> batches;
    try {
        batches = m_session.store().batches();
    } catch (const std::exception &e) {
        statusBar()->showMessage(QString::fromUtf8(e.what()), 10000);
    }
    std::reverse(batches.begin(), batches.end()); // newest first
    const QList<qint64> waitingBatches = m_session.waitingBatches();
    for (const BatchRecord &b : std::as_const(batches)) {
        const QString name =
            b.name.isEmpty() ? QString::fromUtf8(b.templateArgv.join(' ')) : b.name;
        const bool waiting = waitingBatches.contains(b.id);
        const QString state = waiting ? tr("waiting") : batchStateText(b.state);
        auto *item = new QListWidgetItem(
            batchItemText(b.id, name, state, b.counts.done, b.counts.total()), m_batches);
        item->setData(Qt::UserRole, b.id);
        item->setData(Qt::UserRole + 1, name);
        item->setToolTip(QDateTime::fromMSecsSinceEpoch(b.createdAtMs).toString());
        if (b.id == current)
            m_batches->setCurrentItem(item);
    }
}

void MainWindow::updateControls()
{
    const BatchSession::State state = m_session.state();
    const bool running =
        state == BatchSession::State::Running || state == BatchSession::State::Paused;
    m_start->setEnabled(state == BatchSession::State::Idle
                        && !m_session.waitingBatches().isEmpty());
    m_pause->setEnabled(running);
    m_pause->setChecked(state == BatchSession::State::Paused);
    m_stop->setEnabled(running);
    m_stopNow->setEnabled(running || state == BatchSession::State::Stopping);
    const bool empty = m_jobsModel->batch() == 0;
    m_dropHint->setVisible(empty);
    m_jobsView->setVisible(!empty);
    updateStatus();
}

void MainWindow::updateStatus()
{
    const StateCounts c = m_jobsModel->counts();
    const QLocale locale;
    const qint64 finished = c.done + c.failed + c.skipped;
    const bool active =
        m_session.runningBatch() != 0 && m_session.runningBatch() == m_jobsModel->batch();
    m_retryFailed->setEnabled(m_jobsModel->batch() != 0 && c.failed > 0);
    if (m_jobsModel->batch() == 0) {
        m_progressLabel->clear();
        m_failedLabel->clear();
        m_rateLabel->clear();
        m_etaLabel->clear();
        setWindowTitle(tr("JobPool"));
        return;
    }
    m_progressLabel->setText(
        tr("%1 / %2 done").arg(locale.toString(c.done + c.failed), locale.toString(c.total())));
    m_failedLabel->setText(c.failed ? tr("%n failed", nullptr, int(c.failed)) : QString());
    m_failedLabel->setStyleSheet(c.failed ? QStringLiteral("color: #b00020") : QString());
    const double seconds = m_batchClock.isValid() ? m_batchClock.elapsed() / 1000.0 : 0;
    const double rate =
        active && seconds > 0.5 ? double(c.done + c.failed - m_finishedAtStart) / seconds : 0.0;
    m_rateLabel->setText(active ? tr("%1 jobs/s").arg(locale.toString(rate, 'f', 1)) : QString());
    const qint64 left = c.pending + c.running + c.interrupted;
    m_etaLabel->setText(active && rate > 0 ? tr("ETA %1").arg(formatEta(qint64(left / rate)))
                                           : QString());
    const int percent = c.total() > 0 ? int(finished * 100 / c.total()) : 0;
    setWindowTitle(active ? tr("%1% – JobPool").arg(percent) : tr("JobPool"));
}

void MainWindow::refreshProcesses()
{
    m_processesModel->update(m_session.workers());
    m_processesModel->setPoolStats(m_session.poolStats());
}

void MainWindow::sampleCharts()
{
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    if (const std::optional<CpuUsageSampler::Usage> usage = m_cpu.sample())
        m_cpuChart->addSample(now, usage->perCore, usage->average);
    const StateCounts c = m_jobsModel->counts();
    if (m_session.runningBatch() != 0) {
        m_throughput->addSample(now, c.done + c.failed + c.skipped, c.pending + c.interrupted);
        // The running batch's line in the batches list, from the model's counts (no query).
        QListWidgetItem *item = m_session.runningBatch() == m_jobsModel->batch()
                                    ? batchItem(m_jobsModel->batch())
                                    : nullptr;
        if (item)
            item->setText(batchItemText(m_jobsModel->batch(),
                                        item->data(Qt::UserRole + 1).toString(),
                                        batchStateText(BatchState::Running), c.done, c.total()));
    }
    updateStatus();
}

void MainWindow::onJobStarted(qint64 batch, const BatchJob &job)
{
    if (batch != m_jobsModel->batch())
        return;
    m_jobsModel->jobStarted(job);
    m_timeline->jobStarted(job.slot, job.seq, job.launchedAtMs);
}

void MainWindow::onJobFinished(qint64 batch, const BatchJob &job)
{
    if (batch != m_jobsModel->batch())
        return;
    m_jobsModel->jobFinished(job);
    if (job.seq == m_logSeq)
        m_logView->setRunning(false); // its logs are complete
    const qint64 start = job.result.startedAtMs ? job.result.startedAtMs : job.launchedAtMs;
    const qint64 end =
        job.result.endedAtMs ? job.result.endedAtMs : QDateTime::currentMSecsSinceEpoch();
    m_timeline->jobFinished(job.slot, job.seq, start, end, job.outcome == BatchJob::Outcome::Done);
}

void MainWindow::onBatchFinished(qint64 batch, BatchState state)
{
    refreshBatches();
    if (batch == m_jobsModel->batch())
        m_jobsModel->reload();
    updateControls();
    const std::optional<BatchRecord> record = m_session.store().batch(batch);
    const StateCounts c = record ? record->counts : StateCounts{};
    const QString title = c.failed ? tr("Batch %1 finished with failures").arg(batch)
                          : state == BatchState::Finished ? tr("Batch %1 finished").arg(batch)
                                                          : tr("Batch %1 stopped").arg(batch);
    const QString text = tr("%1 done, %2 failed, %3 not run")
                             .arg(c.done)
                             .arg(c.failed)
                             .arg(c.pending + c.interrupted + c.skipped);
    statusBar()->showMessage(title + u": " + text, 15000);
    if (m_session.runningBatch() != 0 || !m_session.waitingBatches().isEmpty())
        return; // more to come
    switch (m_settings.whenDone()) {
    case AppSettings::WhenDone::Notify:
        notify(title, text);
        break;
    case AppSettings::WhenDone::Quit:
        emit quitRequested();
        close();
        break;
    case AppSettings::WhenDone::Nothing:
        break;
    }
}

void MainWindow::notify(const QString &title, const QString &message)
{
    if (m_tray && QSystemTrayIcon::supportsMessages())
        m_tray->showMessage(title, message, QSystemTrayIcon::Information);
    QApplication::alert(this);
    emit notificationShown(title, message);
}

void MainWindow::pauseJobs(qint64 batch, const QList<qint64> &seqs, bool paused)
{
    QStringList problems;
    for (const qint64 seq : seqs) {
        const QString why = m_session.setJobPaused(batch, seq, paused);
        if (!why.isEmpty())
            problems.append(why);
    }
    if (!problems.isEmpty())
        statusBar()->showMessage(problems.join(QStringLiteral("; ")), 10000);
}

void MainWindow::showLog(qint64 seq)
{
    const int row = m_jobsModel->rowOf(seq);
    if (row < 0)
        return;
    const std::optional<JobRecord> job = m_jobsModel->record(row);
    if (!job)
        return;
    const QString title = tr("Job %1: %2").arg(seq).arg(QFile::decodeName(job->inputs.value(0)));
    m_logSeq = seq;
    m_logView->showJob(title, job->lastAttempt.stdoutPath, job->lastAttempt.stderrPath,
                       job->state == JobState::Running);
}

void MainWindow::showInterrupted()
{
    QList<BatchRecord> interrupted;
    try {
        interrupted = m_session.interruptedBatches();
    } catch (const std::exception &) {
    }
    interrupted.removeIf([this](const BatchRecord &b) {
        return m_session.waitingBatches().contains(b.id) || m_session.runningBatch() == b.id;
    });
    if (interrupted.isEmpty()) {
        m_interruptedBatch = 0;
        m_interruptedBar->hide();
        return;
    }
    const BatchRecord &b = interrupted.back();
    m_interruptedBatch = b.id;
    const qint64 left = b.counts.pending + b.counts.interrupted + b.counts.running;
    m_interruptedText->setText(
        tr("Batch %1 was interrupted: %n job(s) did not finish. Resume runs them; the %2 "
           "done are kept.",
           nullptr, int(left))
            .arg(b.id)
            .arg(b.counts.done));
    m_interruptedBar->show();
    if (m_jobsModel->batch() == 0)
        showBatch(b.id);
}

void MainWindow::dragEnterEvent(QDragEnterEvent *event)
{
    if (event->mimeData()->hasUrls())
        event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent *event)
{
    QList<QByteArray> paths;
    for (const QUrl &url : event->mimeData()->urls()) {
        if (url.isLocalFile())
            paths.append(QFile::encodeName(url.toLocalFile()));
    }
    if (paths.isEmpty())
        return;
    event->acceptProposedAction();
    openNewBatch(paths);
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    if (m_session.state() != BatchSession::State::Idle
        && m_settings.whenDone() != AppSettings::WhenDone::Quit) {
        const auto answer = QMessageBox::question(
            this, tr("Quit JobPool"),
            tr("A batch is running. Quit and stop its jobs? They can be resumed the next "
               "time JobPool starts."),
            QMessageBox::Yes | QMessageBox::Cancel, QMessageBox::Cancel);
        if (answer != QMessageBox::Yes) {
            event->ignore();
            return;
        }
    }
    saveLayout();
    event->accept();
}

void MainWindow::changeEvent(QEvent *event)
{
    if (event->type() == QEvent::LanguageChange)
        retranslate();
    QMainWindow::changeEvent(event);
}

} // namespace jobpool::widgets
