import Foundation
import PerkEngine
import PerkLanguage
import PerkTestSupport
import XCTest

/// Properties over seeded random event streams of the reference policy.
final class PropertyTests: XCTestCase {

    private func n(_ value: Int) -> ExactNumber { ExactNumber(value) }

    /// A member's stream over three years: purchases of every category, redemptions, refunds,
    /// benefit uses, referrals, violations and lost cards, in date order. Event ids start with
    /// `member`'s.
    func stream(seed: UInt64, member: String = "P", refunds: Bool = true, violations: Bool = true) -> [InputEvent] {
        var random = SplitMix64(seed: seed)
        var date = CivilDate(iso: "2023-01-01")!
        var events: [InputEvent] = []
        var purchases: [String] = []
        for index in 0..<Int.random(in: 20...120, using: &random) {
            date = date.adding(days: Int.random(in: 0...20, using: &random))!
            let id = "\(member)e\(index)"
            let roll = Int.random(in: 0..<100, using: &random)
            var type = "purchase"
            var fields = EventFields()
            switch roll {
            case 0..<55:
                let fen = Int.random(in: 0...800_000, using: &random)
                fields = ["amount": .money(ExactNumber(numerator: Int128(fen), denominator: 100)!),
                          "category": .text(["room", "dining", "spa", "deposit", "tax"].randomElement(using: &random)!)]
                purchases.append(id)
            case 55..<70:
                type = "redeem"
                fields = ["points": .points(n(100 * Int.random(in: 3...30, using: &random))), "bill": .money(n(Int.random(in: 10...9_000, using: &random)))]
            case 70..<80 where refunds && !purchases.isEmpty:
                type = "refund"
                fields = ["original": .event(purchases.randomElement(using: &random)!), "amount": .money(n(Int.random(in: 1...3_000, using: &random)))]
            case 80..<88:
                type = "use"
                fields = ["benefit": .text(["breakfast", "birthday_cake"].randomElement(using: &random)!)]
            case 88..<93:
                type = "referral"
            case 93..<97 where violations:
                type = "violation"
                fields = ["kind": .text(Int.random(in: 0..<10, using: &random) == 0 ? "false_registration" : "benefit_abuse")]
            default:
                type = "card_lost"
            }
            events.append(InputEvent(id: id, date: date, member: member, type: type, fields: fields, location: InputLocation(file: "random", line: index)))
        }
        return events
    }

    func testTheBalanceIsTheSumOfItsMovementsAndNeverNegative() {
        let policy = WorkedExampleTests.policy
        var movements = MemberState.Totals()
        for seed in 1...60 {
            var member = policy.newMember(id: "P", birthday: Birthday("0\(seed % 9 + 1)-15"))
            defer {
                movements.redeemed = movements.redeemed.adding(member.totals.redeemed)!
                movements.expired = movements.expired.adding(member.totals.expired)!
                movements.clawedBack = movements.clawedBack.adding(member.totals.clawedBack)!
                movements.deducted = movements.deducted.adding(member.totals.deducted)!
                movements.forfeited = movements.forfeited.adding(member.totals.forfeited)!
            }
            let events = stream(seed: UInt64(seed), violations: seed % 2 == 0)
            func check(_ moment: String) {
                let t = member.totals
                let expected = [t.redeemed, t.expired, t.clawedBack, t.deducted, t.forfeited].reduce(t.earned) { $0.subtracting($1)! }
                XCTAssertEqual(member.balance, expected, "seed \(seed) \(moment)")
                XCTAssertEqual(member.lots.reduce(ExactNumber.zero) { $0.adding($1.remaining)! }, expected, "seed \(seed) \(moment)")
                XCTAssertFalse(member.balance.isNegative, "seed \(seed) \(moment)")
            }
            for event in events {
                _ = policy.apply(event, to: &member)
                check("after \(event.id)")
            }
            _ = policy.advance(&member, to: events.last!.date.adding(days: 1_000)!)
            check("after every lot expired")
        }
        // The streams exercise every kind of movement, so the identity above is not vacuous.
        for (name, total) in [("redeemed", movements.redeemed), ("expired", movements.expired), ("clawed back", movements.clawedBack),
                              ("deducted", movements.deducted), ("forfeited", movements.forfeited)] {
            XCTAssertGreaterThan(total, ExactNumber.zero, "no stream ever \(name) points")
        }
    }

