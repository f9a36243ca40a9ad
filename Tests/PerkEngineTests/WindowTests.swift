import PerkEngine
import PerkLanguage
import XCTest

/// The days each kind of window covers, worked by hand from the language's definitions: `this
/// week` is Monday to Sunday, `this month` and `this year` the calendar's, `last N days` is
/// (today − N days, today] and `last N days before today` [today − N days, today); a window of
/// months moves by the calendar.
final class WindowTests: XCTestCase {
    func testEachWindowCoversTheDaysItNames() throws {
        let source = """
            currency CNY
            event purchase { amount: money }
            event probe { note: text }
            measure week = sum(amount of purchase, this week)
            measure month = sum(amount of purchase, this month)
            measure year = sum(amount of purchase, this year)
            measure seven = sum(amount of purchase, last 7 days)
            measure seven_before = sum(amount of purchase, last 7 days before today)
            measure one_month = sum(amount of purchase, last 1 month)
            rule in_week on probe { earn floor(week * 1 point per 1 CNY) }
            rule in_month on probe { earn floor(month * 1 point per 1 CNY) }
            rule in_year on probe { earn floor(year * 1 point per 1 CNY) }
            rule in_seven on probe { earn floor(seven * 1 point per 1 CNY) }
            rule in_seven_before on probe { earn floor(seven_before * 1 point per 1 CNY) }
            rule in_one_month on probe { earn floor(one_month * 1 point per 1 CNY) }
            """
        var member = try ProbedMember(source)
        func apply(_ type: String, on date: String, amount: Int? = nil) -> Outcome { member.apply(type, on: CivilDate(iso: date)!, amount: amount) }
        func sums(_ outcome: Outcome) -> [String: Int] {
            Dictionary(uniqueKeysWithValues: outcome.earned.map { ($0.rule, Int($0.points.numerator)) })
        }
        // Amounts are powers of two, so each sum says which purchases it holds.
        _ = apply("purchase", on: "2023-12-31", amount: 1)  // a Sunday
        _ = apply("purchase", on: "2024-01-01", amount: 2)  // a Monday
        // 2024-01-01: the week is 2024-01-01 to 01-07; seven days (2023-12-25, 2024-01-01]; before
        // today [2023-12-25, 2023-12-31]; one month (2023-12-01, 2024-01-01].
        XCTAssertEqual(sums(apply("probe", on: "2024-01-01")),
                       ["in_week": 2, "in_month": 2, "in_year": 2, "in_seven": 3, "in_seven_before": 1, "in_one_month": 3])
        _ = apply("purchase", on: "2024-02-26", amount: 4)  // a Monday
        _ = apply("purchase", on: "2024-02-29", amount: 8)
        _ = apply("purchase", on: "2024-03-01", amount: 16)
        _ = apply("purchase", on: "2024-03-03", amount: 32)  // a Sunday
        // 2024-03-03: the week is 02-26 to 03-03 (4 + 8 + 16 + 32); the month 16 + 32; the year
        // all but 2023's; seven days (02-25, 03-03]: 60; before today [02-25, 03-02]: 28; one
        // month (02-03, 03-03]: 60.
        XCTAssertEqual(sums(apply("probe", on: "2024-03-03")),
                       ["in_week": 60, "in_month": 48, "in_year": 62, "in_seven": 60, "in_seven_before": 28, "in_one_month": 60])
    }

    /// An aggregate whose value or filter reads more than the aggregated event (here the member)
    /// is summed by walking the history instead of from running totals; both give the sums
    /// worked by hand. Purchases of 5, 20 and 40 CNY on 2024-01-01, 01-03 and 01-05; `last 7
    /// days` on 01-06 is (12-30, 01-06], all three; on 01-08 (01-01, 01-08], the last two.
    func testWalkedAggregatesAgreeWithRunningTotals() throws {
        let source = """
            currency CNY
            event purchase { amount: money }
            event probe
            measure kept_count = count(purchase where amount >= 10 CNY, last 7 days)
            measure walked_count = count(purchase where amount >= 10 CNY and not frozen, last 7 days)
            measure kept_sum = sum(amount of purchase, last 7 days)
            measure walked_sum = sum(amount of purchase where active, last 7 days)
            rule kept_count on probe { earn kept_count * 1 point }
            rule walked_count on probe { earn walked_count * 1 point }
            rule kept_sum on probe { earn floor(kept_sum * 1 point per 1 CNY) }
            rule walked_sum on probe { earn floor(walked_sum * 1 point per 1 CNY) }
            """
        let policy = try CompiledPolicy.compile(SourceFile(name: "walked.perk", text: source)).get()
        var member = policy.newMember(id: "M")
        var line = 1
        func apply(_ type: String, on date: String, amount: Int? = nil) -> [String: Int] {
            line += 1
            let fields: EventFields = amount.map { ["amount": .money(ExactNumber($0))] } ?? [:]
            let event = InputEvent(id: "e\(line)", date: CivilDate(iso: date)!, member: "M", type: type, fields: fields,
                                   location: InputLocation(file: "events", line: line))
            let outcome = policy.apply(event, to: &member).last!
            XCTAssertNil(outcome.rejection, "\(outcome)")
            return Dictionary(uniqueKeysWithValues: outcome.earned.map { ($0.rule, Int($0.points.numerator)) })
        }
        _ = apply("purchase", on: "2024-01-01", amount: 5)
        _ = apply("purchase", on: "2024-01-03", amount: 20)
        _ = apply("purchase", on: "2024-01-05", amount: 40)
        XCTAssertEqual(apply("probe", on: "2024-01-06"), ["kept_count": 2, "walked_count": 2, "kept_sum": 65, "walked_sum": 65])
        XCTAssertEqual(apply("probe", on: "2024-01-08"), ["kept_count": 2, "walked_count": 2, "kept_sum": 60, "walked_sum": 60])
    }

