import PerkLanguage

/// Compiles checked expressions into closures. Names resolve in the checker's order: `let`
/// values, the aggregated event's fields, the rule's event's fields, the member, tiers,
/// parameters (folded to constants), measures.
struct ExpressionCompiler {
    let policy: CheckedPolicy
    let tierRanks: [String: Int]
    /// Event types by their declaration order: the index of a member's history of that type.
    let typeIndex: [String: Int]
    /// Collects the aggregates kept as running totals, while the policy is compiled.
    let windowTerms = WindowTermRegistry()
    /// Each tier attribute's value by tier rank.
    var tierAttributes: [String: [Value]] = [:]
    var parameters: [String: Value] = [:]
    var measures: [String: CompiledMeasure] = [:]

    /// A measure's compiled expression, and its amount when it is a quantity. In a struct: a
    /// closure kept directly as a dictionary's value comes back wrapped in conversion thunks,
    /// paid on every call.
    struct CompiledMeasure {
        let evaluate: Evaluate
        let amount: CompiledAmount?
    }

    /// A `let` name's slot: in `Frame.amounts` when it is a quantity of `unit` (typed by the
    /// checker), in `Frame.locals` otherwise.
    struct Local {
        let slot: Int
        let unit: PerkType?
    }

    /// Where an expression is compiled.
    struct Scope {
        /// `let` names in scope, with their slots.
        var locals: [String: Local] = [:]
        var event: EventType?
        var aggregate: EventType?
        /// Whether the checker's types of the expression's parts are in `expressionTypes`. Not for
        /// a parameter's value, which perk.yaml may set: parsed on its own, its positions are not
        /// the policy file's, and the types found there would be another expression's.
        var typesKnown = true
    }

    init(policy: CheckedPolicy) throws {
        self.policy = policy
        tierRanks = Dictionary(uniqueKeysWithValues: (policy.tiers?.levels ?? []).map { ($0.name, $0.rank) })
        typeIndex = Dictionary(uniqueKeysWithValues: policy.eventTypes.enumerated().map { ($0.element.name, $0.offset) })
        let constant = Frame.detached
        for parameter in policy.parameters {
            var frame = constant
            parameters[parameter.name] = try compile(parameter.value, in: Scope(typesKnown: false))(&frame)
        }
        for level in policy.tiers?.levels ?? [] {
            for (name, expr) in level.attributes {
                var frame = constant
                let value = try compile(expr, in: Scope())(&frame)
                tierAttributes[name, default: Array(repeating: .number(.zero), count: policy.tiers!.levels.count)][level.rank] = value
            }
        }
        for measure in policy.measures {
            measures[measure.name] = CompiledMeasure(evaluate: try compile(measure.value, in: Scope()),
                                                     amount: quantityType(of: measure.value) == nil ? nil : CompiledAmount(try compileAmount(measure.value, in: Scope())))
        }
    }

    func compile(_ expr: Expr, in scope: Scope) throws -> Evaluate {
        let compiled = try compileNode(expr, in: scope)
        // Not `??`: a closure through a generic operator comes back wrapped in conversion thunks,
        // paid on every call.
        if let tabulated = tabulatedByStanding(expr, compiled, in: scope) { return tabulated.evaluate }
        return compiled
    }

    /// An expression that reads the member's standing (tier, status, birthday month) and
    /// otherwise only constants (`tier >= Gold`, `tier.discount`, `not frozen`) takes a handful of
    /// values: computed once for each standing here, it is a look-up when it runs. Nil when the
    /// expression reads anything else or no standing, or some standing's value cannot be computed
    /// (that error then happens when it runs, as before).
    private func tabulatedByStanding(_ expr: Expr, _ compiled: @escaping Evaluate, in scope: Scope) -> CompiledExpression? {
        if case .name = expr.kind { return nil }  // a name alone is a look-up already
        guard Self.names(in: expr).contains(where: { if case .member(let property) = resolve($0, in: scope) { Standing.reads(property) } else { false } }),
              let values = standingTable(expr, compiled, in: scope) else { return nil }
        return CompiledExpression { frame in
            let standing = frame.standing
            return standing < values.count ? values[standing] : try compiled(&frame)
        }
    }

