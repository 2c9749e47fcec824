// SPDX-License-Identifier: GPL-3.0-or-later
// The New Batch dialog's presets and the command line a person types: split as a shell
// splits plain words, joined back so that it reads back the same.
#include <jobpool/presets.h>

#include <QTest>

using namespace jobpool;

class TestPresets : public QObject
{
    Q_OBJECT

private slots:
    void split_data()
    {
        QTest::addColumn<QString>("line");
        QTest::addColumn<QList<QByteArray>>("words");
        QTest::newRow("plain") << QStringLiteral("gzip -k {}")
                               << QList<QByteArray>{"gzip", "-k", "{}"};
        QTest::newRow("blanks") << QStringLiteral("  a \t b  ") << QList<QByteArray>{"a", "b"};
        QTest::newRow("single quotes")
            << QStringLiteral("echo 'a b' '$HOME'") << QList<QByteArray>{"echo", "a b", "$HOME"};
        QTest::newRow("double quotes")
            << QStringLiteral(R"(echo "a \"b\" \x")") << QList<QByteArray>{"echo", R"(a "b" \x)"};
        QTest::newRow("backslash")
            << QStringLiteral(R"(a\ b c\'d)") << QList<QByteArray>{"a b", "c'd"};
        QTest::newRow("glued quotes")
            << QStringLiteral("x'a b'\"c\"y") << QList<QByteArray>{"xa bcy"};
        QTest::newRow("empty word")
            << QStringLiteral("printf '' x") << QList<QByteArray>{"printf", "", "x"};
        QTest::newRow("replacement strings")
            << QStringLiteral("convert {} {.}-small.png {/} {//} {#} {%}")
            << QList<QByteArray>{"convert", "{}", "{.}-small.png", "{/}", "{//}", "{#}", "{%}"};
        QTest::newRow("unicode") << QStringLiteral("echo 文件")
                                 << QList<QByteArray>{"echo", "文件"};
        QTest::newRow("nothing") << QString() << QList<QByteArray>{};
    }
    void split()
    {
        QFETCH(QString, line);
        QFETCH(QList<QByteArray>, words);
        QCOMPARE(splitCommandLine(line), std::optional(words));
        // Joined back, it reads the same.
        QCOMPARE(splitCommandLine(joinCommandLine(words)), std::optional(words));
    }

    void unterminated_data()
    {
        QTest::addColumn<QString>("line");
        QTest::newRow("single") << QStringLiteral("echo 'a");
        QTest::newRow("double") << QStringLiteral("echo \"a");
        QTest::newRow("trailing backslash") << QStringLiteral("echo a\\");
    }
    void unterminated()
    {
        QFETCH(QString, line);
        QCOMPARE(splitCommandLine(line), std::nullopt);
    }

    void joinQuotesOnlyWhatNeedsIt()
    {
        QCOMPARE(joinCommandLine({"gzip", "-k", "{}"}), QStringLiteral("gzip -k {}"));
        QCOMPARE(joinCommandLine({"echo", "it's", "", "$x"}),
                 QStringLiteral(R"(echo 'it'\''s' '' '$x')"));
    }

    // The built-ins are always there; a command preset only when its program is in PATH.
    void availability()
    {
        const QList<Preset> all = shippedPresets();
        QStringList builtins;
        for (const Preset &p : all) {
            QVERIFY(!p.name.isEmpty() && !p.description.isEmpty() && !p.argv.isEmpty());
            QVERIFY(p.argv.contains("{}") || p.argv.contains("{.}"));
            if (p.kind == Preset::Kind::Builtin)
                builtins.append(p.id);
            else
                QCOMPARE(p.kind, Preset::Kind::Command);
        }
        QCOMPARE(builtins, (QStringList{QStringLiteral("sha256"), QStringLiteral("count"),
                                        QStringLiteral("gzip")}));

        const QByteArray path = qgetenv("PATH");
        qputenv("PATH", "/nonexistent");
        const QList<Preset> bare = availablePresets();
        qputenv("PATH", path);
        QCOMPARE(bare.size(), 3);
        for (const Preset &p : bare)
            QCOMPARE(p.kind, Preset::Kind::Builtin);

        Preset fake{QStringLiteral("x"),  QStringLiteral("x"),  {}, {"sh", "{}"}, false,
                    QStringLiteral("sh"), Preset::Kind::Command};
        QVERIFY(fake.isAvailable()); // /bin/sh is everywhere
        fake.program = QStringLiteral("jobpool-no-such-program");
        QVERIFY(!fake.isAvailable());
    }
};

QTEST_GUILESS_MAIN(TestPresets)
#include "tst_presets.moc"
