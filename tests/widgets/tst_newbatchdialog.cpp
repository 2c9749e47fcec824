// SPDX-License-Identifier: GPL-3.0-or-later
// The New Batch dialog: what the dropped folders expand to (subfolders, include and
// exclude globs), the preview, every way a template can be wrong (Start stays disabled and
// the dialog says why), the user's templates saved, renamed and deleted, and "Run on:" this
// computer or a Slurm cluster, remembered for the next batch.
#include <jobpool/appsettings.h>
#include <jobpool/batchoptions.h>

#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QInputDialog>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSpinBox>
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

/// Where tst_mainwindow keeps its pictures of the windows: the build tree's screenshots/.
QString screenshotDir()
{
    const QString dir = QCoreApplication::applicationDirPath() + QStringLiteral("/../screenshots");
    QDir().mkpath(dir);
    return QDir(dir).absolutePath();
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

    // Slurm shows its partition and time limit and takes the pool size away; the batch
    // carries them. Back on this computer, the fields hide and the batch runs here.
    void runOnSlurm()
    {
        NewBatchDialog dialog({QFile::encodeName(m_dir->filePath(QStringLiteral("in")))},
                              *m_settings);
        auto *runOn = dialog.findChild<QComboBox *>(QStringLiteral("runOn"));
        auto *partition = dialog.findChild<QLineEdit *>(QStringLiteral("slurmPartition"));
        auto *timeLimit = dialog.findChild<QLineEdit *>(QStringLiteral("slurmTimeLimit"));
        auto *poolSize = dialog.findChild<QSpinBox *>(QStringLiteral("poolSize"));
        QVERIFY(runOn && partition && timeLimit && poolSize);
        QCOMPARE(runOn->count(), 2);
        QCOMPARE(runOn->currentText(), QStringLiteral("This computer"));
        QVERIFY(!partition->isVisibleTo(&dialog));
        QVERIFY(!timeLimit->isVisibleTo(&dialog));
        QVERIFY(poolSize->isEnabled());
        QVERIFY(!dialog.batch().slurm.enabled);

        runOn->setCurrentIndex(runOn->findText(QStringLiteral("Slurm cluster")));
        QVERIFY(partition->isVisibleTo(&dialog));
        QVERIFY(timeLimit->isVisibleTo(&dialog));
        QCOMPARE(partition->placeholderText(), QStringLiteral("cluster default"));
        QVERIFY(timeLimit->placeholderText().contains(QStringLiteral("2:00:00")));
        QVERIFY(!poolSize->isEnabled());
        QVERIFY(poolSize->toolTip().contains(QStringLiteral("Slurm decides")));
        QTest::keyClicks(partition, QStringLiteral(" short "));
        QTest::keyClicks(timeLimit, QStringLiteral("1:00:00 "));
        QVERIFY(dialog.isReady());
        QVERIFY(dialog.findChild<QPushButton *>(QStringLiteral("start"))->isEnabled());
        BatchSession::NewBatch batch = dialog.batch();
        QVERIFY(batch.slurm.enabled);
        QCOMPARE(batch.slurm.partition, QStringLiteral("short"));
        QCOMPARE(batch.slurm.timeLimit, QStringLiteral("1:00:00"));
        QCOMPARE(batch.inputs.size(), 6); // what runs does not change with where

        dialog.show();
        QVERIFY(QTest::qWaitForWindowExposed(&dialog));
        QVERIFY(
            dialog.grab().save(screenshotDir() + QStringLiteral("/new-batch-dialog-slurm.png")));

        runOn->setCurrentIndex(runOn->findText(QStringLiteral("This computer")));
        QVERIFY(!partition->isVisible());
        QVERIFY(!timeLimit->isVisible());
        QVERIFY(poolSize->isEnabled());
        QVERIFY(poolSize->toolTip().isEmpty());
        batch = dialog.batch();
        QVERIFY(!batch.slurm.enabled);
        QCOMPARE(batch.slurm.partition, QString());
        QCOMPARE(batch.slurm.timeLimit, QString());
    }

    void slurmTimeLimit_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<bool>("valid");
        QTest::newRow("none") << QString() << true;
        QTest::newRow("minutes") << QStringLiteral("30") << true;
        QTest::newRow("MM:SS") << QStringLiteral("0:30") << true;
        QTest::newRow("HH:MM:SS") << QStringLiteral("2:00:00") << true;
        QTest::newRow("DAYS-HH") << QStringLiteral("2-0") << true;
        QTest::newRow("words") << QStringLiteral("ten minutes") << false;
        QTest::newRow("unit") << QStringLiteral("30m") << false;
        QTest::newRow("negative") << QStringLiteral("-5") << false;
    }
    // A time limit Slurm would refuse keeps Start disabled and says why; a valid one, or
    // none, lets the batch start.
    void slurmTimeLimit()
    {
        QFETCH(QString, text);
        QFETCH(bool, valid);
        NewBatchDialog dialog({QFile::encodeName(m_dir->filePath(QStringLiteral("in")))},
                              *m_settings);
        auto *runOn = dialog.findChild<QComboBox *>(QStringLiteral("runOn"));
        runOn->setCurrentIndex(runOn->findText(QStringLiteral("Slurm cluster")));
        dialog.findChild<QLineEdit *>(QStringLiteral("slurmTimeLimit"))->setText(text);
        auto *start = dialog.findChild<QPushButton *>(QStringLiteral("start"));
        auto *problem = dialog.findChild<QLabel *>(QStringLiteral("problem"));
        QCOMPARE(dialog.isReady(), valid);
        QCOMPARE(start->isEnabled(), valid);
        QCOMPARE(problem->isVisibleTo(&dialog), !valid);
        if (valid) {
            QCOMPARE(problem->text(), QString());
            QCOMPARE(dialog.batch().slurm.timeLimit, text);
            return;
        }
        const QString reason = SlurmOptions::checkTimeLimit(text);
        QVERIFY(!reason.isEmpty());
        QVERIFY2(problem->text().contains(reason), qPrintable(problem->text()));
        // On this computer the time limit does not apply: nothing stands in the way.
        runOn->setCurrentIndex(runOn->findText(QStringLiteral("This computer")));
        QVERIFY(dialog.isReady());
        QVERIFY(start->isEnabled());
        QVERIFY(!problem->isVisibleTo(&dialog));
    }

    // Started on Slurm, the next dialog opens on Slurm with the same partition and time
    // limit; a cancelled dialog changes nothing.
    void remembersRunOn()
    {
        const QByteArray in = QFile::encodeName(m_dir->filePath(QStringLiteral("in")));
        {
            NewBatchDialog dialog({in}, *m_settings);
            auto *runOn = dialog.findChild<QComboBox *>(QStringLiteral("runOn"));
            runOn->setCurrentIndex(runOn->findText(QStringLiteral("Slurm cluster")));
            dialog.findChild<QLineEdit *>(QStringLiteral("slurmPartition"))
                ->setText(QStringLiteral("gpu"));
            dialog.findChild<QLineEdit *>(QStringLiteral("slurmTimeLimit"))
                ->setText(QStringLiteral("2-0"));
            QTest::mouseClick(dialog.findChild<QPushButton *>(QStringLiteral("start")),
                              Qt::LeftButton);
            QCOMPARE(dialog.result(), int(QDialog::Accepted));
        }
        QVERIFY(m_settings->runOnSlurm());
        {
            NewBatchDialog dialog({in}, *m_settings);
            QCOMPARE(dialog.findChild<QComboBox *>(QStringLiteral("runOn"))->currentText(),
                     QStringLiteral("Slurm cluster"));
            auto *partition = dialog.findChild<QLineEdit *>(QStringLiteral("slurmPartition"));
            QCOMPARE(partition->text(), QStringLiteral("gpu"));
            QVERIFY(partition->isVisibleTo(&dialog));
            QCOMPARE(dialog.findChild<QLineEdit *>(QStringLiteral("slurmTimeLimit"))->text(),
                     QStringLiteral("2-0"));
            QVERIFY(!dialog.findChild<QSpinBox *>(QStringLiteral("poolSize"))->isEnabled());
            const BatchSession::NewBatch batch = dialog.batch();
            QVERIFY(batch.slurm.enabled);
            QCOMPARE(batch.slurm.partition, QStringLiteral("gpu"));
            QCOMPARE(batch.slurm.timeLimit, QStringLiteral("2-0"));

            auto *runOn = dialog.findChild<QComboBox *>(QStringLiteral("runOn"));
            runOn->setCurrentIndex(runOn->findText(QStringLiteral("This computer")));
            dialog.reject();
        }
        QVERIFY(m_settings->runOnSlurm());
        {
            NewBatchDialog dialog({in}, *m_settings);
            auto *runOn = dialog.findChild<QComboBox *>(QStringLiteral("runOn"));
            QCOMPARE(runOn->currentText(), QStringLiteral("Slurm cluster"));
            runOn->setCurrentIndex(runOn->findText(QStringLiteral("This computer")));
            QTest::mouseClick(dialog.findChild<QPushButton *>(QStringLiteral("start")),
                              Qt::LeftButton);
            QCOMPARE(dialog.result(), int(QDialog::Accepted));
        }
        QVERIFY(!m_settings->runOnSlurm());
        // The cluster's fields are kept for when Slurm is chosen again.
        QCOMPARE(m_settings->slurmPartition(), QStringLiteral("gpu"));
        QCOMPARE(m_settings->slurmTimeLimit(), QStringLiteral("2-0"));
        NewBatchDialog dialog({in}, *m_settings);
        QCOMPARE(dialog.findChild<QComboBox *>(QStringLiteral("runOn"))->currentText(),
                 QStringLiteral("This computer"));
        QVERIFY(!dialog.batch().slurm.enabled);
    }

private:
    std::optional<QTemporaryDir> m_dir;
    std::optional<AppSettings> m_settings;
};

QTEST_MAIN(TestNewBatchDialog)
#include "tst_newbatchdialog.moc"
