import Foundation
import PerkConfig
import PerkEngine
import PerkLanguage

/// A file of policy tests (`*.test.yaml`) that operators keep next to their policies: the policy
/// (and parameter values) it tests, and cases — members' starting states, events, and what each
/// event should do and each member hold at the end. docs/policy-tests.md describes the format.
public struct PolicyTestFile: Sendable {
    public let path: String
    public let policy: Configuration.PolicyReference
    public let tests: [PolicyTest]

    /// Reads a test file; a mistake in it is a `ConfigError` at its line and column.
    public static func load(_ path: String) throws -> PolicyTestFile {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw ConfigError(file: path, line: 1, column: 1, path: "", message: "cannot read the file (missing, unreadable or not UTF-8)")
        }
        let root = try ConfigNode.parse(text, file: path)
        let keys = try root.mapping(keys: ["policy", "parameters", "currency", "timezone", "tests"])
        // The policy and its settings are read as a configuration's are.
        let policy = try Configuration.policy(keys, file: path)
        guard let list = keys["tests"] else {
            throw ConfigError(file: path, line: 1, column: 1, path: "tests", message: "missing; list the tests under `tests:`")
        }
        let tests = try list.items("tests").map(PolicyTest.init)
        return PolicyTestFile(path: path, policy: policy, tests: tests)
    }
}

/// One test: members' starting states, events with what each should do, the members' state at
/// the end.
public struct PolicyTest: Sendable {
    public let name: String
    /// Where it starts in its file.
    public let line: Int
    public let start: [String: Start]
    public let events: [Event]
    /// The day the members' state is checked at the start of (default: after the last event).
    public let asOf: CivilDate?
    public let members: [String: [(key: String, value: Expected)]]

    /// A member's state before the first event.
    public struct Start: Sendable {
        public var birthday: Birthday?
        public var tier: String?
        public var tierReached: CivilDate?
        public var status: MemberState.Status = .active
        public var lots: [(points: ExactNumber, earnedOn: CivilDate)] = []
    }

    /// An event of the test, as a row of an event file, and what it should do.
    public struct Event: Sendable {
        public let cells: [String: String]
        public let line: Int
        public let expect: [(key: String, value: Expected)]
    }

    static let defaultMember = "M1"

    init(_ node: ConfigNode) throws {
        let keys = try node.mapping(keys: ["name", "description", "working", "birthday", "start", "events", "as_of", "members"])
        guard let name = keys["name"] else { throw node.error("a test needs a `name`") }
        self.name = try name.text("the test's name")
        line = node.line
        var start: [String: Start] = [:]
        if let birthday = keys["birthday"] {
            // The shorthand: every member's birthday.
            let parsed = try Self.birthday(birthday)
            start[Self.defaultMember] = Start(birthday: parsed)
        }
        if let states = keys["start"] {
            for (member, _, state) in try states.pairs(of: "members and their starting states") {
                start[member] = try Self.start(state, birthday: start[Self.defaultMember]?.birthday)
            }
        }
        guard let events = keys["events"] else { throw node.error("a test needs `events` (a list; it may be empty: `events: []`)") }
        let items = try events.items("events")
        self.events = try items.enumerated().map { index, item in try Self.event(item, index: index) }
        // An id given twice is a mistake in the test (the engine refuses the second event as
        // `duplicate_id`, and a refund naming it is ambiguous): said at the second.
        var firstLine: [String: Int] = [:]
        for (item, event) in zip(items, self.events) {
            guard let id = event.cells["id"] else { continue }
            if let first = firstLine[id] { throw item.error("the id `\(id)` is already given to the event on line \(first); give each event its own id") }
            firstLine[id] = item.line
        }
        if let birthday = start[Self.defaultMember]?.birthday {
            // The shorthand applies to every member the events name.
            for member in Set(self.events.compactMap { $0.cells["member"] }) where start[member] == nil { start[member] = Start(birthday: birthday) }
        }
        self.start = start
        if let asOf = keys["as_of"] {
            let text = try asOf.text("a date (YYYY-MM-DD)")
            guard let date = CivilDate(iso: text) else { throw asOf.error("`\(text)` is not a date; write YYYY-MM-DD") }
            self.asOf = date
        } else {
            asOf = nil
        }
        var members: [String: [(key: String, value: Expected)]] = [:]
        if let expected = keys["members"] {
            for (member, _, state) in try expected.pairs(of: "members and their expected state") {
                members[member] = try Self.expectations(state, keys: Observation.memberKeys)
            }
        }
        self.members = members
    }

    private static func birthday(_ node: ConfigNode) throws -> Birthday? {
        let text = try node.text("a birthday (MM-DD)")
        if ["", "null", "~"].contains(text) { return nil }
        guard let birthday = Birthday(text) else { throw node.error("`\(text)` is not a birthday; write MM-DD or YYYY-MM-DD") }
        return birthday
    }

