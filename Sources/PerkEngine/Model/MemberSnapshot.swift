import PerkLanguage

/// A member's state in a stable, policy-readable form, for storing it or sending it over the wire
/// (`perk serve` takes and returns it as JSON): numbers as exact decimal strings (`"1234.56"`, or
/// `"1/3"`), days as `YYYY-MM-DD`, the tier by name, the history as the events the policy can
/// still see. `CompiledPolicy.snapshot(of:)` makes one; `CompiledPolicy.restore(_:)` reads it back.
public struct MemberSnapshot: Codable, Sendable, Equatable {
    public var id: String
    public var birthday: String?
    public var tier: String?
    public var tierReached: String?
    public var nextReview: String?
    /// `active`, `frozen` (with `frozenUntil`) or `cancelled`.
    public var status: String
    public var frozenUntil: String?
    public var lots: [LotSnapshot]
    public var history: [EventSnapshot]
    public var benefitUses: [String: [String]]
    public var totals: [String: String]
    public var processedThrough: String?
    public var notices: [String]

    public struct LotSnapshot: Codable, Sendable, Equatable {
        public var earnedOn: String
        public var expiresOn: String?
        public var noticeOn: String?
        public var amount: String
        public var remaining: String
        public var source: String
        public var noticeIssued: Bool

        enum CodingKeys: String, CodingKey {
            case earnedOn = "earned_on", expiresOn = "expires_on", noticeOn = "notice_on", amount, remaining, source, noticeIssued = "notice_issued"
        }
    }

    public struct EventSnapshot: Codable, Sendable, Equatable {
        public var id: String
        public var type: String
        public var date: String
        /// Each field as `{"money": "12.30"}`, `{"text": "room"}`, `{"event": "e1"}`, ...
        public var fields: [String: [String: String]]
        public var earned: String
        public var refunded: String
    }

    /// A new member with nothing yet.
    public init(id: String, birthday: String? = nil) {
        self.id = id
        self.birthday = birthday
        status = "active"
        lots = []
        history = []
        benefitUses = [:]
        totals = [:]
        notices = []
    }

    enum CodingKeys: String, CodingKey {
        case id, birthday, tier, tierReached = "tier_reached", nextReview = "next_review", status, frozenUntil = "frozen_until", lots, history
        case benefitUses = "benefit_uses", totals, processedThrough = "processed_through", notices
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        birthday = try container.decodeIfPresent(String.self, forKey: .birthday)
        tier = try container.decodeIfPresent(String.self, forKey: .tier)
        tierReached = try container.decodeIfPresent(String.self, forKey: .tierReached)
        nextReview = try container.decodeIfPresent(String.self, forKey: .nextReview)
        status = try container.decodeIfPresent(String.self, forKey: .status) ?? "active"
        frozenUntil = try container.decodeIfPresent(String.self, forKey: .frozenUntil)
        lots = try container.decodeIfPresent([LotSnapshot].self, forKey: .lots) ?? []
        history = try container.decodeIfPresent([EventSnapshot].self, forKey: .history) ?? []
        benefitUses = try container.decodeIfPresent([String: [String]].self, forKey: .benefitUses) ?? [:]
        totals = try container.decodeIfPresent([String: String].self, forKey: .totals) ?? [:]
        processedThrough = try container.decodeIfPresent(String.self, forKey: .processedThrough)
        notices = try container.decodeIfPresent([String].self, forKey: .notices) ?? []
    }
}

/// Why a snapshot cannot be read back: the field at fault and what is wrong.
public struct SnapshotError: Error, Sendable, CustomStringConvertible {
    public let field: String
    public let message: String
    public var description: String { "\(field): \(message)" }
}

extension ExactNumber {
    /// `"1234.56"`, `"-3"`, or `"1/3"` when no decimal is exact.
    var snapshotText: String {
        let text = description
        return text.contains("/") || (denominator != 1 && !text.contains(".")) ? "\(numerator)/\(denominator)" : text
    }

