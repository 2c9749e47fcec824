// SPDX-License-Identifier: GPL-3.0-or-later
// JobsModel over real SQLite stores in temporary directories: loading in pages, the
// runner's live changes (coalesced, ten times a second), counts, reloads after a change in
// the store, and a damaged store reported instead of crashing.
#include "jobstorefixture.h"

#include <jobpool/batchrunner.h>
#include <jobpool/jobsmodel.h>

#include <QAbstractItemModelTester>
#include <QFile>
#include <QSignalSpy>
#include <QTest>

using namespace jobpool;
using namespace jobpool::test;

class TestJobsModel : public QObject
{
    Q_OBJECT

private slots:
    void loadsEveryJobOnce()
    {
        StoreFixture f(2500); // more than one page
        JobsModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        QSignalSpy loaded(&model, &JobsModel::loaded);
        model.setStore(&*f.store);
        model.showBatch(f.batch);
        QCOMPARE(model.batch(), f.batch);
        QVERIFY(model.rowCount() > 0); // the first page is there at once
        QTRY_COMPARE(loaded.count(), 1);
        QCOMPARE(model.rowCount(), 2500);
        QCOMPARE(model.columnCount(), int(JobsModel::ColumnCount));
        QCOMPARE(model.counts().pending, 2500);
        QCOMPARE(model.seqAt(0), 1);
        QCOMPARE(model.seqAt(2499), 2500);
        QCOMPARE(model.rowOf(1234), 1233);
        QCOMPARE(model.rowOf(2501), -1);
        QCOMPARE(cell(model, 41, JobsModel::SeqColumn), u"42"_s);
        QCOMPARE(cell(model, 41, JobsModel::InputColumn), u"file-42.txt"_s);
        QCOMPARE(cell(model, 41, JobsModel::StateColumn), u"Queued"_s);
        QCOMPARE(cell(model, 41, JobsModel::WorkerColumn), QString());
        QCOMPARE(model.index(41, 0).data(JobsModel::SeqRole).toLongLong(), 42);
        QCOMPARE(model.index(41, 3).data(JobsModel::StateRole).toInt(), int(JobState::Pending));
        QCOMPARE(model.headerData(JobsModel::RssColumn, Qt::Horizontal).toString(), u"Peak RSS"_s);
        QVERIFY(model.errorString().isEmpty());

        model.showBatch(0);
        QCOMPARE(model.rowCount(), 0);
        QCOMPARE(model.counts().total(), 0);
    }

    void showsStoredResults()
    {
        StoreFixture f(5);
        f.start(1, 2);
        f.finish(1, 0);
        f.start(2, 1);
        f.finish(2, 3);
        f.start(3, 1);
        f.finish(3, -1, 9);
        f.start(4, 1);
        JobsModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setStore(&*f.store);
        model.showBatch(f.batch);
        model.finishLoading();
        QCOMPARE(cell(model, 0, JobsModel::StateColumn), u"Done"_s);
        QCOMPARE(cell(model, 0, JobsModel::WorkerColumn), u"4242"_s);
        QCOMPARE(cell(model, 0, JobsModel::DurationColumn), u"1.5 s"_s);
        QCOMPARE(cell(model, 0, JobsModel::CpuColumn), u"250 ms"_s);
        QCOMPARE(cell(model, 0, JobsModel::ExitColumn), u"0"_s);
        QVERIFY(cell(model, 0, JobsModel::RssColumn).contains(u"MiB"_s));
        QVERIFY(!cell(model, 0, JobsModel::StartedColumn).isEmpty());
        QCOMPARE(cell(model, 1, JobsModel::StateColumn), u"Failed"_s);
        QCOMPARE(cell(model, 1, JobsModel::ExitColumn), u"3"_s);
        QCOMPARE(cell(model, 2, JobsModel::ExitColumn), u"SIGKILL"_s);
        QCOMPARE(cell(model, 3, JobsModel::StateColumn), u"Running"_s);
        QCOMPARE(cell(model, 3, JobsModel::ExitColumn), QString());
        QCOMPARE(model.counts().done, 1);
        QCOMPARE(model.counts().failed, 2);
        QCOMPARE(model.counts().running, 1);
        QCOMPARE(model.counts().pending, 1);

        QCOMPARE(model.index(0, 0).data(JobsModel::StdoutPathRole).toByteArray(),
                 f.logPath(1, ".out"));
        QCOMPARE(model.index(0, 5).data(JobsModel::StderrPathRole).toByteArray(),
                 f.logPath(1, ".err"));
        const std::optional<JobRecord> record = model.record(1);
        QVERIFY(record);
        QCOMPARE(record->seq, 2);
        QCOMPARE(record->exitCode, 3);
        const std::optional<QList<QByteArray>> command = model.command(1);
        QVERIFY(command);
        QCOMPARE(*command, (QList<QByteArray>{"echo", "file-2.txt"}));
        QVERIFY(!model.record(99));
    }

