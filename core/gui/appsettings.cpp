// SPDX-License-Identifier: GPL-3.0-or-later
#include <jobpool/appsettings.h>
#include <jobpool/batchoptions.h>

#include <algorithm>

namespace jobpool {
namespace {

constexpr int kMaxPoolSize = 256;
constexpr int kMaxWorkerMemoryMiB = 1 << 20; // 1 TiB

QString key(const char *name)
{
    return QString::fromLatin1(name);
}

} // namespace

// Not QSettings' default: that needs an organisation name, which would also move
// AppDataLocation (and the job store `jobpool run` shares with the window).
AppSettings::AppSettings()
    : m_settings(QStringLiteral("jobpool"), QStringLiteral("jobpool"))
{}

AppSettings::AppSettings(const QString &fileName)
    : m_settings(fileName, QSettings::IniFormat)
{}

int AppSettings::poolSize() const
{
    return std::clamp(m_settings.value(key("pool/size"), 0).toInt(), 0, kMaxPoolSize);
}

void AppSettings::setPoolSize(int size)
{
    m_settings.setValue(key("pool/size"), std::clamp(size, 0, kMaxPoolSize));
}

int AppSettings::maxWorkerMemoryMiB() const
{
    return std::clamp(m_settings.value(key("pool/maxWorkerMemoryMiB"), 0).toInt(), 0,
                      kMaxWorkerMemoryMiB);
}

void AppSettings::setMaxWorkerMemoryMiB(int mib)
{
    m_settings.setValue(key("pool/maxWorkerMemoryMiB"), std::clamp(mib, 0, kMaxWorkerMemoryMiB));
}

QByteArray AppSettings::windowGeometry() const
{
    return m_settings.value(key("window/geometry")).toByteArray();
}

void AppSettings::setWindowGeometry(const QByteArray &geometry)
{
    m_settings.setValue(key("window/geometry"), geometry);
}

QByteArray AppSettings::windowState() const
{
    return m_settings.value(key("window/state")).toByteArray();
}

void AppSettings::setWindowState(const QByteArray &state)
{
    m_settings.setValue(key("window/state"), state);
}

QByteArray AppSettings::headerState(const QString &view) const
{
    return m_settings.value(key("headers/") + view).toByteArray();
}

void AppSettings::setHeaderState(const QString &view, const QByteArray &state)
{
    m_settings.setValue(key("headers/") + view, state);
}

QString AppSettings::lastTemplate() const
{
    return m_settings.value(key("batch/lastTemplate")).toString();
}

void AppSettings::setLastTemplate(const QString &text)
{
    m_settings.setValue(key("batch/lastTemplate"), text);
}

bool AppSettings::runOnSlurm() const
{
    // Only what setRunOnSlurm() writes: a hand-edited "maybe" is not a yes.
    const QString value = m_settings.value(key("slurm/enabled")).toString();
    return value == u"true" || value == u"1";
}

void AppSettings::setRunOnSlurm(bool slurm)
{
    m_settings.setValue(key("slurm/enabled"), slurm);
}

QString AppSettings::slurmPartition() const
{
    return m_settings.value(key("slurm/partition")).toString().trimmed();
}

void AppSettings::setSlurmPartition(const QString &partition)
{
    m_settings.setValue(key("slurm/partition"), partition.trimmed());
}

QString AppSettings::slurmTimeLimit() const
{
    const QString value = m_settings.value(key("slurm/timeLimit")).toString().trimmed();
    return SlurmOptions::checkTimeLimit(value).isEmpty() ? value : QString();
}

void AppSettings::setSlurmTimeLimit(const QString &timeLimit)
{
    m_settings.setValue(key("slurm/timeLimit"), timeLimit.trimmed());
}

QString AppSettings::language() const
{
    return m_settings.value(key("ui/language")).toString();
}

void AppSettings::setLanguage(const QString &language)
{
    if (language.isEmpty())
        m_settings.remove(key("ui/language"));
    else
        m_settings.setValue(key("ui/language"), language);
}

AppSettings::WhenDone AppSettings::whenDone() const
{
    // Notify by default: a batch that finishes or fails says so in the tray.
    const QString value = m_settings.value(key("batch/whenDone")).toString();
    if (value == u"nothing")
        return WhenDone::Nothing;
    if (value == u"quit")
        return WhenDone::Quit;
    return WhenDone::Notify;
}

void AppSettings::setWhenDone(WhenDone what)
{
    m_settings.setValue(key("batch/whenDone"), what == WhenDone::Notify ? key("notify")
                                               : what == WhenDone::Quit ? key("quit")
                                                                        : key("nothing"));
}

QList<QPair<QString, QString>> AppSettings::readUserTemplates() const
{
    QList<QPair<QString, QString>> templates;
    auto &settings = const_cast<QSettings &>(m_settings); // beginReadArray is not const
    const int n = settings.beginReadArray(key("templates"));
    for (int i = 0; i < n; ++i) {
        settings.setArrayIndex(i);
        const QString name = settings.value(key("name")).toString();
        const QString text = settings.value(key("template")).toString();
        if (!name.isEmpty() && !text.isEmpty())
            templates.append({name, text});
    }
    settings.endArray();
    return templates;
}

void AppSettings::writeUserTemplates(const QList<QPair<QString, QString>> &templates)
{
    m_settings.remove(key("templates"));
    m_settings.beginWriteArray(key("templates"), int(templates.size()));
    for (int i = 0; i < templates.size(); ++i) {
        m_settings.setArrayIndex(i);
        m_settings.setValue(key("name"), templates[i].first);
        m_settings.setValue(key("template"), templates[i].second);
    }
    m_settings.endArray();
}

QList<Preset> AppSettings::userTemplates() const
{
    QList<Preset> presets;
    for (const auto &[name, text] : readUserTemplates()) {
        const std::optional<QList<QByteArray>> argv = splitCommandLine(text);
        if (!argv || argv->isEmpty())
            continue; // edited by hand into something unreadable: not offered
        presets.append(Preset{name, name, text, *argv, false, {}, Preset::Kind::User});
    }
    return presets;
}

void AppSettings::saveUserTemplate(const QString &name, const QString &templateText)
{
    QList<QPair<QString, QString>> templates = readUserTemplates();
    const auto same = std::find_if(templates.begin(), templates.end(),
                                   [&](const auto &t) { return t.first == name; });
    if (same != templates.end())
        same->second = templateText;
    else
        templates.append({name, templateText});
    writeUserTemplates(templates);
}

bool AppSettings::renameUserTemplate(const QString &from, const QString &to)
{
    QList<QPair<QString, QString>> templates = readUserTemplates();
    const auto named = [&](const QString &name) {
        return std::find_if(templates.begin(), templates.end(),
                            [&](const auto &t) { return t.first == name; });
    };
    const auto it = named(from);
    if (it == templates.end() || to.isEmpty() || (to != from && named(to) != templates.end()))
        return false;
    it->first = to;
    writeUserTemplates(templates);
    return true;
}

void AppSettings::removeUserTemplate(const QString &name)
{
    QList<QPair<QString, QString>> templates = readUserTemplates();
    templates.removeIf([&](const auto &t) { return t.first == name; });
    writeUserTemplates(templates);
}

void AppSettings::sync()
{
    m_settings.sync();
}

} // namespace jobpool
