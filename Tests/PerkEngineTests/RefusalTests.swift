import PerkEngine
import PerkLanguage
import XCTest

/// A refused event changes nothing, whether a `require` failed or the policy could not be computed.
final class RefusalTests: XCTestCase {
    func testAnEventThatCannotBeComputedIsRefusedAndChangesNothing() throws {
        let source = """
            currency CNY
            event purchase { amount: money }
            rule first on purchase { earn 5 points }
            rule second on purchase { earn amount * 1 point per 3 CNY }
            """
        let policy = try CompiledPolicy.compile(SourceFile(name: "p.perk", text: source)).get()
        var member = policy.newMember(id: "M")
        let event = InputEvent(id: "e1", date: CivilDate(iso: "2024-01-01")!, member: "M", type: "purchase",
                               fields: ["amount": .money(ExactNumber(10))], location: InputLocation(file: "t", line: 1))
        let outcome = policy.apply(event, to: &member).last!
        // 10 CNY at 1 point per 3 CNY is 10/3 points: not whole, and the policy does not round.
        XCTAssertEqual(outcome.rejection?.code, "evaluation_error")
        XCTAssertEqual(outcome.rejection?.rule, "second")
        XCTAssertTrue(outcome.earned.isEmpty)
        XCTAssertEqual(member.balance, .zero)
        XCTAssertTrue(member.history.isEmpty)
        XCTAssertTrue(member.lots.isEmpty)
    }

    /// Every kind of change an earlier rule made is undone when a later one refuses the event:
    /// points and lots, the tier and its review, the status, benefit uses (a benefit's first use
    /// and a later one, of the policy's second benefit), fees, and the history the tier's measure
    /// reads.
    func testARefusalUndoesWhatEarlierRulesDid() throws {
        let source = """
            currency CNY
            event visit { amount: money }
            measure spend = sum(amount of visit, last 12 months)
            tiers by spend {
              tier Basic
              tier Plus at 100 CNY
              hold 12 months then review
            }
            benefit towel "a towel"
            benefit lounge "lounge" limit 3 per month
            rule everything on visit {
              earn 10 points
              use "lounge"
              charge 5 CNY as entry
              upgrade
              freeze for 7 days
            }
            rule ceiling on visit { require amount <= 500 CNY else too_much }
            """
        let policy = try CompiledPolicy.compile(SourceFile(name: "p.perk", text: source)).get()
        func visit(_ id: String, _ day: String, _ amount: Int) -> InputEvent {
            InputEvent(id: id, date: CivilDate(iso: day)!, member: "M", type: "visit", fields: ["amount": .money(ExactNumber(amount))],
                       location: InputLocation(file: "t", line: 1))
        }
        var member = policy.newMember(id: "M")
        // Refused on a member with nothing yet: every first (first lot, first use) is undone.
        let first = policy.apply(visit("v1", "2024-03-01", 600), to: &member).last!
        XCTAssertEqual(first.rejection?.code, "too_much")
        XCTAssertEqual(member.lots, [])
        XCTAssertEqual(member.history, [])
        XCTAssertEqual(member.benefitUses, [:])
        XCTAssertEqual(member.totals, MemberState.Totals())
        XCTAssertEqual(member.tier, 0)
        XCTAssertNil(member.nextReview)
        XCTAssertEqual(member.status, .active)

        // 40 CNY: 10 points, a use, a 5 CNY fee, still Basic (40 < 100), frozen until 2024-03-09.
        _ = policy.apply(visit("v2", "2024-03-02", 40), to: &member)
        let kept = member
        XCTAssertEqual(kept.balance, ExactNumber(10))
        XCTAssertEqual(kept.benefitUses["lounge"], [CivilDate(iso: "2024-03-02")!])
        XCTAssertEqual(kept.totals.fees, ExactNumber(5))
        XCTAssertEqual(kept.tier, 0)
        XCTAssertEqual(kept.status, .frozen(until: CivilDate(iso: "2024-03-09")!))
        // The same day, 600 CNY would upgrade to Plus (640 ≥ 100), earn, use and charge again,
        // and then is refused: the member is exactly as after v2.
        let second = policy.apply(visit("v3", "2024-03-02", 600), to: &member).last!
        XCTAssertEqual(second.rejection?.code, "too_much")
        XCTAssertTrue(second.tierChanges.isEmpty && second.earned.isEmpty && second.fees.isEmpty && second.benefitUses.isEmpty)
        XCTAssertEqual(member, kept)
        XCTAssertEqual(member.history.map(\.id), ["v2"])
    }
    /// A rule with more `let`s, and an event with more changes to undo, than are kept inline:
    /// six chained values, and a redemption drawing on six lots that a later rule refuses.
    func testManyLetsAndManyChangesToUndo() throws {
        let source = """
            currency CNY
            event purchase { amount: money }
            event redeem { points: points }
            rule earning on purchase { earn 10 points }
            rule spending on redeem {
              let a = points
              let b = a + 0 points
              let c = b + 0 points
              let d = c + 0 points
              let e = d + 0 points
              let f = e + 0 points
              redeem f
            }
            rule limit on redeem { require points <= 40 points else too_many }
            """
        let policy = try CompiledPolicy.compile(SourceFile(name: "p.perk", text: source)).get()
        var member = policy.newMember(id: "M")
        for day in 1...8 {
            _ = policy.apply(InputEvent(id: "p\(day)", date: CivilDate(year: 2024, month: 3, day: day)!, member: "M", type: "purchase",
                                        fields: ["amount": .money(ExactNumber(1))], location: InputLocation(file: "t", line: day)), to: &member)
        }
        func redeem(_ id: String, _ points: Int) -> Outcome {
            policy.apply(InputEvent(id: id, date: CivilDate(iso: "2024-03-20")!, member: "M", type: "redeem",
                                    fields: ["points": .points(ExactNumber(points))], location: InputLocation(file: "t", line: 9)), to: &member).last!
        }
        // 55 points draw on six lots (10 × 5 + 5), then the limit refuses: every lot is whole again.
        XCTAssertEqual(redeem("r1", 55).rejection?.code, "too_many")
        XCTAssertEqual(member.lots.map(\.remaining), Array(repeating: ExactNumber(10), count: 8))
        XCTAssertEqual(member.balance, ExactNumber(80))
        // 35 points pass through all six `let`s and draw on the four oldest lots.
        let kept = redeem("r2", 35)
        XCTAssertNil(kept.rejection)
        XCTAssertEqual(kept.redeemed, ExactNumber(35))
        XCTAssertEqual(member.lots.map(\.remaining), [0, 0, 0, 5, 10, 10, 10, 10].map { ExactNumber($0) })
        XCTAssertEqual(member.balance, ExactNumber(45))
    }
}

