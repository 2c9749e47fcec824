// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <jobpool/inputsource.h>

#include <QByteArray>
#include <QList>

#include <vector>

namespace jobpool {

/// \brief The inputs of a batch: its input sources combined as GNU parallel combines
/// them, handed out one job at a time.
///
/// Sources are combined in the order added. `:::` starts a new source: every value of it
/// goes with every combination of the sources before it (the cartesian product, first
/// source varying slowest: `::: a b ::: 1 2` gives a1 a2 b1 b2). `:::+` links a source to
/// the one before it: the n-th value of each goes together (a zip), and as in parallel the
/// shortest of the linked sources decides how many there are.
///
/// \code
/// jobpool::InputPlan plan;
/// plan.add(jobpool::InputSource::fromList({"a", "b"}));
/// plan.add(jobpool::InputSource::fromFile("sizes.txt"), jobpool::InputPlan::Link::Linked);
/// plan.add(jobpool::InputSource::fromList({"x", "y"}));
/// QList<QByteArray> values; // one per source
/// while (plan.next(values))
///     pool.submit(tmpl.expand(values, ++seq, slot));
/// \endcode
///
/// Streaming: the first source (with the sources linked to it) is read as jobs are
/// taken, so a million lines on stdin are never all in memory; every later source is
/// repeated for each of its values, so add() reads it completely at once. No combination
/// is ever stored. One difference from parallel 20221122, on purpose: a source with no
/// values makes the whole product empty (no job), where parallel runs the other sources'
/// values with an empty string in its place.
///
/// Errors are jobpool::InputError: add() for a later source that cannot be read, next()
/// for a read error in the first.
class InputPlan final
{
public:
    enum class Link {
        Product, ///< `:::` / `::::`: every value with every combination before it
        Linked,  ///< `:::+` / `::::+`: paired with the source before (ignored on the first)
    };

    InputPlan();
    InputPlan(InputPlan &&) noexcept;
    InputPlan &operator=(InputPlan &&) noexcept;
    ~InputPlan();

    void add(InputSource source, Link link = Link::Product);

    int sourceCount() const;
    /// How many jobs the plan gives in all, or -1 when it is not known yet (stdin).
    qint64 count() const;
    /// The next job's values, one per source in the order added; false when done.
    bool next(QList<QByteArray> &values);

private:
    struct Group
    {
        std::vector<InputSource> streamed;     ///< the first group only
        std::vector<QList<QByteArray>> values; ///< the later groups, read at add()
        qsizetype rows() const;
    };
    bool nextFirstRow();

    std::vector<Group> m_groups;
    int m_sources = 0;
    QList<QByteArray> m_firstRow;
    std::vector<qsizetype> m_index; ///< per group (the first unused)
    bool m_started = false;
    bool m_done = false;
};

} // namespace jobpool
