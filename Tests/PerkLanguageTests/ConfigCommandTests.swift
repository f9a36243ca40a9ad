import Foundation
import XCTest

/// Commands reading perk.yaml: found in the working directory or named by --config, flags over
/// the file, every mistake at its line and column.
final class ConfigCommandTests: XCTestCase {
    private func perk(_ arguments: [String], in directory: URL = TestPaths.packageRoot) throws -> (status: Int32, output: String) {
        try runProcess(TestPaths.productsDirectory.appendingPathComponent("perk"), arguments, in: directory)
    }

    /// The worked example's events in a point-of-sale layout — other column names, coded types,
    /// day-first dates, an extra column — read through perk.yaml's mapping give the members.csv
    /// worked by hand for Perk's own layout (SimulateCommandTests.testTheWorkedExample).
    func testAMappedExportSimulatesLikePerksOwnLayout() throws {
        let directory = try temporaryDirectory()
        let source = try String(contentsOf: TestPaths.packageRoot.appendingPathComponent("policies/harbor-hotel-events.csv"), encoding: .utf8)
        let codes = ["purchase": "P", "redeem": "R", "use": "U", "refund": "F", "violation": "V", "card_lost": "L"]
        var rows = ["txn,when,card,kind,amount,category,points,original,kind_of_violation,benefit,bill,store"]
        for line in source.split(separator: "\n").dropFirst() {
            var cells = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            let ymd = cells[1].split(separator: "-")
            cells[1] = "\(ymd[2])/\(ymd[1])/\(ymd[0])"
            cells[3] = codes[cells[3]]!
            rows.append((cells + ["S\(rows.count % 3)"]).joined(separator: ","))
        }
        try (rows.joined(separator: "\n") + "\n").write(to: directory.appendingPathComponent("export.csv"), atomically: true, encoding: .utf8)
        try FileManager.default.copyItem(at: TestPaths.packageRoot.appendingPathComponent("policies/harbor-hotel-members.csv"),
                                         to: directory.appendingPathComponent("members.csv"))
        try """
            policy: \(TestPaths.packageRoot.appendingPathComponent("policies/harbor-hotel.perk").path)
            input:
              events: export.csv
              members: members.csv
              columns: {id: txn, date: when, member: card, type: kind, kind: kind_of_violation}
              types: {P: purchase, R: redeem, U: use, F: refund, V: violation, L: card_lost}
              ignore: [store]
              date_format: DD/MM/YYYY
            simulate:
              as_of: 2025-05-04
              out: results
            """.write(to: directory.appendingPathComponent("perk.yaml"), atomically: true, encoding: .utf8)
        let result = try perk(["simulate"], in: directory)
        XCTAssertEqual(result.status, 0, result.output)
        XCTAssertEqual(try String(contentsOf: directory.appendingPathComponent("results/members.csv"), encoding: .utf8), """
            member,tier,status,balance,earned,redeemed,expired,clawed_back,deducted,forfeited,unrecovered,fees,qualifying_tier
            M1,Regular,active,435,935,500,0,0,0,0,0,0.00,Regular
            M2,Regular,active,2000,2500,0,0,500,0,0,0,20.00,Regular

            """)
        // A flag wins over the file: as of 2024-03-05, only M1's January and M2's March 2 purchases
        // are applied: floor(1,234.56 / 10) = 123 and 2,500 points, no fee yet.
        let early = try perk(["simulate", "--as-of", "2024-03-05", "--out", "early"], in: directory)
        XCTAssertEqual(early.status, 0, early.output)
        let members = try String(contentsOf: directory.appendingPathComponent("early/members.csv"), encoding: .utf8)
        XCTAssertTrue(members.contains("M1,Regular,active,123,123,"), members)
        XCTAssertTrue(members.contains("M2,Gold,active,2500,2500,0,0,0,0,0,0,0.00,Gold\n"), members)
    }

