import PerkLanguage

/// The policy-wide parts statements act through: lots and their expiry, tiers, benefits.
final class Effects: Sendable {
    struct Benefit: Sendable {
        /// A condition and the reason a use is denied when it fails. A struct, not a tuple: a
        /// closure in a tuple kept in an array is called through conversion thunks.
        struct Condition: Sendable {
            let check: Evaluate
            let denial: String
        }

        let name: String
        /// Checked in order; the first that fails is the reason a use is denied.
        let conditions: [Condition]
        let value: Evaluate?
        let limit: Evaluate?
        let period: Period?
    }

    let tierNames: [String]
    /// Each tier's threshold amount, by rank (nil for the lowest).
    let thresholds: [ExactNumber?]
    /// The ladder's measure, as an amount of `measureUnit`.
    let measure: CompiledAmount?
    let measureUnit: PerkType?
    let hold: Value?
    let lifetime: Value?
    let alignToEndOf: Period?
    let noticeLead: Value?
    /// The months a lot lives when it lives to the end of a month (`24 months after earning, at
    /// end of month`): its expiry day then depends only on the month it was earned in.
    private let monthsToMonthEnd: Int?
    let benefits: [Benefit]
    /// The entitlements in force in each standing (`Frame.standing`), when every benefit reads
    /// nothing but the standing and constants.
    let entitlementsByStanding: [[(benefit: String, value: Value?)]]?
    /// The running-total terms of each event type's aggregates, by type index.
    let windowTerms: [WindowTerms]
    /// The recorded properties (`earned`, `refunded`) some term of each type reads, by type
    /// index, as bits (`EventProperty.bit`): arrays of them were retained to be searched.
    private let propertiesRead: [UInt8]

    init(tierNames: [String], thresholds: [ExactNumber?], measure: CompiledAmount?, measureUnit: PerkType?, hold: Value?, lifetime: Value?, alignToEndOf: Period?,
         noticeLead: Value?, benefits: [Benefit], entitlementsByStanding: [[(benefit: String, value: Value?)]]?, windowTerms: [WindowTerms]) {
        self.tierNames = tierNames
        self.thresholds = thresholds
        self.measure = measure
        self.measureUnit = measureUnit
        self.hold = hold
        self.lifetime = lifetime
        self.alignToEndOf = alignToEndOf
        self.noticeLead = noticeLead
        if case .duration(let months, 0)? = lifetime, alignToEndOf == .month { monthsToMonthEnd = months } else { monthsToMonthEnd = nil }
        self.benefits = benefits
        self.entitlementsByStanding = entitlementsByStanding
        self.windowTerms = windowTerms
        propertiesRead = windowTerms.map { terms in terms.all.reduce(0) { bits, term in term.properties.reduce(bits) { $0 | $1.bit } } }
    }

    // MARK: History

    /// Recomputes running totals of the frame member's recorded events of `type` from `start` on
    /// (only if a term reads `changed`, when given).
    func refreshWindowSums(ofType type: Int, from start: Int, changed: EventProperty? = nil, in frame: inout Frame) {
        guard type < windowTerms.count else { return }
        if let changed, propertiesRead[type] & changed.bit == 0 { return }
        windowTerms.withUnretained(type) { frame.refreshWindowSums(ofType: type, from: start, terms: $0.all) }
    }

    // MARK: Lots

    /// The day at whose end a lot earned on `date` expires.
    func expiryDate(earnedOn date: CivilDate) -> CivilDate? {
        guard case .duration(let months, let days)? = lifetime else { return nil }
        // `24 months after earning, at end of month`: the month's last day found at once.
        if days == 0, alignToEndOf == .month { return date.endOfMonth(addingMonths: months) }
        guard let end = try? Value.shift(date, months: months, days: days) else { return nil }
        switch alignToEndOf {
        case .month: return end.endOfMonth
        case .year: return end.endOfYear
        case .week: return end.adding(days: 7 - end.weekday)
        case .day, nil: return end
        }
    }

    /// `expiryDate(earnedOn:)`, from `memo` when it depends only on the month earned in.
    @inline(__always)
    func expiryDate(earnedOn date: CivilDate, memo: inout ExpiryMemo) -> CivilDate? {
        guard let months = monthsToMonthEnd else { return expiryDate(earnedOn: date) }
        return memo.expiry(earnedIn: date) { $0.endOfMonth(addingMonths: months) }
    }

