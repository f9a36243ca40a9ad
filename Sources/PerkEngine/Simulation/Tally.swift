import PerkLanguage

/// What a simulation counts under one policy: outcomes by event type and reason, benefit uses,
/// tier movements, notices, the members' final states, and a monthly series. Tallies of disjoint
/// sets of members merge by adding, so chunks replayed in parallel give the same totals.
public struct Tally: Sendable {
    public let tierNames: [String]
    /// The money one point is worth, when the policy says (`CompiledPolicy.pointValue`).
    public let pointValue: ExactNumber?

    public var members = 0
    /// Events applied without refusal, by type.
    public var applied: [String: Int] {
        guard let (type, count) = appliedRun else { return appliedBefore }
        return appliedBefore.merging([type: count], uniquingKeysWith: +)
    }
    /// `applied` but for the run being counted: consecutive events of one type (in a simulation
    /// nearly all) are counted without looking their type up.
    private var appliedBefore: [String: Int] = [:]
    private var appliedRun: (type: String, count: Int)?
    /// Events the policy refused, by type and reason code.
    public var rejected: [String: [String: Int]] = [:]
    /// Benefit uses granted, and denied by reason, by benefit.
    public var benefitsGranted: [String: Int] = [:]
    public var benefitsDenied: [String: [String: Int]] = [:]
    public var upgrades = 0
    public var downgrades = 0
    public var notices = 0
    /// Sums of the members' final states.
    public var totals = MemberState.Totals()
    public var balance = ExactNumber.zero
    public var membersPerTier: [Int]
    /// Members by the tier the ladder's measure gives them on the as-of day.
    public var membersPerQualifyingTier: [Int]
    public var membersPerStatus: [String: Int] {
        Dictionary(uniqueKeysWithValues: zip(MemberState.Status.each.map(\.name), statusCounts).filter { $0.1 > 0 })
    }
    /// Members by status, by `MemberState.Status.ordinal`: counted by index, not looked up by name.
    private var statusCounts = MemberState.Status.each.map { _ in 0 }
    /// Points issued, redeemed and expired in each month, and the members' balances and tiers at
    /// its end (at the as-of day for the last).
    public var months: [Month: MonthTally] { Dictionary(uniqueKeysWithValues: monthlySeries) }
    /// The same, in calendar order: every month from the first member's first event to the last
    /// month reported (`lastMonth`).
    public var monthlySeries: [(month: Month, tally: MonthTally)] {
        guard !series.isEmpty else { return [] }
        var balance = ExactNumber.zero
        var tiers = Array(repeating: 0, count: membersPerTier.count)
        var result: [(month: Month, tally: MonthTally)] = []
        for ordinal in firstMonth...max(lastMonth.ordinal, firstMonth) {
            let entry = ordinal - firstMonth < series.count ? series[ordinal - firstMonth] : MonthEntry(tiers: tiers.count)
            // Points held: what was issued less what was taken, month after month.
            balance.add(entry.issued)
            for taken in [entry.redeemed, entry.expired, entry.otherwiseTaken] { balance.add(taken.negated) }
            for tier in tiers.indices { tiers[tier] += entry.tierChange[tier] }
            result.append((Month(ordinal: ordinal),
                           MonthTally(issued: entry.issued, redeemed: entry.redeemed, expired: entry.expired, balance: balance, membersPerTier: tiers)))
        }
        return result
    }
    /// The monthly series by `Month.ordinal - firstMonth`: counting an event's month is an index,
    /// not a dictionary look-up.
    private var series: [MonthEntry] = []
    private var firstMonth = 0
    /// The last month reported: the as-of day's, unless the as-of day is its first (the state at
    /// the start of the as-of day is then the state at the end of the month before).
    private let lastMonth: Month

    /// One month of the series.
    public struct MonthTally: Sendable, Equatable {
        public var issued = ExactNumber.zero
        public var redeemed = ExactNumber.zero
        public var expired = ExactNumber.zero
        /// Points held by members at the month's end.
        public var balance = ExactNumber.zero
        public var membersPerTier: [Int]
    }

