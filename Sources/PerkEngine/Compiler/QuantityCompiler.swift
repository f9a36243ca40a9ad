import PerkLanguage

/// A compiled expression whose value is a quantity of a unit known when the policy is compiled
/// (the checker's type): only the amount is computed when it runs. Arithmetic on amounts skips
/// wrapping every intermediate result of an expression such as
/// `min(earn_cap, floor(base * tier.multiplier * bonus))` in a `Value`, matching the units of
/// both operands at every operator, and unwrapping it again.
typealias EvaluateAmount = @Sendable (inout Frame) throws -> ExactNumber

/// An `EvaluateAmount` where there may be none, held in a struct for the reason
/// `CompiledExpression` is.
struct CompiledAmount: Sendable {
    let evaluate: EvaluateAmount

    init(_ evaluate: @escaping EvaluateAmount) { self.evaluate = evaluate }
}

extension ExpressionCompiler {
    /// The checker's type of `expr` when it is a quantity (number, money, points, percent, rate).
    func quantityType(of expr: Expr) -> PerkType? {
        guard let type = policy.expressionTypes[expr.span], Value.quantity(type, .zero) != nil else { return nil }
        return type
    }

    /// `expr`, a quantity whose arithmetic is worth computing on amounts (an operator, a rounding,
    /// `min`/`max`, a negation, `if … then … else`, an aggregate), compiled to a closure that gives
    /// its value; nil for other expressions.
    func compileQuantity(_ expr: Expr, in scope: Scope) throws -> CompiledExpression? {
        guard scope.typesKnown, let type = quantityType(of: expr), let amount = try arithmeticAmount(expr, in: scope)?.evaluate else { return nil }
        return CompiledExpression { frame in Value.quantity(type, try amount(&frame))! }
    }

    /// The amount of quantity expression `expr`: computed on amounts where it is arithmetic, read
    /// as an amount where it names one (a `let`, a measure, an event's field), and otherwise taken
    /// from its value, computed as usual (a tier's attribute, a recorded property).
    func compileAmount(_ expr: Expr, in scope: Scope) throws -> EvaluateAmount {
        if let amount = try constantAmount(expr, in: scope) { return { _ in amount } }
        if let amount = try arithmeticAmount(expr, in: scope) { return amount.evaluate }
        let value = try compile(expr, in: scope)
        @Sendable func amountOfValue(_ frame: inout Frame) throws -> ExactNumber {
            let result = try value(&frame)
            guard let amount = result.amount else { throw EvaluationError("\(result) is not a quantity") }
            return amount
        }
        guard case .name(let name) = expr.kind else {
            // An expression of the member's standing (`tier.multiplier`) is a table of amounts:
            // read from the table of values `compile` makes, each use copied a value to unwrap it.
            if let values = standingTable(expr, value, in: scope), case let amounts = values.compactMap(\.amount), amounts.count == values.count {
                return { frame in
                    let standing = frame.standing
                    return standing < amounts.count ? amounts[standing] : try amountOfValue(&frame)
                }
            }
            return amountOfValue
        }
        // A `let` quantity is read from its amount's slot, a measure as an amount, a field of the
        // event applied or aggregated in place; anything else (a recorded property, a missing
        // field) as a value.
        switch resolve(name, in: scope) {
        case .local(let local)? where local.unit != nil:
            let slot = local.slot
            return { frame in
                guard slot < frame.amounts.count else { throw EvaluationError("`\(name)` is used before it is set") }
                return frame.amounts[slot]
            }
        case .measure(let measure)?:
            // Not `??`: a closure through a generic operator comes back wrapped in conversion
            // thunks, paid on every call.
            if let amount = measure.amount { return amount.evaluate }
            return amountOfValue
        case .ruleEvent(let position)?:
            return { frame in try frame.eventAmount(name, usuallyAt: position) ?? amountOfValue(&frame) }
        case .aggregatedEvent(nil)? where EventProperty(rawValue: name) == .refunded || EventProperty(rawValue: name) == .earned:
            // A recorded amount (`refunded`, `earned`), not a field of the type: read where the
            // history keeps it (looked for among the fields first, then read as a value, it took
            // about 200 instructions for every purchase a window summed).
            let earned = EventProperty(rawValue: name) == .earned
            return { frame in
                guard let (type, index) = frame.aggregated else { return try amountOfValue(&frame) }
                return earned ? frame.member.histories[type][index].earned : frame.member.histories[type][index].refunded
            }
        case .aggregatedEvent(let position)?:
            return { frame in
                if let (type, index) = frame.aggregated,
                   let field = frame.member.histories[type][index].fields.amount(of: name, usuallyAt: position) { return field }
                return try amountOfValue(&frame)
            }
        default:
            return amountOfValue
        }
    }

