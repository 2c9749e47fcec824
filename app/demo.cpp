// SPDX-License-Identifier: GPL-3.0-or-later
#include "demo.h"

#include <jobpool/builtintasks.h>
#include <jobpool/jobpool.h>

#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QTextStream>

namespace jobpool::app {
namespace {

/// A few files of different sizes to work on.
QStringList writeSampleFiles(const QString &dir, int count)
{
    QStringList paths;
    for (int i = 1; i <= count; ++i) {
        const QString path =
            QDir(dir).filePath(QStringLiteral("sample-%1.txt").arg(i, 2, 10, QLatin1Char('0')));
        QFile file(path);
        if (!file.open(QIODevice::WriteOnly))
            continue;
        QTextStream out(&file);
        for (int line = 0; line < i * 2500; ++line)
            out << "line " << line << " of sample " << i << '\n';
        paths.append(path);
    }
    return paths;
}

} // namespace

int runDemo(const QStringList &arguments)
{
    QTextStream out(stdout);
    QTextStream err(stderr);
    if (arguments.contains(QLatin1String("--help")) || arguments.contains(QLatin1String("-h"))) {
        out << "Usage: jobpool demo\n\nWrites a dozen sample files to a temporary folder and "
               "computes each one's size, line count and SHA-256 in a pool of worker "
               "processes.\n";
        return 0;
    }

    QTemporaryDir dir;
    if (!dir.isValid()) {
        err << "jobpool demo: cannot create a temporary folder: " << dir.errorString() << '\n';
        return 1;
    }
    const QStringList files = writeSampleFiles(dir.path(), 12);

    PoolOptions options;
    options.workers = 2;
    options.workerProgram =
        QCoreApplication::applicationDirPath() + QStringLiteral("/jobpool-worker");
    if (!QFileInfo(options.workerProgram).isExecutable()) {
        err << "jobpool demo: the worker program is missing: " << options.workerProgram << '\n';
        return 1;
    }

    QElapsedTimer timer;
    timer.start();
    Pool pool(options);
    QList<QFuture<std::tuple<qint64, qint64>>> counts;
    QList<QFuture<QString>> hashes;
    for (const QString &file : files) {
        counts.append(pool.applyAsync(builtin::fileSizeAndLines, file));
        hashes.append(pool.applyAsync(builtin::sha256File, file));
    }

    out << "Batch: size, line count and SHA-256 of " << files.size() << " files, "
        << options.workers << " worker processes\n\n";
    int failed = 0;
    for (qsizetype i = 0; i < files.size(); ++i) {
        const QString name = QFileInfo(files[i]).fileName();
        try {
            const auto [size, lines] = counts[i].result();
            out << QStringLiteral("  %1  %2 bytes  %3 lines  sha256 %4…\n")
                       .arg(name)
                       .arg(size, 9)
                       .arg(lines, 6)
                       .arg(hashes[i].result().left(16));
        } catch (const Error &e) {
            ++failed;
            out << "  " << name << "  failed: " << e.message() << '\n';
        }
    }
    pool.close();
    pool.join();
    const PoolStats stats = pool.stats();
    out << '\n'
        << stats.done << " jobs done, " << failed << " failed, in " << timer.elapsed() << " ms on "
        << stats.workersStarted << " workers.\n";
    return failed == 0 ? 0 : 1;
}

} // namespace jobpool::app
