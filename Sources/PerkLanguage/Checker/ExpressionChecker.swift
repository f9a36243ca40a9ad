import Foundation

/// What names mean where an expression is checked.
struct Scope {
    /// Set where only constants are allowed (a parameter's value, a threshold); says what it is.
    var constantContext: String?
    /// The event a rule or penalty is on: its fields are visible.
    var event: EventType?
    /// A rule `on any`: no fields are visible.
    var isAnyEvent = false
    /// A rule on an event type that is not declared (already reported): unknown names are not
    /// reported again, as they are probably its fields.
    var eventIsUnknown = false
    /// Inside `sum(...)`/`count(...)`: the aggregated event's fields come first.
    var aggregate: EventType?
    var locals: [String: (type: PerkType, span: SourceSpan)] = [:]
    /// The expression each `let` value is bound to (for the benefit names `use` can be given).
    var localValues: [String: Expr] = [:]
    var usedLocals: Set<String> = []
    /// Set while checking an operand of `==`, `!=` or `in`, or a list item: where an unknown name
    /// was probably meant as text (`category == deposit`).
    var mayMeanText = false

    static func constant(_ what: String) -> Scope { Scope(constantContext: what) }
    static func member() -> Scope { Scope() }
}

extension Checker {
    /// Checks that `expr` has type `expected`, reporting a mismatch in terms of `what`.
    mutating func expect(_ expected: PerkType, _ expr: Expr, in scope: inout Scope, _ what: String) {
        let actual = type(of: expr, in: &scope)
        if !expected.accepts(actual) {
            error(.typeMismatch, "\(what) must be \(Self.article(expected)), but this is \(Self.article(actual))", at: expr.span,
                  help: Self.conversionHelp(from: actual, to: expected) ?? Self.unitHelp(expected: expected))
        }
    }

    static func article(_ type: PerkType) -> String {
        switch type {
        case .money, .points, .text: return "\(type)"
        case .event: return "an \(type)"
        case .bool: return "a condition (true/false)"
        default: return "a \(type)"
        }
    }

    /// The type of `expr`, recorded by its span for the compiler (`CheckedPolicy.expressionTypes`).
    mutating func type(of expr: Expr, in scope: inout Scope) -> PerkType {
        let type = uncheckedType(of: expr, in: &scope)
        expressionTypes[expr.span] = type
        return type
    }