    /// The amount of `expr` when it is a constant (`diamond_spend`, `1.5`, `earn_rate * 2`),
    /// computed once, here; nil for any other expression, and for a constant that cannot be
    /// computed (it fails when it runs, as any expression does).
    func constantAmount(_ expr: Expr, in scope: Scope) throws -> ExactNumber? {
        guard readsOnlyConstants(expr, in: scope) else { return nil }
        var detached = Frame.detached
        return (try? compile(expr, in: scope)(&detached))?.amount
    }

    /// `floor(x * y)` (or `ceil`) when `expr` is a product without a percentage: one quotient of
    /// the operands' products, never put in lowest terms (`floor(amount * earn_rate)` took two
    /// greatest common divisors to reduce a product only its integer part is wanted of). Nil
    /// for any other argument.
    private func roundedProduct(_ expr: Expr, up: Bool, in scope: Scope) throws -> CompiledAmount? {
        let product = expr.unparenthesized
        guard case .binary(.times, let left, let right) = product.kind, let leftType = quantityType(of: left),
              let rightType = quantityType(of: right), let type = quantityType(of: product),
              leftType != .percent, rightType != .percent, type != .percent else { return nil }
        let x = try compileAmount(left, in: scope)
        if let k = try constantAmount(right, in: scope) {
            return up ? CompiledAmount { frame in try exact(try x(&frame).ceilOfProduct(with: k)) }
                : CompiledAmount { frame in try exact(try x(&frame).floorOfProduct(with: k)) }
        }
        let y = try compileAmount(right, in: scope)
        return up ? CompiledAmount { frame in try exact(try x(&frame).ceilOfProduct(with: try y(&frame))) }
            : CompiledAmount { frame in try exact(try x(&frame).floorOfProduct(with: try y(&frame))) }
    }

    /// The amount of `expr` computed on amounts when it is arithmetic on quantities (an operator,
    /// a rounding, `min`/`max`, a negation, `if … then … else`, in parentheses or not) or an
    /// aggregate; nil otherwise.
    private func arithmeticAmount(_ expr: Expr, in scope: Scope) throws -> CompiledAmount? {
        switch expr.kind {
        case .parenthesized(let inner):
            return try arithmeticAmount(inner, in: scope)
        case .binary(let op, let left, let right) where op.isArithmetic:
            guard let leftType = quantityType(of: left), let rightType = quantityType(of: right), let type = quantityType(of: expr) else { break }
            let x = try compileAmount(left, in: scope), y = try compileAmount(right, in: scope)
            let percents = (left: leftType == .percent, right: rightType == .percent, result: type == .percent)
            // Sums and products without a percentage (`amount * earn_rate`, `base * multiplier`)
            // computed straight away, by a constant read where it was captured: through the
            // operator's general function each took twice the instructions.
            if !percents.left, !percents.right, !percents.result {
                switch op {
                case .times:
                    if let k = try constantAmount(right, in: scope) { return CompiledAmount { frame in try exact(try x(&frame).multiplied(by: k)) } }
                    return CompiledAmount { frame in try exact(try x(&frame).multiplied(by: try y(&frame))) }
                case .plus: return CompiledAmount { frame in try exact(try x(&frame).adding(try y(&frame))) }
                case .minus: return CompiledAmount { frame in try exact(try x(&frame).subtracting(try y(&frame))) }
                default: break
                }
            }
            return CompiledAmount { frame in try Value.amount(op, try x(&frame), try y(&frame), percents: percents) }
        case .call(let callee, let arguments):
            guard let function = BuiltinFunction(rawValue: callee.name), arguments.allSatisfy({ quantityType(of: $0) != nil }) else { break }
            switch function {
            case .floor, .ceil, .round, .abs:
                if function == .floor || function == .ceil, let product = try roundedProduct(arguments[0], up: function == .ceil, in: scope) {
                    return product
                }
                let argument = try compileAmount(arguments[0], in: scope)
                switch function {
                case .floor: return CompiledAmount { frame in try argument(&frame).floor }
                case .ceil: return CompiledAmount { frame in try argument(&frame).ceil }
                case .round: return CompiledAmount { frame in try argument(&frame).rounded(.halfEven) }
                default: return CompiledAmount { frame in let x = try argument(&frame); return x.isNegative ? x.negated : x }
                }
            case .min, .max:
                // Left to right, the first of equals kept, as for values.
                var best = try compileAmount(arguments[0], in: scope)
                for argument in arguments.dropFirst() {
                    let soFar = best, next = try compileAmount(argument, in: scope)
                    let isMin = function == .min
                    best = { frame in
                        let current = try soFar(&frame), value = try next(&frame)
                        return (isMin ? value < current : value > current) ? value : current
                    }
                }
                return CompiledAmount(best)
            default:
                break
            }
        case .count(let event, let filter, let window):
            return CompiledAmount(try compileAggregate(nil, event.name, filter, window, in: scope))
        case .sum(let value, let event, let filter, let window):
            return CompiledAmount(try compileAggregate(value, event.name, filter, window, in: scope))
        case .conditional(let condition, let then, let otherwise):
            // `if spend >= gold_spend then 1.5 else 1`: both branches of the expression's unit.
            guard let type = quantityType(of: expr), quantityType(of: then) == type, quantityType(of: otherwise) == type else { break }
            if let ladder = try constantLadder(expr, in: scope) { return ladder }
            let test = try compileCondition(condition, in: scope), yes = try compileAmount(then, in: scope), no = try compileAmount(otherwise, in: scope)
            // A constant branch (`then 1.5`) is read where it was captured.
            if let k = try constantAmount(then, in: scope) { return CompiledAmount { frame in try test(&frame) ? k : try no(&frame) } }
            return CompiledAmount { frame in try test(&frame) ? try yes(&frame) : try no(&frame) }
        case .unary(.negate, let operand) where quantityType(of: operand) != nil:
            let inner = try compileAmount(operand, in: scope)
            return CompiledAmount { frame in try inner(&frame).negated }
        default:
            break
        }
        return nil
    }
}

