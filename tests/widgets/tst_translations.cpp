// SPDX-License-Identifier: GPL-3.0-or-later
// The translations: every string the sources mark for translation is in jobpool_zh_CN.ts
// (lupdate is run over the sources now and compared), each one is translated with the
// same placeholders, and the compiled catalogues are in the widgets library's resources.
#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QSet>
#include <QTemporaryDir>
#include <QTest>
#include <QTranslator>
#include <QXmlStreamReader>

#include <widgets/mainwindow.h>

namespace {

struct Message
{
    QString context;
    QString source;
    QStringList translations; ///< one per plural form; empty when untranslated
    QString type;             ///< "unfinished", "vanished", … or empty
};

QList<Message> readTs(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        qFatal("cannot read %s", qPrintable(path));
    QList<Message> messages;
    QString context;
    QXmlStreamReader xml(&file);
    while (!xml.atEnd()) {
        if (xml.readNext() != QXmlStreamReader::StartElement)
            continue;
        if (xml.name() == u"name") {
            context = xml.readElementText();
        } else if (xml.name() == u"message") {
            Message m{context, {}, {}, {}};
            while (xml.readNextStartElement()) {
                if (xml.name() == u"source") {
                    m.source = xml.readElementText();
                } else if (xml.name() == u"translation") {
                    m.type = xml.attributes().value(QLatin1String("type")).toString();
                    bool plural = false;
                    QString text;
                    while (!(xml.isEndElement() && xml.name() == u"translation") && !xml.atEnd()) {
                        xml.readNext();
                        if (xml.isStartElement() && xml.name() == u"numerusform") {
                            plural = true;
                            m.translations.append(xml.readElementText());
                        } else if (xml.isCharacters()) {
                            text += xml.text();
                        }
                    }
                    if (!plural && !text.isEmpty())
                        m.translations.append(text);
                } else {
                    xml.skipCurrentElement();
                }
            }
            messages.append(m);
        }
    }
    if (xml.hasError())
        qFatal("%s: %s", qPrintable(path), qPrintable(xml.errorString()));
    return messages;
}

QStringList placeholders(const QString &text)
{
    static const QRegularExpression re(QStringLiteral("%(?:L?\\d+|n)"));
    QStringList found;
    for (auto it = re.globalMatch(text); it.hasNext();)
        found.append(it.next().captured());
    found.sort();
    found.removeDuplicates();
    return found;
}

QString tsPath(const char *language)
{
    return QStringLiteral(JOBPOOL_TRANSLATIONS_DIR "/jobpool_%1.ts").arg(QLatin1String(language));
}

} // namespace

class TestTranslations : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        // The catalogues live in the widgets library's resources, which register when the
        // library loads; a reference to it keeps the linker from dropping it.
        QVERIFY(jobpool::widgets::MainWindow::staticMetaObject.className());
    }

    // What lupdate finds in the sources today is what the catalogue holds: a string added
    // without running scripts/update-translations fails here.
    void catalogueIsCurrent()
    {
        QTemporaryDir dir;
        const QString fresh = dir.filePath(QStringLiteral("fresh.ts"));
        QProcess lupdate;
        lupdate.setWorkingDirectory(QStringLiteral(JOBPOOL_SOURCE_DIR));
        lupdate.start(QStringLiteral(JOBPOOL_LUPDATE),
                      {QStringLiteral("-silent"), QStringLiteral("core"), QStringLiteral("widgets"),
                       QStringLiteral("app"), QStringLiteral("-ts"), fresh});
        QVERIFY(lupdate.waitForFinished(120000));
        QCOMPARE(lupdate.exitCode(), 0);
        auto keys = [](const QList<Message> &messages) {
            QSet<QString> set;
            for (const Message &m : messages)
                set.insert(m.context + u'\x1f' + m.source);
            return set;
        };
        const QSet<QString> inSources = keys(readTs(fresh));
        const QSet<QString> inCatalogue = keys(readTs(tsPath("zh_CN")));
        QVERIFY(inSources.size() > 100);
        const QSet<QString> missing = QSet<QString>(inSources).subtract(inCatalogue);
        QVERIFY2(
            missing.isEmpty(),
            qPrintable(QStringLiteral("not in jobpool_zh_CN.ts (run scripts/update-translations): ")
                       + QStringList(missing.cbegin(), missing.cend()).join(u'|')));
    }

    // Every message has a Chinese translation, finished, with the source's placeholders.
    void everyStringTranslated()
    {
        const QList<Message> messages = readTs(tsPath("zh_CN"));
        for (const Message &m : messages) {
            const QString where = m.context + QStringLiteral(": ") + m.source;
            QVERIFY2(m.type.isEmpty(), qPrintable(m.type + u' ' + where));
            QVERIFY2(!m.translations.isEmpty(),
                     qPrintable(QStringLiteral("untranslated: ") + where));
            for (const QString &t : m.translations) {
                QVERIFY2(!t.trimmed().isEmpty(), qPrintable(where));
                QCOMPARE(placeholders(t), placeholders(m.source));
            }
        }
    }

    // English needs its plural forms: "1 file", "5 files", never "5 file(s)".
    void englishPlurals()
    {
        for (const Message &m : readTs(tsPath("en"))) {
            QVERIFY2(m.type.isEmpty() && m.translations.size() == 2, qPrintable(m.source));
            QVERIFY(!m.translations[1].contains(QStringLiteral("(s)")));
        }
        QTranslator en;
        QVERIFY(en.load(QStringLiteral(":/i18n/jobpool_en.qm")));
        QCOMPARE(en.translate("jobpool::widgets::NewBatchDialog", "%n file(s)", nullptr, 1),
                 QStringLiteral("%n file"));
    }

    void compiledIntoResources()
    {
        QTranslator zh;
        QVERIFY(zh.load(QStringLiteral(":/i18n/jobpool_zh_CN.qm")));
        QCOMPARE(zh.translate("jobpool::widgets::MainWindow", "&File"), QStringLiteral("文件(&F)"));
    }
};

QTEST_GUILESS_MAIN(TestTranslations)
#include "tst_translations.moc"