    /// An expression's value in each standing (by `Frame.standing`), when it reads nothing but the
    /// standing and constants and every value can be computed.
    func standingTable(_ expr: Expr, _ compiled: Evaluate, in scope: Scope) -> [Value]? {
        guard readsOnly(expr, in: scope, throughMembers: true, { resolution in
            switch resolution {
            case .constant: return true
            case .member(let property): return Standing.reads(property)
            default: return false
            }
        }) else { return nil }
        var table: [Value] = []
        for standing in 0..<Standing.count(tiers: tierRanks.count) {
            var frame = Standing.frame(standing)
            guard let value = try? compiled(&frame) else { return nil }
            table.append(value)
        }
        return table
    }

    private func compileNode(_ expr: Expr, in scope: Scope) throws -> Evaluate {
        switch expr.kind {
        case .literal(let literal):
            let value = try Self.value(of: literal)
            return { _ in value }
        case .rate(let numerator, let denominator):
            guard let top = try Self.value(of: numerator).amount, let bottom = try Self.value(of: denominator).amount,
                  let rate = top.divided(by: bottom) else { throw EvaluationError("a rate per zero") }
            return { _ in .rate(rate) }
        case .string(let text):
            return { _ in .text(text) }
        case .date(let text):
            guard let date = CivilDate(iso: text) else { throw EvaluationError("`\(text)` is not a date") }
            return { _ in .date(date) }
        case .bool(let flag):
            return { _ in .bool(flag) }
        case .name(let name):
            return try compileName(name, in: scope)
        case .member(let base, let field):
            return try compileMember(base, field.name, in: scope)
        case .call(let callee, let arguments):
            if let quantity = try compileQuantity(expr, in: scope) { return quantity.evaluate }
            return try compileCall(callee.name, arguments, in: scope)
        case .unary(.not, _), .membership, .between:
            return try conditionValue(expr, in: scope)
        case .unary(.negate, let operand):
            if let quantity = try compileQuantity(expr, in: scope) { return quantity.evaluate }
            let inner = try compile(operand, in: scope)
            return { frame in
                let value = try inner(&frame)
                if case .duration(let months, let days) = value { return .duration(months: -months, days: -days) }
                guard let amount = value.amount else { throw EvaluationError("cannot negate \(value)") }
                return value.with(amount.negated)
            }
        case .binary(let op, let left, let right):
            if let quantity = try compileQuantity(expr, in: scope) { return quantity.evaluate }
            if op.isComparison || op == .and || op == .or { return try conditionValue(expr, in: scope) }
            let a = try compile(left, in: scope), b = try compile(right, in: scope)
            return { frame in try Value.arithmetic(op, a(&frame), b(&frame)) }
        case .conditional(let condition, let then, let otherwise):
            if let quantity = try compileQuantity(expr, in: scope) { return quantity.evaluate }
            let c = try compileCondition(condition, in: scope), a = try compile(then, in: scope), b = try compile(otherwise, in: scope)
            return { frame in try c(&frame) ? try a(&frame) : try b(&frame) }
        case .list(let items):
            let compiled = try items.map { try compile($0, in: scope) }
            return { frame in .list(try compiled.map { try $0(&frame) }) }
        case .count(let event, let filter, let window):
            let count = try compileAggregate(nil, event.name, filter, window, in: scope)
            return { frame in .number(try count(&frame)) }
        case .sum(let value, let event, let filter, let window):
            let zero: Value
            switch policy.expressionTypes[expr.span] {
            case .money: zero = .money(.zero)
            case .points: zero = .points(.zero)
            default: zero = .number(.zero)
            }
            let sum = try compileAggregate(value, event.name, filter, window, in: scope)
            return { frame in zero.with(try sum(&frame)) }
        case .parenthesized(let inner):
            return try compile(inner, in: scope)
        case .invalid:
            throw EvaluationError("the policy has errors")
        }
    }

