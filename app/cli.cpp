// SPDX-License-Identifier: GPL-3.0-or-later
#include "cli.h"

#include "demo.h"
#include "run.h"
#include "singleinstance.h"

#include <jobpool/slurm.h>
#include <jobpool/version.h>

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QTextStream>

#include <cstdio>
#include <cstring>

namespace jobpool::app {
namespace {

/// A subcommand gets the words after its name as bytes: file names need not be UTF-8.
struct Subcommand
{
    const char *name;
    const char *summary;
    int (*run)(const QList<QByteArray> &arguments);
};

int demo(const QList<QByteArray> &arguments)
{
    QStringList words{QCoreApplication::applicationFilePath()};
    for (const QByteArray &a : arguments)
        words.append(QString::fromLocal8Bit(a));
    return runDemo(words);
}

/// `jobpool pause JOB` / `jobpool resume JOB`: a job of the batch the desktop window runs.
int pauseOrResume(const char *verb, const QList<QByteArray> &arguments)
{
    bool ok = false;
    const qint64 seq = arguments.value(0).toLongLong(&ok);
    if (arguments.size() != 1 || !ok || seq < 1) {
        std::fprintf(stderr,
                     "Usage: jobpool %s JOB\n(JOB: the job's number in the batch the "
                     "JobPool window runs)\n",
                     verb);
        return 2;
    }
    const std::optional<QString> answer =
        SingleInstance().ask({QByteArray(verb), QByteArray::number(seq)});
    if (!answer) {
        std::fprintf(stderr, "jobpool %s: no JobPool window is running\n", verb);
        return 1;
    }
    if (!answer->isEmpty()) {
        std::fprintf(stderr, "jobpool %s: %s\n", verb, answer->toLocal8Bit().constData());
        return 1;
    }
    return 0;
}

int pause(const QList<QByteArray> &arguments)
{
    return pauseOrResume("pause", arguments);
}

int resume(const QList<QByteArray> &arguments)
{
    return pauseOrResume("resume", arguments);
}

const Subcommand kSubcommands[] = {
    {"run", QT_TRANSLATE_NOOP("jobpool", "Run a command over many inputs, like GNU parallel"),
     &runBatchCommand},
    {"history", QT_TRANSLATE_NOOP("jobpool", "List the batches in the job store"),
     &runHistoryCommand},
    {"show", QT_TRANSLATE_NOOP("jobpool", "Show one batch and its jobs"), &runShowCommand},
    {"pause", QT_TRANSLATE_NOOP("jobpool", "Pause a running job of the JobPool window's batch"),
     &pause},
    {"resume", QT_TRANSLATE_NOOP("jobpool", "Resume a paused job of the JobPool window's batch"),
     &resume},
    {"demo", QT_TRANSLATE_NOOP("jobpool", "Run a small demonstration batch in a worker pool"),
     &demo},
};

/// `jobpool slurm-task DIR`: what a Slurm array task of a batch runs on its node (not
/// listed: nobody types it). The task's index comes from Slurm's environment.
int slurmTask(const QList<QByteArray> &arguments)
{
    bool ok = false;
    const int index = qEnvironmentVariableIntValue("SLURM_ARRAY_TASK_ID", &ok);
    if (arguments.size() != 1 || !ok) {
        std::fprintf(stderr, "jobpool slurm-task: run by Slurm as 'jobpool slurm-task FOLDER', "
                             "with SLURM_ARRAY_TASK_ID set\n");
        return 2;
    }
    return runSlurmTask(arguments.first(), index);
}

const Subcommand kHiddenSubcommands[] = {
    {"slurm-task", "", &slurmTask},
};

const Subcommand *findSubcommand(const char *name)
{
    for (const Subcommand &s : kHiddenSubcommands) {
        if (std::strcmp(s.name, name) == 0)
            return &s;
    }
    for (const Subcommand &s : kSubcommands) {
        if (std::strcmp(s.name, name) == 0)
            return &s;
    }
    return nullptr;
}

QString usage()
{
    QString text;
    QTextStream out(&text);
    out << "Usage: jobpool [--db FILE] [FILE…]   open the desktop window (files start a batch;\n"
        << "                                     with a window open, they go to it)\n"
        << "       jobpool COMMAND [OPTIONS]      run a command without a window\n"
        << "\nCommands:\n";
    for (const Subcommand &s : kSubcommands)
        out << "  " << QString::fromLatin1(s.name).leftJustified(10) << s.summary << '\n';
    out << "\nOptions:\n"
        << "  -h, --help     show this help\n"
        << "  -v, --version  show the version\n"
        << "\n'jobpool COMMAND --help' describes a command's own options.\n";
    return text;
}

} // namespace

bool isCommandLineInvocation(int argc, char **argv)
{
    if (argc < 2)
        return false;
    if (findSubcommand(argv[1]))
        return true;
    for (int i = 1; i < argc; ++i) {
        const char *a = argv[i];
        if (!std::strcmp(a, "-h") || !std::strcmp(a, "--help") || !std::strcmp(a, "-v")
            || !std::strcmp(a, "--version"))
            return true;
    }
    return false;
}

int runCommandLine(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("jobpool"));
    QCoreApplication::setApplicationVersion(libraryVersion());

    QStringList arguments = QCoreApplication::arguments();
    QTextStream out(stdout);
    QTextStream err(stderr);

    if (argc >= 2) {
        if (const Subcommand *s = findSubcommand(argv[1])) {
            QList<QByteArray> words;
            for (int i = 2; i < argc; ++i)
                words.append(QByteArray(argv[i]));
            return s->run(words);
        }
    }
    if (arguments.contains(QLatin1String("-v")) || arguments.contains(QLatin1String("--version"))) {
        out << "jobpool " << libraryVersion() << '\n';
        return 0;
    }
    if (arguments.contains(QLatin1String("-h")) || arguments.contains(QLatin1String("--help"))) {
        out << usage();
        return 0;
    }
    err << "jobpool: unknown command '" << arguments.value(1) << "'\n\n" << usage();
    return 2;
}

} // namespace jobpool::app
