import PerkLanguage
import XCTest

final class ParserTests: XCTestCase {
    private func parse(_ source: String) -> ParseResult {
        Parser.parse(SourceFile(name: "t.perk", text: source))
    }

    private func expression(_ source: String) throws -> ExprKind {
        let result = parse("param x = \(source)")
        XCTAssertEqual(result.diagnostics.map(\.message), [])
        guard case .param(let param)? = result.policy.declarations.first?.kind else {
            throw XCTSkip("no parameter parsed")
        }
        return param.value.kind
    }

    private func literal(_ digits: String, _ unit: LiteralUnit) -> Expr {
        Expr(.literal(Literal(digits: digits, text: "", unit: unit)), span: .empty)
    }

    private func name(_ name: String) -> Expr { Expr(.name(name), span: .empty) }

    func testPrecedence() throws {
        // a + b * c > d and not e or f  ==  ((a + (b * c)) > d and (not e)) or f
        let sum = Expr(.binary(.plus, name("a"), Expr(.binary(.times, name("b"), name("c")), span: .empty)), span: .empty)
        let comparison = Expr(.binary(.greater, sum, name("d")), span: .empty)
        let conjunction = Expr(.binary(.and, comparison, Expr(.unary(.not, name("e")), span: .empty)), span: .empty)
        XCTAssertEqual(try expression("a + b * c > d and not e or f"), .binary(.or, conjunction, name("f")))
    }

    func testSubtractionIsLeftAssociative() throws {
        let inner = Expr(.binary(.minus, name("a"), name("b")), span: .empty)
        XCTAssertEqual(try expression("a - b - c"), .binary(.minus, inner, name("c")))
    }

    func testLiteralsWithUnits() throws {
        XCTAssertEqual(try expression("5,000.50 CNY"), .literal(Literal(digits: "5000.50", text: "", unit: .money("CNY"))))
        XCTAssertEqual(try expression("¥10"), .literal(Literal(digits: "10", text: "", unit: .money("¥"))))
        XCTAssertEqual(try expression("10 元"), .literal(Literal(digits: "10", text: "", unit: .money("元"))))
        XCTAssertEqual(try expression("30 days"), .literal(Literal(digits: "30", text: "", unit: .duration(.day))))
        XCTAssertEqual(try expression("1 year"), .literal(Literal(digits: "1", text: "", unit: .duration(.year))))
        XCTAssertEqual(try expression("5%"), .literal(Literal(digits: "5", text: "", unit: .percent)))
        XCTAssertEqual(try expression("1 point per 10 CNY"),
                       .rate(Literal(digits: "1", text: "", unit: .points), per: Literal(digits: "10", text: "", unit: .money("CNY"))))
    }

    func testConditionalMembershipBetweenAndAggregates() throws {
        XCTAssertEqual(try expression("if a then 2 else 1"), .conditional(name("a"), then: literal("2", .none), otherwise: literal("1", .none)))
        let list = Expr(.list([Expr(.string("tax"), span: .empty)]), span: .empty)
        XCTAssertEqual(try expression("c not in [\"tax\"]"), .membership(name("c"), list: list, negated: true))
        XCTAssertEqual(try expression("today between 2025-11-01 and 2025-11-11"),
                       .between(name("today"), low: Expr(.date("2025-11-01"), span: .empty), high: Expr(.date("2025-11-11"), span: .empty)))
        guard case .count(let event, let filter, .this(.month)) = try expression("count(use where benefit == \"x\", this month)") else {
            return XCTFail("not a count")
        }
        XCTAssertEqual(event.name, "use")
        XCTAssertNotNil(filter)
        guard case .sum(_, _, nil, .last(_, beforeToday: true)) = try expression("sum(amount of purchase, last 365 days before today)") else {
            return XCTFail("not a sum over a window before today")
        }
    }

    func testContextualKeywordsCanBeNames() {
        let result = parse("""
            event use { benefit: text }
            event redeem { points: points, bill: money }
            rule r on use { use benefit }
            rule s on redeem { require points >= 500 points else below_minimum redeem points }
            """)
        XCTAssertEqual(result.diagnostics.map(\.message), [])
        XCTAssertEqual(result.policy.declarations.count, 4)
    }

    func testRecoveryReportsEveryError() {
        let result = parse("""
            param a 10 CNY
            parm b = 2
            rule r on purchase {
              earn 10 ponts
              frob
              earn 1 points
            }
            event e { a: money b: text }
            """)
        let file = SourceFile(name: "t.perk", text: "")
        _ = file
        XCTAssertEqual(result.diagnostics.map(\.code.rawValue), ["syntax-error", "syntax-error", "unknown-unit", "syntax-error", "missing-comma"])
        XCTAssertEqual(result.diagnostics[1].help, "did you mean `param`?")
        XCTAssertEqual(result.diagnostics[2].help, "did you mean `points`?")
        // The rule still has its valid statement, the event both fields.
        XCTAssertEqual(result.policy.declarations.count, 2)
    }

    func testMissingBraceIsReportedAtTheBlockWithANote() {
        let result = parse("rule r on purchase {\n  earn 1 points\n\nrule s on purchase {\n  earn 2 points\n}\n")
        XCTAssertEqual(result.diagnostics.map(\.code.rawValue), ["unclosed-block"])
        XCTAssertEqual(result.diagnostics[0].notes.first?.span, SourceSpan(start: 19, end: 20))
        // The next rule is still parsed.
        XCTAssertEqual(result.policy.declarations.count, 1)
    }

    func testChainedComparisonIsAnError() {
        XCTAssertEqual(parse("param x = 1 < 2 < 3").diagnostics.map(\.message), ["comparisons cannot be chained"])
    }
}
