// SPDX-License-Identifier: GPL-3.0-or-later
#include "testsupport.h"

#include <jobpool/processesmodel.h>

#include <QAbstractItemModelTester>
#include <QAction>
#include <QAction>
#include <QCoreApplication>
#include <QDateTime>
#include <QHeaderView>
#include <QLabel>
#include <QMenu>
#include <QScrollBar>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QTest>

#include <widgets/processesview.h>

using jobpool::ProcessesModel;
using jobpool::WorkerInfo;
using jobpool::widgets::ProcessesView;

namespace {

/// Three workers whose "Jobs done" sort differently as numbers (9, 10, 100) and as text.
QList<WorkerInfo> workers()
{
    QList<WorkerInfo> list;
    for (const qint64 done : {100, 9, 10}) {
        WorkerInfo info;
        info.pid = list.isEmpty() ? QCoreApplication::applicationPid() : 0;
        info.state = list.isEmpty() ? WorkerInfo::State::Busy : WorkerInfo::State::Starting;
        info.tasksDone = done;
        info.childTag = list.isEmpty() ? 42 : 0;
        info.startedAt = QDateTime::currentDateTimeUtc();
        list.append(info);
    }
    return list;
}

QStringList column(const ProcessesView &view, int column)
{
    QStringList values;
    const QAbstractItemModel *model = view.model();
    for (int row = 0; row < model->rowCount(); ++row)
        values.append(model->index(row, column).data().toString());
    return values;
}

} // namespace

