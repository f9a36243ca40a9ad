import Foundation

/// Everything the front end learnt about one file.
public struct CheckResult: Sendable {
    public let file: SourceFile
    public let syntax: Policy
    public let comments: [Comment]
    /// Lexical, syntax and semantic diagnostics, in source order.
    public let diagnostics: [Diagnostic]
    /// The checked policy; nil when there are errors.
    public let policy: CheckedPolicy?
    /// Parameter overrides that could not be used (`check(_:overrides:)`).
    public var overrideErrors: [ParameterOverrideError] = []

    public var hasErrors: Bool { diagnostics.hasErrors || !overrideErrors.isEmpty }
}

/// The front end in one call: source → tokens → syntax tree → checked policy.
public enum PolicyChecker {
    public static func check(_ file: SourceFile) -> CheckResult { check(file, settings: PolicySettings()) }

    public static func check(source: String, name: String = "<policy>") -> CheckResult {
        check(SourceFile(name: name, text: source))
    }
}

/// Checks a parsed policy: names, units, tiers, rules. Collects every diagnostic; never stops at
/// the first.
struct Checker {
    let policy: Policy
    var diagnostics: [Diagnostic] = []

    // Symbol tables, filled in declaration order.
    var parameters: [String: (type: PerkType, value: Expr, span: SourceSpan)] = [:]
    var parameterOrder: [String] = []
    var laterParameters: Set<String> = []
    /// The parameter whose value is being checked (it cannot refer to itself).
    var currentParameter: String?
    /// Values given outside the policy for some parameters, already checked as constants.
    var overrides: [String: (value: Expr, type: PerkType)] = [:]
    var overrideErrors: [ParameterOverrideError] = []
    var eventTypes: [String: EventType] = [:]
    var eventOrder: [String] = []
    var tierRanks: [String: Int] = [:]
    var tierAttributeTypes: [String: PerkType] = [:]
    /// The first tier that sets each attribute, for messages.
    var tierAttributeOwners: [String: String] = [:]
    var measures: [String: Measure] = [:]
    var measureOrder: [String] = []
    var laterMeasures: Set<String> = []
    var benefits: [String: BenefitDecl] = [:]
    var globalNames: [String: (kind: String, span: SourceSpan)] = [:]
    var used: Set<String> = []
    /// The unit each `sum(...)` adds up, by the expression's span (its value when nothing matches).
    var expressionTypes: [SourceSpan: PerkType] = [:]
    var currency = "CNY"
    /// A `currency` that was reported as invalid: amounts in it are not reported again.
    var rejectedCurrency: String?
    var currencyDeclared = false
    /// "No tiers are declared" is said once, not at every use of `tier`.
    var reportedNoTiers = false
    /// The first amount of money, when no currency is declared (warned about once).
    var undeclaredCurrencyUse: SourceSpan?

    /// The time zone of a policy that declares none.
    let defaultTimeZone: String

    /// Whether the policy is a whole one, which must declare events (not a parameter's value
    /// from a configuration, checked as a policy of one `param`).
    let isWholePolicy: Bool

    /// - Parameters: defaultCurrency, defaultTimeZone: what a deployment's settings give for a
    ///   policy that declares none (a currency given so is not warned about).
    init(policy: Policy, defaultCurrency: String? = nil, defaultTimeZone: String? = nil, isWholePolicy: Bool = true) {
        self.policy = policy
        self.isWholePolicy = isWholePolicy
        self.defaultTimeZone = defaultTimeZone ?? "Asia/Shanghai"
        if let defaultCurrency {
            currency = defaultCurrency
            currencyDeclared = true
        }
    }

    mutating func error(_ code: DiagnosticCode, _ message: String, at span: SourceSpan, help: String? = nil, notes: [DiagnosticNote] = []) {
        diagnostics.append(Diagnostic(.error, code: code, message, at: span, notes: notes, help: help))
    }

    mutating func warning(_ code: DiagnosticCode, _ message: String, at span: SourceSpan, help: String? = nil) {
        diagnostics.append(Diagnostic(.warning, code: code, message, at: span, help: help))
    }

