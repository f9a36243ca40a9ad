/// Words that are never names. Every other keyword is contextual (see `Keyword`).
public enum ReservedWord: String, CaseIterable, Sendable {
    case and, or, not, `in`, `if`, then, `else`, mod, `true`, `false`, between, of, per

    /// Looks a word up by hashing, faster than `init(rawValue:)` on the lexer's hot path.
    static let byWord: [String: ReservedWord] = Dictionary(uniqueKeysWithValues: allCases.map { ($0.rawValue, $0) })
}

/// Punctuation and operators.
public enum Symbol: String, CaseIterable, Sendable {
    case leftParen = "(", rightParen = ")", leftBrace = "{", rightBrace = "}"
    case leftBracket = "[", rightBracket = "]", comma = ",", colon = ":", dot = "."
    case assign = "="
    case plus = "+", minus = "-", times = "*", divide = "/"
    case equal = "==", notEqual = "!=", less = "<", lessEqual = "<=", greater = ">", greaterEqual = ">="
}

public enum TokenKind: Equatable, Sendable {
    /// An identifier, or a contextual keyword (`rule`, `earn`, ...): the parser decides by position.
    case name
    case reserved(ReservedWord)
    case symbol(Symbol)
    /// `12`, `5,000.50`
    case number
    /// `¥5,000` (or `￥`)
    case money
    /// `5%`, `12.5%`
    case percent
    /// `1st`, `2nd`, `11th`
    case ordinal
    /// `2024-01-10`
    case date
    case string
    case endOfFile
}

/// A token: its kind, where it is, and its text (decoded, for strings).
public struct Token: Sendable {
    public var kind: TokenKind
    public var span: SourceSpan
    /// The source text; for a string, its decoded value; for a number, its digits without commas.
    public var text: String
    /// Whether a line break separates this token from the previous one.
    public var startsLine: Bool

    public func isName(_ word: String) -> Bool { kind == .name && text == word }
    public func isSymbol(_ symbol: Symbol) -> Bool { kind == .symbol(symbol) }
    public func isReserved(_ word: ReservedWord) -> Bool { kind == .reserved(word) }
}

/// A comment, kept for the formatter.
public struct Comment: Sendable, Equatable {
    public var span: SourceSpan
    /// The comment as written, `#` or `//` included.
    public var text: String
}
