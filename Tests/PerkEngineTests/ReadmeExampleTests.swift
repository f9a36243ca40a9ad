import PerkEngine
import PerkLanguage
import XCTest

/// The library example in README.md, verbatim in the test body, so the README's code compiles.
final class ReadmeExampleTests: XCTestCase {
    /// The reference policy's source.
    private func harborSource() throws -> String {
        try String(contentsOfFile: EventInputTests.packageRoot.appendingPathComponent("policies/harbor-hotel.perk").path, encoding: .utf8)
    }

    func testTheReadmeExample() throws {
        let source = try harborSource()
        // --- README example begins ---
        let policy = try CompiledPolicy.compile(SourceFile(name: "harbor-hotel.perk", text: source)).get()
        var member = policy.newMember(id: "M1", birthday: Birthday("05-12"))
        let purchase = InputEvent(
            id: "e1", date: CivilDate(iso: "2024-05-03")!, member: "M1", type: "purchase",
            fields: ["amount": .money(ExactNumber(decimal: "4000.00")!), "category": .text("dining")],
            location: InputLocation(file: "pos", line: 1))
        let outcomes = policy.apply(purchase, to: &member, trace: true)
        print(outcomes.last!)         // 2024-05-03 purchase e1; +800 points by purchase_points
        print(member.balance)         // 800
        _ = policy.advance(&member, to: CivilDate(iso: "2026-06-01")!)   // the lot expires at the end of 2026-05-31
        print(member.totals.expired)  // 800
        // --- README example ends ---
        XCTAssertEqual(outcomes.last?.description, "2024-05-03 purchase e1; +800 points by purchase_points")
        XCTAssertEqual(member.totals.expired, ExactNumber(800))
        XCTAssertEqual(member.balance, .zero)
    }

    /// The same member through the appending forms: what was in the array stays, and after it come
    /// what REFERENCE-POLICY.md gives: the purchase's 800 points (base 400, birthday month ×2), the
    /// expiry notice at the start of 2026-05-01 (a month before) and the lot expiring at the end of
    /// 2026-05-31 (month M + 24).
    func testApplyAndAdvanceAppendToTheCallersArray() throws {
        let policy = try CompiledPolicy.compile(SourceFile(name: "harbor-hotel.perk", text: try harborSource())).get()
        var member = policy.newMember(id: "M1", birthday: Birthday("05-12"))
        // The README's purchase: 4,000 CNY of dining on 2024-05-03.
        let purchase = InputEvent(id: "e1", date: CivilDate(iso: "2024-05-03")!, member: "M1", type: "purchase",
                                  fields: ["amount": .money(ExactNumber(4000)), "category": .text("dining")],
                                  location: InputLocation(file: "pos", line: 1))
        var outcomes = [Outcome(kind: .scheduled, date: CivilDate(iso: "2024-01-01")!)]
        policy.apply(purchase, to: &member, into: &outcomes)
        policy.advance(&member, to: CivilDate(iso: "2026-06-01")!, into: &outcomes)
        XCTAssertEqual(outcomes.map(\.date.description), ["2024-01-01", "2024-05-03", "2026-05-01", "2026-05-31"])
        XCTAssertEqual(outcomes[1].pointsEarned, ExactNumber(800))
        XCTAssertEqual(outcomes[2].notices.count, 1)
        XCTAssertEqual(outcomes[3].expired.map(\.points), [ExactNumber(800)])
    }
}
