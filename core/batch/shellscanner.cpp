// SPDX-License-Identifier: GPL-3.0-or-later
#include "shellscanner.h"

#include <utility>

namespace jobpool::detail {
namespace {

bool separatesWords(char c)
{
    switch (c) {
    case ' ':
    case '\t':
    case '\n':
    case ';':
    case '&':
    case '|':
    case '(':
    case ')':
    case '<':
    case '>':
        return true;
    default:
        return false;
    }
}

} // namespace

void ShellScanner::feed(QByteArrayView text, int argument, int position)
{
    for (qsizetype i = 0; i < text.size(); ++i)
        step(text[i], argument, position + int(i));
}

void ShellScanner::valueInserted()
{
    m_escape = false;
    m_dollar = false;
    m_wordStart = false;
    m_lessRun = 0;
}

ShellScanner::Context ShellScanner::context() const
{
    return m_stack.back().context;
}

bool ShellScanner::unterminated(Open *open) const
{
    for (auto it = m_stack.rbegin(); it != m_stack.rend(); ++it) {
        if (it->open.quote != 0) {
            *open = it->open;
            return true;
        }
    }
    return false;
}

void ShellScanner::push(Context context, int argument, int position, char quote, bool paren)
{
    m_stack.push_back(Frame{context, paren, 0, Open{argument, position, quote}});
}

void ShellScanner::step(char c, int argument, int position)
{
    const bool dollar = std::exchange(m_dollar, false);
    const int lessRun = std::exchange(m_lessRun, 0);
    Frame &top = m_stack.back();

    if (m_escape) { // the character after a backslash is literal, whatever it is
        m_escape = false;
        m_wordStart = false;
        return;
    }
    switch (top.context) {
    case Context::Single:
        if (c == '\'')
            m_stack.pop_back();
        return;
    case Context::Comment:
        if (c == '\n') {
            m_stack.pop_back();
            m_wordStart = true;
        }
        return;
    case Context::HereDoc:
        return; // we do not find where it ends; values after it are refused
    case Context::DollarSingle:
        if (c == '\\')
            m_escape = true;
        else if (c == '\'')
            m_stack.pop_back();
        return;
    case Context::Backquote:
        if (c == '\\')
            m_escape = true;
        else if (c == '`')
            m_stack.pop_back();
        return;
    case Context::Double:
        if (c == '\\')
            m_escape = true;
        else if (c == '"')
            m_stack.pop_back();
        else if (c == '`')
            push(Context::Backquote, argument, position, c);
        else if (c == '(' && dollar)
            push(Context::Unquoted, argument, position, 0, true);
        else if (c == '$')
            m_dollar = true;
        return;
    case Context::Unquoted:
        break;
    }

    // Unquoted: the top level, or inside $(…).
    if (lessRun == 2 && c != '<')
        m_hereDocPending = true; // "<<" but not "<<<"
    const bool wordStart = std::exchange(m_wordStart, separatesWords(c));
    switch (c) {
    case '\\':
        m_escape = true;
        break;
    case '\'':
        push(dollar ? Context::DollarSingle : Context::Single, argument, position, c);
        break;
    case '"':
        push(Context::Double, argument, position, c);
        break;
    case '`':
        push(Context::Backquote, argument, position, c);
        break;
    case '$':
        m_dollar = true;
        break;
    case '#':
        if (wordStart)
            push(Context::Comment, argument, position, 0);
        break;
    case '<':
        m_lessRun = lessRun + 1;
        break;
    case '(':
        if (dollar)
            push(Context::Unquoted, argument, position, 0, true);
        else if (top.paren)
            ++top.depth;
        break;
    case ')':
        if (top.paren) {
            if (top.depth == 0)
                m_stack.pop_back();
            else
                --top.depth;
        }
        break;
    case '\n':
        if (m_hereDocPending)
            push(Context::HereDoc, argument, position, 0);
        break;
    default:
        break;
    }
}

} // namespace jobpool::detail
