import Foundation
import PerkLanguage
import XCTest

/// Golden files: every `Tests/Golden/{parser,checker}/<area>/<scenario>.perk` has exactly one
/// sibling `.err` holding the diagnostics `perk check` prints for it. A missing `.err` fails;
/// `PERK_UPDATE_GOLDEN=1 swift test --filter GoldenTests` rewrites them (review the diff!).
final class GoldenTests: XCTestCase {
    static let update = ProcessInfo.processInfo.environment["PERK_UPDATE_GOLDEN"] == "1"

    func testParserCorpusReportsSyntaxErrors() throws {
        try checkGoldenFiles(in: "parser") { result, name in
            XCTAssertTrue(result.diagnostics.contains { $0.isError && $0.code.isSyntax },
                          "\(name) is in the syntax-error corpus but has no syntax error")
        }
    }

    func testCheckerCorpusReportsSemanticErrors() throws {
        try checkGoldenFiles(in: "checker") { result, name in
            XCTAssertFalse(result.diagnostics.contains { $0.code.isSyntax },
                           "\(name) is in the checker corpus but does not parse")
            XCTAssertFalse(result.diagnostics.isEmpty, "\(name) is in the checker corpus but checks clean")
        }
    }

    func testGrammarSamplesParse() throws {
        let directory = TestPaths.golden.appendingPathComponent("grammar-valid")
        let files = TestPaths.perkFiles(under: directory)
        XCTAssertFalse(files.isEmpty)
        for url in files {
            let parsed = Parser.parse(try SourceFile(contentsOfFile: url.path))
            XCTAssertEqual(parsed.diagnostics.filter(\.isError).map(\.message), [], url.lastPathComponent)
        }
    }

    private func checkGoldenFiles(in stage: String, _ extra: (CheckResult, String) -> Void) throws {
        let directory = TestPaths.golden.appendingPathComponent(stage)
        let files = TestPaths.perkFiles(under: directory)
        XCTAssertFalse(files.isEmpty, "no golden files in \(directory.path)")
        for url in files {
            let name = TestPaths.relative(url, to: TestPaths.golden)
            let source = try String(contentsOf: url, encoding: .utf8)
            let file = SourceFile(name: name, text: source)
            let result = PolicyChecker.check(file)
            let actual = DiagnosticRenderer().render(result.diagnostics, in: file)
            let expectedURL = url.deletingPathExtension().appendingPathExtension("err")
            extra(result, name)
            if Self.update {
                try actual.write(to: expectedURL, atomically: true, encoding: .utf8)
                continue
            }
            guard let expected = try? String(contentsOf: expectedURL, encoding: .utf8) else {
                XCTFail("\(name): no expected diagnostics file \(expectedURL.lastPathComponent); run with PERK_UPDATE_GOLDEN=1 and review it")
                continue
            }
            XCTAssertEqual(actual, expected, "\(name): diagnostics differ from \(expectedURL.lastPathComponent)")
        }
    }
}
