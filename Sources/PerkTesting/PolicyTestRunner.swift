import Foundation
import PerkConfig
import PerkEngine
import PerkLanguage

/// Runs policy tests and says what failed, with what was expected, what happened, and the rule
/// trace of the event; and which rules of each policy no test exercised.
public enum PolicyTestRunner {
    /// One test's result: nothing in `failures` means it passed.
    public struct TestResult: Sendable {
        public let file: String
        public let test: String
        public let line: Int
        public let failures: [Failure]
        public var passed: Bool { failures.isEmpty }
    }

    /// An expectation not met.
    public struct Failure: Sendable, CustomStringConvertible {
        /// `e3.deducted`, `M1.balance as of 2024-05-02`, or what could not be run.
        public let subject: String
        public let expected: String?
        public let actual: String?
        /// The rule trace of the event concerned.
        public let trace: [String]

        public var description: String {
            guard let expected, let actual else { return subject }
            return "\(subject): expected \(expected), got \(actual)"
        }
    }

    /// A file's results and its policy's rules no test exercised (fired in).
    public struct FileResult: Sendable {
        public let file: String
        public let policy: String
        public let results: [TestResult]
        public let rules: [String]
        public let unexercised: [String]
    }

    /// Whether `filter` selects `test`: its name contains the text, ignoring case. Every name
    /// contains the empty text, so `--filter "$FILTER"` with the variable empty runs everything.
    public static func selects(_ test: PolicyTest, filter: String?) -> Bool {
        guard let filter, !filter.isEmpty else { return true }
        return test.name.localizedCaseInsensitiveContains(filter)
    }

    /// Runs the tests of a file that `filter` selects (all when nil). The policy's own errors
    /// fail every test.
    public static func run(_ file: PolicyTestFile, filter: String? = nil) throws -> FileResult {
        let tests = file.tests.filter { selects($0, filter: filter) }
        let policy: CompiledPolicy
        switch try file.policy.compile() {
        case .success(let compiled): policy = compiled
        case .failure(let failure):
            let failure = Failure(subject: "the policy \(file.policy.path) does not compile:\n\(failure)", expected: nil, actual: nil, trace: [])
            return FileResult(file: file.path, policy: file.policy.path,
                              results: tests.map { TestResult(file: file.path, test: $0.name, line: $0.line, failures: [failure]) },
                              rules: [], unexercised: [])
        }
        var fired: Set<String> = []
        let results = tests.map { test in
            TestResult(file: file.path, test: test.name, line: test.line, failures: run(test, file: file.path, policy: policy, fired: &fired))
        }
        let rules = policy.checked.rules.map(\.name.name) + policy.checked.penalties.map(\.name.name)
        return FileResult(file: file.path, policy: file.policy.path, results: results, rules: rules, unexercised: rules.filter { !fired.contains($0) })
    }

    static func run(_ test: PolicyTest, file: String, policy: CompiledPolicy, fired: inout Set<String>) -> [Failure] {
        let decoder = EventDecoder(policy: policy.checked)
        var failures: [Failure] = []
        var events: [(event: InputEvent, expect: [(key: String, value: Expected)])] = []
        var directory = EventDirectory()
        for row in test.events {
            switch decoder.decode(row.cells, at: InputLocation(file: file, line: row.line)) {
            case .success(let event):
                events.append((event, row.expect))
                directory.record(event)
            case .failure(let error):
                failures.append(Failure(subject: "the event on line \(row.line) does not read: \(error)", expected: nil, actual: nil, trace: []))
            }
        }
        guard failures.isEmpty else { return failures }
        var members: [String: MemberState] = [:]
        for (id, start) in test.start {
            var tier = 0
            if let name = start.tier {
                guard let rank = policy.tierNames.firstIndex(of: name) else {
                    return [Failure(subject: "\(id) starts at tier `\(name)`, which the policy does not have (it has \(policy.tierNames.joined(separator: ", ")))",
                                    expected: nil, actual: nil, trace: [])]
                }
                tier = rank
            }
            members[id] = policy.openingMember(id: id, birthday: start.birthday, tier: tier, tierReached: start.tierReached,
                                               status: start.status, lots: start.lots)
        }
        // Each member's events in date order, same date in file order; none on or after the as-of day.
        let last = events.map(\.event.date).max()
        guard let asOf = test.asOf ?? last?.adding(days: 1) else {
            return [Failure(subject: "the test has no events; give `as_of`", expected: nil, actual: nil, trace: [])]
        }
        let ordered = events.inDateOrder(\.event.date)
        var scheduled: [String: [Outcome]] = [:]
        for (event, expect) in ordered {
            guard event.date < asOf else {
                if !expect.isEmpty {
                    failures.append(Failure(subject: "\(event.id) is dated on or after the as-of day \(asOf), so it is not applied and its expectations cannot be checked",
                                            expected: nil, actual: nil, trace: []))
                }
                continue
            }
            var member = members[event.member] ?? policy.newMember(id: event.member)
            let outcomes = policy.apply(event, to: &member, trace: true, directory: directory)
            members[event.member] = member
            scheduled[event.member, default: []] += outcomes.dropLast()
            let outcome = outcomes.last!
            for trace in outcome.trace where trace.fired { fired.insert(trace.rule) }
            let observed = Observation.event(outcome, member: member, policy: policy)
            let trace = outcome.trace.map { "\($0.rule): " + ($0.fired ? "fired" : "did not fire") + ($0.seen.isEmpty ? "" : " (" + $0.seen.joined(separator: ", ") + ")") }
                + (outcome.rejection.map { ["refused: \($0.code)" + ($0.message.map { " (\($0))" } ?? "")] } ?? [])
            for (key, value) in expect where !(observed[key]?.matches(value) ?? false) {
                failures.append(Failure(subject: "\(event.id) (\(event.date) \(event.type)).\(key)", expected: value.description,
                                        actual: observed[key]?.description ?? "nothing", trace: trace))
            }
        }
        for (id, expected) in test.members.sorted(by: { $0.key < $1.key }) {
            guard var member = members[id] else {
                failures.append(Failure(subject: "\(id): no event of the test names this member", expected: nil, actual: nil, trace: []))
                continue
            }
            scheduled[id, default: []] += policy.advance(&member, to: asOf)
            let observed = Observation.member(member, scheduled: scheduled[id] ?? [], policy: policy, asOf: asOf)
            for (key, value) in expected where !(observed[key]?.matches(value) ?? false) {
                failures.append(Failure(subject: "\(id).\(key) as of \(asOf)", expected: value.description, actual: observed[key]?.description ?? "nothing", trace: []))
            }
        }
        return failures
    }

    /// The test files under `paths`: files as given, directories searched for `*.test.yaml`.
    public static func files(in paths: [String]) throws -> [String] {
        var files: [String] = []
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw ConfigError(file: path, line: 1, column: 1, path: "", message: "no such file or directory")
            }
            guard isDirectory.boolValue else {
                files.append(path)
                continue
            }
            // Hidden folders (.build, .git) are not searched.
            let base = path.hasSuffix("/") ? path : path + "/"
            let root = URL(fileURLWithPath: path).standardizedFileURL.path + "/"
            let found = FileManager.default.enumerator(at: URL(fileURLWithPath: path), includingPropertiesForKeys: nil, options: [.skipsHiddenFiles])?
                .compactMap { ($0 as? URL)?.standardizedFileURL.path } ?? []
            files += found.filter { $0.hasSuffix(".test.yaml") && $0.hasPrefix(root) }.map { base + String($0.dropFirst(root.count)) }.sorted()
        }
        return files
    }
}