    /// Folds constants over the parameters; built once every parameter has been checked.
    var folder = ConstantFolder(parameters: [:], tierRanks: [:])

    // MARK: Passes

    mutating func run() -> CheckedPolicy {
        let header = checkHeader()
        declareEventTypes()
        // An empty file, or one cut short, checks clean otherwise; served, it refuses every event.
        if isWholePolicy, !policy.declarations.contains(where: { if case .event = $0.kind { true } else { false } }) {
            error(.noEvents, "the policy declares no event types, so no event can be applied to it", at: .empty,
                  help: "declare the events it applies, such as `event purchase { amount: money, category: text }`")
        }
        declareTierNames()
        laterParameters = Set(policy.declarations.compactMap { if case .param(let p) = $0.kind { return p.name.name } else { return nil } })
        laterMeasures = Set(policy.declarations.compactMap { if case .measure(let m) = $0.kind { return m.name.name } else { return nil } })
        // Parameters first (constants, in order), then what rules may read anywhere in the file:
        // tier attributes (constants), measures (in order), benefits.
        for declaration in policy.declarations {
            if case .param(let param) = declaration.kind { checkParameter(param) }
        }
        if let tiers = policy.declarations.lazy.compactMap({ if case .tiers(let t) = $0.kind { return t } else { return nil } }).first {
            declareTierAttributes(tiers)
        }
        for declaration in policy.declarations {
            switch declaration.kind {
            case .measure(let measure): checkMeasure(measure)
            case .benefit(let benefit): declareBenefit(benefit)
            default: break
            }
        }
        folder = ConstantFolder(parameters: parameters.mapValues(\.value), tierRanks: tierRanks)
        var ladder: TierLadder?
        var expiry: ExpiryDecl?
        var rules: [RuleDecl] = []
        var penalties: [PenaltyDecl] = []
        var ruleNames: [String: SourceSpan] = [:]
        for declaration in policy.declarations {
            switch declaration.kind {
            case .tiers(let tiers):
                if ladder != nil {
                    error(.duplicateDeclaration, "a policy has one list of tiers", at: declaration.span,
                          help: "put every tier in the first `tiers` declaration")
                } else {
                    ladder = checkTiers(tiers)
                }
            case .rule(let rule):
                claimRuleName(rule.name, &ruleNames)
                checkRule(rule)
                rules.append(rule)
            case .penalty(let penalty):
                claimRuleName(penalty.name, &ruleNames)
                checkPenalty(penalty)
                penalties.append(penalty)
            case .benefit(let benefit):
                checkBenefit(benefit)
            case .expiry(let declared):
                if expiry != nil {
                    error(.duplicateDeclaration, "a policy has one expiry rule", at: declaration.span)
                }
                checkExpiry(declared)
                expiry = declared
            default:
                break
            }
        }
        reportUnused()
        return CheckedPolicy(
            syntax: policy, name: header.name, version: header.version, currency: currency,
            timeZone: header.timeZone ?? defaultTimeZone,
            parameters: parameterOrder.map { Parameter(name: $0, type: parameters[$0]!.type, value: parameters[$0]!.value, span: parameters[$0]!.span) },
            eventTypes: eventOrder.compactMap { eventTypes[$0] },
            tiers: ladder, measures: measureOrder.compactMap { measures[$0] }, rules: rules, penalties: penalties,
            benefits: policy.declarations.compactMap { if case .benefit(let b) = $0.kind { return b } else { return nil } },
            expiry: expiry, expressionTypes: expressionTypes)
    }

    /// Reserves a name in the one namespace shared by parameters, measures, tiers and benefits.
    mutating func claim(_ name: Identifier, as kind: String) -> Bool {
        if let existing = globalNames[name.name] {
            error(.duplicateName, "`\(name)` is already defined, as a \(existing.kind)", at: name.span,
                  help: "give this \(kind) another name",
                  notes: [DiagnosticNote(message: "`\(name)` is first defined here", span: existing.span)])
            return false
        }
        if MemberProperty(rawValue: name.name) != nil {
            error(.duplicateName, "`\(name)` is a built-in name (the member's \(name))", at: name.span,
                  help: "give this \(kind) another name")
            return false
        }
        globalNames[name.name] = (kind, name.span)
        return true
    }

