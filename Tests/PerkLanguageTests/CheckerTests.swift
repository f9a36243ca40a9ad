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
        let source = "currency CNY\nevent use { benefit: text }\nbenefit spa limit 2 days per month\n"
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

/// What an operator's exploratory test found `perk check` passing, though the policy then fails
/// at every event: each is now said where it is written.
final class PolicyThatCannotRunTests: XCTestCase {
    /// Each diagnostic as `line:column code: message`.
    private func diagnostics(_ source: String, settings: PolicySettings = PolicySettings()) -> [String] {
        let file = SourceFile(name: "p.perk", text: source)
        return PolicyChecker.check(file, settings: settings).diagnostics.filter(\.isError).map {
            let place = file.location(of: $0.span.start)
            return "\(place.line):\(place.column) \($0.code.rawValue): \($0.message)"
        }
    }

    func testAPolicyMustDeclareEvents() {
        let none = ["1:1 no-events: the policy declares no event types, so no event can be applied to it"]
        XCTAssertEqual(diagnostics(""), none)
        XCTAssertEqual(diagnostics("policy \"Cut short\" version 1\ncurrency CNY\nparam earn_rate = 1 point per 10 CNY\n"), none)
        // An event declared but refused is reported once, as itself.
        XCTAssertEqual(diagnostics("event any\n"), ["1:7 duplicate-name: `any` cannot name an event type: `rule ... on any` means every event"])
    }

    func testNegativeAmountsAndDurationsAreRefusedWhereWritten() {
        XCTAssertEqual(diagnostics("""
            currency CNY
            param bonus = -200 points
            param spend_window = -12 months
            event purchase { amount: money }
            event violation
            rule r on purchase {
              earn bonus
              earn 0 points
              deduct -5 points
              charge -20 CNY as fee
              if sum(amount of purchase, last spend_window) > 0 CNY { earn 1 point }
            }
            rule v on violation { freeze for -3 days }
            """), [
                "7:8 type-mismatch: the points earned cannot be negative",
                "9:10 type-mismatch: the points deducted cannot be negative",
                "10:10 type-mismatch: a fee cannot be negative",
                "11:35 type-mismatch: a window's length must be longer than zero",
                "13:34 type-mismatch: the length of a freeze must be longer than zero",
            ])
        // Set so by a deployment's configuration, the value is refused at its use.
        let policy = "event referral\nparam referral_bonus = 200 points\nrule r on referral { earn referral_bonus }\n"
        XCTAssertEqual(diagnostics(policy), [])
        XCTAssertEqual(diagnostics(policy, settings: PolicySettings(parameters: [ParameterOverride(name: "referral_bonus", text: "-200 points")])),
                       ["3:27 type-mismatch: the points earned cannot be negative"])
    }

    /// An error that only a configuration's value gives says so: its place in the policy, where
    /// the policy's own value is fine, does not show it.
    func testAnErrorFromAConfiguredValueSaysWhereTheValueComesFrom() {
        let file = SourceFile(name: "p.perk", text: """
            currency CNY
            event purchase { amount: money }
            param silver_spend = 5,000 CNY
            param gold_spend = 20,000 CNY
            tiers by sum(amount of purchase, last 12 months) {
              tier Regular
              tier Silver at silver_spend
              tier Gold at gold_spend
            }
            rule r on purchase { upgrade }
            """)
        let own = PolicyChecker.check(file, settings: PolicySettings())
        XCTAssertFalse(own.diagnostics.hasErrors)
        let configured = PolicyChecker.check(file, settings: PolicySettings(parameters: [ParameterOverride(name: "gold_spend", text: "2,000 CNY")]))
        XCTAssertEqual(configured.diagnostics.filter(\.isError).map { $0.notes.map(\.message) },
                       [["the policy's own values check clean; here `gold_spend` is 2,000 CNY, as the configuration sets it"]])
        // An error of the policy's own is not put down to the configuration.
        let broken = SourceFile(name: "p.perk", text: file.text.replacingOccurrences(of: "rule r on purchase { upgrade }", with: "rule r on purchase { earn amont }"))
        let ownError = PolicyChecker.check(broken, settings: PolicySettings(parameters: [ParameterOverride(name: "gold_spend", text: "30,000 CNY")]))
        XCTAssertEqual(ownError.diagnostics.filter(\.isError).map(\.notes), [[]])
    }

    func testANumberBeyond36DigitsIsRefusedAtIt() {
        XCTAssertEqual(diagnostics("event join\nparam f = 1000000000000000000000000000000000000 points\nrule r on join { earn f }\n"),
                       ["2:11 number-too-large: `1000000000000000000000000000000000000 points` has more digits than Perk computes exactly (36)"])
        XCTAssertEqual(diagnostics("event join\nparam f = 100000000000000000000000000000000000 points\nrule r on join { earn f }\n"), [])
    }

    func testEveryTextThatCanReachUseIsABenefit() {
        let policy = """
            event use { benefit: text }
            tiers by count(use, this year) {
              tier Gold
              tier Platinum at 10
            }
            benefit lounge_gold for tier == Gold
            benefit lounge_platinum for tier == Platinum
            rule lounge on use where benefit == "lounge" {
              let quota = if tier == Platinum then "lounge_platinum" else "lounge_gld"
              use quota
            }
            rule other on use where benefit != "lounge" {
              use if tier == Gold then ("lounge_gold") else "lounge_platnum"
            }
            rule bare on use { use lounge_gold }
            """
        XCTAssertEqual(diagnostics(policy), [
            "9:63 unknown-benefit: no benefit `lounge_gld` is declared",
            "13:49 unknown-benefit: no benefit `lounge_platnum` is declared",
            "15:24 unknown-name: `lounge_gold` is a benefit, and `use` names it as text",
        ])
    }

    func testAnOverridesCurrencyIsThePolicys() {
        let file = SourceFile(name: "p.perk", text: "currency CNY\nevent purchase { amount: money }\nparam gold_spend = 20,000 CNY\nrule r on purchase { require amount < gold_spend else big }\n")
        let result = PolicyChecker.check(file, settings: PolicySettings(parameters: [ParameterOverride(name: "gold_spend", text: "15,000 USD")]))
        XCTAssertEqual(result.overrideErrors.map(\.message), ["`15,000 USD`: this amount is in USD, but the policy's currency is CNY; write amounts in CNY, as in `10 CNY`"])
    }
}