    /// The day the expiry notice of a lot earned on `earnedOn` and expiring on `expiry` is due.
    func noticeDate(earnedOn: CivilDate, expiry: CivilDate?) -> CivilDate? {
        guard let expiry, case .duration(let months, let days)? = noticeLead,
              let date = try? Value.shift(expiry, months: -months, days: -days), date > earnedOn else { return nil }
        return date
    }

    func earn(_ points: ExactNumber, in execution: inout Execution) throws {
        // The event's id only: binding the event copied it whole.
        guard !points.isZero, let source = execution.frame.eventID() else { return }
        execution.outcome.earn(points, by: execution.rule)
        let today = execution.frame.today
        let expiry = expiryDate(earnedOn: today, memo: &execution.expiries)
        // Lots stay in earning order (an event older than the newest lot goes before it).
        let lot = Lot(earnedOn: today, expiresOn: expiry, noticeOn: noticeDate(earnedOn: today, expiry: expiry),
                      amount: points, remaining: points, source: source)
        let position = CompiledPolicy.insertionIndex(in: execution.frame.member.lots, for: today, \.earnedOn)
        execution.frame.member.lots.insertOrAppend(lot, at: position)
        execution.journal.append(.lotAdded(index: position))
        execution.frame.member.totals.earned = try sum(execution.frame.member.totals.earned, points)
        if let (type, index) = execution.recordedAt {
            let earned = try sum(execution.frame.member.histories[type][index].earned, points)
            execution.updateRecorded(type: type, index: index, .earned) { $0.earned = earned }
        }
    }

    /// Takes up to `points` from the lots — first from those `source` earned, then oldest first —
    /// and returns how many were taken (never more than the balance).
    func take(_ points: ExactNumber, from source: String?, in execution: inout Execution) -> ExactNumber {
        var left = points
        let order = Self.drawingOrder(execution.frame.member.lots, source: source)
        for index in order where !left.isZero && !execution.frame.member.lots[index].remaining.isZero {
            let remaining = execution.frame.member.lots[index].remaining
            let taken = min(left, remaining)
            execution.journal.append(.lotDrawn(index: index, remaining: remaining))
            execution.frame.member.lots[index].remaining = remaining.subtracting(taken)!
            left = left.subtracting(taken)!
        }
        return points.subtracting(left)!
    }

    /// The lots' indices in the order points are taken: those `source` earned first, then oldest first.
    private static func drawingOrder(_ lots: [Lot], source: String?) -> [Int] {
        guard let source else { return Array(lots.indices) }
        return lots.indices.filter { lots[$0].source == source } + lots.indices.filter { lots[$0].source != source }
    }

    /// `a + b`, or an evaluation error when the result is too large to keep exactly.
    func sum(_ a: ExactNumber, _ b: ExactNumber) throws -> ExactNumber {
        guard let total = a.adding(b) else { throw EvaluationError("a number too large to compute exactly") }
        return total
    }

    // MARK: Status

    func setStatus(_ status: MemberState.Status, reason: String, in execution: inout Execution) {
        let before = execution.frame.member.status
        guard before != status else { return }
        execution.frame.member.status = status
        if status == .cancelled { execution.frame.member.nextReview = nil }
        if before.name != status.name {
            execution.outcome.statusChanges.append((from: before.name, to: status.name, reason: reason))
        }
    }

    // MARK: Tiers

    /// The highest tier whose threshold the measure meets on the frame's day.
    func qualifyingTier(_ frame: inout Frame) throws -> Int {
        guard let measure else { return 0 }
        let amount = try measure.evaluate(&frame)
        frame.seen?.append("tier measure = \(measureUnit.flatMap { Value.quantity($0, amount) } ?? .number(amount))")
        var rank = 0
        for (index, threshold) in thresholds.enumerated() {
            if let threshold, amount >= threshold { rank = index }
        }
        return rank
    }

    func holdEnd(from date: CivilDate) -> CivilDate? {
        guard case .duration(let months, let days)? = hold else { return nil }
        return try? Value.shift(date, months: months, days: days)
    }

    func changeTier(to rank: Int, reason: String, member: inout MemberState, on date: CivilDate, outcome: inout Outcome) {
        if rank != member.tier {
            outcome.tierChanges.append((from: tierNames[member.tier], to: tierNames[rank], reason: reason))
            member.tier = rank
        }
        member.tierReached = date
        member.nextReview = rank > 0 ? holdEnd(from: date) : nil
    }

