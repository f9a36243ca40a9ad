import PerkLanguage

/// Where the events of a whole input are, so a reference to an event the member does not have
/// yet can say why: another member's, or not applied yet.
public struct EventDirectory: Sendable {
    private var events: [String: (member: String, type: String)] = [:]

    public init() {}

    public mutating func record(_ event: InputEvent) {
        if events[event.id] == nil { events[event.id] = (event.member, event.type) }
    }

    /// The member and type of the event with this id, anywhere in the input.
    public func lookup(_ id: String) -> (member: String, type: String)? { events[id] }
}

extension CompiledPolicy {
    /// Applies one event: first every time-driven effect due before it (at the start of its day
    /// and before), then the event's rules in the policy's order. Returns the outcomes in order;
    /// the last is the event's. A refused event changes nothing.
    ///
    /// A member's events must come in date order: one dated before the member's
    /// `processedThrough` is applied to the state as it is now (today's tier, history and lots),
    /// not as it was on its day, and nothing refuses it. A caller whose events may arrive late
    /// checks `processedThrough` first (`perk serve` refuses such an event).
    /// - Parameters:
    ///   - trace: record every rule considered and the values it saw in `Outcome.trace`.
    ///   - entitlements: list the entitlements in force in `Outcome.entitlements` (a simulation
    ///     that only needs the member's state can skip them).
    ///   - directory: every event of the input, to say why a reference cannot be followed.
    public func apply(_ event: InputEvent, to member: inout MemberState, trace: Bool = false, entitlements: Bool = true,
                      directory: EventDirectory? = nil) -> [Outcome] {
        var outcomes: [Outcome] = []
        apply(event, to: &member, trace: trace, entitlements: entitlements, directory: directory, into: &outcomes)
        return outcomes
    }

    /// Applies one event as `apply(_:to:trace:entitlements:directory:)` does, appending the
    /// outcomes to `outcomes`: a caller replaying many events can reuse one array (and, applying
    /// many events to one member, a `MemberSession`).
    public func apply(_ event: InputEvent, to member: inout MemberState, trace: Bool = false, entitlements: Bool = true,
                      directory: EventDirectory? = nil, into outcomes: inout [Outcome]) {
        // The member is moved into a session and back, not copied.
        var session = MemberSession(MemberState(id: member.id), under: self)
        swap(&member, &session.execution.frame.member)
        // An event the member's history still holds, given again (a request sent twice), is
        // refused: purchases a refund may name are kept for good, other events while a window
        // of the policy sees them. (A replay of many events finds every repeated id; one event
        // at a time can find only these.)
        if session.execution.frame.member.recorded(event.id) != nil {
            session.refuse(event.recorded(), because: .duplicateID(event.id), into: &outcomes)
        } else {
            session.apply(event, trace: trace, entitlements: entitlements, directory: directory, into: &outcomes)
        }
        swap(&member, &session.execution.frame.member)
    }

    /// Refuses `event` with `rejection` without applying it: the time-driven effects due before
    /// it are applied (their outcomes first), nothing of the event's; the last outcome is the
    /// refusal. For a caller that knows better than the policy (`perk explain` refuses an id its
    /// member has already used, as a simulation does).
    public func refuse(_ event: InputEvent, to member: inout MemberState, because rejection: Rejection) -> [Outcome] {
        var outcomes: [Outcome] = []
        var session = MemberSession(MemberState(id: member.id), under: self)
        swap(&member, &session.execution.frame.member)
        session.refuse(event.recorded(), because: rejection, into: &outcomes)
        swap(&member, &session.execution.frame.member)
        return outcomes
    }

    /// Where an item dated `date` goes to keep `items` in date order: after every item dated on
    /// or before it (usually at the end). Takes the array by value only while searching, so the
    /// caller's array stays uniquely referenced and inserting does not copy it.
    static func insertionIndex<Items: BidirectionalCollection<Item>, Item>(in items: Items, for date: CivilDate, _ dateOf: (Item) -> CivilDate) -> Int
    where Items.Index == Int {
        // The last item read in place (`last` copies it).
        if !items.isEmpty, dateOf(items[items.index(before: items.endIndex)]) > date {
            return (items.lastIndex { dateOf($0) <= date }).map { $0 + 1 } ?? 0
        }
        return items.count
    }

