// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QString>

#include <tuple>

/// \file
/// Tasks that ship with JobPool::Core, registered in every program that links it, so the
/// desktop app's `jobpool-worker` can run them without a command: the New Batch dialog's
/// built-in presets and the headless demo.

namespace jobpool::builtin {

/// The SHA-256 of a file's contents, in lower-case hex. Throws std::runtime_error naming
/// the file when it cannot be read.
QString sha256File(QString path);

/// A file's size in bytes and its number of lines (newline characters, plus one for a
/// last line without one) — the homework of the seed tutorial. Throws like sha256File.
std::tuple<qint64, qint64> fileSizeAndLines(QString path);

} // namespace jobpool::builtin
