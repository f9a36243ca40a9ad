/// Every diagnostic Perk reports, by its stable code. The code is printed with each diagnostic
/// (`[unknown-name]`) and is what editors and tests match on; the summary documents it.
public enum DiagnosticCode: String, CaseIterable, Sendable, Codable {
    // Lexical and syntax errors: the file does not parse.
    case syntaxError = "syntax-error"
    case unexpectedCharacter = "unexpected-character"
    case unterminatedString = "unterminated-string"
    case unknownEscape = "unknown-escape"
    case malformedMoney = "malformed-money"
    case malformedNumber = "malformed-number"
    case unknownUnit = "unknown-unit"
    case unclosedBlock = "unclosed-block"
    case missingComma = "missing-comma"
    case tooDeeplyNested = "too-deeply-nested"
    // Errors found by the checker.
    case unknownName = "unknown-name"
    case unknownField = "unknown-field"
    case unknownEvent = "unknown-event"
    case unknownType = "unknown-type"
    case unknownFunction = "unknown-function"
    case unknownBenefit = "unknown-benefit"
    case unknownCurrency = "unknown-currency"
    case unknownTimezone = "unknown-timezone"
    case duplicateName = "duplicate-name"
    case duplicateDeclaration = "duplicate-declaration"
    case definedLater = "defined-later"
    case notConstant = "not-constant"
    case typeMismatch = "type-mismatch"
    case unitMismatch = "unit-mismatch"
    case wrongArgumentCount = "wrong-argument-count"
    case invalidDate = "invalid-date"
    case tierOrder = "tier-order"
    case tierThreshold = "tier-threshold"
    case missingAttribute = "missing-attribute"
    case penaltySteps = "penalty-steps"
    case numberTooLarge = "number-too-large"
    case noEvents = "no-events"
    // Warnings.
    case unusedParameter = "unused-parameter"
    case unusedMeasure = "unused-measure"
    case unusedValue = "unused-value"
    case neverFires = "never-fires"
    case missingCurrency = "missing-currency"

    /// Whether the code means the file does not parse (the checker does not run then).
    public var isSyntax: Bool {
        switch self {
        case .syntaxError, .unexpectedCharacter, .unterminatedString, .unknownEscape, .malformedMoney,
             .malformedNumber, .unknownUnit, .unclosedBlock, .missingComma, .tooDeeplyNested:
            return true
        default:
            return false
        }
    }

    /// One line on what the code means, for documentation.
    public var summary: String {
        switch self {
        case .syntaxError: return "the text does not follow the grammar"
        case .unexpectedCharacter: return "a character Perk does not use (smart quotes, full-width punctuation, `&&`)"
        case .unterminatedString: return "a string with no closing quote on its line"
        case .unknownEscape: return "a backslash escape other than \\\" \\\\ \\n \\t"
        case .malformedMoney: return "`¥` not followed directly by an amount"
        case .malformedNumber: return "thousands separators in the wrong places"
        case .unknownUnit: return "a word after a number that is not a unit"
        case .unclosedBlock: return "a `{` without its `}`"
        case .missingComma: return "two fields or attributes without a comma between them"
        case .tooDeeplyNested: return "an expression or block nested more than 100 levels deep"
        case .unknownName: return "a name that is not defined where it is used"
        case .unknownField: return "a field an event does not have, or an attribute tiers do not have"
        case .unknownEvent: return "an event type that is not declared"
        case .unknownType: return "a field or parameter type that does not exist"
        case .unknownFunction: return "a function that does not exist"
        case .unknownBenefit: return "`use` of a benefit that is not declared"
        case .unknownCurrency: return "a currency that is not an ISO 4217 code"
        case .unknownTimezone: return "a time zone that is not an IANA zone"
        case .duplicateName: return "a name defined twice"
        case .duplicateDeclaration: return "a declaration a policy may have only once, repeated"
        case .definedLater: return "a parameter or measure used above its definition"
        case .notConstant: return "member state or history where only a constant may stand"
        case .typeMismatch: return "a value of the wrong type or unit for where it stands"
        case .unitMismatch: return "arithmetic on units that do not mix, or money in another currency"
        case .wrongArgumentCount: return "a function given the wrong number of arguments"
        case .invalidDate: return "a date that is not in the calendar"
        case .tierOrder: return "tier thresholds out of order or equal: a tier that can never be reached"
        case .tierThreshold: return "a tier without a threshold, or the lowest tier with one"
        case .missingAttribute: return "a tier that does not set an attribute the others set"
        case .penaltySteps: return "penalty steps out of order, or after an `or more` step"
        case .numberTooLarge: return "a number of more than 36 digits, beyond what Perk computes exactly"
        case .noEvents: return "a policy that declares no event types, so no event can be applied to it"
        case .unusedParameter: return "a parameter nothing uses"
        case .unusedMeasure: return "a measure nothing uses"
        case .unusedValue: return "a `let` value nothing uses"
        case .neverFires: return "a rule, branch or benefit whose condition is always false"
        case .missingCurrency: return "amounts used without a `currency` declaration (CNY is assumed)"
        }
    }
}
