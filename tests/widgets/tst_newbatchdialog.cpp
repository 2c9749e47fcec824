// SPDX-License-Identifier: GPL-3.0-or-later
// The New Batch dialog: what the dropped folders expand to (subfolders, include and
// exclude globs), the preview, every way a template can be wrong (Start stays disabled and
// the dialog says why), and the user's templates saved, renamed and deleted.
#include <jobpool/appsettings.h>

#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QInputDialog>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

#include <widgets/newbatchdialog.h>

using namespace jobpool;
using jobpool::widgets::NewBatchDialog;

namespace {

void touch(const QString &path)
{
    QDir().mkpath(QFileInfo(path).absolutePath());
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        qFatal("cannot write %s", qPrintable(path));
}

/// Answers the next QInputDialog with \a text, as a person typing it would.
void answerNextInput(const QString &text)
{
    QTimer::singleShot(0, qApp, [text] {
        auto *input = qobject_cast<QInputDialog *>(QApplication::activeModalWidget());
        QVERIFY(input);
        input->setTextValue(text);
        input->accept();
    });
}

} // namespace

class TestNewBatchDialog : public QObject
{
    Q_OBJECT

private slots:
    void init()
    {
        QVERIFY(m_dir.emplace().isValid());
        m_settings.emplace(m_dir->filePath(QStringLiteral("settings.ini")));
        for (const char *name : {"in/a.jpg", "in/b.png", "in/notes.txt", "in/.hidden.jpg",
                                 "in/sub/c.jpg", "in/sub/deeper/d.jpg"})
            touch(m_dir->filePath(QString::fromLatin1(name)));
    }
    void cleanup()
    {
        m_settings.reset();
        m_dir.reset();
    }

    void expansion_data()
    {
        QTest::addColumn<bool>("recursive");
        QTest::addColumn<QString>("include");
        QTest::addColumn<QString>("exclude");
        QTest::addColumn<int>("files");
        QTest::newRow("everything") << true << QString() << QString() << 6;
        QTest::newRow("top folder only") << false << QString() << QString() << 4;
        QTest::newRow("images") << true << QStringLiteral("*.jpg *.png") << QString() << 5;
        QTest::newRow("no hidden") << true << QStringLiteral("*.jpg") << QStringLiteral(".*") << 3;
        QTest::newRow("nothing matches") << true << QStringLiteral("*.gif") << QString() << 0;
    }
    void expansion()
    {
        QFETCH(bool, recursive);
        QFETCH(QString, include);
        QFETCH(QString, exclude);
        QFETCH(int, files);
        NewBatchDialog dialog({QFile::encodeName(m_dir->filePath(QStringLiteral("in")))},
                              *m_settings);
        dialog.findChild<QCheckBox *>(QStringLiteral("recursive"))->setChecked(recursive);
        dialog.findChild<QLineEdit *>(QStringLiteral("include"))->setText(include);
        dialog.findChild<QLineEdit *>(QStringLiteral("exclude"))->setText(exclude);
        QTRY_COMPARE(dialog.files().files.size(), files);
        QTRY_VERIFY(dialog.findChild<QLabel *>(QStringLiteral("inputCount"))
                        ->text()
                        .startsWith(QString::number(files)));
        QCOMPARE(dialog.isReady(), files > 0);
        QCOMPARE(dialog.batch().inputs.size(), files);
    }

    void previewAndBatch()
    {
        NewBatchDialog dialog({QFile::encodeName(m_dir->filePath(QStringLiteral("in/a.jpg")))},
                              *m_settings);
        dialog.setTemplateText(QStringLiteral("convert {} -resize '50%' {.}.small.png"));
        QCOMPARE(dialog.findChild<QComboBox *>(QStringLiteral("preset"))->currentData().toString(),
                 QString()); // a command of one's own
        const QString a = m_dir->filePath(QStringLiteral("in/a.jpg"));
        QCOMPARE(dialog.findChild<QPlainTextEdit *>(QStringLiteral("preview"))->toPlainText(),
                 QStringLiteral("convert ") + a + QStringLiteral(" -resize 50% ") + a.chopped(4)
                     + QStringLiteral(".small.png"));
        const BatchSession::NewBatch batch = dialog.batch();
        QCOMPARE(batch.templateArgv,
                 (QList<QByteArray>{"convert", "{}", "-resize", "50%", "{.}.small.png"}));
        QCOMPARE(batch.inputs, QList<QByteArray>{QFile::encodeName(a)});
        QVERIFY(dialog.findChild<QPushButton *>(QStringLiteral("start"))->isEnabled());
    }

