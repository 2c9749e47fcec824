// SPDX-License-Identifier: GPL-3.0-or-later
// Seed 000 2.3 and seed 001: several processes run at once; the parent joins them all.
#include <jobpool/jobpool.h>

#include <QString>

#include <cstdio>
#include <memory>
#include <vector>

#include <unistd.h>

void task(QString name)
{
    std::printf("%s starts in process %d\n", qPrintable(name), int(getpid()));
    std::printf("%s ends\n", qPrintable(name));
}
JOBPOOL_TASK(task)

int main(int argc, char **argv)
{
    jobpool::init(argc, argv);
    std::vector<std::unique_ptr<jobpool::Process>> processes;
    for (int i = 1; i <= 3; ++i) {
        processes.push_back(
            std::make_unique<jobpool::Process>(task, QStringLiteral("process %1").arg(i)));
        processes.back()->start();
    }
    for (auto &p : processes)
        p->join();
    task(QStringLiteral("the main process"));
    std::printf("all child processes ended\n");
}
