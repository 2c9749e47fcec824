// SPDX-License-Identifier: GPL-3.0-or-later
#include "testsupport.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QTest>
#include <QtGlobal>

#include <atomic>
#include <csignal>

#include <sched.h>
#include <unistd.h>

namespace jobpool::test {
namespace {

std::atomic<int> g_leakWarnings{0};
QtMessageHandler g_previousHandler = nullptr;

void leakCountingHandler(QtMsgType type, const QMessageLogContext &context, const QString &msg)
{
    if (msg.contains(QLatin1String("Destroyed while process")))
        ++g_leakWarnings;
    if (g_previousHandler)
        g_previousHandler(type, context, msg);
}

// Fields of /proc/PID/stat after the command name, which may itself hold spaces and ')'.
QList<QByteArray> statFields(pid_t pid)
{
    QFile file(QStringLiteral("/proc/%1/stat").arg(pid));
    if (!file.open(QIODevice::ReadOnly))
        return {};
    const QByteArray stat = file.readAll();
    const qsizetype close = stat.lastIndexOf(')');
    if (close < 0)
        return {};
    return stat.mid(close + 2).split(' ');
}

} // namespace

QString testAppPath()
{
    const QString path = qEnvironmentVariable("JOBPOOL_TESTAPP");
    if (path.isEmpty())
        qFatal("JOBPOOL_TESTAPP is not set: run the tests through ctest");
    return path;
}

QList<pid_t> childProcesses(pid_t parent)
{
    QList<pid_t> children;
    const QStringList entries = QDir(QStringLiteral("/proc")).entryList(QDir::Dirs);
    for (const QString &entry : entries) {
        bool ok = false;
        const pid_t pid = pid_t(entry.toInt(&ok));
        if (!ok)
            continue;
        const QList<QByteArray> fields = statFields(pid);
        // fields[0] is the state, fields[1] the parent pid.
        if (fields.size() > 1 && fields[1].toInt() == parent && fields[0] != "Z")
            children.append(pid);
    }
    return children;
}

QList<pid_t> descendantProcesses(pid_t parent)
{
    QList<pid_t> all;
    QList<pid_t> frontier{parent};
    while (!frontier.isEmpty()) {
        const QList<pid_t> next = childProcesses(frontier.takeFirst());
        all += next;
        frontier += next;
    }
    return all;
}

bool processAlive(pid_t pid)
{
    const QList<QByteArray> fields = statFields(pid);
    return !fields.isEmpty() && fields[0] != "Z" && fields[0] != "X";
}

QByteArray processState(pid_t pid)
{
    return statFields(pid).value(0);
}

QByteArray cpusAllowed(const QByteArray &status)
{
    for (const QByteArray &line : status.split('\n')) {
        if (line.startsWith("Cpus_allowed_list:"))
            return line.mid(line.indexOf(':') + 1).trimmed();
    }
    return "<none>";
}

int usableCpuCount()
{
    cpu_set_t set;
    return ::sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set) : 1;
}

qint64 processCpuTicks(pid_t pid)
{
    const QList<QByteArray> fields = statFields(pid);
    if (fields.size() < 13)
        return -1;
    return fields[11].toLongLong() + fields[12].toLongLong(); // utime, stime
}

QString reapLeftoverChildren(int timeoutMs)
{
    const pid_t self = getpid();
    if (QTest::qWaitFor([self] { return childProcesses(self).isEmpty(); }, timeoutMs))
        return {};
    QStringList pids;
    for (pid_t p : descendantProcesses(self)) {
        ::kill(p, SIGKILL);
        pids.append(QString::number(p));
    }
    return QStringLiteral("child processes left behind: %1").arg(pids.join(QLatin1Char(' ')));
}

QString leftovers(int timeoutMs)
{
    QStringList problems;
    const QString children = reapLeftoverChildren(timeoutMs);
    if (!children.isEmpty())
        problems.append(children);
    if (const int leaked = leakedProcessWarnings())
        problems.append(
            QStringLiteral("%1 QProcess objects destroyed while their process ran").arg(leaked));
    return problems.join(QStringLiteral("; "));
}

QStringList sharedMemoryEntries()
{
    QStringList mine;
    const QFileInfoList entries =
        QDir(QStringLiteral("/dev/shm")).entryInfoList(QDir::Files | QDir::System | QDir::Hidden);
    for (const QFileInfo &info : entries) {
        if (info.ownerId() == uint(getuid()))
            mine.append(info.fileName());
    }
    return mine;
}

void installProcessLeakGuard()
{
    if (!g_previousHandler)
        g_previousHandler = qInstallMessageHandler(leakCountingHandler);
}

int leakedProcessWarnings()
{
    return g_leakWarnings.load();
}

} // namespace jobpool::test
