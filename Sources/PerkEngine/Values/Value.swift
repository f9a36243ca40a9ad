import PerkLanguage

/// A value while a policy runs. Units are kept, as in the checker: the checker has already
/// proved that every operation below receives the units it expects.
public enum Value: Hashable, Sendable, CustomStringConvertible {
    case number(ExactNumber)
    case money(ExactNumber)
    case points(ExactNumber)
    /// As written: 5% is 5.
    case percent(ExactNumber)
    case duration(months: Int, days: Int)
    case date(CivilDate)
    case text(String)
    case bool(Bool)
    /// A tier by rank, 0 the lowest.
    case tier(Int)
    /// A conversion factor: units of the numerator per unit of the denominator.
    case rate(ExactNumber)
    case list([Value])
    /// An event in the member's history, by its id.
    case event(String)

    public var description: String {
        switch self {
        case .number(let n): return n.description
        case .money(let n): return n.description + " CNY"
        case .points(let n): return n.description + " points"
        case .percent(let n): return n.description + "%"
        case .duration(let months, let days): return months != 0 ? "\(months) months" + (days != 0 ? " \(days) days" : "") : "\(days) days"
        case .date(let d): return d.description
        case .text(let t): return "\"\(t)\""
        case .bool(let b): return b ? "true" : "false"
        case .tier(let rank): return "tier #\(rank)"
        case .rate(let r): return "rate \(r)"
        case .list(let items): return "[" + items.map(\.description).joined(separator: ", ") + "]"
        case .event(let id): return "event \(id)"
        }
    }

    /// The exact amount of a quantity, whatever its unit.
    var amount: ExactNumber? {
        switch self {
        case .number(let n), .money(let n), .points(let n), .percent(let n), .rate(let n): return n
        default: return nil
        }
    }

    /// The same unit with another amount.
    func with(_ amount: ExactNumber) -> Value {
        switch self {
        case .money: return .money(amount)
        case .points: return .points(amount)
        case .percent: return .percent(amount)
        case .rate: return .rate(amount)
        default: return .number(amount)
        }
    }

    var isTrue: Bool { if case .bool(true) = self { return true } else { return false } }
}

/// Why evaluation stopped: arithmetic the checker cannot rule out (overflow, a variable divisor
/// of zero) or an effect the member's state cannot carry out.
public struct EvaluationError: Error, Hashable, Sendable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

extension Value {
    /// `a op b` for the arithmetic operators, with the units the checker allowed.
    static func arithmetic(_ op: BinaryOperator, _ a: Value, _ b: Value) throws -> Value {
        // Quantities first, the usual case: matching the (op, a, b) tuple copies both values.
        guard let x = a.amount, let y = b.amount else {
            switch (op, a, b) {
            case (.plus, .date(let d), .duration(let months, let days)), (.plus, .duration(let months, let days), .date(let d)):
                return .date(try shift(d, months: months, days: days))
            case (.minus, .date(let d), .duration(let months, let days)):
                return .date(try shift(d, months: -months, days: -days))
            case (.plus, .duration(let m1, let d1), .duration(let m2, let d2)):
                return .duration(months: m1 + m2, days: d1 + d2)
            case (.minus, .duration(let m1, let d1), .duration(let m2, let d2)):
                return .duration(months: m1 - m2, days: d1 - d2)
            case (.times, .duration(let months, let days), _):
                if let k = b.amount, k.floor == k, let n = Int(exactly: k.numerator) { return .duration(months: months * n, days: days * n) }
            default:
                break
            }
            throw EvaluationError("cannot compute \(a) \(op.rawValue) \(b)")
        }
        // A value of the result's unit.
        let unit: Value
        switch op {
        case .plus, .minus, .mod:
            unit = a
        case .times:
            switch (a, b) {
            case (.percent, .percent): unit = a
            case (.number, _): unit = b
            case (_, .number): unit = a
            case (.percent, _): unit = b
            case (_, .percent): unit = a
            case (.money, .rate), (.rate, .money): unit = .points(.zero)
            case (.points, .rate), (.rate, .points): unit = .money(.zero)
            default: throw EvaluationError("cannot multiply \(a) by \(b)")
            }
        case .divide:
            switch (a, b) {
            case (_, .number): unit = a
            case (.money, .money), (.points, .points), (.percent, .percent): unit = .number(.zero)
            case (.money, .rate): unit = .points(.zero)
            case (.points, .rate): unit = .money(.zero)
            case (.money, .points), (.points, .money): unit = .rate(.zero)
            default: throw EvaluationError("cannot divide \(a) by \(b)")
            }
        default:
            throw EvaluationError("`\(op.rawValue)` is not arithmetic")
        }
        return unit.with(try amount(op, x, y, percents: (a.isPercent, b.isPercent, unit.isPercent)))
    }