    private static func date(_ node: ConfigNode) throws -> CivilDate {
        let text = try node.text("a date (YYYY-MM-DD)")
        guard let date = CivilDate(iso: text) else { throw node.error("`\(text)` is not a date; write YYYY-MM-DD") }
        return date
    }

    private static func start(_ node: ConfigNode, birthday: Birthday?) throws -> Start {
        let keys = try node.mapping(keys: ["birthday", "tier", "tier_reached", "status", "frozen_until", "lots", "balance", "balance_earned"])
        var start = Start(birthday: birthday)
        if let birthday = keys["birthday"] { start.birthday = try Self.birthday(birthday) }
        start.tier = try keys["tier"]?.text("a tier of the policy")
        start.tierReached = try keys["tier_reached"].map(date)
        if let status = keys["status"] {
            switch try status.choice(["active", "frozen", "cancelled"]) {
            case "frozen":
                guard let until = keys["frozen_until"] else { throw status.error("a frozen member needs `frozen_until` (the day the freeze ends)") }
                start.status = .frozen(until: try date(until))
            case "cancelled": start.status = .cancelled
            default: break
            }
        }
        // What a starting state cannot be (they were accepted, and summed or ignored): said.
        if let until = keys["frozen_until"], case .active = start.status {
            throw until.error("`frozen_until` is for a frozen member: give `status: frozen` too, or leave it out")
        }
        if let until = keys["frozen_until"], case .cancelled = start.status {
            throw until.error("`frozen_until` is for a frozen member: give `status: frozen` too, or leave it out")
        }
        if let lots = keys["lots"], keys["balance"] != nil {
            throw lots.error("give the opening points as `lots` or as `balance` (with `balance_earned`), not both")
        }
        if let earned = keys["balance_earned"], keys["balance"] == nil {
            throw earned.error("`balance_earned` is the day of an opening `balance`: give `balance` too, or leave it out")
        }
        for lot in try keys["lots"]?.items("lots") ?? [] {
            let fields = try lot.mapping(keys: ["points", "earned"])
            guard let points = fields["points"], let earned = fields["earned"] else { throw lot.error("a lot needs `points` and `earned` (the day)") }
            let text = try points.text("a whole number of points")
            guard let amount = ExactNumber(decimal: text.replacingOccurrences(of: ",", with: "")), !amount.isNegative else {
                throw points.error("`\(text)` is not a number of points")
            }
            start.lots.append((amount, try date(earned)))
        }
        if let balance = keys["balance"] {
            guard let earned = keys["balance_earned"] else { throw balance.error("give `balance_earned`, the day the opening balance was earned (it expires from then)") }
            let text = try balance.text("a whole number of points")
            guard let amount = ExactNumber(decimal: text.replacingOccurrences(of: ",", with: "")), !amount.isNegative else {
                throw balance.error("`\(text)` is not a number of points")
            }
            start.lots.append((amount, try date(earned)))
        }
        return start
    }

    private static func event(_ node: ConfigNode, index: Int) throws -> Event {
        guard case .mapping = node.node else { throw node.error("an event is a mapping such as `{date: 2024-01-10, type: purchase, amount: 100.00}`") }
        var cells: [String: String] = ["id": "e\(index + 1)", "member": defaultMember]
        var expect: [(key: String, value: Expected)] = []
        for (key, _, value) in try node.pairs(of: "an event's columns") {
            if key == "expect" {
                expect = try expectations(value, keys: Observation.eventKeys)
            } else {
                cells[key] = try value.text("the `\(key)` cell")
            }
        }
        return Event(cells: cells.filter { !$0.value.isEmpty }, line: node.line, expect: expect)
    }

    static func expectations(_ node: ConfigNode, keys: [String]) throws -> [(key: String, value: Expected)] {
        try node.pairs(of: "what to expect").map { key, keyNode, value in
            guard keys.contains(key) else {
                let hint = Suggestions.didYouMean(key, among: keys).map { "; \($0)" } ?? "; the keys here are " + keys.joined(separator: ", ")
                throw keyNode.error("nothing called `\(key)` can be checked\(hint)")
            }
            // `100 points` or `20 CNY` can never match the number observed: said where it is written.
            if Observation.numberKeys.contains(key), case .scalar(let scalar) = value.node, !["", "~", "null"].contains(scalar.string),
               ExactNumber(decimal: scalar.string.replacingOccurrences(of: ",", with: "")) == nil {
                let money = key == "fee" || key == "fees"
                throw value.error("`\(scalar.string)` is not a number; write the \(money ? "amount" : "points") as a plain number, such as `\(money ? "20.00" : "100")`")
            }
            return (key, try expected(value))
        }
    }

    static func expected(_ node: ConfigNode) throws -> Expected {
        switch node.node {
        case .scalar(let scalar): return .scalar(scalar.string)
        case .sequence: return .list(try node.items("values").map(expected))
        case .mapping: return .map(try node.pairs(of: "values").map { ($0.key, try expected($0.value)) })
        case .alias: throw node.error("aliases are not read in test files")
        }
    }
}