    void badTemplates_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("says");
        QTest::newRow("empty") << QString() << QStringLiteral("Choose a preset");
        QTest::newRow("open quote") << QStringLiteral("echo 'a") << QStringLiteral("quote");
        QTest::newRow("unknown replacement")
            << QStringLiteral("echo {nope}") << QStringLiteral("{nope}");
        QTest::newRow("unbalanced brace") << QStringLiteral("echo {") << QStringLiteral("{");
    }
    void badTemplates()
    {
        QFETCH(QString, text);
        QFETCH(QString, says);
        NewBatchDialog dialog({QFile::encodeName(m_dir->filePath(QStringLiteral("in")))},
                              *m_settings);
        dialog.setTemplateText(text);
        QVERIFY(!dialog.isReady());
        QVERIFY(!dialog.findChild<QPushButton *>(QStringLiteral("start"))->isEnabled());
        const QString problem = dialog.findChild<QLabel *>(QStringLiteral("problem"))->text();
        QVERIFY2(problem.contains(says), qPrintable(problem));
    }

    void noFiles()
    {
        NewBatchDialog dialog({QFile::encodeName(m_dir->filePath(QStringLiteral("empty")))},
                              *m_settings);
        QDir().mkpath(m_dir->filePath(QStringLiteral("empty")));
        dialog.findChild<QLineEdit *>(QStringLiteral("include"))->setText(QStringLiteral("*"));
        QTRY_VERIFY(dialog.findChild<QLabel *>(QStringLiteral("problem"))
                        ->text()
                        .contains(QStringLiteral("no files")));
        QVERIFY(!dialog.isReady());
    }

    // Save, rename and delete: what the dialog offers next time follows.
    void userTemplates()
    {
        {
            NewBatchDialog dialog({}, *m_settings);
            dialog.setTemplateText(QStringLiteral("wc -l {}"));
            answerNextInput(QStringLiteral("lines"));
            QTest::mouseClick(dialog.findChild<QPushButton *>(QStringLiteral("saveTemplate")),
                              Qt::LeftButton);
            QCOMPARE(m_settings->userTemplates().size(), 1);
            QCOMPARE(
                dialog.findChild<QComboBox *>(QStringLiteral("preset"))->currentData().toString(),
                QStringLiteral("lines"));
            QVERIFY(dialog.findChild<QPushButton *>(QStringLiteral("renameTemplate"))->isEnabled());

            answerNextInput(QStringLiteral("count lines"));
            QTest::mouseClick(dialog.findChild<QPushButton *>(QStringLiteral("renameTemplate")),
                              Qt::LeftButton);
            QCOMPARE(m_settings->userTemplates().front().name, QStringLiteral("count lines"));
        }
        {
            NewBatchDialog dialog({}, *m_settings);
            QVERIFY(dialog.selectPreset(QStringLiteral("count lines")));
            QCOMPARE(dialog.findChild<QLineEdit *>(QStringLiteral("template"))->text(),
                     QStringLiteral("wc -l {}"));
            QTest::mouseClick(dialog.findChild<QPushButton *>(QStringLiteral("deleteTemplate")),
                              Qt::LeftButton);
            QVERIFY(m_settings->userTemplates().isEmpty());
            // The command stays in the field, as a custom one.
            QCOMPARE(dialog.findChild<QLineEdit *>(QStringLiteral("template"))->text(),
                     QStringLiteral("wc -l {}"));
            QVERIFY(!dialog.selectPreset(QStringLiteral("count lines")));
        }
    }

    // The last template comes back, preset or typed.
    void remembersLastTemplate()
    {
        m_settings->setLastTemplate(QStringLiteral("gzip"));
        NewBatchDialog preset({}, *m_settings);
        QCOMPARE(preset.findChild<QComboBox *>(QStringLiteral("preset"))->currentData().toString(),
                 QStringLiteral("gzip"));
        m_settings->setLastTemplate(QStringLiteral("md5sum {}"));
        NewBatchDialog typed({}, *m_settings);
        QCOMPARE(typed.findChild<QLineEdit *>(QStringLiteral("template"))->text(),
                 QStringLiteral("md5sum {}"));
    }

private:
    std::optional<QTemporaryDir> m_dir;
    std::optional<AppSettings> m_settings;
};

QTEST_MAIN(TestNewBatchDialog)
#include "tst_newbatchdialog.moc"