    void runningDurationTicks()
    {
        StoreFixture f(3);
        JobsModel model;
        model.setStore(&*f.store);
        model.showBatch(f.batch);
        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        f.start(2, 1, &model, QDateTime::currentMSecsSinceEpoch() - 5000);
        QCOMPARE(cell(model, 1, JobsModel::StateColumn), u"Queued"_s); // not before the tick
        QTRY_COMPARE(cell(model, 1, JobsModel::StateColumn), u"Running"_s);
        QVERIFY(cell(model, 1, JobsModel::DurationColumn).endsWith(u" s"_s));
        // Later ticks signal the Duration column of running rows only.
        changed.clear();
        QTRY_VERIFY(!changed.isEmpty());
        const QModelIndex topLeft = changed.last().at(0).toModelIndex();
        const QModelIndex bottomRight = changed.last().at(1).toModelIndex();
        QCOMPARE(topLeft.row(), 1);
        QCOMPARE(bottomRight.row(), 1);
        QCOMPARE(topLeft.column(), int(JobsModel::DurationColumn));
        QCOMPARE(bottomRight.column(), int(JobsModel::DurationColumn));
    }

    // A paused running job shows as Paused, its duration frozen; resumed, Running again.
    void pausedJobs()
    {
        StoreFixture f(3);
        JobsModel model;
        model.setStore(&*f.store);
        model.showBatch(f.batch);
        f.start(2, 1, &model, QDateTime::currentMSecsSinceEpoch() - 5000);
        QTRY_COMPARE(cell(model, 1, JobsModel::StateColumn), u"Running"_s);
        QVERIFY(!model.isPaused(1));
        model.setJobPaused(2, true);
        QVERIFY(model.isPaused(1));
        QCOMPARE(cell(model, 1, JobsModel::StateColumn), u"Paused"_s);
        const QString frozen = cell(model, 1, JobsModel::DurationColumn);
        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        QTRY_VERIFY(changed.size() >= 2); // two ticks later, the same duration
        QCOMPARE(cell(model, 1, JobsModel::DurationColumn), frozen);
        model.setJobPaused(2, false);
        QVERIFY(!model.isPaused(1));
        QCOMPARE(cell(model, 1, JobsModel::StateColumn), u"Running"_s);
        model.setJobPaused(3, true); // not running: shown as it is
        QVERIFY(!model.isPaused(2));
        QCOMPARE(cell(model, 2, JobsModel::StateColumn), u"Queued"_s);
    }

    void liveChangesAreCoalesced()
    {
        StoreFixture f(200);
        JobsModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setStore(&*f.store);
        model.showBatch(f.batch);
        model.finishLoading();
        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        QSignalSpy counts(&model, &JobsModel::countsChanged);
        // Jobs 11..60 start and end between two ticks, and job 150 fails.
        for (qint64 seq = 11; seq <= 60; ++seq) {
            f.start(seq, 1, &model);
            f.finish(seq, 0, 0, &model);
        }
        f.start(150, 2, &model);
        f.finish(150, 1, 0, &model);
        QTRY_VERIFY(!changed.isEmpty());
        QCOMPARE(changed.count(), 2); // one range for 11..60, one for 150
        QCOMPARE(changed.at(0).at(0).toModelIndex().row(), 10);
        QCOMPARE(changed.at(0).at(1).toModelIndex().row(), 59);
        QCOMPARE(changed.at(1).at(0).toModelIndex().row(), 149);
        QCOMPARE(changed.at(0).at(0).toModelIndex().column(), int(JobsModel::StateColumn));
        QCOMPARE(cell(model, 59, JobsModel::StateColumn), u"Done"_s);
        QCOMPARE(cell(model, 149, JobsModel::StateColumn), u"Failed"_s);
        QCOMPARE(cell(model, 149, JobsModel::ExitColumn), u"1"_s);
        QTRY_COMPARE(model.counts().done, 50);
        QCOMPARE(model.counts().failed, 1);
        QVERIFY(counts.count() >= 1);
    }

