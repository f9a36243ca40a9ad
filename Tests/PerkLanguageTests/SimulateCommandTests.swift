import Foundation
import XCTest

/// `perk simulate` end to end: the files it writes, its exit codes, and bad input.
final class SimulateCommandTests: XCTestCase {
    private func perk(_ arguments: [String]) throws -> (status: Int32, output: String) {
        try runProcess(TestPaths.productsDirectory.appendingPathComponent("perk"), arguments, in: TestPaths.packageRoot)
    }

    private func text(_ url: URL, _ name: String) throws -> String {
        try String(contentsOf: url.appendingPathComponent(name), encoding: .utf8)
    }

    /// REFERENCE-POLICY.md's worked example (M1), and M2 worked by hand: 25,000 CNY room → 2,500
    /// points and Gold; a 5,000 refund claws back floor(2,500 × 5,000 / 25,000) = 500; a first
    /// abuse is a warning; a lost card costs 20 CNY; the review on 2025-03-02 sees no spend in
    /// (2024-03-02, 2025-03-02) and drops M2 to Regular.
    func testTheWorkedExample() throws {
        let out = try temporaryDirectory()
        let result = try perk(["simulate", "--policy", "policies/harbor-hotel.perk", "--events", "policies/harbor-hotel-events.csv",
                               "--members", "policies/harbor-hotel-members.csv", "--as-of", "2025-05-04", "--out", out.path])
        XCTAssertEqual(result.status, 0, result.output)
        XCTAssertEqual(try text(out, "members.csv"), """
            member,tier,status,balance,earned,redeemed,expired,clawed_back,deducted,forfeited,unrecovered,fees,qualifying_tier
            M1,Regular,active,435,935,500,0,0,0,0,0,0.00,Regular
            M2,Regular,active,2000,2500,0,0,500,0,0,0,20.00,Regular

            """)
        let summary = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(try text(out, "summary.json").utf8)) as? [String: Any])
        let rows = try XCTUnwrap(summary["rows"] as? [String: Int])
        XCTAssertEqual(rows, ["read": 11, "applied": 10, "rejected": 1, "skipped": 0, "not_applied": 0])
        let policy = try XCTUnwrap(summary["policy"] as? [String: Any])
        let events = try XCTUnwrap(policy["events"] as? [String: [String: Any]])
        XCTAssertEqual(events["redeem"]?["denied"] as? [String: Int], ["below_minimum": 1])
        // By type, counted from the file: e3 (a deposit) is applied though no rule earns on it.
        XCTAssertEqual(events.compactMapValues { $0["granted"] as? Int },
                       ["purchase": 5, "redeem": 1, "use": 1, "refund": 1, "violation": 1, "card_lost": 1])
        XCTAssertEqual(policy["tier_movements"] as? [String: Int], ["upgrades": 2, "downgrades": 2])
        // On 2025-05-04 the window (2024-05-04, 2025-05-04] holds M1's 105.00 dining and nothing of M2's.
        let qualifying = try XCTUnwrap(policy["members_per_qualifying_tier"] as? [[String: Any]])
        XCTAssertEqual(qualifying.map { "\($0["tier"]!) \($0["members"]!)" }, ["Regular 2", "Silver 0", "Gold 0", "Diamond 0"])
        let liability = try XCTUnwrap(policy["liability"] as? [String: Any])
        XCTAssertEqual((liability["amount"] as? NSNumber)?.decimalValue, Decimal(string: "243.5"))  // 2,435 points × 0.1 CNY
        let html = try text(out, "report.html")
        XCTAssertTrue(html.contains("<svg"), "report.html has no chart")
        XCTAssertFalse(html.contains("http://") || html.contains("https://") && html.contains("<script src"), "report.html must be self-contained")
        XCTAssertTrue(result.output.contains("members"), result.output)
    }

    func testMalformedRowsStopTheRunAndLeaveEarlierResults() throws {
        let directory = try temporaryDirectory()
        let out = directory.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        try "earlier results\n".write(to: out.appendingPathComponent("members.csv"), atomically: true, encoding: .utf8)
        let events = directory.appendingPathComponent("events.csv")
        try """
            id,date,member,type,amount,category
            e1,2024-01-10,M1,purchase,100.00,room
            e2,2024-02-30,M1,purchase,100.00,room
            e3,2024-03-01,M1,purchse,100.00,room
            e4,2024-03-02,M1,purchase,12;50,room
            e5,2024-03-03,M1,purchase,100.00,room,extra

            """.write(to: events, atomically: true, encoding: .utf8)
        let failed = try perk(["simulate", "--policy", "policies/harbor-hotel.perk", "--events", events.path, "--out", out.path])
        XCTAssertEqual(failed.status, 2, failed.output)
        for line in [3, 4, 5, 6] { XCTAssertTrue(failed.output.contains("events.csv:\(line): "), "row \(line) not reported:\n\(failed.output)") }
        XCTAssertTrue(failed.output.contains("4 malformed rows"), failed.output)
        XCTAssertEqual(try text(out, "members.csv"), "earlier results\n")

        let skipped = try perk(["simulate", "--policy", "policies/harbor-hotel.perk", "--events", events.path, "--out", out.path,
                                "--on-error", "skip", "--format", "json"])
        XCTAssertEqual(skipped.status, 0, skipped.output)
        let rejected = try text(out, "rejected.csv").split(separator: "\n")
        XCTAssertEqual(rejected.first, "file,line,column,reason")
        XCTAssertEqual(rejected.dropFirst().map { $0.split(separator: ",")[1] }, ["3", "4", "5", "6"])
        XCTAssertTrue(rejected[2].contains("purchse"), String(rejected[2]))
        XCTAssertEqual(try text(out, "members.csv").split(separator: "\n").last, "M1,Regular,active,10,10,0,0,0,0,0,0,0.00,Regular")
        XCTAssertTrue(skipped.output.contains("\"skipped\" : 4"), skipped.output)
        XCTAssertTrue(skipped.output.contains("\"read\" : 5"), skipped.output)
    }

    /// A header that cannot be read loses every row: `--on-error skip` does not leave it out as
    /// one row (it reported one row read and skipped, and no members).
    func testABadHeaderStopsEvenASkippingRun() throws {
        let directory = try temporaryDirectory()
        let out = directory.appendingPathComponent("out")
        let events = directory.appendingPathComponent("events.csv")
        try "ID,Date,Member,Type,Amount,Category\ne1,2024-01-10,M1,purchase,100.00,room\n".write(to: events, atomically: true, encoding: .utf8)
        let skipped = try perk(["simulate", "--policy", "policies/harbor-hotel.perk", "--events", events.path, "--out", out.path, "--on-error", "skip"])
        XCTAssertEqual(skipped.status, 2, skipped.output)
        XCTAssertTrue(skipped.output.contains("events.csv:1: the header has no `id`, `date`, `member`, `type` column"), skipped.output)
        XCTAssertTrue(skipped.output.contains("no row after line 1 can be read, so --on-error skip cannot leave it out"), skipped.output)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.path))
    }

    /// What stops a run at its end says what is in the way (it was Foundation's "NSCocoaErrorDomain
    /// error 512", and "the input holds no events" for an input whose last event is on 9999-12-31).
    func testWhatStopsARunAtItsEndIsSaid() throws {
        let directory = try temporaryDirectory()
        let events = directory.appendingPathComponent("events.csv")
        try "id,date,member,type,amount,category\ne1,2024-01-10,M1,purchase,100.00,room\n".write(to: events, atomically: true, encoding: .utf8)
        let file = directory.appendingPathComponent("afile")
        try "".write(to: file, atomically: true, encoding: .utf8)
        let underAFile = try perk(["simulate", "--policy", "policies/harbor-hotel.perk", "--events", events.path, "--out", file.path + "/sub"])
        XCTAssertEqual(underAFile.status, 2, underAFile.output)
        XCTAssertTrue(underAFile.output.contains("`\(file.path)` is a file, not a folder; give --out a folder"), underAFile.output)
        try "id,date,member,type,amount,category\ne1,9999-12-31,M1,purchase,100.00,room\n".write(to: events, atomically: true, encoding: .utf8)
        let lastDay = try perk(["simulate", "--policy", "policies/harbor-hotel.perk", "--events", events.path, "--out", directory.appendingPathComponent("out").path])
        XCTAssertEqual(lastDay.status, 2, lastDay.output)
        XCTAssertTrue(lastDay.output.contains("the last event is dated 9999-12-31, the last day Perk's calendar has"), lastDay.output)
    }

    /// An as-of day decades after the events (a mistyped year) is said: the monthly series runs to it.
    func testAFarAsOfDayIsSaid() throws {
        let out = try temporaryDirectory().appendingPathComponent("out")
        let run = try perk(["simulate", "--policy", "policies/harbor-hotel.perk", "--events", "policies/harbor-hotel-events.csv",
                            "--as-of", "2100-01-01", "--out", out.path])
        XCTAssertEqual(run.status, 0, run.output)
        XCTAssertTrue(run.output.contains("warning: the as-of day 2100-01-01 is 76 years after the last event (2024-06-03)"), run.output)
        let near = try perk(["simulate", "--policy", "policies/harbor-hotel.perk", "--events", "policies/harbor-hotel-events.csv", "--out", out.path])
        XCTAssertFalse(near.output.contains("warning"), near.output)
    }

    /// `--jobs` takes what perk.yaml's `simulate.jobs` takes (it accepted a million threads).
    func testJobsAreBoundedAsInTheConfiguration() throws {
        for jobs in ["0", "1025"] {
            let run = try perk(["simulate", "--policy", "policies/harbor-hotel.perk", "--events", "policies/harbor-hotel-events.csv", "--jobs", jobs])
            XCTAssertEqual(run.status, 64, run.output)
            XCTAssertTrue(run.output.contains("--jobs must be a whole number from 1 to 1024"), run.output)
        }
    }

    /// `--out` holds one run's results: a file that cannot be put in place (a directory where
    /// report.html goes) replaces none of the earlier files and leaves no temporary file; a run
    /// that writes no compare.csv removes an earlier run's.
    func testTheResultsAreReplacedTogether() throws {
        let out = try temporaryDirectory()
        let run = ["simulate", "--policy", "policies/harbor-hotel.perk", "--events", "policies/harbor-hotel-events.csv", "--out", out.path]
        let compared = try perk(run + ["--compare", "policies/harbor-hotel.perk"])
        XCTAssertEqual(compared.status, 0, compared.output)
        XCTAssertTrue(FileManager.default.fileExists(atPath: out.appendingPathComponent("compare.csv").path))
        try "earlier\n".write(to: out.appendingPathComponent("members.csv"), atomically: true, encoding: .utf8)
        try FileManager.default.removeItem(at: out.appendingPathComponent("report.html"))
        try FileManager.default.createDirectory(at: out.appendingPathComponent("report.html/x"), withIntermediateDirectories: true)
        let blocked = try perk(run)
        XCTAssertEqual(blocked.status, 2, blocked.output)
        XCTAssertTrue(blocked.output.contains("report.html: Is a directory"), blocked.output)
        XCTAssertEqual(try text(out, "members.csv"), "earlier\n")
        XCTAssertTrue(FileManager.default.fileExists(atPath: out.appendingPathComponent("compare.csv").path))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: out.path).filter { $0.hasPrefix(".") }, [])
        try FileManager.default.removeItem(at: out.appendingPathComponent("report.html"))
        let plain = try perk(run)
        XCTAssertEqual(plain.status, 0, plain.output)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: out.path).sorted(), ["members.csv", "report.html", "summary.json"])
        XCTAssertTrue(try text(out, "members.csv").hasPrefix("member,tier,status,"))
    }

    func testComparingAPolicyWithItselfAndCompressedInput() throws {
        let directory = try temporaryDirectory()
        let compressed = directory.appendingPathComponent("events.csv.gz")
        let gzip = try runProcess(URL(fileURLWithPath: "/usr/bin/env"), ["sh", "-c", "gzip -c policies/harbor-hotel-events.csv > '\(compressed.path)'"],
                                  in: TestPaths.packageRoot)
        XCTAssertEqual(gzip.status, 0, gzip.output)
        let plainOut = directory.appendingPathComponent("plain"), out = directory.appendingPathComponent("compared")
        let plain = try perk(["simulate", "--policy", "policies/harbor-hotel.perk", "--events", "policies/harbor-hotel-events.csv",
                              "--out", plainOut.path, "--jobs", "1"])
        XCTAssertEqual(plain.status, 0, plain.output)
        let result = try perk(["simulate", "--policy", "policies/harbor-hotel.perk", "--compare", "policies/harbor-hotel.perk",
                               "--events", compressed.path, "--out", out.path, "--jobs", "2"])
        XCTAssertEqual(result.status, 0, result.output)
        XCTAssertEqual(try text(out, "members.csv"), try text(plainOut, "members.csv"))
        for line in try text(out, "compare.csv").split(separator: "\n").dropFirst() {
            let cells = line.split(separator: ",", omittingEmptySubsequences: false)
            XCTAssertEqual(cells[1], cells[2], String(line))
            XCTAssertEqual(cells[5], "0", String(line))
        }
        XCTAssertTrue(try text(out, "summary.json").contains("\"members_changing_tier\" : 0"))
    }
}
