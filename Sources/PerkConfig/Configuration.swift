import Foundation
import PerkEngine
import PerkLanguage

/// A deployment's `perk.yaml`: the policy, values for its parameters, the currency and time
/// zone of a policy that declares none, how input files map to events, and the defaults of
/// `perk simulate`. Read strictly: an unknown key, a value of the wrong shape or unit, or a
/// missing required value is a `ConfigError` at its line and column. Paths in the file are
/// relative to the file's folder. docs/configuration.md lists every key.
public struct Configuration: Sendable {
    /// The name commands look for in the working directory.
    public static let defaultFileName = "perk.yaml"

    /// The file read.
    public let file: String
    /// The policy, with the settings it runs under.
    public var policy: PolicyReference
    public var input = InputSettings()
    public var simulate = SimulateSettings()
    public var serve = ServeSettings()

    /// A policy file and the settings it is compiled with.
    public struct PolicyReference: Sendable {
        public var path: String
        public var settings: PolicySettings
        /// Where each parameter's name and value are written, for messages.
        var locations: [String: (key: ConfigPlace, value: ConfigPlace)] = [:]
        var file: String?

        public init(path: String, settings: PolicySettings = PolicySettings()) {
            self.path = path
            self.settings = settings
        }
    }

    /// Which event and member files are read, and how.
    public struct InputSettings: Sendable {
        /// The event file commands read when not given one.
        public var events: String?
        /// The event files' format when their names do not say.
        public var format: EventFileFormat?
        public var mapping = InputMapping()
        /// The members file (member, birthday).
        public var members: String?
        /// Where the mapping's entries are written, for messages.
        var places: [String: ConfigPlace] = [:]

        /// Checks the mapping against the policy whose events it reads: each column it renames
        /// must be a standard column or a field, each type value map to a declared event type.
        public func check(against policy: CheckedPolicy) throws {
            let fields = Set(EventDecoder.standardColumns + policy.eventTypes.flatMap { $0.fields.map(\.name) })
            for name in mapping.columns.keys.sorted() where !fields.contains(name) {
                let hint = Suggestions.didYouMean(name, among: fields).map { "; \($0)" } ?? "; the policy's events have " + fields.sorted().joined(separator: ", ")
                throw places["columns.\(name)"]!.error("no event has a field `\(name)`\(hint)")
            }
            // One column holds one field: two named to the same column would each read it.
            var fieldOfColumn: [String: String] = [:]
            for (name, column) in mapping.columns.sorted(by: { $0.key < $1.key }) {
                if let first = fieldOfColumn[column] {
                    throw places["columns.\(name)"]!.error("`\(column)` is already the column of `\(first)`; give each field its own column")
                }
                fieldOfColumn[column] = name
            }
            let types = policy.eventTypes.map(\.name)
            for (value, type) in mapping.types.sorted(by: { $0.key < $1.key }) where !types.contains(type) {
                let hint = Suggestions.didYouMean(type, among: types).map { "; \($0)" } ?? "; it declares " + types.joined(separator: ", ")
                throw places["types.\(value)"]!.error("the policy declares no event type `\(type)`\(hint)")
            }
        }
    }

    /// Defaults of `perk simulate`; its flags override them.
    public struct SimulateSettings: Sendable {
        public var asOf: CivilDate?
        /// A second policy (or the same with other parameter values) to compare with.
        public var compare: PolicyReference?
        public var out: String?
        public var format: String?
        public var onError: String?
        public var jobs: Int?
    }

    /// Defaults of `perk serve`; its flags override them.
    public struct ServeSettings: Sendable {
        public var host: String?
        public var port: Int?
    }

