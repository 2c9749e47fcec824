// SPDX-License-Identifier: GPL-3.0-or-later
#include "cli.h"
#include "desktoploader.h"

int main(int argc, char **argv)
{
    if (jobpool::app::isCommandLineInvocation(argc, argv))
        return jobpool::app::runCommandLine(argc, argv);
    return jobpool::app::runDesktopModule(argc, argv);
}
