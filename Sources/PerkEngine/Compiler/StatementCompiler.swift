import PerkLanguage

/// A rule's statement as it runs: reads and changes the member through `Execution`.
typealias Perform = @Sendable (inout Execution) throws -> Void

/// The state of one event's application: the frame expressions read, the outcome being built,
/// and the rule that is running. Changes to recorded events and lots are journalled so that a
/// refused event can be undone without copying the member's history or lots.
struct Execution {
    var frame: Frame
    var outcome: Outcome
    var rule = ""
    let effects: Effects
    /// Where the event being applied was recorded (its type's history, index), if it was.
    var recordedAt: (type: Int, index: Int)?
    /// What this event changed that a refusal must undo, in the order changed.
    var journal = ShortList<Undo>()
    /// The expiry days of lots earned so far, by month.
    var expiries = ExpiryMemo()

    /// A change an event made to the member's lots, history or benefit uses. Plain values only
    /// (a benefit by its index, not its name), so journalling one copies no reference.
    enum Undo {
        /// A recorded event's `earned` and `refunded` before it changed.
        case recorded(type: Int, index: Int, earned: ExactNumber, refunded: ExactNumber)
        case lotAdded(index: Int)
        /// A lot drawn on: its `remaining` before.
        case lotDrawn(index: Int, remaining: ExactNumber)
        /// A use granted of the policy's benefit `index` (`Effects.benefits`); `first`: the
        /// benefit had no uses kept before.
        case benefitUsed(index: Int, first: Bool)
    }

    /// Changes a recorded event, journalling its earlier values, and updates running totals.
    mutating func updateRecorded(type: Int, index: Int, _ property: EventProperty, _ change: (inout RecordedEvent) -> Void) {
        // The event being applied needs no entry: refused, it is removed whole.
        if recordedAt.map({ $0 != (type, index) }) ?? true {
            journal.append(.recorded(type: type, index: index, earned: frame.member.histories[type][index].earned,
                                     refunded: frame.member.histories[type][index].refunded))
        }
        change(&frame.member.histories[type][index])
        Unmanaged.passUnretained(effects)._withUnsafeGuaranteedRef { $0.refreshWindowSums(ofType: type, from: index, changed: property, in: &frame) }
    }

    /// Calls `body` with the policy's effects and this execution. The effects are taken
    /// unretained: the compiled policy keeps them while any session of it runs. (Read from the
    /// execution that the call changes, they were retained and released around every call.)
    @inline(__always)
    mutating func withEffects<Result>(_ body: (Effects, inout Execution) throws -> Result) rethrows -> Result {
        try Unmanaged.passUnretained(effects)._withUnsafeGuaranteedRef { try body($0, &self) }
    }
}

/// A `require` that failed: the event is refused and nothing it did is kept.
struct Denial: Error {
    let code: String
    let message: String?
    let rule: String
}

extension ExpressionCompiler {
    /// A block's statements in order, chained closure to closure (a closure kept in an array is
    /// called through conversion thunks).
    func compileBlock(_ statements: [Statement], in scope: Scope) throws -> Perform {
        var scope = scope
        var block: Perform = { _ in }
        for (index, statement) in statements.enumerated() {
            let step = try compileStatement(statement, in: &scope)
            if index == 0 {
                block = step
            } else {
                let before = block
                block = { execution in
                    try before(&execution)
                    try step(&execution)
                }
            }
        }
        return block
    }

    /// The points a statement takes (`earn`, `redeem`, `deduct`, `clawback`), which the checker
    /// has typed as points: computed as an amount, and refused unless whole and not negative.
    private func compilePoints(_ expr: Expr, _ what: String, in scope: Scope) throws -> EvaluateAmount {
        let amount = try compileAmount(expr, in: scope)
        return { frame in
            let points = try amount(&frame)
            guard points.floor == points else { throw EvaluationError("\(what) \(points) points: points are whole numbers; round with floor, ceil or round") }
            guard !points.isNegative else { throw EvaluationError("\(what) \(points) points: a negative amount") }
            return points
        }
    }

