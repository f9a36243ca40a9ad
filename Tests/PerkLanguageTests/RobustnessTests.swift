import Foundation
import PerkLanguage
import PerkTestSupport
import XCTest

/// No input crashes or hangs the front end: truncations, random bytes, random mutations of valid
/// policies and deep nesting all end in diagnostics. (A crash would take the test process down.)
final class RobustnessTests: XCTestCase {
    /// A small deterministic generator, so a failure can be reproduced from its seed.

    /// Runs every stage that accepts the input, as `perk check` and `perk fmt` would.
    @discardableResult
    private func runFrontEnd(_ text: String) -> CheckResult {
        let file = SourceFile(name: "fuzz.perk", text: text)
        let result = PolicyChecker.check(file)
        _ = DiagnosticRenderer().render(result.diagnostics, in: file)
        if let formatted = Formatter.format(file) {
            XCTAssertNotNil(Formatter.format(SourceFile(name: "fuzz.perk", text: formatted)), "formatted output does not parse:\n\(text)")
        }
        return result
    }

    private func policies() throws -> [String] {
        try TestPaths.perkFiles(under: TestPaths.policies).map { try String(contentsOf: $0, encoding: .utf8) }
    }

    func testEveryTruncationOfEveryPolicy() throws {
        for policy in try policies() {
            let characters = Array(policy)
            for length in stride(from: 0, through: characters.count, by: 3) {
                runFrontEnd(String(characters[..<length]))
            }
        }
    }

    func testRandomBytes() {
        var random = SplitMix64(seed: 42)
        for _ in 0..<400 {
            let length = Int.random(in: 0..<300, using: &random)
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &random) }
            runFrontEnd(String(decoding: bytes, as: UTF8.self))
        }
    }

    func testRandomMutationsOfValidPolicies() throws {
        var random = SplitMix64(seed: 7)
        let fragments = ["{", "}", "(", ")", "[", "]", ",", ":", "=", "if", "else", "then", "rule", "tier", "earn", "1st",
                         "5%", "¥", "\"", "#", "10 CNY", "not", "and", "per", "sum(", "count(", "\n", "金卡", "-", "."]
        for policy in try policies() {
            let original = Array(policy)
            for _ in 0..<150 {
                var text = original
                for _ in 0..<Int.random(in: 1...4, using: &random) {
                    let at = Int.random(in: 0...text.count, using: &random)
                    switch Int.random(in: 0..<3, using: &random) {
                    case 0 where at < text.count:
                        text.removeSubrange(at..<min(text.count, at + Int.random(in: 1...12, using: &random)))
                    case 1:
                        text.insert(contentsOf: fragments.randomElement(using: &random)!, at: at)
                    default:
                        let from = Int.random(in: 0..<text.count, using: &random)
                        let length = min(20, text.count - from)
                        text.insert(contentsOf: text[from..<from + length], at: min(at, text.count))
                    }
                }
                runFrontEnd(String(text))
            }
        }
    }

    func testDeepNestingIsAClearErrorNotAStackOverflow() {
        let depth = 20_000
        let cases = [
            "param x = " + String(repeating: "(", count: depth) + "1" + String(repeating: ")", count: depth),
            "param x = " + String(repeating: "not ", count: depth) + "true",
            "param x = " + String(repeating: "-", count: depth) + "1",
            "param x = " + Array(repeating: "1", count: depth).joined(separator: " + "),
            "param x = " + String(repeating: "[", count: depth),
            "param x = " + String(repeating: "if true then ", count: depth) + "1",
            "event e\nrule r on e {\n" + String(repeating: "if true {\n", count: depth) + String(repeating: "}\n", count: depth) + "}",
            "param x = " + String(repeating: "min(", count: depth),
        ]
        for source in cases {
            let result = runFrontEnd(source)
            XCTAssertTrue(result.diagnostics.contains { $0.code == .tooDeeplyNested }, String(source.prefix(40)))
        }
    }

    func testModerateNestingIsFine() {
        let source = "event join\nparam x = " + String(repeating: "(", count: 40) + "1" + String(repeating: ")", count: 40)
        XCTAssertEqual(runFrontEnd(source).diagnostics.filter(\.isError).map(\.message), [])
    }
}
