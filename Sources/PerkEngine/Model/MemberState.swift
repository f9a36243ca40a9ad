import PerkLanguage

/// Everything the engine keeps about one member between events. A value: copy it, store it,
/// send it to another thread; applying an event returns the new state.
public struct MemberState: Hashable, Sendable {
    public enum Status: Hashable, Sendable {
        case active
        /// Frozen; active again at the start of `until`.
        case frozen(until: CivilDate)
        case cancelled

        public var name: String {
            switch self {
            case .active: return "active"
            case .frozen: return "frozen"
            case .cancelled: return "cancelled"
            }
        }

        /// Its place among the statuses, in the order above.
        var ordinal: Int {
            switch self {
            case .active: return 0
            case .frozen: return 1
            case .cancelled: return 2
            }
        }

        /// One status of each kind, in that order.
        static let each: [Status] = [.active, .frozen(until: CivilDate(dayNumber: 0)!), .cancelled]
    }

    public let id: String
    public var birthday: Birthday?
    /// The tier, status and totals, kept together (see `Scalars`).
    var scalars = Scalars()
    /// Rank of the member's tier, 0 the lowest.
    public var tier: Int {
        get { scalars.tier }
        _modify { yield &scalars.tier }
    }
    public var tierReached: CivilDate? {
        get { scalars.tierReached }
        _modify { yield &scalars.tierReached }
    }
    public var nextReview: CivilDate? {
        get { scalars.nextReview }
        _modify { yield &scalars.nextReview }
    }
    public var status: Status {
        get { scalars.status }
        _modify { yield &scalars.status }
    }
    /// Point lots in the order they were earned; emptied lots stay until they expire (for notices
    /// and traces).
    public var lots: [Lot] = []
    /// The events the policy's windows and references can still see, by the policy's event type
    /// (its declaration order), each in date order. Types nothing looks back at are not kept.
    var histories: [EventHistory] = []
    /// Granted uses of each benefit, by date.
    public var benefitUses: [String: [CivilDate]] = [:]
    public var totals: Totals {
        get { scalars.totals }
        _modify { yield &scalars.totals }
    }
    /// Every time-driven effect up to the start of this day has been applied.
    public var processedThrough: CivilDate?
    /// Expiry notices issued, by their date.
    public var notices: [CivilDate] = []

    public init(id: String, birthday: Birthday? = nil) {
        self.id = id
        self.birthday = birthday
    }

    /// What a refused event restores besides lots, history and benefit uses (which are
    /// journalled): plain values, kept together in the member, so that taking them before every
    /// event is one copy (gathered from the member's properties, it was two).
    struct Scalars: Hashable, Sendable {
        var tier = 0
        var tierReached: CivilDate?
        var nextReview: CivilDate?
        var status = Status.active
        var totals = Totals()
    }

    /// The events the policy can still see, oldest first.
    public var history: [RecordedEvent] {
        histories.joined().inDateOrder(\.date)
    }

    /// Where the recorded event with this id is: its type and index in `histories`.
    func recorded(_ id: String) -> (type: Int, index: Int)? {
        for (type, events) in histories.enumerated() {
            if let index = events.lastIndex(where: { $0.id == id }) { return (type, index) }
        }
        return nil
    }

    /// Points held: what the lots hold, kept as earned less everything taken away, so reading it
    /// does not walk the lots.
    public var balance: ExactNumber { totals.balance ?? lotsBalance }

    /// The points the lots hold (always equal to `balance`).
    var lotsBalance: ExactNumber {
        lots.reduce(ExactNumber.zero) { $0.adding($1.remaining) ?? $0 }
    }

    /// Cumulative figures over the member's life.
    public struct Totals: Hashable, Sendable {
        public var earned = ExactNumber.zero
        public var redeemed = ExactNumber.zero
        public var expired = ExactNumber.zero
        public var clawedBack = ExactNumber.zero
        public var deducted = ExactNumber.zero
        public var forfeited = ExactNumber.zero
        public var unrecovered = ExactNumber.zero
        public var fees = ExactNumber.zero

        public init() {}

        /// Earned less redeemed, expired, clawed back, deducted and forfeited: the points held
        /// (nil only beyond exact arithmetic's range).
        var balance: ExactNumber? {
            earned.subtracting(redeemed)?.subtracting(expired)?.subtracting(clawedBack)?.subtracting(deducted)?.subtracting(forfeited)
        }
    }
}

/// Points earned together, expiring together.
public struct Lot: Hashable, Sendable {
    public let earnedOn: CivilDate
    /// Points expire at the end of this day (nil: never).
    public let expiresOn: CivilDate?
    /// The day its expiry notice is due (nil: no notice).
    public let noticeOn: CivilDate?
    public let amount: ExactNumber
    public var remaining: ExactNumber
    /// The event that earned it.
    public let source: String
    /// Whether its expiry notice has been issued.
    public var noticeIssued = false
}

/// An applied event as the policy's aggregates and references see it.
public struct RecordedEvent: Hashable, Sendable {
    public let id: String
    public let type: String
    public let date: CivilDate
    /// (Set after the event is made only by a replay, which decodes events before their fields'
    /// storage is whole.)
    public internal(set) var fields: EventFields
    /// Points the event earned (after caps).
    public var earned = ExactNumber.zero
    /// Money refunded against it so far.
    public var refunded = ExactNumber.zero
    /// What this event adds to each cached aggregate over its type, and their running totals.
    var windowSums = RunningTotals()
}
