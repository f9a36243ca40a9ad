import PerkLanguage

/// One term of an aggregate kept as running totals: what an event of the aggregated type adds
/// (`value`, or 1 for `count`) when it passes `filter`. Reads only that event and constants.
struct WindowTerm: Sendable {
    let value: Evaluate?
    let filter: Evaluate?
    /// The recorded properties (`earned`, `refunded`) it reads: only their changes refresh it.
    let properties: Set<EventProperty>

    /// What `event` adds to the aggregate.
    func contribution(of event: RecordedEvent, in frame: inout Frame) throws -> ExactNumber {
        frame.aggregateItem = event
        if let filter, !(try filter(&frame)).isTrue { return .zero }
        guard let value else { return .one }
        guard let amount = try value(&frame).amount else { throw EvaluationError("an aggregate's term is not a number") }
        return amount
    }
}

/// Collects the running-total terms of each event type while a policy is compiled.
final class WindowTermRegistry: @unchecked Sendable {
    /// Terms by event type index; read only once compilation is over.
    private(set) var terms: [Int: [WindowTerm]] = [:]
    /// Each term's index by its type and its value and filter as written, so aggregates that
    /// differ only in their window (or appear twice) share one running total.
    private var indices: [String: Int] = [:]

    /// Adds a term over events of `type`, or finds the same one; returns its index among that
    /// type's terms. `key` is the term's value and filter in canonical form.
    func register(_ term: WindowTerm, type: Int, key: String) -> Int {
        let fullKey = "\(type) \(key)"
        if let index = indices[fullKey] { return index }
        terms[type, default: []].append(term)
        indices[fullKey] = terms[type]!.count - 1
        return terms[type]!.count - 1
    }
}

extension MemberState {
    /// The sum of running-total term `term` over the recorded events of `type` dated `from`
    /// through `through`; nil when the totals are not available (a term could not be computed).
    func windowSum(_ term: Int, type: Int, from: CivilDate, through: CivilDate) -> ExactNumber? {
        guard type < histories.count else { return .zero }
        let events = histories[type]
        // The first event on or after `from`, and the first after `through`.
        func firstIndex(where isAfter: (CivilDate) -> Bool) -> Int {
            var (low, high) = (0, events.count)
            while low < high {
                let middle = (low + high) / 2
                if isAfter(events[middle].date) { high = middle } else { low = middle + 1 }
            }
            return low
        }
        let first = firstIndex { $0 >= from }, end = firstIndex { $0 > through }
        guard first < end else { return .zero }
        let last = events[end - 1].windowSums, start = events[first].windowSums
        guard last.count > 2 * term + 1, start.count > 2 * term + 1 else { return nil }
        // Running total through the last, less the running total before the first.
        return last[2 * term + 1].subtracting(start[2 * term + 1].subtracting(start[2 * term])!)
    }

    /// Recomputes the running totals of events of `type` from `start` on, after an event was
    /// recorded there or changed. A term that cannot be computed leaves the totals from there on
    /// empty, so windows that reach them are walked (and report the error where it matters).
    mutating func refreshWindowSums(ofType type: Int, from start: Int, terms: [WindowTerm], frame: Frame) {
        guard !terms.isEmpty, type < histories.count else { return }
        var frame = frame
        var previous: [ExactNumber]? = start > 0 ? histories[type][start - 1].windowSums : Array(repeating: .zero, count: 2 * terms.count)
        for index in start..<histories[type].count {
            var sums: [ExactNumber] = []
            if let before = previous, before.count == 2 * terms.count {
                sums.reserveCapacity(2 * terms.count)
                for (k, term) in terms.enumerated() {
                    guard let own = try? term.contribution(of: histories[type][index], in: &frame),
                          let total = before[2 * k + 1].adding(own) else {
                        sums = []
                        break
                    }
                    sums.append(own)
                    sums.append(total)
                }
            }
            histories[type][index].windowSums = sums
            previous = sums
        }
    }
}
