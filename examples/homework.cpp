// SPDX-License-Identifier: GPL-3.0-or-later
// Seed 001's homework: two processes; one reads a file and works out how many bytes it
// takes, then sends the result to the other, which prints it.
#include <jobpool/jobpool.h>

#include <QFile>
#include <QTemporaryDir>

#include <cstdio>
#include <utility>

void measure(QString path, jobpool::Queue<std::pair<QString, qint64>> results)
{
    QFile file(path);
    qint64 bytes = -1; // -1: could not be read
    if (file.open(QIODevice::ReadOnly)) {
        bytes = 0;
        while (!file.atEnd())
            bytes += file.read(1 << 16).size();
    }
    results.put({path, bytes});
}
JOBPOOL_TASK(measure)

void report(jobpool::Queue<std::pair<QString, qint64>> results)
{
    const auto [path, bytes] = results.get().value();
    std::printf("%s takes %lld bytes\n", qPrintable(QFile(path).fileName().section(u'/', -1)),
                qlonglong(bytes));
}
JOBPOOL_TASK(report)

int main(int argc, char **argv)
{
    jobpool::init(argc, argv);
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("homework.txt"));
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return 1;
    file.write(QByteArray(1234, 'x'));
    file.close();

    jobpool::Queue<std::pair<QString, qint64>> results;
    jobpool::Process reader(measure, path, results);
    jobpool::Process printer(report, results);
    reader.start();
    printer.start();
    reader.join();
    printer.join();
}
