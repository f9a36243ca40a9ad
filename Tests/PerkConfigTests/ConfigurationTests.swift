import Foundation
import PerkConfig
import PerkEngine
import PerkLanguage
import XCTest

/// perk.yaml read strictly: every mistake at its line and column, parameter values of the
/// policy's units applied, the input mapping checked against the policy and applied.
final class ConfigurationTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let harbor = root.appendingPathComponent("policies/harbor-hotel.perk").path

    private func parse(_ yaml: String) throws -> Configuration {
        try Configuration.parse(yaml, file: Self.root.appendingPathComponent("perk.yaml").path)
    }

    /// The error a configuration gives, with its file name shortened to `perk.yaml`.
    private func error(_ yaml: String, compile: Bool = false, file: StaticString = #filePath, line: UInt = #line) -> String {
        do {
            let configuration = try parse(yaml)
            if compile { _ = try configuration.policy.compile().get() }
            XCTFail("no error", file: file, line: line)
            return ""
        } catch let error as ConfigError {
            return "\(error)".replacingOccurrences(of: Self.root.path + "/", with: "")
        } catch {
            XCTFail("not a configuration error: \(error)", file: file, line: line)
            return ""
        }
    }

    func testAFullConfiguration() throws {
        let configuration = try parse("""
            policy: policies/harbor-hotel.perk
            currency: CNY
            timezone: Europe/Paris
            parameters:
              earn_rate: 2 points per 10 CNY
              silver_spend: "6,000 CNY"
            input:
              events: data/events.csv
              members: data/members.csv
              format: csv
              columns: {member: card_no, date: booked}
              types: {SALE: purchase, RETURN: refund}
              ignore: [store]
              date_format: DD/MM/YYYY
            simulate:
              as_of: 2026-01-01
              compare:
                parameters:
                  earn_rate: 1 point per 10 CNY
              out: results
              format: json
              on_error: skip
              jobs: 2
            """)
        XCTAssertEqual(configuration.policy.path, Self.harbor.replacingOccurrences(of: FileManager.default.currentDirectoryPath + "/", with: ""))
        XCTAssertEqual(configuration.policy.settings.parameters, [ParameterOverride(name: "earn_rate", text: "2 points per 10 CNY"),
                                                                  ParameterOverride(name: "silver_spend", text: "6,000 CNY")])
        XCTAssertEqual(configuration.policy.settings.timeZone, "Europe/Paris")
        XCTAssertEqual(configuration.input.mapping.columns, ["member": "card_no", "date": "booked"])
        XCTAssertEqual(configuration.input.mapping.types, ["SALE": "purchase", "RETURN": "refund"])
        XCTAssertEqual(configuration.input.mapping.ignored, ["store"])
        XCTAssertEqual(configuration.input.mapping.dateFormat?.date("29/02/2024"), CivilDate(year: 2024, month: 2, day: 29))
        XCTAssertEqual(configuration.simulate.asOf, CivilDate(year: 2026, month: 1, day: 1))
        XCTAssertEqual(configuration.simulate.compare?.path, configuration.policy.path)
        XCTAssertEqual(configuration.simulate.compare?.settings.parameters, [ParameterOverride(name: "earn_rate", text: "1 point per 10 CNY")])
        XCTAssertEqual(configuration.simulate.jobs, 2)
        XCTAssertEqual(configuration.simulate.onError, "skip")

        // The overrides apply: twice the earning rate. The policy declares its own time zone, which
        // the configuration's (a default) does not replace.
        let policy = try configuration.policy.compile().get()
        XCTAssertEqual(policy.checked.timeZone, "Asia/Shanghai")
        var member = policy.newMember(id: "M1")
        let purchase = InputEvent(id: "e1", date: CivilDate(year: 2024, month: 1, day: 10)!, member: "M1", type: "purchase",
                                  fields: ["amount": .money(ExactNumber(1234)), "category": .text("room")],
                                  location: InputLocation(file: "t", line: 2))
        _ = policy.apply(purchase, to: &member)
        // floor(1234 × 2 / 10) = 246 points (123 at the policy's own rate).
        XCTAssertEqual(member.balance, ExactNumber(246))
        try configuration.input.check(against: policy.checked)
    }

    func testEveryMistakeIsReportedWhereItIs() {
        XCTAssertEqual(error("policy: policies/harbor-hotel.perk\nsimulate:\n  jbos: 2\n"),
                       "perk.yaml:3:3: error: simulate.jbos: unknown key; did you mean `jobs`?")
        XCTAssertEqual(error("policy: policies/harbor-hotel.perk\nsimulate:\n  jobs: two\n"),
                       "perk.yaml:3:9: error: simulate.jobs: expected a whole number from 1 to 1024, found `two`")
        XCTAssertEqual(error("policy: policies/harbor-hotel.perk\nsimulate:\n  on_error: skipp\n"),
                       "perk.yaml:3:13: error: simulate.on_error: expected one of `fail`, `skip`, found `skipp`; did you mean `skip`?")
        XCTAssertEqual(error("input:\n  events: e.csv\n"),
                       "perk.yaml:1:1: error: policy: missing; name the policy file, as in `policy: policies/harbor-hotel.perk`")
        XCTAssertEqual(error("policy: [a, b]\n"), "perk.yaml:1:9: error: policy: expected a policy file, found a list")
        XCTAssertEqual(error("policy: policies/harbor-hotl.perk\n"),
                       "perk.yaml:1:9: error: policy: there is no policy file `policies/harbor-hotl.perk`; paths are relative to the folder of perk.yaml")
        XCTAssertEqual(error("policy: policies/harbor-hotel.perk\ntimezone: Asia/Shangai\n"),
                       "perk.yaml:2:11: error: timezone: unknown time zone `Asia/Shangai`; did you mean `Asia/Shanghai`?")
        XCTAssertEqual(error("policy: policies/harbor-hotel.perk\ncurrency: RMB\n"), "perk.yaml:2:11: error: currency: `RMB` is not an ISO 4217 currency code; the renminbi's code is `CNY`")
        XCTAssertEqual(error("policy: policies/harbor-hotel.perk\ninput:\n  date_format: DD/MM\n"),
                       "perk.yaml:3:16: error: input.date_format: `DD/MM` is not a date format; use YYYY, MM and DD once each, as in `DD/MM/YYYY` or `YYYYMMDD`")
        XCTAssertEqual(error("policy: p.perk\npolicy: q.perk\n"), "perk.yaml:1:1: error: the key `policy` is given twice; keep one")
        XCTAssertTrue(error("policy: p.perk\n  - x: [\n").hasPrefix("perk.yaml:2:"))
    }

    /// A YAML list is the Perk list of its items (it was "expected a value in Perk's notation").
    func testAYAMLListIsAPerkList() throws {
        let configuration = try parse("policy: policies/harbor-hotel.perk\nparameters:\n  excluded: [deposit, tax, gift_card]\n")
        XCTAssertEqual(configuration.policy.settings.parameters, [ParameterOverride(name: "excluded", text: "[\"deposit\", \"tax\", \"gift_card\"]")])
        let checked = try configuration.policy.check()
        XCTAssertFalse(checked.hasErrors)
        XCTAssertEqual(checked.policy?.parameterOverrides.map(\.name), ["excluded"])
        XCTAssertTrue(error("policy: policies/harbor-hotel.perk\nparameters:\n  gold_spend: [1, 2]\n", compile: true).contains("parameters.gold_spend"))
    }

    /// Inside `{ }` a comma separates entries: `20,000 CNY` there is cut in two, which is said at
    /// the cut (it was "the policy declares no such parameter" for a parameter `000 CNY`).
    func testANumberCutAtItsCommaInBracesIsSaid() throws {
        let cut = "policy: policies/harbor-hotel.perk\nsimulate:\n  compare: {parameters: {gold_spend: 20,000 CNY}}\n"
        XCTAssertEqual(error(cut), "perk.yaml:3:41: error: simulate.compare.parameters: `20,000 CNY` was read as two entries: inside `{ }` "
                       + "a comma separates entries; write the number without its comma (`20000 CNY`), in quotes (`\"20,000 CNY\"`), or the mapping one entry a line")
        XCTAssertTrue(error("policy: policies/harbor-hotel.perk\nparameters: {gold_spend: 30,000 CNY, silver_spend: 6,000 CNY}\n")
            .hasSuffix("the key `000 CNY` is given twice; keep one (if it is the end of a number such as `30,000 CNY` in `{ }`, "
                       + "where a comma separates entries: write the number without its comma, or in quotes)"))
        // Quoted, or one entry a line, the comma is the number's.
        let quoted = try parse("policy: policies/harbor-hotel.perk\nsimulate:\n  compare: {parameters: {gold_spend: \"20,000 CNY\"}}\n")
        let block = try parse("policy: policies/harbor-hotel.perk\nsimulate:\n  compare:\n    parameters:\n      gold_spend: 20,000 CNY\n")
        XCTAssertEqual(quoted.simulate.compare?.settings.parameters.map(\.text), ["20,000 CNY"])
        XCTAssertEqual(block.simulate.compare?.settings.parameters.map(\.text), ["20,000 CNY"])
    }

    func testParameterValuesMustHaveTheParametersUnits() {
        let base = "policy: policies/harbor-hotel.perk\nparameters:\n"
        XCTAssertEqual(error(base + "  silver_spend: 6000 points\n", compile: true),
                       "perk.yaml:3:17: error: parameters.silver_spend: the policy's `silver_spend` is money, but this value is points; write money with its currency, as in `10 CNY` or `¥10`")
        XCTAssertEqual(error(base + "  silver_spnd: 6,000 CNY\n", compile: true),
                       "perk.yaml:3:3: error: parameters.silver_spnd: the policy declares no such parameter; did you mean `silver_spend`?")
        // The column points into the value: `per` needs what follows it.
        XCTAssertEqual(error(base + "  earn_rate: \"1 point per\"\n", compile: true).prefix(41), "perk.yaml:3:23: error: parameters.earn_ra")
        XCTAssertEqual(error("policy: policies/harbor-hotel.perk\nparamters: {}\n"), "perk.yaml:2:1: error: paramters: unknown key; did you mean `parameters`?")
    }

    func testTheInputMappingIsCheckedAgainstThePolicy() throws {
        let policy = try XCTUnwrap(try? CompiledPolicy.compile(SourceFile(contentsOfFile: Self.harbor)).get())
        for (yaml, expected) in [
            ("  columns: {membr: card}\n", "perk.yaml:4:13: error: input.columns.membr: no event has a field `membr`; did you mean `member`?"),
            ("  types: {SALE: purchse}\n", "perk.yaml:4:17: error: input.types.SALE: the policy declares no event type `purchse`; did you mean `purchase`?"),
            ("  columns: {member: card, id: card}\n", "perk.yaml:4:13: error: input.columns.member: `card` is already the column of `id`; give each field its own column"),
        ] {
            do {
                try parse("policy: policies/harbor-hotel.perk\n\ninput:\n" + yaml).input.check(against: policy.checked)
                XCTFail("no error for \(yaml)")
            } catch let error as ConfigError {
                XCTAssertEqual("\(error)".replacingOccurrences(of: Self.root.path + "/", with: ""), expected)
            }
        }
    }

    /// A file in another layout: renamed columns, type codes, an ignored column, day-first dates.
    func testAMappedFileReadsAsPerksOwn() throws {
        let policy = try CompiledPolicy.compile(SourceFile(contentsOfFile: Self.harbor)).get()
        let mapping = try parse("""
            policy: policies/harbor-hotel.perk
            input:
              columns: {id: txn, member: card_no, date: booked, type: kind, amount: total}
              types: {SALE: purchase}
              ignore: [store]
              date_format: DD/MM/YYYY
            """).input.mapping
        let text = "txn,booked,card_no,kind,total,category,store\nt1,29/02/2024,C9,SALE,100.50,room,S1\nt2,30/02/2024,C9,SALE,1.00,room,S1\n"
        let results = EventFileReader.readAll(Array(text.utf8), format: .csv, file: "in.csv",
                                              decoder: EventDecoder(policy: policy.checked, mapping: mapping), jobs: 1)
        XCTAssertEqual(results.count, 2)
        let event = try results[0].get()
        XCTAssertEqual([event.id, event.member, event.type], ["t1", "C9", "purchase"])
        XCTAssertEqual(event.date, CivilDate(year: 2024, month: 2, day: 29))
        XCTAssertEqual(event.fields["amount"], .money(ExactNumber(numerator: 201, denominator: 2)!))
        guard case .failure(let error) = results[1] else { return XCTFail("30/02/2024 read as a date") }
        XCTAssertEqual("\(error)", "in.csv:3: booked: `30/02/2024` is not a date; write it as DD/MM/YYYY")
    }
}
