// SPDX-License-Identifier: GPL-3.0-or-later
// JobsView on a real store, offscreen: the sidebar's counts and filters, the context menu's
// actions on a multi-selection, selecting a job from elsewhere, and the saved layout.
#include "jobstorefixture.h"

#include <jobpool/jobsfiltermodel.h>
#include <jobpool/jobsmodel.h>

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QDesktopServices>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QSignalSpy>
#include <QTableView>
#include <QTest>

#include <widgets/jobsview.h>

using namespace jobpool;
using namespace jobpool::test;
using jobpool::widgets::JobsView;

namespace {

/// Ten jobs: 1 2 done, 3 failed, 4 killed, 5 running, 6 cancelled, 7 interrupted,
/// 8..10 queued; a JobsView over them, shown.
struct Shown
{
    Shown()
        : f(10)
    {
        f.makeMixed();
        model.setStore(&*f.store);
        model.showBatch(f.batch);
        model.finishLoading();
        view.resize(1000, 400);
        view.show();
        groups = view.findChild<QListWidget *>(u"stateGroups"_s);
        table = view.findChild<QTableView *>(u"jobsTable"_s);
        search = view.findChild<QLineEdit *>(u"jobSearch"_s);
    }

    QAction *action(const char *name) const
    {
        return view.findChild<QAction *>(QLatin1String(name));
    }

    /// Selects the rows of these seqs (the table shows all jobs in seq order).
    void select(const QList<qint64> &seqs)
    {
        QItemSelectionModel *selection = table->selectionModel();
        selection->clearSelection();
        for (qint64 seq : seqs) {
            const QModelIndex index =
                view.filterModel()->mapFromSource(model.index(model.rowOf(seq), 0));
            selection->select(index, QItemSelectionModel::Select | QItemSelectionModel::Rows);
        }
        selection->setCurrentIndex(
            view.filterModel()->mapFromSource(model.index(model.rowOf(seqs.first()), 0)),
            QItemSelectionModel::NoUpdate);
    }

    QList<qint64> shownSeqs() const
    {
        QList<qint64> seqs;
        for (int row = 0; row < table->model()->rowCount(); ++row)
            seqs.append(table->model()->index(row, 0).data(JobsModel::SeqRole).toLongLong());
        return seqs;
    }

    StoreFixture f;
    JobsModel model;
    JobsView view{&model};
    QListWidget *groups = nullptr;
    QTableView *table = nullptr;
    QLineEdit *search = nullptr;
};

QStringList texts(const QListWidget *list)
{
    QStringList result;
    for (int row = 0; row < list->count(); ++row)
        result.append(list->item(row)->text());
    return result;
}

} // namespace

/// Stands in for the desktop's file manager.
class UrlCatcher : public QObject
{
    Q_OBJECT

public slots:
    void open(const QUrl &url) { urls.append(url); }

public:
    QList<QUrl> urls;
};

class TestJobsView : public QObject
{
    Q_OBJECT

private slots:
    void sidebarCountsFollowTheModel()
    {
        Shown s;
        QVERIFY(QTest::qWaitForWindowExposed(&s.view));
        QVERIFY(s.groups && s.table && s.search);
        QCOMPARE(texts(s.groups),
                 (QStringList{u"All (10)"_s, u"Queued (4)"_s, u"Running (1)"_s, u"Done (2)"_s,
                              u"Failed (2)"_s, u"Cancelled (1)"_s}));
        s.f.start(8, 2, &s.model);
        QTRY_COMPARE(s.groups->item(2)->text(), u"Running (2)"_s);
        QCOMPARE(s.groups->item(1)->text(), u"Queued (3)"_s);
        s.model.showBatch(0);
        QCOMPARE(s.groups->item(4)->text(), u"Failed"_s);
    }

    void clickingAGroupFiltersRows()
    {
        Shown s;
        QVERIFY(QTest::qWaitForWindowExposed(&s.view));
        QCOMPARE(s.table->model()->rowCount(), 10);
        const auto click = [&](int row) {
            QListWidgetItem *item = s.groups->item(row);
            QTest::mouseClick(s.groups->viewport(), Qt::LeftButton, {},
                              s.groups->visualItemRect(item).center());
        };
        click(4); // Failed
        QCOMPARE(s.shownSeqs(), (QList<qint64>{3, 4}));
        click(1); // Queued: pending and interrupted
        QCOMPARE(s.shownSeqs(), (QList<qint64>{7, 8, 9, 10}));
        click(5);
        QCOMPARE(s.shownSeqs(), (QList<qint64>{6}));
        click(0);
        QTest::keyClicks(s.search, u"FILE-1"_s);
        QTRY_COMPARE(s.shownSeqs(), (QList<qint64>{1, 10}));
        s.search->clear();
        QTRY_COMPARE(s.table->model()->rowCount(), 10);
    }

