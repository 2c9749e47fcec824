// SPDX-License-Identifier: GPL-3.0-or-later
#include <jobpool/version.h>

#include <QTest>

class TestVersion : public QObject
{
    Q_OBJECT

private slots:
    void libraryMatchesProject()
    {
        QCOMPARE(jobpool::libraryVersion(), QStringLiteral(JOBPOOL_EXPECTED_VERSION));
        QCOMPARE(jobpool::libraryVersion(), QStringLiteral(JOBPOOL_VERSION_STRING));
    }
    void componentsMatchString()
    {
        const QString composed = QStringLiteral("%1.%2.%3")
                                     .arg(JOBPOOL_VERSION_MAJOR)
                                     .arg(JOBPOOL_VERSION_MINOR)
                                     .arg(JOBPOOL_VERSION_PATCH);
        QCOMPARE(composed, jobpool::libraryVersion());
    }
};

QTEST_GUILESS_MAIN(TestVersion)
#include "tst_version.moc"
