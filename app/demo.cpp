// SPDX-License-Identifier: GPL-3.0-or-later
#include "demo.h"

#include <QTextStream>

namespace jobpool::app {

int runDemo(const QStringList &arguments)
{
    Q_UNUSED(arguments);
    QTextStream(stdout) << "demo\n";
    return 0;
}

} // namespace jobpool::app
