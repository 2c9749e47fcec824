// SPDX-License-Identifier: GPL-3.0-or-later
// Issue #8's security checks, with the real executables: what a running batch and the
// desktop app leave reachable — the job store, the job logs and the batch's journal, the
// workers' shared memory, the processes themselves, the desktop app's socket, a Manager's
// socket — is its owner's alone. The test creates an unprivileged user and tries, as that
// user, to open, list, connect to and attach to each of them; every try must be refused.
// So that the refusal comes from the objects themselves, the test's folder is opened to
// everyone first. Also: no file name is ever read by a shell.
//
// Needs root (to create the user and to run as it); skipped otherwise.
#include "testsupport.h"

#include <jobpool/jobpool.h>
#include <jobpool/manager.h>

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>

#include <unistd.h>

namespace test = jobpool::test;
using namespace Qt::StringLiterals;

namespace {

constexpr int kPatience = 60000;
const QString kProbeUser = u"jobpool-probe"_s;

/// Run by the probe user: tries each target and prints, per line, the target and the
/// errno name (or "ok"). A target is "open:PATH", "list:PATH", "connect:PATH" or
/// "attach:PID".
const char kProbeScript[] = R"(
import ctypes, errno, os, socket, sys
libc = ctypes.CDLL(None, use_errno=True)
def attempt(target):
    kind, _, what = target.partition(':')
    try:
        if kind == 'open':
            os.close(os.open(what, os.O_RDONLY))
        elif kind == 'write':
            os.close(os.open(what, os.O_WRONLY))
        elif kind == 'list':
            os.listdir(what)
        elif kind == 'connect':
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(what)
            s.close()
        elif kind == 'attach':
            if libc.ptrace(16, int(what), 0, 0) != 0:  # PTRACE_ATTACH
                raise OSError(ctypes.get_errno(), 'ptrace')
        return 'ok'
    except OSError as e:
        return errno.errorcode.get(e.errno, str(e.errno))
for line in sys.stdin:
    target = line.rstrip('\n')
    print(target + '\t' + attempt(target), flush=True)
)";

bool run(const QString &program, const QStringList &arguments, QByteArray *out = nullptr)
{
    QProcess p;
    p.start(program, arguments);
    if (!p.waitForFinished(kPatience))
        return false;
    if (out)
        *out = p.readAllStandardOutput();
    return p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0;
}

/// Ways into \a pid's shared memory: the memfd descriptors it holds, and the memfd
/// mappings (channels and rings are mapped, then their descriptors closed), as /proc paths.
QStringList sharedMemoryOf(pid_t pid)
{
    QStringList found;
    const QString fds = u"/proc/%1/fd"_s.arg(pid);
    for (const QString &fd : QDir(fds).entryList(QDir::Files | QDir::System)) {
        const QByteArray link = QFile::encodeName(fds + u'/' + fd);
        char target[256];
        const ssize_t n = ::readlink(link.constData(), target, sizeof target);
        if (n > 0 && QByteArray(target, n).startsWith("/memfd:"))
            found.append(fds + u'/' + fd);
    }
    QFile maps(u"/proc/%1/maps"_s.arg(pid));
    if (maps.open(QIODevice::ReadOnly)) {
        for (const QByteArray &line : maps.readAll().split('\n')) {
            if (line.contains(" /memfd:"))
                found.append(u"/proc/%1/map_files/%2"_s.arg(pid).arg(
                    QString::fromLatin1(line.left(line.indexOf(' ')))));
        }
    }
    found.removeDuplicates();
    return found;
}

} // namespace

class TestSecurity : public QObject
{
    Q_OBJECT

    bool m_createdUser = false;
    QTemporaryDir m_dir;

    QString path(const QString &name) const { return m_dir.filePath(name); }

