// SPDX-License-Identifier: GPL-3.0-or-later
#include <jobpool/presets.h>

#include <QCoreApplication>
#include <QStandardPaths>

namespace jobpool {

/// The translation context of the presets' names and descriptions.
class PresetText
{
    Q_DECLARE_TR_FUNCTIONS(jobpool::PresetText)
};

namespace {

Preset builtin(const char *id, const QString &name, const QString &description, const char *command)
{
    return Preset{QString::fromLatin1(id), name, description, {command, "{}"}, false, {},
                  Preset::Kind::Builtin};
}

Preset command(const char *id, const QString &name, const QString &description,
               QList<QByteArray> argv)
{
    const QString program = QString::fromLatin1(argv.front());
    return Preset{QString::fromLatin1(id), name, description, std::move(argv), false, program,
                  Preset::Kind::Command};
}

bool needsQuoting(QByteArrayView word)
{
    if (word.isEmpty())
        return true;
    for (const char c : word) {
        if (c == ' ' || c == '\t' || c == '\n' || c == '\'' || c == '"' || c == '\\' || c == '$'
            || c == '`')
            return true;
    }
    return false;
}

} // namespace

bool Preset::isAvailable() const
{
    return kind != Kind::Command || !QStandardPaths::findExecutable(program).isEmpty();
}

QString Preset::templateText() const
{
    return joinCommandLine(argv);
}

QList<Preset> shippedPresets()
{
    return {
        builtin("sha256", PresetText::tr("SHA-256 checksum"),
                PresetText::tr("The SHA-256 of each file, as sha256sum prints it."), "@sha256"),
        builtin("count", PresetText::tr("File size and line count"),
                PresetText::tr("Each file's size in bytes and its number of lines."), "@count"),
        builtin("gzip", PresetText::tr("Compress with gzip"),
                PresetText::tr("Writes FILE.gz next to each file and keeps the original."),
                "@gzip"),
        command("convert-resize", PresetText::tr("Resize images (ImageMagick)"),
                PresetText::tr(
                    "Scales each image down to at most 1024 pixels wide into FILE-small.png."),
                {"convert", "{}", "-resize", "1024x>", "{.}-small.png"}),
        command("ffmpeg-mp4", PresetText::tr("Transcode video to MP4 (ffmpeg)"),
                PresetText::tr("Re-encodes each video as H.264/AAC into FILE.mp4."),
                {"ffmpeg", "-nostdin", "-loglevel", "error", "-i", "{}", "-c:v", "libx264", "-c:a",
                 "aac", "{.}.mp4"}),
        command("pdftotext", PresetText::tr("Extract text from PDF"),
                PresetText::tr("Writes the text of each PDF into FILE.txt."),
                {"pdftotext", "{}", "{.}.txt"}),
    };
}

QList<Preset> availablePresets()
{
    QList<Preset> presets = shippedPresets();
    presets.removeIf([](const Preset &p) { return !p.isAvailable(); });
    return presets;
}

std::optional<QList<QByteArray>> splitCommandLine(QStringView text)
{
    const QByteArray bytes = text.toUtf8();
    QList<QByteArray> words;
    QByteArray word;
    bool inWord = false;
    char quote = 0;
    for (qsizetype i = 0; i < bytes.size(); ++i) {
        const char c = bytes[i];
        if (quote == '\'') {
            if (c == '\'')
                quote = 0;
            else
                word += c;
        } else if (quote == '"') {
            if (c == '"') {
                quote = 0;
            } else if (c == '\\' && i + 1 < bytes.size()
                       && QByteArrayView("\\\"$`").contains(bytes[i + 1])) {
                word += bytes[++i];
            } else {
                word += c;
            }
        } else if (c == ' ' || c == '\t' || c == '\n') {
            if (inWord)
                words.append(std::exchange(word, {}));
            inWord = false;
        } else {
            inWord = true;
            if (c == '\'' || c == '"') {
                quote = c;
            } else if (c == '\\') {
                if (i + 1 == bytes.size())
                    return std::nullopt;
                word += bytes[++i];
            } else {
                word += c;
            }
        }
    }
    if (quote != 0)
        return std::nullopt;
    if (inWord)
        words.append(word);
    return words;
}

QString joinCommandLine(const QList<QByteArray> &argv)
{
    QStringList words;
    for (const QByteArray &word : argv) {
        if (!needsQuoting(word)) {
            words.append(QString::fromUtf8(word));
            continue;
        }
        QByteArray quoted = word;
        quoted.replace('\'', "'\\''");
        words.append(u'\'' + QString::fromUtf8(quoted) + u'\'');
    }
    return words.join(u' ');
}

} // namespace jobpool
