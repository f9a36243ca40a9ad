/// The type of a Perk value. Units are types: money, points, percentages and durations never mix
/// except where the arithmetic below allows it.
public indirect enum PerkType: Hashable, Sendable, CustomStringConvertible {
    case number
    case money
    case points
    case percent
    case duration
    case date
    case text
    case bool
    case tier
    /// `1 point per 10 CNY` is a rate of points per money.
    case rate(PerkType, per: PerkType)
    case list(PerkType)
    /// A reference to an earlier event of the named type (`original: purchase`).
    case event(String)
    /// The type of something already reported as wrong; it matches anything, so one mistake is
    /// reported once.
    case invalid

    public var description: String {
        switch self {
        case .number: return "number"
        case .money: return "money"
        case .points: return "points"
        case .percent: return "percentage"
        case .duration: return "duration"
        case .date: return "date"
        case .text: return "text"
        case .bool: return "true/false"
        case .tier: return "tier"
        case .rate(let a, let b): return "rate (\(a) per \(b))"
        case .list(let element): return element == .invalid ? "list" : "list of \(element)"
        case .event(let name): return "`\(name)` event"
        case .invalid: return "unknown"
        }
    }

    /// The built-in types a field or parameter may declare, by the name written.
    public static let builtinNames: [String: PerkType] = [
        "number": .number, "money": .money, "points": .points, "percent": .percent, "duration": .duration,
        "date": .date, "text": .text, "bool": .bool, "tier": .tier,
    ]

    /// Whether values of this type have an order (`<`, `between`, `min`).
    public var isOrdered: Bool {
        switch self {
        case .number, .money, .points, .percent, .duration, .date, .tier, .rate, .invalid: return true
        default: return false
        }
    }

    /// Quantities that add, subtract and scale.
    public var isQuantity: Bool {
        switch self {
        case .number, .money, .points, .percent, .duration, .invalid: return true
        default: return false
        }
    }

    /// Whether a value of type `other` may stand where this type is expected.
    public func accepts(_ other: PerkType) -> Bool {
        if self == .invalid || other == .invalid { return true }
        if case .list(let a) = self, case .list(let b) = other { return a.accepts(b) }
        return self == other
    }

    /// The type of `left op right` for an arithmetic operator, or nil when the units do not mix.
    public static func arithmetic(_ op: BinaryOperator, _ left: PerkType, _ right: PerkType) -> PerkType? {
        if left == .invalid || right == .invalid { return .invalid }
        switch op {
        case .plus, .minus:
            if left == right, left.isQuantity { return left }
            if left == .date, right == .duration { return .date }
            if op == .plus, left == .duration, right == .date { return .date }
            return nil
        case .times:
            return product(left, right) ?? product(right, left)
        case .divide:
            if right == .number, left.isQuantity { return left }
            // 50 CNY ÷ (10 CNY per 100 points) = 500 points
            if case .rate(let numerator, let denominator) = right, left == numerator { return denominator }
            // 500 CNY ÷ 100 points is a rate of money per points.
            if [.money, .points].contains(left), [.money, .points].contains(right), left != right { return .rate(left, per: right) }
            if left == right, left.isQuantity { return .number }
            if left == .percent, right == .percent { return .number }
            return nil
        case .mod:
            if left == right, [.number, .money, .points].contains(left) { return left }
            return nil
        default:
            return nil
        }
    }

    private static func product(_ a: PerkType, _ b: PerkType) -> PerkType? {
        switch (a, b) {
        case (.number, let other) where other.isQuantity: return other
        case (.percent, .money): return .money
        case (.percent, .points): return .points
        case (.percent, .percent): return .percent
        case (.rate(let numerator, let denominator), let other) where other == denominator: return numerator
        case (.rate(let numerator, let denominator), .number): return .rate(numerator, per: denominator)
        default: return nil
        }
    }
}