/// Expressions of the tier alone are computed once per tier when the policy is compiled; they must
/// behave as if computed when they run, including failing only for the tier where they fail.
final class TierExpressionTests: XCTestCase {
    func testAnExpressionOfTheTierGivesEachTiersValueAndFailsOnlyWhereItFails() throws {
        let source = """
            currency CNY
            event purchase { amount: money }
            measure spend = sum(amount of purchase, last 12 months)
            tiers by spend {
              tier Basic { share: 0 }
              tier Plus at 100 CNY { share: 2 }
              tier Top at 1,000 CNY { share: 4 }
            }
            rule shared on purchase where tier >= Plus { earn floor(10 points / tier.share) }
            rule flat on purchase { earn if tier == Top then 7 points else 1 point }
            """
        let policy = try CompiledPolicy.compile(SourceFile(name: "p.perk", text: source)).get()
        let event = InputEvent(id: "e1", date: CivilDate(iso: "2024-01-01")!, member: "M", type: "purchase",
                               fields: ["amount": .money(ExactNumber(10))], location: InputLocation(file: "t", line: 1))
        func earned(atTier tier: Int) -> [String] {
            var member = policy.openingMember(id: "M", tier: tier, tierReached: CivilDate(iso: "2023-12-01")!)
            return policy.apply(event, to: &member).last!.earned.map { "\($0.rule) \($0.points)" }
        }
        // Basic: `shared` does not apply (its division by 0 is never computed); 1 point flat.
        XCTAssertEqual(earned(atTier: 0), ["flat 1"])
        // Plus: floor(10 / 2) = 5; Top: floor(10 / 4) = 2, and 7 flat.
        XCTAssertEqual(earned(atTier: 1), ["shared 5", "flat 1"])
        XCTAssertEqual(earned(atTier: 2), ["shared 2", "flat 7"])

        // Without the guard, Basic's share of 0 is a division by zero when the rule runs.
        let unguarded = try CompiledPolicy.compile(SourceFile(name: "p.perk", text: source.replacingOccurrences(of: " where tier >= Plus", with: ""))).get()
        var basic = unguarded.openingMember(id: "M")
        let refused = unguarded.apply(event, to: &basic).last!
        XCTAssertEqual(refused.rejection?.code, "evaluation_error")
        XCTAssertEqual(refused.rejection?.rule, "shared")
        var plus = unguarded.openingMember(id: "M", tier: 1, tierReached: CivilDate(iso: "2023-12-01")!)
        XCTAssertEqual(unguarded.apply(event, to: &plus).last!.earned.map(\.points), [ExactNumber(5), ExactNumber(1)])
    }

