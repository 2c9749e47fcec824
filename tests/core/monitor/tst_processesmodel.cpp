// SPDX-License-Identifier: GPL-3.0-or-later
#include "testsupport.h"

#include <jobpool/processesmodel.h>

#include <QAbstractItemModelTester>
#include <QCoreApplication>
#include <QDateTime>
#include <QProcess>
#include <QSignalSpy>
#include <QTest>

#include <memory>

using jobpool::ProcessesModel;
using jobpool::WorkerInfo;

namespace {

constexpr int Patience = 10000;

void stop(QProcess &process)
{
    process.kill();
    process.waitForFinished(Patience);
}

struct Stopper
{
    void operator()(QProcess *process) const
    {
        stop(*process);
        delete process;
    }
};
using TestApp = std::unique_ptr<QProcess, Stopper>;

/// A jobpool-testapp child, killed and waited for when it goes out of scope (also when a
/// check fails half-way).
TestApp startTestApp(const QStringList &args)
{
    TestApp process(new QProcess);
    process->start(jobpool::test::testAppPath(), args);
    if (!process->waitForStarted(Patience))
        qFatal("jobpool-testapp did not start");
    return process;
}

WorkerInfo worker(qint64 pid, WorkerInfo::State state = WorkerInfo::State::Idle)
{
    WorkerInfo info;
    info.pid = pid;
    info.state = state;
    info.startedAt = QDateTime::currentDateTimeUtc();
    return info;
}

QVariant cell(const ProcessesModel &model, int row, int column, int role = Qt::DisplayRole)
{
    return model.data(model.index(row, column), role);
}

/// True when every dataChanged in \a spy stayed inside the uptime column, the one cell that
/// may change between two snapshots a moment apart.
bool onlyUptimeChanged(const QSignalSpy &spy)
{
    for (const QList<QVariant> &args : spy) {
        const auto topLeft = args[0].value<QModelIndex>();
        const auto bottomRight = args[1].value<QModelIndex>();
        if (topLeft.column() != ProcessesModel::UptimeColumn
            || bottomRight.column() != ProcessesModel::UptimeColumn)
            return false;
    }
    return true;
}

} // namespace

