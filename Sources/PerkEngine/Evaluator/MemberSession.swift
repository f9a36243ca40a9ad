import PerkLanguage

/// One member under a compiled policy, for applying many events to them in turn (a replay): the
/// member's state stays inside the evaluation from event to event. `CompiledPolicy.apply(_:to:)`
/// moves the state in and out again for every event, which costs about a tenth of evaluating a
/// simple purchase.
public struct MemberSession {
    public let policy: CompiledPolicy
    /// The evaluation, whose frame holds the member between events.
    var execution: Execution
    /// How many events a history is given room for when its first is recorded.
    private var historyRoom = 0

    public init(_ member: consuming MemberState, under policy: CompiledPolicy) {
        self.policy = policy
        // The day and the outcome are each event's, set when it is applied.
        let day = CivilDate(year: 2000, month: 1, day: 1)!
        execution = Execution(frame: Frame(member: member, today: day, event: nil), outcome: Outcome(kind: .scheduled, date: day),
                              effects: policy.effects)
    }

    /// The policy, for a call that changes the session: taken unretained, since the session
    /// keeps it. (Read from the session the call changes, it was retained and released around
    /// every event applied — atomic operations.)
    private var unretainedPolicy: Unmanaged<CompiledPolicy> { Unmanaged.passUnretained(policy) }

    /// The member's state now (read in place; passed on whole, it is copied).
    public var member: MemberState {
        _read { yield execution.frame.member }
    }

    /// Makes room for the lots and recorded events `count` more events can add to the member, in
    /// one allocation each: a replay knows how many events a member has, and arrays grown a
    /// doubling at a time moved every lot and recorded event several times. (At most 1,024 of
    /// each, a few hundred KiB, held while the member is replayed: with 64, the few members of
    /// W2 with hundreds or thousands of events grew theirs, 80 instructions per event of all.)
    public mutating func reserveCapacity(forEvents count: Int) {
        let room = min(count, 1_024)
        execution.frame.member.lots.reserveCapacity(execution.frame.member.lots.count + room)
        // A history is given its room when its first event is recorded: made here, the member
        // would hold empty histories it otherwise does not.
        historyRoom = room
    }

    /// Starts over with `member`, a new one (no lots or history yet), in the storage the last
    /// member's lots and histories had, emptied: replaying member after member, each member's
    /// arrays were allocated and freed, and the session made whole (W2: about 200 instructions an
    /// event). The member's histories are then there, empty, from the start, which reads as none.
    mutating func restart(with member: consuming MemberState) {
        var next = member
        if next.lots.isEmpty {
            swap(&next.lots, &execution.frame.member.lots)
            next.lots.removeAll(keepingCapacity: true)
        }
        if next.histories.isEmpty {
            swap(&next.histories, &execution.frame.member.histories)
            for type in next.histories.indices { next.histories[type].removeAll(keepingCapacity: true) }
        }
        // A frame of its own, as a new session's; the evaluation's other parts are each event's
        // (made whole, the session cost a hundred instructions an event more).
        execution.frame = Frame(member: consume next, today: execution.frame.today, event: nil)
        execution.recordedAt = nil
        execution.journal.removeAll()
        historyRoom = 0
    }

    /// The tier the ladder's measure gives the member on `date`, as
    /// `CompiledPolicy.qualifyingTier(of:on:)` gives it, computed in the session's own frame (the
    /// member is not copied into another).
    mutating func qualifyingTier(on date: CivilDate) -> Int? {
        guard policy.effects.measure != nil else { return nil }
        let today = execution.frame.today
        defer { execution.frame.today = today }
        execution.frame.today = date
        return try? policy.effects.qualifyingTier(&execution.frame)
    }

    /// Ends the session: the member's state, moved out.
    public consuming func end() -> MemberState { execution.frame.member }

