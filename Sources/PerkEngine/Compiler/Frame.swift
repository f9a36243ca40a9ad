import PerkLanguage

/// What a compiled expression reads while it runs: the member, the day, the event being applied,
/// the history event an aggregate is looking at, and the rule's `let` values.
struct Frame {
    var member: MemberState
    let today: CivilDate
    /// The event being applied (already recorded in `member.history`), if any.
    let event: RecordedEvent?
    var aggregateItem: RecordedEvent?
    /// The rule's `let` values, by the slot each was given when compiled.
    var locals: [Value] = []
    /// Set when a trace is asked for: `name = value` of what rules bind.
    var seen: [String]?
}

extension Frame {
    /// A frame with a blank member, a fixed day and no event: for what reads none of them
    /// (constants, running-total terms, expressions of the tier with the tier set).
    static var detached: Frame { Frame(member: MemberState(id: ""), today: CivilDate(year: 2000, month: 1, day: 1)!, event: nil) }

    /// Sets a `let` value's slot.
    mutating func bind(_ slot: Int, to value: Value) {
        if slot >= locals.count { locals.append(contentsOf: repeatElement(.bool(false), count: slot + 1 - locals.count)) }
        locals[slot] = value
    }
}

/// A compiled expression: every name, field and unit resolved when the policy was compiled.
typealias Evaluate = @Sendable (inout Frame) throws -> Value
