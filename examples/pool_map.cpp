// SPDX-License-Identifier: GPL-3.0-or-later
// Seed 000 section 3: a pool of three processes squares 0..4 with map.
#include <jobpool/jobpool.h>

#include <QStringList>

#include <cstdio>

#include <unistd.h>

int square(int n)
{
    std::printf("computing %d in process %d\n", n, int(getpid()));
    return n * n;
}
JOBPOOL_TASK(square)

int main(int argc, char **argv)
{
    jobpool::init(argc, argv);
    QList<int> results;
    {
        jobpool::Pool pool({.workers = 3});
        results = pool.map(square, QList<int>{0, 1, 2, 3, 4});
    }
    QStringList text;
    for (int r : results)
        text.append(QString::number(r));
    std::printf("results: [%s]\n", qPrintable(text.join(QStringLiteral(", "))));
}