    /// policies/harbor-hotel.yaml compares the policy with itself at Gold from 15,000 CNY: the
    /// summary names the parameter, and the table labels B with it.
    func testComparingParameterValues() throws {
        let out = try temporaryDirectory()
        let result = try perk(["simulate", "--config", "harbor-hotel.yaml", "--out", out.path], in: TestPaths.packageRoot.appendingPathComponent("policies"))
        XCTAssertEqual(result.status, 0, result.output)
        XCTAssertTrue(result.output.hasPrefix("A: Harbor Hotel Rewards   B: Harbor Hotel Rewards (gold_spend = 15,000 CNY)"), result.output)
        let summary = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("summary.json"))) as? [String: Any])
        let comparison = try XCTUnwrap(summary["comparison"] as? [String: Any])
        XCTAssertEqual((comparison["policy"] as? [String: Any])?["parameters"] as? [String: String], ["gold_spend": "15,000 CNY"])
        XCTAssertEqual((summary["policy"] as? [String: Any])?["parameters"] as? [String: String], [:])
    }

    /// `--format json` always prints an array, and a mistake in the configuration is in it as a
    /// policy's diagnostics are: whether found reading the file or checking a value against the policy.
    func testCheckJsonHoldsConfigurationMistakes() throws {
        let directory = try temporaryDirectory()
        let policy = TestPaths.packageRoot.appendingPathComponent("policies/harbor-hotel.perk").path
        func records(_ arguments: [String]) throws -> (status: Int32, records: [[String: Any]]) {
            let process = try runProcess(TestPaths.productsDirectory.appendingPathComponent("perk"), arguments, in: directory, standardErrorToo: false)
            let records = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(process.output.utf8)) as? [[String: Any]], process.output)
            return (process.status, records)
        }
        try "policy: \(policy)\nparameters:\n  gold_spend: 20,000 points\n".write(to: directory.appendingPathComponent("value.yaml"), atomically: true, encoding: .utf8)
        let value = try records(["check", "--format", "json", "--config", "value.yaml"])
        XCTAssertEqual(value.status, 1)
        XCTAssertEqual(value.records.count, 1)
        XCTAssertEqual(value.records.first?["file"] as? String, "value.yaml")
        XCTAssertEqual(value.records.first?["code"] as? String, "configuration")
        XCTAssertEqual(value.records.first?["severity"] as? String, "error")
        XCTAssertEqual(value.records.first?["start"] as? [String: Int], ["line": 3, "column": 15])
        XCTAssertEqual((value.records.first?["message"] as? String)?.hasPrefix("parameters.gold_spend: the policy's `gold_spend` is money"), true)

        try "policy: \(policy)\nsimulate:\n  as_of: 2024-02-30\n".write(to: directory.appendingPathComponent("date.yaml"), atomically: true, encoding: .utf8)
        let date = try records(["check", "--format", "json", "--config", "date.yaml"])
        XCTAssertEqual(date.status, 1)
        XCTAssertEqual(date.records.map { $0["message"] as? String }, ["simulate.as_of: `2024-02-30` is not a date; write YYYY-MM-DD"])
        XCTAssertEqual(date.records.first?["start"] as? [String: Int], ["line": 3, "column": 10])

        let missing = try records(["check", "--format", "json", "no-such.perk"])
        XCTAssertEqual(missing.status, 2)
        XCTAssertEqual(missing.records.count, 0)
    }

    /// A broken perk.yaml in the working directory does not stop `fmt FILE`, which does not need
    /// it; where it is needed, its mistake says that it is the default one and how to pick another.
    func testABrokenDefaultConfigurationSaysWhereItComesFrom() throws {
        let directory = try temporaryDirectory()
        try "policy: missing.perk\n".write(to: directory.appendingPathComponent("perk.yaml"), atomically: true, encoding: .utf8)
        let policy = directory.appendingPathComponent("p.perk")
        try "param   x=1 points\n".write(to: policy, atomically: true, encoding: .utf8)
        let format = try perk(["fmt", "p.perk"], in: directory)
        XCTAssertEqual(format.status, 0, format.output)
        XCTAssertEqual(try String(contentsOf: policy, encoding: .utf8), "param x = 1 points\n")

        let mistake = "perk.yaml:1:9: error: policy: there is no policy file `missing.perk`; paths are relative to the folder of perk.yaml\n"
        let implicit = try perk(["check", "p.perk"], in: directory)
        XCTAssertEqual(implicit.status, 1, implicit.output)
        XCTAssertEqual(implicit.output, mistake
            + "  help: this is the default configuration, perk.yaml in the working directory; fix it, or give --config FILE to use another\n")
        let chosen = try perk(["check", "--config", "perk.yaml", "p.perk"], in: directory)
        XCTAssertEqual(chosen.status, 1, chosen.output)
        XCTAssertEqual(chosen.output, mistake)
    }

    func testCheckReportsConfigurationMistakesWhereTheyAre() throws {
        let directory = try temporaryDirectory()
        let policy = TestPaths.packageRoot.appendingPathComponent("policies/harbor-hotel.perk").path
        let file = directory.appendingPathComponent("deploy.yaml")
        try "policy: \(policy)\nparameters:\n  gold_spend: 20,000 points\n".write(to: file, atomically: true, encoding: .utf8)
        let wrongUnit = try perk(["check", "--config", file.path])
        XCTAssertEqual(wrongUnit.status, 1, wrongUnit.output)
        XCTAssertTrue(wrongUnit.output.contains("deploy.yaml:3:15: error: parameters.gold_spend: the policy's `gold_spend` is money, but this value is points"),
                      wrongUnit.output)
        try "policy: \(policy)\nsimulate:\n  job: 2\n".write(to: file, atomically: true, encoding: .utf8)
        let misspelt = try perk(["simulate", "--config", file.path, "--events", "policies/harbor-hotel-events.csv"])
        XCTAssertEqual(misspelt.status, 1, misspelt.output)
        XCTAssertTrue(misspelt.output.contains("deploy.yaml:3:3: error: simulate.job: unknown key; did you mean `jobs`?"), misspelt.output)
        let absent = try perk(["check", "--config", directory.appendingPathComponent("none.yaml").path])
        XCTAssertEqual(absent.status, 2, absent.output)
        // Every example configuration in policies/ checks clean with its policy.
        for example in ["harbor-hotel", "club-card", "retail-card"] {
            let result = try perk(["check", "--config", "policies/\(example).yaml"])
            XCTAssertEqual(result.status, 0, "\(example): \(result.output)")
        }
    }
}

