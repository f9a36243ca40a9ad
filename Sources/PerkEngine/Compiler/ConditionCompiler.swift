import PerkLanguage

/// A compiled condition: a rule's `where`, an `if` or `require`, an aggregate's filter, the test
/// of `if … then … else`. It gives a `Bool`, so `not`, `and`, `or`, comparisons, `in` and
/// `between` neither wrap their result in a `Value` nor unwrap their operands' results again.
typealias EvaluateCondition = @Sendable (inout Frame) throws -> Bool

/// An `EvaluateCondition` where there may be none, held in a struct for the reason
/// `CompiledExpression` is.
struct CompiledCondition: Sendable {
    let evaluate: EvaluateCondition

    init(_ evaluate: @escaping EvaluateCondition) { self.evaluate = evaluate }

    @inline(__always)
    func callAsFunction(_ frame: inout Frame) throws -> Bool { try evaluate(&frame) }
}

extension ExpressionCompiler {
    /// `expr` as a condition: true when its value is `true`. A condition that reads only the
    /// member's standing and constants (`not cancelled`, `tier >= Gold`) is a look-up in a table
    /// computed here (see `tabulatedByStanding`).
    func compileCondition(_ expr: Expr, in scope: Scope) throws -> CompiledCondition {
        let condition: EvaluateCondition
        if let node = try conditionNode(expr, in: scope) {
            condition = node
        } else {
            let value = try compile(expr, in: scope)
            condition = { frame in try value(&frame).isTrue }
        }
        if let table = standingTable(expr, { frame in .bool(try condition(&frame)) }, in: scope) {
            let flags = table.map(\.isTrue)
            return CompiledCondition { frame in
                let standing = frame.standing
                return standing < flags.count ? flags[standing] : try condition(&frame)
            }
        }
        return CompiledCondition(condition)
    }

    /// A rule's `where` on the event it applies to. When an aggregate over the rule's event type
    /// filters by the same condition (`category not in excluded` in both a measure and a rule),
    /// the event recorded for it has already passed or failed that filter: the result is read,
    /// not computed again. Otherwise (or for an event not recorded) it is computed.
    func compileEventCondition(_ expr: Expr, in scope: Scope) throws -> CompiledCondition {
        let condition = try compileCondition(expr, in: scope)
        let readsOnlyTheEvent = readsOnly(expr, in: scope, throughMembers: false) { resolution in
            switch resolution {
            case .ruleEvent, .constant: return true
            default: return false
            }
        }
        guard readsOnlyTheEvent, let event = scope.event, let type = typeIndex[event.name],
              let term = windowTerms.term(filteredBy: Formatter.expression(expr), type: type) else { return condition }
        return CompiledCondition { frame in
            if let (recordedType, index) = frame.eventRecordedAt, recordedType == type,
               let passed = frame.member.histories[type][index].windowSums.passed(term) { return passed }
            return try condition(&frame)
        }
    }

    /// `expr` compiled as a condition when its operator gives one (`not`, `and`, `or`, a
    /// comparison, `in`, `between`); nil for any other expression.
    func conditionNode(_ expr: Expr, in scope: Scope) throws -> EvaluateCondition? {
        switch expr.kind {
        case .unary(.not, let operand):
            let inner = try compileCondition(operand, in: scope)
            return { frame in !(try inner(&frame)) }
        case .binary(.and, let left, let right):
            let a = try compileCondition(left, in: scope), b = try compileCondition(right, in: scope)
            return { frame in try a(&frame) && b(&frame) }
        case .binary(.or, let left, let right):
            let a = try compileCondition(left, in: scope), b = try compileCondition(right, in: scope)
            return { frame in try a(&frame) || b(&frame) }
        case .binary(let op, let left, let right) where op.isComparison:
            if let quantities = try compileQuantityComparison(op, left, right, in: scope) { return quantities }
            let a = try compile(left, in: scope), b = try compile(right, in: scope)
            switch op {
            case .equal: return { frame in try a(&frame) == b(&frame) }
            case .notEqual: return { frame in try a(&frame) != b(&frame) }
            case .less: return { frame in try Value.compare(a(&frame), b(&frame)) < 0 }
            case .lessEqual: return { frame in try Value.compare(a(&frame), b(&frame)) <= 0 }
            case .greater: return { frame in try Value.compare(a(&frame), b(&frame)) > 0 }
            default: return { frame in try Value.compare(a(&frame), b(&frame)) >= 0 }
            }
        case .membership(let item, let list, let negated):
            return try compileMembership(item, list, negated: negated, in: scope)
        case .between(let value, let low, let high):
            let v = try compile(value, in: scope), l = try compile(low, in: scope), h = try compile(high, in: scope)
            return { frame in
                let x = try v(&frame)
                return try Value.compare(try l(&frame), x) <= 0 && Value.compare(x, try h(&frame)) <= 0
            }
        default:
            return nil
        }
    }

