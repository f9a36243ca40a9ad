/// A policy that checked clean (or with warnings only): its syntax tree plus the symbol tables
/// the engine compiles from. Every name in it resolves, every unit agrees.
public struct CheckedPolicy: Sendable {
    public let syntax: Policy
    public let name: String?
    public let version: String?
    /// The ISO 4217 code money is in (`CNY` when the policy declares none).
    public let currency: String
    /// The IANA time zone dates are taken in (`Asia/Shanghai` when the policy declares none).
    public let timeZone: String
    public let parameters: [Parameter]
    public let eventTypes: [EventType]
    public let tiers: TierLadder?
    public let measures: [Measure]
    public let rules: [RuleDecl]
    public let penalties: [PenaltyDecl]
    public let benefits: [BenefitDecl]
    public let expiry: ExpiryDecl?
    /// The type of each expression the checker checked, by its span: the unit a `sum(...)` adds
    /// up (an empty sum is zero of it), and the units the compiler computes quantities in.
    public let expressionTypes: [SourceSpan: PerkType]
    /// Parameters set to other values than the file gives (a deployment's settings).
    public internal(set) var parameterOverrides: [ParameterOverride] = []

    public func eventType(named name: String) -> EventType? { eventTypes.first { $0.name == name } }
    public func parameter(named name: String) -> Parameter? { parameters.first { $0.name == name } }
}

/// A named parameter: its type (from its value, or declared) and default value.
public struct Parameter: Sendable, Equatable {
    public let name: String
    public let type: PerkType
    public let value: Expr
    public let span: SourceSpan
}

/// A declared event type and its typed fields, in declaration order.
public struct EventType: Sendable, Equatable {
    public let name: String
    public let fields: [(name: String, type: PerkType)]
    public let span: SourceSpan

    public func field(_ name: String) -> PerkType? { fields.first { $0.name == name }?.type }

    public static func == (a: EventType, b: EventType) -> Bool {
        a.name == b.name && a.fields.map(\.name) == b.fields.map(\.name) && a.fields.map(\.type) == b.fields.map(\.type)
    }
}

/// The ordered tiers, lowest first, and how members qualify for them.
public struct TierLadder: Sendable, Equatable {
    public struct Level: Sendable, Equatable {
        public let name: String
        /// Position in the ladder: 0 is the lowest tier, where members start.
        public let rank: Int
        public let threshold: Expr?
        public let attributes: [String: Expr]
    }

    public let measure: Expr
    /// The type the measure and the thresholds share (money, points or number).
    public let measureType: PerkType
    public let levels: [Level]
    public let attributeTypes: [String: PerkType]
    public let hold: Expr?

    public func level(named name: String) -> Level? { levels.first { $0.name == name } }
}

/// A named aggregate over the member's history.
public struct Measure: Sendable, Equatable {
    public let name: String
    public let type: PerkType
    public let value: Expr
}

/// What the language knows about a member, by the name a policy reads it with.
public enum MemberProperty: String, CaseIterable, Sendable {
    case tier
    case balance
    case frozen
    case cancelled
    case active
    case birthdayMonth = "birthday_month"
    case today

    public var type: PerkType {
        switch self {
        case .tier: return .tier
        case .balance: return .points
        case .frozen, .cancelled, .active, .birthdayMonth: return .bool
        case .today: return .date
        }
    }
}

/// What every recorded event carries besides its declared fields.
public enum EventProperty: String, CaseIterable, Sendable {
    /// The points the event earned (after caps).
    case earned
    /// How much of the event's amount has been refunded so far.
    case refunded
    /// The event's date.
    case date

    public var type: PerkType {
        switch self {
        case .earned: return .points
        case .refunded: return .money
        case .date: return .date
        }
    }
}

/// Built-in functions: name, and how many arguments they take.
public enum BuiltinFunction: String, CaseIterable, Sendable {
    /// `weekday(d)` is the English name of the day, `"Monday"` to `"Sunday"`; `day(d)` the day of
    /// the month.
    case floor, ceil, round, abs, min, max, day, month, year, weekday

    public var arity: ClosedRange<Int> {
        switch self {
        case .min, .max: return 2...16
        default: return 1...1
        }
    }
}
