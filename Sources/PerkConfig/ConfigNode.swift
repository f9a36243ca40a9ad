import PerkLanguage
import Yams

/// A mistake in a configuration file, where it is: `perk.yaml:7:3: simulate.jobs: ...`.
public struct ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    public let file: String
    public let line: Int
    public let column: Int
    /// The key's path (`simulate.jobs`), empty for the whole file.
    public let path: String
    public let message: String
    /// How to fix it, when the message alone does not say.
    public var help: String?

    public init(file: String, line: Int, column: Int, path: String, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.path = path
        self.message = message
    }

    public var description: String { "\(file):\(line):\(column): error: " + keyAndMessage + (help.map { "\n  help: \($0)" } ?? "") }

    /// The error as `perk check --format json` writes a policy's diagnostics, so that a tool
    /// reads both alike.
    public var record: DiagnosticRenderer.Record {
        let position = DiagnosticRenderer.Record.Position(line: line, column: column)
        return DiagnosticRenderer.Record(file: file, severity: Severity.error.rawValue, code: "configuration", message: keyAndMessage,
                                         start: position, end: position, help: help)
    }

    private var keyAndMessage: String { (path.isEmpty ? "" : "\(path): ") + message }
}

/// One node of a YAML document read strictly: every accessor names the shape it expects, and a
/// node of another shape, or a mapping with a key nobody reads, is an error at its place.
package struct ConfigNode {
    package let node: Node
    package let file: String
    /// `simulate.jobs`, `input.types.SALE`.
    package let path: String

    /// Parses a YAML document (a file's text); an empty document is an empty mapping.
    package static func parse(_ text: String, file: String) throws -> ConfigNode {
        do {
            let node = try Yams.compose(yaml: text) ?? Node.mapping(Node.Mapping([]))
            return ConfigNode(node: node, file: file, path: "")
        } catch let error as YamlError {
            throw Self.error(error, file: file)
        }
    }

    private static func error(_ error: YamlError, file: String) -> ConfigError {
        func at(_ mark: Mark, _ message: String) -> ConfigError {
            ConfigError(file: file, line: mark.line, column: mark.column, path: "", message: message)
        }
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
            return at(mark, "this is not valid YAML: \(problem)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            // `{a: 30,000 CNY, b: 6,000 CNY}` cut at its commas holds the key `000 CNY` twice.
            let cut = duplicates.contains { $0.first?.isNumber == true }
                ? " (if it is the end of a number such as `30,000 CNY` in `{ }`, where a comma separates entries: write the number without its comma, or in quotes)" : ""
            return at(context.mark, "the key " + duplicates.map { "`\($0)`" }.joined(separator: ", ") + " is given twice; keep one" + cut)
        default:
            return ConfigError(file: file, line: 1, column: 1, path: "", message: "this is not valid YAML: \(error)")
        }
    }

    package var line: Int { node.mark?.line ?? 1 }
    package var column: Int { node.mark?.column ?? 1 }

    package func error(_ message: String) -> ConfigError {
        ConfigError(file: file, line: line, column: column, path: path, message: message)
    }

    private var found: String {
        switch node {
        case .scalar(let scalar): return "`\(scalar.string)`"
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        }
    }

    /// In a mapping written in `{ }`, a comma separates entries, so `{amount: 1,500}` holds
    /// `amount: 1` and a key `500` with no value: the number written with a thousands separator
    /// was cut at its comma. Such a key (digits first, no value, on the line of an entry whose
    /// value ends in a digit) is an error at the key, saying so, rather than a quiet 1 or an
    /// unknown key. (Yams does not say which mappings were written in `{ }`.)
    private func checkForCutNumbers(_ mapping: Node.Mapping) throws {
        var previous: Node?
        for (key, value) in mapping {
            defer { previous = value }
            guard let name = key.string, name.first?.isNumber == true, value.null != nil,
                  let before = previous?.string, before.last?.isNumber == true,
                  let line = key.mark?.line, previous?.mark?.line == line else { continue }
            throw ConfigNode(node: key, file: file, path: path).error(
                "`\(before),\(name)` was read as two entries: inside `{ }` a comma separates entries; "
                + "write the number without its comma (`\(before)\(name)`), in quotes (`\"\(before),\(name)\"`), or the mapping one entry a line")
        }
    }

    /// A mapping's values by key; a key not in `keys` is an error (with a did-you-mean).
    package func mapping(keys: [String]) throws -> [String: ConfigNode] {
        guard case .mapping(let mapping) = node else { throw error("expected a mapping of " + keys.map { "`\($0)`" }.joined(separator: ", ") + ", found \(found)") }
        try checkForCutNumbers(mapping)
        var values: [String: ConfigNode] = [:]
        for (key, value) in mapping {
            let name = key.string ?? ""
            let child = ConfigNode(node: value, file: file, path: path.isEmpty ? name : "\(path).\(name)")
            guard keys.contains(name) else {
                let keyNode = ConfigNode(node: key, file: file, path: child.path)
                let hint = Suggestions.didYouMean(name, among: keys).map { "; \($0)" }
                    ?? "; the keys here are " + keys.map { "`\($0)`" }.joined(separator: ", ")
                throw keyNode.error("unknown key\(hint)")
            }
            values[name] = child
        }
        return values
    }

    /// A mapping whose keys are names the caller checks (parameters, columns): in file order.
    package func pairs(of what: String) throws -> [(key: String, keyNode: ConfigNode, value: ConfigNode)] {
        guard case .mapping(let mapping) = node else { throw error("expected a mapping of \(what), found \(found)") }
        try checkForCutNumbers(mapping)
        return mapping.map { key, value in
            let name = key.string ?? ""
            let childPath = path.isEmpty ? name : "\(path).\(name)"
            return (name, ConfigNode(node: key, file: file, path: childPath), ConfigNode(node: value, file: file, path: childPath))
        }
    }

    /// A scalar's text, as written.
    package func text(_ what: String = "text") throws -> String {
        guard case .scalar(let scalar) = node else { throw error("expected \(what), found \(found)") }
        return scalar.string
    }

    /// A list of texts; a single text is a list of one.
    package func texts(_ what: String) throws -> [String] {
        if case .scalar = node { return [try text(what)] }
        guard case .sequence(let sequence) = node else { throw error("expected a list of \(what), found \(found)") }
        return try sequence.enumerated().map { index, item in
            try ConfigNode(node: item, file: file, path: "\(path)[\(index)]").text(what)
        }
    }

    /// A list's items.
    package func items(_ what: String) throws -> [ConfigNode] {
        guard case .sequence(let sequence) = node else { throw error("expected a list of \(what), found \(found)") }
        return sequence.enumerated().map { index, item in ConfigNode(node: item, file: file, path: "\(path)[\(index)]") }
    }

    package func integer(atLeast minimum: Int, atMost maximum: Int = .max) throws -> Int {
        let written = try text("a whole number")
        guard let value = Int(written), value >= minimum, value <= maximum else {
            throw error("expected a whole number" + (maximum == .max ? " of at least \(minimum)" : " from \(minimum) to \(maximum)") + ", found `\(written)`")
        }
        return value
    }

    /// One of `choices`, as written.
    package func choice(_ choices: [String]) throws -> String {
        let written = try text("one of " + choices.joined(separator: ", "))
        guard choices.contains(written) else {
            let hint = Suggestions.didYouMean(written, among: choices).map { "; \($0)" } ?? ""
            throw error("expected one of " + choices.map { "`\($0)`" }.joined(separator: ", ") + ", found `\(written)`\(hint)")
        }
        return written
    }
}

/// Where a value was written, kept to report a mistake found later (against the policy).
package struct ConfigPlace: Sendable {
    let file: String
    let line: Int
    let column: Int
    let path: String

    package func error(_ message: String) -> ConfigError {
        ConfigError(file: file, line: line, column: column, path: path, message: message)
    }
}

extension ConfigNode {
    package var place: ConfigPlace { ConfigPlace(file: file, line: line, column: column, path: path) }
}
