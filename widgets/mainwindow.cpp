// SPDX-License-Identifier: GPL-3.0-or-later
#include "mainwindow.h"

#include <jobpool/version.h>

#include <QAction>
#include <QApplication>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QStatusBar>

namespace jobpool::widgets {

MainWindow::MainWindow(QWidget *parent)
    : QMainWindow(parent)
{
    setObjectName(QStringLiteral("MainWindow"));
    setWindowTitle(tr("JobPool"));
    setWindowIcon(QIcon(QStringLiteral(":/icons/jobpool.svg")));
    resize(1100, 700);

    m_dropHint = new QLabel(tr("Drop files or folders here to start a batch"), this);
    m_dropHint->setObjectName(QStringLiteral("dropHint"));
    m_dropHint->setAlignment(Qt::AlignCenter);
    m_dropHint->setEnabled(false);
    setCentralWidget(m_dropHint);

    createMenus();
    statusBar()->showMessage(tr("Ready"));
}

MainWindow::~MainWindow() = default;

void MainWindow::createMenus()
{
    QMenu *file = menuBar()->addMenu(tr("&File"));
    QAction *quit = file->addAction(tr("&Quit"), qApp, &QApplication::quit);
    quit->setShortcut(QKeySequence::Quit);
    quit->setObjectName(QStringLiteral("actionQuit"));

    QMenu *help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&About JobPool"), this, [this] {
        QMessageBox::about(this, tr("About JobPool"),
                           tr("<b>JobPool %1</b><p>A job-pool manager for the desktop.</p>"
                              "<p>Licensed under the GNU GPL, version 3 or later.</p>")
                               .arg(libraryVersion()));
    });
}

} // namespace jobpool::widgets