    /// Reads a configuration file.
    public static func load(_ path: String) throws -> Configuration {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError(file: path, line: 1, column: 1, path: "", message: "cannot read the file: no such file, or permission denied")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigError(file: path, line: 1, column: 1, path: "", message: "the file is not UTF-8; save it as UTF-8")
        }
        return try parse(text, file: path)
    }

    /// Reads a configuration from its text; `file` names it in messages and anchors its paths.
    public static func parse(_ text: String, file: String) throws -> Configuration {
        let root = try ConfigNode.parse(text, file: file)
        let keys = try root.mapping(keys: ["policy", "parameters", "currency", "timezone", "input", "simulate", "serve"])
        let path = paths(relativeTo: file)
        let policy = try Self.policy(keys, file: file)
        var configuration = Configuration(file: file, policy: policy)
        if let input = keys["input"] { configuration.input = try readInput(input, path: path) }
        if let simulate = keys["simulate"] { configuration.simulate = try readSimulate(simulate, main: policy, path: path) }
        if let serve = keys["serve"] {
            let settings = try serve.mapping(keys: ["host", "port"])
            configuration.serve.host = try settings["host"]?.text("a host name or address, such as 127.0.0.1")
            configuration.serve.port = try settings["port"]?.integer(atLeast: 0, atMost: 65535)
        }
        return configuration
    }

    /// Resolves a path written in `file`: relative to the file's folder.
    static func paths(relativeTo file: String) -> (ConfigNode, String) throws -> String {
        let folder = URL(fileURLWithPath: file).deletingLastPathComponent()
        return { node, what in
            let written = try node.text(what)
            guard !written.isEmpty else { throw node.error("expected \(what), found nothing") }
            return written.hasPrefix("/") ? written : folder.appendingPathComponent(written).standardizedFileURL.relativePathFromCurrentDirectory
        }
    }

    /// A policy file written in `file`, which must exist: a mistake in its path is reported where
    /// it is written, not later as a file that cannot be read.
    static func policyPath(_ node: ConfigNode, in file: String) throws -> String {
        let path = try paths(relativeTo: file)(node, "a policy file")
        guard FileManager.default.fileExists(atPath: path) else {
            throw node.error("there is no policy file `\(path)`; paths are relative to the folder of \(URL(fileURLWithPath: file).lastPathComponent)")
        }
        return path
    }

    /// The policy and its settings (`policy`, `currency`, `timezone`, `parameters`) of a file's
    /// top-level keys: a configuration's, or a policy test file's.
    package static func policy(_ keys: [String: ConfigNode], file: String) throws -> PolicyReference {
        guard let policyNode = keys["policy"] else {
            throw ConfigError(file: file, line: 1, column: 1, path: "policy", message: "missing; name the policy file, as in `policy: policies/harbor-hotel.perk`")
        }
        var policy = PolicyReference(path: try policyPath(policyNode, in: file))
        policy.file = file
        if let currency = keys["currency"] {
            let code = try currency.text("an ISO 4217 currency code")
            guard Locale.commonISOCurrencyCodes.contains(code) else {
                let hint = code.uppercased() == "RMB" || code == "元" ? "the renminbi's code is `CNY`"
                    : Suggestions.didYouMean(code.uppercased(), among: Locale.commonISOCurrencyCodes)
                throw currency.error("`\(code)` is not an ISO 4217 currency code" + (hint.map { "; \($0)" } ?? ""))
            }
            policy.settings.currency = code
        }
        if let zone = keys["timezone"] {
            let name = try zone.text("an IANA time zone")
            guard TimeZone(identifier: name) != nil else {
                throw zone.error("unknown time zone `\(name)`" + (Suggestions.didYouMean(name, among: TimeZone.knownTimeZoneIdentifiers).map { "; \($0)" } ?? "; write one such as `Asia/Shanghai`"))
            }
            policy.settings.timeZone = name
        }
        if let parameters = keys["parameters"] { try readParameters(parameters, into: &policy) }
        return policy
    }

    private static func readParameters(_ node: ConfigNode, into policy: inout PolicyReference) throws {
        for (name, key, value) in try node.pairs(of: "parameter names and values") {
            // A YAML list (`excluded: [deposit, tax]`) is the Perk list of its items, a word quoted as text.
            let text = try value.node.sequence == nil ? value.text("a value in Perk's notation, such as `6,000 CNY` or `1 point per 10 CNY`")
                : "[" + value.texts("values").map { item in item.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" } && !item.allSatisfy(\.isNumber) ? "\"\(item)\"" : item }
                    .joined(separator: ", ") + "]"
            policy.settings.parameters.append(ParameterOverride(name: name, text: text))
            // A plain scalar starts where its mark is; a quoted one a character later.
            let quoted: Bool
            if case .scalar(let scalar) = value.node { quoted = scalar.style != .plain } else { quoted = false }
            let start = value.place
            policy.locations[name] = (key.place, ConfigPlace(file: start.file, line: start.line, column: start.column + (quoted ? 1 : 0), path: start.path))
        }
    }

    private static func readInput(_ node: ConfigNode, path: (ConfigNode, String) throws -> String) throws -> InputSettings {
        let keys = try node.mapping(keys: ["events", "members", "format", "columns", "types", "ignore", "date_format"])
        var input = InputSettings()
        if let format = keys["format"] {
            input.format = EventFileFormat(rawValue: try format.choice(EventFileFormat.allCases.map(\.rawValue)))
        }
        if let columns = keys["columns"] {
            for (name, keyNode, column) in try columns.pairs(of: "fields and the file's columns") {
                input.mapping.columns[name] = try column.text("the file's name for the column `\(name)`")
                input.places["columns.\(name)"] = keyNode.place
            }
        }
        if let types = keys["types"] {
            for (value, _, type) in try types.pairs(of: "the type column's values and event types") {
                input.mapping.types[value] = try type.text("an event type of the policy")
                input.places["types.\(value)"] = type.place
            }
        }
        if let ignored = keys["ignore"] { input.mapping.ignored = Set(try ignored.texts("column names")) }
        if let format = keys["date_format"] {
            let pattern = try format.text("a date format such as `DD/MM/YYYY`")
            guard let dateFormat = DateFormat(pattern) else {
                throw format.error("`\(pattern)` is not a date format; use YYYY, MM and DD once each, as in `DD/MM/YYYY` or `YYYYMMDD`")
            }
            input.mapping.dateFormat = dateFormat
        }
        if let events = keys["events"] { input.events = try path(events, "an event file") }
        if let members = keys["members"] { input.members = try path(members, "a members file") }
        return input
    }

    private static func readSimulate(_ node: ConfigNode, main: PolicyReference, path: (ConfigNode, String) throws -> String) throws -> SimulateSettings {
        let keys = try node.mapping(keys: ["as_of", "compare", "out", "format", "on_error", "jobs"])
        var simulate = SimulateSettings()
        if let asOf = keys["as_of"] {
            let text = try asOf.text("a date (YYYY-MM-DD)")
            guard let date = CivilDate(iso: text) else { throw asOf.error("`\(text)` is not a date; write YYYY-MM-DD") }
            simulate.asOf = date
        }
        if let compare = keys["compare"] {
            // A policy file, or a mapping: a policy (the main one by default) and parameter values.
            if case .scalar = compare.node {
                simulate.compare = PolicyReference(path: try policyPath(compare, in: node.file), settings: PolicySettings(currency: main.settings.currency, timeZone: main.settings.timeZone))
            } else {
                let compared = try compare.mapping(keys: ["policy", "parameters"])
                var reference = PolicyReference(path: try compared["policy"].map { try policyPath($0, in: node.file) } ?? main.path,
                                                settings: PolicySettings(currency: main.settings.currency, timeZone: main.settings.timeZone))
                if let parameters = compared["parameters"] { try readParameters(parameters, into: &reference) }
                simulate.compare = reference
            }
            simulate.compare?.file = node.file
        }
        if let out = keys["out"] { simulate.out = try path(out, "a folder") }
        if let format = keys["format"] { simulate.format = try format.choice(["table", "json"]) }
        if let onError = keys["on_error"] { simulate.onError = try onError.choice(["fail", "skip"]) }
        if let jobs = keys["jobs"] { simulate.jobs = try jobs.integer(atLeast: 1, atMost: 1024) }
        return simulate
    }
}

