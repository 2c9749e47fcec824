// SPDX-License-Identifier: GPL-3.0-or-later
// A deliberate data race, registered as a test that must fail under the tsan preset: it
// shows that the ThreadSanitizer pass is live, and that tests/tsan.supp and
// ignore_noninstrumented_modules hide nothing of our own code.
#include <jobpool/lock.h>

#include <thread>

namespace {
int g_counter = 0; // shared, and deliberately unguarded

void bump()
{
    for (int i = 0; i < 100000; ++i)
        ++g_counter;
}
} // namespace

int main()
{
    jobpool::Lock unused; // links the core, so the race sits beside instrumented JobPool code
    std::thread other(bump);
    bump();
    other.join();
    return g_counter > 0 ? 0 : 1;
}