    private mutating func uncheckedType(of expr: Expr, in scope: inout Scope) -> PerkType {
        switch expr.kind {
        case .literal(let literal):
            return literalType(literal, span: expr.span)
        case .rate(let numerator, let denominator):
            let top = literalType(numerator, span: expr.span), bottom = literalType(denominator, span: expr.span)
            guard [.money, .points].contains(top), [.money, .points].contains(bottom), top != bottom else {
                error(.typeMismatch, "a rate converts between money and points, not \(top) per \(bottom)", at: expr.span,
                      help: "write `1 point per 10 CNY` or `10 CNY per 100 points`")
                return .invalid
            }
            if ExactNumber(decimal: denominator.digits)?.isZero == true {
                error(.typeMismatch, "division by zero: a rate per 0 \(bottom) means nothing", at: expr.span)
                return .invalid
            }
            return .rate(top, per: bottom)
        case .string:
            return .text
        case .date(let text):
            if CivilDate(iso: text) == nil {
                error(.invalidDate, "`\(text)` is not a date in the calendar", at: expr.span, help: "write YYYY-MM-DD with a real month and day")
            }
            return .date
        case .bool:
            return .bool
        case .name(let name):
            return resolveName(name, at: expr.span, in: &scope)
        case .member(let base, let field):
            return memberType(base: base, field: field, in: &scope)
        case .call(let callee, let arguments):
            return callType(callee, arguments, in: &scope)
        case .unary(.not, let operand):
            expect(.bool, operand, in: &scope, "the operand of `not`")
            return .bool
        case .unary(.negate, let operand):
            let type = type(of: operand, in: &scope)
            if !type.isQuantity {
                error(.typeMismatch, "cannot negate \(Self.article(type))", at: expr.span)
                return .invalid
            }
            return type
        case .binary(let op, let left, let right):
            return binaryType(op, left, right, span: expr.span, in: &scope)
        case .membership(let item, let list, _):
            let itemType = type(of: item, in: &scope)
            let listType = type(of: list, in: &scope)
            switch listType {
            case .list(let element) where element.accepts(itemType):
                break
            case .invalid:
                break
            case .list(let element):
                error(.typeMismatch, "cannot look for \(Self.article(itemType)) in a list of \(element)", at: expr.span)
            default:
                error(.typeMismatch, "`in` needs a list, but this is \(Self.article(listType))", at: list.span,
                      help: "write a list, as in `[\"deposit\", \"tax\"]`")
            }
            return .bool
        case .between(let value, let low, let high):
            let types = [value, low, high].map { type(of: $0, in: &scope) }
            if !(types[0].accepts(types[1]) && types[0].accepts(types[2]) && types[1].accepts(types[2])) {
                error(.typeMismatch, "`between` compares values of one type, but these are " + types.map(Self.article).joined(separator: ", "), at: expr.span)
            } else if !types[0].isOrdered {
                error(.typeMismatch, "\(Self.article(types[0])) has no order", at: expr.span)
            }
            return .bool
        case .conditional(let condition, let then, let otherwise):
            expect(.bool, condition, in: &scope, "the condition of `if`")
            let a = type(of: then, in: &scope), b = type(of: otherwise, in: &scope)
            if !a.accepts(b) {
                error(.typeMismatch, "the two branches of `if` must have one type, but one is \(Self.article(a)) and the other \(Self.article(b))",
                      at: expr.span, help: literalHelp(then, shouldBe: b) ?? literalHelp(otherwise, shouldBe: a) ?? Self.unitHelp(expected: a))
                return .invalid
            }
            return a == .invalid ? b : a
        case .list(let items):
            var element = PerkType.invalid
            let saved = scope.mayMeanText
            scope.mayMeanText = true
            defer { scope.mayMeanText = saved }
            for item in items {
                let type = type(of: item, in: &scope)
                if element == .invalid {
                    element = type
                } else if !element.accepts(type) {
                    error(.typeMismatch, "a list holds values of one type, but this is \(Self.article(type)) among \(element) values", at: item.span)
                }
            }
            return .list(element)
        case .count(let event, let filter, let window):
            aggregateType(nil, event: event, filter: filter, window: window, span: expr.span, in: &scope)
            return .number
        case .sum(let value, let event, let filter, let window):
            return aggregateType(value, event: event, filter: filter, window: window, span: expr.span, in: &scope)
        case .parenthesized(let inner):
            return type(of: inner, in: &scope)
        case .invalid:
            return .invalid
        }
    }

    mutating func literalType(_ literal: Literal, span: SourceSpan) -> PerkType {
        if ExactNumber(decimal: literal.digits) == nil {
            error(.numberTooLarge, "`\(literal.text)` has more digits than Perk computes exactly (36)", at: span,
                  help: "write a smaller number; amounts and points this large cannot be kept exactly")
        }
        switch literal.unit {
        case .none: return .number
        case .percent: return .percent
        case .points: return .points
        case .duration: return .duration
        case .money(let code):
            if !currencyDeclared, undeclaredCurrencyUse == nil { undeclaredCurrencyUse = span }
            let matches = code == currency || (code == "¥" && ["CNY", "JPY"].contains(currency)) || (code == "元" && currency == "CNY")
            if !matches, code != rejectedCurrency {
                let policyCurrency = currencyDeclared ? "the policy's currency is \(currency)" : "amounts are in \(currency) (no `currency` is declared)"
                error(.unitMismatch, "this amount is in \(code), but \(policyCurrency)", at: span,
                      help: "write amounts in \(currency), as in `10 \(currency)`")
            }
            return .money
        }
    }