    void menuActionsActOnTheSelection()
    {
        Shown s;
        QSignalSpy retry(&s.view, &JobsView::retryRequested);
        QSignalSpy cancel(&s.view, &JobsView::cancelRequested);
        QSignalSpy openLog(&s.view, &JobsView::openLogRequested);
        QAction *retryAction = s.action("actionRetry");
        QAction *cancelAction = s.action("actionCancel");
        QAction *openLogAction = s.action("actionOpenLog");
        QVERIFY(retryAction && cancelAction && openLogAction);
        QVERIFY(s.action("actionRevealInFileManager") && s.action("actionCopyCommand"));

        s.select({3, 4, 5, 6, 8, 1});
        QCOMPARE(s.view.selectedSeqs(), (QList<qint64>{1, 3, 4, 5, 6, 8}));
        QVERIFY(retryAction->isEnabled());
        retryAction->trigger();
        QCOMPARE(retry.count(), 1);
        QCOMPARE(retry.first().first().value<QList<qint64>>(), (QList<qint64>{3, 4, 6}));
        cancelAction->trigger();
        QCOMPARE(cancel.count(), 1);
        QCOMPARE(cancel.first().first().value<QList<qint64>>(), (QList<qint64>{5, 8}));
        openLogAction->trigger();
        QCOMPARE(openLog.count(), 1);
        QCOMPARE(openLog.first().first().toLongLong(), 3);

        s.select({1, 2}); // done: nothing to retry or cancel
        QVERIFY(!retryAction->isEnabled());
        QVERIFY(!cancelAction->isEnabled());
        s.select({9}); // queued, never ran: no log yet
        QVERIFY(!openLogAction->isEnabled());
        QVERIFY(cancelAction->isEnabled());
    }

    void copiesCommandsAndRevealsLogs()
    {
        Shown s;
        s.select({2, 10});
        s.action("actionCopyCommand")->trigger();
        QCOMPARE(QGuiApplication::clipboard()->text(), u"echo file-2.txt\necho file-10.txt"_s);
        s.select({3});
        s.action("actionCopyCommand")->trigger();
        QCOMPARE(QGuiApplication::clipboard()->text(), u"echo file-3.txt"_s);

        UrlCatcher catcher;
        QDesktopServices::setUrlHandler(u"file"_s, &catcher, "open");
        s.action("actionRevealInFileManager")->trigger();
        QDesktopServices::unsetUrlHandler(u"file"_s);
        QCOMPARE(catcher.urls.size(), 1);
        QCOMPARE(catcher.urls.first(), QUrl::fromLocalFile(QString::fromUtf8(s.f.logDir)));
    }

    void currentJobIsSignalled()
    {
        Shown s;
        QSignalSpy current(&s.view, &JobsView::currentJobChanged);
        s.select({4});
        QVERIFY(!current.isEmpty());
        QCOMPARE(current.last().first().toLongLong(), 4);
        QCOMPARE(s.view.currentSeq(), 4);
    }

    void selectJobShowsAHiddenJob()
    {
        Shown s;
        s.groups->setCurrentRow(4); // Failed
        QCOMPARE(s.table->model()->rowCount(), 2);
        QVERIFY(s.view.selectJob(3));
        QCOMPARE(s.groups->currentRow(), 4); // shown already: the filter stays
        QVERIFY(s.view.selectJob(9));
        QCOMPARE(s.groups->currentRow(), 0);
        QCOMPARE(s.view.currentSeq(), 9);
        QCOMPARE(s.view.selectedSeqs(), (QList<qint64>{9}));
        QVERIFY(!s.view.selectJob(99));
    }

    void restoresItsLayout()
    {
        QByteArray state;
        {
            Shown s;
            s.table->horizontalHeader()->resizeSection(JobsModel::InputColumn, 333);
            s.table->sortByColumn(JobsModel::DurationColumn, Qt::DescendingOrder);
            s.groups->setCurrentRow(3);
            state = s.view.saveState();
        }
        Shown s;
        QVERIFY(s.view.restoreState(state));
        QCOMPARE(s.table->horizontalHeader()->sectionSize(JobsModel::InputColumn), 333);
        QCOMPARE(s.table->horizontalHeader()->sortIndicatorSection(),
                 int(JobsModel::DurationColumn));
        QCOMPARE(s.view.filterModel()->sortColumn(), int(JobsModel::DurationColumn));
        QCOMPARE(s.groups->currentRow(), 3);
        QCOMPARE(s.table->model()->rowCount(), 2);
        QVERIFY(!s.view.restoreState("garbage"));
    }

    void showsStoreErrors()
    {
        Shown s;
        auto *error = s.view.findChild<QLabel *>(u"jobsError"_s);
        QVERIFY(error);
        QVERIFY(error->isHidden());
        s.model.showBatch(s.f.batch + 7);
        QVERIFY(!error->isHidden());
        QVERIFY(error->text().contains(s.f.path));
        s.model.showBatch(s.f.batch);
        QVERIFY(error->isHidden());
    }
};

QTEST_MAIN(TestJobsView)
#include "tst_jobsview.moc"
