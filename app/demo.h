// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QStringList>

namespace jobpool::app {

/// `jobpool demo`: runs a small batch in a worker pool and prints what happened — what
/// `scripts/run` shows where there is no display.
int runDemo(const QStringList &arguments);

} // namespace jobpool::app
