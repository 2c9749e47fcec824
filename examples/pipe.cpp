// SPDX-License-Identifier: GPL-3.0-or-later
// Seed 003: one process sends [42, None, 'hello'] through a Pipe, another receives it.
#include <jobpool/jobpool.h>

#include <QStringList>
#include <QVariantList>

#include <cstdio>

/// A list as Python prints it.
QString repr(const QVariantList &list)
{
    QStringList items;
    for (const QVariant &v : list) {
        if (v.isNull())
            items.append(QStringLiteral("None"));
        else if (v.typeId() == QMetaType::QString)
            items.append(QLatin1Char('\'') + v.toString() + QLatin1Char('\''));
        else
            items.append(v.toString());
    }
    return QLatin1Char('[') + items.join(QStringLiteral(", ")) + QLatin1Char(']');
}

void sender(jobpool::PipeEnd<QVariantList> conn)
{
    conn.send({42, QVariant(), QStringLiteral("hello")});
    conn.close();
}
JOBPOOL_TASK(sender)

void receiver(jobpool::PipeEnd<QVariantList> conn)
{
    std::printf("Received: %s\n", qPrintable(repr(conn.recv().value())));
    conn.close();
}
JOBPOOL_TASK(receiver)

int main(int argc, char **argv)
{
    jobpool::init(argc, argv);
    auto [parentConn, childConn] = jobpool::Pipe<QVariantList>::create();
    jobpool::Process p1(sender, parentConn);
    jobpool::Process p2(receiver, childConn);
    p1.start();
    p2.start();
    p1.join();
    p2.join();
}