    func testEntitlementsDependOnTierStatusAndBirthdayMonth() throws {
        let source = """
            currency CNY
            event purchase { amount: money }
            measure spend = sum(amount of purchase, last 12 months)
            tiers by spend {
              tier Basic { off: 0% }
              tier Plus at 100 CNY { off: 5% }
            }
            benefit discount "discount" value tier.off
            benefit cake "cake" for birthday_month else not_birthday for not frozen else frozen
            benefit lounge "lounge" for tier >= Plus and active
            """
        // The same with a benefit that reads the balance: nothing is computed ahead of time.
        let withBalance = source + "\nbenefit rich \"rich\" for balance >= 100 points\n"
        for text in [source, withBalance] {
            let policy = try CompiledPolicy.compile(SourceFile(name: "p.perk", text: text)).get()
            func entitlements(tier: Int, status: MemberState.Status = .active, birthday: String) -> [String] {
                let member = policy.openingMember(id: "M", birthday: Birthday(birthday), tier: tier, tierReached: CivilDate(iso: "2023-12-01")!,
                                                  status: status)
                return policy.entitlements(of: member, on: CivilDate(iso: "2024-01-10")!).map { "\($0.benefit) \($0.value.map(\.description) ?? "-")" }
            }
            let frozen = MemberState.Status.frozen(until: CivilDate(iso: "2024-02-01")!)
            XCTAssertEqual(entitlements(tier: 0, birthday: "01-31"), ["discount 0%", "cake -"])
            XCTAssertEqual(entitlements(tier: 1, birthday: "03-01"), ["discount 5%", "lounge -"])
            XCTAssertEqual(entitlements(tier: 1, status: frozen, birthday: "01-01"), ["discount 5%"])
            // A cancelled membership has no entitlements, whatever its benefits' conditions say
            // (a point of sale asking what a cancelled card gets was told: a 5% discount, a cake).
            XCTAssertEqual(entitlements(tier: 1, status: .cancelled, birthday: "1990-01-05"), [])
        }
    }
}

final class CancelledMembershipTests: XCTestCase {
    /// A cancelled membership uses no benefit, even one whose conditions hold and which no rule
    /// refuses (the reference policy's rules refuse a cancelled member's events; this one does not).
    func testACancelledMembershipUsesNoBenefit() throws {
        let policy = try CompiledPolicy.compile(SourceFile(name: "p.perk", text: """
            event use { benefit: text }
            event violation
            benefit cake "cake"
            rule use_it on use { use benefit }
            rule cancel_it on violation { cancel }
            """)).get()
        var member = policy.newMember(id: "M")
        func use(_ day: String) -> [String] {
            let event = InputEvent(id: "u\(day)", date: CivilDate(iso: day)!, member: "M", type: "use", fields: ["benefit": .text("cake")],
                                   location: InputLocation(file: "t", line: 1))
            return policy.apply(event, to: &member).last!.benefitUses.map { "\($0.benefit) \($0.granted) \($0.reason ?? "-")" }
        }
        XCTAssertEqual(use("2024-01-10"), ["cake true -"])
        _ = policy.apply(InputEvent(id: "v", date: CivilDate(iso: "2024-01-11")!, member: "M", type: "violation", fields: [:],
                                    location: InputLocation(file: "t", line: 2)), to: &member)
        XCTAssertEqual(member.status, .cancelled)
        XCTAssertEqual(use("2024-01-12"), ["cake false cancelled"])
    }
}

final class RepeatedEventTests: XCTestCase {
    /// One event at a time (as `/v1/evaluate` applies them), an event the member's history still
    /// holds, given again, is refused: a purchase a refund may name is kept for good. A referral,
    /// which nothing keeps, cannot be told from a new one.
    func testAnEventTheHistoryHoldsIsRefusedWhenGivenAgain() throws {
        let policy = WorkedExampleTests.policy
        var member = policy.newMember(id: "M")
        func apply(_ id: String, _ type: String, _ day: String, _ fields: EventFields = [:]) -> Outcome {
            policy.apply(InputEvent(id: id, date: CivilDate(iso: day)!, member: "M", type: type, fields: fields,
                                    location: InputLocation(file: "t", line: 1)), to: &member).last!
        }
        let purchase: EventFields = ["amount": .money(ExactNumber(decimal: "1000.00")!), "category": .text("room")]
        XCTAssertEqual(apply("p", "purchase", "2024-01-10", purchase).pointsEarned, ExactNumber(100))
        let again = apply("p", "purchase", "2024-01-11", purchase)
        XCTAssertEqual(again.rejection?.code, "duplicate_id")
        XCTAssertEqual(again.pointsEarned, .zero)
        XCTAssertEqual(member.totals.earned, ExactNumber(100))
        XCTAssertNil(apply("r", "referral", "2024-01-12").rejection)
        XCTAssertNil(apply("r", "referral", "2024-01-13").rejection)
        XCTAssertEqual(member.totals.earned, ExactNumber(500))
    }
}