/// `perk test` end to end: the shipped suites pass with full rule coverage; a failing test exits
/// 1 with expected, actual and the rule trace.
final class TestCommandTests: XCTestCase {
    private func perk(_ arguments: [String]) throws -> (status: Int32, output: String) {
        try runProcess(TestPaths.productsDirectory.appendingPathComponent("perk"), arguments, in: TestPaths.packageRoot)
    }

    func testTheShippedSuitesAndAFailure() throws {
        let shipped = try perk(["test", "policies"])
        XCTAssertEqual(shipped.status, 0, shipped.output)
        XCTAssertTrue(shipped.output.contains(" passed, 0 failed"), shipped.output)
        XCTAssertTrue(shipped.output.contains("rule coverage: policies/harbor-hotel.perk: every rule exercised"), shipped.output)

        let file = FileManager.default.temporaryDirectory.appendingPathComponent("perk-\(UUID().uuidString).test.yaml")
        addTeardownBlock { try? FileManager.default.removeItem(at: file) }
        try """
            policy: \(TestPaths.packageRoot.appendingPathComponent("policies/harbor-hotel.perk").path)
            tests:
              - name: rounding down
                events:
                  - {date: 2024-01-10, type: purchase, amount: 1234.56, category: room, expect: {points: 124}}
            """.write(to: file, atomically: true, encoding: .utf8)
        let failing = try perk(["test", file.path])
        XCTAssertEqual(failing.status, 1, failing.output)
        XCTAssertTrue(failing.output.contains("FAIL \(file.path):3 rounding down"), failing.output)
        XCTAssertTrue(failing.output.contains("expected 124\n    got      123"), failing.output)
        XCTAssertTrue(failing.output.contains("purchase_points: fired"), failing.output)
        XCTAssertTrue(failing.output.contains("0 passed, 1 failed"), failing.output)
        XCTAssertTrue(failing.output.contains("rule coverage: "), failing.output)
    }

    /// `--filter "$FILTER"` with the variable empty runs every test (with coverage); a filter no
    /// test's name contains is a usage error that names it and the tests there are.
    func testAnEmptyFilterRunsEverythingAndOneMatchingNothingIsAMistake() throws {
        let suite = "policies/retail-card.test.yaml"
        let all = try perk(["test", suite])
        let empty = try perk(["test", suite, "--filter", ""])
        XCTAssertEqual(empty.status, 0, empty.output)
        XCTAssertEqual(empty.output, all.output)
        XCTAssertTrue(empty.output.contains("rule coverage: policies/retail-card.perk"), empty.output)

        let nothing = try perk(["test", suite, "--filter", "nosuchtest"])
        XCTAssertEqual(nothing.status, 64, nothing.output)
        XCTAssertTrue(nothing.output.hasPrefix("error: --filter `nosuchtest` selects no test: no test's name contains it; "
            + "the tests are named `base points, fresh food doubled, the member-day bonus`, "), nothing.output)
        XCTAssertFalse(nothing.output.contains("passed"), nothing.output)
        let misspelt = try perk(["test", suite, "--filter", "net spend upgrades to Silvr"])
        XCTAssertEqual(misspelt.status, 64, misspelt.output)
        XCTAssertTrue(misspelt.output.contains("did you mean `net spend upgrades to Silver`?"), misspelt.output)
    }
}
