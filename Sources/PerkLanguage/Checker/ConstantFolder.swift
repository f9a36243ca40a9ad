/// A value known before any member exists: literals, parameters and what they compute.
public enum Constant: Equatable, Sendable {
    case quantity(ExactNumber, PerkType)
    case bool(Bool)
    case text(String)
    case tier(rank: Int)
    case list([Constant])
}

/// Folds expressions over literals, parameters and tier names to constants. The checker uses it
/// to order tier thresholds and to find conditions that can never hold.
struct ConstantFolder {
    /// Parameter values by name.
    let parameters: [String: Expr]
    /// Tier ranks by name, lowest 0.
    let tierRanks: [String: Int]

    func fold(_ expr: Expr, visiting: Set<String> = []) -> Constant? {
        switch expr.kind {
        case .literal(let literal):
            return Self.quantity(literal)
        case .string(let value):
            return .text(value)
        case .bool(let value):
            return .bool(value)
        case .parenthesized(let inner):
            return fold(inner, visiting: visiting)
        case .name(let name):
            if let rank = tierRanks[name] { return .tier(rank: rank) }
            guard let value = parameters[name], !visiting.contains(name) else { return nil }
            return fold(value, visiting: visiting.union([name]))
        case .list(let items):
            let folded = items.compactMap { fold($0, visiting: visiting) }
            return folded.count == items.count ? .list(folded) : nil
        case .unary(.not, let operand):
            guard case .bool(let value)? = fold(operand, visiting: visiting) else { return nil }
            return .bool(!value)
        case .unary(.negate, let operand):
            guard case .quantity(let value, let type)? = fold(operand, visiting: visiting) else { return nil }
            return .quantity(value.negated, type)
        case .conditional(let condition, let then, let otherwise):
            guard case .bool(let value)? = fold(condition, visiting: visiting) else { return nil }
            return fold(value ? then : otherwise, visiting: visiting)
        case .membership(let item, let list, let negated):
            guard let item = fold(item, visiting: visiting), case .list(let items)? = fold(list, visiting: visiting) else { return nil }
            return .bool(items.contains(item) != negated)
        case .binary(let op, let left, let right):
            return foldBinary(op, left, right, visiting: visiting)
        default:
            return nil
        }
    }

    private func foldBinary(_ op: BinaryOperator, _ left: Expr, _ right: Expr, visiting: Set<String>) -> Constant? {
        if op == .and || op == .or {
            let a = fold(left, visiting: visiting), b = fold(right, visiting: visiting)
            if op == .and, a == .bool(false) || b == .bool(false) { return .bool(false) }
            if op == .or, a == .bool(true) || b == .bool(true) { return .bool(true) }
            guard case .bool(let x)? = a, case .bool(let y)? = b else { return nil }
            return .bool(op == .and ? x && y : x || y)
        }
        guard let a = fold(left, visiting: visiting), let b = fold(right, visiting: visiting) else { return nil }
        if op.isComparison {
            guard let order = Self.compare(a, b) else { return nil }
            switch op {
            case .equal: return .bool(order == .same)
            case .notEqual: return .bool(order != .same)
            case .less: return .bool(order == .less)
            case .lessEqual: return .bool(order != .greater)
            case .greater: return .bool(order == .greater)
            default: return .bool(order != .less)
            }
        }
        guard case .quantity(let x, let xType) = a, case .quantity(let y, let yType) = b,
              let type = PerkType.arithmetic(op, xType, yType) else { return nil }
        let value: ExactNumber?
        switch op {
        case .plus: value = x.adding(y)
        case .minus: value = x.subtracting(y)
        case .times:
            // A percentage counts hundredths: 50% × 800 CNY is 400 CNY.
            var product = x.multiplied(by: y)
            let hundred = ExactNumber(100)
            if xType == .percent { product = product?.divided(by: hundred) }
            if yType == .percent { product = product?.divided(by: hundred) }
            if type == .percent { product = product?.multiplied(by: hundred) }
            value = product
        case .divide: value = x.divided(by: y)
        default: value = nil
        }
        return value.map { .quantity($0, type) }
    }

    /// Orders two constants of the same kind; nil when they are not comparable.
    enum Order { case less, same, greater }

    static func compare(_ a: Constant, _ b: Constant) -> Order? {
        switch (a, b) {
        case (.quantity(let x, let xType), .quantity(let y, let yType)) where xType == yType:
            return x == y ? .same : x < y ? .less : .greater
        case (.tier(let x), .tier(let y)):
            return x == y ? .same : x < y ? .less : .greater
        case (.text(let x), .text(let y)):
            return x == y ? .same : nil
        case (.bool(let x), .bool(let y)):
            return x == y ? .same : nil
        default:
            return nil
        }
    }

    /// A literal's exact value with its unit; a percentage as written (`5%` is 5).
    static func quantity(_ literal: Literal) -> Constant? {
        guard let value = ExactNumber(decimal: literal.digits) else { return nil }
        switch literal.unit {
        case .none: return .quantity(value, .number)
        case .percent: return .quantity(value, .percent)
        case .money: return .quantity(value, .money)
        case .points: return .quantity(value, .points)
        case .duration: return nil  // months and days do not compare
        }
    }
}