    func testLotsAreConsumedOldestFirst() {
        // Without refunds (whose clawback starts at the refunded purchase's own lot), every
        // redemption, deduction and expiry leaves the lots as: spent, at most one partly spent,
        // then untouched.
        let policy = WorkedExampleTests.policy
        var partlySpentLots = 0
        defer { XCTAssertGreaterThan(partlySpentLots, 0, "no stream ever spent part of a lot") }
        for seed in 100...160 {
            var member = policy.newMember(id: "P")
            for event in stream(seed: UInt64(seed), refunds: false) {
                _ = policy.apply(event, to: &member)
                partlySpentLots += member.lots.filter { !$0.remaining.isZero && $0.remaining < $0.amount }.count
                let touched = member.lots.map { $0.remaining < $0.amount }
                let spent = member.lots.map(\.remaining.isZero)
                if let firstUntouched = touched.firstIndex(of: false) {
                    XCTAssertFalse(touched[firstUntouched...].contains(true), "seed \(seed) after \(event.id): a newer lot was used before an older one")
                    XCTAssertTrue(spent[..<firstUntouched].dropLast().allSatisfy { $0 }, "seed \(seed) after \(event.id): two lots partly spent")
                }
            }
        }
    }

    func testApplyingInOneGoOrSplitWithAnAdvanceGivesTheSameState() {
        let policy = WorkedExampleTests.policy
        var random = SplitMix64(seed: 99)
        for seed in 200...240 {
            let events = stream(seed: UInt64(seed))
            let end = events.last!.date.adding(days: 800)!
            var whole = policy.newMember(id: "P", birthday: Birthday("03-03"))
            for event in events { _ = policy.apply(event, to: &whole) }
            _ = policy.advance(&whole, to: end)

            let split = events[Int.random(in: 0..<events.count, using: &random)].date.adding(days: Int.random(in: 0...40, using: &random))!
            var parts = policy.newMember(id: "P", birthday: Birthday("03-03"))
            for event in events where event.date < split { _ = policy.apply(event, to: &parts) }
            _ = policy.advance(&parts, to: split)
            for event in events where event.date >= split { _ = policy.apply(event, to: &parts) }
            _ = policy.advance(&parts, to: end)
            XCTAssertEqual(whole, parts, "seed \(seed), split at \(split)")
        }
    }

    /// A member stored as a snapshot (as JSON) at any point and read back goes on exactly as one
    /// kept in memory: the same outcomes after, the same state at the end.
    func testASnapshotReadBackGoesOnAsTheMemberWould() throws {
        let policy = WorkedExampleTests.policy
        var random = SplitMix64(seed: 7)
        for seed in 300...330 {
            let events = stream(seed: UInt64(seed))
            let cut = Int.random(in: 0...events.count, using: &random)
            var kept = policy.newMember(id: "P", birthday: Birthday("03-03"))
            for event in events[..<cut] { _ = policy.apply(event, to: &kept) }
            let json = try JSONEncoder().encode(policy.snapshot(of: kept))
            var restored = try policy.restore(JSONDecoder().decode(MemberSnapshot.self, from: json))
            // Running totals restart from the history kept (older events are forgotten), so the
            // states are compared as snapshots: everything a policy reads.
            XCTAssertEqual(policy.snapshot(of: restored), policy.snapshot(of: kept), "seed \(seed): read back at event \(cut)")
            for event in events[cut...] {
                XCTAssertEqual(policy.apply(event, to: &restored).map(\.description), policy.apply(event, to: &kept).map(\.description), "seed \(seed)")
            }
            XCTAssertEqual(policy.snapshot(of: restored), policy.snapshot(of: kept), "seed \(seed)")
        }
        var bad = policy.snapshot(of: policy.newMember(id: "X"))
        bad.tier = "Platinum"
        XCTAssertThrowsError(try policy.restore(bad)) { XCTAssertEqual("\($0)", "tier: the policy has no tier `Platinum`; it has Regular, Silver, Gold, Diamond") }
        // Lots whose points the totals do not account for.
        var member = policy.openingMember(id: "X", lots: [(points: ExactNumber(300), earnedOn: CivilDate(iso: "2024-05-01")!)])
        member.totals.earned = ExactNumber(200)
        XCTAssertThrowsError(try policy.restore(policy.snapshot(of: member))) {
            XCTAssertEqual("\($0)", "totals: earned less redeemed, expired, clawed back, deducted and forfeited is 200 points, but the lots hold 300; "
                           + "send the member as Perk returned it")
        }
    }