    /// A month as it is counted. Balances and tiers are kept as changes from the month before —
    /// what the month's outcomes added to and took from the members' points, members entering a
    /// tier — so a member is counted where something changes, not once a month (`monthlySeries`
    /// adds the changes up).
    private struct MonthEntry {
        var issued = ExactNumber.zero
        var redeemed = ExactNumber.zero
        var expired = ExactNumber.zero
        /// Points clawed back, deducted and forfeited.
        var otherwiseTaken = ExactNumber.zero
        /// Members entering (or, negative, leaving) each tier.
        var tierChange: [Int]

        init(tiers: Int) { tierChange = Array(repeating: 0, count: tiers) }
    }

    /// A tally of members replayed up to the start of `asOf`.
    init(policy: CompiledPolicy, asOf: CivilDate) {
        let month = Month(asOf)
        lastMonth = asOf.day == 1 ? Month(ordinal: month.ordinal - 1) : month
        tierNames = policy.tierNames
        pointValue = policy.pointValue
        membersPerTier = Array(repeating: 0, count: max(policy.tierNames.count, 1))
        membersPerQualifyingTier = membersPerTier
    }

    /// The points members hold at the end, in money at the policy's point value.
    public var liability: ExactNumber? { pointValue.flatMap { balance.multiplied(by: $0) } }

    /// Counts a member from `month`, their first event's, in `tier`, their tier before it.
    mutating func open(_ month: Month, tier: Int) {
        let tier = min(tier, membersPerTier.count - 1)
        let index = entry(month)
        series[index].tierChange[tier] += 1
    }

    /// Counts outcomes (time-driven effects', an event's), taking them out of the array, which is
    /// left empty. Every count is a sum, so the order they are counted in is not.
    mutating func count(_ outcomes: inout [Outcome]) {
        // Moved out from the end: reading an outcome in the array copied it whole (every
        // reference it holds retained and released again).
        while let outcome = outcomes.popLast() { count(outcome) }
    }

    /// Counts one outcome, read where it is.
    mutating func count(_ outcome: Outcome) {
        if case .event(_, let type) = outcome.kind {
            if let rejection = outcome.rejection {
                rejected[type, default: [:]][rejection.code, default: 0] += 1
                return
            }
            if appliedRun?.type == type {
                appliedRun!.count += 1
            } else {
                if let (previous, count) = appliedRun { appliedBefore[previous, default: 0] += count }
                appliedRun = (type, 1)
            }
        }
        let earned = outcome.pointsEarned
        guard outcome.hasDetails else {
            // Points at most: the usual outcome.
            if !earned.isZero {
                let index = entry(Month(outcome.date))
                series[index].issued.add(earned)
            }
            return
        }
        let month = Month(outcome.date)
        // A month ends at the start of the next month's first day, with what is due then
        // applied (as the as-of state does): a review at the start of a month's first day —
        // the only time-driven effect that changes a tier — changes the tier the month before
        // ends in. An event on that day changes its own month.
        let tierMonth = outcome.kind == .scheduled && outcome.date.day == 1 ? Month(ordinal: month.ordinal - 1) : month
        for change in outcome.tierChanges {
            let from = tierNames.firstIndex(of: change.from) ?? 0, to = tierNames.firstIndex(of: change.to) ?? 0
            if to > from { upgrades += 1 } else { downgrades += 1 }
            let index = entry(tierMonth)
            series[index].tierChange[from] -= 1
            series[index].tierChange[to] += 1
        }
        notices += outcome.notices.count
        for use in outcome.benefitUses {
            if use.granted {
                benefitsGranted[use.benefit, default: 0] += 1
            } else {
                benefitsDenied[use.benefit, default: [:]][use.reason ?? "denied", default: 0] += 1
            }
        }
        let expired = outcome.expired.reduce(ExactNumber.zero) { $0.adding($1.points) ?? $0 }
        var otherwiseTaken = ExactNumber.zero
        for taken in [outcome.clawedBack, outcome.deducted, outcome.forfeited] where !taken.isZero { otherwiseTaken.add(taken) }
        if !earned.isZero || !outcome.redeemed.isZero || !expired.isZero || !otherwiseTaken.isZero {
            let index = entry(month)
            series[index].issued.add(earned)
            series[index].redeemed.add(outcome.redeemed)
            series[index].expired.add(expired)
            series[index].otherwiseTaken.add(otherwiseTaken)
        }
    }

