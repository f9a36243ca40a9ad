import Foundation

/// Renders diagnostics for people (`file:line:column: error: message`, the source line, an
/// underline, help and notes) and for tools (JSON). The only place diagnostics are formatted.
public struct DiagnosticRenderer: Sendable {
    /// Use ANSI colours; the CLI turns this on only when writing to a terminal.
    public var colored: Bool

    public init(colored: Bool = false) {
        self.colored = colored
    }

    /// One diagnostic as text, ending with a newline.
    public func render(_ diagnostic: Diagnostic, in file: SourceFile) -> String {
        let location = file.location(of: diagnostic.span.start)
        let label = diagnostic.severity == .error ? paint("error", .red) : paint("warning", .yellow)
        var out = "\(file.name):\(location.line):\(location.column): \(label): "
        out += paint(diagnostic.message, .bold) + " [\(diagnostic.code.rawValue)]\n"
        out += excerpt(diagnostic.span, in: file, marker: "^")
        if let help = diagnostic.help {
            out += "  " + paint("help", .cyan) + ": \(help)\n"
        }
        for note in diagnostic.notes {
            if let span = note.span {
                let at = file.location(of: span.start)
                out += "  note: \(note.message) (\(file.name):\(at.line):\(at.column))\n"
                out += excerpt(span, in: file, marker: "-")
            } else {
                out += "  note: \(note.message)\n"
            }
        }
        return out
    }

    /// All diagnostics of one file, in source order, followed by nothing else.
    public func render(_ diagnostics: [Diagnostic], in file: SourceFile) -> String {
        diagnostics.sortedByPosition().map { render($0, in: file) }.joined(separator: "\n")
    }

    /// The source line of a span with a gutter and an underline beneath the span.
    private func excerpt(_ span: SourceSpan, in file: SourceFile, marker: Character) -> String {
        guard !file.bytes.isEmpty else { return "" }
        let lineIndex = file.lineIndex(of: min(span.start, file.bytes.count))
        let lineNumber = String(lineIndex + 1)
        let gutter = String(repeating: " ", count: lineNumber.count)
        let text = file.lineText(lineIndex)
        let lineStart = file.location(of: span.start).column - 1
        let scalars = Array(text.unicodeScalars)
        let startColumn = min(lineStart, scalars.count)
        let endColumn: Int
        if file.lineIndex(of: max(span.end - 1, span.start)) == lineIndex {
            endColumn = min(file.location(of: span.end).column - 1, scalars.count)
        } else {
            endColumn = scalars.count
        }
        var pad = ""
        for scalar in scalars[..<startColumn] {
            pad += scalar == "\t" ? "\t" : String(repeating: " ", count: Self.displayWidth(of: scalar))
        }
        let underlineWidth = max(1, scalars[startColumn..<max(startColumn, endColumn)].reduce(0) { $0 + Self.displayWidth(of: $1) })
        let underline = String(repeating: marker, count: underlineWidth)
        return "\(gutter) |\n\(lineNumber) | \(text)\n\(gutter) | \(pad)\(paint(underline, marker == "^" ? .red : .cyan))\n"
    }

    /// Terminal columns a scalar takes: East Asian wide characters take two.
    static func displayWidth(of scalar: Unicode.Scalar) -> Int {
        switch scalar.value {
        case 0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF,
            0xA000...0xA4CF, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F, 0xFF00...0xFF60,
            0xFFE0...0xFFE6, 0x1F300...0x1F64F, 0x1F900...0x1F9FF, 0x20000...0x3FFFD:
            return 2
        default:
            return 1
        }
    }

    private enum Style: String {
        case red = "31;1", yellow = "33;1", cyan = "36;1", bold = "1"
    }

    private func paint(_ text: String, _ style: Style) -> String {
        colored ? "\u{1B}[\(style.rawValue)m\(text)\u{1B}[0m" : text
    }

    // MARK: JSON

    /// A diagnostic with resolved positions, as written by `--format json`.
    public struct Record: Codable, Sendable, Equatable {
        public struct Position: Codable, Sendable, Equatable {
            public var line: Int
            public var column: Int

            public init(line: Int, column: Int) {
                self.line = line
                self.column = column
            }
        }
        public struct Note: Codable, Sendable, Equatable {
            public var message: String
            public var start: Position?
        }
        public var file: String
        public var severity: String
        public var code: String
        public var message: String
        public var start: Position
        public var end: Position
        public var help: String?
        public var notes: [Note]

        /// Public so that mistakes found outside a policy (in perk.yaml, say) reach tools alike.
        public init(file: String, severity: String, code: String, message: String, start: Position, end: Position, help: String?, notes: [Note] = []) {
            self.file = file
            self.severity = severity
            self.code = code
            self.message = message
            self.start = start
            self.end = end
            self.help = help
            self.notes = notes
        }
    }

    public static func record(_ diagnostic: Diagnostic, in file: SourceFile) -> Record {
        func position(_ offset: Int) -> Record.Position {
            let location = file.location(of: offset)
            return Record.Position(line: location.line, column: location.column)
        }
        return Record(
            file: file.name, severity: diagnostic.severity.rawValue, code: diagnostic.code.rawValue,
            message: diagnostic.message, start: position(diagnostic.span.start),
            end: position(diagnostic.span.end), help: diagnostic.help,
            notes: diagnostic.notes.map { Record.Note(message: $0.message, start: $0.span.map { position($0.start) }) })
    }

    /// Records as a JSON array with sorted keys: deterministic output for editors and tests.
    public static func json(_ records: [Record]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(records)) ?? Data("[]".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
