// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <jobpool/presets.h>

#include <QByteArray>
#include <QSettings>
#include <QString>

/// \file
/// The desktop app's settings, behind typed accessors over QSettings: nothing else reads
/// or writes a settings key.

namespace jobpool {

class AppSettings final
{
public:
    /// The user's settings file: ~/.config/jobpool/jobpool.conf.
    AppSettings();
    /// A given file, for tests.
    explicit AppSettings(const QString &fileName);

    /// Jobs at once; 0 = one per core.
    int poolSize() const;
    void setPoolSize(int size);
    /// A worker whose own memory is above this many MiB after a job is replaced before its
    /// next one (PoolOptions::maxWorkerMemory); 0 = no limit.
    int maxWorkerMemoryMiB() const;
    void setMaxWorkerMemoryMiB(int mib);

    QByteArray windowGeometry() const;
    void setWindowGeometry(const QByteArray &geometry);
    QByteArray windowState() const; ///< the docks' layout
    void setWindowState(const QByteArray &state);
    QByteArray headerState(const QString &view) const;
    void setHeaderState(const QString &view, const QByteArray &state);

    /// The template of the last batch started, as its line: `gzip -k {}`; or a preset id.
    QString lastTemplate() const;
    void setLastTemplate(const QString &text);

    /// The New Batch dialog's "Run on:" choice: a Slurm cluster rather than this computer.
    bool runOnSlurm() const;
    void setRunOnSlurm(bool slurm);
    /// The last Slurm partition chosen; empty: the cluster's default.
    QString slurmPartition() const;
    void setSlurmPartition(const QString &partition);
    /// The last Slurm time limit ("30", "2:00:00", "1-0"); empty: none, and also when the
    /// stored one is not a time limit Slurm accepts.
    QString slurmTimeLimit() const;
    void setSlurmTimeLimit(const QString &timeLimit);

    /// A locale name ("zh_CN", "en"); empty: the system's.
    QString language() const;
    void setLanguage(const QString &language);

    /// What happens when the last batch ends; Notify unless the user chose otherwise.
    enum class WhenDone { Nothing, Notify, Quit };
    WhenDone whenDone() const;
    void setWhenDone(WhenDone what);

    /// The user's saved templates (Preset::Kind::User), in the order saved.
    QList<Preset> userTemplates() const;
    /// Adds or replaces the template of that name.
    void saveUserTemplate(const QString &name, const QString &templateText);
    /// False when \a from does not exist or \a to is taken.
    bool renameUserTemplate(const QString &from, const QString &to);
    void removeUserTemplate(const QString &name);

    void sync();

private:
    void writeUserTemplates(const QList<QPair<QString, QString>> &templates);
    QList<QPair<QString, QString>> readUserTemplates() const;

    QSettings m_settings;
};

} // namespace jobpool
