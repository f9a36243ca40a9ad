import PerkEngine
import PerkLanguage
import XCTest

final class EventFieldsTests: XCTestCase {
    private let amount = Value.money(ExactNumber(12))

    func testFieldsAreFoundByNameWhateverTheOrderTheyCameIn() {
        var built = EventFields()
        built["category"] = .text("room")
        built["amount"] = amount
        built["bill"] = .money(.zero)
        let literal: EventFields = ["amount": amount, "bill": .money(.zero), "category": .text("room")]
        XCTAssertEqual(built, literal)
        XCTAssertEqual(built.hashValue, literal.hashValue)
        XCTAssertEqual(built.names, ["amount", "bill", "category"])
        XCTAssertEqual(built.map(\.name), ["amount", "bill", "category"])
        XCTAssertEqual(built["category"], .text("room"))
        XCTAssertNil(built["points"])
        XCTAssertEqual(built.count, 3)
    }

    func testSettingReplacesAndNilRemoves() {
        var fields: EventFields = ["amount": amount, "category": .text("room")]
        fields["amount"] = .money(ExactNumber(5))
        XCTAssertEqual(fields["amount"], .money(ExactNumber(5)))
        XCTAssertEqual(fields.count, 2)
        fields["category"] = nil
        XCTAssertEqual(fields.names, ["amount"])
        fields["nothing"] = nil
        XCTAssertEqual(fields.count, 1)
        XCTAssertNotEqual(fields, ["amount": amount])
        XCTAssertFalse(fields.isEmpty)
    }

    /// Rules read a field first where its type puts it (its rank among the declared names); an
    /// event given with other fields before it (built in code, not read from a file) is read by
    /// name instead. Worked by hand: 250 CNY at 1 point per 10 CNY, ×2 for `spa` = 50 points.
    func testAFieldOutOfItsUsualPlaceIsStillFound() throws {
        let policy = try CompiledPolicy.compile(SourceFile(name: "fields.perk", text: """
            event purchase { amount: money, category: text }
            rule points on purchase {
              earn floor(amount * 1 point per 10 CNY) * (if category == "spa" then 2 else 1)
            }
            """)).get()
        func earned(_ fields: EventFields) -> ExactNumber {
            var member = policy.newMember(id: "m")
            let event = InputEvent(id: "e", date: CivilDate(iso: "2024-03-01")!, member: "m", type: "purchase",
                                   fields: fields, location: InputLocation(file: "test", line: 1))
            return policy.apply(event, to: &member).last!.pointsEarned
        }
        let usual: EventFields = ["amount": .money(ExactNumber(250)), "category": .text("spa")]
        // `aaa` sorts first: `amount` and `category` are each one place later than usual.
        let shifted: EventFields = ["aaa": .text("spa"), "amount": .money(ExactNumber(250)), "category": .text("spa")]
        XCTAssertEqual(earned(usual), ExactNumber(50))
        XCTAssertEqual(earned(shifted), ExactNumber(50))
    }
}
