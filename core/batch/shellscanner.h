// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArrayView>

#include <vector>

namespace jobpool::detail {

/// Follows a POSIX shell script's quoting as its literal text is fed in, so that a
/// --shell template knows, for each place a value is substituted, how the value must be
/// quoted to reach the command as one inert word. Only what decides quoting is modelled:
/// backslashes, '…', "…", $(…), `…`, bash's $'…', comments and here-documents.
class ShellScanner final
{
public:
    enum class Context {
        Unquoted,     ///< a value goes in as '…'
        Single,       ///< inside the template's '…': a value's quotes become '\''
        Double,       ///< inside "…": backslash before \ " $ `
        Comment,      ///< after #: the value only needs to stay on its line
        Backquote,    ///< `…`: nested quoting we refuse to guess
        DollarSingle, ///< bash $'…': means something else in dash; refused
        HereDoc,      ///< the body of a here-document expands $(…) even in quotes; refused
    };

    struct Open
    {
        int argument = 0; ///< 0-based
        int position = 0;
        char quote = 0; ///< the character that opened it
    };

    /// Feeds literal template text of argument \a argument starting at \a position.
    void feed(QByteArrayView text, int argument, int position);
    /// Records that a substituted value (already quoted for context()) was inserted.
    void valueInserted();

    Context context() const;
    /// The previous character was a `$` that the shell would expand (`${}` → `$'…'`).
    bool afterDollar() const { return m_dollar; }
    /// The previous character was an unquoted backslash.
    bool afterBackslash() const { return m_escape; }
    /// The innermost ' or " (or `, $') still open at the end of the script, if any.
    bool unterminated(Open *open) const;

private:
    struct Frame
    {
        Context context;
        bool paren = false; ///< an Unquoted frame opened by $(
        int depth = 0;      ///< ( nesting inside it
        Open open;
    };
    void step(char c, int argument, int position);
    void push(Context context, int argument, int position, char quote, bool paren = false);

    std::vector<Frame> m_stack{Frame{Context::Unquoted, false, 0, Open{}}};
    bool m_escape = false;
    bool m_dollar = false;
    bool m_wordStart = true;
    int m_lessRun = 0; ///< how many unquoted < in a row just before
    bool m_hereDocPending = false;
};

} // namespace jobpool::detail