    /// Running totals are kept as counts of a common denominator's parts: sums of decimals, of
    /// thirds of decimals (whose denominators differ from event to event), and of amounts whose
    /// total passes 64 bits (then the window is summed event by event) are exact. Worked by hand:
    /// 0.10 + 12.34 + 5.50 = 17.94 CNY; a third of 0.10 and 12.34 is 1/30 + 617/150 = 622/150,
    /// 2,488 six-hundredths; 0.01 + 5 × 10¹⁸ + 5 × 10¹⁸ CNY is 10²¹ + 1 hundredths (64 bits
    /// passed scaling an amount to hundredths), 5 × 10¹⁸ + 5 × 10¹⁸ CNY 10²¹ (passed adding).
    func testRunningTotalsOfDecimalsThirdsAndHugeAmountsAreExact() throws {
        let source = """
            currency CNY
            event purchase { amount: money }
            event probe
            measure total = sum(amount of purchase, last 7 days)
            measure thirds = sum(amount / 3 of purchase, last 7 days)
            rule hundredths on probe { earn floor(total * 100 points per 1 CNY) }
            rule six_hundredths on probe { earn floor(thirds * 600 points per 1 CNY) }
            """
        let policy = try CompiledPolicy.compile(SourceFile(name: "totals.perk", text: source)).get()
        var line = 1
        func apply(_ type: String, on date: String, amount: String? = nil, to member: inout MemberState) -> [String: String] {
            line += 1
            let fields: EventFields = amount.map { ["amount": .money(ExactNumber(decimal: $0)!)] } ?? [:]
            let event = InputEvent(id: "e\(line)", date: CivilDate(iso: date)!, member: member.id, type: type, fields: fields,
                                   location: InputLocation(file: "events", line: line))
            let outcome = policy.apply(event, to: &member).last!
            XCTAssertNil(outcome.rejection, "\(outcome)")
            return Dictionary(uniqueKeysWithValues: outcome.earned.map { ($0.rule, $0.points.description) })
        }
        var member = policy.newMember(id: "M")
        _ = apply("purchase", on: "2024-03-01", amount: "0.10", to: &member)
        _ = apply("purchase", on: "2024-03-02", amount: "12.34", to: &member)
        XCTAssertEqual(apply("probe", on: "2024-03-03", to: &member), ["hundredths": "1244", "six_hundredths": "2488"])
        _ = apply("purchase", on: "2024-03-04", amount: "5.50", to: &member)
        XCTAssertEqual(apply("probe", on: "2024-03-05", to: &member)["hundredths"], "1794")
        // 2024-03-01 has left the window (2024-03-02 to 2024-03-08).
        XCTAssertEqual(apply("probe", on: "2024-03-08", to: &member)["hundredths"], "1784")
        // Hundredths of 5 × 10¹⁸ CNY do not fit 64 bits.
        _ = apply("purchase", on: "2024-03-19", amount: "0.01", to: &member)
        _ = apply("purchase", on: "2024-03-20", amount: "5000000000000000000", to: &member)
        _ = apply("purchase", on: "2024-03-21", amount: "5000000000000000000", to: &member)
        XCTAssertEqual(apply("probe", on: "2024-03-22", to: &member)["hundredths"], "1000000000000000000001")
        // Whole amounts are counted in ones, and fit until 10¹⁹ is reached.
        var other = policy.newMember(id: "N")
        _ = apply("purchase", on: "2024-03-20", amount: "5000000000000000000", to: &other)
        _ = apply("purchase", on: "2024-03-21", amount: "5000000000000000000", to: &other)
        XCTAssertEqual(apply("probe", on: "2024-03-22", to: &other)["hundredths"], "1000000000000000000000")
    }

