import PerkEngine
import PerkLanguage
import XCTest

/// Texts in conditions compare as Swift's strings do, by canonical equivalence: the same text
/// written with a precomposed or a combining accent, or with the Kelvin sign for K, is the same.
final class TextTests: XCTestCase {
    func testATextIsInAListWhateverItsUnicodeForm() throws {
        let source = """
            currency CNY
            param excluded = ["café", "K", "\u{212A}elvin", ""]
            event purchase { amount: money, category: text }
            rule points on purchase where category not in excluded {
              earn floor(amount * 1 point per 1 CNY)
            }
            """
        let policy = try CompiledPolicy.compile(SourceFile(name: "p.perk", text: source)).get()
        func earned(_ category: String) -> ExactNumber {
            var member = policy.newMember(id: "M")
            let event = InputEvent(id: "e1", date: CivilDate(iso: "2024-01-01")!, member: "M", type: "purchase",
                                   fields: ["amount": .money(ExactNumber(100)), "category": .text(category)],
                                   location: InputLocation(file: "t", line: 1))
            _ = policy.apply(event, to: &member)
            return member.totals.earned
        }
        XCTAssertEqual(earned("cafe\u{301}"), .zero, "a combining accent: the same text as café")
        XCTAssertEqual(earned("caf\u{E9}"), .zero)
        XCTAssertEqual(earned("\u{212A}"), .zero, "the Kelvin sign is canonically K")
        XCTAssertEqual(earned("cafe"), ExactNumber(100), "without the accent: another text")
        XCTAssertEqual(earned("k"), ExactNumber(100), "case counts")
        XCTAssertEqual(earned("Kelvin"), .zero, "an ASCII text equal to a listed text that is not ASCII")
        XCTAssertEqual(earned("Kelvi"), ExactNumber(100))
        XCTAssertEqual(earned(""), .zero, "the empty text is listed")
    }
}
