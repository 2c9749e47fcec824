// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QList>
#include <QString>

namespace jobpool {

/// Something expandPaths() skipped, with a message a person can read.
struct PathWarning
{
    QByteArray path; ///< bytes, as found
    QString message; ///< names the path readably, e.g. "'photos/old': cannot read folder: …"
};

struct ExpandedPaths
{
    QList<QByteArray> files;
    QList<PathWarning> warnings;
};

/// \brief Turns dropped files and folders into the files a batch runs on (the GUI's drop
/// and `jobpool run`'s folder inputs).
///
/// - A path that is not a folder is kept as given (if the globs let it through) — even
///   when it does not exist or cannot be read: the job for it then fails with a message
///   naming it, and the batch goes on.
/// - A folder is replaced by the regular files in it, and with \a recursive by those of
///   every folder below it: depth first, the entries of each folder in byte order of
///   their names (deterministic, and the same in every locale). Hidden files are files
///   like any other.
/// - Symbolic links are followed. A folder reached a second time (a link back to a parent,
///   or two links to one folder) is not walked again, and a warning says so; a link to
///   nothing, a fifo, socket or device inside a folder is skipped with a warning. A folder
///   that cannot be read is a warning, not an error.
/// - \a includeGlobs and \a excludeGlobs are fnmatch(3) patterns matched against the
///   file's name (not its path), without FNM_PERIOD, so `*` matches a leading dot too:
///   `--exclude '.*'` drops hidden files and folders. With include globs a file is kept
///   when its name matches one of them; an exclude glob drops files and prunes folders
///   whose names match it, and wins over include. The folders given themselves are always
///   walked.
/// - A file named twice (given, and also found in a given folder) is listed once.
///
/// Names are bytes, read with opendir/readdir/fnmatch: QDir's QString names cannot carry
/// every byte a Linux file name may hold (`caf\xe9.txt` would not survive the round trip).
///
/// \code
/// auto found = jobpool::expandPaths({"photos", "notes.txt"}, {"*.jpg", "*.txt"}, {".*"});
/// for (const auto &w : found.warnings)
///     qWarning().noquote() << w.message;
/// \endcode
ExpandedPaths expandPaths(const QList<QByteArray> &paths,
                          const QList<QByteArray> &includeGlobs = {},
                          const QList<QByteArray> &excludeGlobs = {}, bool recursive = true);

} // namespace jobpool
