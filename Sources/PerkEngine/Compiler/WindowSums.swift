import PerkLanguage

/// One term of an aggregate kept as running totals: what an event of the aggregated type adds
/// (`value`, or 1 for `count`) when it passes `filter`. Reads only that event and constants.
/// A class: walking a type's terms for every event then retains one reference per term, not its
/// closures and set.
final class WindowTerm: Sendable {
    /// What an event adds (one, for a count) and whether it counts (always, without a filter).
    /// Not optional: an optional closure was copied out to be called, and retained for it.
    private let value: EvaluateAmount
    private let filter: EvaluateCondition
    /// The recorded properties (`earned`, `refunded`) it reads: only their changes refresh it.
    let properties: Set<EventProperty>

    init(value: CompiledAmount?, filter: CompiledCondition?, properties: Set<EventProperty>) {
        // Not through `??`, which is generic: the closures would be called through a thunk.
        if let value { self.value = value.evaluate } else { self.value = { _ in .one } }
        if let filter { self.filter = filter.evaluate } else { self.filter = { _ in true } }
        self.properties = properties
    }

    /// What the frame's aggregated event adds to the aggregate, and whether it passed the filter.
    /// (This and the running totals' arithmetic are inlined where they are used: their results,
    /// returned through memory in parts and read back whole, kept the loads waiting — 1 % of a
    /// W2 run.)
    @inline(__always)
    private func contribution(in frame: inout Frame) throws -> (amount: ExactNumber, passed: Bool) {
        // The closures called where they are kept: bound to a name first, each was retained
        // (twice) for the call.
        guard try filter(&frame) else { return (.zero, false) }
        return (try value(&frame), true)
    }

    /// What the member's event `index` of `type` (the frame's aggregated event) adds to each of
    /// `terms`, and the running totals through it, continuing the totals through the event before
    /// it, read in place. Unavailable when a term cannot be computed or the totals before are
    /// unavailable.
    static func sums(_ terms: [WindowTerm], ofEventAt index: Int, type: Int, in frame: inout Frame) -> RunningTotals {
        if index > 0, frame.member.histories[type][index - 1].windowSums.count != terms.count { return RunningTotals() }
        var sums = RunningTotals()
        for k in terms.indices {
            let before = index > 0 ? frame.member.histories[type][index - 1].windowSums.total(k) : .zero
            // The term unretained: the policy keeps it (retained, it was retained and released
            // again for every event recorded).
            guard let (own, passed) = try? terms.withUnretained(k, { try $0.contribution(in: &frame) }), let total = before.adding(own) else { return RunningTotals() }
            sums.append(before: before, total: total, passed: passed)
        }
        return sums
    }
}

/// The running-total terms of one event type. A class, so that it is passed on unretained
/// (`withUnretained`): an array of terms passed from the policy was retained and released again
/// for every event recorded.
final class WindowTerms: Sendable {
    let all: [WindowTerm]

    init(_ all: [WindowTerm]) { self.all = all }
}

/// For each running-total term of an event's type (`Effects.windowTerms`), the running totals
/// before and through the event, so a window's sum is the difference of two of them (what the
/// event adds is their difference). The first term is kept inline — most types have one — so
/// recording an event allocates nothing for it. No terms (`count` 0): not available, a term could not be computed.
struct RunningTotals: Hashable, Sendable {
    private var first = (before: RunningSum.zero, total: RunningSum.zero)
    /// Before and total of the second term on, in pairs; nil without a second term (so that
    /// replacing an event's totals frees no array).
    private var more: [RunningSum]?
    private(set) var count = 0
    /// Bit `k` set: the event passed term `k`'s filter (of the first 64 terms).
    private var passedFilters: UInt64 = 0

    /// Whether the event passed term `k`'s filter; nil when that is not known.
    func passed(_ k: Int) -> Bool? { k < count && k < 64 ? passedFilters & (1 << k) != 0 : nil }

    /// The running total of term `k` before the event.
    @inline(__always) func before(_ k: Int) -> RunningSum { k == 0 ? first.before : more![2 * (k - 1)] }
    /// The running total of term `k` through the event.
    @inline(__always) func total(_ k: Int) -> RunningSum { k == 0 ? first.total : more![2 * (k - 1) + 1] }

