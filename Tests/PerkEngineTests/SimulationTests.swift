import Foundation
import PerkEngine
import PerkLanguage
import PerkTestSupport
import XCTest

/// The simulator over hand-worked inputs (`Simulations/*/`: events, members, as-of, and the
/// members.csv worked by hand from REFERENCE-POLICY.md in WORKING.md), and its invariances: jobs,
/// input order, CSV or JSON Lines, a policy compared with itself.
final class SimulationTests: XCTestCase {
    static let cases = EventInputTests.packageRoot.appendingPathComponent("Tests/PerkEngineTests/Simulations")

    private func read(_ events: String, format: EventFileFormat = .csv, policy: CompiledPolicy = WorkedExampleTests.policy) -> (events: [InputEvent], directory: EventDirectory) {
        var reader = EventFileReader(bytes: Array(events.utf8), format: format, file: "events", decoder: EventDecoder(policy: policy.checked))
        var read: [InputEvent] = []
        var directory = EventDirectory()
        while let next = reader.next() {
            guard case .success(let event) = next else {
                XCTFail("malformed row: \(next)")
                continue
            }
            read.append(event)
            directory.record(event)
        }
        return (read, directory)
    }

    /// Simulates through partitions that send almost every event to their temporary files, as a
    /// large input would, and checks the result against replaying every member held in memory.
    private func simulate(_ events: [InputEvent], directory: EventDirectory, birthdays: [String: Birthday] = [:], asOf: CivilDate,
                          policies: [CompiledPolicy] = [WorkedExampleTests.policy], jobs: Int = 2,
                          file: StaticString = #filePath, line: UInt = #line) throws -> Simulation.Result {
        let partitions = MemberPartitions(file: "events", policy: policies[0], count: 3, spillThreshold: 64)
        // In batches, as `perk simulate` adds them.
        for start in stride(from: 0, to: events.count, by: 5) { try partitions.add(partitions.encode(Array(events[start..<min(start + 5, events.count)]))) }
        XCTAssertEqual(partitions.events, events.count, file: file, line: line)
        let partitioned = try Simulation(policies: policies, birthdays: birthdays, directory: try partitions.directory(), asOf: asOf)
            .run(partitions, jobs: jobs)
        let whole = Simulation(policies: policies, birthdays: birthdays, directory: directory, asOf: asOf).run(events, jobs: jobs)
        XCTAssertEqual(partitioned.members, whole.members, file: file, line: line)
        XCTAssertEqual(partitioned.tallies.map(\.rejected), whole.tallies.map(\.rejected), file: file, line: line)
        XCTAssertEqual(partitioned.tallies.map(\.applied), whole.tallies.map(\.applied), file: file, line: line)
        return partitioned
    }

    /// Members are spread evenly over the partitions, each member's events all in one: ids of
    /// W2's shape (differing only in their last digits), short ones, long ones and non-ASCII ones.
    /// (A partition chosen from a hash shifted out of its word put every member in the first.)
    /// A member's balance and totals come back exactly, whether they fit in 64 bits or not, as
    /// fractions too: 10^20 points earned (beyond 64 bits), fees of a third of a purchase.
    func testResultsKeepAmountsOfAnySize() throws {
        let policy = try CompiledPolicy.compile(SourceFile(name: "p.perk", text: """
            currency CNY
            event purchase { amount: money }
            rule big on purchase where amount > 100 CNY {
              earn 100000000000000000000 points
            }
            rule small on purchase where amount <= 100 CNY {
              earn 7 points
              charge amount / 3 as thirds
            }
            """)).get()
        let (events, directory) = read("""
            id,date,member,type,amount
            e1,2024-01-01,M1,purchase,500
            e2,2024-01-02,M1,purchase,600
            e3,2024-01-01,M2,purchase,10
            e4,2024-01-03,M2,purchase,0.01
            """, policy: policy)
        let result = try simulate(events, directory: directory, asOf: CivilDate(iso: "2024-02-01")!, policies: [policy])
        let (m1, m2) = (result.members[0][0], result.members[0][1])
        XCTAssertEqual([m1.member, m2.member], ["M1", "M2"])
        let twice = ExactNumber(numerator: 200_000_000_000_000_000_000, denominator: 1)!
        XCTAssertEqual(m1.totals.earned, twice)
        XCTAssertEqual(m1.balance, twice)
        XCTAssertEqual(m1.totals.fees, .zero)
        XCTAssertEqual(m2.totals.earned, ExactNumber(14))
        XCTAssertEqual(m2.balance, ExactNumber(14))
        // (10 + 0.01) / 3 CNY = 1001/300 CNY.
        XCTAssertEqual(m2.totals.fees, ExactNumber(numerator: 1_001, denominator: 300)!)
        XCTAssertNotEqual(m1, m2)
    }

    func testMembersAreSpreadEvenlyOverThePartitions() throws {
        let partitions = MemberPartitions(file: "events", policy: WorkedExampleTests.policy, count: 256)
        let ids = (0..<6_000).map { String(format: "M%07d", $0) } + (0..<2_000).map { "m\($0)" }
            + (0..<1_000).map { "member-\($0)-of-a-long-programme" } + (0..<1_000).map { "会员\($0)" }
        let events = ids.enumerated().flatMap { index, id in
            (0..<2).map { InputEvent(id: "e\(index)-\($0)", date: CivilDate(dayNumber: 19_000 + $0)!, member: id, type: "purchase",
                                     fields: ["amount": .money(ExactNumber(10)), "category": .text("room")], location: InputLocation(file: "t", line: index)) }
        }
        try partitions.add(partitions.encode(events))
        var partitionOf: [String: Int] = [:]
        var sizes: [Int] = []
        for index in 0..<256 {
            let members = try partitions.events(ofPartition: index).map(\.member)
            sizes.append(Set(members).count)
            for member in members { XCTAssertEqual(partitionOf.updateValue(index, forKey: member) ?? index, index, "\(member) in two partitions") }
        }
        XCTAssertEqual(partitionOf.count, ids.count)
        // 10,000 members in 256 partitions: about 39 each.
        XCTAssertGreaterThan(sizes.min()!, 15, "\(sizes)")
        XCTAssertLessThan(sizes.max()!, 70, "\(sizes)")
    }

