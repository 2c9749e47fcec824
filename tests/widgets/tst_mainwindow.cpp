// SPDX-License-Identifier: GPL-3.0-or-later
#include <widgets/mainwindow.h>

#include <QAction>
#include <QLabel>
#include <QMenuBar>
#include <QSignalSpy>
#include <QTest>
#include <QTimer>

using jobpool::widgets::MainWindow;

class TestMainWindow : public QObject
{
    Q_OBJECT

private slots:
    void showsAsRealWindow()
    {
        MainWindow window;
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QCOMPARE(window.windowTitle(), QStringLiteral("JobPool"));
        QVERIFY(window.findChild<QLabel *>(QStringLiteral("dropHint")));
        QVERIFY(window.menuBar()->actions().size() >= 2);
    }

    void quitActionQuits()
    {
        MainWindow window;
        auto *quit = window.findChild<QAction *>(QStringLiteral("actionQuit"));
        QVERIFY(quit);
        QSignalSpy aboutToQuit(qApp, &QCoreApplication::aboutToQuit);
        QTimer::singleShot(0, quit, &QAction::trigger);
        QCOMPARE(QCoreApplication::exec(), 0);
        QCOMPARE(aboutToQuit.count(), 1);
    }
};

QTEST_MAIN(TestMainWindow)
#include "tst_mainwindow.moc"
