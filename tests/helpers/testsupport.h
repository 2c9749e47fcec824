// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QList>
#include <QString>
#include <QStringList>

#include <sys/types.h>

namespace jobpool::test {

/// Path of the jobpool-testapp helper program (ctest passes it in JOBPOOL_TESTAPP).
QString testAppPath();

/// Processes whose parent is \a parent, read from /proc.
QList<pid_t> childProcesses(pid_t parent);

/// \a parent's children, their children, and so on.
QList<pid_t> descendantProcesses(pid_t parent);

/// True while a process with this pid exists and is not a zombie.
bool processAlive(pid_t pid);

/// A process's state letter from /proc/PID/stat ("R", "S", "T" when stopped…); empty when
/// it is gone.
QByteArray processState(pid_t pid);

/// The CPU time a process has used (user + system), in clock ticks; -1 when it is gone.
qint64 processCpuTicks(pid_t pid);

/// The CPUs a /proc/PID/status text allows, as its Cpus_allowed_list line lists them
/// ("0-3", "1"); "<none>" when it has no such line.
QByteArray cpusAllowed(const QByteArray &status);
/// How many CPUs this process may run on (as a pool started from it counts them).
int usableCpuCount();

/// Waits up to \a timeoutMs for this process to have no child left. Returns an empty
/// string when none is; else kills what is left (so that one failing test does not spill
/// into the next) and says which pids they were. For each suite's cleanup():
/// `const QString left = test::reapLeftoverChildren(Patience); QVERIFY2(left.isEmpty(), …)`.
QString reapLeftoverChildren(int timeoutMs);

/// What a test left behind: children still running after \a timeoutMs (killed, as
/// reapLeftoverChildren() does) and QProcess objects destroyed while their process ran
/// (installProcessLeakGuard() must be installed). Empty when nothing was. The check every
/// suite's cleanup() makes: `QVERIFY2(left.isEmpty(), qPrintable(left))`.
QString leftovers(int timeoutMs);

/// The names in /dev/shm that this user owns.
QStringList sharedMemoryEntries();

/// Installs a message handler that counts Qt's "QProcess: Destroyed while process … is
/// still running" warnings (a leaked child) and forwards every message to the previous
/// handler. Call once in initTestCase(); check leakedProcessWarnings() in cleanup().
void installProcessLeakGuard();
int leakedProcessWarnings();

} // namespace jobpool::test

/// QTEST_GUILESS_MAIN for suites whose executable is also a worker program: a Pool or a
/// Process re-launches the test executable, and jobpool::init() must come first.
#define JOBPOOL_TEST_MAIN(TestClass)                                                               \
    int main(int argc, char **argv)                                                                \
    {                                                                                              \
        jobpool::init(argc, argv);                                                                 \
        QCoreApplication app(argc, argv);                                                          \
        TestClass test;                                                                            \
        return QTest::qExec(&test, argc, argv);                                                    \
    }