final class AggregateTests: XCTestCase {
    func testAnEmptySumIsZeroOfItsUnit() throws {
        // Nothing bought today yet: the day's earned points are 0 points, so the cap leaves 100 points.
        let source = """
            currency CNY
            event purchase { amount: money }
            rule capped on purchase {
              earn min(100 points, 100 points - sum(earned of purchase, this day))
              charge sum(amount of purchase where amount > 1,000 CNY, this day)
            }
            """
        let policy = try CompiledPolicy.compile(SourceFile(name: "p.perk", text: source)).get()
        var member = policy.newMember(id: "M")
        let event = InputEvent(id: "e1", date: CivilDate(iso: "2024-01-01")!, member: "M", type: "purchase",
                               fields: ["amount": .money(ExactNumber(10))], location: InputLocation(file: "t", line: 1))
        let outcome = policy.apply(event, to: &member).last!
        XCTAssertNil(outcome.rejection)
        XCTAssertEqual(outcome.pointsEarned, ExactNumber(100))
        XCTAssertEqual(outcome.fees.first?.amount, .zero)
    }
    /// Three aggregates over one event type, each kept as running totals with every purchase:
    /// a count, a filtered sum and a plain sum, over windows that drop old purchases.
    func testSeveralAggregatesOverOneType() throws {
        let source = """
            currency CNY
            event purchase { amount: money }
            rule windows on purchase {
              earn count(purchase, last 30 days) * 1 point + floor(sum(amount of purchase where amount >= 100 CNY, last 30 days) * 1 point per 100 CNY)
              earn floor(sum(amount of purchase, this month) * 1 point per 100 CNY)
            }
            """
        let policy = try CompiledPolicy.compile(SourceFile(name: "p.perk", text: source)).get()
        var member = policy.newMember(id: "M")
        var earned: [[ExactNumber]] = []
        for (day, amount) in [("2024-01-01", 50), ("2024-01-10", 150), ("2024-01-20", 250), ("2024-02-15", 100)] {
            let event = InputEvent(id: day, date: CivilDate(iso: day)!, member: "M", type: "purchase",
                                   fields: ["amount": .money(ExactNumber(amount))], location: InputLocation(file: "t", line: 1))
            earned.append(policy.apply(event, to: &member).last!.earned.map(\.points))
        }
        // Jan 1: 1 purchase, none ≥ 100 CNY; 50 CNY this month → 0 points (not earned).
        // Jan 10: 2, 150 → 1; 200 → 2. Jan 20: 3, 400 → 4; 450 → 4.
        // Feb 15: the 30 days from Jan 17 hold Jan 20 and Feb 15: 2, 350 → 3; 100 this month → 1.
        XCTAssertEqual(earned, [[1], [3, 2], [7, 4], [5, 1]].map { $0.map { ExactNumber($0) } })
    }
}

final class DurationComparisonTests: XCTestCase {

    func testDurationsCompareOnlyLikeWithLike() throws {
        let days = { (n: Int) in Value.duration(months: 0, days: n) }
        let months = { (n: Int) in Value.duration(months: n, days: 0) }
        XCTAssertEqual(try Value.compare(days(30), days(31)), -1)
        XCTAssertEqual(try Value.compare(months(12), months(12)), 0)
        // A month is 28 to 31 days: 30 days against 1 month has no exact answer.
        XCTAssertThrowsError(try Value.compare(days(30), months(1)))
    }
}

final class OutcomeTests: XCTestCase {
    /// An outcome's details live in a shared box until changed: a copy changed later must not
    /// change the original, nor the original its copy.
    func testCopiesOfAnOutcomeChangeIndependently() {
        var original = Outcome(kind: .scheduled, date: CivilDate(iso: "2024-01-01")!)
        original.notices.append("first")
        var copy = original
        copy.notices.append("second")
        copy.redeemed = ExactNumber(5)
        original.tierChanges.append((from: "Silver", to: "Regular", reason: "review: dropped"))
        XCTAssertEqual(original.notices, ["first"])
        XCTAssertEqual(original.redeemed, .zero)
        XCTAssertEqual(original.tierChanges.map(\.to), ["Regular"])
        XCTAssertEqual(copy.notices, ["first", "second"])
        XCTAssertEqual(copy.redeemed, ExactNumber(5))
        XCTAssertTrue(copy.tierChanges.isEmpty)
        // An outcome that was never given details says nothing.
        let plain = Outcome(kind: .scheduled, date: CivilDate(iso: "2024-01-01")!)
        XCTAssertNil(plain.rejection)
        XCTAssertEqual(plain.description, "2024-01-01 scheduled")
    }
}
