import Foundation
import XCTest

/// `perk` end to end: output and exit codes, as an operator or a script sees them.
final class CommandLineTests: XCTestCase {
    private func perk(_ arguments: [String], in directory: URL? = nil) throws -> (status: Int32, output: String) {
        try runProcess(TestPaths.productsDirectory.appendingPathComponent("perk"), arguments, in: directory ?? TestPaths.packageRoot)
    }

    func testCheckCleanPoliciesExitsZero() throws {
        let result = try perk(["check", "policies"])
        XCTAssertEqual(result.status, 0, result.output)
        XCTAssertTrue(result.output.hasSuffix("no problems\n"), result.output)
    }

    func testCheckErrorsExitOneWithPositionsAndHelp() throws {
        let directory = try temporaryDirectory()
        try "currency CNY\nevent purchase { amount: money }\nrule r on purchase {\n  earn amont\n}\n"
            .write(to: directory.appendingPathComponent("bad.perk"), atomically: true, encoding: .utf8)
        let result = try perk(["check", "bad.perk"], in: directory)
        XCTAssertEqual(result.status, 1)
        XCTAssertEqual(result.output, """
            bad.perk:4:8: error: unknown name `amont` [unknown-name]
              |
            4 |   earn amont
              |        ^^^^^
              help: did you mean `amount`?

            checked 1 file: 1 error, 0 warnings

            """)
    }

    /// Classic Mac line endings (a lone CR): a leading comment ends at the first CR instead of
    /// swallowing the file, and the position and quoted line are those an editor shows.
    func testALoneCarriageReturnEndsALine() throws {
        let directory = try temporaryDirectory()
        try "# Harbor\rpolicy \"U\"\rcurrency CNY\revent join\rrule r on join {\r  earn 1 pint\r}\r"
            .write(to: directory.appendingPathComponent("mac.perk"), atomically: true, encoding: .utf8)
        let result = try perk(["check", "mac.perk"], in: directory)
        XCTAssertEqual(result.status, 1, result.output)
        XCTAssertTrue(result.output.hasPrefix("""
            mac.perk:6:10: error: unknown unit `pint` [unknown-unit]
              |
            6 |   earn 1 pint
              |          ^^^^

            """), result.output)
    }

    /// A file named twice is checked once (its problems were reported and counted twice), and
    /// `fmt --check --stdout`, which did one and ignored the other, is a usage error.
    func testAFileNamedTwiceIsCheckedOnceAndFmtFlagsAgree() throws {
        let directory = try temporaryDirectory()
        try "event join\nrule r on join { earn amont }\n".write(to: directory.appendingPathComponent("a.perk"), atomically: true, encoding: .utf8)
        let twice = try perk(["check", "a.perk", "./a.perk", "."], in: directory)
        XCTAssertEqual(twice.status, 1, twice.output)
        XCTAssertEqual(twice.output.components(separatedBy: "unknown name `amont`").count - 1, 1, twice.output)
        XCTAssertTrue(twice.output.contains("checked 1 file: 1 error"), twice.output)
        let both = try perk(["fmt", "--check", "--stdout", "a.perk"], in: directory)
        XCTAssertEqual(both.status, 64, both.output)
        XCTAssertTrue(both.output.contains("--check and --stdout do not go together"), both.output)
    }

    func testWarningsExitZeroUnlessStrict() throws {
        let directory = try temporaryDirectory()
        try "event join\nparam spare = 1\n".write(to: directory.appendingPathComponent("w.perk"), atomically: true, encoding: .utf8)
        XCTAssertEqual(try perk(["check", "w.perk"], in: directory).status, 0)
        XCTAssertEqual(try perk(["check", "--strict", "w.perk"], in: directory).status, 1)
    }

