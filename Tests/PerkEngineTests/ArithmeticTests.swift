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
}
