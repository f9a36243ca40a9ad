import PerkLanguage

/// A checked policy compiled once into closures: immutable, thread-safe, shared by every member.
/// Apply events to a member's state, advance a member through time, ask for entitlements.
public final class CompiledPolicy: Sendable {
    public let checked: CheckedPolicy
    let effects: Effects
    /// What applying an event of each declared type involves, in declaration order (see `plan(for:)`).
    private let plans: [(type: String, plan: EventPlan)]
    /// The plan of an event of a type the policy does not declare: only `on any` rules.
    let planForUndeclaredType: EventPlan
    /// Event-type fields that refer to earlier events, by event type.
    let references: [String: [(field: String, type: String)]]
    /// How far back windows reach: older events of unreferenced types are dropped.
    let lookback: Lookback
    /// The number of event types the policy declares.
    let typeCount: Int
    /// The event types whose events are kept in a member's history (those an aggregate, a penalty
    /// or a reference looks back at), with their index in `MemberState.histories`.
    let recordedTypes: [String: Int]
    /// Recorded types no event refers to: their events are forgotten once no window sees them.
    /// (Referenced types are kept however old: a refund may name any purchase.)
    let forgettableTypes: [Int]
    /// The money one point is worth: the policy's one parameter that is a rate of money per
    /// points (`point_value = 10 CNY per 100 points`), if it has exactly one.
    public let pointValue: ExactNumber?
    /// The longest quota period of any benefit (older uses are dropped).
    let quotaPeriods: [String: Period]

    /// What applying an event of type `type` involves. A policy declares a handful of types, and
    /// comparing a type's name with each is cheaper than hashing it (which a dictionary would, for
    /// every event). Unretained: the policy keeps its plans (returned retained, the plan was
    /// retained and released for every event applied).
    func plan(for type: String) -> Unmanaged<EventPlan> {
        for index in plans.indices where plans[index].type == type { return Unmanaged.passUnretained(plans[index].plan) }
        return Unmanaged.passUnretained(planForUndeclaredType)
    }

    /// What applying an event of one type involves. A class: taking an event's plan retains one
    /// reference, not each of its arrays.
    final class EventPlan: Sendable {
        /// The rules it runs, in the policy's order.
        let rules: [CompiledRule]
        /// Its index in `MemberState.histories`, when its events are kept.
        let recordedAs: Int?
        /// Its fields that refer to earlier events, and their types.
        let references: [(field: String, type: String)]

        init(rules: [CompiledRule], recordedAs: Int?, references: [(field: String, type: String)]) {
            self.rules = rules
            self.recordedAs = recordedAs
            self.references = references
        }
    }

    /// A class, so the rules an event runs are walked without copying each one.
    final class CompiledRule: Sendable {
        let name: String
        /// nil: every event type.
        let eventType: String?
        /// Its `where` (true without one). Not optional: an optional's closure was copied out to
        /// be called, and retained for it, at every event.
        let condition: EvaluateCondition
        let body: Perform
        /// For a penalty: how many matching events the window holds, and the steps.
        let penalty: Penalty?

        init(name: String, eventType: String?, condition: CompiledCondition?, body: @escaping Perform, penalty: Penalty?) {
            self.name = name
            self.eventType = eventType
            // Not through `??`, which is generic: the closure would be called through a thunk.
            if let condition { self.condition = condition.evaluate } else { self.condition = { _ in true } }
            self.body = body
            self.penalty = penalty
        }
    }

    struct Penalty: Sendable {
        let count: Evaluate
        let steps: [(ordinal: Int, orMore: Bool, actions: Perform)]

        /// The step for the `count`th violation: its own, or the highest `or more` below it.
        func step(for count: Int) -> Perform? {
            if let exact = steps.first(where: { $0.ordinal == count }) { return exact.actions }
            return steps.filter { $0.orMore && $0.ordinal <= count }.max { $0.ordinal < $1.ordinal }?.actions
        }
    }

    /// Why a policy could not be compiled.
    public enum CompileFailure: Error, CustomStringConvertible {
        case invalid(CheckResult)
        case evaluation(EvaluationError)

        public var description: String {
            switch self {
            case .invalid(let result):
                return DiagnosticRenderer().render(result.diagnostics.filter(\.isError), in: result.file)
                    + result.overrideErrors.map { "error: \($0)\n" }.joined()
            case .evaluation(let error): return "the policy's constants cannot be computed: \(error)"
            }
        }
    }

