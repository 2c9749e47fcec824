// SPDX-License-Identifier: GPL-3.0-or-later
#include <jobpool/version.h>

namespace jobpool {

QString libraryVersion()
{
    return QStringLiteral(JOBPOOL_VERSION_STRING);
}

} // namespace jobpool
