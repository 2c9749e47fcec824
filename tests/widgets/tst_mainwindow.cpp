// SPDX-License-Identifier: GPL-3.0-or-later
// The real main window, driven as a person would: files dropped on it, the New Batch
// dialog, the jobs running in real worker processes, the toolbar's controls, a restart
// over a store whose batch was killed, the Chinese translation, and screenshots of it
// all (saved under the build tree's screenshots/ folder).
//
// This executable is also the pool's worker program.
#include "testsupport.h"

#include <jobpool/appsettings.h>
#include <jobpool/jobpool.h>
#include <jobpool/jobsmodel.h>
#include <jobpool/processesmodel.h>

#include <QAction>
#include <QApplication>
#include <QComboBox>
#include <QDir>
#include <QDockWidget>
#include <QDropEvent>
#include <QLabel>
#include <QMenuBar>
#include <QMimeData>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QTest>
#include <QScopeGuard>
#include <QTranslator>

#include <qcustomplot.h>

#include <csignal>

#include <widgets/cpuchart.h>
#include <widgets/jobsview.h>
#include <widgets/mainwindow.h>
#include <widgets/throughputchart.h>
#include <widgets/newbatchdialog.h>

using namespace jobpool;
using namespace jobpool::test;
using jobpool::widgets::CpuChart;
using jobpool::widgets::JobsView;
using jobpool::widgets::MainWindow;
using jobpool::widgets::ThroughputChart;
using jobpool::widgets::NewBatchDialog;
using namespace std::chrono_literals;

namespace {

QByteArray writeFile(const QString &path, const QByteArray &bytes)
{
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(bytes) != bytes.size())
        qFatal("cannot write %s", qPrintable(path));
    return QFile::encodeName(path);
}

QString screenshotDir()
{
    const QString dir = QCoreApplication::applicationDirPath() + QStringLiteral("/../screenshots");
    QDir().mkpath(dir);
    return QDir(dir).absolutePath();
}

