extension Checker {
    /// Checks a block; `let` values are visible to the statements after them in the same block
    /// and in blocks nested inside it.
    mutating func checkBlock(_ statements: [Statement], in scope: inout Scope) {
        let outer = scope.locals
        var declaredHere: [(String, SourceSpan)] = []
        for statement in statements {
            checkStatement(statement, in: &scope, declaring: &declaredHere)
        }
        for (name, span) in declaredHere where !scope.usedLocals.contains(name) {
            warning(.unusedValue, "the value `\(name)` is never used", at: span, help: "use it, or remove the `let`")
        }
        scope.locals = outer
        scope.localValues = scope.localValues.filter { outer[$0.key] != nil }
    }

    /// The texts `use` can be given by `expr`, with where each is written: a text, either branch
    /// of `if … then … else …`, or a `let` value bound to one (`let quota = if tier == Gold then
    /// "lounge_gold" else "lounge_silver"`), so a misspelt name is caught wherever it is written.
    func benefitNames(_ expr: Expr, in scope: Scope) -> [(name: String, span: SourceSpan)] {
        switch expr.kind {
        case .string(let name): return [(name, expr.span)]
        case .parenthesized(let inner): return benefitNames(inner, in: scope)
        case .conditional(_, let then, let otherwise): return benefitNames(then, in: scope) + benefitNames(otherwise, in: scope)
        case .name(let name): return scope.localValues[name].map { benefitNames($0, in: scope) } ?? []
        default: return []
        }
    }

    mutating func checkStatement(_ statement: Statement, in scope: inout Scope, declaring declared: inout [(String, SourceSpan)]) {
        switch statement.kind {
        case .letBinding(let name, let value):
            let type = type(of: value, in: &scope)
            scope.localValues[name.name] = value
            if let existing = scope.locals[name.name] {
                error(.duplicateName, "`\(name)` is already defined in this rule", at: name.span,
                      notes: [DiagnosticNote(message: "first defined here", span: existing.span)])
            } else if let shadowed = shadowedMeaning(of: name.name, in: scope) {
                error(.duplicateName, "`\(name)` already means \(shadowed) here", at: name.span,
                      help: "give the value another name, so `\(name)` keeps its meaning")
            }
            scope.locals[name.name] = (type, name.span)
            scope.usedLocals.remove(name.name)
            declared.append((name.name, name.span))
        case .require(let condition, _):
            expect(.bool, condition, in: &scope, "the condition of `require`")
        case .ifThen(let condition, let then, let otherwise):
            expect(.bool, condition, in: &scope, "the condition of `if`")
            if conditionNeverHolds(condition) {
                warning(.neverFires, "this condition is always false, so the block after it never runs", at: condition.span)
            }
            checkBlock(then, in: &scope)
            if let otherwise { checkBlock(otherwise, in: &scope) }
        case .earn(let amount):
            expect(.points, amount, in: &scope, "the points earned")
            expectNotNegative(amount, "the points earned")
        case .redeem(let amount):
            expect(.points, amount, in: &scope, "the points redeemed")
            expectNotNegative(amount, "the points redeemed")
        case .deduct(let amount):
            expect(.points, amount, in: &scope, "the points deducted")
            expectNotNegative(amount, "the points deducted")
        case .clawback(let amount, let source):
            expect(.points, amount, in: &scope, "the points clawed back")
            expectNotNegative(amount, "the points clawed back")
            if let source { expectEventReference(source, in: &scope, "`clawback ... from`") }
        case .freeze(let length):
            expectPositiveDuration(length, in: &scope, "the length of a freeze")
        case .charge(let fee, _):
            expect(.money, fee, in: &scope, "a fee")
            expectNotNegative(fee, "a fee")
        case .use(let benefit):
            if case .name(let name) = benefit.kind, benefits[name] != nil, scope.locals[name] == nil {
                error(.unknownName, "`\(name)` is a benefit, and `use` names it as text", at: benefit.span, help: "write `use \"\(name)\"`")
                break
            }
            expect(.text, benefit, in: &scope, "the benefit used (its name)")
            for (name, span) in benefitNames(benefit, in: scope) where benefits[name] == nil {
                let titled = benefits.values.first { $0.title == name }.map { "`\"\($0.name)\"` is the benefit titled \"\(name)\": use its name" }
                let declare = name.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" } ? "declare it with `benefit \(name) ...`" : nil
                error(.unknownBenefit, "no benefit `\(name)` is declared", at: span,
                      help: titled ?? Suggestions.didYouMean(name, among: benefits.keys) ?? declare)
            }
        case .upgrade, .downgrade:
            if tierRanks.isEmpty, !reportedNoTiers {
                reportedNoTiers = true
                error(.unknownName, "`\(statement.kind == .upgrade ? "upgrade" : "downgrade")` needs a list of tiers, and this policy declares none", at: statement.span,
                      help: "declare them with `tiers by MEASURE { tier ... }`")
            }
        case .reverse(let amount, let original):
            expect(.money, amount, in: &scope, "the amount reversed")
            expectEventReference(original, in: &scope, "`reverse ... of`")
        case .forfeit, .cancel, .warn, .note:
            break
        }
    }

    /// What a `let` name would hide: a field of the event, the member's state, a tier, a
    /// parameter or a measure.
    func shadowedMeaning(of name: String, in scope: Scope) -> String? {
        if scope.event?.field(name) != nil { return "the event's field `\(name)`" }
        if scope.event != nil, name == EventProperty.date.rawValue { return "the event's date" }
        if MemberProperty(rawValue: name) != nil { return "the member's `\(name)`" }
        if tierRanks[name] != nil { return "the tier `\(name)`" }
        if parameters[name] != nil { return "the parameter `\(name)`" }
        if measures[name] != nil { return "the measure `\(name)`" }
        return nil
    }

    mutating func expectEventReference(_ expr: Expr, in scope: inout Scope, _ what: String) {
        let type = type(of: expr, in: &scope)
        switch type {
        case .event, .invalid: break
        default:
            error(.typeMismatch, "\(what) needs an earlier event (a field such as `original: purchase`), but this is \(Self.article(type))",
                  at: expr.span)
        }
    }
}
