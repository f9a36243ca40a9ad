import ArgumentParser
import Foundation
import PerkConfig
import PerkLanguage
import PerkTesting

struct Test: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run policy tests (*.test.yaml): each event's outcome and each member's state against what the test expects.",
        discussion: """
            Prints each failure with what was expected, what happened and the rule trace of the event, then \
            "N passed, N failed" and the rules of each policy that no test exercised. Exits 0 when every test passes, \
            1 when any fails (or a test file has a mistake), 2 when a path cannot be read. docs/policy-tests.md describes \
            the format.
            """)

    @OptionGroup var configuration: ConfigOption

    @Argument(help: "Test files, or directories to search for *.test.yaml (default: the configuration's folder, or the working directory).")
    var paths: [String] = []

    @Option(help: "Run only the tests whose names contain this text (case-insensitive).")
    var filter: String?

    func run() throws {
        let search = paths.isEmpty
            ? [try configuration.load().map { URL(fileURLWithPath: $0.file).deletingLastPathComponent().path } ?? "."]
            : paths
        let files: [String]
        do {
            files = try PolicyTestRunner.files(in: search)
        } catch {
            printError("\(error)")
            throw ExitCode.runFailed
        }
        guard !files.isEmpty else {
            printError("error: no *.test.yaml files in " + search.joined(separator: ", "))
            throw ExitCode.runFailed
        }
        var passed = 0, failed = 0, broken = 0
        var suites: [PolicyTestFile] = []
        for path in files {
            do {
                suites.append(try PolicyTestFile.load(path))
            } catch {
                printError("\(error)")
                broken += 1
            }
        }
        let tests = suites.flatMap(\.tests)
        let selected = tests.filter { PolicyTestRunner.selects($0, filter: filter) }
        if selected.isEmpty, !tests.isEmpty, let filter {
            // A filter that matches nothing is a mistake in the command, not a run that passed.
            let names = tests.map(\.name)
            let hint = Suggestions.didYouMean(filter, among: names)
                ?? "the tests are named " + names.prefix(5).map { "`\($0)`" }.joined(separator: ", ") + (names.count > 5 ? ", … (\(names.count) in all)" : "")
            printError("error: --filter `\(filter)` selects no test: no test's name contains it; \(hint)")
            throw ExitCode.validationFailure
        }
        // Rules exercised, by policy, over every file that tests it.
        var rules: [String: [String]] = [:]
        var exercised: [String: Set<String>] = [:]
        for suite in suites {
            let path = suite.path
            let result: PolicyTestRunner.FileResult
            do {
                result = try PolicyTestRunner.run(suite, filter: filter)
            } catch {
                printError("\(error)")
                broken += 1
                continue
            }
            for test in result.results {
                if test.passed {
                    passed += 1
                    print("PASS \(path):\(test.line) \(test.test)")
                    continue
                }
                failed += 1
                print("FAIL \(path):\(test.line) \(test.test)")
                for failure in test.failures {
                    print("  \(failure.subject)")
                    if let expected = failure.expected, let actual = failure.actual {
                        print("    expected \(expected)")
                        print("    got      \(actual)")
                    }
                    if !failure.trace.isEmpty {
                        print("    rule trace:")
                        for line in failure.trace { print("      \(line)") }
                    }
                }
            }
            rules[result.policy] = result.rules
            exercised[result.policy, default: []].formUnion(Set(result.rules).subtracting(result.unexercised))
        }
        print("")
        print("\(passed) passed, \(failed) failed" + (broken > 0 ? ", \(broken) test file\(broken == 1 ? "" : "s") could not be read" : ""))
        for (policy, all) in rules.sorted(by: { $0.key < $1.key }) where selected.count == tests.count && !all.isEmpty {
            let missed = all.filter { !(exercised[policy]?.contains($0) ?? false) }
            print("rule coverage: \(policy): " + (missed.isEmpty
                ? "every rule exercised (\(all.count) of \(all.count))"
                : "\(all.count - missed.count) of \(all.count) rules exercised; no test fires " + missed.map { "`\($0)`" }.joined(separator: ", ")))
        }
        if failed > 0 || broken > 0 { throw ExitCode.policyInvalid }
    }
}
