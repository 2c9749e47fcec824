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
/// a template), a live preview of the first commands, and the pool size.
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
    QSpinBox *m_poolSize = nullptr;
    QDialogButtonBox *m_buttons = nullptr;
};

} // namespace jobpool::widgets
