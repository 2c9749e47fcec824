// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QList>

#include <memory>

QT_BEGIN_NAMESPACE
class QIODevice;
QT_END_NAMESPACE

namespace jobpool {

/// \brief One input source of a batch, read one value at a time: GNU parallel's
/// `::: a b c`, `:::: file`, lines on stdin, and their `-0` (NUL-separated) forms.
///
/// Values are bytes, exactly as read: a line keeps a `\r` before its `\n`, an empty line
/// is an empty value, the last line needs no terminator (parallel reads them the same
/// way). Sources stream: a file of a million lines is never held in memory by its
/// source. An InputPlan combines several.
///
/// \code
/// auto files = jobpool::InputSource::fromFile("list.txt");   // throws InputError if missing
/// QByteArray value;
/// while (files.next(value))
///     use(value);
/// \endcode
///
/// Errors are jobpool::InputError naming the source: a `::::` file that is missing, a
/// directory or unreadable fails fromFile() at once, before anything runs; a read error
/// later fails next().
class InputSource final
{
public:
    enum class Separator : char {
        Newline = '\n', ///< lines (the last one may lack its '\n')
        Nul = '\0',     ///< -0 / --null: NUL-terminated records, for names with newlines
    };

    /// `::: a b c`: each value as given. Parallel 20221122 splits a `:::` argument that
    /// contains a newline into several inputs; here it stays one input (a file name with
    /// a newline in it stays one name).
    static InputSource fromList(QList<QByteArray> values);
    /// `:::: path`: the file's records. \a path is bytes (any name the kernel takes); "-"
    /// means stdin, as in parallel. Throws InputError when it cannot be opened for reading.
    static InputSource fromFile(const QByteArray &path, Separator separator = Separator::Newline);
    /// The process's standard input.
    static InputSource fromStdin(Separator separator = Separator::Newline);
    /// Records read from \a device (open, readable, not owned: it must outlive the
    /// source): a pipe, a QBuffer, a QProcess. \a name is what errors call it.
    static InputSource fromDevice(QIODevice *device, Separator separator, const QByteArray &name);

    InputSource(InputSource &&) noexcept;
    InputSource &operator=(InputSource &&) noexcept;
    ~InputSource();

    /// The next value; false at the end. Throws InputError on a read error.
    bool next(QByteArray &value);
    /// Every value not read yet.
    QList<QByteArray> readAll();

    /// How many values the source has in all (read or not): known for lists and regular
    /// files (a file is counted once, on the first call, by a quick scan), -1 for stdin,
    /// pipes and devices.
    qint64 count() const;
    /// What errors and warnings call this source: the file name, "-" for stdin, ":::".
    QByteArray name() const;

    class Reader;

private:
    explicit InputSource(std::unique_ptr<Reader> reader);
    std::unique_ptr<Reader> m_reader;
};

} // namespace jobpool
