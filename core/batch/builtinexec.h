// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <jobpool/exec.h>

#include <optional>

namespace jobpool::detail {

/// The built-in commands of the desktop app's presets, run inside the worker instead of
/// as a program: `@sha256 FILE` (sha256sum's line), `@count FILE` (size and line count,
/// the seed tutorial's homework) and `@gzip FILE` (FILE.gz beside it, like `gzip -k`).
/// Returns nothing when argv[0] names none of them.
std::optional<ExecResult> runBuiltinCommand(const ExecRequest &request);

/// Whether \a program (a command's argv[0]) names one of the built-in commands.
bool isBuiltinCommand(const QByteArray &program);

} // namespace jobpool::detail
