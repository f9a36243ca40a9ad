import PerkLanguage

/// What a compiled expression reads while it runs: the member, the day, the event being applied,
/// the history event an aggregate is looking at, and the rule's `let` values.
struct Frame {
    var member: MemberState
    let today: CivilDate
    /// The event being applied (already recorded in `member.history`), if any.
    let event: RecordedEvent?
    var aggregateItem: RecordedEvent?
    var locals: [String: Value] = [:]
    /// Set when a trace is asked for: `name = value` of what rules bind.
    var seen: [String]?
}

/// A compiled expression: every name, field and unit resolved when the policy was compiled.
typealias Evaluate = @Sendable (inout Frame) throws -> Value

extension FieldValue {
    var value: Value {
        switch self {
        case .number(let n): return .number(n)
        case .money(let n): return .money(n)
        case .points(let n): return .points(n)
        case .percent(let n): return .percent(n)
        case .duration(let months, let days): return .duration(months: months, days: days)
        case .date(let d): return .date(d)
        case .text(let t): return .text(t)
        case .bool(let b): return .bool(b)
        case .tier(let rank): return .tier(rank)
        case .event(let id): return .event(id)
        }
    }
}
