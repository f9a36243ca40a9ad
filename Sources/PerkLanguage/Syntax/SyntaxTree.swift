// The syntax tree: what the parser builds, the checker checks and the formatter prints.
// Spans are left out of `==`, so two trees compare by shape (the formatter's tests rely on it).

/// A name as written, with where it was written.
public struct Identifier: Sendable, CustomStringConvertible {
    public var name: String
    public var span: SourceSpan
    public var description: String { name }
}

extension Identifier: Equatable {
    public static func == (a: Identifier, b: Identifier) -> Bool { a.name == b.name }
}

/// A whole policy file.
public struct Policy: Equatable, Sendable {
    public var declarations: [Declaration]
}

public struct Declaration: Equatable, Sendable {
    public var kind: DeclarationKind
    public var span: SourceSpan
    public static func == (a: Declaration, b: Declaration) -> Bool { a.kind == b.kind }
}

public enum DeclarationKind: Equatable, Sendable {
    /// `policy "Harbor Hotel Rewards" version 1`
    case policy(name: String, version: Literal?)
    /// `currency CNY`
    case currency(Identifier)
    /// `timezone "Asia/Shanghai"`
    case timezone(String, span: SourceSpan)
    case param(ParamDecl)
    case event(EventDecl)
    case tiers(TiersDecl)
    case measure(MeasureDecl)
    case rule(RuleDecl)
    case penalty(PenaltyDecl)
    case benefit(BenefitDecl)
    case expiry(ExpiryDecl)
}

/// `param earn_cap: points = 10,000 points`
public struct ParamDecl: Equatable, Sendable {
    public var name: Identifier
    public var declaredType: Identifier?
    public var value: Expr
}

/// `event purchase { amount: money, category: text }`
public struct EventDecl: Equatable, Sendable {
    public var name: Identifier
    public var fields: [Field]
    /// Whether the declaration was written with braces (kept so formatting is faithful).
    public var hasBraces: Bool

    public struct Field: Equatable, Sendable {
        public var name: Identifier
        public var type: Identifier
    }
}

/// `tiers by qualifying_spend { tier Regular ... hold 12 months then review }`
public struct TiersDecl: Equatable, Sendable {
    public var measure: Expr
    public var tiers: [TierEntry]
    public var hold: Expr?

    public struct TierEntry: Equatable, Sendable {
        public var name: Identifier
        public var threshold: Expr?
        public var attributes: [Attribute]
        public var span: SourceSpan
        public static func == (a: TierEntry, b: TierEntry) -> Bool {
            a.name == b.name && a.threshold == b.threshold && a.attributes == b.attributes
        }
    }

    public struct Attribute: Equatable, Sendable {
        public var name: Identifier
        public var value: Expr
    }
}

/// `measure qualifying_spend = sum(...)`
public struct MeasureDecl: Equatable, Sendable {
    public var name: Identifier
    public var value: Expr
}

/// `rule purchase_points on purchase where ... { ... }`
public struct RuleDecl: Equatable, Sendable {
    public var name: Identifier
    /// The event type; `nil` for `on any`.
    public var event: Identifier?
    public var condition: Expr?
    public var body: [Statement]
}

/// `penalty benefit_abuse on violation where ... within 12 months { 1st: warn ... }`
public struct PenaltyDecl: Equatable, Sendable {
    public var name: Identifier
    public var event: Identifier
    public var condition: Expr?
    public var window: Expr
    public var steps: [Step]

    public struct Step: Equatable, Sendable {
        /// The count this step applies to (1 for `1st`).
        public var ordinal: Int
        public var orMore: Bool
        public var actions: [Statement]
        public var span: SourceSpan
        public static func == (a: Step, b: Step) -> Bool {
            a.ordinal == b.ordinal && a.orMore == b.orMore && a.actions == b.actions
        }
    }
}

/// `benefit breakfast "free breakfast" for not frozen else frozen for tier >= Gold else below_gold limit 2 per month`
public struct BenefitDecl: Equatable, Sendable {
    public var name: Identifier
    public var title: String?
    /// Who may have it: every condition must hold; the first that fails gives the denial reason.
    public var conditions: [Condition]
    public var value: Expr?
    public var limit: Expr?
    public var period: Period?

    public struct Condition: Equatable, Sendable {
        public var expr: Expr
        public var denial: Reason?
    }
}

/// `expire lots 24 months after earning, at end of month, notice 30 days before`
public struct ExpiryDecl: Equatable, Sendable {
    public var lifetime: Expr
    public var alignToEndOf: Period?
    public var notice: Expr?
}

/// A calendar period: quotas reset, windows and expiry align on them.
public enum Period: String, Equatable, Sendable, CaseIterable {
    case day, week, month, year
}

