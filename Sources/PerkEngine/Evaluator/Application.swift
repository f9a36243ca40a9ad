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
    public func apply(_ event: InputEvent, to member: inout MemberState, trace: Bool = false,
                      directory: EventDirectory? = nil) -> [Outcome] {
        var outcomes = advance(&member, to: event.date)
        var outcome = Outcome(kind: .event(id: event.id, type: event.type), date: event.date)
        if let rejection = unresolvedReference(event, member: member, directory: directory) {
            outcome.rejection = rejection
            outcomes.append(outcome)
            return outcomes
        }
        // Rollback without copying the history: keep everything else, and undo the history's
        // changes (the appended event, `earned`/`refunded` updates) from a journal.
        var before = member
        before.history = []
        let recorded = RecordedEvent(id: event.id, type: event.type, date: event.date, fields: event.fields)
        // Keep the history in date order (an event older than the newest goes before it).
        let position = member.history.lastIndex { $0.date <= recorded.date }.map { $0 + 1 } ?? 0
        member.history.insert(recorded, at: position)
        var execution = Execution(
            frame: Frame(member: MemberState(id: member.id), today: event.date, event: recorded, seen: trace ? [] : nil),
            outcome: outcome, effects: effects)
        swap(&member, &execution.frame.member)
        func rollBack() {
            var history = execution.frame.member.history
            for change in execution.historyJournal.reversed() where change.index != position {
                history[change.index].earned = change.earned
                history[change.index].refunded = change.refunded
            }
            history.remove(at: position)
            member = before
            member.history = history
        }
        do {
            execution.outcome.entitlements = try effects.entitlements(&execution.frame)
            for rule in rules where rule.eventType == nil || rule.eventType == event.type {
                execution.rule = rule.name
                execution.frame.locals = [:]
                execution.frame.seen = trace ? [] : nil
                let fired = try rule.condition?(&execution.frame).isTrue ?? true
                if fired {
                    if let penalty = rule.penalty {
                        guard case .number(let count) = try penalty.count(&execution.frame), let n = Int(exactly: count.numerator) else {
                            throw EvaluationError("a penalty's count")
                        }
                        execution.frame.seen?.append("count = \(n)")
                        try penalty.step(for: n)?(&execution)
                    } else {
                        try rule.body(&execution)
                    }
                }
                if trace { execution.outcome.trace.append(RuleTrace(rule: rule.name, fired: fired, seen: execution.frame.seen ?? [])) }
            }
            swap(&member, &execution.frame.member)
            outcome = execution.outcome
        } catch {
            // Refused: the state is as before, and the outcome says why, with what was in force
            // and the rules' trace, but none of the effects.
            rollBack()
            let rejection: Rejection
            if let denial = error as? Denial {
                rejection = Rejection(code: denial.code, message: denial.message, rule: denial.rule)
            } else {
                rejection = Rejection(code: "evaluation_error", message: "\(error)", rule: execution.rule)
            }
            outcome.rejection = rejection
            outcome.entitlements = execution.outcome.entitlements
            outcome.trace = execution.outcome.trace
            if trace {
                outcome.trace.append(RuleTrace(rule: execution.rule, fired: true, seen: (execution.frame.seen ?? []) + ["refused: \(rejection.code)"]))
            }
        }
        forgetWhatNoWindowSees(&member, on: event.date)
        outcomes.append(outcome)
        return outcomes
    }

    /// Keeps the member's state bounded: history no window can reach (but for events others may
    /// refer to), and benefit uses of past quota periods.
    private func forgetWhatNoWindowSees(_ member: inout MemberState, on today: CivilDate) {
        if let horizon = lookback.horizon(from: today), let first = member.history.first, first.date < horizon {
            member.history.removeAll { $0.date < horizon && !referencedTypes.contains($0.type) }
        }
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

    /// Why an event's reference to an earlier event cannot be followed, if it cannot.
    private func unresolvedReference(_ event: InputEvent, member: MemberState, directory: EventDirectory?) -> Rejection? {
        for (field, type) in references[event.type] ?? [] {
            guard case .event(let id)? = event.fields[field] else { continue }
            if let found = member.history.last(where: { $0.id == id }) {
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
    /// outcome per day and phase that had anything to do.
    public func advance(_ member: inout MemberState, to date: CivilDate) -> [Outcome] {
        var outcomes: [Outcome] = []
        while let (day, endOfDay) = nextDue(member), day < date || (day == date && !endOfDay) {
            var outcome = Outcome(kind: .scheduled, date: day)
            if endOfDay {
                expireLots(on: day, member: &member, outcome: &outcome)
            } else {
                startOfDay(day, member: &member, outcome: &outcome)
            }
            outcomes.append(outcome)
        }
        if member.processedThrough.map({ $0 < date }) ?? true { member.processedThrough = date }
        return outcomes
    }

    /// The earliest time-driven effect still to apply: its day, and whether it is at the day's end.
    private func nextDue(_ member: MemberState) -> (CivilDate, Bool)? {
        var candidates: [(CivilDate, Bool)] = []
        if case .frozen(let until) = member.status { candidates.append((until, false)) }
        if member.status != .cancelled, let review = member.nextReview { candidates.append((review, false)) }
        for lot in member.lots where !lot.remaining.isZero {
            if !lot.noticeIssued, let notice = lot.noticeOn { candidates.append((notice, false)) }
            if let expiry = lot.expiresOn { candidates.append((expiry, true)) }
        }
        return candidates.min { ($0.0, $0.1 ? 1 : 0) < ($1.0, $1.1 ? 1 : 0) }
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
        for index in member.lots.indices where !member.lots[index].remaining.isZero && !member.lots[index].noticeIssued {
            if let notice = member.lots[index].noticeOn, notice <= day {
                member.lots[index].noticeIssued = true
                member.notices.append(day)
                let lot = member.lots[index]
                outcome.notices.append("\(lot.remaining) points earned \(lot.earnedOn) expire at the end of \(lot.expiresOn!)")
            }
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
        member.lots.removeAll { $0.remaining.isZero && ($0.expiresOn.map { $0 <= day } ?? false) }
    }

    /// The benefits a member has on a date, with their values (`purchase_discount: 10%`).
    public func entitlements(of member: MemberState, on date: CivilDate) -> [(benefit: String, value: Value?)] {
        var frame = Frame(member: member, today: date, event: nil)
        return (try? effects.entitlements(&frame)) ?? []
    }
}
