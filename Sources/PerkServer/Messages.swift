import Foundation
import Hummingbird
import PerkConfig
import PerkEngine
import PerkLanguage

/// A value encoded as the JSON body of a response (keys sorted, so equal answers are equal bytes).
struct JSONResponse<Body: Encodable>: ResponseGenerator {
    let body: Body
    var status: HTTPResponse.Status = .ok

    init(_ body: Body, status: HTTPResponse.Status = .ok) {
        self.body = body
        self.status = status
    }

    func response(from request: Request, context: some RequestContext) throws -> Response { encoded() }

    func encoded() -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(body)) ?? Data("{}".utf8)
        return Response(status: status, headers: [.contentType: "application/json; charset=utf-8"],
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: Array(data))))
    }
}

/// A cell of an event as a client sends it: text, a number or a boolean (null: empty).
enum Cell: Decodable, Sendable {
    case value(String)
    case none

    init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .none
        } else if let text = try? container.decode(String.self) {
            self = .value(text)
        } else if let flag = try? container.decode(Bool.self) {
            self = .value(flag ? "true" : "false")
        } else if let number = try? container.decode(Decimal.self) {
            self = .value("\(number)")
        } else {
            throw DecodingError.typeMismatch(String.self, .init(codingPath: decoder.codingPath, debugDescription: "an event's cell is text, a number or a boolean"))
        }
    }

    var text: String? { if case .value(let text) = self { return text } else { return nil } }
}

/// `GET /v1/policy`.
struct PolicyInfo: Encodable {
    let name: String?
    let version: String?
    let hash: String
    let loadedAt: String
    let lastError: String?
    let parameters: [String: String]

    init(_ handle: PolicyHandle) {
        let loaded = handle.current
        name = loaded.name
        version = loaded.version
        hash = loaded.hash
        loadedAt = ISO8601DateFormatter().string(from: loaded.loadedAt)
        lastError = handle.lastError
        parameters = Dictionary(loaded.policy.checked.parameterOverrides.map { ($0.name, $0.text) }, uniquingKeysWith: { _, last in last })
    }

    enum CodingKeys: String, CodingKey { case name, version, hash, loadedAt = "loaded_at", lastError = "last_error", parameters }

    func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        try container.encode(version, forKey: .version)
        try container.encode(hash, forKey: .hash)
        try container.encode(loadedAt, forKey: .loadedAt)
        try container.encode(lastError, forKey: .lastError)  // null when the files are the policy in service
        try container.encode(parameters, forKey: .parameters)
    }
}

/// Which policy answered: every response says, so a client can tell a reload happened.
struct PolicyStamp: Encodable {
    let name: String?
    let version: String?
    let hash: String

    init(_ loaded: PolicyHandle.Loaded) {
        name = loaded.name
        version = loaded.version
        hash = loaded.hash
    }
}

/// `POST /v1/evaluate`: the member's state (none: a new member) and one event, as a row of an
/// event file (`{"id": "e1", "date": "2024-01-10", "member": "M1", "type": "purchase", ...}`).
struct EvaluateRequest: Decodable {
    let member: MemberSnapshot?
    let event: [String: Cell]
    /// Record every rule considered and the values it saw.
    let trace: Bool?
    /// List the entitlements in force in each outcome (default true).
    let entitlements: Bool?
}

struct EvaluateResponse: Encodable {
    /// Time-driven effects due before the event, then the event's own outcome (last).
    let outcomes: [OutcomeJSON]
    /// The member's new state, to send with the next event.
    let member: MemberSnapshot
    let policy: PolicyStamp
}

/// `POST /v1/entitlements`: what a member has on a day.
struct EntitlementsRequest: Decodable {
    let member: MemberSnapshot
    let date: String
}

struct EntitlementsResponse: Encodable {
    let entitlements: [EntitlementJSON]
    /// The member brought to that day (reviews, expiry, the end of a freeze applied).
    let member: MemberSnapshot
    let policy: PolicyStamp
}

