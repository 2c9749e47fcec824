// SPDX-License-Identifier: GPL-3.0-or-later
// LogView, offscreen, on files the test writes: following a running job's output as it
// grows, files that are missing or replaced, bytes that are not UTF-8, and the cap.
#include <QFile>
#include <QPlainTextEdit>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTest>

#include <widgets/logview.h>

using jobpool::widgets::LogView;
using namespace Qt::StringLiterals;

namespace {

void write(const QString &path, const QByteArray &bytes, QIODevice::OpenMode mode)
{
    QFile file(path);
    QVERIFY2(file.open(mode), qPrintable(file.errorString()));
    QCOMPARE(file.write(bytes), bytes.size());
}

void append(const QString &path, const QByteArray &bytes)
{
    write(path, bytes, QIODevice::WriteOnly | QIODevice::Append);
}

} // namespace

class TestLogView : public QObject
{
    Q_OBJECT

private slots:
    void init()
    {
        QVERIFY(m_dir.isValid());
        m_out = m_dir.filePath(u"7.out"_s);
        m_err = m_dir.filePath(u"7.err"_s);
        QFile::remove(m_out);
        QFile::remove(m_err);
    }

    void followsRunningOutput()
    {
        append(m_out, "hello\n");
        LogView view;
        view.showJob(u"Job 7"_s, m_out.toUtf8(), m_err.toUtf8(), true);
        QVERIFY(view.isRunning());
        QCOMPARE(view.outputText(), u"hello\n"_s);
        QCOMPARE(view.errorText(), QString());
        append(m_out, "world");
        append(m_err, "warning: x\n");
        QTRY_COMPARE(view.outputText(), u"hello\nworld"_s);
        QTRY_COMPARE(view.errorText(), u"warning: x\n"_s);
        append(m_out, " again\n");
        QTRY_COMPARE(view.outputText(), u"hello\nworld again\n"_s);
        QCOMPARE(view.findChild<QWidget *>(u"logTitle"_s)->property("text").toString(), u"Job 7"_s);

        // The job ended: what it wrote last is read, and then nothing more.
        append(m_out, "bye\n");
        view.setRunning(false);
        QCOMPARE(view.outputText(), u"hello\nworld again\nbye\n"_s);
    }

    void missingFilesReadAsNoOutput()
    {
        LogView view;
        auto *out = view.findChild<QPlainTextEdit *>(u"logOutput"_s);
        QVERIFY(out);
        view.showJob(u"Job 7"_s, m_out.toUtf8(), m_err.toUtf8(), false);
        QCOMPARE(view.outputText(), QString());
        QCOMPARE(out->placeholderText(), u"No output"_s);
        view.showJob(u"Job 7"_s, {}, {}, false); // never started: no paths at all
        QCOMPARE(view.outputText(), QString());

        // Running, a file appears only when the job writes it.
        view.showJob(u"Job 7"_s, m_out.toUtf8(), m_err.toUtf8(), true);
        QCOMPARE(out->placeholderText(), u"No output yet"_s);
        append(m_out, "late\n");
        QTRY_COMPARE(view.outputText(), u"late\n"_s);
    }

    void showsBytesThatAreNotUtf8()
    {
        append(m_out, "caf\xe9 ok\n\xc3");
        LogView view;
        view.showJob(u"Job 7"_s, m_out.toUtf8(), m_err.toUtf8(), true);
        QCOMPARE(view.outputText(), u"caf\uFFFD ok\n"_s); // \xc3 may be the start of a char
        append(m_out, "\xa9t\xc3\xa9\n");
        QTRY_COMPARE(view.outputText(), u"caf\uFFFD ok\nét\u00e9\n"_s);
    }

    void startsOverWhenTheFileIsReplaced()
    {
        append(m_out, "first attempt, quite long\n");
        LogView view;
        view.showJob(u"Job 7"_s, m_out.toUtf8(), m_err.toUtf8(), true);
        QCOMPARE(view.outputText(), u"first attempt, quite long\n"_s);
        QVERIFY(QFile::remove(m_out));
        append(m_out, "second\n");
        QTRY_COMPARE(view.outputText(), u"second\n"_s);
    }

    void keepsOnlyTheLatestOutput()
    {
        QByteArray big;
        for (int i = 0; i < 1000; ++i)
            big += "line " + QByteArray::number(i).rightJustified(4, '0') + '\n'; // 10 bytes
        append(m_out, big);
        LogView view;
        view.setMaxShownBytes(4096);
        view.showJob(u"Job 7"_s, m_out.toUtf8(), m_err.toUtf8(), true);
        QString text = view.outputText();
        QVERIFY(text.startsWith(u"… earlier output not shown\n"_s));
        QVERIFY(text.endsWith(u"line 0999\n"_s));
        QVERIFY(text.size() <= 4096 + 40);

        // Following keeps the cap, and the note stays a single first line.
        for (int i = 1000; i < 2000; ++i)
            append(m_out, "line " + QByteArray::number(i) + '\n');
        QTRY_VERIFY(view.outputText().endsWith(u"line 1999\n"_s));
        text = view.outputText();
        QVERIFY(text.size() <= 4096 + 40);
        QCOMPARE(text.count(u"earlier output not shown"_s), 1);
        QVERIFY(text.startsWith(u"… earlier output not shown\nline "_s)); // whole lines
    }

    void oneFileForBoth()
    {
        append(m_out, "out and err\n");
        LogView view;
        auto *tabs = view.findChild<QTabWidget *>(u"logTabs"_s);
        QVERIFY(tabs);
        view.showJob(u"Job 7"_s, m_out.toUtf8(), m_out.toUtf8(), false);
        QCOMPARE(view.outputText(), u"out and err\n"_s);
        QCOMPARE(view.errorText(), QString());
        QVERIFY(!tabs->isTabVisible(1));
        view.showJob(u"Job 7"_s, m_out.toUtf8(), m_err.toUtf8(), false);
        QVERIFY(tabs->isTabVisible(1));
        view.clear();
        QCOMPARE(view.outputText(), QString());
        QVERIFY(!view.isRunning());
    }

private:
    QTemporaryDir m_dir;
    QString m_out;
    QString m_err;
};

QTEST_MAIN(TestLogView)
#include "tst_logview.moc"