    init?(snapshotText text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        if parts.count == 2 {
            guard let n = Int128(parts[0]), let d = Int128(parts[1]), let value = ExactNumber(numerator: n, denominator: d) else { return nil }
            self = value
        } else {
            guard let value = ExactNumber(decimal: text) else { return nil }
            self = value
        }
    }
}

extension Value {
    /// `{"money": "12.30"}`: the unit, and the value as text.
    var snapshot: [String: String] {
        switch self {
        case .number(let n): return ["number": n.snapshotText]
        case .money(let n): return ["money": n.snapshotText]
        case .points(let n): return ["points": n.snapshotText]
        case .percent(let n): return ["percent": n.snapshotText]
        case .rate(let n): return ["rate": n.snapshotText]
        case .duration(let months, let days): return ["months": String(months), "days": String(days)]
        case .date(let d): return ["date": d.description]
        case .text(let t): return ["text": t]
        case .bool(let b): return ["bool": b ? "true" : "false"]
        case .tier(let rank): return ["tier": String(rank)]
        case .event(let id): return ["event": id]
        case .list: return ["list": "unsupported"]
        }
    }

    init?(snapshot: [String: String]) {
        if let months = snapshot["months"].flatMap(Int.init), let days = snapshot["days"].flatMap(Int.init) {
            self = .duration(months: months, days: days)
            return
        }
        guard snapshot.count == 1, let (unit, text) = snapshot.first else { return nil }
        switch unit {
        case "number", "money", "points", "percent", "rate":
            guard let n = ExactNumber(snapshotText: text) else { return nil }
            self = unit == "number" ? .number(n) : unit == "money" ? .money(n) : unit == "points" ? .points(n) : unit == "percent" ? .percent(n) : .rate(n)
        case "date":
            guard let d = CivilDate(iso: text) else { return nil }
            self = .date(d)
        case "text": self = .text(text)
        case "bool":
            guard text == "true" || text == "false" else { return nil }
            self = .bool(text == "true")
        case "tier":
            guard let rank = Int(text) else { return nil }
            self = .tier(rank)
        case "event": self = .event(text)
        default: return nil
        }
    }
}

extension Value {
    /// Whether the value is one of `type`'s (a tier: one of `tiers` ranks).
    func isOf(_ type: PerkType, tiers: Int) -> Bool {
        switch (self, type) {
        case (.number, .number), (.money, .money), (.points, .points), (.percent, .percent), (.duration, .duration),
             (.date, .date), (.text, .text), (.bool, .bool), (.event, .event):
            return true
        case (.tier(let rank), .tier): return (0..<tiers).contains(rank)
        default: return false
        }
    }
}

extension CompiledPolicy {
    /// The member's state as a snapshot.
    public func snapshot(of member: MemberState) -> MemberSnapshot {
        var snapshot = MemberSnapshot(id: member.id, birthday: member.birthday.map(\.description))
        snapshot.tier = tierNames.isEmpty ? nil : tierNames[member.tier]
        snapshot.tierReached = member.tierReached?.description
        snapshot.nextReview = member.nextReview?.description
        snapshot.status = member.status.name
        if case .frozen(let until) = member.status { snapshot.frozenUntil = until.description }
        snapshot.lots = member.lots.map {
            MemberSnapshot.LotSnapshot(earnedOn: $0.earnedOn.description, expiresOn: $0.expiresOn?.description, noticeOn: $0.noticeOn?.description,
                                       amount: $0.amount.snapshotText, remaining: $0.remaining.snapshotText, source: $0.source, noticeIssued: $0.noticeIssued)
        }
        snapshot.history = member.histories.joined().map { event in
            MemberSnapshot.EventSnapshot(id: event.id, type: event.type, date: event.date.description,
                                         fields: Dictionary(uniqueKeysWithValues: event.fields.map { ($0.name, $0.value.snapshot) }), earned: event.earned.snapshotText, refunded: event.refunded.snapshotText)
        }
        snapshot.benefitUses = member.benefitUses.mapValues { $0.map(\.description) }
        let t = member.totals
        snapshot.totals = ["earned": t.earned, "redeemed": t.redeemed, "expired": t.expired, "clawed_back": t.clawedBack, "deducted": t.deducted,
                           "forfeited": t.forfeited, "unrecovered": t.unrecovered, "fees": t.fees].mapValues(\.snapshotText)
        snapshot.processedThrough = member.processedThrough?.description
        snapshot.notices = member.notices.map(\.description)
        return snapshot
    }

