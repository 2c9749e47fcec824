// SPDX-License-Identifier: GPL-3.0-or-later
// Seed 001's MyProcess: derive from Process, keep state in members, override run().
#include <jobpool/jobpool.h>

#include <QDataStream>
#include <QString>

#include <cstdio>

#include <unistd.h>

class MyProcess : public jobpool::Process
{
public:
    MyProcess() = default;
    explicit MyProcess(QString person)
        : m_person(std::move(person))
    {}

    friend QDataStream &operator<<(QDataStream &s, const MyProcess &p) { return s << p.m_person; }
    friend QDataStream &operator>>(QDataStream &s, MyProcess &p) { return s >> p.m_person; }

protected:
    void run() override
    {
        std::printf("%d\n", int(getpid()));
        std::printf("who am I: %s\n", qPrintable(m_person));
    }

private:
    QString m_person;
};
JOBPOOL_PROCESS(MyProcess)

int main(int argc, char **argv)
{
    jobpool::init(argc, argv);
    MyProcess p1(QStringLiteral("老鸟python"));
    MyProcess p2(QStringLiteral("如花"));
    p1.start();
    p2.start();
    p1.join();
    p2.join();
    std::printf("main process ends\n");
}