    static func value(of literal: Literal) throws -> Value {
        guard let number = ExactNumber(decimal: literal.digits) else { throw EvaluationError("`\(literal.text)` is too large") }
        switch literal.unit {
        case .none: return .number(number)
        case .percent: return .percent(number)
        case .money: return .money(number)
        case .points: return .points(number)
        case .duration(let period):
            guard number.floor == number, let n = Int(exactly: number.numerator) else { throw EvaluationError("`\(literal.text)`: a duration is a whole number") }
            switch period {
            case .day: return .duration(months: 0, days: n)
            case .week: return .duration(months: 0, days: 7 * n)
            case .month: return .duration(months: n, days: 0)
            case .year: return .duration(months: 12 * n, days: 0)
            }
        }
    }

    /// What a name stands for where it is used, in the checker's order: a `let`, a field of the
    /// aggregated event, a field of the rule's event, a member property, a tier, a parameter, a measure.
    enum Resolution {
        case local(Local)
        /// A field (or recorded property) of the aggregated event, or of the rule's event, with
        /// the field's usual position among that event's fields (see `EventFields.position`).
        case aggregatedEvent(position: Int?)
        case ruleEvent(position: Int?)
        case member(MemberProperty)
        case constant(Value)
        case measure(CompiledMeasure)
    }

    func resolve(_ name: String, in scope: Scope) -> Resolution? {
        if let local = scope.locals[name] { return .local(local) }
        if let aggregate = scope.aggregate, aggregate.field(name) != nil || EventProperty(rawValue: name) != nil {
            return .aggregatedEvent(position: EventFields.position(of: name, amongFieldsOf: aggregate))
        }
        if let event = scope.event, event.field(name) != nil || name == EventProperty.date.rawValue {
            return .ruleEvent(position: EventFields.position(of: name, amongFieldsOf: event))
        }
        if let property = MemberProperty(rawValue: name) { return .member(property) }
        if let rank = tierRanks[name] { return .constant(.tier(rank)) }
        if let value = parameters[name] { return .constant(value) }
        if let measure = measures[name] { return .measure(measure) }
        return nil
    }

    private func compileName(_ name: String, in scope: Scope) throws -> Evaluate {
        let recorded = EventProperty(rawValue: name)
        switch resolve(name, in: scope) {
        case .local(let local):
            let slot = local.slot
            if let unit = local.unit {
                return { frame in
                    guard slot < frame.amounts.count else { throw EvaluationError("`\(name)` is used before it is set") }
                    return Value.quantity(unit, frame.amounts[slot])!
                }
            }
            return { frame in
                guard slot < frame.locals.count else { throw EvaluationError("`\(name)` is used before it is set") }
                return frame.locals[slot]
            }
        case .aggregatedEvent(let position):
            return { frame in
                guard let (type, index) = frame.aggregated else { throw EvaluationError("no event for `\(name)`") }
                // A field or property is read in place: passing the history's event to a function copies it.
                if let field = frame.member.histories[type][index].fields.value(of: name, usuallyAt: position) { return field }
                if let recorded {
                    return Self.recordedValue(recorded, earned: frame.member.histories[type][index].earned,
                                              refunded: frame.member.histories[type][index].refunded, date: frame.member.histories[type][index].date)
                }
                return try Self.property(name, at: position, recorded, of: frame.member.histories[type][index])
            }
        case .ruleEvent(let position):
            return { frame in
                // A field is read in place: binding the event copies it.
                if let field = frame.eventField(name, usuallyAt: position) { return field }
                guard let current = frame.currentEvent else { throw EvaluationError("no event for `\(name)`") }
                return try Self.property(name, at: position, recorded, of: current)
            }
        case .member(let property):
            return { frame in Self.memberProperty(property, of: frame.member, on: frame.today) }
        case .constant(let value):
            return { _ in value }
        case .measure(let measure):
            return measure.evaluate
        case nil:
            throw EvaluationError("unknown name `\(name)`")
        }
    }