    mutating func claimRuleName(_ name: Identifier, _ names: inout [String: SourceSpan]) {
        if let first = names[name.name] {
            error(.duplicateName, "there is already a rule or penalty called `\(name)`", at: name.span,
                  help: "rule names appear in outcomes and traces: make each one unique",
                  notes: [DiagnosticNote(message: "the first `\(name)`", span: first)])
        } else {
            names[name.name] = name.span
        }
    }

    // MARK: Header

    mutating func checkHeader() -> (name: String?, version: String?, timeZone: String?) {
        var name: String?, version: String?, timeZone: String?
        var seen: [String: SourceSpan] = [:]
        for declaration in policy.declarations {
            let keyword: String
            switch declaration.kind {
            case .policy(let policyName, let policyVersion):
                keyword = "policy"
                if seen[keyword] == nil {
                    name = policyName
                    version = policyVersion?.digits
                }
            case .currency(let code):
                keyword = "currency"
                currencyDeclared = true
                if !Locale.commonISOCurrencyCodes.contains(code.name) {
                    let help = code.name.uppercased() == "RMB" || code.name == "元" ? "the renminbi's code is `CNY`"
                        : Suggestions.didYouMean(code.name.uppercased(), among: Locale.commonISOCurrencyCodes)
                    error(.unknownCurrency, "`\(code)` is not an ISO 4217 currency code", at: code.span,
                          help: help ?? "write an ISO 4217 code in capitals, such as `CNY`")
                    rejectedCurrency = code.name
                } else if seen[keyword] == nil {
                    currency = code.name
                }
            case .timezone(let zone, let span):
                keyword = "timezone"
                if TimeZone(identifier: zone) == nil {
                    let help = Suggestions.closest(to: zone, among: TimeZone.knownTimeZoneIdentifiers).map { "did you mean \"\($0)\"?" }
                    error(.unknownTimezone, "unknown time zone \"\(zone)\"", at: span,
                          help: help ?? "write an IANA time zone such as \"Asia/Shanghai\"")
                } else if seen[keyword] == nil {
                    timeZone = zone
                }
            default:
                continue
            }
            if let first = seen[keyword] {
                error(.duplicateDeclaration, "`\(keyword)` is declared twice", at: declaration.span,
                      notes: [DiagnosticNote(message: "first declared here", span: first)])
            }
            if seen[keyword] == nil { seen[keyword] = declaration.span }
        }
        return (name, version, timeZone)
    }

    // MARK: Declarations

    mutating func declareEventTypes() {
        var declared: [(EventDecl, SourceSpan)] = []
        for declaration in policy.declarations {
            guard case .event(let event) = declaration.kind else { continue }
            if event.name.name == "any" {
                error(.duplicateName, "`any` cannot name an event type: `rule ... on any` means every event", at: event.name.span)
                continue
            }
            if let existing = eventTypes[event.name.name] {
                error(.duplicateName, "the event type `\(event.name)` is declared twice", at: event.name.span,
                      notes: [DiagnosticNote(message: "first declared here", span: existing.span)])
                continue
            }
            eventTypes[event.name.name] = EventType(name: event.name.name, fields: [], span: event.name.span)
            eventOrder.append(event.name.name)
            declared.append((event, declaration.span))
        }
        for (event, span) in declared {
            var fields: [(name: String, type: PerkType)] = []
            for field in event.fields {
                if let first = event.fields.first(where: { $0.name == field.name }), first.name.span != field.name.span {
                    error(.duplicateName, "`\(event.name)` has two fields called `\(field.name)`", at: field.name.span,
                          notes: [DiagnosticNote(message: "the first `\(field.name)`", span: first.name.span)])
                    continue
                }
                if EventProperty(rawValue: field.name.name) != nil {
                    error(.duplicateName, "`\(field.name)` is recorded for every event; it cannot be declared as a field",
                          at: field.name.span, help: "every event has `earned`, `refunded` and `date`: give this field another name")
                    continue
                }
                fields.append((field.name.name, resolveType(field.type)))
            }
            eventTypes[event.name.name] = EventType(name: event.name.name, fields: fields, span: span)
        }
    }