    /// Applies one event as `CompiledPolicy.apply(_:to:trace:entitlements:directory:into:)` does.
    public mutating func apply(_ event: InputEvent, trace: Bool = false, entitlements: Bool = true, directory: EventDirectory? = nil,
                               into outcomes: inout [Outcome]) {
        apply(recorded: event.recorded(), trace: trace, entitlements: entitlements, directory: directory, into: &outcomes)
    }

    /// Applies an event given as its history would record it, taking it (a replay moves each
    /// event in, rather than copying its parts).
    mutating func apply(recorded event: consuming RecordedEvent, trace: Bool = false, entitlements: Bool = true,
                        directory: EventDirectory? = nil, into outcomes: inout [Outcome]) {
        let date = event.date
        applyKeepingOutcome(recorded: event, trace: trace, entitlements: entitlements, directory: directory, scheduled: &outcomes)
        // Moved out rather than copied: a blank outcome takes its place.
        outcomes.append(Outcome(kind: .scheduled, date: date))
        swap(&outcomes[outcomes.count - 1], &execution.outcome)
    }

    /// Refuses an event with `rejection` as `apply(recorded:…)` applies one: the time-driven
    /// effects' outcomes, then the refusal, appended to `outcomes`.
    mutating func refuse(_ event: consuming RecordedEvent, because rejection: Rejection, into outcomes: inout [Outcome]) {
        let date = event.date
        refuseKeepingOutcome(recorded: event, rejection, scheduled: &outcomes)
        outcomes.append(Outcome(kind: .scheduled, date: date))
        swap(&outcomes[outcomes.count - 1], &execution.outcome)
    }

    /// Refuses an event with `rejection` as `applyKeepingOutcome` leaves an outcome: the
    /// time-driven effects before it applied (their outcomes appended to `scheduled`), nothing of
    /// the event's.
    mutating func refuseKeepingOutcome(recorded event: consuming RecordedEvent, _ rejection: Rejection, scheduled outcomes: inout [Outcome]) {
        let date = event.date
        unretainedPolicy._withUnsafeGuaranteedRef { $0.advance(&execution.frame.member, to: date, into: &outcomes) }
        execution.outcome = Outcome(kind: .event(id: event.id, type: event.type), date: date)
        execution.outcome.rejection = rejection
    }

