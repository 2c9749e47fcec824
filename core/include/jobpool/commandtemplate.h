// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QList>

#include <memory>

namespace jobpool {

/// \brief A command with GNU parallel's replacement strings, turned into one argv per job.
///
/// A template is an argv list, not a shell string: `gzip -k {}` becomes
/// `["gzip", "-k", "/path/to/file"]`, so a file name can never inject a command. Inputs and
/// results are bytes throughout (file names on Linux need not be UTF-8).
///
/// \code
/// const auto t = jobpool::CommandTemplate::parse({"convert", "{}", "out/{/.}.png"});
/// QList<QByteArray> argv = t.expand({"photos/cat.jpg"}, /*seq*/ 1, /*slot*/ 1);
/// // ["convert", "photos/cat.jpg", "out/cat.png"]
/// \endcode
///
/// Replacement strings (meanings as GNU parallel's, checked against parallel 20221122),
/// with what each gives for `dir.d/a.tar.gz`, `.bashrc` and `dir/`:
/// - `{}`    the input:                           `dir.d/a.tar.gz`  `.bashrc`  `dir/`
/// - `{.}`   without the last extension (the last `.` not followed by a `/`, and what
///           follows it):                         `dir.d/a.tar`     (empty)    `dir/`
/// - `{/}`   what follows the last `/`:           `a.tar.gz`        `.bashrc`  (empty)
/// - `{//}`  POSIX dirname (`.` for a bare name): `dir.d`           `.`        `.`
/// - `{/.}`  `{/}` without its last extension:    `a.tar`           (empty)    (empty)
/// - `{#}`   the job's sequence number, from 1; `{%}` its job slot, from 1
/// - `{n}` `{n.}` `{n/}` `{n//}` `{n/.}`: the same of input source n (from 1); `{-n}`,
///   `{-n.}` …: of the n-th source counted from the last
///
/// With several input sources, `{}` (and `{.}` …) stands for every source's value, each
/// its own word, as parallel does: in argv mode `x{}y` with inputs `a`, `b c` becomes the
/// two arguments `xa` and `b cy`. A template without any replacement string gets `{}`
/// appended as its last argument(s).
///
/// What counts as a replacement string (parallel leaves anything it does not know alone;
/// we report typos instead, but keep awk programs and JSON working):
/// - `{` immediately followed by `}`, or by an optional `-` or `+` and one or more of
///   `A-Z a-z 0-9 _ . / # %` and then `}`, is a replacement string: if it is not one of the
///   table above it is an error (`{x}`, `{foo}`, `{.x}`, `{/..}`, `{0}`, `{3}` with two
///   sources, `{##}`, `{+/}`).
/// - Any other brace is literal text: `awk '{print $1}'`, `awk '{n++}'`, `{"a": 1}`,
///   `{a,b}`, `{ }`. A `{` right after `$` starts no replacement string unless it is `${}`:
///   `${HOME}`, `${f%.gz}` are the shell's.
/// - Backslashes matter only right before a brace. A backslash makes literal (and leaves
///   out of the brace count) all of the replacement string it stands before — `\{}`,
///   `awk '\{print}'`, `grep -E 'x\{2}'` — or else the one brace: `sed 's/\{/[/'`. Two
///   backslashes write one: `\\{}` is a backslash and the input; `a\\{2\\}` gives sed's
///   `a\{2\}`. `\n` and other backslashes are kept as they are. Parallel's `{=perl=}` is
///   not supported and says so.
/// - Braces must balance over the whole template, read as the shell would read the
///   arguments joined by spaces (so `f() {` … `}` across arguments is fine): a `{` never
///   closed or a `}` never opened is an error. Escaped braces do not count.
/// Errors are jobpool::TemplateError, naming the template, the argument (1-based, the
/// command is 1) and the byte position in it.
///
/// Values are passed as they are: no `./` is put before a value that starts with `-`, as
/// parallel does not either. Templates for commands that take options should say
/// `rm -- {}`, as parallel users do.
///
/// With Options::shell the job runs as `/bin/sh -c SCRIPT`: the arguments are joined with
/// spaces exactly as written (the user's shell syntax is kept) and every substituted value
/// is quoted for the place it lands in: `'…'` outside quotes, `'\''` for its quotes inside
/// the template's own `'…'`, backslashes before `\ " $ \`` inside `"…"`. So `echo '{}'` and
/// `echo "{}"` are as safe as `echo {}`, and a file named `a'; rm -rf ~; '.txt` stays a
/// name. Where a value cannot be quoted safely — inside backquotes, bash's `$'…'`, a here
/// document, or right after a `$` — parse() refuses the template; an unterminated quote
/// is refused too.
///
/// A parsed template never changes: copies share it, and expand() may run on several
/// threads at once.
class CommandTemplate final
{
public:
    struct Options
    {
        bool shell = false; ///< run through /bin/sh -c, values quoted
        int sources = 1;    ///< input sources each job gets; `{n}` beyond it is an error
    };

    /// An empty template; parse() makes real ones.
    CommandTemplate();
    ~CommandTemplate();
    CommandTemplate(const CommandTemplate &);
    CommandTemplate &operator=(const CommandTemplate &);
    CommandTemplate(CommandTemplate &&) noexcept;
    CommandTemplate &operator=(CommandTemplate &&) noexcept;

    /// Throws TemplateError when \a argv is empty or malformed (see the class comment).
    static CommandTemplate parse(const QList<QByteArray> &argv);
    static CommandTemplate parse(const QList<QByteArray> &argv, const Options &options);

    /// The argv to execute for one job. \a inputs holds one value per input source
    /// (Options::sources of them; missing ones read as empty); \a seq is the job's
    /// sequence number `{#}`, \a slot its slot `{%}`. With Options::shell:
    /// `{"/bin/sh", "-c", script}`.
    QList<QByteArray> expand(const QList<QByteArray> &inputs, qint64 seq, int slot) const;

    bool isEmpty() const;
    bool isShell() const;
    Options options() const;
    QList<QByteArray> arguments() const; ///< as given to parse()
    /// How many input sources the template reads: all of Options::sources when it uses
    /// `{}`, `{.}`… or gets `{}` appended; else the highest n of its `{n…}`; 0 if none.
    int sourcesUsed() const;
    bool usesSlot() const;     ///< mentions `{%}`
    bool usesSequence() const; ///< mentions `{#}`
    bool appendsInput() const; ///< has no replacement string, so `{}` is appended

    /// The template as a person reads it, ready to paste into a shell: each argument
    /// quoted only where needed (see displayQuote()); with Options::shell the script as
    /// written.
    QByteArray toDisplayString() const;

    /// \a value in single quotes for a POSIX shell: `it's` → `'it'\''s'`. Any bytes.
    static QByteArray shellQuote(QByteArrayView value);
    /// \a value as a person should see it, still valid bash: as it is when it is made of
    /// safe characters only (`A-Z a-z 0-9 _ - . / : @ % + = {} #`, no leading `#`, no
    /// `{` with `..`), in single quotes when it is printable UTF-8, else in `$'…'` with
    /// `\n`, `\t`, `\xHH` for control characters and bytes that are not UTF-8
    /// (`$'caf\xe9.txt'`).
    static QByteArray displayQuote(QByteArrayView value);
    /// Each argument through displayQuote(), joined by spaces: `--dry-run` output.
    static QByteArray displayCommand(const QList<QByteArray> &argv);

    struct Data; ///< implementation detail: the parsed arguments, shared between copies

private:
    std::shared_ptr<const Data> d;
};

} // namespace jobpool
