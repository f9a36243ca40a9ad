import PerkLanguage

/// What a compiled expression reads while it runs: the member, the day, the event being applied,
/// the history event an aggregate is looking at, and the rule's `let` values.
struct Frame {
    var member: MemberState
    var today: CivilDate
    /// The event being applied, if any, when it is not recorded in the member's history: one
    /// that is recorded is read where it was recorded (`eventRecordedAt`), not copied.
    var event: RecordedEvent?
    /// Where the event being applied was recorded in `member.histories`, if it was.
    var eventRecordedAt: (type: Int, index: Int)? = nil
    /// The history event an aggregate is looking at: its type and index in `member.histories`.
    var aggregated: (type: Int, index: Int)?
    /// The rule's `let` values, by the slot each was given when compiled: quantities' amounts
    /// in `amounts` (their unit is known when compiled), other values in `locals`.
    var locals = ShortList<Value>()
    var amounts = ShortList<ExactNumber>()
    /// Set when a trace is asked for: `name = value` of what rules bind.
    var seen: [String]?
}

extension Frame {
    // The readers of the event being applied are `mutating` only so that they read it in place:
    // read from a non-mutating method, the optional event was first copied whole (192 bytes).

    /// The event being applied's field `name`, read in place (see `EventFields.value(of:usuallyAt:)`).
    @inline(__always)
    mutating func eventField(_ name: String, usuallyAt position: Int?) -> Value? {
        if let (type, index) = eventRecordedAt { return member.histories[type][index].fields.value(of: name, usuallyAt: position) }
        return event?.fields.value(of: name, usuallyAt: position)
    }

    /// The amount of the event being applied's field `name`, read in place.
    @inline(__always)
    mutating func eventAmount(_ name: String, usuallyAt position: Int?) -> ExactNumber? {
        if let (type, index) = eventRecordedAt { return member.histories[type][index].fields.amount(of: name, usuallyAt: position) }
        return event?.fields.amount(of: name, usuallyAt: position)
    }

    /// The text of the event being applied's field `name`, read in place.
    @inline(__always)
    mutating func eventText(_ name: String, usuallyAt position: Int?) -> String? {
        if let (type, index) = eventRecordedAt { return member.histories[type][index].fields.text(of: name, usuallyAt: position) }
        return event?.fields.text(of: name, usuallyAt: position)
    }

    /// Whether the event being applied's field `name` is a text among `texts`, read in place.
    @inline(__always)
    mutating func eventText(_ name: String, usuallyAt position: Int?, isAmong texts: [String]) -> Bool? {
        if let (type, index) = eventRecordedAt { return member.histories[type][index].fields.text(of: name, usuallyAt: position, isAmong: texts) }
        return event?.fields.text(of: name, usuallyAt: position, isAmong: texts)
    }

    /// The id of the event being applied.
    mutating func eventID() -> String? {
        if let (type, index) = eventRecordedAt { return member.histories[type][index].id }
        return event?.id
    }

    /// The event being applied, copied (for what is not a field: its date, what it earned).
    var currentEvent: RecordedEvent? {
        if let (type, index) = eventRecordedAt { return member.histories[type][index] }
        return event
    }

    /// A frame with a blank member, a fixed day and no event: for what reads none of them
    /// (constants, running-total terms, expressions of the tier with the tier set).
    static var detached: Frame { Frame(member: MemberState(id: ""), today: CivilDate(year: 2000, month: 1, day: 1)!, event: nil) }

    /// Sets a `let` value's slot. Slots are numbered in the order names are bound, so the next
    /// is usually the end.
    mutating func bind(_ slot: Int, to value: Value) { locals.set(slot, to: value, filler: .bool(false)) }

    /// Sets a `let` quantity's slot.
    mutating func bind(_ slot: Int, toAmount amount: ExactNumber) { amounts.set(slot, to: amount, filler: .zero) }
}

/// A compiled expression: every name, field and unit resolved when the policy was compiled.
typealias Evaluate = @Sendable (inout Frame) throws -> Value

/// A compiled expression where there may be none (`CompiledExpression?`). A closure kept as an
/// optional is stored in its most general form, so every call to it went through conversion
/// thunks (two more calls and a copy of the value); held in a struct it keeps its own.
struct CompiledExpression: Sendable {
    let evaluate: Evaluate

    init(_ evaluate: @escaping Evaluate) { self.evaluate = evaluate }
}

/// A member's standing: tier, status, and whether the frame's day is in their birthday month —
/// all that expressions such as `tier >= Gold`, `tier.discount` or `not frozen` read. Standings
/// are numbered from 0 to `count(tiers:)`, so such an expression can be tabulated.
enum Standing {
    /// Whether a member property is part of the standing.
    static func reads(_ property: MemberProperty) -> Bool {
        switch property {
        case .tier, .frozen, .cancelled, .active, .birthdayMonth: return true
        case .balance, .today: return false
        }
    }

    static func count(tiers: Int) -> Int { max(tiers, 1) * 6 }

    /// A detached frame whose member has standing `number`.
    static func frame(_ number: Int) -> Frame {
        var frame = Frame.detached
        frame.member.tier = number / 6
        frame.member.status = [.active, .frozen(until: frame.today), .cancelled][number / 2 % 3]
        if number % 2 == 1 { frame.member.birthday = Birthday(frame.today.description) }
        return frame
    }
}

extension Frame {
    /// The member's standing (see `Standing`). Inlined: called out of line, the frame's member
    /// was copied to be passed.
    var standing: Int {
        @inline(__always) get {
        let status: Int
        switch member.status {
        case .active: status = 0
        case .frozen: status = 1
        case .cancelled: status = 2
        }
        return (member.tier * 3 + status) * 2 + (member.birthday?.month == today.month ? 1 : 0)
        }
    }
}
