// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QList>
#include <QString>

#include <optional>

/// \file
/// What the desktop app's New Batch dialog offers to run on each input: the built-in
/// presets (run inside the workers), command presets for programs that are installed,
/// and the user's own saved templates.

namespace jobpool {

struct Preset
{
    enum class Kind { Builtin, Command, User };

    QString id;   ///< "sha256", "convert-resize", … ; a user template's id is its name
    QString name; ///< as shown (translated)
    QString description;
    QList<QByteArray> argv; ///< the command template
    bool shell = false;
    QString program; ///< what must be installed for a Command preset
    Kind kind = Kind::User;

    /// A built-in or user preset always is; a command preset when its program is in PATH.
    bool isAvailable() const;
    /// The template as one line a person edits: `gzip -k {}`.
    QString templateText() const;
};

/// Every preset that ships with JobPool, installed or not, in the order the dialog shows
/// them.
QList<Preset> shippedPresets();
/// Those of shippedPresets() that can run here.
QList<Preset> availablePresets();

/// Splits a command line a person typed into words the way a POSIX shell would for plain
/// words: blanks separate them, '…' and "…" quote, a backslash escapes the next character
/// (inside "…" only before \ " $ `). `{}` and the other replacement strings stay as they
/// are. An unterminated quote gives std::nullopt.
std::optional<QList<QByteArray>> splitCommandLine(QStringView text);

/// The other way round: words joined into a line that splitCommandLine() reads back.
QString joinCommandLine(const QList<QByteArray> &argv);

} // namespace jobpool
