import PerkEngine
import PerkLanguage

/// What a policy test can observe of an event's outcome or a member's state, by key, in a form
/// compared with what the test file expects: numbers exactly, text as written, lists in order,
/// mappings by the keys the test names.
public indirect enum Observed: Equatable, Sendable, CustomStringConvertible {
    case number(ExactNumber)
    case text(String)
    case bool(Bool)
    case none
    case list([Observed])
    case map([String: Observed])

    public var description: String {
        switch self {
        case .number(let n): return n.description
        case .text(let t): return t
        case .bool(let b): return b ? "true" : "false"
        case .none: return "null"
        case .list(let items): return "[" + items.map(\.description).joined(separator: ", ") + "]"
        case .map(let entries): return "{" + entries.keys.sorted().map { "\($0): \(entries[$0]!)" }.joined(separator: ", ") + "}"
        }
    }

    /// Whether this is what `expected` says: a number equal to the number written, text equal to
    /// the text, `null` (or `~`, or nothing) for none, lists item by item, mappings key by key
    /// for the keys written (an expected key the observation lacks does not match).
    public func matches(_ expected: Expected) -> Bool {
        switch (self, expected) {
        case (.number(let n), .scalar(let text)): return ExactNumber(decimal: text.replacingOccurrences(of: ",", with: "")) == n
        case (.text(let t), .scalar(let text)): return t == text
        case (.bool(let b), .scalar(let text)): return text == (b ? "true" : "false")
        case (.none, .scalar(let text)): return ["null", "~", ""].contains(text)
        case (.list(let items), .list(let expected)):
            return items.count == expected.count && zip(items, expected).allSatisfy { $0.matches($1) }
        case (.map(let entries), .map(let expected)):
            return expected.allSatisfy { key, value in entries[key]?.matches(value) ?? false }
        case (.map(let entries), .list(let names)):
            // A list of names against a mapping: exactly these keys.
            return Set(entries.keys) == Set(names.compactMap { if case .scalar(let name) = $0 { return name } else { return nil } })
                && names.count == entries.count
        default: return false
        }
    }
}

/// A value as a test file writes it.
public indirect enum Expected: Equatable, Sendable, CustomStringConvertible {
    case scalar(String)
    case list([Expected])
    case map([(String, Expected)])

    public static func == (a: Expected, b: Expected) -> Bool { a.description == b.description }

    public var description: String {
        switch self {
        case .scalar(let text): return text
        case .list(let items): return "[" + items.map(\.description).joined(separator: ", ") + "]"
        case .map(let entries): return "{" + entries.map { "\($0.0): \($0.1)" }.joined(separator: ", ") + "}"
        }
    }
}

/// The keys a test may check.
enum Observation {
    /// Keys of an event's outcome (the state named is the member's just after it).
    static let eventKeys = ["points", "rejected", "redeemed", "clawed_back", "unrecovered", "deducted", "forfeited", "tier", "status",
                            "warning", "notes", "benefit", "fee", "entitlements"]
    /// Keys whose value is a number of points or an amount of money, written as a plain number.
    static let numberKeys: Set<String> = ["points", "redeemed", "clawed_back", "unrecovered", "deducted", "forfeited", "fee",
                                          "balance", "earned", "expired", "fees"]
    /// Keys of a member's state at the end.
    static let memberKeys = ["tier", "status", "balance", "earned", "redeemed", "expired", "clawed_back", "deducted", "forfeited",
                             "unrecovered", "fees", "next_review", "frozen_until", "expiry_notices", "expired_lots", "entitlements"]

    static func money(_ amount: ExactNumber) -> Observed {
        .number(amount.multiplied(by: ExactNumber(100))!.rounded(.halfEven).divided(by: ExactNumber(100))!)
    }

    static func entitlements(_ list: [(benefit: String, value: Value?)]) -> Observed {
        .map(Dictionary(list.map { entry -> (String, Observed) in
            switch entry.value {
            case .percent(let p)?: return (entry.benefit, .text("\(p)%"))
            case let value?: return (entry.benefit, .text(value.description))
            case nil: return (entry.benefit, .bool(true))
            }
        }, uniquingKeysWith: { a, _ in a }))
    }

    /// An event's outcome and the member just after it.
    static func event(_ outcome: Outcome, member: MemberState, policy: CompiledPolicy) -> [String: Observed] {
        var result: [String: Observed] = [
            "points": .number(outcome.pointsEarned),
            "rejected": outcome.rejection.map { .text($0.code) } ?? .none,
            "redeemed": .number(outcome.redeemed), "clawed_back": .number(outcome.clawedBack), "unrecovered": .number(outcome.unrecovered),
            "deducted": .number(outcome.deducted), "forfeited": .number(outcome.forfeited),
            "tier": policy.tierNames.isEmpty ? .none : .text(policy.tierNames[member.tier]), "status": .text(member.status.name),
            "notes": .list(outcome.notes.filter { $0.code != "warning" }.map { .text($0.code) }),
            "warning": .bool(outcome.notes.contains { $0.code == "warning" }),
            "benefit": outcome.benefitUses.first.map { .text($0.granted ? "granted" : $0.reason ?? "denied") } ?? .none,
            "fee": outcome.fees.first.map { money($0.amount) } ?? .none,
            "entitlements": entitlements(outcome.entitlements),
        ]
        if outcome.fees.count > 1 { result["fee"] = money(outcome.fees.reduce(.zero) { $0.adding($1.amount) ?? $0 }) }
        return result
    }

    /// A member's state as of a day, with the scheduled effects that led there.
    static func member(_ member: MemberState, scheduled: [Outcome], policy: CompiledPolicy, asOf: CivilDate) -> [String: Observed] {
        var frozenUntil = Observed.none
        if case .frozen(let until) = member.status { frozenUntil = .text(until.description) }
        return [
            "tier": policy.tierNames.isEmpty ? .none : .text(policy.tierNames[member.tier]), "status": .text(member.status.name),
            "balance": .number(member.balance), "earned": .number(member.totals.earned), "redeemed": .number(member.totals.redeemed),
            "expired": .number(member.totals.expired), "clawed_back": .number(member.totals.clawedBack),
            "deducted": .number(member.totals.deducted), "forfeited": .number(member.totals.forfeited),
            "unrecovered": .number(member.totals.unrecovered), "fees": money(member.totals.fees),
            "next_review": member.nextReview.map { .text($0.description) } ?? .none,
            "frozen_until": frozenUntil,
            "expiry_notices": .list(member.notices.map { .text($0.description) }),
            "expired_lots": .list(scheduled.flatMap { outcome in
                outcome.expired.map {
                    Observed.map(["earned_on": .text($0.earnedOn.description), "expired_on": .text(outcome.date.description), "points": .number($0.points)])
                }
            }),
            "entitlements": entitlements(policy.entitlements(of: member, on: asOf)),
        ]
    }
}