    mutating func resolveType(_ name: Identifier) -> PerkType {
        if let type = PerkType.builtinNames[name.name] { return type }
        if eventTypes[name.name] != nil { return .event(name.name) }
        let help = Suggestions.didYouMean(name.name, among: Array(PerkType.builtinNames.keys) + eventOrder)
        error(.unknownType, "unknown type `\(name)`", at: name.span,
              help: help ?? "the types are money, points, number, percent, duration, date, text, bool, tier, or an event type")
        return .invalid
    }

    mutating func declareTierNames() {
        for declaration in policy.declarations {
            guard case .tiers(let tiers) = declaration.kind, tierRanks.isEmpty else { continue }
            for entry in tiers.tiers where claim(entry.name, as: "tier") {
                tierRanks[entry.name.name] = tierRanks.count
            }
        }
    }

    mutating func checkParameter(_ param: ParamDecl) {
        laterParameters.remove(param.name.name)
        currentParameter = param.name.name
        defer { currentParameter = nil }
        var scope = Scope.constant("a parameter's value")
        let valueType = type(of: param.value, in: &scope)
        var type = valueType
        if let declared = param.declaredType {
            let declaredType = resolveType(declared)
            if !declaredType.accepts(valueType) {
                error(.typeMismatch, "the parameter `\(param.name)` is declared as \(declaredType) but its value is \(valueType)",
                      at: param.value.span, help: Self.unitHelp(expected: declaredType))
            }
            type = declaredType
        }
        var value = param.value
        if let override = overrides[param.name.name] {
            if type.accepts(override.type) {
                value = override.value
            } else {
                overrideErrors.append(ParameterOverrideError(
                    name: param.name.name, column: 0,
                    message: "the policy's `\(param.name)` is \(type), but this value is \(override.type)"
                        + (Self.unitHelp(expected: type).map { "; \($0)" } ?? "")))
            }
        }
        if claim(param.name, as: "parameter") {
            parameters[param.name.name] = (type, value, param.name.span)
            parameterOrder.append(param.name.name)
        }
    }

    mutating func checkMeasure(_ measure: MeasureDecl) {
        laterMeasures.remove(measure.name.name)
        var scope = Scope.member()
        let type = type(of: measure.value, in: &scope)
        if claim(measure.name, as: "measure") {
            measures[measure.name.name] = Measure(name: measure.name.name, type: type, value: measure.value)
            measureOrder.append(measure.name.name)
        }
    }

    mutating func declareBenefit(_ benefit: BenefitDecl) {
        if claim(benefit.name, as: "benefit") {
            benefits[benefit.name.name] = benefit
        }
    }