    /// A snapshot that no member of Perk's could have — points not whole or negative, a lot
    /// holding more than it earned or expiring before it was earned, an active member with a
    /// freeze's end, a history event's field missing, of another type or undeclared — is refused,
    /// naming the field: taken in, it went on giving wrong answers (a purchase without its amount
    /// made every later purchase of the member fail).
    func testSnapshotsThatCannotComeFromPerkAreRefused() throws {
        let policy = WorkedExampleTests.policy
        var member = policy.newMember(id: "M1")
        let purchase = InputEvent(id: "p", date: CivilDate(iso: "2024-01-10")!, member: "M1", type: "purchase",
                                  fields: ["amount": .money(ExactNumber(1000)), "category": .text("room")], location: InputLocation(file: "t", line: 1))
        _ = policy.apply(purchase, to: &member)
        let good = policy.snapshot(of: member)
        XCTAssertEqual(good.lots.first?.amount, "100")
        XCTAssertEqual(good.history.first?.fields["amount"], ["money": "1000"])
        XCTAssertNoThrow(try policy.restore(good))

        let refusals: [(String, (inout MemberSnapshot) -> Void)] = [
            ("lots[0].amount: `1/3` is not a number of points: points are whole, 0 or more", { $0.lots[0].amount = "1/3" }),
            ("lots[0].remaining: `-50` is not a number of points: points are whole, 0 or more", { $0.lots[0].remaining = "-50" }),
            ("lots[0].remaining: 200 points is more than the lot's amount, 100", { $0.lots[0].remaining = "200" }),
            ("lots[0].expires_on: 2024-01-09 is before the lot was earned, 2024-01-10", { $0.lots[0].expiresOn = "2024-01-09" }),
            ("totals.redeemed: `100.5` is not a number of points: points are whole, 0 or more", { $0.totals["redeemed"] = "100.5" }),
            ("totals.earned: `-100` is not a number of points: points are whole, 0 or more", { $0.totals["earned"] = "-100" }),
            ("frozen_until: a member whose status is `active` is not frozen; remove frozen_until, or make the status `frozen`",
             { $0.frozenUntil = "2024-02-01" }),
            ("history[0].fields: `amount` is missing; a `purchase` event has `amount` (money)", { $0.history[0].fields["amount"] = nil }),
            (#"history[0].fields.amount: `{"text": "abc"}` is not a value of type money, which the policy declares for `amount`"#,
             { $0.history[0].fields["amount"] = ["text": "abc"] }),
            (#"history[0].fields.amount: `{"points": "1000"}` is not a value of type money, which the policy declares for `amount`"#,
             { $0.history[0].fields["amount"] = ["points": "1000"] }),
            ("history[0].fields.colour: `purchase` events have no field `colour`", { $0.history[0].fields["colour"] = ["text": "red"] }),
            ("history[0].earned: `-1` is not a number of points: points are whole, 0 or more", { $0.history[0].earned = "-1" }),
        ]
        for (message, spoil) in refusals {
            var bad = good
            spoil(&bad)
            XCTAssertThrowsError(try policy.restore(bad), message) { XCTAssertEqual("\($0)", message) }
        }
        // A tier under a policy with none (the message listed none after "it has").
        let tierless = try CompiledPolicy.compile(SourceFile(name: "t.perk", text: "event visit { place: text }\n")).get()
        var tiered = MemberSnapshot(id: "M1")
        tiered.tier = "Gold"
        XCTAssertThrowsError(try tierless.restore(tiered)) { XCTAssertEqual("\($0)", "tier: the policy has no tier `Gold`; it has no tiers") }
    }