    /// Checks and compiles a policy file's source, under a deployment's settings (parameter
    /// values, default currency and time zone).
    public static func compile(_ file: SourceFile, settings: PolicySettings = PolicySettings()) -> Result<CompiledPolicy, CompileFailure> {
        compile(PolicyChecker.check(file, settings: settings))
    }

    /// Compiles what the checker found, or fails with its diagnostics.
    public static func compile(_ result: CheckResult) -> Result<CompiledPolicy, CompileFailure> {
        guard let checked = result.policy else { return .failure(.invalid(result)) }
        do {
            return .success(try CompiledPolicy(checked))
        } catch let error as EvaluationError {
            return .failure(.evaluation(error))
        } catch {
            return .failure(.evaluation(EvaluationError("\(error)")))
        }
    }

    /// The same policy compiled again, into objects of its own, for another thread: it gives the
    /// same outcomes. Threads applying events under one shared compiled policy contend for the
    /// reference counts of its closures and tables on every event; a replica per thread does not.
    public func replica() -> CompiledPolicy {
        // It compiled once, so it compiles again; were it not to, sharing is only slower.
        (try? CompiledPolicy(checked)) ?? self
    }

    public init(_ checked: CheckedPolicy) throws {
        self.checked = checked
        let compiler = try ExpressionCompiler(policy: checked)
        let constant = Frame.detached
        func constantValue(_ expr: Expr?) throws -> Value? {
            guard let expr else { return nil }
            var frame = constant
            return try compiler.compile(expr, in: .init())(&frame)
        }
        let ladder = checked.tiers
        let benefits = try checked.benefits.map { benefit in
            Effects.Benefit(
                name: benefit.name.name,
                conditions: try benefit.conditions.map { .init(check: try compiler.compile($0.expr, in: .init()), denial: $0.denial?.code.name ?? "not_eligible") },
                value: try benefit.value.map { try compiler.compile($0, in: .init()) },
                limit: try benefit.limit.map { try compiler.compile($0, in: .init()) },
                period: benefit.period)
        }
        let measure = try ladder.map { CompiledAmount(try compiler.compileAmount($0.measure, in: .init())) }
        let rules = try Self.compileRules(checked, compiler)
        effects = Effects(
            tierNames: ladder?.levels.map(\.name) ?? [],
            thresholds: try (ladder?.levels ?? []).map { try constantValue($0.threshold)?.amount },
            measure: measure, measureUnit: ladder.flatMap { compiler.quantityType(of: $0.measure) },
            hold: try constantValue(ladder?.hold),
            lifetime: try constantValue(checked.expiry?.lifetime),
            alignToEndOf: checked.expiry?.alignToEndOf,
            noticeLead: try constantValue(checked.expiry?.notice),
            benefits: benefits,
            entitlementsByStanding: Self.entitlementsByStanding(checked, benefits, compiler),
            // Every aggregate is compiled by now: the registry holds all running-total terms.
            windowTerms: checked.eventTypes.indices.map { WindowTerms(compiler.windowTerms.terms[$0] ?? []) })
        var references: [String: [(field: String, type: String)]] = [:]
        for type in checked.eventTypes {
            for (field, fieldType) in type.fields {
                if case .event(let target) = fieldType { references[type.name, default: []].append((field, target)) }
            }
        }
        self.references = references
        let referencedTypes = Set(references.values.flatMap { $0.map(\.type) })
        lookback = Lookback(checked) { expr in
            var frame = constant
            return try? compiler.compile(expr, in: .init())(&frame)
        }
        typeCount = checked.eventTypes.count
        let recorded = lookback.aggregatedTypes.union(referencedTypes)
        let recordedTypes = compiler.typeIndex.filter { recorded.contains($0.key) }
        self.recordedTypes = recordedTypes
        forgettableTypes = recordedTypes.filter { !referencedTypes.contains($0.key) }.map(\.value).sorted()
        plans = checked.eventTypes.map { type in
            (type.name, EventPlan(rules: rules.filter { $0.eventType == nil || $0.eventType == type.name },
                                  recordedAs: recordedTypes[type.name], references: references[type.name] ?? []))
        }
        planForUndeclaredType = EventPlan(rules: rules.filter { $0.eventType == nil }, recordedAs: nil, references: [])
        let values = checked.parameters.filter { $0.type == .rate(.money, per: .points) }.compactMap { compiler.parameters[$0.name]?.amount }
        pointValue = values.count == 1 ? values[0] : nil
        quotaPeriods = Dictionary(uniqueKeysWithValues: checked.benefits.compactMap { benefit in benefit.period.map { (benefit.name.name, $0) } })
    }