    mutating func checkTiers(_ declaration: TiersDecl) -> TierLadder {
        var scope = Scope.member()
        let measureType = type(of: declaration.measure, in: &scope)
        if ![.money, .points, .number, .invalid].contains(measureType) {
            error(.typeMismatch, "members qualify for tiers by an amount, but this is \(Self.article(measureType))", at: declaration.measure.span,
                  help: "use money (spend), points or a count, such as a measure defined with `sum(...)`")
        }
        if declaration.tiers.isEmpty {
            error(.tierOrder, "the list of tiers is empty", at: declaration.measure.span, help: "add at least one `tier NAME`")
        }
        var levels: [TierLadder.Level] = []
        var previous: (name: String, value: Constant)?
        for (position, entry) in declaration.tiers.enumerated() {
            var attributes: [String: Expr] = [:]
            for attribute in entry.attributes where attributes[attribute.name.name] == nil {
                attributes[attribute.name.name] = attribute.value
            }
            if position == 0, let threshold = declaration.tiers.first?.threshold {
                error(.tierThreshold, "the lowest tier `\(entry.name)` cannot have a threshold: every member starts in it",
                      at: threshold.span, help: "remove `at ...`, or add a lower tier before it")
            }
            if position > 0 {
                if let threshold = entry.threshold {
                    checkThreshold(threshold, of: entry.name, measureType: measureType, previous: &previous)
                } else {
                    error(.tierThreshold, "the tier `\(entry.name)` has no threshold, so no member can reach it", at: entry.name.span,
                          help: "add `at AMOUNT`, as in `tier \(entry.name) at 5,000 CNY`")
                }
            }
            levels.append(TierLadder.Level(name: entry.name.name, rank: position, threshold: entry.threshold, attributes: attributes))
        }
        for entry in declaration.tiers {
            let missing = tierAttributeTypes.keys.filter { name in !entry.attributes.contains { $0.name.name == name } }.sorted()
            if !missing.isEmpty {
                error(.missingAttribute, "the tier `\(entry.name)` does not set " + missing.map { "`\($0)`" }.joined(separator: ", "),
                      at: entry.name.span, help: "every tier sets the same attributes; `\(tierAttributeOwners[missing[0]] ?? "")` sets `\(missing[0])`")
            }
        }
        if let hold = declaration.hold {
            var constant = Scope.constant("the hold period")
            expectPositiveDuration(hold, in: &constant, "the hold period")
        }
        return TierLadder(measure: declaration.measure, measureType: measureType, levels: levels,
                          attributeTypes: tierAttributeTypes, hold: declaration.hold)
    }

    /// Types every tier attribute (constants), so rules anywhere in the file can read `tier.NAME`.
    mutating func declareTierAttributes(_ declaration: TiersDecl) {
        for entry in declaration.tiers {
            var seen: Set<String> = []
            for attribute in entry.attributes {
                guard seen.insert(attribute.name.name).inserted else {
                    error(.duplicateName, "`\(entry.name)` sets `\(attribute.name)` twice", at: attribute.name.span)
                    continue
                }
                var constant = Scope.constant("a tier attribute")
                let type = type(of: attribute.value, in: &constant)
                if let expected = tierAttributeTypes[attribute.name.name] {
                    if !expected.accepts(type) {
                        error(.typeMismatch, "`\(attribute.name)` is \(Self.article(expected)) for `\(tierAttributeOwners[attribute.name.name] ?? "")` but \(Self.article(type)) for `\(entry.name)`",
                              at: attribute.value.span, help: "every tier's `\(attribute.name)` must have the same unit" + (Self.unitHelp(expected: expected).map { ": \($0)" } ?? ""))
                    }
                } else {
                    tierAttributeTypes[attribute.name.name] = type
                    tierAttributeOwners[attribute.name.name] = entry.name.name
                }
            }
        }
    }

    mutating func checkThreshold(_ threshold: Expr, of tier: Identifier, measureType: PerkType, previous: inout (name: String, value: Constant)?) {
        var scope = Scope.constant("a tier threshold")
        let type = type(of: threshold, in: &scope)
        if !measureType.accepts(type) {
            error(.typeMismatch, "the threshold of `\(tier)` is \(Self.article(type)), but tiers are qualified by \(Self.article(measureType))",
                  at: threshold.span, help: Self.unitHelp(expected: measureType))
            return
        }
        guard let value = folder.fold(threshold) else { return }
        if let before = previous, let order = ConstantFolder.compare(value, before.value), order != .greater {
            let reason = order == .same ? "the same as" : "below"
            error(.tierOrder, "the threshold of `\(tier)` is \(reason) that of `\(before.name)`, so `\(order == .same ? tier.name : before.name)` can never be reached",
                  at: threshold.span, help: "tiers are listed lowest first, each with a higher threshold than the one before")
        }
        previous = (tier.name, value)
    }

    // MARK: Rules, penalties, benefits, expiry