    func upgrade(in execution: inout Execution) throws {
        let reached = try qualifyingTier(&execution.frame)
        guard reached > execution.frame.member.tier else { return }
        changeTier(to: reached, reason: "upgrade by \(execution.rule)", member: &execution.frame.member, on: execution.frame.today, outcome: &execution.outcome)
    }

    func downgrade(in execution: inout Execution) throws {
        let member = execution.frame.member
        guard member.tier > 0 else { return }
        changeTier(to: member.tier - 1, reason: "downgrade by \(execution.rule)", member: &execution.frame.member, on: execution.frame.today, outcome: &execution.outcome)
    }

    // MARK: Benefits

    /// The entitlements in force for the frame's member and day, with their values. A cancelled
    /// membership has none, whatever the benefits' conditions say (its tier stays as it was).
    func entitlements(_ frame: inout Frame) throws -> [(benefit: String, value: Value?)] {
        if frame.member.status == .cancelled { return [] }
        if let entitlementsByStanding {
            let standing = frame.standing
            if standing < entitlementsByStanding.count { return entitlementsByStanding[standing] }
        }
        var result: [(benefit: String, value: Value?)] = []
        for benefit in benefits where try benefit.conditions.allSatisfy({ try $0.check(&frame).isTrue }) {
            result.append((benefit: benefit.name, value: try benefit.value?(&frame)))
        }
        return result
    }

    func use(_ name: String, in execution: inout Execution) throws {
        guard let index = benefits.firstIndex(where: { $0.name == name }) else {
            execution.outcome.benefitUses.append((benefit: name, granted: false, reason: "unknown_benefit"))
            return
        }
        let benefit = benefits[index]
        if execution.frame.member.status == .cancelled {
            execution.outcome.benefitUses.append((benefit: name, granted: false, reason: "cancelled"))
            return
        }
        for condition in benefit.conditions where !(try condition.check(&execution.frame)).isTrue {
            execution.outcome.benefitUses.append((benefit: name, granted: false, reason: condition.denial))
            return
        }
        let today = execution.frame.today
        if let limit = benefit.limit, let period = benefit.period {
            guard case .number(let allowed) = try limit(&execution.frame) else { throw EvaluationError("a limit is a number") }
            let used = execution.frame.member.benefitUses[name, default: []].filter { Self.samePeriod($0, today, period) }.count
            if ExactNumber(used) >= allowed {
                execution.outcome.benefitUses.append((benefit: name, granted: false, reason: "quota_exceeded"))
                return
            }
        }
        execution.journal.append(.benefitUsed(index: index, first: execution.frame.member.benefitUses[name] == nil))
        execution.frame.member.benefitUses[name, default: []].append(today)
        execution.outcome.benefitUses.append((benefit: name, granted: true, reason: nil))
    }

    static func samePeriod(_ a: CivilDate, _ b: CivilDate, _ period: Period) -> Bool {
        switch period {
        case .day: return a == b
        case .week: return a.dayNumber - (a.weekday - 1) == b.dayNumber - (b.weekday - 1)
        case .month: return a.year == b.year && a.month == b.month
        case .year: return a.year == b.year
        }
    }
}

/// Lots' expiry days by the month they were earned in, kept by a member session for a policy
/// whose lots live to the end of a month: the day found with calendar arithmetic was a tenth of
/// the instructions of earning by a W2 purchase, and a session's lots are earned in a few dozen
/// months.
struct ExpiryMemo {
    /// By month (its ordinal modulo their count): the month and its lots' expiry day. Made when
    /// first asked for: a session that earns nothing (one event applied through
    /// `CompiledPolicy.apply`, which makes a session for it) allocates nothing for it.
    private var slots: [(month: Int, expiry: CivilDate?)] = []

    /// The expiry day of a lot earned on `date`, computed by `compute` the first time its month is asked for.
    @inline(__always)
    mutating func expiry(earnedIn date: CivilDate, _ compute: (CivilDate) -> CivilDate?) -> CivilDate? {
        if slots.isEmpty { slots = Array(repeating: (-1, nil), count: 64) }
        let month = date.year * 12 + date.month - 1
        let slot = month & (slots.count - 1)
        if slots[slot].month == month { return slots[slot].expiry }
        let expiry = compute(date)
        slots[slot] = (month, expiry)
        return expiry
    }
}

extension EventProperty {
    /// The property as one bit of a set of them.
    fileprivate var bit: UInt8 {
        switch self {
        case .earned: 1
        case .refunded: 2
        case .date: 4
        }
    }
}