    /// Aggregates over terms that read only the aggregated event are kept as running totals;
    /// the same policy with a term that also reads `today` (always true in the window, so the
    /// meaning is unchanged) walks the window instead. Every outcome must agree, through
    /// refunds that change old purchases, refusals that are undone, and events out of date order.
    func testRunningTotalsAgreeWithWalkingTheWindow() throws {
        let url = EventInputTests.packageRoot.appendingPathComponent("policies/harbor-hotel.perk")
        let source = try String(contentsOf: url, encoding: .utf8)
        let walked = source.replacingOccurrences(of: "where category not in excluded, last spend_window",
                                                 with: "where category not in excluded and date <= today, last spend_window")
        XCTAssertNotEqual(source, walked, "the reference policy's measure changed: update this test")
        let walking = try CompiledPolicy.compile(SourceFile(name: "walked.perk", text: walked)).get()
        let policy = WorkedExampleTests.policy
        var random = SplitMix64(seed: 5)
        for seed in 300...360 {
            var events = stream(seed: UInt64(seed))
            if seed % 3 == 0, events.count > 4 {  // a few events arrive late
                for _ in 0..<3 { events.swapAt(Int.random(in: 0..<events.count, using: &random), Int.random(in: 0..<events.count, using: &random)) }
            }
            var a = policy.newMember(id: "P", birthday: Birthday("06-01")), b = a
            for event in events {
                let x = policy.apply(event, to: &a, trace: true).map(\.description)
                let y = walking.apply(event, to: &b, trace: true).map(\.description)
                XCTAssertEqual(x, y, "seed \(seed), event \(event.id)")
            }
            XCTAssertEqual(a.tier, b.tier, "seed \(seed)")
            XCTAssertEqual(a.lots, b.lots, "seed \(seed)")
            XCTAssertEqual(a.totals, b.totals, "seed \(seed)")
        }
    }

