import PerkEngine
import PerkLanguage
import XCTest

/// The library example in README.md, verbatim in the test body, so the README's code compiles.
final class ReadmeExampleTests: XCTestCase {
    func testTheReadmeExample() throws {
        let source = try String(contentsOfFile: EventInputTests.packageRoot.appendingPathComponent("policies/harbor-hotel.perk").path, encoding: .utf8)
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
}