class TestProcessesView : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase() { jobpool::test::installProcessLeakGuard(); }
    void cleanup()
    {
        const QString left = jobpool::test::leftovers(5000);
        QVERIFY2(left.isEmpty(), qPrintable(left));
    }

    void sortsByRawNumbers()
    {
        ProcessesModel model;
        ProcessesView view;
        QCOMPARE(view.objectName(), QStringLiteral("processesView"));
        view.setProcessesModel(&model);
        QAbstractItemModelTester tester(view.model(),
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        QCOMPARE(view.proxyModel()->sortRole(), int(Qt::UserRole));
        model.update(workers());
        QCOMPARE(view.model()->rowCount(), 3);

        view.sortByColumn(ProcessesModel::JobsDoneColumn, Qt::AscendingOrder);
        QCOMPARE(column(view, ProcessesModel::JobsDoneColumn),
                 (QStringList{QStringLiteral("9"), QStringLiteral("10"), QStringLiteral("100")}));
        view.sortByColumn(ProcessesModel::JobsDoneColumn, Qt::DescendingOrder);
        QCOMPARE(column(view, ProcessesModel::JobsDoneColumn).first(), QStringLiteral("100"));

        // The model's next snapshot re-sorts: the proxy sorts dynamically.
        QList<WorkerInfo> next = workers();
        next[1].tasksDone = 1000;
        model.update(next);
        QCOMPARE(column(view, ProcessesModel::JobsDoneColumn).first(), QStringLiteral("1000"));
    }

    void savesAndRestoresItsHeader()
    {
        ProcessesModel model;
        model.update(workers());
        QByteArray state;
        {
            ProcessesView view;
            view.setProcessesModel(&model);
            view.header()->hideSection(ProcessesModel::UptimeColumn);
            view.header()->resizeSection(ProcessesModel::StateColumn, 123);
            view.header()->moveSection(ProcessesModel::JobsDoneColumn, 0);
            view.sortByColumn(ProcessesModel::JobsDoneColumn, Qt::DescendingOrder);
            state = view.saveState();
        }
        ProcessesView view;
        view.setProcessesModel(&model);
        QVERIFY(!view.restoreState(QByteArray("not a state")));
        QVERIFY(!view.restoreState(QByteArray()));
        QVERIFY(!view.header()->isSectionHidden(ProcessesModel::UptimeColumn));

        QVERIFY(view.restoreState(state));
        QVERIFY(view.header()->isSectionHidden(ProcessesModel::UptimeColumn));
        QCOMPARE(view.header()->sectionSize(ProcessesModel::StateColumn), 123);
        QCOMPARE(view.header()->visualIndex(ProcessesModel::JobsDoneColumn), 0);
        QCOMPARE(view.header()->sortIndicatorSection(), int(ProcessesModel::JobsDoneColumn));
        QCOMPARE(view.header()->sortIndicatorOrder(), Qt::DescendingOrder);
        QCOMPARE(column(view, ProcessesModel::JobsDoneColumn).first(), QStringLiteral("100"));
    }

    void doubleClickOnABusyWorkerActivatesItsJob()
    {
        ProcessesModel model;
        model.update(workers());
        ProcessesView view;
        view.setProcessesModel(&model);
        view.resize(700, 200);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        view.sortByColumn(ProcessesModel::PidColumn, Qt::DescendingOrder); // the busy one first
        QSignalSpy activated(&view, &ProcessesView::jobActivated);
        const QModelIndex busy = view.model()->index(0, ProcessesModel::PidColumn);
        QCOMPARE(busy.data(ProcessesModel::JobSeqRole).toLongLong(), 42);
        const QPoint centre = view.visualRect(busy).center();
        QTest::mouseClick(view.viewport(), Qt::LeftButton, {}, centre);
        QTest::mouseDClick(view.viewport(), Qt::LeftButton, {}, centre);
        QCOMPARE(activated.count(), 1);
        QCOMPARE(activated.first().first().toLongLong(), 42);
    }

    // The context menu pauses or resumes the job a worker runs; an idle worker has none.
    void menuPausesAndResumesTheRowsJob()
    {
        ProcessesModel model;
        model.update(workers());
        ProcessesView view;
        view.setProcessesModel(&model);
        view.sortByColumn(ProcessesModel::PidColumn, Qt::DescendingOrder); // the busy one first
        bool paused = false;
        view.setJobPausedQuery([&paused](qint64 seq) { return seq == 42 && paused; });
        QSignalSpy requested(&view, &ProcessesView::pauseRequested);
        QMenu *menu = view.menuFor(view.model()->index(0, 0));
        auto *pause = menu->findChild<QAction *>(QStringLiteral("actionPauseProcessJob"));
        auto *resume = menu->findChild<QAction *>(QStringLiteral("actionResumeProcessJob"));
        QVERIFY(pause && resume);
        QVERIFY(pause->isEnabled() && !resume->isEnabled());
        pause->trigger();
        QCOMPARE(requested.size(), 1);
        QCOMPARE(requested.at(0).at(0).toLongLong(), 42);
        QCOMPARE(requested.at(0).at(1).toBool(), true);
        paused = true;
        view.menuFor(view.model()->index(0, 0));
        QVERIFY(!pause->isEnabled() && resume->isEnabled());
        resume->trigger();
        QCOMPARE(requested.at(1).at(1).toBool(), false);
        view.menuFor(view.model()->index(1, 0)); // a worker without a job
        QVERIFY(!pause->isEnabled() && !resume->isEnabled());
    }

    // Workers replaced for their memory: a line under the rows, never over them, there only
    // while the pool has replaced some.
    void showsReplacedWorkersUnderTheTable()
    {
        ProcessesModel model;
        model.update(workers());
        ProcessesView view(&model);
        view.resize(700, 200);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        QLabel *summary = view.summaryLabel();
        QVERIFY(summary->isHidden());
        const int rowsHeight = view.viewport()->height();

        jobpool::PoolStats stats;
        stats.workersRecycled = 4;
        model.setPoolStats(stats);
        QVERIFY(summary->isVisible());
        QCOMPARE(summary->text(), QStringLiteral("Workers replaced for using too much memory: 4"));
        QVERIFY(!summary->toolTip().isEmpty());
        const QRect rows(view.viewport()->mapTo(&view, QPoint(0, 0)), view.viewport()->size());
        QVERIFY2(rows.bottom() < summary->geometry().top(),
                 qPrintable(QStringLiteral("rows end at %1, the line starts at %2")
                                .arg(rows.bottom())
                                .arg(summary->geometry().top())));
        QCOMPARE(summary->geometry().top(), rows.bottom() + 1);
        QCOMPARE(summary->width(), rows.width());
        QCOMPARE(view.viewport()->height(), rowsHeight - summary->height());
        QVERIFY(summary->geometry().bottom()
                    < view.horizontalScrollBar()->mapTo(&view, QPoint()).y()
                || !view.horizontalScrollBar()->isVisible());

        // It follows the view's size.
        view.resize(500, 300);
        QTRY_COMPARE(summary->width(), view.viewport()->width());
        QCOMPARE(summary->geometry().top(),
                 view.viewport()->mapTo(&view, QPoint(0, view.viewport()->height())).y());

        // The next batch's pool has replaced nobody yet: the rows take the room back.
        model.setPoolStats({});
        QVERIFY(summary->isHidden());
        view.resize(700, 200);
        QTRY_COMPARE(view.viewport()->height(), rowsHeight);
    }
};

QTEST_MAIN(TestProcessesView)
#include "tst_processesview.moc"