    func testCheckJsonForEditors() throws {
        let directory = try temporaryDirectory()
        try "param x = 1 points + 2 CNY\n".write(to: directory.appendingPathComponent("j.perk"), atomically: true, encoding: .utf8)
        let result = try perk(["check", "--format", "json", "j.perk"], in: directory)
        XCTAssertEqual(result.status, 1)
        let records = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [[String: Any]])
        let units = try XCTUnwrap(records.first { $0["code"] as? String == "unit-mismatch" })
        XCTAssertEqual(units["file"] as? String, "j.perk")
        XCTAssertEqual(units["severity"] as? String, "error")
        XCTAssertEqual((units["start"] as? [String: Int])?["line"], 1)
        XCTAssertEqual((units["start"] as? [String: Int])?["column"], 11)
    }

    func testMissingFileIsARunFailure() throws {
        XCTAssertEqual(try perk(["check", "no/such/file.perk"]).status, 2)
    }

    /// A directory without policies is a mistake (a mistyped path, say), not a clean check.
    func testADirectoryWithoutPoliciesIsAnError() throws {
        let directory = try temporaryDirectory()
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("empty/inner"), withIntermediateDirectories: true)
        let result = try perk(["check", "empty"], in: directory)
        XCTAssertEqual(result.status, 2, result.output)
        XCTAssertEqual(result.output, "error: no .perk files were found in `empty` (or the folders inside it)\n")
    }

    func testFmtCheckNamesFilesAndFmtRewritesThem() throws {
        let directory = try temporaryDirectory()
        let path = directory.appendingPathComponent("p.perk")
        try "param   x=1 points # keep me\n".write(to: path, atomically: true, encoding: .utf8)
        let check = try perk(["fmt", "--check", "p.perk"], in: directory)
        XCTAssertEqual(check.status, 1)
        XCTAssertEqual(check.output, "p.perk: not formatted\n")
        XCTAssertEqual(try perk(["fmt", "p.perk"], in: directory).status, 0)
        XCTAssertEqual(try String(contentsOf: path, encoding: .utf8), "param x = 1 points  # keep me\n")
        XCTAssertEqual(try perk(["fmt", "--check", "p.perk"], in: directory).status, 0)
    }

    /// `fmt` writes into the file it was given: the mode stays, a symlink stays a link and its
    /// target is formatted, hard links stay one file; and no copy is left beside it.
    func testFmtKeepsModeSymlinksAndHardLinks() throws {
        let directory = try temporaryDirectory()
        let files = FileManager.default
        let unformatted = "param   x=1 points # keep me\n", formatted = "param x = 1 points  # keep me\n"
        for name in ["private.perk", "real.perk", "h1.perk"] {
            try unformatted.write(to: directory.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        try files.setAttributes([.posixPermissions: 0o600], ofItemAtPath: directory.appendingPathComponent("private.perk").path)
        try files.createSymbolicLink(atPath: directory.appendingPathComponent("link.perk").path, withDestinationPath: "real.perk")
        try files.linkItem(at: directory.appendingPathComponent("h1.perk"), to: directory.appendingPathComponent("h2.perk"))

        let result = try perk(["fmt", "private.perk", "link.perk", "h1.perk"], in: directory)
        XCTAssertEqual(result.status, 0, result.output)
        func attributes(_ name: String) throws -> [FileAttributeKey: Any] { try files.attributesOfItem(atPath: directory.appendingPathComponent(name).path) }
        func text(_ name: String) throws -> String { try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8) }
        XCTAssertEqual((try attributes("private.perk")[.posixPermissions] as? NSNumber)?.intValue, 0o600)
        XCTAssertEqual(try text("private.perk"), formatted)
        XCTAssertEqual(try attributes("link.perk")[.type] as? FileAttributeType, .typeSymbolicLink)
        XCTAssertEqual(try files.destinationOfSymbolicLink(atPath: directory.appendingPathComponent("link.perk").path), "real.perk")
        XCTAssertEqual(try text("real.perk"), formatted)
        XCTAssertEqual(try text("h2.perk"), formatted)
        XCTAssertEqual(try attributes("h1.perk")[.systemFileNumber] as? Int, try attributes("h2.perk")[.systemFileNumber] as? Int)
        XCTAssertEqual(try files.contentsOfDirectory(atPath: directory.path).sorted(),
                       ["h1.perk", "h2.perk", "link.perk", "private.perk", "real.perk"])
    }

    func testFmtLeavesFilesWithSyntaxErrorsAlone() throws {
        let directory = try temporaryDirectory()
        let path = directory.appendingPathComponent("s.perk")
        try "param x = (1\n".write(to: path, atomically: true, encoding: .utf8)
        XCTAssertEqual(try perk(["fmt", "s.perk"], in: directory).status, 1)
        XCTAssertEqual(try String(contentsOf: path, encoding: .utf8), "param x = (1\n")
    }
}

final class EncodingTests: XCTestCase {
    func testFilesThatAreNotUTF8AreRefusedAndNeverRewritten() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("perk-gbk-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        // "# 积分" in GBK: 0xBB 0xFD 0xB7 0xD6 is not UTF-8.
        let gbk = Data("param   x = 1\n# ".utf8) + Data([0xBB, 0xFD, 0xB7, 0xD6]) + Data("\n".utf8)
        let path = directory.appendingPathComponent("g.perk")
        try gbk.write(to: path)
        let perk = TestPaths.productsDirectory.appendingPathComponent("perk")
        let check = try runProcess(perk, ["check", "g.perk"], in: directory)
        XCTAssertEqual(check.status, 2)
        XCTAssertTrue(check.output.contains("g.perk:2: this file is not UTF-8"), check.output)
        XCTAssertEqual(try runProcess(perk, ["fmt", "g.perk"], in: directory).status, 2)
        XCTAssertEqual(try Data(contentsOf: path), gbk)
    }
}

final class ExplainCommandTests: XCTestCase {
    private func perk(_ arguments: [String]) throws -> (status: Int32, output: String) {
        try runProcess(TestPaths.productsDirectory.appendingPathComponent("perk"), arguments, in: TestPaths.packageRoot)
    }