    /// A simulation's monthly series, kept as what each month's outcomes changed, is the members'
    /// state at each month's end, found here another way: each member replayed by the engine and
    /// advanced to the start of each next month (to the as-of day for the last), the points its
    /// outcomes issued, redeemed and expired counted by their dates, and the balance and tier
    /// read then — for the members whose first event came before. The streams redeem, claw back
    /// refunds, deduct, forfeit and expire points; the as-of day is a month's first, then within a
    /// month; one job and two.
    func testTheMonthlySeriesIsTheMembersStateAtEachMonthsEnd() {
        let policy = WorkedExampleTests.policy
        let streams = (0..<16).map { stream(seed: UInt64(300 + $0), member: "M\($0)") }
        for asOf in ["2025-09-01", "2025-11-18"].map({ CivilDate(iso: $0)! }) {
            var members = streams.map { policy.newMember(id: $0[0].member) }
            var next = streams.map { _ in 0 }  // each member's next event
            var flows: [Month: (issued: ExactNumber, redeemed: ExactNumber, expired: ExactNumber)] = [:]
            var expected: [String] = []
            var month = streams.map { Month($0[0].date) }.min()!
            while month.start < asOf {
                let end = min(month.next.start, asOf)
                var balance = ExactNumber.zero
                var tiers = Array(repeating: 0, count: policy.tierNames.count)
                for index in streams.indices where streams[index][0].date < end {
                    var outcomes: [Outcome] = []
                    while next[index] < streams[index].count, streams[index][next[index]].date < end {
                        outcomes += policy.apply(streams[index][next[index]], to: &members[index], entitlements: false)
                        next[index] += 1
                    }
                    outcomes += policy.advance(&members[index], to: end)
                    for outcome in outcomes {
                        var flow = flows[Month(outcome.date)] ?? (.zero, .zero, .zero)
                        flow.issued = flow.issued.adding(outcome.pointsEarned)!
                        flow.redeemed = flow.redeemed.adding(outcome.redeemed)!
                        flow.expired = outcome.expired.reduce(flow.expired) { $0.adding($1.points)! }
                        flows[Month(outcome.date)] = flow
                    }
                    balance = balance.adding(members[index].balance)!
                    tiers[members[index].tier] += 1
                }
                let flow = flows[month] ?? (.zero, .zero, .zero)
                expected.append("\(month) +\(flow.issued) -\(flow.redeemed) -\(flow.expired) =\(balance) \(tiers)")
                month = month.next
            }
            for jobs in [1, 2] {
                let tally = Simulation(policies: [policy], birthdays: [:], directory: EventDirectory(), asOf: asOf)
                    .run(streams.flatMap { $0 }, jobs: jobs).tallies[0]
                let series = tally.monthlySeries.map { month, m in "\(month) +\(m.issued) -\(m.redeemed) -\(m.expired) =\(m.balance) \(m.membersPerTier)" }
                XCTAssertEqual(series, expected, "as of \(asOf), \(jobs) jobs")
                // What the streams exercise.
                let taken = ["redeemed": tally.totals.redeemed, "expired": tally.totals.expired, "clawed back": tally.totals.clawedBack,
                             "deducted": tally.totals.deducted, "forfeited": tally.totals.forfeited]
                for (movement, points) in taken { XCTAssertFalse(points.isZero, "\(movement) as of \(asOf)") }
                XCTAssertGreaterThan(tally.upgrades, 0)
                XCTAssertGreaterThan(tally.downgrades, 0)
            }
        }
    }

    /// A session, which keeps the member inside the evaluation from event to event, gives what
    /// applying each event to the member does: the same outcomes with their traces (refusals
    /// among them, so an event after a refused one starts clean), the same state at the end, and
    /// time-driven effects in between.
    func testASessionAppliesAStreamAsEventByEventApplicationDoes() {
        let policy = WorkedExampleTests.policy
        var refusals = 0
        for seed in 300...330 {
            let events = stream(seed: UInt64(seed))
            let middle = events[events.count / 2].date
            var member = policy.newMember(id: "P", birthday: Birthday("07-07"))
            var session = MemberSession(policy.newMember(id: "P", birthday: Birthday("07-07")), under: policy)
            // Room made for the events, or for fewer, changes nothing but allocations.
            if seed % 2 == 0 { session.reserveCapacity(forEvents: seed % 4 == 0 ? events.count : 3) }
            var expected: [String] = [], got: [String] = []
            for (index, event) in events.enumerated() {
                let trace = index % 3 != 0
                if event.date >= middle, index == events.count / 2 {
                    expected += policy.advance(&member, to: middle.adding(days: 1)!).map(\.description)
                    var outcomes: [Outcome] = []
                    session.advance(to: middle.adding(days: 1)!, into: &outcomes)
                    got += outcomes.map(\.description)
                }
                expected += policy.apply(event, to: &member, trace: trace).map(\.description)
                var outcomes: [Outcome] = []
                session.apply(event, trace: trace, into: &outcomes)
                got += outcomes.map(\.description)
            }
            XCTAssertEqual(got, expected, "seed \(seed)")
            refusals += expected.filter { $0.contains("rejected") }.count
            XCTAssertEqual(session.end(), member, "seed \(seed)")
        }
        XCTAssertGreaterThan(refusals, 30, "the streams refuse events")
    }