    /// Resolves a bare name: `let` values, the aggregated event's fields, the rule's event's
    /// fields, the member, tiers, parameters, measures — in that order.
    mutating func resolveName(_ name: String, at span: SourceSpan, in scope: inout Scope) -> PerkType {
        if let local = scope.locals[name] {
            scope.usedLocals.insert(name)
            return local.type
        }
        if let aggregate = scope.aggregate {
            if let type = aggregate.field(name) { return type }
            if let property = EventProperty(rawValue: name) { return property.type }
        }
        if let event = scope.event {
            if let type = event.field(name) { return type }
            if name == EventProperty.date.rawValue { return .date }
        }
        if let member = MemberProperty(rawValue: name) {
            if let what = scope.constantContext {
                error(.notConstant, "\(what) must be a constant, but `\(name)` is the member's \(name == "today" ? "date" : "state")", at: span,
                      help: "use a literal or a parameter here")
                return .invalid
            }
            if member == .tier, tierRanks.isEmpty {
                if reportedNoTiers { return .invalid }
                reportedNoTiers = true
                error(.unknownName, "`tier` needs a list of tiers, and this policy declares none", at: span,
                      help: "declare them with `tiers by MEASURE { tier ... }`")
                return .invalid
            }
            return member.type
        }
        if tierRanks[name] != nil { return .tier }
        if let parameter = parameters[name] {
            used.insert(name)
            return parameter.type
        }
        if name == currentParameter {
            error(.unknownName, "the parameter `\(name)` cannot refer to itself", at: span,
                  help: "give it a value made of literals and the parameters above it")
            return .invalid
        }
        if let what = scope.constantContext, laterMeasures.contains(name) || measures[name] != nil {
            error(.notConstant, "\(what) must be a constant, but `\(name)` is a measure of the member's history", at: span,
                  help: "parameters, thresholds and attributes are constants; use measures in rules, tiers and benefits")
            used.insert(name)
            return .invalid
        }
        if laterParameters.contains(name) || laterMeasures.contains(name) {
            used.insert(name)
            error(.definedLater, "`\(name)` is defined further down", at: span,
                  help: "a parameter or measure can only use those defined above it: move this below `\(name)`")
            return .invalid
        }
        if let measure = measures[name] {
            used.insert(name)
            return measure.type
        }
        if !scope.eventIsUnknown { reportUnknownName(name, at: span, in: scope) }
        return .invalid
    }

    mutating func reportUnknownName(_ name: String, at span: SourceSpan, in scope: Scope) {
        var visible = Array(scope.locals.keys) + Array(tierRanks.keys) + Array(parameters.keys)
        if scope.constantContext == nil {
            visible += MemberProperty.allCases.map(\.rawValue) + Array(measures.keys)
            visible += scope.event?.fields.map(\.name) ?? []
            visible += scope.aggregate.map { $0.fields.map(\.name) + EventProperty.allCases.map(\.rawValue) } ?? []
        }
        let suggestion = Suggestions.closest(to: name, among: visible)
        // A suggested parameter or measure is probably meant to be used: don't also call it unused.
        if let suggestion { used.insert(suggestion) }
        var help = suggestion.map { "did you mean `\($0)`?" }
        if help == nil, let owner = eventOrder.first(where: { eventTypes[$0]?.field(name) != nil }) {
            if let what = scope.constantContext {
                help = "`\(name)` is a field of `\(owner)` events; \(what) cannot read event fields"
            } else if let event = scope.event ?? scope.aggregate {
                help = "`\(name)` is a field of `\(owner)` events, but this is about `\(event.name)` events"
            } else if scope.isAnyEvent {
                help = "`\(name)` is a field of `\(owner)` events; a rule `on any` sees no event fields"
            } else {
                help = "`\(name)` is a field of `\(owner)` events, and there is no event here"
            }
        }
        if help == nil, scope.mayMeanText { help = "if you meant the text, quote it: `\"\(name)\"`" }
        error(.unknownName, "unknown name `\(name)`", at: span, help: help)
    }

    mutating func memberType(base: Expr, field: Identifier, in scope: inout Scope) -> PerkType {
        let baseType = type(of: base, in: &scope)
        switch baseType {
        case .event(let eventName):
            guard let event = eventTypes[eventName] else { return .invalid }
            if let type = event.field(field.name) { return type }
            if let property = EventProperty(rawValue: field.name) { return property.type }
            let help = Suggestions.didYouMean(field.name, among: event.fields.map(\.name) + EventProperty.allCases.map(\.rawValue))
            error(.unknownField, "`\(eventName)` events have no field `\(field)`", at: field.span,
                  help: help ?? "its fields are " + (event.fields.map(\.name) + EventProperty.allCases.map(\.rawValue)).map { "`\($0)`" }.joined(separator: ", "))
            return .invalid
        case .tier:
            if let type = tierAttributeTypes[field.name] { return type }
            let help = Suggestions.didYouMean(field.name, among: tierAttributeTypes.keys)
            error(.unknownField, "tiers have no attribute `\(field)`", at: field.span,
                  help: help ?? (tierAttributeTypes.isEmpty ? "set it on every tier: `tier Gold { \(field): ... }`"
                                 : "the attributes are " + tierAttributeTypes.keys.sorted().map { "`\($0)`" }.joined(separator: ", ")))
            return .invalid
        case .invalid:
            return .invalid
        default:
            error(.unknownField, "\(Self.article(baseType)) has no fields, so `.\(field)` means nothing", at: field.span)
            return .invalid
        }
    }