    void reloadsJobsChangedInTheStore()
    {
        StoreFixture f(100);
        JobsModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setStore(&*f.store);
        model.showBatch(f.batch);
        model.finishLoading();
        QSignalSpy counts(&model, &JobsModel::countsChanged);
        // Cancel: a few seqs, read one by one.
        f.store->jobSkipped({f.batch, 5});
        f.store->jobSkipped({f.batch, 7});
        f.store->flush();
        model.reloadJobs({5, 7});
        QCOMPARE(cell(model, 4, JobsModel::StateColumn), u"Cancelled"_s);
        QCOMPARE(cell(model, 6, JobsModel::StateColumn), u"Cancelled"_s);
        QCOMPARE(cell(model, 5, JobsModel::StateColumn), u"Queued"_s);
        QCOMPARE(model.counts().skipped, 2);
        QCOMPARE(counts.count(), 1);
        // Many seqs: read as one span, inputs untouched.
        QList<qint64> many;
        for (qint64 seq = 20; seq <= 80; seq += 2) {
            f.store->jobSkipped({f.batch, seq});
            many.append(seq);
        }
        f.store->flush();
        model.reloadJobs(many);
        QCOMPARE(cell(model, 19, JobsModel::StateColumn), u"Cancelled"_s);
        QCOMPARE(cell(model, 20, JobsModel::StateColumn), u"Queued"_s);
        QCOMPARE(cell(model, 79, JobsModel::InputColumn), u"file-80.txt"_s);
        QCOMPARE(model.counts().skipped, 2 + 31);

        // reload() changes rows in place (no reset: the view keeps its selection) and
        // appends the jobs added since.
        f.store->addJobs(f.batch, QList<QList<QByteArray>>{{"extra"}});
        f.store->jobSkipped({f.batch, 1});
        f.store->flush();
        QSignalSpy resets(&model, &QAbstractItemModel::modelReset);
        QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
        model.reload();
        model.finishLoading();
        QCOMPARE(resets.count(), 0);
        QCOMPARE(inserted.count(), 1);
        QCOMPARE(model.rowCount(), 101);
        QCOMPARE(cell(model, 0, JobsModel::StateColumn), u"Cancelled"_s);
        QCOMPARE(cell(model, 0, JobsModel::InputColumn), u"file-1.txt"_s);
        QCOMPARE(cell(model, 100, JobsModel::InputColumn), u"extra"_s);
        QCOMPARE(cell(model, 4, JobsModel::StateColumn), u"Cancelled"_s);
    }

    void showsInputsReadably()
    {
        StoreFixture f(0);
        f.store->addJobs(f.batch,
                         QList<QList<QByteArray>>{{"caf\xe9.txt"}, {"two\nlines"}, {"a", "b c"}});
        JobsModel model;
        model.setStore(&*f.store);
        model.showBatch(f.batch);
        model.finishLoading();
        QCOMPARE(cell(model, 0, JobsModel::InputColumn), u"caf\\xe9.txt"_s);
        QCOMPARE(cell(model, 1, JobsModel::InputColumn), u"two\\nlines"_s);
        QCOMPARE(cell(model, 2, JobsModel::InputColumn), u"a b c"_s);
        QCOMPARE(model.record(2)->inputs, (QList<QByteArray>{"a", "b c"}));
    }

    void formatsDurations_data()
    {
        QTest::addColumn<qint64>("us");
        QTest::addColumn<QString>("text");
        QTest::newRow("sub-ms") << qint64(420) << u"0.4 ms"_s;
        QTest::newRow("ms") << qint64(45'300) << u"45 ms"_s;
        QTest::newRow("s") << qint64(4'240'000) << u"4.2 s"_s;
        QTest::newRow("min") << qint64(187'000'000) << u"3:07"_s;
        QTest::newRow("h") << qint64(3'723'000'000) << u"1:02:03"_s;
    }
    void formatsDurations()
    {
        QFETCH(qint64, us);
        QFETCH(QString, text);
        QCOMPARE(JobsModel::formatDuration(us), text);
    }

    void reportsAMissingBatch()
    {
        StoreFixture f(3);
        JobsModel model;
        QSignalSpy errors(&model, &JobsModel::errorOccurred);
        model.setStore(&*f.store);
        model.showBatch(f.batch + 41);
        QCOMPARE(errors.count(), 1);
        QVERIFY(errors.first().first().toString().contains(f.path));
        QCOMPARE(model.rowCount(), 0);
        QCOMPARE(model.batch(), 0);
    }

    void reportsADamagedStore()
    {
        QString path;
        qint64 batch = 0;
        QTemporaryDir dir;
        {
            StoreFixture f(20'000, &dir); // several MB of job pages
            path = f.path;
            batch = f.batch;
        }
        // Scribble over pages in the middle of the file: the header and schema stay intact,
        // so the store opens, and fails only when the jobs are read.
        QFile file(path);
        QVERIFY(file.open(QIODevice::ReadWrite));
        const qint64 size = file.size();
        QVERIFY(size > 1'000'000);
        for (qint64 at = size / 4; at < size * 3 / 4; at += 4096) {
            file.seek(at);
            file.write(QByteArray(64, '\xa5'));
        }
        file.close();
        std::optional<JobStore> store;
        try {
            store.emplace(JobStore::open(path, {.quickCheck = JobStore::QuickCheck::Never}));
        } catch (const StoreError &e) {
            QSKIP(qPrintable(u"the damage was seen on opening already: "_s + e.message()));
        }
        JobsModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        QSignalSpy errors(&model, &JobsModel::errorOccurred);
        model.setStore(&*store);
        model.showBatch(batch);
        QTRY_VERIFY(!model.isLoading());
        QVERIFY(!errors.isEmpty());
        const QString message = errors.first().first().toString();
        QVERIFY2(message.contains(path), qPrintable(message));
        QCOMPARE(model.errorString(), errors.last().first().toString());
        QVERIFY(model.rowCount() < 20'000); // what was read before the damage stays
    }

private:
    static QString cell(const JobsModel &model, int row, int column)
    {
        return model.index(row, column).data().toString();
    }
};

QTEST_GUILESS_MAIN(TestJobsModel)
#include "tst_jobsmodel.moc"
