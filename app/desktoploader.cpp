// SPDX-License-Identifier: GPL-3.0-or-later
#include "desktoploader.h"

#include <climits>
#include <cstdio>
#include <string>

#include <dlfcn.h>
#include <unistd.h>

namespace jobpool::app {

namespace {

/// The folder of this program, from /proc/self/exe; empty when unreadable.
std::string programFolder()
{
    char path[PATH_MAX];
    const ssize_t n = ::readlink("/proc/self/exe", path, sizeof path - 1);
    if (n <= 0)
        return {};
    const std::string program(path, std::size_t(n));
    return program.substr(0, program.rfind('/'));
}

} // namespace

int runDesktopModule(int argc, char **argv)
{
    // Relative to the program: where the package installs the module, then where the
    // build tree has it (both set by app/CMakeLists.txt).
    const std::string folder = programFolder();
    std::string tried;
    void *module = nullptr;
    for (const char *relative : {JOBPOOL_DESKTOP_MODULE_INSTALLED, JOBPOOL_DESKTOP_MODULE_BUILT}) {
        const std::string path = folder + '/' + relative;
        module = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
        if (module)
            break;
        tried += std::string("\n  ") + ::dlerror();
    }
    if (!module) {
        std::fprintf(stderr, "jobpool: cannot load the desktop app:%s\n", tried.c_str());
        return 1;
    }
    using Entry = int (*)(int, char **);
    const auto entry = reinterpret_cast<Entry>(::dlsym(module, "jobpool_run_desktop"));
    if (!entry) {
        std::fprintf(stderr, "jobpool: the desktop app's module has no entry point: %s\n",
                     ::dlerror());
        return 1;
    }
    return entry(argc, argv);
}

} // namespace jobpool::app
