// SPDX-License-Identifier: GPL-3.0-or-later
#include "cli.h"

#include <jobpool/version.h>

#include <QApplication>

#include <widgets/mainwindow.h>

int main(int argc, char **argv)
{
    if (jobpool::app::isCommandLineInvocation(argc, argv))
        return jobpool::app::runCommandLine(argc, argv);

    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("jobpool"));
    QApplication::setApplicationDisplayName(QStringLiteral("JobPool"));
    QApplication::setApplicationVersion(jobpool::libraryVersion());
    QApplication::setDesktopFileName(QStringLiteral("jobpool"));

    jobpool::widgets::MainWindow window;
    window.show();
    return app.exec();
}
