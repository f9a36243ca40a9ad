import PerkLanguage
import XCTest

final class CheckerTests: XCTestCase {
    func testReferencePolicyChecksCleanWithoutWarnings() throws {
        let file = try SourceFile(contentsOfFile: TestPaths.policies.appendingPathComponent("harbor-hotel.perk").path)
        let result = PolicyChecker.check(file)
        XCTAssertEqual(result.diagnostics.map { DiagnosticRenderer().render($0, in: file) }, [])
        let policy = try XCTUnwrap(result.policy)
        XCTAssertEqual(policy.name, "Harbor Hotel Rewards")
        XCTAssertEqual(policy.currency, "CNY")
        XCTAssertEqual(policy.timeZone, "Asia/Shanghai")
        XCTAssertEqual(policy.tiers?.levels.map(\.name), ["Regular", "Silver", "Gold", "Diamond"])
        XCTAssertEqual(policy.tiers?.measureType, .money)
        XCTAssertEqual(policy.tiers?.attributeTypes, ["multiplier": .number, "discount": .percent])
        XCTAssertEqual(policy.eventTypes.map(\.name), ["join", "purchase", "refund", "redeem", "referral", "use", "violation", "card_lost"])
        XCTAssertEqual(policy.eventType(named: "refund")?.field("original"), .event("purchase"))
        XCTAssertEqual(policy.parameter(named: "point_value")?.type, .rate(.money, per: .points))
        XCTAssertEqual(policy.parameter(named: "excluded")?.type, .list(.text))
        XCTAssertEqual(policy.benefits.map(\.name.name), ["purchase_discount", "early_checkin", "late_checkout", "concierge", "birthday_cake", "breakfast"])
        XCTAssertEqual(policy.penalties.first?.steps.map(\.ordinal), [1, 2, 3])
    }

    private func codes(_ source: String) -> [String] {
        PolicyChecker.check(source: "currency CNY\nevent purchase { amount: money, category: text }\n" + source).diagnostics.map(\.code.rawValue)
    }

    func testUnitArithmetic() {
        XCTAssertEqual(codes("rule r on purchase { earn floor(amount * 1 point per 10 CNY) }"), [])
        XCTAssertEqual(codes("rule r on purchase { earn floor(amount / 10 CNY) }"), ["type-mismatch"])  // a number, not points
        XCTAssertEqual(codes("rule r on purchase { if amount > 5% + amount { cancel } }"), ["unit-mismatch"])
        XCTAssertEqual(codes("rule r on purchase { if amount > 500 points { cancel } }"), ["type-mismatch"])
        XCTAssertEqual(codes("rule r on purchase { charge 5% * amount }"), [])
        XCTAssertEqual(codes("rule r on purchase { if today > 30 days { cancel } }"), ["type-mismatch"])
        XCTAssertEqual(codes("rule r on purchase { if today - 30 days > 2024-01-01 { cancel } }"), [])
        XCTAssertEqual(codes("rule r on purchase { if today > 2023-02-29 { cancel } }"), ["invalid-date"])
    }

    func testOneMistakeIsReportedOnce() {
        // `amont` is unknown; everything computed from it is not reported again.
        XCTAssertEqual(codes("rule r on purchase { let x = floor(amont * 2) + 1 points\n earn min(x, 10 points) }"), ["unknown-name"])
    }

    func testParametersAreConstantsAndOrdered() {
        XCTAssertEqual(codes("param a = b\nparam b = 1 points\nrule r on purchase { earn a + b }"), ["defined-later"])
        XCTAssertEqual(codes("param a = balance\nrule r on purchase { earn a }"), ["not-constant"])
    }

    func testWarningsDoNotBlockThePolicy() {
        let result = PolicyChecker.check(source: "currency CNY\nparam spare = 3 days\nevent e\nrule r on e { cancel }")
        XCTAssertEqual(result.diagnostics.map(\.code.rawValue), ["unused-parameter"])
        XCTAssertEqual(result.diagnostics.first?.severity, .warning)
        XCTAssertNotNil(result.policy)
    }
}

final class DocumentationTests: XCTestCase {
    func testReadmeDocumentsEveryDiagnosticCode() throws {
        let readme = try String(contentsOf: TestPaths.packageRoot.appendingPathComponent("README.md"), encoding: .utf8)
        for code in DiagnosticCode.allCases {
            XCTAssertTrue(readme.contains("| `\(code.rawValue)` | \(code.summary) |"), "README.md does not document `\(code.rawValue)`")
        }
    }
}

final class BenefitCheckTests: XCTestCase {
    func testLimitsMayDependOnTheMembersTier() {
        let source = """
            currency CNY
            measure visits = count(use, this year)
            tiers by visits {
              tier Basic { lounge: 0 }
              tier Gold at 10 { lounge: 6 }
            }
            event use { benefit: text }
            benefit lounge for tier >= Gold limit tier.lounge per year
            rule visit on use { use benefit }
            """
        XCTAssertEqual(PolicyChecker.check(source: source).diagnostics.map(\.message), [])
    }

    func testLimitMustBeACount() {
        let source = "currency CNY\nbenefit spa limit 2 days per month\n"
        XCTAssertEqual(PolicyChecker.check(source: source).diagnostics.map(\.code), [.typeMismatch])
    }
}

final class ReviewRegressionTests: XCTestCase {
    private func messages(_ source: String) -> [String] {
        PolicyChecker.check(source: source).diagnostics.map(\.message)
    }

    func testTierAttributesMayBeReadAboveTheTiers() {
        XCTAssertEqual(messages("""
            currency CNY
            event purchase { amount: money }
            benefit lounge for tier >= B value tier.gift limit tier.visits per year
            rule r on purchase { earn floor(amount * 1 point per 10 CNY * tier.m) }
            tiers by sum(amount of purchase, this year) {
              tier A { m: 1, gift: 0 CNY, visits: 0 }
              tier B at 5 CNY { m: 2, gift: 5 CNY, visits: 2 }
            }
            """), [])
    }

    func testDividingByARateConverts() {
        // 50 CNY ÷ (10 CNY per 100 points) = 500 points; 500 CNY ÷ 100 points is a rate.
        XCTAssertEqual(messages("""
            currency CNY
            param point_value = 10 CNY per 100 points
            event redeem { points: points, bill: money }
            rule r on redeem {
              require floor(bill / point_value) >= points else too_much
              require bill / points >= point_value else too_little
              redeem points
            }
            """), [])
    }

    func testConstantMistakes() {
        let codes = PolicyChecker.check(source: """
            currency CNY
            param rate = 1 point per 0 CNY
            param half = 10 CNY / 0
            event violation { kind: text }
            penalty p on violation within 0 days { 1st: warn }
            benefit spa limit 2.5 per month
            expire lots -12 months after earning
            rule r on violation { earn floor(half * rate) }
            """).diagnostics.map { "\($0.code.rawValue): \($0.message)" }
        XCTAssertEqual(codes, [
            "type-mismatch: division by zero: a rate per 0 money means nothing",
            "type-mismatch: division by zero",
            "type-mismatch: the counting window must be longer than zero",
            "type-mismatch: a limit counts uses, so it is a whole number, not 2.5",
            "type-mismatch: the lifetime of a lot must be longer than zero",
        ])
    }

    func testAMissingReasonDoesNotSwallowTheNextStatement() {
        let result = Parser.parse(SourceFile(name: "t", text: "rule r on e {\n  require true else\n  cancel\n}\n"))
        XCTAssertEqual(result.diagnostics.map(\.message), ["expected a reason code such as `below_minimum`, found the statement `cancel`"])
    }
}
