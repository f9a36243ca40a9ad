/// How serious a diagnostic is.
public enum Severity: String, Sendable, Codable, Comparable {
    case error
    case warning

    public static func < (lhs: Severity, rhs: Severity) -> Bool {
        lhs == .error && rhs == .warning
    }
}

/// A note attached to a diagnostic, pointing at a related place (e.g. the first definition).
public struct DiagnosticNote: Hashable, Sendable {
    public var message: String
    public var span: SourceSpan?
}

/// One problem found in a policy: a stable code, a lower-case message, where, and how to fix it.
public struct Diagnostic: Hashable, Sendable {
    public var severity: Severity
    /// A stable identifier such as `unknown-name`, for documentation and for tools.
    public var code: DiagnosticCode
    public var message: String
    public var span: SourceSpan
    public var notes: [DiagnosticNote]
    public var help: String?

    public init(
        _ severity: Severity, code: DiagnosticCode, _ message: String, at span: SourceSpan,
        notes: [DiagnosticNote] = [], help: String? = nil
    ) {
        self.severity = severity
        self.code = code
        self.message = message
        self.span = span
        self.notes = notes
        self.help = help
    }

    public var isError: Bool { severity == .error }
}

extension Array where Element == Diagnostic {
    /// Diagnostics in source order (errors before warnings at the same place), as they are shown.
    public func sortedByPosition() -> [Diagnostic] {
        enumerated().sorted { a, b in
            if a.element.span.start != b.element.span.start { return a.element.span.start < b.element.span.start }
            if a.element.severity != b.element.severity { return a.element.severity < b.element.severity }
            return a.offset < b.offset
        }.map(\.element)
    }

    public var hasErrors: Bool { contains { $0.isError } }
}
