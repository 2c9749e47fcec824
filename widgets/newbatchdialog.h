// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <jobpool/batchsession.h>
#include <jobpool/pathexpansion.h>
#include <jobpool/presets.h>

#include <QDialog>
#include <QTimer>

class QCheckBox;
class QComboBox;
class QDialogButtonBox;
class QFormLayout;
class QLabel;
class QLineEdit;
class QListWidget;
class QPlainTextEdit;
class QPushButton;
class QSpinBox;

namespace jobpool {
class AppSettings;
}

namespace jobpool::widgets {

/// The New Batch dialog: the dropped files and folders, what to run on each (a preset or
/// a template), a live preview of the first commands, and where it runs: this computer's
/// pool (of what size) or a Slurm cluster (which partition, how long each task may take).
class NewBatchDialog final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(NewBatchDialog)

public:
    NewBatchDialog(const QList<QByteArray> &paths, AppSettings &settings,
                   QWidget *parent = nullptr);
    ~NewBatchDialog() override;

    void addPaths(const QList<QByteArray> &paths);

    /// What to submit; valid once the dialog was accepted (or isReady()).
    BatchSession::NewBatch batch() const;
    int poolSize() const;
    bool isReady() const;
    /// The files the inputs expand to now.
    const ExpandedPaths &files() const { return m_files; }

    /// Selects the preset (shipped or user) of that id; false when there is none.
    bool selectPreset(const QString &id);
    void setTemplateText(const QString &text);

private:
    void buildUi();
    /// "Run on:", Slurm's partition and time limit, and the pool size, restored from the
    /// settings.
    void buildRunOn();
    void runOnChosen();
    bool onSlurm() const;
    void fillPresets(const QString &select);
    void presetChosen();
    void templateEdited();
    void expandInputs();
    void updatePreview();
    void saveTemplate();
    void renameTemplate();
    void deleteTemplate();
    QList<QByteArray> globs(const QLineEdit *edit) const;
    const Preset *currentPreset() const;

    AppSettings &m_settings;
    QList<QByteArray> m_paths;
    ExpandedPaths m_files;
    QList<Preset> m_presets;
    QList<QByteArray> m_argv; ///< the template as parsed, empty when it does not parse
    QString m_problem;        ///< why the batch cannot start, empty when it can
    QTimer m_expandLater;

    QListWidget *m_pathList = nullptr;
    QCheckBox *m_recursive = nullptr;
    QLineEdit *m_include = nullptr;
    QLineEdit *m_exclude = nullptr;
    QLabel *m_count = nullptr;
    QComboBox *m_preset = nullptr;
    QLabel *m_presetHelp = nullptr;
    QLineEdit *m_template = nullptr;
    QCheckBox *m_shell = nullptr;
    QPushButton *m_save = nullptr;
    QPushButton *m_rename = nullptr;
    QPushButton *m_delete = nullptr;
    QPlainTextEdit *m_preview = nullptr;
    QLabel *m_error = nullptr;
    QComboBox *m_runOn = nullptr;
    QLineEdit *m_partition = nullptr;
    QLineEdit *m_timeLimit = nullptr;
    QSpinBox *m_poolSize = nullptr;
    QFormLayout *m_form = nullptr;
    QDialogButtonBox *m_buttons = nullptr;
};

} // namespace jobpool::widgets