    /// A field or recorded property of an event. Passing the event copies it (even inlined):
    /// the compiled reads look for a field in place first, and come here for the rest.
    /// `position`: where the field usually is among the event's fields (see
    /// `EventFields.position`); `recorded`: the recorded property the name stands for, if it is
    /// not a field (both found when the policy is compiled).
    @inline(__always)
    static func property(_ name: String, at position: Int? = nil, _ recorded: EventProperty?, of event: RecordedEvent) throws -> Value {
        if let field = event.fields.value(of: name, usuallyAt: position) { return field }
        guard let recorded else { throw EvaluationError("`\(event.type)` event \(event.id) has no `\(name)`") }
        return recordedValue(recorded, earned: event.earned, refunded: event.refunded, date: event.date)
    }

    /// A recorded property's value, given the event's recorded properties (read in place by the
    /// caller: a recorded event passed whole is copied).
    @inline(__always)
    static func recordedValue(_ property: EventProperty, earned: ExactNumber, refunded: ExactNumber, date: CivilDate) -> Value {
        switch property {
        case .earned: return .points(earned)
        case .refunded: return .money(refunded)
        case .date: return .date(date)
        }
    }

    static func memberProperty(_ property: MemberProperty, of member: MemberState, on today: CivilDate) -> Value {
        switch property {
        case .tier: return .tier(member.tier)
        case .balance: return .points(member.balance)
        case .frozen: if case .frozen = member.status { return .bool(true) } else { return .bool(false) }
        case .cancelled: return .bool(member.status == .cancelled)
        case .active: return .bool(member.status == .active)
        case .birthdayMonth: return .bool(member.birthday?.month == today.month)
        case .today: return .date(today)
        }
    }

    private func compileMember(_ base: Expr, _ field: String, in scope: Scope) throws -> Evaluate {
        let object = try compile(base, in: scope)
        let attribute = tierAttributes[field]
        let recorded = EventProperty(rawValue: field)
        return { frame in
            switch try object(&frame) {
            case .tier(let rank):
                guard let values = attribute, values.indices.contains(rank) else { throw EvaluationError("tiers have no `\(field)`") }
                return values[rank]
            case .event(let id):
                guard let (type, index) = frame.member.recorded(id) else {
                    throw EvaluationError("event \(id) is not in the member's history")
                }
                return try Self.property(field, recorded, of: frame.member.histories[type][index])
            case let other:
                throw EvaluationError("\(other) has no `\(field)`")
            }
        }
    }

    /// A built-in function's call. Arguments are compiled one by one into the closures that use
    /// them, never kept in an array (a closure taken out of an array is called through thunks).
    private func compileCall(_ name: String, _ arguments: [Expr], in scope: Scope) throws -> Evaluate {
        guard let function = BuiltinFunction(rawValue: name) else { throw EvaluationError("unknown function `\(name)`") }
        switch function {
        case .floor, .ceil, .round, .abs:
            let argument = try compile(arguments[0], in: scope)
            return { frame in
                let value = try argument(&frame)
                guard let x = value.amount else { throw EvaluationError("`\(name)` of \(value)") }
                switch function {
                case .floor: return value.with(x.floor)
                case .ceil: return value.with(x.ceil)
                case .round: return value.with(x.rounded(.halfEven))
                default: return value.with(x.isNegative ? x.negated : x)
                }
            }
        case .min, .max:
            // Left to right, the first of equals kept: `min(a, b, c)` is `min(min(a, b), c)`.
            var best = try compile(arguments[0], in: scope)
            for argument in arguments.dropFirst() {
                let soFar = best, next = try compile(argument, in: scope)
                best = { frame in
                    let current = try soFar(&frame), value = try next(&frame)
                    let order = try Value.compare(value, current)
                    return (function == .min ? order < 0 : order > 0) ? value : current
                }
            }
            return best
        case .day, .month, .year, .weekday:
            let argument = try compile(arguments[0], in: scope)
            return { frame in
                guard case .date(let date) = try argument(&frame) else { throw EvaluationError("`\(name)` needs a date") }
                switch function {
                case .day: return .number(ExactNumber(date.day))
                case .month: return .number(ExactNumber(date.month))
                case .year: return .number(ExactNumber(date.year))
                default: return .text(["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"][date.weekday - 1])
                }
            }
        }
    }