struct EntitlementJSON: Encodable {
    let benefit: String
    let value: String?
}

/// `POST /v1/simulate`: a small dry run (events as rows; birthdays by member).
struct SimulateRequest: Decodable {
    let events: [[String: Cell]]
    let birthdays: [String: String]?
    let asOf: String?

    enum CodingKeys: String, CodingKey { case events, birthdays, asOf = "as_of" }
}

struct SimulateResponse: Encodable {
    /// One row per member, as in members.csv.
    let members: [MemberRow]
    /// As summary.json.
    let summary: SimulationReport.Summary
    let policy: PolicyStamp
}

/// A member's row of members.csv, as a JSON object with the same column names.
struct MemberRow: Encodable {
    let cells: [String: String]

    init(_ result: Simulation.MemberResult) {
        cells = Dictionary(uniqueKeysWithValues: zip(SimulationReport.memberColumns, SimulationReport.memberCells(result)))
    }

    func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(cells)
    }
}

/// An outcome as JSON: what happened and why.
struct OutcomeJSON: Encodable {
    let kind: String
    let date: String
    let event: String?
    let type: String?
    let rejection: [String: String]?
    let earned: [[String: String]]
    let redeemed: String, clawedBack: String, unrecovered: String, deducted: String, forfeited: String
    let expired: [[String: String]]
    let tierChanges: [[String: String]]
    let statusChanges: [[String: String]]
    let entitlements: [EntitlementJSON]
    let benefitUses: [BenefitUse]
    let fees: [[String: String]]
    let notices: [String]
    let notes: [[String: String]]
    let trace: [Trace]

    struct BenefitUse: Encodable { let benefit: String; let granted: Bool; let reason: String? }
    struct Trace: Encodable { let rule: String; let fired: Bool; let seen: [String] }

    init(_ outcome: Outcome) {
        switch outcome.kind {
        case .event(let id, let type):
            kind = "event"
            event = id
            self.type = type
        case .scheduled:
            kind = "scheduled"
            event = nil
            type = nil
        }
        date = outcome.date.description
        rejection = outcome.rejection.map { ["code": $0.code, "message": $0.message ?? "", "rule": $0.rule ?? ""] }
        earned = outcome.earned.map { ["rule": $0.rule, "points": $0.points.description] }
        redeemed = outcome.redeemed.description
        clawedBack = outcome.clawedBack.description
        unrecovered = outcome.unrecovered.description
        deducted = outcome.deducted.description
        forfeited = outcome.forfeited.description
        expired = outcome.expired.map { ["earned_on": $0.earnedOn.description, "points": $0.points.description] }
        tierChanges = outcome.tierChanges.map { ["from": $0.from, "to": $0.to, "reason": $0.reason] }
        statusChanges = outcome.statusChanges.map { ["from": $0.from, "to": $0.to, "reason": $0.reason] }
        entitlements = outcome.entitlements.map { EntitlementJSON(benefit: $0.benefit, value: $0.value.map(Self.text)) }
        benefitUses = outcome.benefitUses.map { BenefitUse(benefit: $0.benefit, granted: $0.granted, reason: $0.reason) }
        fees = outcome.fees.map { ["label": $0.label, "amount": $0.amount.description] }
        notices = outcome.notices
        notes = outcome.notes.map { ["code": $0.code, "message": $0.message ?? ""] }
        trace = outcome.trace.map { Trace(rule: $0.rule, fired: $0.fired, seen: $0.seen) }
    }

    /// A value as an operator writes it: `10%`, `2 points`, `20 CNY`.
    static func text(_ value: Value) -> String {
        switch value {
        case .percent(let p): return "\(p)%"
        case .text(let t): return t
        default: return value.description
        }
    }

    enum CodingKeys: String, CodingKey {
        case kind, date, event, type, rejection, earned, redeemed, clawedBack = "clawed_back", unrecovered, deducted, forfeited, expired
        case tierChanges = "tier_changes", statusChanges = "status_changes", entitlements, benefitUses = "benefit_uses", fees, notices, notes, trace
    }
}
