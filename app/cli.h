// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

namespace jobpool::app {

/// True when the arguments ask for the command line (a subcommand, --help, --version)
/// rather than the desktop window; decided before any QApplication exists, so that the
/// command line works without a display.
bool isCommandLineInvocation(int argc, char **argv);

/// Runs `jobpool SUBCOMMAND …` or `jobpool --help/--version`; returns the exit status.
int runCommandLine(int argc, char **argv);

} // namespace jobpool::app