    /// A condition's value (`let eligible = amount >= 100 CNY`, a list of comparisons).
    private func conditionValue(_ expr: Expr, in scope: Scope) throws -> Evaluate {
        guard let condition = try conditionNode(expr, in: scope) else { throw EvaluationError("not a condition") }
        return { frame in .bool(try condition(&frame)) }
    }

    /// The amount of `count` or `sum` over the member's history (its unit is the caller's).
    /// When every term reads only the aggregated event and constants, terms are kept with each
    /// recorded event as running totals and a window's value is a difference of two of them;
    /// otherwise (or when a term could not be computed) the window is walked.
    func compileAggregate(_ value: Expr?, _ eventName: String, _ filter: Expr?, _ window: Window, in scope: Scope) throws -> EvaluateAmount {
        var inner = scope
        inner.aggregate = policy.eventType(named: eventName)
        guard let type = typeIndex[eventName] else { throw EvaluationError("unknown event type `\(eventName)`") }
        let compiledValue = try value.map { CompiledAmount(try compileAmount($0, in: inner)) }
        let compiledFilter = try filter.map { try compileCondition($0, in: inner) }
        let bounds = try compileWindow(window, in: scope)
        let walk: @Sendable (inout Frame, Int, Int) throws -> ExactNumber = { frame, from, to in
            var total = ExactNumber.zero
            let saved = frame.aggregated
            defer { frame.aggregated = saved }
            guard type < frame.member.histories.count else { return total }
            // History is in date order: walk back from the newest and stop before the window.
            for index in frame.member.histories[type].indices.reversed() {
                let day = frame.member.histories[type][index].date.dayNumber
                if day > to { continue }
                if day < from { break }
                frame.aggregated = (type, index)
                if let compiledFilter, !(try compiledFilter(&frame)) { continue }
                total = try Value.amount(.plus, total, try compiledValue?.evaluate(&frame) ?? .one, percents: (false, false, false))
            }
            return total
        }
        guard [value, filter].allSatisfy({ $0.map { readsOnlyTheAggregatedEvent($0, in: inner) } ?? true }) else {
            return { frame in
                let (from, to) = try bounds(&frame)
                return try walk(&frame, from, to)
            }
        }
        let properties = Set([value, filter].compactMap { $0 }.flatMap(Self.names).compactMap { inner.aggregate?.field($0) == nil ? EventProperty(rawValue: $0) : nil })
        // The term reads only the aggregated event and constants: its text says what it is.
        let key = [value, filter].map { $0.map(Formatter.expression) ?? "-" }.joined(separator: " where ")
        // A filter reading no property a recorded event's later events change (`earned`, `refunded`).
        let lastingFilter = filter.flatMap { filter in
            Self.names(in: filter).allSatisfy { inner.aggregate?.field($0) != nil || EventProperty(rawValue: $0).map { $0 == .date } ?? true }
                ? Formatter.expression(filter) : nil
        }
        let term = windowTerms.register(WindowTerm(value: compiledValue, filter: compiledFilter, properties: properties), type: type, key: key,
                                        filterKey: lastingFilter)
        return { frame in
            let (from, to) = try bounds(&frame)
            guard type < frame.member.histories.count else { return .zero }
            if let total = frame.member.histories[type].windowSum(term, from: from, through: to) { return total }
            return try walk(&frame, from, to)
        }
    }

    /// Every name an expression mentions.
    private static func names(in expr: Expr) -> [String] {
        switch expr.kind {
        case .name(let name): return [name]
        case .member(let base, _): return names(in: base)
        case .call(_, let arguments), .list(let arguments): return arguments.flatMap(names)
        case .unary(_, let operand), .parenthesized(let operand): return names(in: operand)
        case .binary(_, let left, let right), .membership(let left, let right, _): return names(in: left) + names(in: right)
        case .between(let a, let b, let c), .conditional(let a, let b, let c): return [a, b, c].flatMap(names)
        case .count(_, let filter, _): return filter.map(names) ?? []
        case .sum(let value, _, let filter, _): return names(in: value) + (filter.map(names) ?? [])
        case .literal, .rate, .string, .date, .bool, .invalid: return []
        }
    }