    /// Partitions give back every event as it was added, in order per partition — also one whose
    /// type and fields the policy does not declare (an API caller's), whose names are written out,
    /// with numbers on both sides of 64 bits (which are written and read in 64 bits when they fit).
    func testPartitionsGiveEventsBackAsAdded() throws {
        let partitions = MemberPartitions(file: "events", policy: WorkedExampleTests.policy, count: 2, spillThreshold: 40)
        let wide: EventFields = [
            "note": .text("hello, world"), "amount": .money(ExactNumber(numerator: 12345, denominator: 100)!),
            "huge": .number(ExactNumber(numerator: Int128(1) << 100, denominator: 3)!),
            "least": .points(ExactNumber(numerator: Int128(Int64.min), denominator: 1)!),
            "most": .points(ExactNumber(numerator: Int128(Int64.max), denominator: 1)!),
            "beyond": .money(ExactNumber(numerator: -(Int128(1) << 64) - 1, denominator: 7)!),
            // Every other kind of value, and lists of them (a list's items are read out of line).
            "tags": .list([.text("vip"), .list([.number(ExactNumber(2)), .bool(true)]), .list([]), .date(CivilDate(dayNumber: 19_001)!)]),
            "span": .duration(months: 2, days: -3), "level": .tier(2), "flag": .bool(false), "origin": .event("e3"),
            "share": .percent(ExactNumber(5)), "value": .rate(ExactNumber(numerator: 1, denominator: 10)!),
        ]
        let events = (0..<30).map { index in
            InputEvent(id: "e\(index)", date: CivilDate(dayNumber: 19_000 + index)!, member: "M\(index % 4)",
                       type: index == 7 ? "gift" : "purchase",
                       fields: index == 7 ? wide : ["amount": .money(ExactNumber(index)), "category": .text("room")],
                       location: InputLocation(file: "events", line: index + 2))
        }
        try partitions.add(partitions.encode(Array(events[..<13])))
        try partitions.add(partitions.encode(Array(events[13...])))
        let back = try (0..<2).flatMap { try partitions.events(ofPartition: $0) }
        XCTAssertEqual(Set(back), Set(events))
        for partition in 0..<2 {
            let mine = events.filter { partitions.partition(of: $0.member) == partition }
            XCTAssertEqual(try partitions.events(ofPartition: partition), mine)
        }
        XCTAssertEqual(partitions.types, ["purchase", "gift"])
        XCTAssertEqual(partitions.lastDate, CivilDate(dayNumber: 19_029))
        // Replayed from the partitions (read member by member, past the undeclared type's name and
        // the wide numbers), the members come out as replayed from the events in memory.
        let simulation = Simulation(policies: [WorkedExampleTests.policy], birthdays: [:], directory: EventDirectory(),
                                    asOf: CivilDate(dayNumber: 19_100)!)
        XCTAssertEqual(try simulation.run(partitions, jobs: 1).members, simulation.run(events, jobs: 1).members)
    }

    /// Ids, members and texts of every length from 1 to 40 bytes (short ones are copied into a
    /// record as overlapping words, longer ones otherwise), of distinct bytes and of several
    /// scripts, come back from the partitions as they went in.
    func testTextsOfEveryLengthComeBackFromPartitions() throws {
        let partitions = MemberPartitions(file: "events", policy: WorkedExampleTests.policy, count: 2, spillThreshold: 64)
        let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789".utf8)
        func text(_ length: Int, from start: Int) -> String {
            String(decoding: (0..<length).map { alphabet[(start + $0 * 7) % alphabet.count] }, as: UTF8.self)
        }
        var events = (1...40).map { length in
            InputEvent(id: text(length, from: length), date: CivilDate(dayNumber: 19_000 + length)!, member: text(41 - length, from: 3 * length),
                       type: "purchase", fields: ["amount": .money(ExactNumber(length)), "category": .text(text(length - 1, from: 5 * length))],
                       location: InputLocation(file: "events", line: length + 1))
        }
        // Two- and three-byte characters, cut at every length.
        let wide = Array("é中文ü€日本語ß".utf8)
        for length in 1...wide.count {
            let bytes = Array(wide[..<length])
            guard String(validating: bytes, as: UTF8.self) != nil else { continue }
            let id = String(decoding: bytes, as: UTF8.self)
            events.append(InputEvent(id: "w" + id, date: CivilDate(dayNumber: 19_100)!, member: id, type: "purchase",
                                     fields: ["amount": .money(ExactNumber(1)), "category": .text(id)], location: InputLocation(file: "events", line: 100 + length)))
        }
        try partitions.add(partitions.encode(events))
        XCTAssertEqual(Set(try (0..<2).flatMap { try partitions.events(ofPartition: $0) }), Set(events))
        XCTAssertGreaterThan(events.count, 45)
    }