    /// The entitlements in force in each standing, when every benefit's conditions and value read
    /// nothing but the member's standing (tier, status, birthday month) and constants.
    private static func entitlementsByStanding(_ checked: CheckedPolicy, _ benefits: [Effects.Benefit],
                                               _ compiler: ExpressionCompiler) -> [[(benefit: String, value: Value?)]]? {
        var tables: [(name: String, conditions: [[Value]], value: [Value]?)] = []
        for (declaration, benefit) in zip(checked.benefits, benefits) {
            var conditions: [[Value]] = []
            for (condition, compiled) in zip(declaration.conditions, benefit.conditions) {
                guard let table = compiler.standingTable(condition.expr, compiled.check, in: .init()) else { return nil }
                conditions.append(table)
            }
            var value: [Value]?
            if let expr = declaration.value, let compiled = benefit.value {
                guard let table = compiler.standingTable(expr, compiled, in: .init()) else { return nil }
                value = table
            }
            tables.append((benefit.name, conditions, value))
        }
        return (0..<Standing.count(tiers: compiler.tierRanks.count)).map { standing in
            tables.filter { $0.conditions.allSatisfy { $0[standing].isTrue } }.map { (benefit: $0.name, value: $0.value?[standing]) }
        }
    }

    /// Rules and penalties, in the policy's order.
    private static func compileRules(_ checked: CheckedPolicy, _ compiler: ExpressionCompiler) throws -> [CompiledRule] {
            var rules: [CompiledRule] = []
            for declaration in checked.syntax.declarations {
                switch declaration.kind {
                case .rule(let rule):
                    let scope = ExpressionCompiler.Scope(event: rule.event.flatMap { checked.eventType(named: $0.name) })
                    rules.append(CompiledRule(
                        name: rule.name.name, eventType: rule.event?.name,
                        condition: try rule.condition.map { try compiler.compileEventCondition($0, in: scope) },
                        body: try compiler.compileBlock(rule.body, in: scope), penalty: nil))
                case .penalty(let penalty):
                    let eventType = checked.eventType(named: penalty.event.name)
                    let scope = ExpressionCompiler.Scope(event: eventType)
                    // Counting: the same condition, read on each event of the window.
                    let counted = Expr(.count(event: penalty.event, filter: penalty.condition, window: .last(penalty.window, beforeToday: false)), span: penalty.window.span)
                    rules.append(CompiledRule(
                        name: penalty.name.name, eventType: penalty.event.name,
                        condition: try penalty.condition.map { try compiler.compileCondition($0, in: scope) },
                        body: { _ in },
                        penalty: Penalty(
                            count: try compiler.compile(counted, in: scope),
                            steps: try penalty.steps.map { (ordinal: $0.ordinal, orMore: $0.orMore, actions: try compiler.compileBlock($0.actions, in: scope)) })))
                default:
                    continue
                }
            }
            return rules
    }

    /// A new member: lowest tier, active, no points.
    public func newMember(id: String, birthday: Birthday? = nil) -> MemberState {
        MemberState(id: id, birthday: birthday)
    }

    /// A member as an earlier system left them (a policy test's starting state): a tier reached
    /// on a day (reviewed when the policy's hold says), a status, and points in lots earned on
    /// given days, expiring as the policy says. Opening points count as earned.
    public func openingMember(id: String, birthday: Birthday? = nil, tier: Int = 0, tierReached: CivilDate? = nil,
                              status: MemberState.Status = .active, lots: [(points: ExactNumber, earnedOn: CivilDate)] = []) -> MemberState {
        var member = MemberState(id: id, birthday: birthday)
        if tier > 0 {
            member.tier = min(tier, tierNames.count - 1)
            member.tierReached = tierReached
            member.nextReview = tierReached.flatMap { effects.holdEnd(from: $0) }
        }
        member.status = status
        for lot in lots.sorted(by: { $0.earnedOn < $1.earnedOn }) where !lot.points.isZero {
            let expiry = effects.expiryDate(earnedOn: lot.earnedOn)
            member.lots.append(Lot(earnedOn: lot.earnedOn, expiresOn: expiry, noticeOn: effects.noticeDate(earnedOn: lot.earnedOn, expiry: expiry),
                                   amount: lot.points, remaining: lot.points, source: "opening balance"))
            member.totals.earned = member.totals.earned.adding(lot.points) ?? member.totals.earned
        }
        return member
    }

    public var tierNames: [String] { effects.tierNames }
}
