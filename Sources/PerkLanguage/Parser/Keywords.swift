/// Contextual keywords: a word is a keyword only where the grammar expects one, so policies may
/// still use these words as names (an event called `use`, a field called `points`).
public enum Keywords {
    /// Words that start a declaration.
    public static let declarations: Set<String> = [
        "policy", "currency", "timezone", "param", "event", "tiers", "measure", "rule", "penalty",
        "benefit", "expire",
    ]

    /// Words that start a statement inside a rule or a penalty step (`if` is reserved).
    public static let statements: Set<String> = [
        "let", "require", "earn", "redeem", "deduct", "clawback", "forfeit", "cancel", "freeze",
        "warn", "note", "charge", "use", "upgrade", "downgrade", "reverse",
    ]

    /// Words that end an expression inside a declaration (`hold 12 months then review`).
    static let clauses: Set<String> = [
        "after", "before", "as", "from", "where", "within", "limit", "value", "for", "at", "by",
        "tier", "hold", "review", "earning", "notice",
    ]

    /// Unit words allowed right after a number.
    static let units: [String: LiteralUnit] = [
        "point": .points, "points": .points, "pt": .points, "pts": .points,
        "day": .duration(.day), "days": .duration(.day), "week": .duration(.week), "weeks": .duration(.week),
        "month": .duration(.month), "months": .duration(.month), "year": .duration(.year), "years": .duration(.year),
        "元": .money("元"),
    ]

    /// The unit of a word after a number: a unit word, or a three-letter upper-case currency code.
    static func unit(_ word: String) -> LiteralUnit? {
        if let unit = units[word] { return unit }
        if word.count == 3, word.unicodeScalars.allSatisfy({ $0.value >= 65 && $0.value <= 90 }) { return .money(word) }
        return nil
    }
}
