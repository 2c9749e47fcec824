// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

namespace jobpool::app {

/// Runs the desktop window: `jobpool [--db FILE] [FILE…]`. With a window already
/// open, the files go to it and this process ends. Returns the exit status.
int runDesktop(int argc, char **argv);

} // namespace jobpool::app
