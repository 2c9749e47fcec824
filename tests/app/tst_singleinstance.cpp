// SPDX-License-Identifier: GPL-3.0-or-later
// One desktop window per user: a second `jobpool FILE…` hands its files to the first over
// a local socket and exits. The socket is owner-only; one left by a crash is replaced.
#include "singleinstance.h"
#include "testsupport.h"

#include <QProcess>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

#include <memory>

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

using jobpool::app::SingleInstance;
using namespace jobpool::test;

namespace {

/// A socket file with nobody behind it, as a killed instance leaves.
void leaveStaleSocket(const QString &path)
{
    const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    const QByteArray name = QFile::encodeName(path);
    std::memcpy(address.sun_path, name.constData(), size_t(name.size()));
    QVERIFY(::bind(fd, reinterpret_cast<sockaddr *>(&address), sizeof address) == 0);
    ::close(fd);
    QVERIFY(QFileInfo::exists(path));
}

} // namespace

class TestSingleInstance : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase() { installProcessLeakGuard(); }
    void init() { QVERIFY(m_dir.emplace().isValid()); }
    void cleanup()
    {
        m_dir.reset();
        const QString left = leftovers(20000);
        QVERIFY2(left.isEmpty(), qPrintable(left));
    }

    // The first instance answers on its own thread; a second hands over its paths, bytes
    // as they are (file names need not be UTF-8).
    void forwardsPaths()
    {
        QThread thread;
        auto *first = new SingleInstance(socketPath());
        first->moveToThread(&thread);
        thread.start();
        bool listening = false;
        QMetaObject::invokeMethod(
            first, [&] { listening = first->listen(); }, Qt::BlockingQueuedConnection);
        QVERIFY(listening);
        QFileInfo socket(socketPath());
        QCOMPARE(
            socket.permissions()
                & (QFile::ReadGroup | QFile::WriteGroup | QFile::ReadOther | QFile::WriteOther),
            QFile::Permissions());
        QSignalSpy received(first, &SingleInstance::pathsReceived);

        const QList<QByteArray> paths{"/tmp/a b.txt", "/tmp/caf\xe9"};
        SingleInstance second(socketPath());
        QVERIFY(second.forward(paths));
        QTRY_COMPARE(received.size(), 1);
        QCOMPARE(received.front().front().value<QList<QByteArray>>(), paths);
        QVERIFY(second.forward({})); // only "show yourself"
        QTRY_COMPARE(received.size(), 2);

        // While it lives, nobody else can take the name.
        SingleInstance third(socketPath());
        QVERIFY(!third.listen());

        QMetaObject::invokeMethod(
            first, [first] { delete first; }, Qt::BlockingQueuedConnection);
        thread.quit();
        QVERIFY(thread.wait(10000));
    }

    void nobodyToForwardTo()
    {
        SingleInstance alone(socketPath());
        QVERIFY(!alone.forward({"/tmp/x"}, 500));
    }

    // A socket a crashed instance left behind is taken over.
    void staleSocketReplaced()
    {
        leaveStaleSocket(socketPath());
        SingleInstance next(socketPath());
        QVERIFY(!next.forward({}, 500));
        QVERIFY(next.listen());
    }

    // End to end with the real executable: a second `jobpool FILE` exits at once, its
    // files handed to the window already open, instead of opening one of its own.
    void secondInvocationExits()
    {
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("XDG_RUNTIME_DIR"), m_dir->path());
        env.insert(QStringLiteral("XDG_CONFIG_HOME"), m_dir->filePath(QStringLiteral("config")));
        env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
        const QString store = m_dir->filePath(QStringLiteral("jobs.sqlite"));
        QProcess first;
        first.setProcessEnvironment(env);
        first.start(QStringLiteral(JOBPOOL_BINARY), {QStringLiteral("--db"), store});
        QVERIFY(first.waitForStarted());
        const QString socket = m_dir->filePath(QStringLiteral("jobpool-%1.socket").arg(::getuid()));
        QTRY_VERIFY_WITH_TIMEOUT(QFileInfo::exists(socket) && QFileInfo::exists(store), 30000);

        QProcess second;
        second.setProcessEnvironment(env);
        second.start(QStringLiteral(JOBPOOL_BINARY), {m_dir->path()});
        QVERIFY(second.waitForFinished(30000));
        QCOMPARE(second.exitStatus(), QProcess::NormalExit);
        QCOMPARE(second.exitCode(), 0);
        QCOMPARE(first.state(), QProcess::Running);

        first.terminate();
        QVERIFY(first.waitForFinished(30000));
    }

    // `jobpool pause JOB` / `jobpool resume JOB` reach the window's instance and print its
    // answer; with no window, they say so. (The instance here is this test's.)
    void pauseAndResumeCommands()
    {
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("XDG_RUNTIME_DIR"), m_dir->path());
        const auto jobpool = [&env](const QStringList &arguments) {
            auto p = std::make_unique<QProcess>();
            p->setProcessEnvironment(env);
            p->start(QStringLiteral(JOBPOOL_BINARY), arguments);
            return p;
        };
        std::unique_ptr<QProcess> p = jobpool({QStringLiteral("pause"), QStringLiteral("3")});
        QVERIFY(p->waitForFinished(30000));
        QCOMPARE(p->exitCode(), 1);
        QVERIFY(p->readAllStandardError().contains("no JobPool window is running"));

        SingleInstance window(m_dir->filePath(QStringLiteral("jobpool-%1.socket").arg(::getuid())));
        QList<QList<QByteArray>> asked;
        window.setCommandHandler([&asked](const QList<QByteArray> &command) {
            asked.append(command);
            return command.value(1) == "3" ? QString() : QStringLiteral("job 4 is not running");
        });
        QVERIFY(window.listen());
        p = jobpool({QStringLiteral("pause"), QStringLiteral("3")});
        QTRY_VERIFY_WITH_TIMEOUT(p->state() == QProcess::NotRunning, 30000);
        QCOMPARE(p->exitCode(), 0);
        p = jobpool({QStringLiteral("resume"), QStringLiteral("4")});
        QTRY_VERIFY_WITH_TIMEOUT(p->state() == QProcess::NotRunning, 30000);
        QCOMPARE(p->exitCode(), 1);
        QVERIFY(p->readAllStandardError().contains("job 4 is not running"));
        QCOMPARE(asked, (QList<QList<QByteArray>>{{"pause", "3"}, {"resume", "4"}}));
        p = jobpool({QStringLiteral("pause"), QStringLiteral("three")});
        QVERIFY(p->waitForFinished(30000));
        QCOMPARE(p->exitCode(), 2); // a usage error, asked nobody
        QCOMPARE(asked.size(), 2);
    }

private:
    QString socketPath() const { return m_dir->filePath(QStringLiteral("instance.socket")); }
    std::optional<QTemporaryDir> m_dir;
};

QTEST_GUILESS_MAIN(TestSingleInstance)
#include "tst_singleinstance.moc"
