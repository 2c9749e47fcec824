// SPDX-License-Identifier: GPL-3.0-or-later
// Seed 001 "使用 Manager 共享数据": two processes write into one Manager().dict(), then the
// main process adds its own entry.
#include <jobpool/jobpool.h>

#include <QStringList>

#include <cstdio>

#include <unistd.h>

/// The dictionary as Python prints it: {'key': 'value', ...}.
void print(const jobpool::ManagedDict &shareddata)
{
    const QVariantMap all = shareddata.toMap();
    QStringList entries;
    for (auto it = all.cbegin(); it != all.cend(); ++it)
        entries.append(QStringLiteral("'%1': '%2'").arg(it.key(), it.value().toString()));
    std::printf("{%s}\n", qPrintable(entries.join(QStringLiteral(", "))));
}

void func(QString key, jobpool::ManagedDict shareddata)
{
    shareddata.insert(key, QStringLiteral("我是进程%1").arg(getpid()));
    print(shareddata);
}
JOBPOOL_TASK(func)

int main(int argc, char **argv)
{
    jobpool::init(argc, argv);
    jobpool::Manager manager;
    jobpool::ManagedDict shareddata = manager.dict();

    jobpool::Process p1(func, QStringLiteral("老鸟python"), shareddata);
    p1.start();
    jobpool::Process p2(func, QStringLiteral("ruhua"), shareddata);
    p2.start();
    p1.join();
    p2.join();

    shareddata.insert(QStringLiteral("贾跃亭"), QStringLiteral("我是进程%1").arg(getpid()));
    print(shareddata);
}
