// SPDX-License-Identifier: GPL-3.0-or-later
#include <jobpool/inputplan.h>

#include <limits>

namespace jobpool {

qsizetype InputPlan::Group::rows() const
{
    qsizetype rows = std::numeric_limits<qsizetype>::max();
    for (const QList<QByteArray> &list : values)
        rows = qMin(rows, list.size());
    return values.empty() ? 0 : rows;
}

InputPlan::InputPlan() = default;
InputPlan::InputPlan(InputPlan &&) noexcept = default;
InputPlan &InputPlan::operator=(InputPlan &&) noexcept = default;
InputPlan::~InputPlan() = default;

void InputPlan::add(InputSource source, Link link)
{
    Q_ASSERT_X(!m_started, "InputPlan::add", "sources are added before next() is called");
    ++m_sources;
    if (m_groups.empty()) {
        m_groups.emplace_back();
        m_groups.back().streamed.push_back(std::move(source));
    } else if (link == Link::Linked && m_groups.size() == 1) {
        m_groups.back().streamed.push_back(std::move(source));
    } else {
        // Repeated for every value before it, so read now; errors surface before any job.
        if (link == Link::Product)
            m_groups.emplace_back();
        m_groups.back().values.push_back(source.readAll());
    }
}

int InputPlan::sourceCount() const
{
    return m_sources;
}

qint64 InputPlan::count() const
{
    if (m_groups.empty())
        return 0;
    // The first group: the shortest of its sources, some of which may not know yet.
    qint64 first = std::numeric_limits<qint64>::max();
    bool unknown = false;
    for (const InputSource &source : m_groups.front().streamed) {
        const qint64 n = source.count();
        if (n < 0)
            unknown = true;
        else
            first = qMin(first, n);
    }
    qint64 product = 1;
    for (std::size_t g = 1; g < m_groups.size(); ++g) {
        const qint64 rows = m_groups[g].rows();
        if (rows == 0)
            return 0;
        if (__builtin_mul_overflow(product, rows, &product))
            product = std::numeric_limits<qint64>::max();
    }
    if (first == 0)
        return 0;
    if (unknown)
        return -1;
    qint64 total = 0;
    if (__builtin_mul_overflow(first, product, &total))
        return std::numeric_limits<qint64>::max();
    return total;
}

bool InputPlan::nextFirstRow()
{
    std::vector<InputSource> &sources = m_groups.front().streamed;
    m_firstRow.resize(qsizetype(sources.size()));
    for (std::size_t i = 0; i < sources.size(); ++i) {
        if (!sources[i].next(m_firstRow[qsizetype(i)]))
            return false; // linked sources end with the shortest
    }
    return true;
}

bool InputPlan::next(QList<QByteArray> &values)
{
    if (m_done || m_groups.empty())
        return false;
    const int groups = int(m_groups.size());
    if (!m_started) {
        m_started = true;
        m_index.assign(m_groups.size(), 0);
        for (int g = 1; g < groups; ++g) {
            if (m_groups[g].rows() == 0)
                m_done = true;
        }
        m_done = m_done || !nextFirstRow();
    } else {
        int g = groups - 1; // an odometer: the last source turns fastest
        for (; g > 0; --g) {
            if (++m_index[g] < m_groups[g].rows())
                break;
            m_index[g] = 0;
        }
        m_done = g == 0 && !nextFirstRow();
    }
    if (m_done)
        return false;

    values.resize(m_sources);
    qsizetype out = 0;
    for (const QByteArray &value : std::as_const(m_firstRow))
        values[out++] = value;
    for (int g = 1; g < groups; ++g) {
        for (const QList<QByteArray> &list : m_groups[g].values)
            values[out++] = list[m_index[g]];
    }
    return true;
}

} // namespace jobpool
