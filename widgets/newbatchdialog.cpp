// SPDX-License-Identifier: GPL-3.0-or-later
#include "newbatchdialog.h"

#include <jobpool/appsettings.h>
#include <jobpool/batchoptions.h>
#include <jobpool/commandtemplate.h>

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QFontDatabase>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QInputDialog>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QThread>
#include <QVBoxLayout>

namespace jobpool::widgets {
namespace {

constexpr int kPreviewLines = 5;
constexpr int kExpandDelayMs = 150;

} // namespace

NewBatchDialog::NewBatchDialog(const QList<QByteArray> &paths, AppSettings &settings,
                               QWidget *parent)
    : QDialog(parent)
    , m_settings(settings)
{
    setObjectName(QStringLiteral("NewBatchDialog"));
    setWindowTitle(tr("New Batch"));
    m_expandLater.setSingleShot(true);
    m_expandLater.setInterval(kExpandDelayMs);
    connect(&m_expandLater, &QTimer::timeout, this, &NewBatchDialog::expandInputs);
    buildUi();
    fillPresets(settings.lastTemplate());
    addPaths(paths);
    expandInputs();
}

NewBatchDialog::~NewBatchDialog() = default;

void NewBatchDialog::buildUi()
{
    auto *layout = new QVBoxLayout(this);
    m_form = new QFormLayout;
    QFormLayout *form = m_form;
    layout->addLayout(form);

    m_pathList = new QListWidget(this);
    m_pathList->setObjectName(QStringLiteral("paths"));
    m_pathList->setMaximumHeight(90);
    auto *addFiles = new QPushButton(tr("Add Files…"), this);
    auto *addFolder = new QPushButton(tr("Add Folder…"), this);
    connect(addFiles, &QPushButton::clicked, this, [this] {
        QList<QByteArray> picked;
        for (const QString &f : QFileDialog::getOpenFileNames(this, tr("Add Files")))
            picked.append(QFile::encodeName(f));
        addPaths(picked);
    });
    connect(addFolder, &QPushButton::clicked, this, [this] {
        const QString dir = QFileDialog::getExistingDirectory(this, tr("Add Folder"));
        if (!dir.isEmpty())
            addPaths({QFile::encodeName(dir)});
    });
    auto *pathButtons = new QVBoxLayout;
    pathButtons->addWidget(addFiles);
    pathButtons->addWidget(addFolder);
    pathButtons->addStretch();
    auto *pathRow = new QHBoxLayout;
    pathRow->addWidget(m_pathList, 1);
    pathRow->addLayout(pathButtons);
    form->addRow(tr("Inputs:"), pathRow);

    m_recursive = new QCheckBox(tr("Include subfolders"), this);
    m_recursive->setObjectName(QStringLiteral("recursive"));
    m_recursive->setChecked(true);
    m_include = new QLineEdit(this);
    m_include->setObjectName(QStringLiteral("include"));
    m_include->setPlaceholderText(tr("e.g. *.jpg *.png (all files when empty)"));
    m_exclude = new QLineEdit(this);
    m_exclude->setObjectName(QStringLiteral("exclude"));
    m_exclude->setPlaceholderText(tr("e.g. .* *~"));
    form->addRow(QString(), m_recursive);
    form->addRow(tr("Only files named:"), m_include);
    form->addRow(tr("Leave out:"), m_exclude);
    m_count = new QLabel(this);
    m_count->setObjectName(QStringLiteral("inputCount"));
    form->addRow(QString(), m_count);
    for (QLineEdit *edit : {m_include, m_exclude})
        connect(edit, &QLineEdit::textChanged, &m_expandLater, qOverload<>(&QTimer::start));
    connect(m_recursive, &QCheckBox::toggled, this, &NewBatchDialog::expandInputs);

    m_preset = new QComboBox(this);
    m_preset->setObjectName(QStringLiteral("preset"));
    m_save = new QPushButton(tr("Save…"), this);
    m_save->setObjectName(QStringLiteral("saveTemplate"));
    m_save->setToolTip(tr("Save this command as a template of your own"));
    m_rename = new QPushButton(tr("Rename…"), this);
    m_rename->setObjectName(QStringLiteral("renameTemplate"));
    m_delete = new QPushButton(tr("Delete"), this);
    m_delete->setObjectName(QStringLiteral("deleteTemplate"));
    auto *presetRow = new QHBoxLayout;
    presetRow->addWidget(m_preset, 1);
    presetRow->addWidget(m_save);
    presetRow->addWidget(m_rename);
    presetRow->addWidget(m_delete);
    form->addRow(tr("Run:"), presetRow);
    m_presetHelp = new QLabel(this);
    m_presetHelp->setWordWrap(true);
    form->addRow(QString(), m_presetHelp);
    connect(m_preset, &QComboBox::activated, this, &NewBatchDialog::presetChosen);
    connect(m_save, &QPushButton::clicked, this, &NewBatchDialog::saveTemplate);
    connect(m_rename, &QPushButton::clicked, this, &NewBatchDialog::renameTemplate);
    connect(m_delete, &QPushButton::clicked, this, &NewBatchDialog::deleteTemplate);

    m_template = new QLineEdit(this);
    m_template->setObjectName(QStringLiteral("template"));
    m_template->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_template->setToolTip(tr("{} the file, {.} without extension, {/} its name, {//} its folder, "
                              "{/.} its name without extension, {#} the job number, {%} the slot"));
    m_shell = new QCheckBox(tr("Run through the shell (/bin/sh -c)"), this);
    m_shell->setObjectName(QStringLiteral("shell"));
    form->addRow(tr("Command:"), m_template);
    form->addRow(QString(), m_shell);
    connect(m_template, &QLineEdit::textEdited, this, &NewBatchDialog::templateEdited);
    connect(m_shell, &QCheckBox::toggled, this, &NewBatchDialog::updatePreview);

    m_preview = new QPlainTextEdit(this);
    m_preview->setObjectName(QStringLiteral("preview"));
    m_preview->setReadOnly(true);
    m_preview->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_preview->setMaximumHeight(110);
    m_preview->setLineWrapMode(QPlainTextEdit::NoWrap);
    form->addRow(tr("Preview:"), m_preview);
    m_error = new QLabel(this);
    m_error->setObjectName(QStringLiteral("problem"));
    m_error->setStyleSheet(QStringLiteral("color: #b00020"));
    m_error->setWordWrap(true);
    form->addRow(QString(), m_error);

    buildRunOn();

    m_buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    m_buttons->button(QDialogButtonBox::Ok)->setText(tr("Start"));
    m_buttons->button(QDialogButtonBox::Ok)->setObjectName(QStringLiteral("start"));
    connect(m_buttons, &QDialogButtonBox::accepted, this, [this] {
        if (!isReady())
            return;
        m_settings.setLastTemplate(currentPreset() ? currentPreset()->id : m_template->text());
        m_settings.setPoolSize(m_poolSize->value());
        // Kept even when this computer was chosen: switching back finds them again.
        m_settings.setRunOnSlurm(onSlurm());
        m_settings.setSlurmPartition(m_partition->text());
        m_settings.setSlurmTimeLimit(m_timeLimit->text());
        accept();
    });
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    layout->addWidget(m_buttons);
    runOnChosen();
    resize(640, sizeHint().height());
}

void NewBatchDialog::buildRunOn()
{
    m_runOn = new QComboBox(this);
    m_runOn->setObjectName(QStringLiteral("runOn"));
    m_runOn->addItem(tr("This computer"), false);
    m_runOn->addItem(tr("Slurm cluster"), true);
    m_runOn->setCurrentIndex(m_settings.runOnSlurm() ? 1 : 0);
    m_form->addRow(tr("Run on:"), m_runOn);

    m_partition = new QLineEdit(m_settings.slurmPartition(), this);
    m_partition->setObjectName(QStringLiteral("slurmPartition"));
    m_partition->setPlaceholderText(tr("cluster default"));
    m_form->addRow(tr("Partition:"), m_partition);
    m_timeLimit = new QLineEdit(m_settings.slurmTimeLimit(), this);
    m_timeLimit->setObjectName(QStringLiteral("slurmTimeLimit"));
    m_timeLimit->setPlaceholderText(tr("none — e.g. 30, 2:00:00, 1-0"));
    m_timeLimit->setToolTip(tr("How long each Slurm task may run: minutes, HH:MM:SS, or "
                               "DAYS-HH; Slurm ends a task that runs longer"));
    m_form->addRow(tr("Time limit:"), m_timeLimit);

    m_poolSize = new QSpinBox(this);
    m_poolSize->setObjectName(QStringLiteral("poolSize"));
    m_poolSize->setRange(1, 256);
    const int saved = m_settings.poolSize();
    m_poolSize->setValue(saved > 0 ? saved : std::max(1, QThread::idealThreadCount()));
    m_poolSize->setSuffix(tr(" at once"));
    m_form->addRow(tr("Jobs:"), m_poolSize);

    connect(m_runOn, &QComboBox::currentIndexChanged, this, &NewBatchDialog::runOnChosen);
    connect(m_timeLimit, &QLineEdit::textChanged, this, &NewBatchDialog::updatePreview);
}

bool NewBatchDialog::onSlurm() const
{
    return m_runOn->currentData().toBool();
}

void NewBatchDialog::runOnChosen()
{
    const bool slurm = onSlurm();
    m_form->setRowVisible(m_partition, slurm);
    m_form->setRowVisible(m_timeLimit, slurm);
    // On a cluster the scheduler, not this pool, decides how many tasks run at once.
    m_poolSize->setEnabled(!slurm);
    m_poolSize->setToolTip(slurm ? tr("Slurm decides how many jobs run at once on the cluster.")
                                 : QString());
    updatePreview();
}

void NewBatchDialog::fillPresets(const QString &select)
{
    m_presets = availablePresets() + m_settings.userTemplates();
    m_preset->clear();
    for (const Preset &p : std::as_const(m_presets)) {
        m_preset->addItem(p.kind == Preset::Kind::User ? tr("%1 (yours)").arg(p.name) : p.name,
                          p.id);
    }
    m_preset->addItem(tr("Custom command"), QString());
    if (!selectPreset(select)) {
        if (!select.isEmpty())
            setTemplateText(select);
        else
            selectPreset(m_presets.value(0).id);
    }
}

bool NewBatchDialog::selectPreset(const QString &id)
{
    if (id.isEmpty())
        return false;
    const int index = m_preset->findData(id);
    if (index < 0)
        return false;
    m_preset->setCurrentIndex(index);
    presetChosen();
    return true;
}

void NewBatchDialog::setTemplateText(const QString &text)
{
    m_template->setText(text);
    templateEdited();
}

const Preset *NewBatchDialog::currentPreset() const
{
    const QString id = m_preset->currentData().toString();
    for (const Preset &p : m_presets) {
        if (!id.isEmpty() && p.id == id)
            return &p;
    }
    return nullptr;
}

void NewBatchDialog::presetChosen()
{
    const Preset *preset = currentPreset();
    if (preset) {
        m_template->setText(preset->templateText());
        m_shell->setChecked(preset->shell);
        m_presetHelp->setText(preset->kind == Preset::Kind::Builtin
                                  ? preset->description + u' ' + tr("(Runs inside JobPool.)")
                                  : preset->description);
    } else {
        m_presetHelp->clear();
    }
    const bool user = preset && preset->kind == Preset::Kind::User;
    m_rename->setEnabled(user);
    m_delete->setEnabled(user);
    updatePreview();
}

void NewBatchDialog::templateEdited()
{
    const Preset *preset = currentPreset();
    if (!preset || preset->templateText() != m_template->text()) {
        m_preset->setCurrentIndex(m_preset->count() - 1); // "Custom command"
        m_presetHelp->clear();
        m_rename->setEnabled(false);
        m_delete->setEnabled(false);
    }
    updatePreview();
}

void NewBatchDialog::addPaths(const QList<QByteArray> &paths)
{
    for (const QByteArray &path : paths) {
        if (path.isEmpty() || m_paths.contains(path))
            continue;
        m_paths.append(path);
        m_pathList->addItem(QFile::decodeName(path));
    }
    m_expandLater.start();
}

QList<QByteArray> NewBatchDialog::globs(const QLineEdit *edit) const
{
    QList<QByteArray> globs;
    for (const QString &word : edit->text().split(u' ', Qt::SkipEmptyParts))
        globs.append(QFile::encodeName(word));
    return globs;
}

void NewBatchDialog::expandInputs()
{
    m_expandLater.stop();
    m_files = expandPaths(m_paths, globs(m_include), globs(m_exclude), m_recursive->isChecked());
    QString text = tr("%n file(s)", nullptr, int(m_files.files.size()));
    if (!m_files.warnings.isEmpty()) {
        text += u"  ·  " + tr("%n skipped", nullptr, int(m_files.warnings.size()));
        QStringList messages;
        for (const PathWarning &w : std::as_const(m_files.warnings)
                                        .first(std::min<qsizetype>(m_files.warnings.size(), 10)))
            messages.append(w.message);
        m_count->setToolTip(messages.join(u'\n'));
    } else {
        m_count->setToolTip(QString());
    }
    m_count->setText(text);
    updatePreview();
}

void NewBatchDialog::updatePreview()
{
    m_problem.clear();
    m_argv.clear();
    QStringList lines;
    const std::optional<QList<QByteArray>> argv = splitCommandLine(m_template->text());
    if (!argv)
        m_problem = tr("The command has a quote that is not closed.");
    else if (argv->isEmpty())
        m_problem = tr("Choose a preset or write a command.");
    if (m_problem.isEmpty()) {
        try {
            CommandTemplate::Options options;
            options.shell = m_shell->isChecked();
            const CommandTemplate command = CommandTemplate::parse(*argv, options);
            m_argv = *argv;
            for (qsizetype i = 0; i < std::min<qsizetype>(kPreviewLines, m_files.files.size());
                 ++i) {
                lines.append(QString::fromUtf8(CommandTemplate::displayCommand(
                    command.expand({m_files.files[i]}, i + 1, int(i % m_poolSize->value()) + 1))));
            }
            if (m_files.files.size() > kPreviewLines)
                lines.append(
                    tr("… and %n more", nullptr, int(m_files.files.size() - kPreviewLines)));
        } catch (const std::exception &e) {
            m_problem = QString::fromUtf8(e.what());
        }
    }
    if (m_problem.isEmpty() && m_files.files.isEmpty())
        m_problem = tr("There are no files to run on.");
    if (m_problem.isEmpty() && onSlurm()) {
        const QString reason = SlurmOptions::checkTimeLimit(m_timeLimit->text().trimmed());
        if (!reason.isEmpty())
            m_problem = tr("Time limit: %1").arg(reason);
    }
    m_preview->setPlainText(lines.join(u'\n'));
    m_error->setText(m_problem);
    m_error->setVisible(!m_problem.isEmpty());
    m_save->setEnabled(!m_argv.isEmpty());
    m_buttons->button(QDialogButtonBox::Ok)->setEnabled(isReady());
}

bool NewBatchDialog::isReady() const
{
    return m_problem.isEmpty() && !m_argv.isEmpty() && !m_files.files.isEmpty();
}

BatchSession::NewBatch NewBatchDialog::batch() const
{
    BatchSession::NewBatch b;
    const Preset *preset = currentPreset();
    b.name = preset ? preset->name : m_template->text();
    b.templateArgv = m_argv;
    b.shell = m_shell->isChecked();
    b.inputs = m_files.files;
    if (onSlurm()) {
        b.slurm.enabled = true;
        b.slurm.partition = m_partition->text().trimmed();
        b.slurm.timeLimit = m_timeLimit->text().trimmed();
    }
    return b;
}

int NewBatchDialog::poolSize() const
{
    return m_poolSize->value();
}

void NewBatchDialog::saveTemplate()
{
    bool ok = false;
    const QString name = QInputDialog::getText(this, tr("Save Template"), tr("Name:"),
                                               QLineEdit::Normal, QString(), &ok)
                             .trimmed();
    if (!ok || name.isEmpty())
        return;
    m_settings.saveUserTemplate(name, m_template->text());
    fillPresets(name);
}

void NewBatchDialog::renameTemplate()
{
    const Preset *preset = currentPreset();
    if (!preset || preset->kind != Preset::Kind::User)
        return;
    const QString from = preset->id;
    bool ok = false;
    const QString to = QInputDialog::getText(this, tr("Rename Template"), tr("New name:"),
                                             QLineEdit::Normal, from, &ok)
                           .trimmed();
    if (!ok || to.isEmpty() || to == from)
        return;
    if (!m_settings.renameUserTemplate(from, to)) {
        QMessageBox::warning(this, tr("Rename Template"),
                             tr("There is already a template named “%1”.").arg(to));
        return;
    }
    fillPresets(to);
}

void NewBatchDialog::deleteTemplate()
{
    const Preset *preset = currentPreset();
    if (!preset || preset->kind != Preset::Kind::User)
        return;
    const QString text = m_template->text();
    m_settings.removeUserTemplate(preset->id);
    fillPresets(QString());
    setTemplateText(text); // the command stays, as a custom one
}

} // namespace jobpool::widgets