/// Drops \a paths on \a target the way a file manager does: enter, then drop.
void dropFiles(QWidget *target, const QList<QString> &paths)
{
    QMimeData data;
    QList<QUrl> urls;
    for (const QString &p : paths)
        urls.append(QUrl::fromLocalFile(p));
    data.setUrls(urls);
    const QPointF at(target->width() / 2.0, target->height() / 2.0);
    QDragEnterEvent enter(at.toPoint(), Qt::CopyAction, &data, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(target, &enter);
    QVERIFY(enter.isAccepted());
    QDropEvent drop(at, Qt::CopyAction, &data, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(target, &drop);
    QVERIFY(drop.isAccepted());
}

} // namespace

/// Stores a batch of \a jobs `echo {}` jobs, starts the first, and dies.
void startThenDie(QString path, int jobs)
{
    JobStore store = JobStore::open(path);
    const qint64 batch =
        store.createBatch({.name = QStringLiteral("crashed"), .templateArgv = {"echo", "{}"}});
    QList<QList<QByteArray>> inputs;
    for (int i = 1; i <= jobs; ++i)
        inputs.append({"item-" + QByteArray::number(i)});
    store.addJobs(batch, inputs);
    store.jobStarted({batch, 1}, {.attempt = 1, .slot = 1});
    store.flush();
    ::raise(SIGKILL);
}
JOBPOOL_TASK(startThenDie)

class TestMainWindow : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        installProcessLeakGuard();
        m_shm = sharedMemoryEntries();
    }
    void init()
    {
        QVERIFY(m_dir.emplace().isValid());
        m_settings.emplace(m_dir->filePath(QStringLiteral("settings.ini")));
    }
    void cleanup()
    {
        m_settings.reset();
        m_dir.reset();
        const QString left = leftovers(20000);
        QVERIFY2(left.isEmpty(), qPrintable(left));
        QCOMPARE(sharedMemoryEntries(), m_shm);
    }

    // Files dropped on the window open the New Batch dialog with their count and a preview;
    // Start runs the built-in checksum over them in the workers, and the table, the counts
    // and the status bar follow.
    void dropRunsABatch()
    {
        const QString inputs = m_dir->filePath(QStringLiteral("in"));
        QDir().mkpath(inputs + QStringLiteral("/sub"));
        for (int i = 1; i <= 4; ++i)
            writeFile(inputs + QStringLiteral("/f%1.txt").arg(i), QByteArray::number(i));
        writeFile(inputs + QStringLiteral("/sub/deep.txt"), "deep");
        BatchSession session(options(2));
        MainWindow window(session, *m_settings);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QVERIFY(window.findChild<QLabel *>(QStringLiteral("dropHint"))->isVisible());

        dropFiles(&window, {inputs});
        NewBatchDialog *dialog = window.newBatchDialog();
        QVERIFY(dialog);
        QTRY_COMPARE(dialog->files().files.size(), 5);
        QVERIFY(dialog->selectPreset(QStringLiteral("sha256")));
        const QString preview =
            dialog->findChild<QPlainTextEdit *>(QStringLiteral("preview"))->toPlainText();
        QVERIFY2(
            preview.startsWith(QStringLiteral("@sha256 ") + inputs + QStringLiteral("/f1.txt")),
            qPrintable(preview));
        dialog->grab().save(screenshotDir() + QStringLiteral("/new-batch-dialog.png"));

        QSignalSpy finished(&session, &BatchSession::batchFinished);
        QTest::mouseClick(dialog->findChild<QPushButton *>(QStringLiteral("start")),
                          Qt::LeftButton);
        QVERIFY(finished.wait(30000));
        QTRY_COMPARE(window.jobsModel()->counts().done, 5);
        QCOMPARE(window.jobsModel()->rowCount(), 5);
        QTRY_COMPARE(window.findChild<QLabel *>(QStringLiteral("progressLabel"))->text(),
                     QStringLiteral("5 / 5 done"));
        QVERIFY(!window.findChild<QLabel *>(QStringLiteral("dropHint"))->isVisible());
        QCOMPARE(m_settings->lastTemplate(), QStringLiteral("sha256"));
    }

    // Pause starts nothing new, the pool size applies live, Stop Now ends the batch with
    // its running jobs interrupted; the processes view shows each worker's command.
    void controls()
    {
        BatchSession session(options(1));
        MainWindow window(session, *m_settings);
        window.show();
        auto *pause = window.findChild<QAction *>(QStringLiteral("actionPause"));
        auto *stopNow = window.findChild<QAction *>(QStringLiteral("actionStopNow"));
        auto *poolSize = window.findChild<QSpinBox *>(QStringLiteral("poolSize"));
        QVERIFY(pause && stopNow && poolSize);
        QCOMPARE(poolSize->value(), 1);

        QVERIFY(!pause->isEnabled()); // nothing to pause yet
        const qint64 batch = session.submit(hang(5));
        QTRY_COMPARE_WITH_TIMEOUT(session.runner()->counts().running, 1, 20000);
        QVERIFY(pause->isEnabled());
        pause->trigger();
        QCOMPARE(session.state(), BatchSession::State::Paused);
        QVERIFY(pause->isChecked());
        // Paused, a job that ends frees its slot and nothing takes it.
        QSignalSpy ended(&session, &BatchSession::jobFinished);
        session.cancel(batch, {1});
        QVERIFY(ended.wait(20000));
        QCOMPARE(session.runner()->counts().running, 0);
        pause->trigger();
        QCOMPARE(session.state(), BatchSession::State::Running);
        QVERIFY(!pause->isChecked());
        QTRY_COMPARE_WITH_TIMEOUT(session.runner()->counts().running, 1, 20000);

        poolSize->setValue(2);
        QTRY_COMPARE_WITH_TIMEOUT(session.runner()->counts().running, 2, 20000);
        QTRY_COMPARE_WITH_TIMEOUT(window.processesModel()->rowCount(), 2, 20000);
        // Both workers run a job, and the view says which.
        QTRY_VERIFY_WITH_TIMEOUT(window.processesModel()
                                         ->index(0, ProcessesModel::JobColumn)
                                         .data()
                                         .toString()
                                         .contains(u'#')
                                     && window.processesModel()
                                            ->index(1, ProcessesModel::JobColumn)
                                            .data()
                                            .toString()
                                            .contains(u'#'),
                                 20000);

        QSignalSpy finished(&session, &BatchSession::batchFinished);
        stopNow->trigger();
        QVERIFY(finished.wait(30000));
        const BatchRecord b = *session.store().batch(batch);
        QCOMPARE(b.state, BatchState::Stopped);
        QCOMPARE(b.counts.skipped, 1);
        QCOMPARE(b.counts.interrupted, 2);
        QCOMPARE(b.counts.pending, 2);
        QCOMPARE(m_settings->poolSize(), 2);
    }

    // The pictures for the README: a batch at work, charts filled, in English and Chinese.
    void screenshots_data()
    {
        QTest::addColumn<QString>("language");
        QTest::newRow("en") << QString();
        QTest::newRow("zh_CN") << QStringLiteral("zh_CN");
    }
    void screenshots()
    {
        QFETCH(QString, language);
        QTranslator translator;
        if (!language.isEmpty()) {
            QVERIFY(translator.load(QStringLiteral(":/i18n/jobpool_") + language));
            QApplication::installTranslator(&translator);
        }
        const auto restore = qScopeGuard([&] { QApplication::removeTranslator(&translator); });
        const QString inputs = m_dir->filePath(QStringLiteral("photos"));
        QDir().mkpath(inputs);
        for (int i = 1; i <= 60; ++i)
            writeFile(inputs + QStringLiteral("/IMG_%1.jpg").arg(1000 + i), "x");
        BatchSession session(options(2));
        MainWindow window(session, *m_settings);
        window.resize(1280, 800);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        const QByteArray app = QFile::encodeName(testAppPath());
        session.submit({.name = QStringLiteral("Thumbnails"),
                        .templateArgv = {app, "spin", "250", "{}"},
                        .inputs = [&] {
                            QList<QByteArray> files;
                            for (const QFileInfo &f : QDir(inputs).entryInfoList(QDir::Files))
                                files.append(QFile::encodeName(f.filePath()));
                            return files;
                        }()});
        auto *cpu = window.findChild<CpuChart *>();
        auto *throughput = window.findChild<ThroughputChart *>();
        QVERIFY(cpu && throughput);
        // Enough samples for the charts to show a line (they sample once a second).
        QTRY_VERIFY_WITH_TIMEOUT(cpu->graph(-1)->data()->size() >= 5
                                     && throughput->throughputGraph()->data()->size() >= 5
                                     && window.jobsModel()->counts().done >= 6,
                                 30000);
        window.findChild<JobsView *>()->selectJob(3);
        QTRY_VERIFY(window.processesModel()->rowCount() == 2);
        window.grab().save(screenshotDir() + QStringLiteral("/main-window")
                           + (language.isEmpty() ? QString() : u'-' + language)
                           + QStringLiteral(".png"));

        QSignalSpy finished(&session, &BatchSession::batchFinished);
        session.stop(BatchRunner::Stop::Kill);
        QVERIFY(finished.wait(30000));
    }

    // Retry Failed runs the failed jobs again once their cause is gone.
    void retryFailed()
    {
        BatchSession session(options(2));
        MainWindow window(session, *m_settings);
        const QString late = m_dir->filePath(QStringLiteral("late"));
        QSignalSpy finished(&session, &BatchSession::batchFinished);
        const qint64 batch =
            session.submit({.templateArgv = {"cat", "{}"}, .inputs = {QFile::encodeName(late)}});
        QVERIFY(finished.wait(30000));
        QTRY_COMPARE(window.jobsModel()->counts().failed, 1);
        auto *retry = window.findChild<QAction *>(QStringLiteral("actionRetryFailed"));
        QVERIFY(retry->isEnabled());
        writeFile(late, "now\n");
        retry->trigger();
        QVERIFY(finished.wait(30000));
        QTRY_COMPARE(window.jobsModel()->counts().done, 1);
        QCOMPARE(session.store().job({batch, 1})->attempts, 2);
    }

    // A store whose batch was killed: the window says so, and one click resumes it.
    void resumeAfterCrash()
    {
        Process writer(startThenDie, storePath(), 3);
        writer.start();
        QVERIFY(writer.join(60s));
        BatchSession session(options(2));
        MainWindow window(session, *m_settings);
        window.show();
        auto *bar = window.findChild<QWidget *>(QStringLiteral("interruptedBar"));
        QVERIFY(bar->isVisible());
        QCOMPARE(window.shownBatch(), 1);
        QSignalSpy finished(&session, &BatchSession::batchFinished);
        QTest::mouseClick(bar->findChild<QPushButton *>(QStringLiteral("resumeInterrupted")),
                          Qt::LeftButton);
        QVERIFY(finished.wait(30000));
        QVERIFY(!bar->isVisible());
        QTRY_COMPARE(window.jobsModel()->counts().done, 3);
    }

    // "When done": a notice saying how the batch ended, or quitting once all is done.
    void whenDone()
    {
        BatchSession session(options(2));
        MainWindow window(session, *m_settings);
        window.show();
        auto *whenDone = window.findChild<QComboBox *>(QStringLiteral("whenDone"));
        whenDone->setCurrentIndex(int(AppSettings::WhenDone::Notify));
        QCOMPARE(m_settings->whenDone(), AppSettings::WhenDone::Notify);
        QSignalSpy notified(&window, &MainWindow::notificationShown);
        QSignalSpy quit(&window, &MainWindow::quitRequested);
        session.submit({.templateArgv = {"false"}, .inputs = {"a", "b"}});
        QVERIFY(notified.wait(30000));
        QCOMPARE(notified.front().at(0).toString(),
                 QStringLiteral("Batch 1 finished with failures"));
        QCOMPARE(notified.front().at(1).toString(), QStringLiteral("0 done, 2 failed, 0 not run"));
        QCOMPARE(quit.size(), 0);

        whenDone->setCurrentIndex(int(AppSettings::WhenDone::Quit));
        session.submit({.templateArgv = {"true"}, .inputs = {"a"}});
        QVERIFY(quit.wait(30000));
        QVERIFY(!window.isVisible()); // closed without asking: nothing runs any more
        QCOMPARE(notified.size(), 1);
    }

    // The layout is kept: geometry, docks and column widths come back on the next start.
    void layoutKept()
    {
        BatchSession session(options(1));
        {
            MainWindow window(session, *m_settings);
            window.show();
            QVERIFY(QTest::qWaitForWindowExposed(&window));
            window.findChild<QDockWidget *>(QStringLiteral("timelineDock"))->hide();
            window.close();
        }
        QVERIFY(!m_settings->windowState().isEmpty());
        QVERIFY(!m_settings->headerState(QStringLiteral("jobs")).isEmpty());
        MainWindow again(session, *m_settings);
        again.show();
        QVERIFY(QTest::qWaitForWindowExposed(&again));
        QVERIFY(!again.findChild<QDockWidget *>(QStringLiteral("timelineDock"))->isVisible());
        QVERIFY(again.findChild<QDockWidget *>(QStringLiteral("cpuDock"))->isVisible());
    }

    // In Chinese, every menu and action has a translation.
    void chinese()
    {
        BatchSession session(options(1));
        MainWindow window(session, *m_settings);
        QTranslator translator;
        QVERIFY(translator.load(QStringLiteral(":/i18n/jobpool_zh_CN.qm")));
        QApplication::installTranslator(&translator);
        QTRY_COMPARE(window.menuBar()->actions().front()->text(), QStringLiteral("文件(&F)"));
        QCOMPARE(window.findChild<QAction *>(QStringLiteral("actionPause"))->text(),
                 QStringLiteral("暂停(&P)"));
        QApplication::removeTranslator(&translator);
        QTRY_COMPARE(window.menuBar()->actions().front()->text(), QStringLiteral("&File"));
    }

private:
    QString storePath() const { return m_dir->filePath(QStringLiteral("jobs.sqlite")); }
    BatchSession::Options options(int poolSize)
    {
        BatchSession::Options o;
        o.storePath = storePath();
        o.poolSize = poolSize;
        o.terminateGraceMs = 500;
        m_settings->setPoolSize(poolSize);
        return o;
    }
    static BatchSession::NewBatch hang(int jobs)
    {
        BatchSession::NewBatch b{.templateArgv = {QFile::encodeName(testAppPath()), "hang"}};
        for (int i = 1; i <= jobs; ++i)
            b.inputs.append(QByteArray::number(i));
        return b;
    }

    std::optional<QTemporaryDir> m_dir;
    std::optional<AppSettings> m_settings;
    QStringList m_shm;
};

int main(int argc, char **argv)
{
    jobpool::init(argc, argv);
    QApplication app(argc, argv);
    TestMainWindow test;
    return QTest::qExec(&test, argc, argv);
}

#include "tst_mainwindow.moc"
