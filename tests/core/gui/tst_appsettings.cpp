// SPDX-License-Identifier: GPL-3.0-or-later
// The desktop app's settings: typed values that survive a restart, defaults for what was
// never set, values edited by hand into nonsense read back as defaults, and the user's
// templates saved, renamed and deleted.
#include <jobpool/appsettings.h>

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <limits>

using namespace jobpool;

class TestAppSettings : public QObject
{
    Q_OBJECT

private slots:
    void init() { QVERIFY(m_dir.emplace().isValid()); }

    void defaults()
    {
        AppSettings s(file());
        QCOMPARE(s.poolSize(), 0);
        QCOMPARE(s.maxWorkerMemoryMiB(), 0); // no limit until the user sets one
        QCOMPARE(s.language(), QString());
        QCOMPARE(s.whenDone(), AppSettings::WhenDone::Notify);
        QVERIFY(s.windowGeometry().isEmpty());
        QVERIFY(s.userTemplates().isEmpty());
        QVERIFY(!s.runOnSlurm()); // this computer until the user picks a cluster
        QCOMPARE(s.slurmPartition(), QString());
        QCOMPARE(s.slurmTimeLimit(), QString());
    }

    void survivesARestart()
    {
        {
            AppSettings s(file());
            s.setPoolSize(6);
            s.setMaxWorkerMemoryMiB(1536);
            s.setLanguage(QStringLiteral("zh_CN"));
            s.setWhenDone(AppSettings::WhenDone::Quit);
            s.setWindowGeometry("geometry");
            s.setWindowState("state");
            s.setHeaderState(QStringLiteral("jobs"), "header");
            s.setLastTemplate(QStringLiteral("gzip -k {}"));
            s.setRunOnSlurm(true);
            s.setSlurmPartition(QStringLiteral(" short "));
            s.setSlurmTimeLimit(QStringLiteral("2-0 "));
        }
        AppSettings s(file());
        QCOMPARE(s.poolSize(), 6);
        QCOMPARE(s.maxWorkerMemoryMiB(), 1536);
        QCOMPARE(s.language(), QStringLiteral("zh_CN"));
        QCOMPARE(s.whenDone(), AppSettings::WhenDone::Quit);
        QCOMPARE(s.windowGeometry(), QByteArray("geometry"));
        QCOMPARE(s.windowState(), QByteArray("state"));
        QCOMPARE(s.headerState(QStringLiteral("jobs")), QByteArray("header"));
        QCOMPARE(s.headerState(QStringLiteral("processes")), QByteArray());
        QCOMPARE(s.lastTemplate(), QStringLiteral("gzip -k {}"));
        QVERIFY(s.runOnSlurm());
        QCOMPARE(s.slurmPartition(), QStringLiteral("short")); // kept trimmed
        QCOMPARE(s.slurmTimeLimit(), QStringLiteral("2-0"));
        s.setRunOnSlurm(false);
        s.setSlurmPartition(QString());
        s.setSlurmTimeLimit(QString());
        QVERIFY(!s.runOnSlurm());
        QCOMPARE(s.slurmPartition(), QString());
        QCOMPARE(s.slurmTimeLimit(), QString());
        s.setLanguage(QString()); // back to the system's
        QCOMPARE(s.language(), QString());
    }

    // A settings file edited by hand: out-of-range and unreadable values give defaults.
    void nonsenseReadsAsDefaults()
    {
        QFile f(file());
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("[pool]\nsize=99999\nmaxWorkerMemoryMiB=lots\n[batch]\nwhenDone=sometimes\n"
                "[slurm]\nenabled=perhaps\ntimeLimit=ten minutes\n"
                "[templates]\n1\\name=broken\n1\\template=echo 'open\n2\\name=\n2\\template=x\n"
                "3\\name=ok\n3\\template=wc -l {}\nsize=3\n");
        f.close();
        AppSettings s(file());
        QCOMPARE(s.poolSize(), 256);
        QCOMPARE(s.maxWorkerMemoryMiB(), 0);
        QCOMPARE(s.whenDone(), AppSettings::WhenDone::Notify);
        QVERIFY(!s.runOnSlurm());
        QCOMPARE(s.slurmTimeLimit(), QString()); // not one Slurm accepts: none
        const QList<Preset> templates = s.userTemplates();
        QCOMPARE(templates.size(), 1);
        QCOMPARE(templates.front().name, QStringLiteral("ok"));
        QCOMPARE(templates.front().argv, (QList<QByteArray>{"wc", "-l", "{}"}));
        s.setPoolSize(-3);
        QCOMPARE(s.poolSize(), 0);
        s.setMaxWorkerMemoryMiB(-512);
        QCOMPARE(s.maxWorkerMemoryMiB(), 0);
        s.setMaxWorkerMemoryMiB(std::numeric_limits<int>::max());
        QCOMPARE(s.maxWorkerMemoryMiB(), 1 << 20); // 1 TiB at most
    }

    void userTemplates()
    {
        AppSettings s(file());
        s.saveUserTemplate(QStringLiteral("thumbs"),
                           QStringLiteral("convert {} -resize 200 {.}.jpg"));
        s.saveUserTemplate(QStringLiteral("count"), QStringLiteral("wc -l {}"));
        s.saveUserTemplate(QStringLiteral("thumbs"),
                           QStringLiteral("convert {} -resize 100 {.}.jpg"));
        QList<Preset> t = s.userTemplates();
        QCOMPARE(t.size(), 2);
        QCOMPARE(t[0].name, QStringLiteral("thumbs")); // replaced in place, order kept
        QCOMPARE(t[0].argv.at(3), QByteArray("100"));
        QCOMPARE(t[0].kind, Preset::Kind::User);

        QVERIFY(!s.renameUserTemplate(QStringLiteral("thumbs"), QStringLiteral("count"))); // taken
        QVERIFY(!s.renameUserTemplate(QStringLiteral("nope"), QStringLiteral("x")));
        QVERIFY(!s.renameUserTemplate(QStringLiteral("thumbs"), QString()));
        QVERIFY(s.renameUserTemplate(QStringLiteral("thumbs"), QStringLiteral("small")));
        s.removeUserTemplate(QStringLiteral("count"));
        s.sync();

        AppSettings again(file());
        t = again.userTemplates();
        QCOMPARE(t.size(), 1);
        QCOMPARE(t[0].name, QStringLiteral("small"));
        QCOMPARE(t[0].templateText(), QStringLiteral("convert {} -resize 100 {.}.jpg"));
    }

private:
    QString file() const { return m_dir->filePath(QStringLiteral("settings.ini")); }
    std::optional<QTemporaryDir> m_dir;
};

QTEST_GUILESS_MAIN(TestAppSettings)
#include "tst_appsettings.moc"