    mutating func eventType(_ name: Identifier) -> EventType? {
        if let type = eventTypes[name.name] { return type }
        let help = Suggestions.didYouMean(name.name, among: eventOrder)
        let declared = eventOrder.isEmpty ? "" : ", or use one of: " + eventOrder.map { "`\($0)`" }.joined(separator: ", ")
        error(.unknownEvent, "no event type `\(name)` is declared", at: name.span,
              help: help ?? "declare it, as in `event \(name) { ... }`\(declared)")
        return nil
    }

    mutating func checkRule(_ rule: RuleDecl) {
        var scope = Scope.member()
        if let name = rule.event {
            if let event = eventType(name) {
                scope.event = event
            } else {
                scope.eventIsUnknown = true
            }
        } else {
            scope.isAnyEvent = true
        }
        if let condition = rule.condition {
            expect(.bool, condition, in: &scope, "a rule's `where` condition")
            if conditionNeverHolds(condition) {
                warning(.neverFires, "the rule `\(rule.name)` can never fire: its condition is always false", at: condition.span,
                        help: "fix the condition, or remove the rule")
            }
        }
        checkBlock(rule.body, in: &scope)
    }

    mutating func checkPenalty(_ penalty: PenaltyDecl) {
        var scope = Scope.member()
        if let event = eventType(penalty.event) {
            scope.event = event
        } else {
            scope.eventIsUnknown = true
        }
        if let condition = penalty.condition {
            expect(.bool, condition, in: &scope, "a penalty's `where` condition")
        }
        var constant = Scope.constant("a penalty's window")
        expectPositiveDuration(penalty.window, in: &constant, "the counting window")
        var last = 0
        var openEnded: PenaltyDecl.Step?
        for step in penalty.steps {
            let ordinal = "\(step.ordinal)\(Self.suffix(step.ordinal))"
            if let openEnded, step.ordinal >= openEnded.ordinal {
                error(.penaltySteps, "this step can never apply: `\(openEnded.ordinal)\(Self.suffix(openEnded.ordinal)) or more` before it covers it",
                      at: step.span, help: "put the `or more` step last")
            } else if penalty.steps.contains(where: { $0.ordinal == step.ordinal && $0.span.start < step.span.start }) {
                error(.penaltySteps, "`\(ordinal)` is listed twice", at: step.span, help: "list each step once")
            } else if step.ordinal <= last {
                error(.penaltySteps, "steps are counted upwards: `\(ordinal)` comes after step \(last)", at: step.span,
                      help: "list the steps in order: 1st, 2nd, 3rd ...")
            } else if step.ordinal == 0 {
                error(.penaltySteps, "steps start at `1st`", at: step.span)
            }
            last = max(last, step.ordinal)
            if step.orMore { openEnded = step }
            var stepScope = scope
            checkBlock(step.actions, in: &stepScope)
        }
        if penalty.steps.isEmpty {
            warning(.neverFires, "the penalty `\(penalty.name)` has no steps, so it does nothing", at: penalty.name.span)
        }
    }

    mutating func checkBenefit(_ benefit: BenefitDecl) {
        var scope = Scope.member()
        for condition in benefit.conditions.map(\.expr) {
            expect(.bool, condition, in: &scope, "a benefit's `for` condition")
            if conditionNeverHolds(condition) {
                warning(.neverFires, "no member can ever have `\(benefit.name)`: its condition is always false", at: condition.span)
            }
        }
        if let value = benefit.value {
            _ = type(of: value, in: &scope)
        }
        if let limit = benefit.limit {
            // A limit may depend on the member (`limit tier.lounge_visits per year`).
            expect(.number, limit, in: &scope, "a benefit's limit (a count of uses)")
            if case .quantity(let count, _)? = folder.fold(limit) {
                if count <= .zero {
                    warning(.neverFires, "`\(benefit.name)` can never be used: its limit is \(count)", at: limit.span)
                } else if count.floor != count {
                    error(.typeMismatch, "a limit counts uses, so it is a whole number, not \(count)", at: limit.span)
                }
            }
        }
    }

    mutating func checkExpiry(_ expiry: ExpiryDecl) {
        var constant = Scope.constant("a lot's lifetime")
        expectPositiveDuration(expiry.lifetime, in: &constant, "the lifetime of a lot")
        if let notice = expiry.notice {
            expectPositiveDuration(notice, in: &constant, "the notice period")
        }
    }