    /// The probe's verdict on each target: target → "ok" or an errno name.
    QHash<QString, QString> probe(const QStringList &targets) const
    {
        QProcess p;
        p.start(u"setpriv"_s,
                {u"--reuid="_s + kProbeUser, u"--regid="_s + kProbeUser, u"--clear-groups"_s,
                 u"--"_s, u"/usr/bin/python3"_s, u"-c"_s, QString::fromUtf8(kProbeScript)});
        p.write(targets.join(u'\n').toUtf8() + '\n');
        p.closeWriteChannel();
        QHash<QString, QString> verdicts;
        if (!p.waitForFinished(kPatience)) {
            p.kill();
            p.waitForFinished();
            return verdicts;
        }
        for (const QByteArray &line : p.readAllStandardOutput().split('\n')) {
            const qsizetype tab = line.lastIndexOf('\t');
            if (tab > 0)
                verdicts.insert(QString::fromUtf8(line.left(tab)),
                                QString::fromUtf8(line.mid(tab + 1)));
        }
        return verdicts;
    }

private slots:
    void initTestCase()
    {
        test::installProcessLeakGuard();
        if (::geteuid() != 0)
            QSKIP("needs root, to create a user and to run as it");
        QVERIFY(m_dir.isValid());
        if (!run(u"id"_s, {kProbeUser})) {
            QVERIFY(run(u"useradd"_s, {u"--system"_s, u"--no-create-home"_s, u"--shell"_s,
                                       u"/usr/sbin/nologin"_s, kProbeUser}));
            m_createdUser = true;
        }
        // Open to all, so that only the objects' own protection can refuse the probe.
        QVERIFY(QFile::setPermissions(m_dir.path(), QFile::Permissions(0x7755)));
        // The probe works at all: it can read what is everyone's.
        const QHash<QString, QString> control =
            probe({u"open:/etc/hostname"_s, u"list:"_s + m_dir.path()});
        QCOMPARE(control.value(u"open:/etc/hostname"_s), u"ok"_s);
        QCOMPARE(control.value(u"list:"_s + m_dir.path()), u"ok"_s);
    }
    void cleanupTestCase()
    {
        if (m_createdUser)
            QVERIFY(run(u"userdel"_s, {kProbeUser}));
    }
    void cleanup()
    {
        const QString left = test::leftovers(20000);
        QVERIFY2(left.isEmpty(), qPrintable(left));
    }

    // A running batch: its store, logs, journal, shared memory and processes.
    void runningBatchIsTheOwnersAlone()
    {
        const QString release = path(u"release"_s);
        QProcess batch;
        batch.setWorkingDirectory(m_dir.path());
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(u"XDG_DATA_HOME"_s, path(u"xdg-data"_s));
        batch.setProcessEnvironment(env);
        // The jobs wait, inside their own command, until the test lets them go.
        batch.start(QStringLiteral(JOBPOOL_BINARY),
                    {u"run"_s, u"--db"_s, path(u"jobs.sqlite"_s), u"-j2"_s, u"--line-buffer"_s,
                     u"sh"_s, u"-c"_s,
                     u"echo secret {}; while [ ! -e %1 ]; do sleep 0.02; done"_s.arg(release),
                     u":::"_s, u"a"_s, u"b"_s, u"c"_s});
        QVERIFY(batch.waitForStarted(kPatience));
        const QString logs = path(u"logs/batch-1"_s);
        QTRY_VERIFY_WITH_TIMEOUT(QFileInfo::exists(logs + u"/1.out"_s)
                                     && QFileInfo::exists(logs + u"/2.out"_s),
                                 kPatience);
        const pid_t parent = pid_t(batch.processId());
        const QList<pid_t> workers = test::childProcesses(parent);
        QVERIFY(!workers.isEmpty());

        QStringList targets{u"open:"_s + path(u"jobs.sqlite"_s),
                            u"write:"_s + path(u"jobs.sqlite"_s),
                            u"list:"_s + logs,
                            u"list:"_s + path(u"logs"_s),
                            u"open:"_s + logs + u"/1.out"_s,
                            u"open:"_s + logs + u"/2.out"_s,
                            u"attach:%1"_s.arg(parent),
                            u"open:/proc/%1/mem"_s.arg(parent),
                            u"open:/proc/%1/environ"_s.arg(parent)};
        for (const QString &suffix : {u"-wal"_s, u"-shm"_s}) {
            if (QFileInfo::exists(path(u"jobs.sqlite"_s + suffix)))
                targets.append(u"open:"_s + path(u"jobs.sqlite"_s + suffix));
        }
        if (QFileInfo::exists(logs + u"/jobpool.journal"_s))
            targets.append(u"open:"_s + logs + u"/jobpool.journal"_s);
        int memfds = 0;
        QList<pid_t> ours = workers;
        ours.append(parent);
        for (pid_t pid : std::as_const(ours)) {
            for (const QString &fd : sharedMemoryOf(pid)) {
                targets.append(u"open:"_s + fd);
                ++memfds;
            }
            if (pid != parent)
                targets.append(u"attach:%1"_s.arg(pid));
        }
        QVERIFY2(memfds >= 4, "no shared memory found to probe");
        // Each target is there: the owner can open it.
        for (const QString &t : std::as_const(targets)) {
            const QString what = t.section(u':', 1);
            if (t.startsWith(u"open:"_s) || t.startsWith(u"write:"_s) || t.startsWith(u"list:"_s))
                QVERIFY2(QFileInfo::exists(what), qPrintable(what));
        }

        const QHash<QString, QString> verdicts = probe(targets);
        QCOMPARE(verdicts.size(), targets.size());
        for (const QString &t : std::as_const(targets)) {
            const QString v = verdicts.value(t);
            QVERIFY2(v == u"EACCES"_s || v == u"EPERM"_s,
                     qPrintable(u"%1: %2 for another user"_s.arg(t, v)));
        }
        qInfo("%lld targets refused to another user (%d shared memory descriptors)",
              qlonglong(targets.size()), memfds);

        QVERIFY(QFile(release).open(QIODevice::WriteOnly));
        QVERIFY(batch.waitForFinished(kPatience));
        QCOMPARE(batch.exitCode(), 0);
    }

