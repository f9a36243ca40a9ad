import Foundation
import PerkLanguage
import XCTest

/// The formatter on every policy in the repository: idempotent, meaning-preserving (the
/// formatted source parses to the same tree), and no comment lost.
final class FormatterTests: XCTestCase {
    /// Every policy and every parseable sample in the repository.
    static func corpus() throws -> [SourceFile] {
        let urls = TestPaths.perkFiles(under: TestPaths.policies)
            + TestPaths.perkFiles(under: TestPaths.golden.appendingPathComponent("grammar-valid"))
            + TestPaths.perkFiles(under: TestPaths.golden.appendingPathComponent("checker"))
        return try urls.map { try SourceFile(contentsOfFile: $0.path) }
    }

    func testFormattingIsIdempotentAndPreservesTheTreeAndComments() throws {
        let files = try Self.corpus()
        XCTAssertGreaterThan(files.count, 3)
        for file in files {
            let parsed = Parser.parse(file)
            guard !parsed.diagnostics.hasErrors else { continue }
            let formatted = try XCTUnwrap(Formatter.format(file), file.name)
            let reformatted = try XCTUnwrap(Formatter.format(SourceFile(name: file.name, text: formatted)), file.name)
            XCTAssertEqual(reformatted, formatted, "\(file.name): formatting is not idempotent")
            let reparsed = Parser.parse(SourceFile(name: file.name, text: formatted))
            XCTAssertEqual(reparsed.diagnostics.filter(\.isError).map(\.message), [], "\(file.name): formatted output does not parse")
            XCTAssertEqual(reparsed.policy, parsed.policy, "\(file.name): formatting changed the syntax tree")
            XCTAssertEqual(reparsed.comments.map(\.text), parsed.comments.map(\.text), "\(file.name): comments lost or reordered")
        }
    }

    func testPoliciesInTheRepositoryAreFormatted() throws {
        for url in TestPaths.perkFiles(under: TestPaths.policies) {
            let file = try SourceFile(contentsOfFile: url.path)
            XCTAssertEqual(Formatter.format(file), file.text, "\(url.lastPathComponent) is not in canonical form: run `perk fmt policies`")
        }
    }

    func testCanonicalLayout() throws {
        let messy = """
            # header comment
            policy   "Demo"    version 2
            currency CNY
            param rate=1 point per 10 CNY # rate
            param cap =  500 points


            event purchase{amount:money,category:text}
            rule earn_points on purchase where category not in["tax"]{
            // inside
            if amount>=¥5,000{earn floor(amount*rate)*2}else if amount > 10 CNY {earn floor(amount*rate)} else{note small}
            earn min(cap,1 points)   # capped
            }
            """
        let expected = """
            # header comment
            policy "Demo" version 2
            currency CNY
            param rate = 1 point per 10 CNY  # rate
            param cap = 500 points

            event purchase { amount: money, category: text }
            rule earn_points on purchase where category not in ["tax"] {
              // inside
              if amount >= ¥5,000 {
                earn floor(amount * rate) * 2
              } else if amount > 10 CNY {
                earn floor(amount * rate)
              } else {
                note small
              }
              earn min(cap, 1 points)  # capped
            }

            """
        XCTAssertEqual(Formatter.format(SourceFile(name: "messy.perk", text: messy)), expected)
    }

    func testCommentsStayWhereTheyWere() {
        let source = """
            rule r on purchase {  # on the header
              if amount > 1 CNY {
                earn 1 points  # after a statement
                # closing the then-branch
              } else {  # on the else line
                # opening the else-branch
                earn 2 points
              }  # after the if
              # closing the rule
            }  # after the rule
            # at the end

            """
        XCTAssertEqual(Formatter.format(SourceFile(name: "c.perk", text: source)), source)
    }

    /// A comment after a block's `}` when `else` starts the next line ends the `} else {` line
    /// (it was once moved into the block); with a comment of its own on the `else` line, it
    /// stays above, in the block.
    func testACommentAfterTheBraceBeforeElseEndsTheElseLine() {
        let source = """
            rule r on purchase {
              if amount > 1 CNY {
                earn 1 points
              }  # big ones
              else {
                earn 2 points
              }
              if amount > 2 CNY {
                earn 3 points
              }  # first
              else {  # second
                earn 4 points
              }
            }

            """
        XCTAssertEqual(Formatter.format(SourceFile(name: "c.perk", text: source)), """
            rule r on purchase {
              if amount > 1 CNY {
                earn 1 points
              } else {  # big ones
                earn 2 points
              }
              if amount > 2 CNY {
                earn 3 points
                # first
              } else {  # second
                earn 4 points
              }
            }

            """)
    }

    func testUnicodeOperatorsBecomeAscii() {
        let source = "param a = 2 × 3 ÷ 1\nparam b = a ≥ 1 and a ≤ 9 and a ≠ 4\n"
        XCTAssertEqual(Formatter.format(SourceFile(name: "u.perk", text: source)),
                       "param a = 2 * 3 / 1\nparam b = a >= 1 and a <= 9 and a != 4\n")
    }

    func testSyntaxErrorsAreNeverFormatted() {
        XCTAssertNil(Formatter.format(SourceFile(name: "bad.perk", text: "param x = (1 +\n")))
    }
}

final class FormatterCommentPlacementTests: XCTestCase {
    func testCommentsInsideAConstructPrintedOnOneLineGoAboveIt() {
        let source = """
            benefit lounge "Lounge"
              for tier >= Gold   # gold and up
              limit 2 per month  # two visits
            param a = 1 points param b = 2 points  # only about b

            """
        XCTAssertEqual(Formatter.format(SourceFile(name: "c.perk", text: source)), """
            # gold and up
            benefit lounge "Lounge" for tier >= Gold limit 2 per month  # two visits
            param a = 1 points
            param b = 2 points  # only about b

            """)
    }
}
