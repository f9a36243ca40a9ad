import PerkLanguage

/// How far back any part of a policy can look into a member's history: the longest window of
/// any `sum`/`count` (measures, rules, benefits) and of any penalty. Older events are forgotten,
/// except those of types another event can refer to (a refund's purchase), which are kept.
struct Lookback: Sendable {
    /// The longest window, as calendar months and days (both are applied: the larger reach wins).
    var months = 0
    var days = 0
    /// A window whose length is not known ahead: keep all history.
    var unbounded = false
    /// The event types some aggregate or penalty looks back at.
    var aggregatedTypes: Set<String> = []

    init(_ policy: CheckedPolicy, durations: (Expr) -> Value?) {
        var windows: [Window] = []
        func collect(_ expr: Expr) {
            switch expr.kind {
            case .count(let event, let filter, let window):
                windows.append(window)
                aggregatedTypes.insert(event.name)
                filter.map(collect)
            case .sum(let value, let event, let filter, let window):
                windows.append(window)
                aggregatedTypes.insert(event.name)
                collect(value)
                filter.map(collect)
            case .member(let base, _): collect(base)
            case .call(_, let arguments), .list(let arguments): arguments.forEach(collect)
            case .unary(_, let operand), .parenthesized(let operand): collect(operand)
            case .binary(_, let left, let right), .membership(let left, let right, _):
                collect(left)
                collect(right)
            case .between(let a, let b, let c), .conditional(let a, let b, let c):
                [a, b, c].forEach(collect)
            default: break
            }
        }
        func collect(_ statements: [Statement]) {
            for statement in statements {
                switch statement.kind {
                case .letBinding(_, let e), .require(let e, _), .earn(let e), .redeem(let e), .deduct(let e), .freeze(let e),
                     .use(let e), .charge(let e, _):
                    collect(e)
                case .clawback(let e, let from):
                    collect(e)
                    from.map(collect)
                case .reverse(let a, let b):
                    collect(a)
                    collect(b)
                case .ifThen(let condition, let then, let otherwise):
                    collect(condition)
                    collect(then)
                    otherwise.map(collect)
                default: break
                }
            }
        }
        policy.measures.forEach { collect($0.value) }
        policy.tiers.map { collect($0.measure) }
        for benefit in policy.benefits {
            benefit.conditions.forEach { collect($0.expr) }
            [benefit.value, benefit.limit].compactMap { $0 }.forEach(collect)
        }
        for rule in policy.rules {
            rule.condition.map(collect)
            collect(rule.body)
        }
        for penalty in policy.penalties {
            windows.append(.last(penalty.window, beforeToday: false))
            aggregatedTypes.insert(penalty.event.name)
            penalty.condition.map(collect)
            penalty.steps.forEach { collect($0.actions) }
        }
        for window in windows {
            switch window {
            case .last(let length, _):
                if case .duration(let m, let d)? = durations(length) {
                    months = max(months, m)
                    days = max(days, d)
                } else {
                    unbounded = true
                }
            case .this(let period):
                switch period {
                case .day: days = max(days, 1)
                case .week: days = max(days, 7)
                case .month: months = max(months, 1)
                case .year: months = max(months, 12)
                }
            }
        }
    }

    /// Days before today that every window reaches at the least (a month back is at least 28
    /// days back): an event that recent is within the horizon, which then need not be computed.
    var leastReachInDays: Int { months * 28 + days + 1 }

    /// The oldest date a window can still see on `today`.
    func horizon(from today: CivilDate) -> CivilDate? {
        guard !unbounded else { return nil }
        return today.adding(months: -months)?.adding(days: -days - 1)
    }
}
