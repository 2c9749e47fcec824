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

/// Waits up to \a timeoutMs for this process to have no child left. Returns an empty
/// string when none is; else kills what is left (so that one failing test does not spill
/// into the next) and says which pids they were. For each suite's cleanup():
/// `const QString left = test::reapLeftoverChildren(Patience); QVERIFY2(left.isEmpty(), …)`.
QString reapLeftoverChildren(int timeoutMs);

/// The names in /dev/shm that this user owns.
QStringList sharedMemoryEntries();

/// Installs a message handler that counts Qt's "QProcess: Destroyed while process … is
/// still running" warnings (a leaked child) and forwards every message to the previous
/// handler. Call once in initTestCase(); check leakedProcessWarnings() in cleanup().
void installProcessLeakGuard();
int leakedProcessWarnings();

} // namespace jobpool::test