    /// `item in list` (or `not in`).
    private func compileMembership(_ item: Expr, _ list: Expr, negated: Bool, in scope: Scope) throws -> EvaluateCondition {
        let listValue = try compile(list, in: scope)
        // A list of constants (`category not in excluded`) is computed once, here (unless it
        // cannot be: then the error comes when it runs, as for any expression).
        var detached = Frame.detached
        if readsOnlyConstants(list, in: scope), case .list(let items)? = try? listValue(&detached) {
            // Texts compared as strings: comparing values compares their cases first.
            let texts = items.compactMap { if case .text(let text) = $0 { text } else { nil } }
            if texts.count == items.count {
                if let field = try compileFieldMembership(item, texts, negated: negated, in: scope) { return field }
                let itemText = try compileText(item, in: scope)
                return { frame in
                    guard let text = try itemText(&frame) else { return negated }
                    return texts.contains(text) != negated
                }
            }
            let itemValue = try compile(item, in: scope)
            return { frame in items.contains(try itemValue(&frame)) != negated }
        }
        let itemValue = try compile(item, in: scope)
        return { frame in
            let needle = try itemValue(&frame)
            guard case .list(let items) = try listValue(&frame) else { throw EvaluationError("`in` needs a list") }
            return items.contains(needle) != negated
        }
    }

    /// `item in texts` (or `not in`) when `item` names a field of the event applied or
    /// aggregated: the field is compared where it is kept (copied out through `compileText`, a
    /// third of a W2 event's filter was the copy). Nil for any other item.
    private func compileFieldMembership(_ item: Expr, _ texts: [String], negated: Bool, in scope: Scope) throws -> EvaluateCondition? {
        guard case .name(let name) = item.kind else { return nil }
        // A missing field, or one of another kind, is read as a value, as `compileText` does.
        let itemText = try compileText(item, in: scope)
        @Sendable func readOut(_ frame: inout Frame) throws -> Bool {
            guard let text = try itemText(&frame) else { return negated }
            return texts.contains(text) != negated
        }
        switch resolve(name, in: scope) {
        case .ruleEvent(let position)?:
            return { frame in
                if let found = frame.eventText(name, usuallyAt: position, isAmong: texts) { return found != negated }
                return try readOut(&frame)
            }
        case .aggregatedEvent(let position)?:
            return { frame in
                if let (type, index) = frame.aggregated,
                   let found = frame.member.histories[type][index].fields.text(of: name, usuallyAt: position, isAmong: texts) { return found != negated }
                return try readOut(&frame)
            }
        default:
            return nil
        }
    }

    /// The text `expr` gives, nil when it gives another kind of value: a field of the event
    /// applied or aggregated read in place, anything else as a value.
    private func compileText(_ expr: Expr, in scope: Scope) throws -> @Sendable (inout Frame) throws -> String? {
        let value = try compile(expr, in: scope)
        @Sendable func textOfValue(_ frame: inout Frame) throws -> String? {
            if case .text(let text) = try value(&frame) { text } else { nil }
        }
        guard case .name(let name) = expr.kind else { return textOfValue }
        switch resolve(name, in: scope) {
        case .ruleEvent(let position)?:
            return { frame in try frame.eventText(name, usuallyAt: position) ?? textOfValue(&frame) }
        case .aggregatedEvent(let position)?:
            return { frame in
                if let (type, index) = frame.aggregated,
                   let text = frame.member.histories[type][index].fields.text(of: name, usuallyAt: position) { return text }
                return try textOfValue(&frame)
            }
        default:
            return textOfValue
        }
    }

    /// `left op right` for a comparison of two quantities of one unit, compared by amount; nil otherwise.
    private func compileQuantityComparison(_ op: BinaryOperator, _ left: Expr, _ right: Expr, in scope: Scope) throws -> EvaluateCondition? {
        guard scope.typesKnown, let type = quantityType(of: left), quantityType(of: right) == type else { return nil }
        let x = try compileAmount(left, in: scope), y = try compileAmount(right, in: scope)
        // Against a constant (`spend >= gold_spend`), read where it was captured.
        if let k = try constantAmount(right, in: scope) {
            switch op {
            case .equal: return { frame in try x(&frame) == k }
            case .notEqual: return { frame in try x(&frame) != k }
            case .less: return { frame in try x(&frame) < k }
            case .lessEqual: return { frame in try x(&frame) <= k }
            case .greater: return { frame in try x(&frame) > k }
            default: return { frame in try x(&frame) >= k }
            }
        }
        switch op {
        case .equal: return { frame in try x(&frame) == y(&frame) }
        case .notEqual: return { frame in try x(&frame) != y(&frame) }
        case .less: return { frame in try x(&frame) < y(&frame) }
        case .lessEqual: return { frame in try x(&frame) <= y(&frame) }
        case .greater: return { frame in try x(&frame) > y(&frame) }
        default: return { frame in try x(&frame) >= y(&frame) }
        }
    }
}