    mutating func callType(_ callee: Identifier, _ arguments: [Expr], in scope: inout Scope) -> PerkType {
        let types = arguments.map { type(of: $0, in: &scope) }
        guard let function = BuiltinFunction(rawValue: callee.name) else {
            let help = Suggestions.didYouMean(callee.name, among: BuiltinFunction.allCases.map(\.rawValue) + ["count", "sum"])
            error(.unknownFunction, "unknown function `\(callee)`", at: callee.span,
                  help: help ?? "the functions are " + BuiltinFunction.allCases.map { "`\($0.rawValue)`" }.joined(separator: ", ") + ", `count` and `sum`")
            return .invalid
        }
        guard function.arity.contains(arguments.count) else {
            let expected = function.arity.count == 1 ? "one argument" : "at least two arguments"
            error(.wrongArgumentCount, "`\(callee)` takes \(expected), but is given \(arguments.count)", at: callee.span)
            return .invalid
        }
        switch function {
        case .floor, .ceil, .round, .abs:
            guard [.number, .money, .points, .percent, .invalid].contains(types[0]) else {
                error(.typeMismatch, "`\(callee)` rounds a number, money or points, not \(Self.article(types[0]))", at: arguments[0].span)
                return .invalid
            }
            return types[0]
        case .min, .max:
            let first = types.first { $0 != .invalid } ?? .invalid
            for (argument, type) in zip(arguments, types) where !first.accepts(type) {
                // `max(0, cap - used)`: the bare literal is the one to fix, whichever side it is on.
                if let literal = arguments.first(where: { literalHelp($0, shouldBe: type) != nil && first == .number }) {
                    error(.typeMismatch, "`\(callee)` compares values of one type, but this is a plain number and the others are \(type)",
                          at: literal.span, help: literalHelp(literal, shouldBe: type))
                } else {
                    error(.typeMismatch, "`\(callee)` compares values of one type: this is \(Self.article(type)), the first is \(Self.article(first))",
                          at: argument.span, help: literalHelp(argument, shouldBe: first) ?? Self.conversionHelp(from: type, to: first) ?? Self.unitHelp(expected: first))
                }
                return .invalid
            }
            if !first.isOrdered {
                error(.typeMismatch, "\(Self.article(first)) has no order", at: callee.span)
                return .invalid
            }
            return first
        case .day, .month, .year, .weekday:
            if !PerkType.date.accepts(types[0]) {
                error(.typeMismatch, "`\(callee)` takes a date, not \(Self.article(types[0]))", at: arguments[0].span)
            }
            return function == .weekday ? .text : .number
        }
    }

    mutating func binaryType(_ op: BinaryOperator, _ left: Expr, _ right: Expr, span: SourceSpan, in scope: inout Scope) -> PerkType {
        if op == .and || op == .or {
            expect(.bool, left, in: &scope, "each side of `\(op.rawValue)`")
            expect(.bool, right, in: &scope, "each side of `\(op.rawValue)`")
            return .bool
        }
        let saved = scope.mayMeanText
        scope.mayMeanText = op == .equal || op == .notEqual
        let a = type(of: left, in: &scope), b = type(of: right, in: &scope)
        scope.mayMeanText = saved
        if op.isComparison {
            if !a.accepts(b) {
                error(.typeMismatch, "cannot compare \(a) with \(b)", at: span,
                      help: literalHelp(right, shouldBe: a) ?? literalHelp(left, shouldBe: b) ?? Self.comparisonHelp(a, b))
            } else if op != .equal, op != .notEqual, a != .invalid, b != .invalid, !a.isOrdered || !b.isOrdered {
                error(.typeMismatch, "\(Self.article(a == .invalid ? b : a)) has no order; only `==` and `!=` apply", at: span)
            }
            return .bool
        }
        if op == .divide || op == .mod, case .quantity(let divisor, _)? = folder.fold(right), divisor.isZero {
            error(.typeMismatch, "division by zero", at: right.span, help: "divide by a value that cannot be zero")
            return .invalid
        }
        if let type = PerkType.arithmetic(op, a, b) { return type }
        let verb: String
        switch op {
        case .plus: verb = "add \(Self.article(b)) to \(Self.article(a))"
        case .minus: verb = "subtract \(Self.article(b)) from \(Self.article(a))"
        case .times: verb = "multiply \(Self.article(a)) by \(Self.article(b))"
        case .divide: verb = "divide \(Self.article(a)) by \(Self.article(b))"
        default: verb = "take \(Self.article(a)) modulo \(Self.article(b))"
        }
        error(.unitMismatch, "cannot \(verb)", at: span, help: Self.arithmeticHelp(op, a, b))
        return .invalid
    }

