// SPDX-License-Identifier: GPL-3.0-or-later
// The desktop app as a module: the `jobpool` program loads it only to open its window
// (desktoploader.cpp), so that its terminal commands start without Qt Widgets, Qt Gui and
// the sixty libraries they bring (13 ms to print --version, against 4 ms without them).
#include "desktop.h"

extern "C" __attribute__((visibility("default"))) int jobpool_run_desktop(int argc, char **argv)
{
    return jobpool::app::runDesktop(argc, argv);
}