class TestProcessesModel : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase() { jobpool::test::installProcessLeakGuard(); }

    void cleanup()
    {
        const QString left = jobpool::test::leftovers(Patience);
        QVERIFY2(left.isEmpty(), qPrintable(left));
    }

    void showsWorkerAndItsCommand()
    {
        ProcessesModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        const auto child = startTestApp({QStringLiteral("hang")});

        WorkerInfo info = worker(QCoreApplication::applicationPid(), WorkerInfo::State::Busy);
        info.startedAt = QDateTime::currentDateTimeUtc().addSecs(-3723);
        info.childPid = child->processId();
        info.childTag = 7;
        info.currentTask = 3;
        info.tasksDone = 12;
        model.update({info});

        QCOMPARE(model.rowCount(), 1);
        QCOMPARE(model.columnCount(), int(ProcessesModel::ColumnCount));
        QCOMPARE(cell(model, 0, ProcessesModel::PidColumn).toString(),
                 QString::number(QCoreApplication::applicationPid()));
        QCOMPARE(cell(model, 0, ProcessesModel::StateColumn).toString(), QStringLiteral("Busy"));
        QCOMPARE(cell(model, 0, ProcessesModel::JobColumn).toString(), QStringLiteral("#7"));
        QCOMPARE(cell(model, 0, ProcessesModel::CommandColumn).toString(),
                 jobpool::test::testAppPath() + QStringLiteral(" hang"));
        QVERIFY(cell(model, 0, ProcessesModel::CpuColumn).toString().endsWith(QLatin1String(" %")));
        QVERIFY(cell(model, 0, ProcessesModel::CpuColumn, ProcessesModel::SortRole).toDouble()
                >= 0);
        const QString rss = cell(model, 0, ProcessesModel::RssColumn).toString();
        QVERIFY2(rss.endsWith(QLatin1String(" MiB")), qPrintable(rss));
        QVERIFY(cell(model, 0, ProcessesModel::RssColumn, ProcessesModel::SortRole).toLongLong()
                > 1024 * 1024);
        QVERIFY(!cell(model, 0, ProcessesModel::RssColumn, Qt::ToolTipRole).toString().isEmpty());
        QCOMPARE(cell(model, 0, ProcessesModel::UptimeColumn).toString(),
                 QStringLiteral("1:02:03"));
        QCOMPARE(
            cell(model, 0, ProcessesModel::UptimeColumn, ProcessesModel::SortRole).toLongLong(),
            3723);
        QCOMPARE(cell(model, 0, ProcessesModel::JobsDoneColumn).toString(), QStringLiteral("12"));
        QCOMPARE(
            cell(model, 0, ProcessesModel::JobsDoneColumn, ProcessesModel::SortRole).toLongLong(),
            12);
        QCOMPARE(cell(model, 0, 0, ProcessesModel::JobSeqRole).toLongLong(), 7);
        QVERIFY(!cell(model, 0, 0, Qt::DecorationRole).isValid());
        QCOMPARE(model.headerData(ProcessesModel::CpuColumn, Qt::Horizontal).toString(),
                 QStringLiteral("CPU %"));

        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        model.setJobLabel([](qint64 seq) { return QStringLiteral("input-%1.txt").arg(seq); });
        QCOMPARE(cell(model, 0, ProcessesModel::JobColumn).toString(),
                 QStringLiteral("input-7.txt"));
        QCOMPARE(changed.count(), 1);

        stop(*child);
        // The command has gone: the row shows the worker alone.
        info.childPid = 0;
        info.childTag = 0;
        info.state = WorkerInfo::State::Idle;
        model.update({info});
        QCOMPARE(cell(model, 0, ProcessesModel::StateColumn).toString(), QStringLiteral("Idle"));
        QCOMPARE(cell(model, 0, ProcessesModel::CommandColumn).toString(), QString());
        QCOMPARE(cell(model, 0, ProcessesModel::JobColumn).toString(), QStringLiteral("task 3"));
        info.currentTask = 4; // a library pool's next chunk: no command, a new task
        model.update({info});
        QCOMPARE(cell(model, 0, ProcessesModel::JobColumn).toString(), QStringLiteral("task 4"));
        QVERIFY(!cell(model, 0, ProcessesModel::RssColumn).toString().isEmpty());
    }

    void rowsStayStableByPid()
    {
        ProcessesModel model;
        model.setSampleInterval(3600 * 1000); // no new /proc reading in between: stable cells
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        const auto a = startTestApp({QStringLiteral("hang")});
        const auto b = startTestApp({QStringLiteral("hang")});
        const qint64 self = QCoreApplication::applicationPid();
        QList<WorkerInfo> workers{worker(self), worker(a->processId()), worker(b->processId())};

        QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
        QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);
        QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        model.update(workers);
        QCOMPARE(model.rowCount(), 3);
        QCOMPARE(inserted.count(), 1);

        // The same snapshot in another order: nothing moves, nothing but uptime changes.
        model.update({workers[2], workers[0], workers[1]});
        QCOMPARE(cell(model, 0, 0, ProcessesModel::PidRole).toLongLong(), self);
        QCOMPARE(cell(model, 2, 0, ProcessesModel::PidRole).toLongLong(), b->processId());
        QVERIFY(onlyUptimeChanged(changed));

        // One worker finished a task: its cell changes, the others do not.
        changed.clear();
        workers[1].tasksDone = 1;
        model.update(workers);
        bool sawJobsDone = false;
        for (const QList<QVariant> &args : std::as_const(changed)) {
            const auto topLeft = args[0].value<QModelIndex>();
            const auto bottomRight = args[1].value<QModelIndex>();
            // (When a second ticks over meanwhile, all uptimes change too, in one signal.)
            if (topLeft.row() <= 1 && bottomRight.row() >= 1
                && topLeft.column() <= ProcessesModel::JobsDoneColumn
                && bottomRight.column() >= ProcessesModel::JobsDoneColumn)
                sawJobsDone = true;
            else
                QCOMPARE(topLeft.column(), int(ProcessesModel::UptimeColumn));
        }
        QVERIFY(sawJobsDone);
        QCOMPARE(cell(model, 1, ProcessesModel::JobsDoneColumn).toString(), QStringLiteral("1"));

        // The middle worker went away, a new one came: one removal, one insertion at the end.
        stop(*a);
        const auto c = startTestApp({QStringLiteral("hang")});
        model.update({workers[0], workers[2], worker(c->processId())});
        QCOMPARE(removed.count(), 1);
        QCOMPARE(removed.first().at(1).toInt(), 1);
        QCOMPARE(inserted.count(), 2);
        QCOMPARE(model.rowCount(), 3);
        QCOMPARE(cell(model, 1, 0, ProcessesModel::PidRole).toLongLong(), b->processId());
        QCOMPARE(cell(model, 2, 0, ProcessesModel::PidRole).toLongLong(), c->processId());

        // Everything went away.
        model.update({});
        QCOMPARE(model.rowCount(), 0);
        QCOMPARE(reset.count(), 0);
        stop(*b);
        stop(*c);
    }

    void workersWithoutPidYet()
    {
        ProcessesModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.update(
            {worker(0, WorkerInfo::State::Starting), worker(0, WorkerInfo::State::Starting)});
        QCOMPARE(model.rowCount(), 2);
        QCOMPARE(cell(model, 0, ProcessesModel::PidColumn).toString(), QString());
        QCOMPARE(cell(model, 1, ProcessesModel::StateColumn).toString(),
                 QStringLiteral("Starting"));
        QCOMPARE(cell(model, 0, ProcessesModel::CpuColumn).toString(), QString());
        QCOMPARE(cell(model, 0, ProcessesModel::RssColumn, ProcessesModel::SortRole).toLongLong(),
                 -1);
    }

    void goneProcessesShowNoNumbers()
    {
        ProcessesModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        const auto child = startTestApp({QStringLiteral("hang")});
        const qint64 pid = child->processId();
        stop(*child);
        model.update({worker(pid, WorkerInfo::State::Stopping)});
        QCOMPARE(model.rowCount(), 1);
        QCOMPARE(cell(model, 0, ProcessesModel::CpuColumn).toString(), QString());
        QCOMPARE(cell(model, 0, ProcessesModel::RssColumn).toString(), QString());
    }

    void measuresBusyCommand()
    {
        ProcessesModel model;
        // Short, but long enough that the last check of QTRY_VERIFY sees the same reading
        // as the one before it rather than a millisecond's worth.
        model.setSampleInterval(200);
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        const auto idle = startTestApp({QStringLiteral("hang")});
        const auto busy = startTestApp({QStringLiteral("spin"), QStringLiteral("60000")});
        WorkerInfo info = worker(idle->processId(), WorkerInfo::State::Busy);
        info.childPid = busy->processId();
        info.childTag = 1;
        const auto cpu = [&] {
            model.update({info});
            return cell(model, 0, ProcessesModel::CpuColumn, ProcessesModel::SortRole).toDouble();
        };
        // On a loaded machine the spinner may get less than a core; a third is plenty.
        QTRY_VERIFY_WITH_TIMEOUT(cpu() > 30, Patience);
        QVERIFY(cell(model, 0, ProcessesModel::CpuColumn, Qt::ToolTipRole)
                    .toString()
                    .contains(QLatin1String("command")));
        stop(*busy);
        stop(*idle);
    }

    // Workers that were replaced for their memory have no row left; the pool's count of
    // them is the model's summary, for the line under the table.
    void summaryCountsWorkersReplacedForMemory()
    {
        ProcessesModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        QSignalSpy summaryChanged(&model, &ProcessesModel::summaryChanged);
        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        jobpool::PoolStats stats;
        stats.workersStarted = 2;
        model.setPoolStats(stats);
        QCOMPARE(model.workersRecycled(), qint64(0));
        QCOMPARE(model.summary(), QString()); // nothing to say: no line
        QCOMPARE(model.summaryToolTip(), QString());
        QCOMPARE(summaryChanged.count(), 0);

        stats.workersRecycled = 3;
        stats.workersStarted = 5;
        model.setPoolStats(stats);
        QCOMPARE(model.workersRecycled(), qint64(3));
        QCOMPARE(model.summary(), QStringLiteral("Workers replaced for using too much memory: 3"));
        QVERIFY(model.summaryToolTip().contains(QLatin1String("limit")));
        QCOMPARE(summaryChanged.count(), 1);

        // Other counts moving on change nothing; the next batch's pool starts from zero.
        stats.done = 100;
        model.setPoolStats(stats);
        QCOMPARE(summaryChanged.count(), 1);
        model.setPoolStats({});
        QCOMPARE(summaryChanged.count(), 2);
        QCOMPARE(model.summary(), QString());
        QCOMPARE(changed.count(), 0); // no row changed
        QCOMPARE(model.rowCount(), 0);
    }

    void formatsUptime()
    {
        QCOMPARE(ProcessesModel::formatUptime(0), QStringLiteral("0:00:00"));
        QCOMPARE(ProcessesModel::formatUptime(59), QStringLiteral("0:00:59"));
        QCOMPARE(ProcessesModel::formatUptime(3723), QStringLiteral("1:02:03"));
        QCOMPARE(ProcessesModel::formatUptime(100 * 3600), QStringLiteral("100:00:00"));
        QCOMPARE(ProcessesModel::formatUptime(-1), QString());
    }
};

QTEST_GUILESS_MAIN(TestProcessesModel)
#include "tst_processesmodel.moc"