    /// A member is a member from their first event on: explained as of a day before it, there is
    /// no member to show (it printed a Regular, active member with nothing).
    func testExplainBeforeTheFirstEventSaysSo() throws {
        let result = try perk(["explain", "policies/harbor-hotel.perk", "--events", "policies/harbor-hotel-events.csv", "--member", "M1", "--as-of", "2024-01-10"])
        XCTAssertEqual(result.status, 2, result.output)
        XCTAssertTrue(result.output.contains("member `M1` is not a member yet on 2024-01-10: their first event is dated 2024-01-10"), result.output)
        XCTAssertFalse(result.output.contains("Member M1"), result.output)
    }

    /// A row given twice is refused `duplicate_id` in an explanation too, as a simulation refuses it.
    func testExplainRefusesARowGivenTwice() throws {
        let directory = try temporaryDirectory()
        let events = directory.appendingPathComponent("events.csv")
        try "id,date,member,type,amount,category\ne1,2024-01-01,M1,purchase,3000.00,room\ne1,2024-01-01,M1,purchase,3000.00,room\n"
            .write(to: events, atomically: true, encoding: .utf8)
        let result = try perk(["explain", "policies/harbor-hotel.perk", "--events", events.path, "--member", "M1"])
        XCTAssertEqual(result.status, 0, result.output)
        XCTAssertTrue(result.output.contains("REJECTED duplicate_id: an earlier event of this member has the id e1; each event needs its own id"), result.output)
        XCTAssertTrue(result.output.contains("balance 300 points"), result.output)
    }

    func testExplainsTheWorkedExample() throws {
        let result = try perk(["explain", "policies/harbor-hotel.perk", "--events", "policies/harbor-hotel-events.csv",
                               "--members", "policies/harbor-hotel-members.csv", "--member", "M1", "--as-of", "2025-05-04"])
        XCTAssertEqual(result.status, 0, result.output)
        // Rows of REFERENCE-POLICY.md's worked example, as an operator reads them.
        for line in [
            "Member M1 (birthday 05-12) under \"Harbor Hotel Rewards\"",
            "2024-05-03  purchase e2  (amount 4000.00 CNY, category dining)",
            "            +800 points by purchase_points",
            "            tier Regular → Silver (upgrade by purchase_points)",
            "            REJECTED below_minimum: `points >= redeem_minimum` does not hold [rule redemption]",
            "2025-05-03  scheduled",
            "            tier Silver → Regular (review: dropped)",
            "  tier Regular, active, balance 435 points",
        ] {
            XCTAssertTrue(result.output.contains(line + "\n"), "missing: \(line)\n\(result.output)")
        }
    }

    /// Explain keeps only the member's events; a reference to an event the member does not have
    /// is looked up in a second pass, so the refusal still says why.
    func testExplainSaysWhyAReferenceCannotBeFollowed() throws {
        let directory = try temporaryDirectory()
        let events = directory.appendingPathComponent("events.csv")
        try """
            id,date,member,type,amount,category,original
            p1,2024-01-10,M2,purchase,100.00,room,
            r1,2024-01-11,M1,refund,10.00,,p1
            r2,2024-01-12,M1,refund,10.00,,p3
            r3,2024-01-12,M1,refund,10.00,,p404
            p3,2024-01-20,M1,purchase,100.00,room,

            """.write(to: events, atomically: true, encoding: .utf8)
        let result = try perk(["explain", "policies/harbor-hotel.perk", "--events", events.path, "--member", "M1"])
        XCTAssertEqual(result.status, 0, result.output)
        for line in [
            "            REJECTED other_member: original p1 belongs to another member",
            "            REJECTED not_yet_applied: original p3 is not applied yet (it comes later, or was refused)",
            "            REJECTED unknown_original: no event p404",
            "            +10 points by purchase_points",  // p3: floor(100 / 10)
        ] {
            XCTAssertTrue(result.output.contains(line + "\n"), "missing: \(line)\n\(result.output)")
        }
        XCTAssertFalse(result.output.contains("2024-01-10"), "M2's purchase is not M1's: \(result.output)")
    }

    func testMalformedRowsAreListedAndNothingIsExplained() throws {
        let directory = try temporaryDirectory()
        let events = directory.appendingPathComponent("events.csv")
        try "id,date,member,type,amount,category\ne1,2024-01-10,M1,purchse,1.00,room\ne2,2024-13-01,M1,purchase,1.00,room\n"
            .write(to: events, atomically: true, encoding: .utf8)
        let result = try perk(["explain", "policies/harbor-hotel.perk", "--events", events.path, "--member", "M1"])
        XCTAssertEqual(result.status, 2)
        XCTAssertTrue(result.output.contains("events.csv:2: type: unknown event type `purchse`; did you mean `purchase`?"), result.output)
        XCTAssertTrue(result.output.contains("events.csv:3: date: `2024-13-01` is not a date"), result.output)
        XCTAssertFalse(result.output.contains("Member M1"))
    }
}
