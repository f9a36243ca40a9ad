import PerkEngine
import PerkLanguage
import XCTest

/// Arithmetic with units, as rules compute it: worked by hand from the language's rules for units.
final class ArithmeticTests: XCTestCase {
    private func purchase(_ fields: EventFields) -> InputEvent {
        InputEvent(id: "e1", date: CivilDate(iso: "2024-01-01")!, member: "M", type: "purchase", fields: fields,
                   location: InputLocation(file: "t", line: 1))
    }

    /// In a product a percentage counts in hundredths, and a product that is a percentage stays in
    /// percent: 2 × 5% is 10% (either way round), 10% of 250 CNY is 25 CNY, worth 25 points here.
    func testAPercentageTimesANumberIsAPercentage() throws {
        let source = """
            currency CNY
            param share = 5%
            event purchase { amount: money }
            rule doubled on purchase {
              require 2 * share == 10% else not_ten
              require share * 2 == 10% else not_ten_either
              let doubled = share * 2
              earn floor(amount * doubled * 1 point per 1 CNY)
              earn floor(amount * (share * share) * 1 point per 1 CNY)
            }
            """
        let policy = try CompiledPolicy.compile(SourceFile(name: "p.perk", text: source)).get()
        var member = policy.newMember(id: "M")
        let outcome = policy.apply(purchase(["amount": .money(ExactNumber(250))]), to: &member).last!
        XCTAssertNil(outcome.rejection)
        // 5% × 5% = 0.25%; 0.25% of 250 CNY = 0.625 CNY → 0 points.
        XCTAssertEqual(outcome.earned.map(\.points), [ExactNumber(25)])
    }

    /// Division and remainder by an amount read from the event: exact, and a zero divisor refuses
    /// the event with the reason, however the expression is computed.
    func testDivisionAndRemainderByAFieldAndByZero() throws {
        let source = """
            currency CNY
            event purchase { amount: money, parts: number }
            rule split on purchase {
              earn floor(amount / parts * 1 point per 1 CNY)
              earn (amount mod 7 CNY) * 1 point per 1 CNY
              earn max(1 point, -(amount / parts) * 1 point per 1 CNY)
            }
            """
        let policy = try CompiledPolicy.compile(SourceFile(name: "p.perk", text: source)).get()
        var member = policy.newMember(id: "M")
        // 100 / 3 = 33.33… → 33 points; 100 mod 7 = 2 → 2 points; max(1, −33.33…) = 1 point.
        let split = policy.apply(purchase(["amount": .money(ExactNumber(100)), "parts": .number(ExactNumber(3))]), to: &member).last!
        XCTAssertEqual(split.earned.map(\.points), [ExactNumber(33), ExactNumber(2), ExactNumber(1)])
        let byZero = policy.apply(purchase(["amount": .money(ExactNumber(100)), "parts": .number(.zero)]), to: &member).last!
        XCTAssertEqual(byZero.rejection?.code, "evaluation_error")
        XCTAssertEqual(byZero.rejection?.message, "division by zero")
        XCTAssertEqual(member.balance, ExactNumber(36))
    }

    /// Arithmetic on constants alone (parameters, literals) is computed once, when the policy is
    /// compiled: the same amounts as computed when the rule runs; and a constant that cannot be
    /// computed (a number too large to be exact) still compiles, and refuses the event when the
    /// rule runs. (A constant division by zero the checker reports.)
    func testConstantArithmeticGivesTheSameAmountsAndFailsWhenItRuns() throws {
        let source = """
            currency CNY
            param rate = 1 point per 10 CNY
            param huge = 100000000000000000000000000000
            event purchase { amount: money, broken: bool }
            rule earn_more on purchase where not broken {
              earn min(150 points, floor(amount * (rate * (3 / 2))))
            }
            rule earn_broken on purchase where broken {
              earn floor(amount * rate * (huge * huge - huge * huge + 1))
            }
            """
        let policy = try CompiledPolicy.compile(SourceFile(name: "p.perk", text: source)).get()
        var member = policy.newMember(id: "M")
        // 1,234 CNY × 1.5 points per 10 CNY = 185.1 → capped at 150; 99 CNY → 14.85 → 14.
        let capped = policy.apply(purchase(["amount": .money(ExactNumber(1_234)), "broken": .bool(false)]), to: &member).last!
        let small = policy.apply(purchase(["amount": .money(ExactNumber(99)), "broken": .bool(false)]), to: &member).last!
        XCTAssertEqual(capped.earned.map(\.points), [ExactNumber(150)])
        XCTAssertEqual(small.earned.map(\.points), [ExactNumber(14)])
        let broken = policy.apply(purchase(["amount": .money(ExactNumber(100)), "broken": .bool(true)]), to: &member).last!
        XCTAssertEqual(broken.rejection?.code, "evaluation_error")
        XCTAssertEqual(broken.rejection?.message, "a number too large to compute exactly")
        XCTAssertEqual(member.balance, ExactNumber(164))
    }