    // The desktop app's socket, and a Manager's.
    void socketsAreTheOwnersAlone()
    {
        const QString runtime = path(u"runtime"_s);
        QVERIFY(QDir().mkpath(runtime));
        QVERIFY(QFile::setPermissions(runtime, QFile::Permissions(0x7700)));
        QProcess desktop;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(u"XDG_RUNTIME_DIR"_s, runtime);
        env.insert(u"XDG_DATA_HOME"_s, path(u"xdg-data"_s));
        env.insert(u"XDG_CONFIG_HOME"_s, path(u"xdg-config"_s));
        env.insert(u"QT_QPA_PLATFORM"_s, u"offscreen"_s);
        desktop.setProcessEnvironment(env);
        desktop.start(QStringLiteral(JOBPOOL_BINARY), {u"--db"_s, path(u"desktop.sqlite"_s)});
        QVERIFY(desktop.waitForStarted(kPatience));
        const QString socket = runtime + u"/jobpool-%1.socket"_s.arg(::getuid());
        QTRY_VERIFY_WITH_TIMEOUT(QFileInfo::exists(socket), kPatience);
        // Qt wants the runtime folder its owner's alone; opened now that the app has it.
        QVERIFY(QFile::setPermissions(runtime, QFile::Permissions(0x7755)));

        jobpool::Manager manager;
        const QString managerSocket = manager.address();
        QVERIFY(QFileInfo::exists(managerSocket));

        const QStringList targets{u"connect:"_s + socket, u"connect:"_s + managerSocket,
                                  u"open:"_s + path(u"desktop.sqlite"_s)};
        const QHash<QString, QString> verdicts = probe(targets);
        for (const QString &t : targets) {
            const QString v = verdicts.value(t);
            QVERIFY2(v == u"EACCES"_s || v == u"EPERM"_s,
                     qPrintable(u"%1: %2 for another user"_s.arg(t, v)));
        }
        desktop.terminate();
        QVERIFY(desktop.waitForFinished(kPatience));
    }

    // Inputs are arguments, never shell text: with no --shell, and with --shell, where
    // each value is quoted.
    void fileNamesAreNeverShellText()
    {
        const QStringList hostile{u"$(touch pwned1)"_s, u"`touch pwned2`"_s,
                                  u"; touch pwned3"_s,  u"| touch pwned4"_s,
                                  u"&& touch pwned5"_s, u"'; touch pwned6; '"_s};
        for (bool shell : {false, true}) {
            QProcess p;
            p.setWorkingDirectory(m_dir.path());
            QStringList arguments{u"run"_s, u"--db"_s, path(u"shell.sqlite"_s), u"-k"_s};
            if (shell)
                arguments << u"--shell"_s << u"echo {}"_s;
            else
                arguments << u"echo"_s;
            p.start(QStringLiteral(JOBPOOL_BINARY), arguments << u":::"_s << hostile);
            QVERIFY(p.waitForFinished(kPatience));
            QCOMPARE(p.exitCode(), 0);
            QCOMPARE(QString::fromUtf8(p.readAllStandardOutput()), hostile.join(u'\n') + u'\n');
            for (int i = 1; i <= 6; ++i)
                QVERIFY2(!QFileInfo::exists(path(u"pwned%1"_s.arg(i))), qPrintable(u"%1"_s.arg(i)));
        }
    }
};

JOBPOOL_TEST_MAIN(TestSecurity)
#include "tst_security.moc"