    func compileStatement(_ statement: Statement, in scope: inout Scope) throws -> Perform {
        switch statement.kind {
        case .letBinding(let name, let value):
            // Every name in scope has its own slot; a sibling block may reuse a slot.
            let slot = scope.locals.count
            if scope.typesKnown, let unit = quantityType(of: value) {
                // A quantity: its amount is computed and kept without its unit.
                let amount = try compileAmount(value, in: scope)
                scope.locals[name.name] = Local(slot: slot, unit: unit)
                return { execution in
                    let result = try amount(&execution.frame)
                    execution.frame.bind(slot, toAmount: result)
                    execution.frame.seen?.append("\(name.name) = \(Value.quantity(unit, result)!)")
                }
            }
            let compiled = try compile(value, in: scope)
            scope.locals[name.name] = Local(slot: slot, unit: nil)
            return { execution in
                let result = try compiled(&execution.frame)
                execution.frame.bind(slot, to: result)
                execution.frame.seen?.append("\(name.name) = \(result)")
            }
        case .require(let condition, let reason):
            let compiled = try compileCondition(condition, in: scope)
            // Without a message of the policy's, the refusal says which condition failed (a client
            // was given a code alone).
            let message = reason.message ?? "`\(Formatter.expression(condition))` does not hold"
            return { execution in
                if !(try compiled(&execution.frame)) {
                    throw Denial(code: reason.code.name, message: message, rule: execution.rule)
                }
            }
        case .ifThen(let condition, let then, let otherwise):
            let compiled = try compileCondition(condition, in: scope)
            let yes = try compileBlock(then, in: scope)
            let no = try otherwise.map { try compileBlock($0, in: scope) }
            return { execution in
                if try compiled(&execution.frame) { try yes(&execution) } else { try no?(&execution) }
            }
        case .earn(let amount):
            let earned = try compilePoints(amount, "earn", in: scope)
            return { execution in try execution.withEffects { try $0.earn(try earned(&$1.frame), in: &$1) } }
        case .redeem(let amount):
            let compiled = try compilePoints(amount, "redeem", in: scope)
            return { execution in
                let wanted = try compiled(&execution.frame)
                guard wanted <= execution.frame.member.balance else {
                    throw EvaluationError("redeem \(wanted) points, more than the balance of \(execution.frame.member.balance)")
                }
                let taken = execution.withEffects { $0.take(wanted, from: nil, in: &$1) }
                execution.outcome.redeemed = execution.outcome.redeemed.adding(taken)!
                execution.frame.member.totals.redeemed = execution.frame.member.totals.redeemed.adding(taken)!
            }
        case .deduct(let amount):
            let compiled = try compilePoints(amount, "deduct", in: scope)
            return { execution in
                let wanted = try compiled(&execution.frame)
                let taken = execution.withEffects { $0.take(wanted, from: nil, in: &$1) }
                execution.outcome.deducted = execution.outcome.deducted.adding(taken)!
                execution.frame.member.totals.deducted = execution.frame.member.totals.deducted.adding(taken)!
            }
        case .clawback(let amount, let source):
            let compiled = try compilePoints(amount, "clawback", in: scope)
            let origin = try source.map { try compile($0, in: scope) }
            return { execution in
                let wanted = try compiled(&execution.frame)
                var first: String?
                if let origin, case .event(let id) = try origin(&execution.frame) { first = id }
                let taken = execution.withEffects { $0.take(wanted, from: first, in: &$1) }
                let missing = wanted.subtracting(taken)!
                execution.outcome.clawedBack = execution.outcome.clawedBack.adding(taken)!
                execution.outcome.unrecovered = execution.outcome.unrecovered.adding(missing)!
                execution.frame.member.totals.clawedBack = execution.frame.member.totals.clawedBack.adding(taken)!
                execution.frame.member.totals.unrecovered = execution.frame.member.totals.unrecovered.adding(missing)!
            }
        case .forfeit:
            return { execution in
                let balance = execution.frame.member.balance
                _ = execution.withEffects { $0.take(balance, from: nil, in: &$1) }
                execution.outcome.forfeited = execution.outcome.forfeited.adding(balance)!
                execution.frame.member.totals.forfeited = execution.frame.member.totals.forfeited.adding(balance)!
            }
        case .cancel:
            return { execution in execution.withEffects { $0.setStatus(.cancelled, reason: $1.rule, in: &$1) } }
        case .freeze(let length):
            let compiled = try compile(length, in: scope)
            return { execution in
                guard case .duration(let months, let days) = try compiled(&execution.frame) else { throw EvaluationError("freeze needs a duration") }
                let until = try Value.shift(execution.frame.today, months: months, days: days)
                switch execution.frame.member.status {
                case .cancelled: return
                case .frozen(let current) where current >= until: return
                default: execution.withEffects { $0.setStatus(.frozen(until: until), reason: $1.rule, in: &$1) }
                }
            }
        case .warn(let message):
            return { execution in execution.outcome.notes.append((code: "warning", message: message ?? execution.rule)) }
        case .note(let reason):
            return { execution in execution.outcome.notes.append((code: reason.code.name, message: reason.message)) }
        case .charge(let fee, let label):
            let compiled = try compile(fee, in: scope)
            return { execution in
                guard case .money(let amount) = try compiled(&execution.frame) else { throw EvaluationError("a fee is money") }
                execution.outcome.fees.append((label: label?.name ?? execution.rule, amount: amount))
                execution.frame.member.totals.fees = execution.frame.member.totals.fees.adding(amount)!
            }
        case .use(let benefit):
            let compiled = try compile(benefit, in: scope)
            return { execution in
                guard case .text(let name) = try compiled(&execution.frame) else { throw EvaluationError("`use` needs a benefit's name") }
                try execution.withEffects { try $0.use(name, in: &$1) }
            }
        case .upgrade:
            return { execution in try execution.withEffects { try $0.upgrade(in: &$1) } }
        case .downgrade:
            return { execution in try execution.withEffects { try $0.downgrade(in: &$1) } }
        case .reverse(let amount, let original):
            let compiledAmount = try compile(amount, in: scope), compiledOriginal = try compile(original, in: scope)
            return { execution in
                guard case .money(let refund) = try compiledAmount(&execution.frame),
                      case .event(let id) = try compiledOriginal(&execution.frame),
                      let (type, index) = execution.frame.member.recorded(id) else {
                    throw EvaluationError("`reverse` needs an amount of money and an earlier event")
                }
                guard let refunded = execution.frame.member.histories[type][index].refunded.adding(refund) else {
                    throw EvaluationError("a number too large to compute exactly")
                }
                execution.updateRecorded(type: type, index: index, .refunded) { $0.refunded = refunded }
                execution.frame.seen?.append("\(id).refunded = \(refunded)")
            }
        }
    }
}