    /// A parameter's value set in perk.yaml is parsed on its own, so its positions are not the
    /// policy file's: its arithmetic must not take the units of whatever the policy has there.
    /// Here the override `2 * 5%` sits where the policy's first line has `7 * 10`, a plain number.
    func testAnOverriddenParameterKeepsItsOwnUnits() throws {
        let source = """
            param bonus = 7 * 10
            currency CNY
            param share = 5%
            event purchase { amount: money }
            benefit discount "discount" value share
            rule shared on purchase { earn floor(amount * share * 1 point per 1 CNY) }
            """
        let settings = PolicySettings(parameters: [ParameterOverride(name: "share", text: "2 * 5%")])
        let policy = try CompiledPolicy.compile(SourceFile(name: "p.perk", text: source), settings: settings).get()
        var member = policy.newMember(id: "M")
        XCTAssertEqual(policy.entitlements(of: member, on: CivilDate(iso: "2024-01-01")!).map { $0.value }, [.percent(ExactNumber(10))])
        // 10% of 250 CNY is 25 CNY: 25 points.
        let outcome = policy.apply(purchase(["amount": .money(ExactNumber(250))]), to: &member).last!
        XCTAssertEqual(outcome.earned.map(\.points), [ExactNumber(25)])
    }

    /// `if … then … else if …` over one amount compared with constants (a tier ladder) gives the
    /// first branch whose test holds, whatever the comparison, parentheses, or an `else` that is
    /// computed; a ladder whose tests change operand midway gives the same.
    func testALadderOfComparisonsGivesTheFirstBranchWhoseTestHolds() throws {
        let source = """
            currency CNY
            event purchase { amount: money, bonus: number }
            rule ladder on purchase {
              let m = if amount >= 100 CNY then 4 else if (amount > 50 CNY) then 3 else (if amount == 20 CNY then 2 else if amount < 5 CNY then 10 else if amount <= 7 CNY then 7 else if amount != 9 CNY then 1 else floor(amount / 1 CNY))
              let n = if amount >= 100 CNY then 4 else if bonus > 0 then bonus else 1
              earn floor(amount * m * 1 point per 1 CNY)
              earn floor(amount * n * 1 point per 1 CNY)
            }
            """
        let policy = try CompiledPolicy.compile(SourceFile(name: "p.perk", text: source)).get()
        func earned(_ amount: ExactNumber, bonus: Int = 0) -> [ExactNumber] {
            var member = policy.newMember(id: "M")
            let outcome = policy.apply(purchase(["amount": .money(amount), "bonus": .number(ExactNumber(bonus))]), to: &member).last!
            XCTAssertNil(outcome.rejection)
            return outcome.earned.map(\.points)
        }
        // m: ≥ 100 → 4; > 50 → 3; = 20 → 2; < 5 → 10; ≤ 7 → 7; ≠ 9 → 1; 9 → floor(9) = 9.
        // n: ≥ 100 → 4; bonus > 0 → bonus; else 1.
        XCTAssertEqual(earned(ExactNumber(100)), [ExactNumber(400), ExactNumber(400)], "the bound itself, for >=")
        XCTAssertEqual(earned(ExactNumber(numerator: 20_001, denominator: 200)!), [ExactNumber(400), ExactNumber(400)], "100.005 CNY: 400.02 → 400")
        XCTAssertEqual(earned(ExactNumber(50), bonus: 2), [ExactNumber(50), ExactNumber(100)], "50 is not > 50")
        XCTAssertEqual(earned(ExactNumber(numerator: 5_001, denominator: 100)!), [ExactNumber(150), ExactNumber(50)], "50.01 CNY: 150.03 → 150")
        XCTAssertEqual(earned(ExactNumber(20)), [ExactNumber(40), ExactNumber(20)])
        XCTAssertEqual(earned(ExactNumber(3)), [ExactNumber(30), ExactNumber(3)])
        XCTAssertEqual(earned(ExactNumber(5)), [ExactNumber(35), ExactNumber(5)], "5 is not < 5, but <= 7")
        XCTAssertEqual(earned(ExactNumber(7)), [ExactNumber(49), ExactNumber(7)])
        XCTAssertEqual(earned(ExactNumber(8)), [ExactNumber(8), ExactNumber(8)])
        XCTAssertEqual(earned(ExactNumber(9)), [ExactNumber(81), ExactNumber(9)], "the computed else")
    }
}
