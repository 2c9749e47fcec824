// SPDX-License-Identifier: GPL-3.0-or-later
#include <jobpool/commandtemplate.h>
#include <jobpool/pathexpansion.h>

#include <QHash>
#include <QSet>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>
#include <vector>

#include <dirent.h>
#include <fnmatch.h>
#include <sys/stat.h>

namespace jobpool {
namespace {

using FileId = std::pair<dev_t, ino_t>;

QString readable(const QByteArray &path)
{
    return QString::fromUtf8(CommandTemplate::displayQuote(path));
}

QByteArray joined(const QByteArray &folder, const QByteArray &name)
{
    QByteArray path = folder;
    if (!path.endsWith('/'))
        path += '/';
    return path += name;
}

/// The last component of \a path, trailing slashes ignored: what globs are matched with.
QByteArray lastName(QByteArray path)
{
    while (path.size() > 1 && path.endsWith('/'))
        path.chop(1);
    return path.sliced(path.lastIndexOf('/') + 1);
}

class Walker
{
public:
    Walker(const QList<QByteArray> &include, const QList<QByteArray> &exclude, bool recursive)
        : m_include(include)
        , m_exclude(exclude)
        , m_recursive(recursive)
    {}

    ExpandedPaths run(const QList<QByteArray> &paths)
    {
        std::vector<bool> isFolder;
        for (const QByteArray &path : paths) {
            struct stat st
            {
            };
            const bool folder = ::stat(path.constData(), &st) == 0 && S_ISDIR(st.st_mode);
            isFolder.push_back(folder);
            if (!folder)
                m_givenFiles.insert(path);
        }
        for (qsizetype i = 0; i < paths.size(); ++i) {
            if (isFolder[std::size_t(i)])
                walk(paths[i]);
            else if (wanted(lastName(paths[i])))
                addFile(paths[i]);
        }
        return std::move(m_result);
    }

private:
    static bool matches(const QList<QByteArray> &globs, const char *name)
    {
        return std::any_of(globs.begin(), globs.end(), [name](const QByteArray &glob) {
            return ::fnmatch(glob.constData(), name, 0) == 0;
        });
    }
    bool wanted(const QByteArray &name) const
    {
        return (m_include.isEmpty() || matches(m_include, name.constData()))
               && !matches(m_exclude, name.constData());
    }
    void warn(const QByteArray &path, const QString &what)
    {
        m_result.warnings.append({path, readable(path) + QStringLiteral(": ") + what});
    }
    void warnErrno(const QByteArray &path, const char *what, int error)
    {
        warn(path, QStringLiteral("%1: %2").arg(QLatin1StringView(what),
                                                QString::fromLocal8Bit(std::strerror(error))));
    }
    void addFile(const QByteArray &path)
    {
        if (!m_givenFiles.isEmpty() && m_givenFiles.contains(path)) {
            if (m_listedGivenFiles.contains(path))
                return;
            m_listedGivenFiles.insert(path);
        }
        m_result.files.append(path);
    }

    void walk(const QByteArray &folder)
    {
        struct stat st
        {
        };
        if (::stat(folder.constData(), &st) != 0) {
            warnErrno(folder, "cannot read folder", errno);
            return;
        }
        const FileId id{st.st_dev, st.st_ino};
        if (const auto seen = m_folders.constFind(id); seen != m_folders.cend()) {
            if (std::find(m_ancestors.begin(), m_ancestors.end(), id) != m_ancestors.end())
                warn(folder, QStringLiteral("symbolic link loop back to %1; not followed")
                                 .arg(readable(*seen)));
            else
                warn(folder, QStringLiteral("same folder as %1, already listed; skipped")
                                 .arg(readable(*seen)));
            return;
        }
        m_folders.insert(id, folder);

        DIR *dir = ::opendir(folder.constData());
        if (!dir) {
            warnErrno(folder, "cannot read folder", errno);
            return;
        }
        struct Entry
        {
            QByteArray name;
            unsigned char type;
        };
        std::vector<Entry> entries;
        for (;;) {
            errno = 0;
            const dirent *e = ::readdir(dir);
            if (!e) {
                if (errno != 0)
                    warnErrno(folder, "error while reading folder", errno);
                break;
            }
            if (std::strcmp(e->d_name, ".") == 0 || std::strcmp(e->d_name, "..") == 0)
                continue;
            if (matches(m_exclude, e->d_name))
                continue; // prunes folders too
            entries.push_back({QByteArray(e->d_name), e->d_type});
        }
        ::closedir(dir);
        std::sort(entries.begin(), entries.end(),
                  [](const Entry &a, const Entry &b) { return a.name < b.name; });

        m_ancestors.push_back(id);
        for (const Entry &entry : entries) {
            const QByteArray path = joined(folder, entry.name);
            bool isFile = entry.type == DT_REG;
            bool isFolder = entry.type == DT_DIR;
            if (entry.type != DT_REG && entry.type != DT_DIR) { // a link, or not told
                struct stat target
                {
                };
                if (::stat(path.constData(), &target) != 0) {
                    struct stat link
                    {
                    };
                    if (errno == ENOENT && ::lstat(path.constData(), &link) == 0
                        && S_ISLNK(link.st_mode))
                        warn(path, QStringLiteral("symbolic link to nothing; skipped"));
                    else
                        warnErrno(path, "cannot read", errno);
                    continue;
                }
                isFile = S_ISREG(target.st_mode);
                isFolder = S_ISDIR(target.st_mode);
            }
            if (isFolder) {
                if (m_recursive)
                    walk(path);
            } else if (isFile) {
                if (m_include.isEmpty() || matches(m_include, entry.name.constData()))
                    addFile(path);
            } else {
                warn(path, QStringLiteral("not a regular file; skipped"));
            }
        }
        m_ancestors.pop_back();
    }

    const QList<QByteArray> &m_include;
    const QList<QByteArray> &m_exclude;
    const bool m_recursive;
    ExpandedPaths m_result;
    QHash<FileId, QByteArray> m_folders; ///< every folder walked, by identity: first path
    std::vector<FileId> m_ancestors;     ///< the folders being walked, outermost first
    QSet<QByteArray> m_givenFiles;       ///< paths given that are not folders
    QSet<QByteArray> m_listedGivenFiles; ///< those of them listed so far
};

} // namespace

ExpandedPaths expandPaths(const QList<QByteArray> &paths, const QList<QByteArray> &includeGlobs,
                          const QList<QByteArray> &excludeGlobs, bool recursive)
{
    return Walker(includeGlobs, excludeGlobs, recursive).run(paths);
}

} // namespace jobpool