    /// The spill file leaves no name in its directory from the moment it is made (a run that is
    /// interrupted or killed leaves nothing behind), and gives back any of its extents in any
    /// order; a directory it cannot be made in is named in the error.
    func testTheSpillFileHasNoNameAndGivesBackWhatWasWritten() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("spill-test-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = try SpillFile(in: directory)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory), [])
        let first = try file.append(Array("first".utf8)), second = try file.append(Array(repeating: 7, count: 100_000)),
            third = try file.append(Array("3".utf8))
        XCTAssertEqual([first, second, third], [0..<5, 5..<100_005, 100_005..<100_006])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory), [])
        XCTAssertEqual(try file.read([third, first]), Array("3first".utf8))
        XCTAssertEqual(try file.read([second]), Array(repeating: 7, count: 100_000))
        XCTAssertEqual(try file.read([]), [])

        XCTAssertThrowsError(try SpillFile(in: directory + "/missing")) { error in
            XCTAssertTrue("\(error)".contains(directory + "/missing"), "\(error)")
        }
    }

    /// Rows read straight into partition records (as `perk simulate` reads, making no event and
    /// no string for an id or a member) give back the events the file holds: quoted ids and
    /// members with commas, doubled quotes, accents and CJK characters, of types with one field
    /// and with two, each in its member's partition.
    func testRowsReadIntoPartitionsKeepTheirCells() throws {
        let csv = #"""
            id,date,member,type,amount,category,original
            "e,1",2024-01-02,"Zoë ""Z""",purchase,10.50,room,
            e2,2024-01-03,会员7,purchase,3,"dining, late",
            r1,2024-01-04,"Zoë ""Z""",refund,2.25,,"e,1"
            e3,2024-01-05,M1,purchase,0.01,spa,

            """#
        let policy = WorkedExampleTests.policy
        let partitions = MemberPartitions(file: "events", policy: policy, count: 2, spillThreshold: 16)
        var reader = EventFileReader(bytes: Array(csv.utf8), format: .csv, file: "events", decoder: EventDecoder(policy: policy.checked))
        let (batch, errors) = partitions.encode(&reader)
        XCTAssertTrue(errors.isEmpty, "\(errors)")
        try partitions.add(batch)
        func money(_ text: String) -> Value { .money(ExactNumber(decimal: text)!) }
        let expected = [
            InputEvent(id: "e,1", date: CivilDate(iso: "2024-01-02")!, member: "Zoë \"Z\"", type: "purchase",
                       fields: ["amount": money("10.50"), "category": .text("room")], location: InputLocation(file: "events", line: 2)),
            InputEvent(id: "e2", date: CivilDate(iso: "2024-01-03")!, member: "会员7", type: "purchase",
                       fields: ["amount": money("3"), "category": .text("dining, late")], location: InputLocation(file: "events", line: 3)),
            InputEvent(id: "r1", date: CivilDate(iso: "2024-01-04")!, member: "Zoë \"Z\"", type: "refund",
                       fields: ["amount": money("2.25"), "original": .event("e,1")], location: InputLocation(file: "events", line: 4)),
            InputEvent(id: "e3", date: CivilDate(iso: "2024-01-05")!, member: "M1", type: "purchase",
                       fields: ["amount": money("0.01"), "category": .text("spa")], location: InputLocation(file: "events", line: 5)),
        ]
        for partition in 0..<2 {
            XCTAssertEqual(try partitions.events(ofPartition: partition), expected.filter { partitions.partition(of: $0.member) == partition })
        }
        XCTAssertEqual(partitions.events, 4)
    }

    func testHandWorkedCases() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: Self.cases.path).filter { !$0.hasPrefix(".") }.sorted()
        XCTAssertGreaterThanOrEqual(names.count, 3)
        for name in names {
            let directory = Self.cases.appendingPathComponent(name)
            func text(_ file: String) throws -> String { try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8) }
            let input = read(try text("events.csv"))
            let birthdays = MemberFileReader.read(Array(try text("members.csv").utf8), file: "members.csv")
            XCTAssertEqual(birthdays.errors, [], name)
            let asOf = try XCTUnwrap(CivilDate(iso: try text("as-of.txt").trimmingCharacters(in: .whitespacesAndNewlines)), name)
            let result = try simulate(input.events, directory: input.directory, birthdays: birthdays.birthdays, asOf: asOf)
            XCTAssertEqual(SimulationReport.membersCSV(result.members[0]), try text("expected-members.csv"), "\(name): see \(name)/WORKING.md")
        }
    }

    /// The monthly series, worked by hand. A earns 100 on 2024-01-15 and 50 on 2024-03-10; B earns
    /// 30 on 2024-02-01; a lot earned in month M expires at the end of month M + 2. Issued: January
    /// 100, February 30, March 50. Expired: A's January lot at the end of March (100), B's at the
    /// end of April (30), A's March lot at the end of May (50). Balances at each month's end: 100
    /// (B is not a member before February), 130, 80, 50, 0; members counted: 1, 2, 2, 2, 2. The
    /// as-of day, 2024-06-01, starts June, which is not reported.
    func testTheMonthlySeries() throws {
        let policy = try CompiledPolicy.compile(SourceFile(name: "p.perk", text: """
            currency CNY
            event purchase { amount: money }
            expire lots 2 months after earning, at end of month
            rule points on purchase { earn floor(amount * 1 point per 1 CNY) }
            """)).get()
        let purchases = [("A", "2024-01-15", 100), ("B", "2024-02-01", 30), ("A", "2024-03-10", 50)]
        let events = purchases.enumerated().map { index, purchase in
            InputEvent(id: "e\(index)", date: CivilDate(iso: purchase.1)!, member: purchase.0, type: "purchase",
                       fields: ["amount": .money(ExactNumber(purchase.2))], location: InputLocation(file: "t", line: index + 2))
        }
        for jobs in [1, 2] {
            let tally = Simulation(policies: [policy], birthdays: [:], directory: EventDirectory(), asOf: CivilDate(iso: "2024-06-01")!)
                .run(events, jobs: jobs).tallies[0]
            let series = tally.monthlySeries.map { month, m in
                "\(month) +\(m.issued) -\(m.expired) =\(m.balance) \(m.membersPerTier)"
            }
            XCTAssertEqual(series, ["2024-01 +100 -0 =100 [1]", "2024-02 +30 -0 =130 [2]", "2024-03 +50 -100 =80 [2]",
                                    "2024-04 +0 -30 =50 [2]", "2024-05 +0 -50 =0 [2]"], "jobs \(jobs)")
        }
    }

    /// The monthly series through long quiet stretches, reviews and expiry, worked by hand from
    /// REFERENCE-POLICY.md's rules (a review at the start of its day, over the window ending that
    /// day; the lowest tier has no review). A buys for 150 CNY on 2024-01-20 (150 points; spend 150
    /// reaches Plus, review 2024-03-20) and for 20 CNY on 2024-09-05 (20 points; spend 20, no
    /// upgrade). The review of 2024-03-20 sees 150 in (2023-12-20, 2024-03-20]: Plus kept, next
    /// review 2024-05-20, which sees nothing in (2024-02-20, 2024-05-20]: Basic. The January lot
    /// expires at the end of July (month 1 + 6). Month ends, [Basic, Plus]: January to April 150
    /// [0, 1]; May and June 150 [1, 0]; July 0 (150 expired) [1, 0]; August 0; September and
    /// October 20. The as-of day, 2024-11-01, starts November, which is not reported.
    func testTheMonthlySeriesThroughReviewsAndQuietMonths() throws {
        let tally = try tallyOfReviewedPurchases([("2024-01-20", 150), ("2024-09-05", 20)], asOf: "2024-11-01")
        let series = tally.monthlySeries.map { month, m in "\(month) +\(m.issued) -\(m.expired) =\(m.balance) \(m.membersPerTier)" }
        XCTAssertEqual(series, ["2024-01 +150 -0 =150 [0, 1]", "2024-02 +0 -0 =150 [0, 1]", "2024-03 +0 -0 =150 [0, 1]",
                                "2024-04 +0 -0 =150 [0, 1]", "2024-05 +0 -0 =150 [1, 0]", "2024-06 +0 -0 =150 [1, 0]",
                                "2024-07 +0 -150 =0 [1, 0]", "2024-08 +0 -0 =0 [1, 0]", "2024-09 +20 -0 =20 [1, 0]",
                                "2024-10 +0 -0 =20 [1, 0]"])
        XCTAssertEqual([tally.upgrades, tally.downgrades], [1, 1])
    }

    /// Member A's purchases (day, CNY) replayed under a policy of one point per CNY, a Plus tier
    /// at 100 CNY over the last 3 months held 2 months then reviewed, and lots expiring at the
    /// end of the month 6 months after earning: the simulation's tally.
    private func tallyOfReviewedPurchases(_ purchases: [(day: String, cny: Int)], asOf: String) throws -> Tally {
        let policy = try CompiledPolicy.compile(SourceFile(name: "p.perk", text: """
            currency CNY
            event purchase { amount: money }
            measure spend = sum(amount of purchase, last 3 months)
            tiers by spend {
              tier Basic
              tier Plus at 100 CNY
              hold 2 months then review
            }
            expire lots 6 months after earning, at end of month
            rule points on purchase {
              earn floor(amount * 1 point per 1 CNY)
              upgrade
            }
            """)).get()
        let events = purchases.enumerated().map { index, purchase in
            InputEvent(id: "e\(index)", date: CivilDate(iso: purchase.day)!, member: "A", type: "purchase",
                       fields: ["amount": .money(ExactNumber(purchase.cny))], location: InputLocation(file: "t", line: index + 2))
        }
        return Simulation(policies: [policy], birthdays: [:], directory: EventDirectory(), asOf: CivilDate(iso: asOf)!)
            .run(events, jobs: 1).tallies[0]
    }

    /// A review due on the first of a month counts in the month before: a month's end is the
    /// start of the next month's first day, as the as-of state is the start of the as-of day
    /// (REFERENCE-POLICY.md), with what is due then applied. Here the tier reached on 2024-01-01
    /// is held two months, requalified on 2024-03-01 (150 CNY in the three months before) and
    /// dropped on 2024-05-01: April ends in Basic.
    func testAReviewOnAMonthsFirstDayCountsInTheMonthBefore() throws {
        // (The lot expires at the end of July, after the as-of day.)
        let tally = try tallyOfReviewedPurchases([("2024-01-01", 150)], asOf: "2024-07-01")
        let series = tally.monthlySeries.map { month, m in "\(month) \(m.membersPerTier)" }
        XCTAssertEqual(series, ["2024-01 [0, 1]", "2024-02 [0, 1]", "2024-03 [0, 1]", "2024-04 [1, 0]", "2024-05 [1, 0]", "2024-06 [1, 0]"])
        XCTAssertEqual([tally.upgrades, tally.downgrades], [1, 1])
    }

    /// members.csv is formatted in chunks on several threads for many members: the rows come out
    /// whole, in member order, whatever the number of threads. Replayed through partitions, with a
    /// second purchase each, the same members give the rows worked out for them.
    func testMembersCSVOfManyMembersIsTheSameOnAnyNumberOfThreadsAndThroughPartitions() throws {
        let policy = try CompiledPolicy.compile(SourceFile(name: "p.perk", text: """
            currency CNY
            event purchase { amount: money }
            rule points on purchase { earn floor(amount * 1 point per 1 CNY) }
            """)).get()
        let count = 25_000
        // Member m(i) buys for i CNY once; given in reverse order.
        let events = (1...count).reversed().map { i in
            InputEvent(id: "e\(i)", date: CivilDate(iso: "2024-03-01")!, member: String(format: "m%05d", i), type: "purchase",
                       fields: ["amount": .money(ExactNumber(i))], location: InputLocation(file: "t", line: i))
        }
        let result = Simulation(policies: [policy], birthdays: [:], directory: EventDirectory(), asOf: CivilDate(iso: "2024-04-01")!).run(events, jobs: 2)
        let expected = SimulationReport.memberColumns.joined(separator: ",") + "\n"
            + (1...count).map { String(format: "m%05d,,active,%d,%d,0,0,0,0,0,0,0.00,\n", $0, $0, $0) }.joined()
        for jobs in [1, 2, 3] {
            XCTAssertEqual(SimulationReport.membersCSV(result.members[0], jobs: jobs), expected, "jobs \(jobs)")
        }
        // Through two partitions, mostly spilled: thousands of members a partition, numbered by
        // their ids' bytes. Each member buys again for 1 CNY the next day, so every member is
        // found again after the numbering's table has grown.
        let again = (1...count).map { i in
            InputEvent(id: "f\(i)", date: CivilDate(iso: "2024-03-02")!, member: String(format: "m%05d", i), type: "purchase",
                       fields: ["amount": .money(ExactNumber(1))], location: InputLocation(file: "t", line: count + i))
        }
        let partitions = MemberPartitions(file: "t", policy: policy, count: 2, spillThreshold: 1 << 14)
        try partitions.add(partitions.encode(events))
        try partitions.add(partitions.encode(again))
        let partitioned = try Simulation(policies: [policy], birthdays: [:], directory: EventDirectory(), asOf: CivilDate(iso: "2024-04-01")!)
            .run(partitions, jobs: 2)
        XCTAssertEqual(SimulationReport.membersCSV(partitioned.members[0]), SimulationReport.memberColumns.joined(separator: ",") + "\n"
            + (1...count).map { String(format: "m%05d,,active,%d,%d,0,0,0,0,0,0,0.00,\n", $0, $0 + 1, $0 + 1) }.joined())
    }

    /// members.csv, its rows written through a buffer of their own and handed over in pieces:
    /// every row whole and in id order, for 25,000 members (several parts, several pieces each),
    /// an id longer than the buffer, ids quoted as RFC 4180 says, and points of one digit to
    /// fourteen (each member earns its purchase's whole yuan: worked out here, not by the engine).
    func testMembersCSVWritesEveryRowWholeWhateverItsLength() throws {
        let policy = try CompiledPolicy.compile(SourceFile(name: "p.perk", text: """
            currency CNY
            param rate = 1 point per 1 CNY
            event purchase { amount: money }
            rule points on purchase { earn floor(amount * rate) }
            """)).get()
        let yuan = [0, 9, 10, 99, 100, 12_345, 98_765_432_101_234]
        var members = (0..<25_000).map { (id: "m\($0)", yuan: yuan[$0 % yuan.count]) }
        members += [(String(repeating: "x", count: 5_000), 7), ("with,comma", 11), ("q\"uote", 12), ("line\nbreak", 13)]
        let date = CivilDate(iso: "2024-01-01")!
        let events = members.enumerated().map { index, member in
            InputEvent(id: "e\(index)", date: date, member: member.id, type: "purchase",
                       fields: ["amount": .money(ExactNumber(numerator: Int128(member.yuan) * 100 + 50, denominator: 100)!)],
                       location: InputLocation(file: "t", line: index + 2))
        }
        func cell(_ id: String) -> String {
            id.contains(where: { ",\"\n".contains($0) }) ? "\"" + id.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : id
        }
        let expected = SimulationReport.memberColumns.joined(separator: ",") + "\n"
            + members.sorted { $0.id < $1.id }.map { "\(cell($0.id)),,active,\($0.yuan),\($0.yuan),0,0,0,0,0,0,0.00,\n" }.joined()
        let simulation = Simulation(policies: [policy], birthdays: [:], directory: EventDirectory(), asOf: CivilDate(iso: "2024-02-01")!)
        let result = simulation.run(events, jobs: 2)
        for jobs in [1, 2] {
            XCTAssertEqual(SimulationReport.membersCSV(result.members[0], jobs: jobs), expected, "jobs \(jobs)")
        }
    }

    /// A member's events are replayed in date order whatever order they come in, for members with
    /// few events and with many (sorted another way above 32). Each purchase earns a point for
    /// every purchase on an earlier day it sees: a member whose n purchases fall on n different
    /// days earns 0 + 1 + … + (n − 1) points only when they are applied in date order (worked by
    /// hand: 40 purchases 780 points, 10 purchases 45).
    func testEventsAreReplayedInDateOrderWhateverTheirNumber() throws {
        let policy = try CompiledPolicy.compile(SourceFile(name: "p.perk", text: """
            currency CNY
            event purchase { amount: money }
            measure earlier = count(purchase, last 1000 days before today)
            rule points on purchase { earn earlier * 1 point }
            """)).get()
        var random = SplitMix64(seed: 5)
        let start = CivilDate(iso: "2024-01-01")!
        var events = [(member: "many", count: 40), (member: "few", count: 10)].flatMap { member, count in
            (0..<count).map { day in
                InputEvent(id: "\(member)\(day)", date: start.adding(days: 3 * day)!, member: member, type: "purchase",
                           fields: ["amount": .money(ExactNumber(1))], location: InputLocation(file: "t", line: day + 2))
            }
        }
        events.shuffle(using: &random)
        let simulation = Simulation(policies: [policy], birthdays: [:], directory: EventDirectory(), asOf: CivilDate(iso: "2025-01-01")!)
        let partitions = MemberPartitions(file: "t", policy: policy, count: 3)
        try partitions.add(partitions.encode(events))
        for result in [simulation.run(events, jobs: 1), try simulation.run(partitions, jobs: 2)] {
            XCTAssertEqual(result.members[0].map(\.member), ["few", "many"])
            XCTAssertEqual(result.members[0].map(\.totals.earned), [ExactNumber(45), ExactNumber(780)])
        }
    }

    /// Events on or after the as-of day are not applied, and a member with no event before it is
    /// no member: worked by hand, A's purchases of 10 and 20 CNY before 2024-03-01 earn 30 points
    /// (its 40 CNY on the day does not count), B's only purchase is after it; three events are
    /// left unapplied. The same through partitions and on two threads.
    func testEventsOnOrAfterTheAsOfDayAreNotApplied() throws {
        let policy = try CompiledPolicy.compile(SourceFile(name: "p.perk", text: """
            currency CNY
            event purchase { amount: money }
            rule points on purchase { earn floor(amount * 1 point per 1 CNY) }
            """)).get()
        let rows: [(String, String, Int)] = [("B", "2024-03-05", 70), ("A", "2024-02-10", 10), ("A", "2024-03-01", 40),
                                             ("A", "2024-02-20", 20), ("A", "2024-04-01", 80)]
        let events = rows.enumerated().map { index, row in
            InputEvent(id: "e\(index)", date: CivilDate(iso: row.1)!, member: row.0, type: "purchase",
                       fields: ["amount": .money(ExactNumber(row.2))], location: InputLocation(file: "t", line: index + 2))
        }
        let simulation = Simulation(policies: [policy], birthdays: [:], directory: EventDirectory(), asOf: CivilDate(iso: "2024-03-01")!)
        let partitions = MemberPartitions(file: "t", policy: policy, count: 2)
        try partitions.add(partitions.encode(events))
        for result in [simulation.run(events, jobs: 1), simulation.run(events, jobs: 2), try simulation.run(partitions, jobs: 2)] {
            XCTAssertEqual(result.members[0].map(\.member), ["A"])
            XCTAssertEqual(result.members[0].map(\.totals.earned), [ExactNumber(30)])
            XCTAssertEqual(result.notApplied, 3)
            XCTAssertEqual(result.tallies[0].members, 1)
        }
    }

    /// The worked example's members, in every order, on one thread or two, from CSV or JSON Lines:
    /// the same members.csv and the same summary.
    func testTheResultDoesNotDependOnOrderJobsOrFormat() throws {
        let csv = try String(contentsOf: EventInputTests.packageRoot.appendingPathComponent("policies/harbor-hotel-events.csv"), encoding: .utf8)
        let sorted = read(csv)
        let asOf = CivilDate(iso: "2026-01-01")!
        let reference = try simulate(sorted.events, directory: sorted.directory, asOf: asOf, jobs: 1)
        let expected = SimulationReport.membersCSV(reference.members[0])
        let summary = try SimulationReport.json(SimulationReport.summary(of: reference, policies: [WorkedExampleTests.policy], asOf: asOf, rows: .init(read: 0, skipped: 0)))

        var random = SplitMix64(seed: 11)
        var header = csv.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let head = header.removeFirst()
        for _ in 0..<5 {
            // Rows shuffled: a member's events on different days are put back in date order.
            var rows = header.filter { !$0.isEmpty }
            rows.shuffle(using: &random)
            let shuffled = read(([head] + rows).joined(separator: "\n") + "\n")
            for jobs in [1, 2, 3] {
                let result = try simulate(shuffled.events, directory: shuffled.directory, asOf: asOf, jobs: jobs)
                XCTAssertEqual(SimulationReport.membersCSV(result.members[0]), expected, "jobs \(jobs)")
                let json = try SimulationReport.json(SimulationReport.summary(of: result, policies: [WorkedExampleTests.policy], asOf: asOf,
                                                                              rows: .init(read: 0, skipped: 0)))
                XCTAssertEqual(json, summary, "jobs \(jobs)")
            }
        }

        let jsonLines = sorted.events.map { event -> String in
            var object: [String: Any] = ["id": event.id, "date": event.date.description, "member": event.member, "type": event.type]
            for (name, value) in event.fields {
                switch value {
                case .money(let n), .points(let n): object[name] = n.description
                case .text(let t): object[name] = t
                case .event(let id): object[name] = id
                default: XCTFail("unexpected field \(value)")
                }
            }
            return String(decoding: try! JSONSerialization.data(withJSONObject: object, options: .sortedKeys), as: UTF8.self)
        }.joined(separator: "\n")
        let fromJSON = read(jsonLines, format: .jsonLines)
        XCTAssertEqual(SimulationReport.membersCSV(try simulate(fromJSON.events, directory: fromJSON.directory, asOf: asOf).members[0]), expected)
    }

    /// Members come out in the order of their ids as strings, which the sort by first eight bytes
    /// must agree with: random ids of ASCII, NUL and non-ASCII characters (é precomposed and as
    /// e + combining accent, which equal each other as strings), and ids whose first eight bytes
    /// are ASCII and decide nothing because an accent follows (a byte order would put
    /// "aaaaaaae\u{301}" before "aaaaaaaf"; as strings it comes after).
    func testMembersAreOrderedByIDAsStrings() {
        var random = SplitMix64(seed: 11)
        let alphabet = ["a", "b", "Z", "0", "9", "\u{0}", "\u{e9}", "e\u{301}", "\u{df}", "\u{4e2d}", "-"]
        var ids = (0..<5_000).map { _ in (0..<Int.random(in: 0...12, using: &random)).map { _ in alphabet.randomElement(using: &random)! }.joined() }
        ids += ["aaaaaaae\u{301}", "aaaaaaaf", "aaaaaaa\u{e9}", "aaaaaaae", "aaaaaaaa", "aaaaaaaa\u{0}", "aaaaaaaa", "", "M0000002", "M000000", "M0000001"]
        let expected = ids.indices.sorted { ids[$0] < ids[$1] }, ordered = positionsInIDOrder(ids)
        let difference = ordered.indices.first { ordered[$0] != expected[$0] }
        XCTAssert(ordered.count == expected.count && difference == nil,
                  "place \(difference ?? -1): \(difference.map { ids[ordered[$0]].debugDescription } ?? "") instead of \(difference.map { ids[expected[$0]].debugDescription } ?? "")")
    }

    /// Work run in parallel: every index once, each by a worker numbered below the jobs, and
    /// never two at once by the same worker (what a worker's own objects rely on).
    func testParallelWorkGivesEachIndexOnceAndAWorkerOneAtATime() {
        final class Record: @unchecked Sendable {
            let lock = NSLock()
            var runs: [Int] = [], busy: Set<Int> = [], clashes = 0, workers: Set<Int> = []
        }
        for jobs in [1, 2, 3] {
            let record = Record()
            runInParallel(40, jobs: jobs) { index, worker in
                record.lock.withLock {
                    record.runs.append(index)
                    record.workers.insert(worker)
                    if !record.busy.insert(worker).inserted { record.clashes += 1 }
                }
                usleep(500)
                record.lock.withLock { _ = record.busy.remove(worker) }
            }
            XCTAssertEqual(record.runs.sorted(), Array(0..<40), "jobs \(jobs)")
            XCTAssertEqual(record.clashes, 0, "jobs \(jobs)")
            XCTAssertTrue(record.workers.isSubset(of: Set(0..<jobs)), "jobs \(jobs): workers \(record.workers.sorted())")
        }
    }

    /// A run's members, held in parts (a partition's each, sorted by id), are read in id order
    /// across the parts: for ids that differ in their first eight bytes, only after them, only in
    /// length, or in non-ASCII letters, split into parts at random, the members are those the run
    /// gave, ordered as the ids sort as strings (sorted here by the standard library), each once.
    func testMembersInPartsAreReadInIDOrder() throws {
        var random = SplitMix64(seed: 11)
        let ids = (0..<60).map { "M\($0)" } + (0..<40).map { "member-\(1_000 + $0 * 7)" } + ["Zoë", "Zoe", "Zoé1", "Ω", "a", "member-", "M"]
        let start = CivilDate(iso: "2024-01-01")!
        let events = ids.enumerated().map { index, id in
            InputEvent(id: "e\(index)", date: start.adding(days: index % 30)!, member: id, type: "purchase",
                       fields: ["amount": .money(ExactNumber(10 * (index + 1))), "category": .text("room")],
                       location: InputLocation(file: "t", line: index + 2))
        }
        let simulation = Simulation(policies: [WorkedExampleTests.policy], birthdays: [:], directory: EventDirectory(),
                                    asOf: CivilDate(iso: "2024-03-01")!)
        let members = simulation.run(events.shuffled(using: &random), jobs: 1).members[0]
        XCTAssertEqual(members.map(\.member), ids.sorted())
        let byID = Dictionary(uniqueKeysWithValues: members.map { ($0.member, $0) })
        for partCount in [1, 2, 5, 40] {
            var parts = Array(repeating: [Simulation.MemberResult](), count: partCount)
            for id in ids.shuffled(using: &random) { parts[Int(random.next() % UInt64(partCount))].append(byID[id]!) }
            parts = parts.map { $0.sorted { $0.member < $1.member } }
            let read = Simulation.Members(parts: parts)
            XCTAssertEqual(read.count, ids.count, "\(partCount) parts")
            XCTAssertEqual(read.map(\.member), ids.sorted(), "\(partCount) parts")
            XCTAssertEqual(read, members, "\(partCount) parts")
            XCTAssertEqual(read[read.count - 1].member, ids.max(), "\(partCount) parts")
        }
        XCTAssertTrue(Simulation.Members(parts: []).isEmpty)
        XCTAssertTrue(Simulation.Members(parts: [[], []]).isEmpty)
    }

    /// Worked example (REFERENCE-POLICY.md): M1 ends Regular with 435 points after the review of
    /// 2025-05-03; the summary's totals are the members' rows added up.
    func testTheWorkedExampleSummary() throws {
        let csv = try String(contentsOf: EventInputTests.packageRoot.appendingPathComponent("policies/harbor-hotel-events.csv"), encoding: .utf8)
        let input = read(csv)
        let asOf = CivilDate(iso: "2025-05-04")!
        let result = try simulate(input.events, directory: input.directory,
                              birthdays: ["M1": Birthday("05-12")!], asOf: asOf)
        let m1 = try XCTUnwrap(result.members[0].first { $0.member == "M1" })
        XCTAssertEqual(m1.tier, "Regular")
        XCTAssertEqual(m1.balance, ExactNumber(435))
        let tally = result.tallies[0]
        XCTAssertEqual(tally.members, result.members[0].count)
        XCTAssertEqual(tally.balance, result.members[0].reduce(ExactNumber.zero) { $0.adding($1.balance)! })
        XCTAssertEqual(tally.totals.earned, result.members[0].reduce(ExactNumber.zero) { $0.adding($1.totals.earned)! })
        XCTAssertEqual(tally.membersPerTier.reduce(0, +), tally.members)
        // 435 points at 10 CNY per 100 points.
        XCTAssertEqual(WorkedExampleTests.policy.pointValue, ExactNumber(numerator: 1, denominator: 10)!)
        XCTAssertEqual(tally.liability, tally.balance.multiplied(by: ExactNumber(numerator: 1, denominator: 10)!))
        // Each month's issued points add up to what was earned.
        XCTAssertEqual(tally.months.values.reduce(ExactNumber.zero) { $0.adding($1.issued)! }, tally.totals.earned)
    }

    func testAPolicyComparedWithItselfShowsNoDifference() throws {
        let csv = try String(contentsOf: EventInputTests.packageRoot.appendingPathComponent("policies/harbor-hotel-events.csv"), encoding: .utf8)
        let input = read(csv)
        let asOf = CivilDate(iso: "2026-01-01")!
        let result = try simulate(input.events, directory: input.directory, asOf: asOf, policies: [WorkedExampleTests.policy, WorkedExampleTests.policy])
        let summary = SimulationReport.summary(of: result, policies: [WorkedExampleTests.policy, WorkedExampleTests.policy], asOf: asOf,
                                               rows: .init(read: input.events.count, skipped: 0))
        let comparison = try XCTUnwrap(summary.comparison)
        XCTAssertEqual(comparison.membersChangingTier, 0)
        XCTAssertEqual(comparison.issued["difference"], 0)
        XCTAssertEqual(comparison.liability?["difference"], 0)
        XCTAssertTrue(comparison.mostAffected.allSatisfy { $0.balanceDelta == 0 })
        let matrix = comparison.tierMatrix.counts
        for (row, counts) in matrix.enumerated() {
            for (column, count) in counts.enumerated() where row != column { XCTAssertEqual(count, 0) }
        }
        for line in SimulationReport.compareCSV(result.members[0], result.members[1]).split(separator: "\n").dropFirst() {
            let cells = line.split(separator: ",", omittingEmptySubsequences: false)
            XCTAssertEqual(cells[1], cells[2])
            XCTAssertEqual(cells[5], "0")
            XCTAssertEqual(cells[8], "0")
        }
    }

    /// A row given twice is refused `duplicate_id`, not counted twice, and a refund naming the id
    /// is worked out against the one purchase applied. Checked for a member of a few events (each
    /// compared with those before it) and of 41 (through a table of hashes); another member may
    /// use the same id.
    func testAnEventIdGivenTwiceIsRefused() throws {
        var rows = ["id,date,member,type,amount,category,points,original,kind,benefit,bill",
                    "e1,2024-01-01,A,purchase,3000.00,room,,,,,",
                    "e1,2024-01-01,A,purchase,3000.00,room,,,,,",
                    "r1,2024-01-05,A,refund,1500.00,,,e1,,,",
                    "e1,2024-01-02,C,purchase,100.00,room,,,,,"]
        let start = CivilDate(iso: "2024-01-01")!
        for k in 1...40 { rows.append("b\(k),\(start.adding(days: k)!),B,purchase,10.00,room,,,,,") }
        rows.append("b7,2024-03-01,B,purchase,10.00,room,,,,,")
        let input = read(rows.joined(separator: "\n") + "\n")
        let result = try simulate(input.events, directory: input.directory, asOf: CivilDate(iso: "2024-04-01")!)
        let byMember = Dictionary(uniqueKeysWithValues: result.members[0].map { ($0.member, $0) })
        // A: floor(3000 / 10) = 300 once; the refund claws back floor(300 × 1500 / 3000) = 150.
        XCTAssertEqual(byMember["A"]?.totals.earned, ExactNumber(300))
        XCTAssertEqual(byMember["A"]?.totals.clawedBack, ExactNumber(150))
        XCTAssertEqual(byMember["A"]?.balance, ExactNumber(150))
        // B: 40 purchases of 10.00, one point each; the 41st row repeats b7.
        XCTAssertEqual(byMember["B"]?.totals.earned, ExactNumber(40))
        XCTAssertEqual(byMember["C"]?.totals.earned, ExactNumber(10))
        XCTAssertEqual(result.tallies[0].rejected["purchase"], ["duplicate_id": 2])
        XCTAssertEqual(result.tallies[0].applied["purchase"], 42)
        // Compared with a second policy, each refuses them (the second takes the events as it goes).
        let compared = try simulate(input.events, directory: input.directory, asOf: CivilDate(iso: "2024-04-01")!,
                                    policies: [WorkedExampleTests.policy, WorkedExampleTests.policy])
        XCTAssertEqual(compared.members[1], result.members[0])
        XCTAssertEqual(compared.tallies[1].rejected["purchase"], ["duplicate_id": 2])
    }

    /// The reference policy with one line of it written otherwise.
    private func referencePolicy(replacing line: String, with other: String) throws -> CompiledPolicy {
        let text = try String(contentsOf: EventInputTests.packageRoot.appendingPathComponent("policies/harbor-hotel.perk"), encoding: .utf8)
        XCTAssertTrue(text.contains(line), "the reference policy has no line `\(line)`")
        return try CompiledPolicy.compile(SourceFile(name: "changed.perk", text: text.replacingOccurrences(of: line, with: other))).get()
    }

    /// A point worth a third of a yuan: the liability is exact to the fen, and the point's value
    /// is said as the rate it is (read as a decimal, `1/3` was 1: "20 points at 1 CNY a point").
    func testAPointValueThatIsNotADecimalIsSaidAsARate() throws {
        let policy = try referencePolicy(replacing: "param point_value = 10 CNY per 100 points", with: "param point_value = 1 CNY per 3 points")
        // floor(1000 / 10) = 100 points and floor(105 / 10) = 10: 110 points, 110/3 = 36.666… CNY.
        let input = read("id,date,member,type,amount,category\np1,2024-03-01,A,purchase,1000.00,room\np2,2024-03-02,B,purchase,105.00,spa\n")
        let asOf = CivilDate(iso: "2024-04-01")!
        let result = try simulate(input.events, directory: input.directory, asOf: asOf, policies: [policy])
        let liability = try XCTUnwrap(SimulationReport.summary(of: result, policies: [policy], asOf: asOf, rows: .init(read: 2, skipped: 0)).policy.liability)
        XCTAssertEqual(liability.points, 110)
        XCTAssertEqual(liability.amount, Decimal(string: "36.67"))
        XCTAssertEqual(liability.rate, "1 CNY per 3 points")
        XCTAssertEqual(liability.pointValue, Decimal(string: "0.333333333333"))
        // A value that ends as a decimal is said as one.
        let tenth = try simulate(input.events, directory: input.directory, asOf: asOf)
        let reference = try XCTUnwrap(SimulationReport.summary(of: tenth, policies: [WorkedExampleTests.policy], asOf: asOf, rows: .init(read: 2, skipped: 0)).policy.liability)
        XCTAssertEqual(reference.rate, "0.1 CNY a point")
        XCTAssertEqual(reference.pointValue, Decimal(string: "0.1"))
        XCTAssertEqual(reference.amount, Decimal(string: "11"))
    }

    /// A policy paying double: every member's earnings double, and the comparison says by how much.
    func testComparingTwoPolicies() throws {
        let b = try referencePolicy(replacing: "param earn_rate = 1 point per 10 CNY", with: "param earn_rate = 2 points per 10 CNY")
        let input = read("id,date,member,type,amount,category\np1,2024-03-01,A,purchase,1000.00,room\np2,2024-03-02,B,purchase,99.00,spa\n")
        let result = try simulate(input.events, directory: input.directory, asOf: CivilDate(iso: "2024-04-01")!, policies: [WorkedExampleTests.policy, b])
        // A: floor(1000 / 10) = 100 points, then 200; B: floor(99 / 10) = 9, then floor(99 / 5) = 19.
        XCTAssertEqual(result.members[0].map(\.balance), [ExactNumber(100), ExactNumber(9)])
        XCTAssertEqual(result.members[1].map(\.balance), [ExactNumber(200), ExactNumber(19)])
        let comparison = try XCTUnwrap(SimulationReport.summary(of: result, policies: [WorkedExampleTests.policy, b], asOf: CivilDate(iso: "2024-04-01")!,
                                                                rows: .init(read: 2, skipped: 0)).comparison)
        XCTAssertEqual(comparison.issued["difference"], 110)
        // 110 points at 0.1 CNY.
        XCTAssertEqual(comparison.liability?["difference"], 11)
        XCTAssertEqual(comparison.mostAffected.map(\.member), ["A", "B"])
    }
}