    /// A lot earned on any day of month M expires at the end of month M + 24 (REFERENCE-POLICY.md),
    /// worked out with Foundation's Gregorian calendar: for 150 months in a row (more than a
    /// session remembers expiry days for, so months that share a place in its memory follow one
    /// another), leap-year Februaries among them, each purchase on a random day of its month.
    func testEveryLotExpiresAtTheEndOfItsMonthPlus24WhateverTheMonth() {
        let policy = WorkedExampleTests.policy
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        var random = SplitMix64(seed: 24)
        var session = MemberSession(policy.newMember(id: "P"), under: policy)
        for index in 0..<150 {
            let (year, month) = (2001 + index / 12, index % 12 + 1)
            let days = calendar.range(of: .day, in: .month, for: calendar.date(from: DateComponents(year: year, month: month))!)!.count
            let date = CivilDate(year: year, month: month, day: Int.random(in: 1...days, using: &random))!
            var outcomes: [Outcome] = []
            session.apply(InputEvent(id: "e\(index)", date: date, member: "P", type: "purchase",
                                     fields: ["amount": .money(ExactNumber(100)), "category": .text("room")],
                                     location: InputLocation(file: "t", line: index + 1)), into: &outcomes)
            let firstOfNext = calendar.date(byAdding: .month, value: 25, to: calendar.date(from: DateComponents(year: year, month: month))!)!
            let end = calendar.dateComponents([.year, .month, .day], from: calendar.date(byAdding: .day, value: -1, to: firstOfNext)!)
            let lot = session.member.lots.first { $0.earnedOn == date }
            XCTAssertEqual(lot?.expiresOn, CivilDate(year: end.year!, month: end.month!, day: end.day!), "earned on \(date)")
        }
    }

    /// A simulation replays member after member in one session, started over for each in the
    /// storage the last one's lots and history had: every member ends as their own events applied
    /// to a new member end them — members with many events (refunds, redemptions, violations
    /// among them) before and after members with few, on one thread and on two.
    func testASimulationEndsEachMemberAsTheirOwnEventsDo() {
        let policy = WorkedExampleTests.policy
        var events: [InputEvent] = []
        var expected: [String: MemberState] = [:]
        var directory = EventDirectory()
        var last = CivilDate(iso: "2023-01-01")!
        for seed in 400...440 {
            let member = String(format: "M%03d", seed)
            // Every fifth member has three streams' worth of events on the same days.
            // (Each stream's ids start with the name it is given, and its refunds name its own.)
            let own = (0..<(seed % 5 == 0 ? 3 : 1)).flatMap { part in
                stream(seed: UInt64(seed * 10 + part), member: "\(member)-\(part)").map { event in
                    InputEvent(id: event.id, date: event.date, member: member, type: event.type, fields: event.fields, location: event.location)
                }
            }.sorted { $0.date < $1.date }
            events += own
            for event in own { directory.record(event) }
            last = max(last, own.last!.date)
        }
        let asOf = last.adding(days: 1)!
        for event in events {
            var state = expected[event.member] ?? policy.newMember(id: event.member)
            _ = policy.apply(event, to: &state, entitlements: false, directory: directory)
            expected[event.member] = state
        }
        for member in expected.keys { _ = policy.advance(&expected[member]!, to: asOf) }
        for jobs in [1, 2] {
            let result = Simulation(policies: [policy], birthdays: [:], directory: directory, asOf: asOf).run(events, jobs: jobs)
            XCTAssertEqual(result.members[0].map(\.member), expected.keys.sorted())
            for got in result.members[0] {
                let state = expected[got.member]!
                XCTAssertEqual(got.balance, state.balance, "\(got.member), jobs \(jobs)")
                XCTAssertEqual(got.totals, state.totals, "\(got.member), jobs \(jobs)")
                XCTAssertEqual(got.tier, policy.tierNames[state.tier], "\(got.member), jobs \(jobs)")
                XCTAssertEqual(got.status, state.status.name, "\(got.member), jobs \(jobs)")
            }
        }
        let clawedBack = expected.values.filter { !$0.totals.clawedBack.isZero }.count
        let redeemed = expected.values.filter { !$0.totals.redeemed.isZero }.count
        XCTAssertGreaterThan(clawedBack, 10, "the streams claw points back")
        XCTAssertGreaterThan(redeemed, 10, "the streams redeem points")
    }

