import Foundation
import PerkEngine
import PerkLanguage
import XCTest

/// REFERENCE-POLICY.md's worked example for member M1 (birthday 05-12), row by row.
final class WorkedExampleTests: XCTestCase {
    static let policy: CompiledPolicy = {
        let url = EventInputTests.packageRoot.appendingPathComponent("policies/harbor-hotel.perk")
        return try! CompiledPolicy.compile(SourceFile(contentsOfFile: url.path)).get()
    }()

    private func n(_ text: String) -> ExactNumber { ExactNumber(decimal: text)! }

    private func event(_ id: String, _ date: String, _ type: String, _ fields: EventFields) -> InputEvent {
        InputEvent(id: id, date: CivilDate(iso: date)!, member: "M1", type: type, fields: fields, location: InputLocation(file: "test", line: 0))
    }

    func testWorkedExample() throws {
        let policy = Self.policy
        var m1 = policy.newMember(id: "M1", birthday: Birthday("05-12"))

        // 2024-01-10 purchase 1,234.56 room: base 123, Regular ×1: +123.
        var out = policy.apply(event("e1", "2024-01-10", "purchase", ["amount": .money(n("1234.56")), "category": .text("room")]), to: &m1)
        XCTAssertEqual(out.last?.pointsEarned, n("123"))
        XCTAssertEqual(m1.lots.first?.expiresOn, CivilDate(iso: "2026-01-31"))

        // 2024-05-03 purchase 4,000.00 dining: base 400, ×1, birthday ×2: +800; spend 5,234.56 ≥ 5,000: Silver, review 2025-05-03.
        out = policy.apply(event("e2", "2024-05-03", "purchase", ["amount": .money(n("4000")), "category": .text("dining")]), to: &m1)
        XCTAssertEqual(out.last?.pointsEarned, n("800"))
        XCTAssertEqual(policy.tierNames[m1.tier], "Silver")
        XCTAssertEqual(m1.nextReview, CivilDate(iso: "2025-05-03"))
        XCTAssertEqual(out.last?.tierChanges.first?.to, "Silver")

        // 2024-05-20 purchase 999.99 deposit: ineligible, 0 points.
        out = policy.apply(event("e3", "2024-05-20", "purchase", ["amount": .money(n("999.99")), "category": .text("deposit")]), to: &m1)
        XCTAssertEqual(out.last?.pointsEarned, .zero)
        XCTAssertNil(out.last?.rejection)

        // 2024-06-01 purchase 105.00 dining: base 10, Silver ×1.2: +12; discount entitlement 5%.
        out = policy.apply(event("e4", "2024-06-01", "purchase", ["amount": .money(n("105")), "category": .text("dining")]), to: &m1)
        XCTAssertEqual(out.last?.pointsEarned, n("12"))
        XCTAssertEqual(out.last?.entitlements.first { $0.benefit == "purchase_discount" }?.value, .percent(n("5")))

        // 2024-06-02 redeem 500, bill 800: granted; from the 2024-01-10 lot (123) then the 2024-05-03 lot (377 of 800).
        out = policy.apply(event("e5", "2024-06-02", "redeem", ["points": .points(n("500")), "bill": .money(n("800"))]), to: &m1)
        XCTAssertNil(out.last?.rejection)
        XCTAssertEqual(out.last?.redeemed, n("500"))
        XCTAssertEqual(m1.lots.map(\.remaining), [n("0"), n("423"), n("12")])

        // 2024-06-03 redeem 450: denied below the 500-point minimum.
        out = policy.apply(event("e6", "2024-06-03", "redeem", ["points": .points(n("450")), "bill": .money(n("800"))]), to: &m1)
        XCTAssertEqual(out.last?.rejection?.code, "below_minimum")
        XCTAssertEqual(m1.balance, n("435"))

        // 2025-05-03 review: spend in (2024-05-03, 2025-05-03] is 105.00: Regular, no further review.
        let review = policy.advance(&m1, to: CivilDate(iso: "2025-05-04")!)
        XCTAssertEqual(review.flatMap(\.tierChanges).map(\.to), ["Regular"])
        XCTAssertEqual(review.first { !$0.tierChanges.isEmpty }?.date, CivilDate(iso: "2025-05-03"))
        XCTAssertNil(m1.nextReview)

        // 2026-01-31: the 2024-01-10 lot is already empty: nothing expires.
        let january = policy.advance(&m1, to: CivilDate(iso: "2026-02-01")!)
        XCTAssertEqual(january.flatMap(\.expired).count, 0)
        XCTAssertEqual(m1.totals.expired, .zero)
    }
}
