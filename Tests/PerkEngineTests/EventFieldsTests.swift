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
}
