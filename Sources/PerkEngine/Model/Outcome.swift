import PerkLanguage

/// What applying one event (or one day's time-driven effects) did, and why.
public struct Outcome: Sendable {
    public enum Kind: Hashable, Sendable {
        /// An event from the input.
        case event(id: String, type: String)
        /// Time-driven effects due on a date: reviews, freezes ending, notices, expiry.
        case scheduled
    }

    public let kind: Kind
    public let date: CivilDate
    /// Set when the event was refused: nothing it would have done was kept.
    public var rejection: Rejection?
    /// Points earned, by the rule that earned them.
    public var earned: [(rule: String, points: ExactNumber)] = []
    public var redeemed = ExactNumber.zero
    public var clawedBack = ExactNumber.zero
    public var unrecovered = ExactNumber.zero
    public var deducted = ExactNumber.zero
    public var forfeited = ExactNumber.zero
    public var expired: [(earnedOn: CivilDate, points: ExactNumber)] = []
    public var tierChanges: [(from: String, to: String, reason: String)] = []
    public var statusChanges: [(from: String, to: String, reason: String)] = []
    /// Entitlements in force (for an event: before it is applied), with their values.
    public var entitlements: [(benefit: String, value: Value?)] = []
    public var benefitUses: [(benefit: String, granted: Bool, reason: String?)] = []
    public var fees: [(label: String, amount: ExactNumber)] = []
    public var notices: [String] = []
    /// Reason codes noted by the policy (`note frozen`), and warnings.
    public var notes: [(code: String, message: String?)] = []
    /// When asked: every rule considered, whether it fired, and what it saw.
    public var trace: [RuleTrace] = []

    public init(kind: Kind, date: CivilDate) {
        self.kind = kind
        self.date = date
    }

    public var pointsEarned: ExactNumber { earned.reduce(.zero) { $0.adding($1.points) ?? $0 } }

}

public struct Rejection: Hashable, Sendable {
    public let code: String
    public let message: String?
    /// The rule whose `require` failed, or nil for the engine's own checks.
    public let rule: String?
}

/// One rule's part in an outcome.
public struct RuleTrace: Hashable, Sendable {
    public let rule: String
    public let fired: Bool
    /// `name = value` for what the rule read and bound, in order.
    public var seen: [String]
}

extension Outcome: CustomStringConvertible {
    /// A deterministic one-outcome summary (used for equality and by `perk explain`).
    public var description: String {
        var parts: [String] = []
        switch kind {
        case .event(let id, let type): parts.append("\(date) \(type) \(id)")
        case .scheduled: parts.append("\(date) scheduled")
        }
        if let rejection { parts.append("rejected \(rejection.code)" + (rejection.message.map { " (\($0))" } ?? "")) }
        for (rule, points) in earned { parts.append("+\(points) points by \(rule)") }
        if !redeemed.isZero { parts.append("redeemed \(redeemed)") }
        if !clawedBack.isZero { parts.append("clawed back \(clawedBack)") }
        if !unrecovered.isZero { parts.append("unrecovered \(unrecovered)") }
        if !deducted.isZero { parts.append("deducted \(deducted)") }
        if !forfeited.isZero { parts.append("forfeited \(forfeited)") }
        for (earnedOn, points) in expired { parts.append("expired \(points) earned \(earnedOn)") }
        for change in tierChanges { parts.append("tier \(change.from) → \(change.to) (\(change.reason))") }
        for change in statusChanges { parts.append("status \(change.from) → \(change.to) (\(change.reason))") }
        for use in benefitUses { parts.append("use \(use.benefit): " + (use.granted ? "granted" : "denied \(use.reason ?? "")")) }
        for fee in fees { parts.append("fee \(fee.label) \(fee.amount) CNY") }
        for notice in notices { parts.append("notice: \(notice)") }
        for note in notes { parts.append("note \(note.code)" + (note.message.map { " (\($0))" } ?? "")) }
        return parts.joined(separator: "; ")
    }
}
