import Foundation
import XCTest

/// grammar/perk.ebnf is normative. grammar/perk.lark translates it by hand into a Lark grammar, and
/// grammar/check_grammar.py parses with it: every policy and every fragment in
/// Tests/Golden/grammar-valid must parse, every file in Tests/Golden/parser must fail to parse (at
/// the first position its `# expect:` line gives). This shows the EBNF is a grammar of its own,
/// not a description of whatever the Swift parser happens to do.
final class GrammarAgreementTests: XCTestCase {
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

    private static func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
        try runProcess(URL(fileURLWithPath: "/usr/bin/env"), arguments, in: TestPaths.packageRoot)
    }
}
