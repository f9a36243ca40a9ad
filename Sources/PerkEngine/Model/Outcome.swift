import PerkLanguage

/// What applying one event (or one day's time-driven effects) did, and why.
public struct Outcome: Sendable {
    public enum Kind: Hashable, Sendable {
        /// An event from the input.
        case event(id: String, type: String)
        /// Time-driven effects due on a date: reviews, freezes ending, notices, expiry.
        case scheduled
    }

    public private(set) var kind: Kind
    public private(set) var date: CivilDate
    /// Points earned, by the rule that earned them.
    public var earned: [(rule: String, points: ExactNumber)] {
        get { (firstEarned.map { [$0] } ?? []) + moreEarned }
        set {
            firstEarned = newValue.first
            moreEarned = Array(newValue.dropFirst())
        }
    }
    /// `earned`, its first entry kept inline: an outcome usually earns by one rule at most, and
    /// an array of one allocated for every earning event.
    private var firstEarned: (rule: String, points: ExactNumber)?
    private var moreEarned: [(rule: String, points: ExactNumber)] = []
    /// Entitlements in force (for an event: before it is applied), with their values.
    public var entitlements: [(benefit: String, value: Value?)] = []
    /// Everything else an outcome may say, allocated when first set: most outcomes say nothing
    /// more, and an outcome is then cheap to copy and to free (millions pass through a simulation).
    private var details: Details?

    public init(kind: Kind, date: CivilDate) {
        self.kind = kind
        self.date = date
    }

    /// Makes this a blank outcome of `kind` on `date`, as `init(kind:date:)` does, emptying only
    /// what is not empty: replaced whole for every event applied, an outcome released each of its
    /// arrays, empty or not.
    @inline(__always)
    mutating func restart(kind: Kind, date: CivilDate) {
        self.kind = kind
        self.date = date
        firstEarned = nil
        if !moreEarned.isEmpty { moreEarned = [] }
        if !entitlements.isEmpty { entitlements = [] }
        if details != nil { details = nil }
    }

    /// Set when the event was refused: nothing it would have done was kept.
    public var rejection: Rejection? {
        get { details?.rejection }
        _modify { yield &detailsToChange().rejection }
    }
    public var redeemed: ExactNumber {
        get { details?.redeemed ?? .zero }
        _modify { yield &detailsToChange().redeemed }
    }
    public var clawedBack: ExactNumber {
        get { details?.clawedBack ?? .zero }
        _modify { yield &detailsToChange().clawedBack }
    }
    public var unrecovered: ExactNumber {
        get { details?.unrecovered ?? .zero }
        _modify { yield &detailsToChange().unrecovered }
    }
    public var deducted: ExactNumber {
        get { details?.deducted ?? .zero }
        _modify { yield &detailsToChange().deducted }
    }
    public var forfeited: ExactNumber {
        get { details?.forfeited ?? .zero }
        _modify { yield &detailsToChange().forfeited }
    }
    public var expired: [(earnedOn: CivilDate, points: ExactNumber)] {
        get { details?.expired ?? [] }
        _modify { yield &detailsToChange().expired }
    }
    public var tierChanges: [(from: String, to: String, reason: String)] {
        get { details?.tierChanges ?? [] }
        _modify { yield &detailsToChange().tierChanges }
    }
    public var statusChanges: [(from: String, to: String, reason: String)] {
        get { details?.statusChanges ?? [] }
        _modify { yield &detailsToChange().statusChanges }
    }
    public var benefitUses: [(benefit: String, granted: Bool, reason: String?)] {
        get { details?.benefitUses ?? [] }
        _modify { yield &detailsToChange().benefitUses }
    }
    public var fees: [(label: String, amount: ExactNumber)] {
        get { details?.fees ?? [] }
        _modify { yield &detailsToChange().fees }
    }
    public var notices: [String] {
        get { details?.notices ?? [] }
        _modify { yield &detailsToChange().notices }
    }
    /// Reason codes noted by the policy (`note frozen`), and warnings.
    public var notes: [(code: String, message: String?)] {
        get { details?.notes ?? [] }
        _modify { yield &detailsToChange().notes }
    }
    /// When asked: every rule considered, whether it fired, and what it saw.
    public var trace: [RuleTrace] {
        get { details?.trace ?? [] }
        _modify { yield &detailsToChange().trace }
    }

    /// Whether the outcome says anything besides its points and entitlements (a refusal, a
    /// redemption, a tier change, …): most do not.
    var hasDetails: Bool { details != nil }

    /// The details, made first or copied first when another outcome shares them (copy on write).
    private mutating func detailsToChange() -> Details {
        if details == nil {
            details = Details()
        } else if !isKnownUniquelyReferenced(&details) {
            details = details!.copy()
        }
        return details!
    }

    /// What an outcome says besides its points and entitlements. Shared between copies of an
    /// outcome until one of them changes (`detailsToChange`), so never changed while shared.
    private final class Details: @unchecked Sendable {
        var rejection: Rejection?
        var redeemed = ExactNumber.zero
        var clawedBack = ExactNumber.zero
        var unrecovered = ExactNumber.zero
        var deducted = ExactNumber.zero
        var forfeited = ExactNumber.zero
        var expired: [(earnedOn: CivilDate, points: ExactNumber)] = []
        var tierChanges: [(from: String, to: String, reason: String)] = []
        var statusChanges: [(from: String, to: String, reason: String)] = []
        var benefitUses: [(benefit: String, granted: Bool, reason: String?)] = []
        var fees: [(label: String, amount: ExactNumber)] = []
        var notices: [String] = []
        var notes: [(code: String, message: String?)] = []
        var trace: [RuleTrace] = []

        func copy() -> Details {
            let copy = Details()
            copy.rejection = rejection
            copy.redeemed = redeemed
            copy.clawedBack = clawedBack
            copy.unrecovered = unrecovered
            copy.deducted = deducted
            copy.forfeited = forfeited
            copy.expired = expired
            copy.tierChanges = tierChanges
            copy.statusChanges = statusChanges
            copy.benefitUses = benefitUses
            copy.fees = fees
            copy.notices = notices
            copy.notes = notes
            copy.trace = trace
            return copy
        }
    }

    /// Records points earned by `rule`.
    mutating func earn(_ points: ExactNumber, by rule: String) {
        if firstEarned == nil { firstEarned = (rule, points) } else { moreEarned.append((rule, points)) }
    }

    public var pointsEarned: ExactNumber {
        // The first points read without their rule (copied with it, the rule's name was
        // retained and released): an event earns by one rule, usually.
        guard case .some((_, let first)) = firstEarned else { return .zero }
        guard !moreEarned.isEmpty else { return first }
        return moreEarned.reduce(first) { $0.adding($1.points) ?? $0 }
    }

}

public struct Rejection: Hashable, Sendable {
    public let code: String
    public let message: String?
    /// The rule whose `require` failed, or nil for the engine's own checks.
    public let rule: String?

    /// An event whose id an earlier event of the member has (a row exported twice): refused, not
    /// counted twice.
    public static func duplicateID(_ id: String) -> Rejection {
        Rejection(code: "duplicate_id", message: "an earlier event of this member has the id \(id); each event needs its own id", rule: nil)
    }
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