    /// The amount of `x op y` for quantities whose units the checker allowed, given which of the
    /// operands and the result are percentages: in a product a percentage counts in hundredths,
    /// and a product that is a percentage is given in percent again (2 × 5% = 10%, 5% × 200 CNY =
    /// 10 CNY, 50% × 50% = 25%). Shared by values computed with their units and amounts computed
    /// with units known when the policy was compiled.
    static func amount(_ op: BinaryOperator, _ x: ExactNumber, _ y: ExactNumber,
                       percents: (left: Bool, right: Bool, result: Bool)) throws -> ExactNumber {
        func number(_ result: ExactNumber?) throws -> ExactNumber {
            guard let result else {
                throw EvaluationError(op == .divide || op == .mod ? "division by zero" : "a number too large to compute exactly")
            }
            return result
        }
        switch op {
        case .plus: return try number(x.adding(y))
        case .minus: return try number(x.subtracting(y))
        case .mod:
            guard !y.isZero else { throw EvaluationError("division by zero") }
            let quotient = try number(x.divided(by: y)).floor
            return try number(x.subtracting(try number(quotient.multiplied(by: y))))
        case .times:
            var product = try number(x.multiplied(by: y))
            let hundred = ExactNumber(100)
            if percents.left { product = try number(product.divided(by: hundred)) }
            if percents.right { product = try number(product.divided(by: hundred)) }
            if percents.result { product = try number(product.multiplied(by: hundred)) }
            return product
        case .divide:
            return try number(x.divided(by: y))
        default:
            throw EvaluationError("`\(op.rawValue)` is not arithmetic")
        }
    }

    private var isPercent: Bool { if case .percent = self { return true } else { return false } }

    /// A quantity of a type (number, money, points, percent, rate) with this amount; nil for other types.
    static func quantity(_ type: PerkType, _ amount: ExactNumber) -> Value? {
        switch type {
        case .number: return .number(amount)
        case .money: return .money(amount)
        case .points: return .points(amount)
        case .percent: return .percent(amount)
        case .rate: return .rate(amount)
        default: return nil
        }
    }

    static func shift(_ date: CivilDate, months: Int, days: Int) throws -> CivilDate {
        guard let moved = date.adding(months: months)?.adding(days: days) else {
            throw EvaluationError("a date outside the years 1 to 9999")
        }
        return moved
    }

    /// Orders two values of one unit.
    public static func compare(_ a: Value, _ b: Value) throws -> Int {
        // Quantities first, the usual case: matching the (a, b) tuple copies both values.
        if let x = a.amount, let y = b.amount { return x == y ? 0 : x < y ? -1 : 1 }
        switch (a, b) {
        case (.date(let x), .date(let y)): return x == y ? 0 : x < y ? -1 : 1
        case (.tier(let x), .tier(let y)): return x == y ? 0 : x < y ? -1 : 1
        case (.duration(let m1, let d1), .duration(let m2, let d2)):
            // Months and days have no exact common measure: compare only like with like.
            if (m1 == 0 && m2 == 0) || (d1 == 0 && d2 == 0) {
                let (x, y) = m1 == 0 && m2 == 0 ? (d1, d2) : (m1, m2)
                return x == y ? 0 : x < y ? -1 : 1
            }
            throw EvaluationError("cannot compare \(a) with \(b) exactly: months and days differ in length")
        default:
            guard let x = a.amount, let y = b.amount else { throw EvaluationError("cannot order \(a) and \(b)") }
            return x == y ? 0 : x < y ? -1 : 1
        }
    }
}