    func testAReplicaGivesThePolicysOutcomes() throws {
        // Under a deployment's setting, which the replica must keep: twice the earning rate.
        let url = EventInputTests.packageRoot.appendingPathComponent("policies/harbor-hotel.perk")
        let settings = PolicySettings(parameters: [ParameterOverride(name: "earn_rate", text: "2 points per 10 CNY")])
        let policy = try CompiledPolicy.compile(SourceFile(contentsOfFile: url.path), settings: settings).get()
        let replica = policy.replica()
        XCTAssertFalse(replica === policy, "a replica is compiled anew, into objects of its own")
        var earned = 0
        for seed in 400...410 {
            let events = stream(seed: UInt64(seed))
            func run(_ policy: CompiledPolicy) -> (outcomes: [String], member: MemberState) {
                var member = policy.newMember(id: "P", birthday: Birthday("07-07"))
                return (events.flatMap { policy.apply($0, to: &member, trace: true) }.map(\.description), member)
            }
            let (expected, got) = (run(policy), run(replica))
            XCTAssertEqual(got.outcomes, expected.outcomes, "seed \(seed)")
            XCTAssertEqual(got.member, expected.member, "seed \(seed)")
            earned += Int(got.member.totals.earned.numerator)
        }
        XCTAssertGreaterThan(earned, 0, "the streams earn points")
    }

    func testTheSameInputGivesTheSameOutcomes() {
        let policy = WorkedExampleTests.policy
        let events = stream(seed: 7)
        func run() -> [String] {
            var member = policy.newMember(id: "P")
            return events.flatMap { policy.apply($0, to: &member, trace: true) }.map(\.description)
        }
        XCTAssertEqual(run(), run())
    }
}

final class BoundedHistoryTests: XCTestCase {
    func testHistoryKeepsOnlyWhatAWindowOrAReferenceCanReach() {
        let policy = WorkedExampleTests.policy
        var member = policy.newMember(id: "P")
        var date = CivilDate(iso: "2020-01-01")!
        for index in 0..<400 {
            date = date.adding(days: 5)!
            let event = index % 2 == 0
                ? InputEvent(id: "p\(index)", date: date, member: "P", type: "purchase",
                             fields: ["amount": .money(ExactNumber(100)), "category": .text("room")], location: InputLocation(file: "t", line: index))
                : InputEvent(id: "u\(index)", date: date, member: "P", type: "use",
                             fields: ["benefit": .text("breakfast")], location: InputLocation(file: "t", line: index))
            _ = policy.apply(event, to: &member)
        }
        // The reference policy looks back at most 12 months, so `use` events older than that are
        // forgotten; purchases are kept because a refund may name any of them.
        let horizon = date.adding(months: -12)!.adding(days: -1)!
        XCTAssertTrue(member.history.filter { $0.type == "use" }.allSatisfy { $0.date >= horizon })
        XCTAssertEqual(member.history.filter { $0.type == "purchase" }.count, 200)
        XCTAssertLessThan(member.history.count, 300)
    }

    /// A violation a day for 700 days: the longest window (the abuse penalty's, 12 months) sees
    /// the last 365 or 366 of them, and history keeps those and at most two days more, every day.
    func testHistoryForgetsEveryDayWhatTheLongestWindowNoLongerSees() {
        let policy = WorkedExampleTests.policy
        var member = policy.newMember(id: "V")
        var date = CivilDate(iso: "2021-01-01")!
        var kept: Set<Int> = []
        for index in 0..<700 {
            let event = InputEvent(id: "v\(index)", date: date, member: "V", type: "violation", fields: ["kind": .text("noise")],
                                   location: InputLocation(file: "t", line: index))
            _ = policy.apply(event, to: &member)
            if index >= 400 { kept.insert(member.history.count) }
            date = date.adding(days: 1)!
        }
        XCTAssertTrue(kept.allSatisfy { (365...368).contains($0) }, "history sizes seen: \(kept.sorted())")
    }
}