    /// Checks a period that must be a positive duration: a window, a hold, a lifetime, a notice.
    mutating func expectPositiveDuration(_ expr: Expr, in scope: inout Scope, _ what: String) {
        expect(.duration, expr, in: &scope, what)
        var value = expr
        var seen: Set<String> = []
        while case .name(let name) = value.kind, let parameter = parameters[name], seen.insert(name).inserted {
            value = parameter.value
        }
        if case .unary(.negate, _) = value.kind {
            error(.typeMismatch, "\(what) must be longer than zero", at: expr.span, help: "write a positive duration, such as `30 days`")
        } else if case .literal(let literal) = value.kind, case .duration = literal.unit, let number = ExactNumber(decimal: literal.digits), number.isZero {
            error(.typeMismatch, "\(what) must be longer than zero", at: expr.span, help: "write a positive duration, such as `30 days`")
        }
    }

    /// Checks an amount a statement gives or takes (`earn`, `deduct`, a fee): negative, as a
    /// constant (`earn -200 points`, or a parameter a configuration sets so), the engine refuses
    /// it at every event, so it is refused here, where it is written.
    mutating func expectNotNegative(_ expr: Expr, _ what: String) {
        guard case .quantity(let value, _)? = folder.fold(expr), value.isNegative else { return }
        error(.typeMismatch, "\(what) cannot be negative", at: expr.span, help: "write an amount of zero or more")
    }

    /// Whether a condition folds to false, or compares the member's tier beyond the ladder's ends.
    func conditionNeverHolds(_ condition: Expr) -> Bool {
        if folder.fold(condition) == .bool(false) { return true }
        switch condition.kind {
        case .parenthesized(let inner):
            return conditionNeverHolds(inner)
        case .binary(.and, let left, let right):
            return conditionNeverHolds(left) || conditionNeverHolds(right)
        case .binary(.or, let left, let right):
            return conditionNeverHolds(left) && conditionNeverHolds(right)
        case .binary(let op, let left, let right) where op == .greater || op == .less:
            let top = tierRanks.count - 1
            if case .name("tier") = left.kind, case .tier(let rank)? = folder.fold(right) {
                return (op == .greater && rank == top) || (op == .less && rank == 0)
            }
            if case .name("tier") = right.kind, case .tier(let rank)? = folder.fold(left) {
                return (op == .less && rank == top) || (op == .greater && rank == 0)
            }
            return false
        default:
            return false
        }
    }

    mutating func reportUnused() {
        if let span = undeclaredCurrencyUse {
            warning(.missingCurrency, "no `currency` is declared, so amounts are taken to be \(currency)", at: span,
                    help: "add `currency \(currency)` (or your currency's ISO 4217 code) at the top of the policy")
        }
        for name in parameterOrder where !used.contains(name) {
            warning(.unusedParameter, "the parameter `\(name)` is never used", at: parameters[name]!.span,
                    help: "use it in a rule, or remove it")
        }
        for name in measureOrder where !used.contains(name) {
            if let span = globalNames[name]?.span {
                warning(.unusedMeasure, "the measure `\(name)` is never used", at: span, help: "use it, or remove it")
            }
        }
    }

    static func suffix(_ n: Int) -> String {
        if (11...13).contains(n % 100) { return "th" }
        switch n % 10 {
        case 1: return "st"
        case 2: return "nd"
        case 3: return "rd"
        default: return "th"
        }
    }

    static func unitHelp(expected: PerkType) -> String? {
        switch expected {
        case .money: return "write money with its currency, as in `10 CNY` or `¥10`"
        case .points: return "write points with their unit, as in `500 points`"
        case .duration: return "write a duration, as in `30 days` or `12 months`"
        case .percent: return "write a percentage, as in `5%`"
        case .number: return "write a plain number, without a unit"
        case .bool: return "write a condition, such as `tier >= Gold`"
        default: return nil
        }
    }
}
