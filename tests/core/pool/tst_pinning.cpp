// SPDX-License-Identifier: GPL-3.0-or-later
// PoolOptions::pinWorkers with real worker processes: with as many workers as CPUs, each
// keeps to a CPU of its own and no two share one; a worker that replaces a dead one takes
// the CPU it left; with fewer or more workers than CPUs, or without the option, every
// worker keeps the CPUs it inherited; and a command a pinned worker starts through
// jobpool::exec() gets all of them back.
//
// This executable is also the pool's worker program: main() hands over to jobpool::init().
#include "testsupport.h"

#include <jobpool/exec.h>
#include <jobpool/jobpool.h>

#include <QFile>
#include <QSet>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <csignal>

#include <sched.h>
#include <unistd.h>

using jobpool::ExecRequest;
using jobpool::Pool;
using jobpool::PoolOptions;
using jobpool::WorkerInfo;
using namespace jobpool::test;

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr int Patience = 20000;
#else
constexpr int Patience = 10000;
#endif

namespace {

/// The CPUs process \a pid (0: this one) may run on; empty if it cannot be asked.
QList<int> cpusOf(pid_t pid = 0)
{
    cpu_set_t set;
    if (::sched_getaffinity(pid, sizeof set, &set) != 0)
        return {};
    QList<int> cpus;
    for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
        if (CPU_ISSET(cpu, &set))
            cpus.append(cpu);
    }
    return cpus;
}

/// The pool's workers once \a count of them are ready (a worker keeps to its CPU before
/// it says so), none of them \a gone.
QList<WorkerInfo> startedWorkers(const Pool &pool, int count, qint64 gone = 0)
{
    const auto started = [&] {
        const QList<WorkerInfo> workers = pool.workers();
        return workers.size() == count
               && std::all_of(workers.begin(), workers.end(), [gone](const WorkerInfo &w) {
                      return w.state == WorkerInfo::State::Idle && w.pid != gone;
                  });
    };
    if (!QTest::qWaitFor(started, Patience))
        return {};
    return pool.workers();
}

} // namespace

class TestPinning : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        installProcessLeakGuard();
        m_sharedMemoryBefore = sharedMemoryEntries();
        m_cpus = cpusOf();
        QVERIFY(!m_cpus.isEmpty());
    }

    void cleanup()
    {
        const QString left = leftovers(Patience);
        QVERIFY2(left.isEmpty(), qPrintable(left));
        QTRY_COMPARE_WITH_TIMEOUT(sharedMemoryEntries(), m_sharedMemoryBefore, Patience);
    }

    void eachWorkerKeepsToACpuOfItsOwn()
    {
        if (m_cpus.size() < 2)
            QSKIP("one CPU: nothing to keep to");
        const int n = int(m_cpus.size());
        Pool pool({.workers = n, .pinWorkers = true});
        const QList<WorkerInfo> workers = startedWorkers(pool, n);
        QCOMPARE(workers.size(), n);
        QSet<int> taken;
        for (const WorkerInfo &w : workers) {
            const QList<int> cpus = cpusOf(pid_t(w.pid));
            QCOMPARE(cpus.size(), 1);
            QVERIFY2(m_cpus.contains(cpus.front()), "a CPU this process may not use");
            taken.insert(cpus.front());
        }
        QCOMPARE(taken.size(), n); // no two on one CPU
    }

    // A worker that dies is replaced on the CPU it left, not on one a live worker has.
    void aReplacementTakesTheCpuLeft()
    {
        if (m_cpus.size() < 2)
            QSKIP("one CPU: nothing to keep to");
        const int n = int(m_cpus.size());
        Pool pool({.workers = n, .pinWorkers = true});
        const QList<WorkerInfo> before = startedWorkers(pool, n);
        QCOMPARE(before.size(), n);
        QSet<qint64> survivors;
        for (const WorkerInfo &w : before)
            survivors.insert(w.pid);
        const qint64 victim = before.front().pid;
        survivors.remove(victim);
        const QList<int> itsCpu = cpusOf(pid_t(victim));
        QCOMPARE(itsCpu.size(), 1);
        QVERIFY(::kill(pid_t(victim), SIGKILL) == 0);
        const QList<WorkerInfo> after = startedWorkers(pool, n, victim);
        QCOMPARE(after.size(), n);
        for (const WorkerInfo &w : after) {
            if (!survivors.contains(w.pid))
                QCOMPARE(cpusOf(pid_t(w.pid)), itsCpu);
        }
    }

    // Fewer or more workers than CPUs share them as the kernel sees fit; so do workers of a
    // pool that was not asked to pin them.
    void unpinnedWorkersKeepTheInheritedCpus_data()
    {
        QTest::addColumn<int>("workers");
        QTest::addColumn<bool>("pin");
        QTest::newRow("not asked") << 2 << false;
        QTest::newRow("more workers than CPUs") << int(m_cpus.size()) + 1 << true;
        if (m_cpus.size() > 1)
            QTest::newRow("fewer workers than CPUs") << int(m_cpus.size()) - 1 << true;
    }
    void unpinnedWorkersKeepTheInheritedCpus()
    {
        QFETCH(int, workers);
        QFETCH(bool, pin);
        Pool pool({.workers = workers, .pinWorkers = pin});
        const QList<WorkerInfo> started = startedWorkers(pool, workers);
        QCOMPARE(started.size(), workers);
        for (const WorkerInfo &w : started)
            QCOMPARE(cpusOf(pid_t(w.pid)), m_cpus);
    }

    // The command runs on every CPU the pool may use, while its worker keeps to one.
    void commandsGetTheInheritedCpusBack()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        Pool pool({.workers = int(m_cpus.size()), .pinWorkers = true});
        ExecRequest request;
        request.argv = {"sh", "-c", "cat /proc/self/status; echo ---; cat /proc/$PPID/status"};
        request.stdoutPath = QFile::encodeName(dir.filePath(QStringLiteral("out")));
        QVERIFY(pool.apply(jobpool::exec, request).succeeded());
        QFile out(dir.filePath(QStringLiteral("out")));
        QVERIFY(out.open(QIODevice::ReadOnly));
        const QByteArray both = out.readAll();
        const qsizetype mark = both.indexOf("\n---\n");
        QVERIFY2(mark > 0, both.constData());
        QCOMPARE(cpusAllowed(both.left(mark)), cpusAllowed(ownStatus()));
        const QByteArray worker = cpusAllowed(both.mid(mark));
        if (m_cpus.size() < 2)
            QCOMPARE(worker, cpusAllowed(ownStatus()));
        else
            QVERIFY2(!worker.contains('-') && !worker.contains(','), worker.constData());
    }

private:
    static QByteArray ownStatus()
    {
        QFile status(QStringLiteral("/proc/self/status"));
        return status.open(QIODevice::ReadOnly) ? status.readAll() : QByteArray();
    }

    QStringList m_sharedMemoryBefore;
    QList<int> m_cpus; ///< what this process, and so a pool, may use
};

JOBPOOL_TEST_MAIN(TestPinning)

#include "tst_pinning.moc"