    /// When `expr` is a literal whose unit is all that is wrong, how to write it: `0` where points
    /// are meant is `0 points`; `0 points` where a count is meant is `0`.
    func literalHelp(_ expr: Expr, shouldBe type: PerkType) -> String? {
        guard case .literal(let literal) = expr.kind else { return nil }
        switch (literal.unit, type) {
        case (.none, .money): return "write `\(literal.text) \(currency)`"
        case (.none, .points): return "write `\(literal.text) points`"
        case (.none, .duration): return "write `\(literal.text) days` (or weeks, months, years)"
        case (.none, .percent): return "write `\(literal.text)%`"
        case (.points, .number), (.money, .number), (.duration, .number), (.percent, .number):
            return "a count is a plain number: write `\(literal.digits)`"
        default: return nil
        }
    }

    /// How to turn a value of one unit into another, where there is a usual way.
    static func conversionHelp(from actual: PerkType, to expected: PerkType) -> String? {
        switch (actual, expected) {
        case (.money, .points): return "turn money into points with a rate, as in `floor(amount * 1 point per 10 CNY)`"
        case (.number, .points): return "give the count its unit: multiply by `1 points`, or write `500 points`"
        case (.points, .money): return "turn points into money with a rate, as in `points * 10 CNY per 100 points`"
        default: return nil
        }
    }

    static func comparisonHelp(_ a: PerkType, _ b: PerkType) -> String? {
        let pair = Set([a, b])
        if pair == [.tier, .text] { return "compare with a tier's name, unquoted, as in `tier == Diamond`" }
        if pair == [.date, .duration] { return "compare with a date such as `2025-01-01`, or shift today: `today - 30 days`" }
        if pair == [.money, .number] { return "write the amount with its currency, as in `5,000 CNY`" }
        if pair == [.points, .number] { return "write points with their unit, as in `500 points`" }
        if pair == [.money, .points] { return "convert with a rate first, as in `points * point_value` with `param point_value = 10 CNY per 100 points`" }
        if pair == [.percent, .number] { return "write the percentage with `%`, as in `5%`" }
        return nil
    }

    static func arithmeticHelp(_ op: BinaryOperator, _ a: PerkType, _ b: PerkType) -> String? {
        let pair = Set([a, b])
        if (op == .plus || op == .minus), pair == [.percent, .money] || pair == [.percent, .points] {
            return "to take a percentage of an amount, multiply: `5% * amount`"
        }
        if pair == [.money, .points] { return "convert between money and points with a rate, such as `1 point per 10 CNY`" }
        for (rate, other) in [(a, b), (b, a)] {
            if case .rate(let numerator, let denominator) = rate, op == .times, other != denominator {
                return "this rate turns \(denominator) into \(numerator): multiply \(denominator) by it"
            }
        }
        if (op == .plus || op == .minus), pair.contains(.number) {
            return "give the number a unit, as in `10 CNY`, `500 points` or `30 days`"
        }
        return nil
    }

    @discardableResult
    mutating func aggregateType(_ value: Expr?, event: Identifier, filter: Expr?, window: Window, span: SourceSpan, in scope: inout Scope) -> PerkType {
        if let what = scope.constantContext {
            error(.notConstant, "\(what) must be a constant, but this reads the member's history", at: span)
            return .invalid
        }
        guard let eventType = eventType(event) else { return .invalid }
        var inner = scope
        inner.aggregate = eventType
        if let filter { expect(.bool, filter, in: &inner, "an aggregate's `where` condition") }
        if case .last(let length, _) = window {
            var constant = Scope.constant("a window's length")
            expectPositiveDuration(length, in: &constant, "a window's length")
        }
        var result = PerkType.number
        if let value {
            result = type(of: value, in: &inner)
            if ![.number, .money, .points, .invalid].contains(result) {
                error(.typeMismatch, "`sum` adds up a number, money or points, not \(Self.article(result))", at: value.span,
                      help: "sum a money, points or number field, or count the events with `count(...)`")
                result = .invalid
            }
        }
        scope.usedLocals.formUnion(inner.usedLocals)
        return result
    }
}