    /// Keeps the member's state bounded: history no window can reach (but for events others may
    /// refer to), and benefit uses of past quota periods.
    func forgetWhatNoWindowSees(_ member: inout MemberState, on today: CivilDate) {
        if !member.histories.isEmpty, !lookback.unbounded {
            let surelySeen = today.dayNumber - lookback.leastReachInDays
            // Calendar arithmetic, done only when an event may be older than the horizon.
            lazy var horizon = lookback.horizon(from: today)
            for type in forgettableTypes where type < member.histories.count {
                // Read in place (`first` would copy the event).
                guard !member.histories[type].isEmpty, member.histories[type][0].date.dayNumber < surelySeen,
                      let horizon, member.histories[type][0].date < horizon else { continue }
                member.histories[type].removeFirst(member.histories[type].firstIndex { $0.date >= horizon } ?? member.histories[type].count)
            }
        }
        // (Iterating even an empty dictionary costs more than asking whether it is empty.)
        guard !member.benefitUses.isEmpty else { return }
        for (benefit, uses) in member.benefitUses {
            guard let period = quotaPeriods[benefit] else {
                member.benefitUses[benefit] = nil  // no quota: uses need not be kept
                continue
            }
            if let oldest = uses.first, !Effects.samePeriod(oldest, today, period) {
                member.benefitUses[benefit] = uses.filter { Effects.samePeriod($0, today, period) }
            }
        }
    }

    /// Why an event's reference to an earlier event cannot be followed, if it cannot (`fields`:
    /// the event's).
    func unresolvedReference(_ fields: EventFields, _ references: [(field: String, type: String)], member: MemberState,
                                     directory: EventDirectory?) -> Rejection? {
        for (field, type) in references {
            guard case .event(let id)? = fields[field] else { continue }
            if let (foundType, index) = member.recorded(id) {
                let found = member.histories[foundType][index]
                if found.type != type {
                    return Rejection(code: "not_a_\(type)", message: "\(field) \(id) is a \(found.type), not a \(type)", rule: nil)
                }
                continue
            }
            guard let known = directory?.lookup(id) else {
                return Rejection(code: "unknown_\(field)", message: "no event \(id)", rule: nil)
            }
            if known.type != type {
                return Rejection(code: "not_a_\(type)", message: "\(field) \(id) is a \(known.type), not a \(type)", rule: nil)
            }
            if known.member != member.id {
                return Rejection(code: "other_member", message: "\(field) \(id) belongs to another member", rule: nil)
            }
            return Rejection(code: "not_yet_applied", message: "\(field) \(id) is not applied yet (it comes later, or was refused)", rule: nil)
        }
        return nil
    }

    /// Applies every time-driven effect due before the start of `date` and at its start: freezes
    /// ending, tier reviews, expiry notices (start of day), lots expiring (end of day). Returns one
    /// outcome per day and phase that had anything to do. A member is never taken back: advanced to
    /// a day before its `processedThrough`, it is left as it is.
    public func advance(_ member: inout MemberState, to date: CivilDate) -> [Outcome] {
        var outcomes: [Outcome] = []
        advance(&member, to: date, into: &outcomes)
        return outcomes
    }

    /// Advances as `advance(_:to:)` does, appending the outcomes to `outcomes`.
    public func advance(_ member: inout MemberState, to date: CivilDate, into outcomes: inout [Outcome]) {
        while let (day, endOfDay) = nextDue(status: member.status, review: member.nextReview, lots: member.lots), day < date || (day == date && !endOfDay) {
            var outcome = Outcome(kind: .scheduled, date: day)
            if endOfDay {
                expireLots(on: day, member: &member, outcome: &outcome)
            } else {
                startOfDay(day, member: &member, outcome: &outcome)
            }
            outcomes.append(outcome)
        }
        if member.processedThrough.map({ $0 < date }) ?? true { member.processedThrough = date }
    }

    /// The earliest time-driven effect still to apply to a member of this status, review date and
    /// lots: its day, and whether it is at the day's end. (Given the member's parts: given the
    /// member, each call copied all 408 bytes of it.)
    func nextDue(status: MemberState.Status, review: CivilDate?, lots: [Lot]) -> (day: CivilDate, endOfDay: Bool)? {
        var earliest: (day: CivilDate, endOfDay: Bool)?
        func consider(_ day: CivilDate, endOfDay: Bool) {
            if let current = earliest, current.day < day || (current.day == day && (!current.endOfDay || endOfDay)) { return }
            earliest = (day, endOfDay)
        }
        if case .frozen(let until) = status { consider(until, endOfDay: false) }
        if status != .cancelled, let review { consider(review, endOfDay: false) }
        // Lots are in earning order, and a lot's expiry and notice are the same function of its
        // earning day for every lot, never earlier for a later lot: the first lot still holding
        // points expires first, and the first with a notice to give gives it first.
        var expiryFound = false, noticeFound = effects.noticeLead == nil
        for lot in lots {
            if let current = earliest, lot.earnedOn > current.day { break }
            guard !lot.remaining.isZero else { continue }
            if !noticeFound, !lot.noticeIssued, let notice = lot.noticeOn {
                consider(notice, endOfDay: false)
                noticeFound = true
            }
            if !expiryFound, let expiry = lot.expiresOn {
                consider(expiry, endOfDay: true)
                expiryFound = true
            }
            if expiryFound && noticeFound { break }
        }
        return earliest.map { ($0.day, $0.endOfDay) }
    }

