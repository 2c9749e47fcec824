// SPDX-License-Identifier: GPL-3.0-or-later
#include "desktop.h"

#include "singleinstance.h"

#include <jobpool/appsettings.h>
#include <jobpool/batchsession.h>
#include <jobpool/version.h>

#include <QApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QLibraryInfo>
#include <QLocale>
#include <QMessageBox>
#include <QTranslator>

#include <widgets/mainwindow.h>

namespace jobpool::app {
namespace {

struct DesktopArguments
{
    QString store;
    QList<QByteArray> paths;
};

DesktopArguments parseArguments(int argc, char **argv)
{
    DesktopArguments a;
    for (int i = 1; i < argc; ++i) {
        const QByteArray arg = argv[i];
        if (arg == "--db" && i + 1 < argc)
            a.store = QFile::decodeName(argv[++i]);
        else if (arg.startsWith("--db="))
            a.store = QFile::decodeName(arg.mid(5));
        else
            a.paths.append(QFile::encodeName(QFileInfo(QFile::decodeName(arg)).absoluteFilePath()));
    }
    return a;
}

/// English is the source language; zh_CN from resources/translations, with Qt's own
/// strings (standard buttons) from Qt's translations.
void installTranslators(QApplication &app, const QString &language)
{
    const QLocale locale = language.isEmpty() ? QLocale::system() : QLocale(language);
    auto *own = new QTranslator(&app);
    if (own->load(locale, QStringLiteral("jobpool"), QStringLiteral("_"), QStringLiteral(":/i18n")))
        QApplication::installTranslator(own);
    auto *qt = new QTranslator(&app);
    if (qt->load(locale, QStringLiteral("qtbase"), QStringLiteral("_"),
                 QLibraryInfo::path(QLibraryInfo::TranslationsPath)))
        QApplication::installTranslator(qt);
}

} // namespace

int runDesktop(int argc, char **argv)
{
    const DesktopArguments arguments = parseArguments(argc, argv);
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("jobpool"));
    QApplication::setApplicationDisplayName(QStringLiteral("JobPool"));
    QApplication::setApplicationVersion(libraryVersion());
    QApplication::setDesktopFileName(QStringLiteral("org.jobpool.JobPool"));

    SingleInstance instance;
    if (instance.forward(arguments.paths))
        return 0; // the open window has them
    const bool listening = instance.listen();

    AppSettings settings;
    installTranslators(app, settings.language());

    BatchSession::Options options;
    options.storePath =
        arguments.store.isEmpty() ? qEnvironmentVariable("JOBPOOL_STORE") : arguments.store;
    options.workerProgram = QApplication::applicationDirPath() + QStringLiteral("/jobpool-worker");
    options.poolSize = settings.poolSize();
    options.maxWorkerMemory = qint64(settings.maxWorkerMemoryMiB()) * 1024 * 1024;
    std::unique_ptr<BatchSession> session;
    try {
        session = std::make_unique<BatchSession>(options);
    } catch (const std::exception &e) {
        QMessageBox::critical(
            nullptr, QApplication::translate("jobpool::app", "JobPool"),
            QApplication::translate("jobpool::app", "The job store cannot be opened: %1")
                .arg(QString::fromUtf8(e.what())));
        return 1;
    }

    widgets::MainWindow window(*session, settings);
    if (listening) {
        QObject::connect(&instance, &SingleInstance::pathsReceived, &window,
                         [&window](const QList<QByteArray> &paths) {
                             window.showNormal();
                             window.raise();
                             window.activateWindow();
                             if (!paths.isEmpty())
                                 window.openNewBatch(paths);
                         });
    }
    // `jobpool pause JOB` and `jobpool resume JOB`: a job of the batch running here.
    instance.setCommandHandler([&session](const QList<QByteArray> &command) -> QString {
        const QString verb = QString::fromUtf8(command.value(0));
        bool ok = false;
        const qint64 seq = command.value(1).toLongLong(&ok);
        if ((verb != QLatin1String("pause") && verb != QLatin1String("resume")) || !ok)
            return QApplication::translate("jobpool::app", "unknown command");
        const qint64 batch = session->runningBatch();
        if (batch == 0)
            return QApplication::translate("jobpool::app", "no batch is running");
        return session->setJobPaused(batch, seq, verb == QLatin1String("pause"));
    });
    window.show();
    if (!arguments.paths.isEmpty())
        window.openNewBatch(arguments.paths);
    return app.exec();
}

} // namespace jobpool::app
