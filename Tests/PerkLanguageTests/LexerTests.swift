import PerkLanguage
import XCTest

final class LexerTests: XCTestCase {
    private func kinds(_ source: String) -> [TokenKind] {
        Lexer.tokenize(SourceFile(name: "t", text: source)).tokens.map(\.kind).dropLast()
    }

    private func texts(_ source: String) -> [String] {
        Lexer.tokenize(SourceFile(name: "t", text: source)).tokens.map(\.text).dropLast()
    }

    func testThousandsSeparatorsNeedExactlyThreeDigits() {
        XCTAssertEqual(texts("5,000.50"), ["5000.50"])
        XCTAssertEqual(texts("min(1,234)"), ["min", "(", "1234", ")"])
        XCTAssertEqual(texts("min(1, 234)"), ["min", "(", "1", ",", "234", ")"])
        XCTAssertEqual(texts("max(1,23)"), ["max", "(", "1", ",", "23", ")"])
        // Grouped by ten thousands (万): one number, reported as misgrouped.
        let wan = Lexer.tokenize(SourceFile(name: "t", text: "1,2345"))
        XCTAssertEqual(wan.tokens.map(\.text).dropLast(), ["12345"])
        XCTAssertEqual(wan.diagnostics.map(\.help), ["write `12,345`, or no commas at all"])
        let misgrouped = Lexer.tokenize(SourceFile(name: "t", text: "1000,000 points"))
        XCTAssertEqual(misgrouped.tokens.map(\.text).dropLast(), ["1000000", "points"])
        XCTAssertEqual(misgrouped.diagnostics.map(\.help), ["write `1,000,000`, or no commas at all"])
    }

    func testMoneyPercentOrdinalDate() {
        XCTAssertEqual(kinds("¥5,000 ￥10 5% 12.5% 1st 2nd 3rd 11th 2024-02-29"),
                       [.money, .money, .percent, .percent, .ordinal, .ordinal, .ordinal, .ordinal, .date])
        XCTAssertEqual(texts("¥5,000.25"), ["5000.25"])
    }

    func testUnicodeNamesAndOperators() {
        XCTAssertEqual(kinds("tier 金卡 × ÷ ≤ ≥ ≠"), [.name, .name, .symbol(.times), .symbol(.divide), .symbol(.lessEqual), .symbol(.greaterEqual), .symbol(.notEqual)])
        XCTAssertEqual(texts("银卡_2"), ["银卡_2"])
    }

    func testReservedWordsAreNotNames() {
        XCTAssertEqual(kinds("and or not in if then else mod true false between of per use"),
                       [.reserved(.and), .reserved(.or), .reserved(.not), .reserved(.in), .reserved(.if), .reserved(.then),
                        .reserved(.else), .reserved(.mod), .reserved(.true), .reserved(.false), .reserved(.between),
                        .reserved(.of), .reserved(.per), .name])
    }

    func testCommentsAreKeptApart() {
        let lexed = Lexer.tokenize(SourceFile(name: "t", text: "a # one\n// two\nb"))
        XCTAssertEqual(lexed.tokens.map(\.text).dropLast(), ["a", "b"])
        XCTAssertEqual(lexed.comments.map(\.text), ["# one", "// two"])
        XCTAssertEqual(lexed.tokens[1].startsLine, true)
    }

    func testStringsDecodeEscapes() {
        XCTAssertEqual(texts(#""say \"hi\"\n""#), ["say \"hi\"\n"])
    }

    func testBadCharactersAreReportedWithPositions() {
        let file = SourceFile(name: "t", text: "param x = 1 @ 2\nparam y = \"open\n")
        let lexed = Lexer.tokenize(file)
        XCTAssertEqual(lexed.diagnostics.map(\.code.rawValue), ["unexpected-character", "unterminated-string"])
        XCTAssertEqual(lexed.diagnostics.map { file.location(of: $0.span.start) },
                       [SourceLocation(line: 1, column: 13), SourceLocation(line: 2, column: 11)])
    }

    func testColumnsCountCharactersNotBytes() {
        let file = SourceFile(name: "t", text: "tier 金卡 at 5 points\n")
        let at = Lexer.tokenize(file).tokens[2]
        XCTAssertEqual(file.location(of: at.span.start), SourceLocation(line: 1, column: 9))
    }

    /// Combining marks continue a name (never start one), and a name is its NFC form: `café`
    /// written with U+00E9 or with e + U+0301 is one name, so each spelling finds the other.
    func testNamesHoldCombiningMarksAndAreComparedInNFC() {
        let composed = "caf\u{E9}", decomposed = "cafe\u{301}"
        for spelling in [composed, decomposed] {
            let lexed = Lexer.tokenize(SourceFile(name: "t", text: spelling))
            XCTAssertEqual(lexed.tokens.map(\.kind).dropLast(), [.name])
            XCTAssertEqual(lexed.tokens.first.map { Array($0.text.unicodeScalars) }, Array(composed.unicodeScalars))
            XCTAssertEqual(lexed.diagnostics.count, 0)
        }
        XCTAssertEqual(texts("सामान्य सोना"), ["सामान्य", "सोना"])
        XCTAssertEqual(Lexer.tokenize(SourceFile(name: "t", text: "\u{301}x")).diagnostics.map(\.code), [.unexpectedCharacter])

        let event = "currency CNY\nevent join\n"
        for (declared, used) in [(composed, decomposed), (decomposed, composed)] {
            let result = PolicyChecker.check(source: event + "param \(declared) = 5 points\nrule r on join {\n  earn \(used)\n}\n")
            XCTAssertEqual(result.diagnostics.map(\.message), [])
        }
        let twice = PolicyChecker.check(source: event + "param \(composed) = 5 points\nparam \(decomposed) = 6 points\nrule r on join {\n  earn \(composed)\n}\n")
        XCTAssertEqual(twice.diagnostics.map(\.code), [.duplicateName])
        let hindi = PolicyChecker.check(source: """
            currency CNY
            event purchase { amount: money }
            measure spend = sum(amount of purchase, this year)
            tiers by spend {
              tier सामान्य { m: 1 }
              tier सोना at 100 CNY { m: 2 }
            }
            rule r on purchase {
              earn floor(amount * 1 point per 10 CNY) * tier.m
              upgrade
            }
            """)
        XCTAssertEqual(hindi.diagnostics.map(\.message), [])
        XCTAssertEqual(hindi.policy?.tiers?.levels.map(\.name), ["सामान्य", "सोना"])
    }
}
