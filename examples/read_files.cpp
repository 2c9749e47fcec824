// SPDX-License-Identifier: GPL-3.0-or-later
// Seed 003, I/O in processes: each process reads one file and reports its size.
// Writes its three files into a temporary folder first, so that it runs anywhere.
#include <jobpool/jobpool.h>

#include <QFile>
#include <QTemporaryDir>

#include <cstdio>
#include <memory>
#include <vector>

void readFile(QString path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        std::printf("cannot read %s\n", qPrintable(path));
        return;
    }
    std::printf("read %lld bytes from %s\n", file.readAll().size(),
                qPrintable(path.section(QLatin1Char('/'), -1)));
}
JOBPOOL_TASK(readFile)

int main(int argc, char **argv)
{
    jobpool::init(argc, argv);
    QTemporaryDir dir;
    QStringList paths;
    for (int i = 1; i <= 3; ++i) {
        const QString path = dir.filePath(QStringLiteral("file%1.txt").arg(i));
        QFile file(path);
        if (!file.open(QIODevice::WriteOnly))
            return 1;
        file.write(QByteArray(i * 100, 'x'));
        paths.append(path);
    }
    std::vector<std::unique_ptr<jobpool::Process>> processes;
    for (const QString &path : paths) {
        processes.push_back(std::make_unique<jobpool::Process>(readFile, path));
        processes.back()->start();
    }
    for (auto &p : processes)
        p->join();
}
