/// What a deployment sets around a policy (its configuration): values for some of its
/// parameters, and the currency and time zone of a policy that declares none.
public struct PolicySettings: Sendable, Equatable {
    public var parameters: [ParameterOverride]
    /// An ISO 4217 code; amounts of a policy without `currency` are in it (else CNY).
    public var currency: String?
    /// An IANA time zone; dates of a policy without `timezone` are in it (else Asia/Shanghai).
    public var timeZone: String?

    public init(parameters: [ParameterOverride] = [], currency: String? = nil, timeZone: String? = nil) {
        self.parameters = parameters
        self.currency = currency
        self.timeZone = timeZone
    }
}

/// A parameter's value given outside its policy — by a deployment's configuration — as Perk
/// source for a constant: `2 points per 10 CNY`, `6,000 CNY`, `["deposit", "tax"]`. It must have
/// the parameter's unit; the rules stay as written.
public struct ParameterOverride: Sendable, Equatable {
    public let name: String
    public let text: String

    public init(name: String, text: String) {
        self.name = name
        self.text = text
    }
}

/// Why an override cannot be used: an unknown parameter, a value that is not a constant, or one
/// of another unit.
public struct ParameterOverrideError: Error, Sendable, Equatable, CustomStringConvertible {
    public let name: String
    /// Where in the override's text the problem starts (in characters; 0 for the whole value).
    public let column: Int
    public let message: String
    /// The policy has no parameter of that name.
    public let isUnknownParameter: Bool

    init(name: String, column: Int, message: String, isUnknownParameter: Bool = false) {
        self.name = name
        self.column = column
        self.message = message
        self.isUnknownParameter = isUnknownParameter
    }

    public var description: String { "parameter `\(name)`: \(message)" }
}

extension PolicyChecker {
    /// Checks a policy under a deployment's settings: some parameters set to other values than
    /// the file gives (an override that cannot be used is reported in
    /// `CheckResult.overrideErrors`, and no policy is returned), a default currency and time zone.
    public static func check(_ file: SourceFile, settings: PolicySettings) -> CheckResult {
        let parsed = Parser.parse(file)
        let declared = parsed.policy.declarations.compactMap { if case .param(let p) = $0.kind { return p } else { return nil } }
        var errors: [ParameterOverrideError] = []
        var values: [String: (value: Expr, type: PerkType)] = [:]
        // An override's amount is in the policy's currency (or the settings'), as its own are.
        let currency = parsed.policy.declarations.lazy.compactMap { if case .currency(let code) = $0.kind { code.name } else { nil } }.first ?? settings.currency
        for override in settings.parameters {
            guard declared.contains(where: { $0.name.name == override.name }) else {
                let hint = Suggestions.didYouMean(override.name, among: declared.map(\.name.name)).map { "; \($0)" }
                    ?? (declared.isEmpty ? "; it declares none" : "; it declares " + declared.map { "`\($0.name.name)`" }.joined(separator: ", "))
                errors.append(ParameterOverrideError(name: override.name, column: 0, message: "the policy declares no such parameter\(hint)", isUnknownParameter: true))
                continue
            }
            switch constant(override, currency: currency) {
            case .success(let constant): values[override.name] = constant
            case .failure(let error):
                // One word written without quotes, as configuration files do, is text.
                let quoted = ParameterOverride(name: override.name, text: "\"" + override.text + "\"")
                if override.text.allSatisfy({ $0.isLetter || $0 == "_" || $0 == "-" }), case .success(let text) = constant(quoted, currency: currency) {
                    values[override.name] = text
                } else {
                    errors.append(error)
                }
            }
        }
        var checker = Checker(policy: parsed.policy, defaultCurrency: settings.currency, defaultTimeZone: settings.timeZone)
        checker.overrides = values
        var checked = checker.run()
        checked.parameterOverrides = settings.parameters.filter { values[$0.name] != nil }
        errors += checker.overrideErrors
        // Semantic checks on a tree with syntax errors would mostly echo them; report them only
        // when the syntax is clean.
        var diagnostics = parsed.diagnostics.hasErrors ? parsed.diagnostics : (parsed.diagnostics + checker.diagnostics).sortedByPosition()
        // An error the policy's own values do not give comes from a value set outside the file
        // (perk.yaml, a test file), which its position in the policy does not show: said so.
        if diagnostics.hasErrors, !values.isEmpty, !parsed.diagnostics.hasErrors {
            var ownValues = Checker(policy: parsed.policy, defaultCurrency: settings.currency, defaultTimeZone: settings.timeZone)
            _ = ownValues.run()
            if !ownValues.diagnostics.hasErrors {
                let given = settings.parameters.filter { values[$0.name] != nil }.map { "`\($0.name)` is \($0.text)" }.joined(separator: ", ")
                let note = DiagnosticNote(message: "the policy's own values check clean; here \(given), as the configuration sets it", span: nil)
                diagnostics = diagnostics.map { diagnostic in
                    var noted = diagnostic
                    if noted.isError { noted.notes.append(note) }
                    return noted
                }
            }
        }
        return CheckResult(
            file: file, syntax: parsed.policy, comments: parsed.comments, diagnostics: diagnostics,
            policy: diagnostics.hasErrors || !errors.isEmpty ? nil : checked, overrideErrors: errors)
    }

    /// An override's text read as the value of a parameter declaration of its own, so it is
    /// lexed, parsed and typed exactly as a value in a policy is.
    private static func constant(_ override: ParameterOverride, currency: String?) -> Result<(value: Expr, type: PerkType), ParameterOverrideError> {
        let prefix = "param \(override.name) = "
        let file = SourceFile(name: "override", text: prefix + override.text + "\n")
        let parsed = Parser.parse(file)
        var checker = Checker(policy: parsed.policy, defaultCurrency: currency, isWholePolicy: false)
        let checked = checker.run()
        let problems = parsed.diagnostics.hasErrors ? parsed.diagnostics : parsed.diagnostics + checker.diagnostics
        if let first = problems.first(where: \.isError) {
            let column = max(0, file.location(of: first.span.start).column - 1 - prefix.count)
            return .failure(ParameterOverrideError(name: override.name, column: column,
                                                   message: "`\(override.text)`: \(first.message)" + (first.help.map { "; \($0)" } ?? "")))
        }
        guard parsed.policy.declarations.count == 1, case .param(let param) = parsed.policy.declarations[0].kind,
              let type = checked.parameters.first?.type else {
            return .failure(ParameterOverrideError(name: override.name, column: 0, message: "`\(override.text)` is not one value; write a constant such as `6,000 CNY`"))
        }
        return .success((param.value, type))
    }
}