    /// Applies an event as `apply(recorded:…)` does, but leaves its outcome in
    /// `execution.outcome` (until the next event's replaces it) instead of moving it into an
    /// array: a replay that only counts outcomes reads it there. The time-driven effects'
    /// outcomes are appended to `scheduled`.
    mutating func applyKeepingOutcome(recorded event: consuming RecordedEvent, trace: Bool = false, entitlements: Bool = true,
                                      directory: EventDirectory? = nil, scheduled outcomes: inout [Outcome]) {
        let date = event.date
        unretainedPolicy._withUnsafeGuaranteedRef { $0.advance(&execution.frame.member, to: date, into: &outcomes) }
        // (The type read first: a closure does not capture the event.)
        let eventType = event.type
        let plan = unretainedPolicy._withUnsafeGuaranteedRef { $0.plan(for: eventType) }
        let (recordedAs, refersToOthers) = plan._withUnsafeGuaranteedRef { ($0.recordedAs, !$0.references.isEmpty) }
        // Only an event that refers to others is looked at.
        if refersToOthers,
           let rejection = policy.unresolvedReference(event.fields, plan.takeUnretainedValue().references, member: execution.frame.member, directory: directory) {
            execution.outcome = Outcome(kind: .event(id: event.id, type: event.type), date: date)
            execution.outcome.rejection = rejection
            return
        }
        // Refusal is undone from the journal and this: the member is not copied.
        let before = execution.frame.member.scalars
        // What the previous event left is replaced (its outcome, counted or moved out).
        execution.frame.today = date
        execution.frame.seen = trace ? [] : nil
        // The kind made where it is kept: made first and copied, the copy of its two texts was
        // destroyed through their tuple's metadata.
        execution.outcome.restart(kind: .event(id: event.id, type: event.type), date: date)
        execution.rule = ""
        execution.journal.removeAll()
        // A recorded event is moved into the history and read there; copying it into the
        // history as well as keeping it in the frame copied and freed it once more per event.
        if let type = recordedAs {
            // Only when there is one (assigned nil, the event there was destroyed through its
            // type's metadata, even when there was none).
            if case .some = execution.frame.event { execution.frame.event = nil }
            execution.recordedAt = execution.frame.record(consume event, type: type, typeCount: policy.typeCount, room: historyRoom, effects: execution.effects)
        } else {
            execution.frame.event = consume event
            execution.recordedAt = nil
        }
        execution.frame.eventRecordedAt = execution.recordedAt
        do {
            if entitlements { execution.outcome.entitlements = try unretainedPolicy._withUnsafeGuaranteedRef { try $0.effects.entitlements(&execution.frame) } }
            // Each rule taken unretained from the plan, which keeps it: bound to a name, or read
            // from the array to call its closures, the rule or each closure was retained and
            // released again (atomically) for every event.
            try plan._withUnsafeGuaranteedRef { plan in
                for index in plan.rules.indices {
                    try plan.rules.withUnretained(index) { rule in
                        execution.rule = rule.name
                        execution.frame.seen = trace ? [] : nil
                        let fired = try rule.condition(&execution.frame)
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
                }
            }
        } catch {
            // Refused: the state is as before, and the outcome says why, with what was in force
            // and the rules' trace, but none of the effects.
            rollBack(to: before)
            let rejection: Rejection
            if let denial = error as? Denial {
                rejection = Rejection(code: denial.code, message: denial.message, rule: denial.rule)
            } else {
                rejection = Rejection(code: "evaluation_error", message: "\(error)", rule: execution.rule)
            }
            var refused = Outcome(kind: execution.outcome.kind, date: date)
            refused.rejection = rejection
            refused.entitlements = execution.outcome.entitlements
            refused.trace = execution.outcome.trace
            if trace {
                refused.trace.append(RuleTrace(rule: execution.rule, fired: true, seen: (execution.frame.seen ?? []) + ["refused: \(rejection.code)"]))
            }
            execution.outcome = refused
        }
        unretainedPolicy._withUnsafeGuaranteedRef { $0.forgetWhatNoWindowSees(&execution.frame.member, on: date) }
    }

    /// Undoes what the event being applied changed, from the journal, and puts back the scalars
    /// it had before.
    private mutating func rollBack(to before: MemberState.Scalars) {
        var changedTypes = Set(execution.recordedAt.map { [$0.type] } ?? [])
        for change in execution.journal.reversed {
            switch change {
            case .recorded(let type, let index, let earned, let refunded):
                execution.frame.member.histories[type][index].earned = earned
                execution.frame.member.histories[type][index].refunded = refunded
                changedTypes.insert(type)
            case .lotAdded(let index):
                execution.frame.member.lots.remove(at: index)
            case .lotDrawn(let index, let remaining):
                execution.frame.member.lots[index].remaining = remaining
            case .benefitUsed(let index, let first):
                let benefit = policy.effects.benefits[index].name
                if first {
                    execution.frame.member.benefitUses[benefit] = nil
                } else {
                    execution.frame.member.benefitUses[benefit]?.removeLast()
                }
            }
        }
        if let (type, index) = execution.recordedAt { execution.frame.member.histories[type].remove(at: index) }
        for type in changedTypes {
            policy.effects.refreshWindowSums(ofType: type, from: 0, in: &execution.frame)
        }
        execution.frame.member.scalars = before
    }

    /// Applies the time-driven effects due before the start of `date` and at its start, as
    /// `CompiledPolicy.advance(_:to:into:)` does.
    public mutating func advance(to date: CivilDate, into outcomes: inout [Outcome]) {
        policy.advance(&execution.frame.member, to: date, into: &outcomes)
    }
}
