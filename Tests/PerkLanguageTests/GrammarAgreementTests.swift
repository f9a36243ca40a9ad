import Foundation
import XCTest

/// grammar/perk.ebnf is normative. grammar/perk.lark translates it by hand into a Lark grammar, and
/// grammar/check_grammar.py parses with it: every policy and every fragment in
/// Tests/Golden/grammar-valid must parse, every file in Tests/Golden/parser must fail to parse (at
/// the first position its `# expect:` line gives). This shows the EBNF is a grammar of its own,
/// not a description of whatever the Swift parser happens to do.
final class GrammarAgreementTests: XCTestCase {
    /// The package root: three levels up from this file (Tests/PerkLanguageTests/GrammarAgreementTests.swift).
    private static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()
        .deletingLastPathComponent()
        .deletingLastPathComponent()

    func testLarkTranslationOfTheEBNFAgreesWithTheGoldenCorpus() throws {
        let probe = try Self.run(["python3", "-c", "import lark"])
        if probe.status != 0 {
            let message = """
                python3 cannot import Lark, which grammar/check_grammar.py needs; install it with \
                `python3 -m pip install -r grammar/requirements.txt`
                """
            if ProcessInfo.processInfo.environment["CI"] != nil {
                XCTFail("\(message) (CI is set, so this fails instead of skipping)\n\(probe.output)")
                return
            }
            throw XCTSkip(message)
        }

        let check = try Self.run(["python3", "grammar/check_grammar.py"])
        if check.status != 0 {
            XCTFail("python3 grammar/check_grammar.py exited with \(check.status):\n\(check.output)")
        }
    }

    /// Runs a command from the package root and returns its exit status and its combined output.
    private static func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.currentDirectoryURL = packageRoot
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        // Read before waiting, so a full pipe cannot block the child.
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