extension Configuration.PolicyReference {
    /// Checks the policy under its settings. A parameter value that cannot be used is a
    /// `ConfigError` at its place in the configuration file.
    public func check() throws -> CheckResult {
        let result = PolicyChecker.check(try SourceFile(contentsOfFile: path), settings: settings)
        if let first = result.overrideErrors.first {
            guard let (key, value) = locations[first.name] else {
                throw ConfigError(file: file ?? path, line: 1, column: 1, path: "parameters.\(first.name)", message: first.message)
            }
            // An unknown name is reported at the name, a bad value where in it the problem is.
            throw first.isUnknownParameter ? key.error(first.message)
                : ConfigError(file: value.file, line: value.line, column: value.column + first.column, path: value.path, message: first.message)
        }
        return result
    }

    /// Checks and compiles the policy under its settings (see `check()`).
    public func compile() throws -> Result<CompiledPolicy, CompiledPolicy.CompileFailure> {
        CompiledPolicy.compile(try check())
    }
}

extension URL {
    /// The path relative to the working directory when it is inside it (shorter messages).
    var relativePathFromCurrentDirectory: String {
        let current = FileManager.default.currentDirectoryPath + "/"
        return path.hasPrefix(current) ? String(path.dropFirst(current.count)) : path
    }
}