    /// A rule's `where` that is also an aggregate's filter over the rule's events is read from
    /// what the recorded event kept, not computed again: it must still say, event by event, what
    /// the condition says — for events that pass and fail it, and for one recorded before others
    /// (an earlier date). Worked by hand: `base` earns 1 point per CNY of purchases outside
    /// deposits and taxes, `large` 5 points for such a purchase of 100 CNY or more.
    func testARulesWhereThatIsAnAggregatesFilterHoldsForEachEvent() throws {
        let source = """
            currency CNY
            event purchase { amount: money, category: text }
            param excluded = ["deposit", "tax"]
            measure eligible = sum(amount of purchase where category not in excluded, last 30 days)
            measure large_ones = count(purchase where amount >= 100 CNY and category not in excluded, last 30 days)
            rule base on purchase where category not in excluded { earn floor(amount * 1 point per 1 CNY) }
            rule large on purchase where amount >= 100 CNY and category not in excluded { earn 5 points }
            """
        let policy = try CompiledPolicy.compile(SourceFile(name: "filters.perk", text: source)).get()
        var member = policy.newMember(id: "M")
        var line = 1
        func earned(_ date: String, _ amount: Int, _ category: String) -> [String: Int] {
            line += 1
            let event = InputEvent(id: "e\(line)", date: CivilDate(iso: date)!, member: "M", type: "purchase",
                                   fields: ["amount": .money(ExactNumber(amount)), "category": .text(category)],
                                   location: InputLocation(file: "events", line: line))
            let outcome = policy.apply(event, to: &member).last!
            XCTAssertNil(outcome.rejection)
            return Dictionary(uniqueKeysWithValues: outcome.earned.map { ($0.rule, Int($0.points.numerator)) })
        }
        XCTAssertEqual(earned("2024-01-10", 50, "food"), ["base": 50])
        XCTAssertEqual(earned("2024-01-11", 120, "deposit"), [:])
        XCTAssertEqual(earned("2024-01-12", 150, "food"), ["base": 150, "large": 5])
        // Earlier than the events recorded: recorded before them.
        XCTAssertEqual(earned("2024-01-05", 200, "tax"), [:])
        XCTAssertEqual(earned("2024-01-04", 100, "spa"), ["base": 100, "large": 5])
        XCTAssertEqual(earned("2024-01-13", 99, "spa"), ["base": 99])
        XCTAssertEqual(member.balance, ExactNumber(50 + 150 + 5 + 100 + 5 + 99))
    }

    /// A window that ends well before the newest events kept (an event dated earlier than most of
    /// the history) sums only the events it covers: looked for from the history's end, its last
    /// event is found past the few newest. Worked by hand: purchases of 2^d CNY on the d-th of
    /// January, d = 1…10; a probe on the 3rd sums the 1st and 2nd (2 + 4), one on the 8th the 1st
    /// to the 7th (254), one on the 1st nothing.
    func testAWindowEndingBeforeTheNewestEventsSumsOnlyItsOwn() throws {
        let source = """
            currency CNY
            event purchase { amount: money }
            event probe { note: text }
            measure before = sum(amount of purchase, last 30 days before today)
            rule seen on probe { earn floor(before * 1 point per 1 CNY) }
            """
        var member = try ProbedMember(source)
        func apply(_ type: String, on day: Int, amount: Int? = nil) -> Outcome {
            member.apply(type, on: CivilDate(year: 2024, month: 1, day: day)!, amount: amount)
        }
        for day in 1...10 { _ = apply("purchase", on: day, amount: 1 << day) }
        XCTAssertEqual(apply("probe", on: 3).earned.map(\.points), [ExactNumber(2 + 4)])
        XCTAssertEqual(apply("probe", on: 8).earned.map(\.points), [ExactNumber(254)])
        XCTAssertEqual(apply("probe", on: 1).earned.map(\.points), [])
    }
}

/// One member under a policy of `purchase { amount: money }` and `probe { note: text }` events,
/// each event applied given the next line and id.
private struct ProbedMember {
    let policy: CompiledPolicy
    var member: MemberState
    var line = 1

    init(_ source: String) throws {
        policy = try CompiledPolicy.compile(SourceFile(name: "windows.perk", text: source)).get()
        member = policy.newMember(id: "M")
    }

    /// Applies a purchase of `amount` CNY (a probe, without an amount) on `date`; its outcome.
    mutating func apply(_ type: String, on date: CivilDate, amount: Int? = nil) -> Outcome {
        line += 1
        let fields: EventFields = amount.map { ["amount": .money(ExactNumber($0))] } ?? ["note": .text("")]
        let event = InputEvent(id: "e\(line)", date: date, member: "M", type: type, fields: fields, location: InputLocation(file: "events", line: line))
        return policy.apply(event, to: &member).last!
    }
}