    /// Where a month's entry is in `series`, made first (with the months between) when it is not
    /// there yet. (The entry is then changed in place through `series`: changed through a closure,
    /// it was copied out and back.)
    private mutating func entry(_ month: Month) -> Int {
        if series.isEmpty { firstMonth = month.ordinal }
        if month.ordinal < firstMonth {
            series.insert(contentsOf: repeatElement(MonthEntry(tiers: membersPerTier.count), count: firstMonth - month.ordinal), at: 0)
            firstMonth = month.ordinal
        }
        let index = month.ordinal - firstMonth
        if index >= series.count {
            series.append(contentsOf: repeatElement(MonthEntry(tiers: membersPerTier.count), count: index + 1 - series.count))
        }
        return index
    }

    /// Whether nothing is counted yet.
    private var isEmpty: Bool {
        members == 0 && series.isEmpty && appliedRun == nil && appliedBefore.isEmpty && rejected.isEmpty && benefitsGranted.isEmpty
            && benefitsDenied.isEmpty && upgrades == 0 && downgrades == 0 && notices == 0
    }

    /// Records a member's final state, and the tier the measure gives them then.
    mutating func finish(_ state: MemberState, qualifyingTier: Int?) {
        members += 1
        membersPerTier[min(state.tier, membersPerTier.count - 1)] += 1
        if let qualifyingTier { membersPerQualifyingTier[qualifyingTier] += 1 }
        statusCounts[state.status.ordinal] += 1
        balance.add(state.balance)
        totals.add(state.totals)
    }

    /// Adds the tally of other members (under the same policy, to the same day).
    mutating func merge(_ other: Tally) {
        // Into a tally of no one (a replay's first chunk or part), the other is taken as it is.
        if isEmpty {
            self = other
            return
        }
        members += other.members
        appliedBefore.merge(other.applied, uniquingKeysWith: +)
        for (type, reasons) in other.rejected { rejected[type, default: [:]].merge(reasons, uniquingKeysWith: +) }
        benefitsGranted.merge(other.benefitsGranted, uniquingKeysWith: +)
        for (benefit, reasons) in other.benefitsDenied { benefitsDenied[benefit, default: [:]].merge(reasons, uniquingKeysWith: +) }
        upgrades += other.upgrades
        downgrades += other.downgrades
        notices += other.notices
        totals.add(other.totals)
        balance.add(other.balance)
        membersPerTier = zip(membersPerTier, other.membersPerTier).map(+)
        membersPerQualifyingTier = zip(membersPerQualifyingTier, other.membersPerQualifyingTier).map(+)
        statusCounts = zip(statusCounts, other.statusCounts).map(+)
        // Both series hold changes month by month: they add entry by entry.
        for (offset, entry) in other.series.enumerated() {
            let index = self.entry(Month(ordinal: other.firstMonth + offset))
            series[index].issued.add(entry.issued)
            series[index].redeemed.add(entry.redeemed)
            series[index].expired.add(entry.expired)
            series[index].otherwiseTaken.add(entry.otherwiseTaken)
            for tier in entry.tierChange.indices { series[index].tierChange[tier] += entry.tierChange[tier] }
        }
    }
}

extension MemberState.Totals {
    /// Adds another member's totals.
    mutating func add(_ other: Self) {
        earned.add(other.earned)
        redeemed.add(other.redeemed)
        expired.add(other.expired)
        clawedBack.add(other.clawedBack)
        deducted.add(other.deducted)
        forfeited.add(other.forfeited)
        unrecovered.add(other.unrecovered)
        fees.add(other.fees)
    }
}

extension ExactNumber {
    /// Adds `other` to a running total (a tally's sums stay far below the overflow bound).
    mutating func add(_ other: ExactNumber) {
        self = adding(other) ?? self
    }
}