    private func startOfDay(_ day: CivilDate, member: inout MemberState, outcome: inout Outcome) {
        if case .frozen(let until) = member.status, until <= day {
            member.status = .active
            outcome.statusChanges.append((from: "frozen", to: "active", reason: "freeze ended"))
        }
        if member.status != .cancelled, let review = member.nextReview, review <= day {
            var frame = Frame(member: member, today: day, event: nil)
            let qualified = (try? effects.qualifyingTier(&frame)) ?? member.tier
            let reason = qualified == member.tier ? "review: requalified" : qualified < member.tier ? "review: dropped" : "review: raised"
            effects.changeTier(to: qualified, reason: reason, member: &member, on: day, outcome: &outcome)
            if qualified == member.tier, outcome.tierChanges.isEmpty { outcome.notes.append((code: "requalified", message: effects.tierNames[qualified])) }
        }
        guard effects.noticeLead != nil else { return }
        for index in member.lots.indices where !member.lots[index].remaining.isZero && !member.lots[index].noticeIssued {
            guard let notice = member.lots[index].noticeOn else { continue }
            // Later lots' notices come no earlier (see `nextDue`).
            if notice > day { break }
            member.lots[index].noticeIssued = true
            member.notices.append(day)
            let lot = member.lots[index]
            outcome.notices.append("\(lot.remaining) points earned \(lot.earnedOn) expire at the end of \(lot.expiresOn!)")
        }
    }

    private func expireLots(on day: CivilDate, member: inout MemberState, outcome: inout Outcome) {
        for index in member.lots.indices {
            guard let expiry = member.lots[index].expiresOn, expiry <= day, !member.lots[index].remaining.isZero else { continue }
            let points = member.lots[index].remaining
            member.lots[index].remaining = .zero
            outcome.expired.append((earnedOn: member.lots[index].earnedOn, points: points))
            member.totals.expired = member.totals.expired.adding(points)!
        }
        // The lots used up and expired leave; the others keep their order, moved through a
        // pointer (`removeAll(where:)`, and swapping the array's elements, copied each lot).
        let kept = member.lots.withUnsafeMutableBufferPointer { lots in
            var kept = 0
            for index in lots.indices {
                if lots[index].remaining.isZero, let expiry = lots[index].expiresOn, expiry <= day { continue }
                if kept != index { lots.swapAt(kept, index) }
                kept += 1
            }
            return kept
        }
        member.lots.removeLast(member.lots.count - kept)
    }

    /// The tier the ladder's measure gives a member on a date — what a review at the start of
    /// that day would give — or nil when the policy has no tiers or the measure cannot be computed.
    public func qualifyingTier(of member: MemberState, on date: CivilDate) -> Int? {
        guard effects.measure != nil else { return nil }
        var frame = Frame(member: member, today: date, event: nil)
        return try? effects.qualifyingTier(&frame)
    }

    /// The benefits a member has on a date, with their values (`purchase_discount: 10%`).
    public func entitlements(of member: MemberState, on date: CivilDate) -> [(benefit: String, value: Value?)] {
        var frame = Frame(member: member, today: date, event: nil)
        return (try? effects.entitlements(&frame)) ?? []
    }
}

extension RangeReplaceableCollection where Index == Int {
    /// Inserts `element` at `index`, appending when that is the end: appending moves the element
    /// in, inserting copies it once more.
    mutating func insertOrAppend(_ element: consuming Element, at index: Int) {
        if index == count { append(element) } else { insert(element, at: index) }
    }
}

extension Frame {
    /// Records `event` (dated the frame's day) in its type's history, in date order (an event
    /// older than the newest goes before it), with its running totals (`effects`' terms).
    /// Returns where it went. `typeCount`: how many event types the policy declares; `room`: how
    /// many events an empty history is given room for. (Not a method of the policy: a session's
    /// call through its policy retained and released the policy for every event.)
    mutating func record(_ event: consuming RecordedEvent, type: Int, typeCount: Int, room: Int = 0, effects: Effects) -> (type: Int, index: Int) {
        if member.histories.count < typeCount {
            // Made at once when the member has none (usually): appending made a second array.
            if member.histories.isEmpty {
                member.histories = Array(repeating: [], count: typeCount)
            } else {
                member.histories += Array(repeating: [], count: typeCount - member.histories.count)
            }
        }
        if room > 0, member.histories[type].isEmpty { member.histories[type].reserveCapacity(room) }
        let index = CompiledPolicy.insertionIndex(in: member.histories[type], for: today, \.date)
        member.histories[type].insertOrAppend(event, at: index)
        effects.refreshWindowSums(ofType: type, from: index, in: &self)
        return (type, index)
    }
}
