// SPDX-License-Identifier: GPL-3.0-or-later
// JobsFilterModel over a JobsModel on a real store: state groups, text, sorting by raw
// values, and rows moving between groups as the runner's changes arrive.
#include "jobstorefixture.h"

#include <jobpool/jobsfiltermodel.h>
#include <jobpool/jobsmodel.h>

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QTest>

using namespace jobpool;
using namespace jobpool::test;

namespace {

/// Seqs of the proxy's rows, top to bottom.
QList<qint64> seqs(const QAbstractItemModel &model)
{
    QList<qint64> result;
    for (int row = 0; row < model.rowCount(); ++row)
        result.append(model.index(row, 0).data(JobsModel::SeqRole).toLongLong());
    return result;
}

/// Ten jobs: 1 2 done, 3 failed (exit 2), 4 killed (SIGKILL), 5 running, 6 skipped,
/// 7 interrupted, 8..10 pending.
struct MixedBatch
{
    MixedBatch()
        : f(10)
    {
        f.makeMixed();
        model.setStore(&*f.store);
        model.showBatch(f.batch);
        model.finishLoading();
        filter.setSourceModel(&model);
    }

    StoreFixture f;
    JobsModel model;
    JobsFilterModel filter;
};

} // namespace

class TestJobsFilterModel : public QObject
{
    Q_OBJECT

private slots:
    void filtersByStateGroup_data()
    {
        QTest::addColumn<JobStateGroup>("group");
        QTest::addColumn<QList<qint64>>("expected");
        QTest::newRow("all") << JobStateGroup::All << QList<qint64>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
        QTest::newRow("queued") << JobStateGroup::Queued << QList<qint64>{7, 8, 9, 10};
        QTest::newRow("running") << JobStateGroup::Running << QList<qint64>{5};
        QTest::newRow("done") << JobStateGroup::Done << QList<qint64>{1, 2};
        QTest::newRow("failed") << JobStateGroup::Failed << QList<qint64>{3, 4};
        QTest::newRow("cancelled") << JobStateGroup::Cancelled << QList<qint64>{6};
    }
    void filtersByStateGroup()
    {
        QFETCH(JobStateGroup, group);
        QFETCH(QList<qint64>, expected);
        MixedBatch b;
        QAbstractItemModelTester tester(&b.filter,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        b.filter.sort(JobsModel::SeqColumn);
        b.filter.setStateGroup(group);
        QCOMPARE(seqs(b.filter), expected);
        QCOMPARE(JobsFilterModel::count(b.model.counts(), group), expected.size());
        QCOMPARE(b.model.index(6, JobsModel::StateColumn).data().toString(), u"Interrupted"_s);
        QCOMPARE(b.model.index(5, JobsModel::StateColumn).data().toString(), u"Cancelled"_s);
    }

    void filtersByText()
    {
        MixedBatch b;
        QAbstractItemModelTester tester(&b.filter,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        b.filter.sort(JobsModel::SeqColumn);
        b.filter.setTextFilter(u"FILE-1"_s); // ASCII letters in any case
        QCOMPARE(seqs(b.filter), (QList<qint64>{1, 10}));
        b.filter.setStateGroup(JobStateGroup::Queued);
        QCOMPARE(seqs(b.filter), (QList<qint64>{10}));
        b.filter.setTextFilter(u"nothing like it"_s);
        QCOMPARE(b.filter.rowCount(), 0);
        b.filter.setTextFilter({});
        b.filter.setStateGroup(JobStateGroup::All);
        QCOMPARE(b.filter.rowCount(), 10);
    }

    void matchesTextBeyondAscii()
    {
        StoreFixture f(0);
        f.store->addJobs(
            f.batch, QList<QList<QByteArray>>{{"Été.txt"}, {"caf\xe9"}, {"plain"}, {"ÉTÉ.TXT"}});
        JobsModel model;
        model.setStore(&*f.store);
        model.showBatch(f.batch);
        model.finishLoading();
        JobsFilterModel filter;
        filter.setSourceModel(&model);
        filter.sort(JobsModel::SeqColumn);
        filter.setTextFilter(u"té"_s); // only ASCII letters fold: not "TÉ"
        QCOMPARE(seqs(filter), (QList<qint64>{1}));
        filter.setTextFilter(u".TXT"_s);
        QCOMPARE(seqs(filter), (QList<qint64>{1, 4}));
        filter.setTextFilter(u"caf"_s);
        QCOMPARE(seqs(filter), (QList<qint64>{2}));
    }

    void sortsByRawValues_data()
    {
        QTest::addColumn<int>("column");
        QTest::addColumn<Qt::SortOrder>("order");
        QTest::addColumn<QList<qint64>>("expected");
        // Ties keep seq order; in descending order, reversed.
        QTest::newRow("state") << int(JobsModel::StateColumn) << Qt::AscendingOrder
                               << QList<qint64>{8, 9, 10, 5, 1, 2, 3, 4, 7, 6};
        QTest::newRow("exit") << int(JobsModel::ExitColumn) << Qt::DescendingOrder
                              << QList<qint64>{4, 3, 2, 1, 10, 9, 8, 7, 6, 5};
        QTest::newRow("input") << int(JobsModel::InputColumn) << Qt::AscendingOrder
                               << QList<qint64>{1, 10, 2, 3, 4, 5, 6, 7, 8, 9};
        QTest::newRow("seq") << int(JobsModel::SeqColumn) << Qt::AscendingOrder
                             << QList<qint64>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
        QTest::newRow("seq descending") << int(JobsModel::SeqColumn) << Qt::DescendingOrder
                                        << QList<qint64>{10, 9, 8, 7, 6, 5, 4, 3, 2, 1};
        QTest::newRow("cpu") << int(JobsModel::CpuColumn) << Qt::DescendingOrder
                             << QList<qint64>{4, 3, 2, 1, 10, 9, 8, 7, 6, 5};
    }
    void sortsByRawValues()
    {
        QFETCH(int, column);
        QFETCH(Qt::SortOrder, order);
        QFETCH(QList<qint64>, expected);
        MixedBatch b;
        QAbstractItemModelTester tester(&b.filter,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        b.filter.sort(column, order);
        QCOMPARE(seqs(b.filter), expected);
        // SortRole gives the same raw values to any other proxy.
        QCOMPARE(b.model.index(3, column).data(JobsModel::SortRole).isValid(), true);
    }

    void keepsItsOrderWhileRowsArrive_data()
    {
        QTest::addColumn<Qt::SortOrder>("order");
        QTest::newRow("ascending") << Qt::AscendingOrder;
        QTest::newRow("descending") << Qt::DescendingOrder;
    }
    void keepsItsOrderWhileRowsArrive()
    {
        QFETCH(Qt::SortOrder, order);
        StoreFixture f(3500); // pages arrive while the event loop runs
        JobsModel model;
        JobsFilterModel filter;
        QAbstractItemModelTester tester(&filter,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        filter.setSourceModel(&model);
        filter.sort(JobsModel::SeqColumn, order);
        filter.setStateGroup(JobStateGroup::Queued);
        model.setStore(&*f.store);
        model.showBatch(f.batch);
        QTRY_VERIFY(!model.isLoading());
        QCOMPARE(filter.rowCount(), 3500);
        const QList<qint64> shown = seqs(filter);
        QVERIFY(order == Qt::AscendingOrder ? std::is_sorted(shown.begin(), shown.end())
                                            : std::is_sorted(shown.rbegin(), shown.rend()));
    }

    void rowsFollowLiveChanges()
    {
        MixedBatch b;
        QAbstractItemModelTester tester(&b.filter,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        b.filter.sort(JobsModel::SeqColumn);
        b.filter.setStateGroup(JobStateGroup::Queued);
        QCOMPARE(seqs(b.filter), (QList<qint64>{7, 8, 9, 10}));
        b.f.start(8, 1, &b.model);
        QTRY_COMPARE(seqs(b.filter), (QList<qint64>{7, 9, 10}));
        b.filter.setStateGroup(JobStateGroup::Running);
        QCOMPARE(seqs(b.filter), (QList<qint64>{5, 8}));
        b.f.finish(8, 0, 0, &b.model);
        QTRY_COMPARE(seqs(b.filter), (QList<qint64>{5}));
        b.filter.setStateGroup(JobStateGroup::Done);
        QCOMPARE(seqs(b.filter), (QList<qint64>{1, 2, 8}));
        QCOMPARE(JobsFilterModel::count(b.model.counts(), JobStateGroup::Done), 3);
    }

    void namesGroups()
    {
        QCOMPARE(JobsFilterModel::groupName(JobStateGroup::Queued), u"Queued"_s);
        QCOMPARE(JobsFilterModel::groupName(JobStateGroup::Cancelled), u"Cancelled"_s);
        QVERIFY(JobsFilterModel::contains(JobStateGroup::Queued, JobState::Interrupted));
        QVERIFY(!JobsFilterModel::contains(JobStateGroup::Failed, JobState::Skipped));
    }
};

QTEST_GUILESS_MAIN(TestJobsFilterModel)
#include "tst_jobsfiltermodel.moc"
