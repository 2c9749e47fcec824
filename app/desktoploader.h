// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

namespace jobpool::app {

/// Loads the desktop app's module (installed next to the program's libraries, or in the
/// build tree's lib/) and runs its window. Returns the exit status; 1 with a message on
/// stderr when the module cannot be loaded.
int runDesktopModule(int argc, char **argv);

} // namespace jobpool::app
