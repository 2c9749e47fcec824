// SPDX-License-Identifier: GPL-3.0-or-later
// The progress line `jobpool run` shows on a terminal.
#include "progress.h"

#include <QTest>

using jobpool::app::ProgressCounts;
using jobpool::app::ProgressLine;

class TestProgress : public QObject
{
    Q_OBJECT

private slots:
    void durations_data()
    {
        QTest::addColumn<double>("seconds");
        QTest::addColumn<QByteArray>("text");
        QTest::newRow("seconds") << 7.4 << QByteArray("0:07");
        QTest::newRow("minutes") << 123.0 << QByteArray("2:03");
        QTest::newRow("hours") << 3723.0 << QByteArray("1:02:03");
        QTest::newRow("unknown") << -1.0 << QByteArray("?");
        QTest::newRow("not a number") << std::nan("") << QByteArray("?");
    }
    void durations()
    {
        QFETCH(double, seconds);
        QFETCH(QByteArray, text);
        QCOMPARE(ProgressLine::formatDuration(seconds), text);
    }

    void plain()
    {
        const ProgressLine line(ProgressLine::Plain, 80);
        QCOMPARE(line.render({2000, 500, 3, 2, 1.0}),
                 QByteArray("500/2000 done, 3 failed, 2 running"));
        QCOMPARE(line.render({-1, 7, 0, 1, 1.0}), QByteArray("7 done, 1 running")); // total unknown
    }

    void barAndEta()
    {
        const ProgressLine line(ProgressLine::Bar | ProgressLine::Eta, 60);
        const QByteArray text = line.render({100, 25, 0, 2, 10.0});
        QVERIFY2(text.startsWith(" 25% ["), text.constData());
        QVERIFY2(text.endsWith("25/100 done, 2 running, ETA 0:30"), text.constData());
        QCOMPARE(text.size(), 60);
        const qsizetype open = text.indexOf('[');
        const QByteArray bar = text.mid(open + 1, text.indexOf(']') - open - 1);
        QCOMPARE(bar.count('#'), bar.size() / 4); // a quarter filled
    }

    void neverWiderThanTheTerminal()
    {
        const ProgressLine line(ProgressLine::Bar | ProgressLine::Eta, 20);
        QVERIFY(line.render({123456789, 12345678, 1234, 256, 99.0}).size() <= 20);
    }
};

QTEST_GUILESS_MAIN(TestProgress)

#include "tst_progress.moc"