    mutating func append(before: RunningSum, total: RunningSum, passed: Bool) {
        if count == 0 { first = (before, total) } else { more = (more ?? []) + [before, total] }
        if passed, count < 64 { passedFilters |= 1 << count }
        count += 1
    }

    static func == (a: RunningTotals, b: RunningTotals) -> Bool {
        a.count == b.count && (0..<a.count).allSatisfy { a.before($0) == b.before($0) && a.total($0) == b.total($0) }
    }

    func hash(into hasher: inout Hasher) {
        hasher.combine(count)
        for k in 0..<count {
            hasher.combine(before(k))
            hasher.combine(total(k))
        }
    }
}

/// A running total of amounts, exact, kept as a count of `1/denominator`s not put in lowest terms:
/// the amounts a total adds up usually share a denominator (money's hundredths), so adding one
/// is an integer product and sum, where a sum kept in lowest terms sought common divisors at
/// every event. The denominator grows to a common multiple only when an amount needs it. In 64
/// bits: beyond them a total is not available, and a window reaching it is summed event by event.
struct RunningSum: Hashable, Sendable {
    private var numerator: Int64
    /// Positive.
    private var denominator: Int64
    /// The denominator as 2^twos × 5^fives, when it is (as decimals' are; twos −1 when it is
    /// not): a difference is then put in lowest terms by cancelling twos and fives, without
    /// seeking a common divisor. (In bytes: a total is kept twice for every event recorded.)
    private var twos: Int8
    private var fives: Int8

    static var zero: RunningSum { RunningSum(numerator: 0, denominator: 1, twos: 0, fives: 0) }

    private init(numerator: Int64, denominator: Int64, twos: Int8, fives: Int8) {
        (self.numerator, self.denominator, self.twos, self.fives) = (numerator, denominator, twos, fives)
    }

    private init(numerator: Int64, denominator: Int64) {
        self.numerator = numerator
        self.denominator = denominator
        var rest = denominator >> denominator.trailingZeroBitCount, fives: Int8 = 0
        while rest % 5 == 0 { (rest, fives) = (rest / 5, fives + 1) }
        (twos, self.fives) = rest == 1 ? (Int8(denominator.trailingZeroBitCount), fives) : (-1, 0)
    }

    /// The total as an exact number.
    var value: ExactNumber { Self.reduced(numerator, over: self) }

    /// This total and `amount`; nil beyond 64 bits.
    @inline(__always)
    func adding(_ amount: ExactNumber) -> RunningSum? {
        guard let a = Int64(exactly: amount.numerator), let b = Int64(exactly: amount.denominator) else { return nil }
        if a == 0 { return self }
        if denominator % b == 0 {
            guard case let (scaled, false) = a.multipliedReportingOverflow(by: denominator / b),
                  case let (sum, false) = numerator.addingReportingOverflow(scaled) else { return nil }
            var total = self
            total.numerator = sum
            return total
        }
        // A new denominator: the least common multiple of both (from a total of nothing, the amount's).
        let common = Int64(ExactNumber.binaryGCD(UInt64(denominator), UInt64(b)))
        guard case let (multiple, false) = (denominator / common).multipliedReportingOverflow(by: b),
              case let (left, false) = numerator.multipliedReportingOverflow(by: multiple / denominator),
              case let (right, false) = a.multipliedReportingOverflow(by: multiple / b),
              case let (sum, false) = left.addingReportingOverflow(right) else { return nil }
        return RunningSum(numerator: sum, denominator: multiple)
    }

    /// This total less an earlier one, as an exact number.
    @inline(__always)
    func subtracting(_ earlier: RunningSum) -> ExactNumber? {
        if earlier.numerator == 0 { return value }
        if denominator == earlier.denominator {
            guard case let (difference, false) = numerator.subtractingReportingOverflow(earlier.numerator) else { return nil }
            return Self.reduced(difference, over: self)
        }
        return value.subtracting(earlier.value)
    }

    /// `numerator / sum.denominator` in lowest terms.
    private static func reduced(_ numerator: Int64, over sum: RunningSum) -> ExactNumber {
        guard sum.twos >= 0 else { return ExactNumber(numerator: Int128(numerator), denominator: Int128(sum.denominator))! }
        return ExactNumber(numerator.magnitude, negative: numerator < 0, overTwos: Int(sum.twos), fives: Int(sum.fives))
    }