extension ExpressionCompiler {
    /// `if x >= a then p else if x >= b then q … else r` — one quantity compared with constants,
    /// each test's branch a constant, as a tier ladder is written — compiled to one closure that
    /// computes `x` once and tries the constants in order. (Level by level, each test and each
    /// branch was a closure of its own, and `x` was read again at every level: 370 instructions
    /// of a W2 event for a three-level ladder.) Nil when `expr` does not start such a ladder.
    fileprivate func constantLadder(_ expr: Expr, in scope: Scope) throws -> CompiledAmount? {
        var steps: [(op: BinaryOperator, bound: ExactNumber, result: ExactNumber)] = []
        var operand: (text: String, expr: Expr)?
        var rest = expr
        while case .conditional(let condition, let then, let otherwise) = rest.unparenthesized.kind,
              case .binary(let op, let left, let right) = condition.unparenthesized.kind, op.isComparison,
              let type = quantityType(of: left), quantityType(of: right) == type,
              operand == nil || operand?.text == Formatter.expression(left),
              let bound = try constantAmount(right, in: scope), let result = try constantAmount(then, in: scope) {
            operand = operand ?? (Formatter.expression(left), left)
            steps.append((op, bound, result))
            rest = otherwise
        }
        guard let operand, !steps.isEmpty else { return nil }
        let x = try compileAmount(operand.expr, in: scope), otherwise = try compileAmount(rest, in: scope)
        return CompiledAmount { [steps] frame in
            let value = try x(&frame)
            for step in steps where step.op.compares(value, step.bound) { return step.result }
            return try otherwise(&frame)
        }
    }
}

extension Expr {
    /// The expression inside any parentheses.
    var unparenthesized: Expr {
        var expr = self
        while case .parenthesized(let inner) = expr.kind { expr = inner }
        return expr
    }
}

extension BinaryOperator {
    var isArithmetic: Bool { [.plus, .minus, .times, .divide, .mod].contains(self) }

    /// `x op y` for a comparison operator.
    @inline(__always)
    func compares(_ x: ExactNumber, _ y: ExactNumber) -> Bool {
        switch self {
        case .equal: x == y
        case .notEqual: x != y
        case .less: x < y
        case .lessEqual: x <= y
        case .greater: x > y
        default: x >= y
        }
    }
}

/// An arithmetic result, or the evaluation error of one too large to compute exactly.
@Sendable private func exact(_ result: ExactNumber?) throws -> ExactNumber {
    guard let result else { throw EvaluationError("a number too large to compute exactly") }
    return result
}
