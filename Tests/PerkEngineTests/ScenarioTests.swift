import Foundation
import PerkEngine
import PerkLanguage
import XCTest

/// Acceptance scenarios: `Scenarios/*.json`, each worked by hand from REFERENCE-POLICY.md —
/// events, and the expected outcome of each event and each member's state as of a date. Only the
/// keys a scenario states are compared.
final class ScenarioTests: XCTestCase {
    struct Scenario: Decodable {
        let description: String
        let birthday: String?
        let events: [[String: String]]
        let expect: Expectations
    }

    struct Expectations: Decodable {
        let events: [String: [String: JSONValue]]?
        let as_of: String
        let members: [String: [String: JSONValue]]?
    }

    enum JSONValue: Decodable, Equatable, CustomStringConvertible {
        case text(String), number(Int), bool(Bool), null, list([JSONValue]), object([String: JSONValue])

        init(from decoder: Decoder) throws {
            let container = try decoder.singleValueContainer()
            if container.decodeNil() { self = .null } else if let b = try? container.decode(Bool.self) { self = .bool(b) } else if let n = try? container.decode(Int.self) { self = .number(n) } else if let s = try? container.decode(String.self) { self = .text(s) } else if let l = try? container.decode([JSONValue].self) { self = .list(l) } else { self = .object(try container.decode([String: JSONValue].self)) }
        }

        var description: String {
            switch self {
            case .text(let s): return "\"\(s)\""
            case .number(let n): return "\(n)"
            case .bool(let b): return "\(b)"
            case .null: return "null"
            case .list(let l): return "[" + l.map(\.description).joined(separator: ", ") + "]"
            case .object(let o): return "{" + o.keys.sorted().map { "\"\($0)\": \(o[$0]!)" }.joined(separator: ", ") + "}"
            }
        }
    }

    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Scenarios")

    func testEveryScenario() throws {
        let files = try FileManager.default.contentsOfDirectory(at: Self.directory, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "json" }.sorted { $0.path < $1.path }
        XCTAssertGreaterThanOrEqual(files.count, 1, "no scenarios in \(Self.directory.path)")
        for file in files {
            let scenario = try JSONDecoder().decode(Scenario.self, from: Data(contentsOf: file))
            for failure in run(scenario) {
                XCTFail("\(file.lastPathComponent): \(failure)")
            }
        }
    }

    /// Runs a scenario; returns a line per expectation not met.
    func run(_ scenario: Scenario) -> [String] {
        let policy = WorkedExampleTests.policy
        let decoder = EventDecoder(policy: policy.checked)
        var failures: [String] = []
        var events: [InputEvent] = []
        var directory = EventDirectory()
        for (index, cells) in scenario.events.enumerated() {
            switch decoder.decode(cells.filter { !$0.value.isEmpty }, at: InputLocation(file: "scenario", line: index + 1)) {
            case .success(let event):
                events.append(event)
                directory.record(event)
            case .failure(let error):
                failures.append("event \(index + 1) does not read: \(error)")
            }
        }
        var members: [String: MemberState] = [:]
        var eventResults: [String: [String: JSONValue]] = [:]
        var scheduled: [String: [Outcome]] = [:]
        // Each member's events in date order, same date in file order.
        let asOf = CivilDate(iso: scenario.expect.as_of)!
        // Events dated on or after the report's day are not applied (REFERENCE-POLICY.md, Members).
        let ordered = events.enumerated().sorted { ($0.element.date, $0.offset) < ($1.element.date, $1.offset) }.map(\.element)
            .filter { $0.date < asOf }
        for event in ordered {
            var member = members[event.member] ?? policy.newMember(id: event.member, birthday: scenario.birthday.flatMap(Birthday.init))
            let outcomes = policy.apply(event, to: &member, directory: directory)
            scheduled[event.member, default: []] += outcomes.dropLast()
            members[event.member] = member
            eventResults[event.id] = Self.describe(outcomes.last!, member: member, policy: policy)
        }
        for (id, expected) in scenario.expect.events ?? [:] {
            guard let actual = eventResults[id] else {
                failures.append("no event \(id)")
                continue
            }
            for key in expected.keys.sorted() where key != "working" {
                if actual[key] != expected[key] {
                    failures.append("\(id).\(key): expected \(expected[key]!), got \(actual[key].map(\.description) ?? "nothing")")
                }
            }
        }
        for (id, expected) in scenario.expect.members ?? [:] {
            guard var member = members[id] else {
                failures.append("no member \(id)")
                continue
            }
            scheduled[id, default: []] += policy.advance(&member, to: asOf)
            let actual = Self.describe(member, scheduled: scheduled[id] ?? [], policy: policy)
            for key in expected.keys.sorted() where actual[key] != expected[key] {
                failures.append("\(id).\(key) as of \(asOf): expected \(expected[key]!), got \(actual[key].map(\.description) ?? "nothing")")
            }
        }
        return failures
    }

    static func int(_ n: ExactNumber) -> JSONValue { .number(Int(n.numerator / n.denominator)) }
    static func money(_ n: ExactNumber) -> JSONValue {
        let cents = n.multiplied(by: ExactNumber(100))!.rounded(.halfEven)
        let value = Int(cents.numerator)
        return .text("\(value / 100).\(String(format: "%02d", abs(value % 100)))")
    }

    static func describe(_ outcome: Outcome, member: MemberState, policy: CompiledPolicy) -> [String: JSONValue] {
        var result: [String: JSONValue] = [
            "points": int(outcome.pointsEarned),
            "rejected": outcome.rejection.map { .text($0.code) } ?? .null,
            "redeemed": int(outcome.redeemed), "clawed_back": int(outcome.clawedBack), "unrecovered": int(outcome.unrecovered),
            "deducted": int(outcome.deducted), "forfeited": int(outcome.forfeited),
            "tier_after": .text(policy.tierNames[member.tier]), "status_after": .text(member.status.name),
            "notes": .list(outcome.notes.filter { $0.code != "warning" }.map { .text($0.code) }),
            "warning": .bool(outcome.notes.contains { $0.code == "warning" }),
        ]
        if let use = outcome.benefitUses.first { result["benefit"] = .text(use.granted ? "granted" : use.reason ?? "") }
        if let fee = outcome.fees.first { result["fee"] = money(fee.amount) }
        if case .percent(let p)? = outcome.entitlements.first(where: { $0.benefit == "purchase_discount" })?.value {
            result["discount"] = .text("\(p)%")
        }
        return result
    }

    static func describe(_ member: MemberState, scheduled: [Outcome], policy: CompiledPolicy) -> [String: JSONValue] {
        var frozenUntil: JSONValue = .null
        if case .frozen(let until) = member.status { frozenUntil = .text(until.description) }
        return [
            "tier": .text(policy.tierNames[member.tier]), "status": .text(member.status.name), "balance": int(member.balance),
            "earned": int(member.totals.earned), "redeemed": int(member.totals.redeemed), "expired": int(member.totals.expired),
            "clawed_back": int(member.totals.clawedBack), "deducted": int(member.totals.deducted),
            "forfeited": int(member.totals.forfeited), "unrecovered": int(member.totals.unrecovered), "fees": money(member.totals.fees),
            "next_review": member.nextReview.map { .text($0.description) } ?? .null,
            "frozen_until": frozenUntil,
            "expiry_notices": .list(member.notices.map { .text($0.description) }),
            "expired_lots": .list(scheduled.flatMap { outcome in
                outcome.expired.map { JSONValue.object(["earned_on": .text($0.earnedOn.description), "expired_on": .text(outcome.date.description), "points": int($0.points)]) }
            }),
        ]
    }
}
