import Foundation
import PerkConfig
import PerkTesting
import XCTest

/// `perk test`'s library: the suites shipped in policies/ pass and cover every rule of the
/// reference policy; a wrong expectation fails with what was expected, what happened and the
/// trace; starting states, filters and mistakes in test files behave as documented.
final class PolicyTestTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    private func write(_ text: String) throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("perk-policy-test-\(UUID().uuidString).test.yaml")
        try text.write(to: url, atomically: true, encoding: .utf8)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url.path
    }

    private var harbor: String { Self.root.appendingPathComponent("policies/harbor-hotel.perk").path }

    func testTheShippedSuitesPassAndCoverTheReferencePolicy() throws {
        let files = try PolicyTestRunner.files(in: [Self.root.appendingPathComponent("policies").path])
        XCTAssertEqual(files.map { URL(fileURLWithPath: $0).lastPathComponent }, ["club-card.test.yaml", "harbor-hotel.test.yaml", "retail-card.test.yaml"])
        for file in files {
            let result = try PolicyTestRunner.run(try PolicyTestFile.load(file))
            XCTAssertFalse(result.results.isEmpty, file)
            for test in result.results where !test.passed {
                XCTFail("\(file):\(test.line) \(test.test): " + test.failures.map(\.description).joined(separator: "; "))
            }
            if file.hasSuffix("harbor-hotel.test.yaml") {
                XCTAssertEqual(result.unexercised, [], "rules of the reference policy no test exercises")
                XCTAssertGreaterThanOrEqual(result.results.count, 56)
            }
        }
    }

    /// A starting state worked by hand: Gold reached 2024-03-01 (review due 2025-03-01), 800
    /// points earned 2024-01-15. A 1,000 CNY room on 2024-06-01 earns floor(1,000 / 10) × 1.5 =
    /// 150 at Gold; redeeming 900 on a 2,000 bill takes the 800 and 100 of the new lot.
    func testStartingStatesExpectationsAndFailures() throws {
        let file = try write("""
            policy: \(harbor)
            tests:
              - name: a gold member with an opening balance
                start:
                  M1: {tier: Gold, tier_reached: 2024-03-01, lots: [{points: 800, earned: 2024-01-15}]}
                events:
                  - {date: 2024-06-01, type: purchase, amount: 1000.00, category: room, expect: {points: 150, tier: Gold}}
                  - {date: 2024-06-02, type: redeem, points: 900, bill: 2000.00, expect: {redeemed: 900, rejected: null}}
                members:
                  M1: {balance: 50, earned: 950, redeemed: 900, next_review: 2025-03-01, tier: Gold}
              - name: a wrong expectation
                events:
                  - {date: 2024-06-01, type: purchase, amount: 99.00, category: room, expect: {points: 10}}
              - name: a frozen start denies redemption
                start:
                  M2: {status: frozen, frozen_until: 2024-07-01, balance: 1000, balance_earned: 2024-01-01}
                events:
                  - {member: M2, date: 2024-06-01, type: redeem, points: 500, bill: 2000.00, expect: {rejected: frozen}}
                members:
                  M2: {status: frozen, frozen_until: 2024-07-01, balance: 1000}
            """)
        let result = try PolicyTestRunner.run(try PolicyTestFile.load(file))
        XCTAssertEqual(result.results.map(\.passed), [true, false, true], result.results.flatMap(\.failures).map(\.description).joined(separator: "; "))
        let failure = try XCTUnwrap(result.results[1].failures.first)
        XCTAssertEqual(failure.description, "e1 (2024-06-01 purchase).points: expected 10, got 9")
        XCTAssertTrue(failure.trace.contains { $0.hasPrefix("purchase_points: fired") }, "\(failure.trace)")
        let filtered = try PolicyTestRunner.run(try PolicyTestFile.load(file), filter: "WRONG")
        XCTAssertEqual(filtered.results.map(\.test), ["a wrong expectation"])
    }

    func testMistakesInATestFileAreReportedWhereTheyAre() throws {
        func error(_ text: String) throws -> String {
            let path = try write(text)
            do {
                _ = try PolicyTestFile.load(path)
                return "no error"
            } catch let error as ConfigError {
                return "\(error)".replacingOccurrences(of: path, with: "t.yaml")
            }
        }
        XCTAssertEqual(try error("policy: \(harbor)\ntests:\n  - name: x\n    events:\n      - {date: 2024-01-01, type: join, expect: {pionts: 1}}\n"),
                       "t.yaml:5:49: error: tests[0].events[0].expect.pionts: nothing called `pionts` can be checked; did you mean `points`?")
        XCTAssertEqual(try error("policy: \(harbor)\ntests:\n  - name: x\n    evnts: []\n"),
                       "t.yaml:4:5: error: tests[0].evnts: unknown key; did you mean `events`?")
        // `amount: 1,500` in `{ }` was read as 1 CNY and a key `500`, dropped as an empty cell.
        XCTAssertEqual(try error("policy: \(harbor)\ntests:\n  - name: x\n    events:\n      - {date: 2024-01-10, type: purchase, amount: 1,500, category: room}\n"),
                       "t.yaml:5:54: error: tests[0].events[0]: `1,500` was read as two entries: inside `{ }` a comma separates entries; "
                       + "write the number without its comma (`1500`), in quotes (`\"1,500\"`), or the mapping one entry a line")
        // An expectation in Perk's notation can never match the number observed.
        XCTAssertEqual(try error("policy: \(harbor)\ntests:\n  - name: x\n    events:\n      - {date: 2024-01-10, type: card_lost, expect: {fee: 20 CNY}}\n"),
                       "t.yaml:5:59: error: tests[0].events[0].expect.fee: `20 CNY` is not a number; write the amount as a plain number, such as `20.00`")
        XCTAssertEqual(try error("policy: \(harbor)\ntests:\n  - name: x\n    events:\n      - {date: 2024-01-10, type: join}\n    members:\n      M1: {balance: 100 points}\n"),
                       "t.yaml:7:21: error: tests[0].members.M1.balance: `100 points` is not a number; write the points as a plain number, such as `100`")
        // An id given twice in a test (the second would be refused, a refund naming it ambiguous).
        XCTAssertEqual(try error("policy: \(harbor)\ntests:\n  - name: x\n    events:\n      - {id: p, date: 2024-01-10, type: join}\n      - {id: p, date: 2024-01-11, type: join}\n"),
                       "t.yaml:6:9: error: tests[0].events[1]: the id `p` is already given to the event on line 5; give each event its own id")
        // Starting states Perk could not give: summed or ignored before.
        let join = "    events:\n      - {date: 2024-01-10, type: join}\n"
        XCTAssertEqual(try error("policy: \(harbor)\ntests:\n  - name: x\n    start:\n      M1: {status: active, frozen_until: 2024-02-01}\n" + join),
                       "t.yaml:5:42: error: tests[0].start.M1.frozen_until: `frozen_until` is for a frozen member: give `status: frozen` too, or leave it out")
        XCTAssertEqual(try error("policy: \(harbor)\ntests:\n  - name: x\n    start:\n      M1: {lots: [{points: 5, earned: 2024-01-01}], balance: 5, balance_earned: 2024-01-01}\n" + join),
                       "t.yaml:5:18: error: tests[0].start.M1.lots: give the opening points as `lots` or as `balance` (with `balance_earned`), not both")
        XCTAssertEqual(try error("policy: \(harbor)\ntests:\n  - name: x\n    start:\n      M1: {balance_earned: 2024-01-01}\n" + join),
                       "t.yaml:5:28: error: tests[0].start.M1.balance_earned: `balance_earned` is the day of an opening `balance`: give `balance` too, or leave it out")
        XCTAssertEqual(try error("tests: []\n"),
                       "t.yaml:1:1: error: policy: missing; name the policy file, as in `policy: policies/harbor-hotel.perk`")
    }
}