    /// Equal when they are the same number, whatever their denominators.
    static func == (a: RunningSum, b: RunningSum) -> Bool { a.value == b.value }

    func hash(into hasher: inout Hasher) { hasher.combine(value) }
}

/// Collects the running-total terms of each event type while a policy is compiled.
final class WindowTermRegistry: @unchecked Sendable {
    /// Terms by event type index; read only once compilation is over.
    private(set) var terms: [Int: [WindowTerm]] = [:]
    /// Each term's index by its type and its value and filter as written, so aggregates that
    /// differ only in their window (or appear twice) share one running total.
    private var indices: [String: Int] = [:]
    /// A term's index by its type and its filter as written, for filters whose result an event
    /// keeps (see `register`).
    private var filters: [String: Int] = [:]

    /// Adds a term over events of `type`, or finds the same one; returns its index among that
    /// type's terms. `key` is the term's value and filter in canonical form; `filterKey`, its
    /// filter's, when the filter reads nothing that changes once an event is recorded (its
    /// fields, its date and constants): whether a recorded event passed it then holds for good.
    func register(_ term: WindowTerm, type: Int, key: String, filterKey: String?) -> Int {
        let fullKey = "\(type) \(key)"
        if let index = indices[fullKey] { return index }
        terms[type, default: []].append(term)
        let index = terms[type]!.count - 1
        indices[fullKey] = index
        if let filterKey, filters["\(type) \(filterKey)"] == nil { filters["\(type) \(filterKey)"] = index }
        return index
    }

    /// The index of a term over events of `type` whose filter, as written, is `filterKey` and
    /// whose result an event keeps.
    func term(filteredBy filterKey: String, type: Int) -> Int? { filters["\(type) \(filterKey)"] }
}

extension EventHistory {
    /// The sum of running-total term `term` over these recorded events dated from day number
    /// `from` through day number `through`; nil when the totals are not available (a term could
    /// not be computed). A method of the history, not of the member: called on the member, it
    /// copied all of the member's 408 bytes.
    func windowSum(_ term: Int, from: Int, through: Int) -> ExactNumber? {
        // The first event on or after `from`, and the first after `through`, searched for in
        // `low..<high`.
        func firstIndex(in low: Int, _ high: Int, where isAfter: (Int) -> Bool) -> Int {
            var (low, high) = (low, high)
            while low < high {
                let middle = (low + high) / 2
                if isAfter(self[middle].date.dayNumber) { high = middle } else { low = middle + 1 }
            }
            return low
        }
        // A window usually starts at or before the oldest event kept (older ones are forgotten)
        // and ends at the newest or a few before it (today's): looked at there first.
        guard !isEmpty else { return .zero }
        let first = self[0].date.dayNumber >= from ? 0 : firstIndex(in: 0, count) { $0 >= from }
        var end = count
        while end > first, end > count - 4, self[end - 1].date.dayNumber > through { end -= 1 }
        if end > first, end == count - 4, self[end - 1].date.dayNumber > through { end = firstIndex(in: first, end) { $0 > through } }
        guard first < end else { return .zero }
        let last = self[end - 1].windowSums, start = self[first].windowSums
        guard last.count > term, start.count > term else { return nil }
        // Running total through the last, less the running total before the first.
        return last.total(term).subtracting(start.before(term))
    }
}

extension Frame {
    /// Recomputes the running totals of the member's events of `type` from `start` on, after an
    /// event was recorded there or changed. A term that cannot be computed leaves the totals from
    /// there on empty, so windows that reach them are walked (and report the error where it matters).
    mutating func refreshWindowSums(ofType type: Int, from start: Int, terms: [WindowTerm]) {
        guard !terms.isEmpty, type < member.histories.count else { return }
        let saved = aggregated
        defer { aggregated = saved }
        for index in start..<member.histories[type].count {
            aggregated = (type, index)
            member.histories[type][index].windowSums = WindowTerm.sums(terms, ofEventAt: index, type: type, in: &self)
        }
    }
}