/// A reason code with an optional message: `below_minimum "at least 500 points"`.
public struct Reason: Equatable, Sendable {
    public var code: Identifier
    public var message: String?
}

// MARK: Statements

public struct Statement: Equatable, Sendable {
    public var kind: StatementKind
    public var span: SourceSpan
    /// Where the `else` of an `if` statement is, so the formatter keeps comments around it.
    public var elseKeyword: SourceSpan?

    public init(kind: StatementKind, span: SourceSpan, elseKeyword: SourceSpan? = nil) {
        self.kind = kind
        self.span = span
        self.elseKeyword = elseKeyword
    }

    public static func == (a: Statement, b: Statement) -> Bool { a.kind == b.kind }
}

public indirect enum StatementKind: Equatable, Sendable {
    case letBinding(Identifier, Expr)
    /// Denies the whole event with the reason unless the condition holds.
    case require(Expr, Reason)
    /// `else if` is an else-branch holding a single `if`.
    case ifThen(condition: Expr, then: [Statement], otherwise: [Statement]?)
    case earn(Expr)
    case redeem(Expr)
    case deduct(Expr)
    case clawback(Expr, from: Expr?)
    case forfeit
    case cancel
    case freeze(Expr)
    case warn(String?)
    case note(Reason)
    case charge(Expr, label: Identifier?)
    case use(Expr)
    case upgrade
    /// Down one tier (never below the lowest).
    case downgrade
    case reverse(amount: Expr, of: Expr)
}

// MARK: Expressions

public struct Expr: Equatable, Sendable {
    public var kind: ExprKind
    public var span: SourceSpan
    /// The height of this expression's tree (a leaf is 1); the parser bounds it, so every pass
    /// over an expression recurses a bounded number of times.
    public let height: Int

    public init(_ kind: ExprKind, span: SourceSpan, children: [Expr] = []) {
        self.kind = kind
        self.span = span
        self.height = 1 + (children.map(\.height).max() ?? 0)
    }

    public static func == (a: Expr, b: Expr) -> Bool { a.kind == b.kind }
}

/// A literal with its unit, as written: `10 CNY`, `¥10`, `500 points`, `30 days`, `5%`.
public struct Literal: Equatable, Sendable {
    /// Decimal digits without thousands separators: `5000.50`.
    public var digits: String
    /// The literal as written, for the formatter: `5,000.50 CNY`.
    public var text: String
    public var unit: LiteralUnit

    public init(digits: String, text: String, unit: LiteralUnit) {
        self.digits = digits
        self.text = text
        self.unit = unit
    }

    public static func == (a: Literal, b: Literal) -> Bool { a.digits == b.digits && a.unit == b.unit }
}

public enum LiteralUnit: Equatable, Sendable {
    case none
    case percent
    /// A currency code (`CNY`), `元`, or a `¥` prefix (recorded as `¥`).
    case money(String)
    case points
    case duration(Period)
}

public enum UnaryOperator: String, Equatable, Sendable {
    case negate = "-"
    case not
}

public enum BinaryOperator: String, Equatable, Sendable, CaseIterable {
    case or, and
    case equal = "==", notEqual = "!=", less = "<", lessEqual = "<=", greater = ">", greaterEqual = ">="
    case plus = "+", minus = "-"
    case times = "*", divide = "/", mod

    public var isComparison: Bool {
        switch self {
        case .equal, .notEqual, .less, .lessEqual, .greater, .greaterEqual: return true
        default: return false
        }
    }
}

/// The span of history an aggregate looks at.
public enum Window: Equatable, Sendable {
    /// `last 12 months`: the dates in (D − length, D]; with `before today`, [D − length, D).
    case last(Expr, beforeToday: Bool)
    /// `this month`: the calendar period holding D.
    case this(Period)
}

public indirect enum ExprKind: Equatable, Sendable {
    case literal(Literal)
    /// `1 point per 10 CNY`
    case rate(Literal, per: Literal)
    case string(String)
    case date(String)
    case bool(Bool)
    case name(String)
    /// `tier.multiplier`, `original.amount`
    case member(Expr, Identifier)
    case call(Identifier, [Expr])
    case unary(UnaryOperator, Expr)
    case binary(BinaryOperator, Expr, Expr)
    case membership(Expr, list: Expr, negated: Bool)
    case between(Expr, low: Expr, high: Expr)
    case conditional(Expr, then: Expr, otherwise: Expr)
    case list([Expr])
    case count(event: Identifier, filter: Expr?, window: Window)
    case sum(Expr, event: Identifier, filter: Expr?, window: Window)
    case parenthesized(Expr)
    /// Stands in for an expression that failed to parse; the error is already reported.
    case invalid
}