    /// Whether an expression reads nothing but the aggregated event's fields and properties and
    /// constants (names resolve as in `compileName`).
    private func readsOnlyTheAggregatedEvent(_ expr: Expr, in scope: Scope) -> Bool {
        readsOnly(expr, in: scope, throughMembers: false) { resolution in
            switch resolution {
            case .aggregatedEvent, .constant: return true
            default: return false
            }
        }
    }

    /// Whether an expression reads nothing but literals and constants (parameters, tier names):
    /// its value can be computed once, when the policy is compiled.
    func readsOnlyConstants(_ expr: Expr, in scope: Scope) -> Bool {
        readsOnly(expr, in: scope, throughMembers: false) { if case .constant = $0 { true } else { false } }
    }

    /// Whether every name an expression reads resolves to what `allowed` accepts; `throughMembers`:
    /// whether `base.attribute` may be read (a tier's attribute) when its base may. Aggregates
    /// read the history, so they never qualify.
    func readsOnly(_ expr: Expr, in scope: Scope, throughMembers: Bool, _ allowed: (Resolution?) -> Bool) -> Bool {
        func inner(_ e: Expr) -> Bool { readsOnly(e, in: scope, throughMembers: throughMembers, allowed) }
        switch expr.kind {
        case .literal, .rate, .string, .date, .bool:
            return true
        case .name(let name):
            return allowed(resolve(name, in: scope))
        case .member(let base, _):
            return throughMembers && inner(base)
        case .call(_, let arguments), .list(let arguments):
            return arguments.allSatisfy(inner)
        case .unary(_, let operand), .parenthesized(let operand):
            return inner(operand)
        case .binary(_, let left, let right), .membership(let left, let right, _):
            return inner(left) && inner(right)
        case .between(let a, let b, let c), .conditional(let a, let b, let c):
            return inner(a) && inner(b) && inner(c)
        case .count, .sum, .invalid:
            return false
        }
    }

    /// The day numbers of the first and last days a window covers on `frame.today`.
    private func compileWindow(_ window: Window, in scope: Scope) throws -> @Sendable (inout Frame) throws -> (from: Int, through: Int) {
        switch window {
        case .last(let length, let beforeToday):
            // (today − length, today], or [today − length, today) before today.
            @Sendable func bounds(start: Int, today: Int) -> (from: Int, through: Int) { beforeToday ? (start, today - 1) : (start + 1, today) }
            let duration = try compile(length, in: scope)
            // A constant length in days alone (`last 365 days`): day numbers, no calendar.
            var detached = Frame.detached
            if readsOnlyConstants(length, in: scope), case .duration(months: 0, let days)? = try? duration(&detached) {
                return { frame in
                    let today = frame.today.dayNumber
                    guard CivilDate.dayNumbers.contains(today - days) else { throw EvaluationError("a date outside the years 1 to 9999") }
                    return bounds(start: today - days, today: today)
                }
            }
            return { frame in
                guard case .duration(let months, let days) = try duration(&frame) else { throw EvaluationError("a window needs a duration") }
                return bounds(start: try Value.shift(frame.today, months: -months, days: -days).dayNumber, today: frame.today.dayNumber)
            }
        case .this(let period):
            return { frame in
                let today = frame.today
                switch period {
                case .day: return (today.dayNumber, today.dayNumber)
                case .week:
                    let monday = today.dayNumber + 1 - today.weekday
                    return (monday, monday + 6)
                case .month: return (today.dayNumber + 1 - today.day, today.endOfMonth.dayNumber)
                case .year: return (CivilDate(year: today.year, month: 1, day: 1)!.dayNumber, today.endOfYear.dayNumber)
                }
            }
        }
    }
}