    /// Reads a snapshot back as this policy's member state; fails, naming the field, when it
    /// does not fit the policy (an unknown tier or event type, a malformed number or day, a
    /// history event's field missing or not of its declared type) or could not have come from
    /// Perk (points that are not whole or are negative, a lot holding more than it earned or
    /// expiring before it was earned, an active member with a freeze's end): a state taken in
    /// as it is would go on giving wrong answers, or none.
    public func restore(_ snapshot: MemberSnapshot) throws -> MemberState {
        func fail(_ field: String, _ message: String) -> SnapshotError { SnapshotError(field: field, message: message) }
        func day(_ text: String?, _ field: String) throws -> CivilDate? {
            guard let text else { return nil }
            guard let date = CivilDate(iso: text) else { throw fail(field, "`\(text)` is not a date; write YYYY-MM-DD") }
            return date
        }
        func number(_ text: String, _ field: String) throws -> ExactNumber {
            guard let value = ExactNumber(snapshotText: text) else { throw fail(field, "`\(text)` is not a number such as 1234.56") }
            return value
        }
        func points(_ text: String, _ field: String) throws -> ExactNumber {
            let value = try number(text, field)
            guard value.floor == value, !value.isNegative else { throw fail(field, "`\(text)` is not a number of points: points are whole, 0 or more") }
            return value
        }
        var birthday: Birthday?
        if let text = snapshot.birthday {
            guard let parsed = Birthday(text) else { throw fail("birthday", "`\(text)` is not a birthday; write MM-DD") }
            birthday = parsed
        }
        var member = MemberState(id: snapshot.id, birthday: birthday)
        if let tier = snapshot.tier {
            guard let rank = tierNames.firstIndex(of: tier) else {
                throw fail("tier", "the policy has no tier `\(tier)`; " + (tierNames.isEmpty ? "it has no tiers" : "it has " + tierNames.joined(separator: ", ")))
            }
            member.tier = rank
        }
        member.tierReached = try day(snapshot.tierReached, "tier_reached")
        member.nextReview = try day(snapshot.nextReview, "next_review")
        switch snapshot.status {
        case "active": member.status = .active
        case "cancelled": member.status = .cancelled
        case "frozen":
            guard let until = try day(snapshot.frozenUntil, "frozen_until") else { throw fail("frozen_until", "a frozen member needs the day the freeze ends") }
            member.status = .frozen(until: until)
        default: throw fail("status", "`\(snapshot.status)` is not active, frozen or cancelled")
        }
        if snapshot.frozenUntil != nil, snapshot.status != "frozen" {
            throw fail("frozen_until", "a member whose status is `\(snapshot.status)` is not frozen; remove frozen_until, or make the status `frozen`")
        }
        member.lots = try snapshot.lots.enumerated().map { index, lot in
            let field = "lots[\(index)]"
            guard let earned = try day(lot.earnedOn, "\(field).earned_on") else { throw fail(field, "no earning day") }
            let expires = try day(lot.expiresOn, "\(field).expires_on")
            if let expires, expires < earned { throw fail("\(field).expires_on", "\(expires) is before the lot was earned, \(earned)") }
            let amount = try points(lot.amount, "\(field).amount"), remaining = try points(lot.remaining, "\(field).remaining")
            guard remaining <= amount else { throw fail("\(field).remaining", "\(remaining) points is more than the lot's amount, \(amount)") }
            var restored = Lot(earnedOn: earned, expiresOn: expires, noticeOn: try day(lot.noticeOn, "\(field).notice_on"),
                               amount: amount, remaining: remaining, source: lot.source)
            restored.noticeIssued = lot.noticeIssued
            return restored
        }
        // Lots are kept in earning order.
        guard zip(member.lots, member.lots.dropFirst()).allSatisfy({ $0.earnedOn <= $1.earnedOn }) else {
            throw fail("lots", "lots must be listed in the order they were earned")
        }
        for (index, event) in snapshot.history.enumerated() {
            let field = "history[\(index)]"
            guard let declared = checked.eventType(named: event.type) else { throw fail("\(field).type", "the policy declares no event type `\(event.type)`") }
            // A type the policy does not keep has nothing to restore.
            guard let type = recordedTypes[event.type] else { continue }
            // Each declared field, of its declared type: the policy's rules read them as such.
            var fields = EventFields()
            for (name, declaredType) in declared.fields {
                guard let written = event.fields[name] else {
                    throw fail("\(field).fields", "`\(name)` is missing; a `\(declared.name)` event has `\(name)` (\(declaredType))")
                }
                guard let parsed = Value(snapshot: written), parsed.isOf(declaredType, tiers: tierNames.count) else {
                    let shown = "{" + written.sorted { $0.key < $1.key }.map { "\"\($0.key)\": \"\($0.value)\"" }.joined(separator: ", ") + "}"
                    throw fail("\(field).fields.\(name)", "`\(shown)` is not a value of type \(declaredType), which the policy declares for `\(name)`")
                }
                fields[name] = parsed
            }
            if let extra = event.fields.keys.sorted().first(where: { declared.field($0) == nil }) {
                throw fail("\(field).fields.\(extra)", "`\(declared.name)` events have no field `\(extra)`")
            }
            guard let date = try day(event.date, "\(field).date") else { throw fail(field, "no date") }
            var recorded = RecordedEvent(id: event.id, type: event.type, date: date, fields: fields)
            recorded.earned = try points(event.earned, "\(field).earned")
            recorded.refunded = try number(event.refunded, "\(field).refunded")
            var frame = Frame(member: MemberState(id: member.id), today: date, event: nil)
            swap(&member, &frame.member)
            _ = frame.record(recorded, type: type, typeCount: typeCount, effects: effects)
            swap(&member, &frame.member)
        }
        member.benefitUses = try snapshot.benefitUses.mapValues { try $0.map { try day($0, "benefit_uses")! } }
        func total(_ key: String, _ read: (String, String) throws -> ExactNumber = points) throws -> ExactNumber {
            try snapshot.totals[key].map { try read($0, "totals.\(key)") } ?? .zero
        }
        member.totals = MemberState.Totals()
        member.totals.earned = try total("earned")
        member.totals.redeemed = try total("redeemed")
        member.totals.expired = try total("expired")
        member.totals.clawedBack = try total("clawed_back")
        member.totals.deducted = try total("deducted")
        member.totals.forfeited = try total("forfeited")
        member.totals.unrecovered = try total("unrecovered")
        member.totals.fees = try total("fees", number)  // money
        // The balance is kept as the totals' difference: they must agree with the lots.
        guard member.totals.balance == member.lotsBalance else {
            throw fail("totals", "earned less redeemed, expired, clawed back, deducted and forfeited is \(member.totals.balance.map(\.description) ?? "out of range") "
                       + "points, but the lots hold \(member.lotsBalance); send the member as Perk returned it")
        }
        member.processedThrough = try day(snapshot.processedThrough, "processed_through")
        member.notices = try snapshot.notices.map { try day($0, "notices")! }
        return member
    }
}
