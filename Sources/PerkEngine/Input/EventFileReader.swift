import Foundation

/// The formats an event file may be in.
public enum EventFileFormat: String, Sendable, CaseIterable {
    case csv
    case jsonLines = "jsonl"

    /// The format a file name's extension names (`.csv`, `.jsonl`, `.ndjson`), if any.
    public init?(path: String) {
        let lowered = path.lowercased()
        if lowered.hasSuffix(".csv") { self = .csv } else if lowered.hasSuffix(".jsonl") || lowered.hasSuffix(".ndjson") { self = .jsonLines } else { return nil }
    }
}

/// Reads events from a CSV or JSON Lines file, one row at a time: each call gives the next event
/// or the reason its row is malformed, so a caller can stop at the first error or skip and report
/// every one. Memory does not grow with the file beyond its bytes.
///
/// CSV: a header naming `id,date,member,type` and the fields' columns, empty cells for fields an
/// event does not have. JSON Lines: one object per line with the same keys (`null` or absent for
/// unused fields); amounts may be strings or JSON numbers, read exactly.
public struct EventFileReader: Sendable {
    private let decoder: EventDecoder
    private let file: String
    private let format: EventFileFormat
    private var csv: CSVReader
    private var header: [String]?
    private var failedHeader = false
    private var lines: [ArraySlice<UInt8>] = []
    private var lineIndex = 0
    private let bytes: [UInt8]

    public init(bytes: [UInt8], format: EventFileFormat, file: String, decoder: EventDecoder) {
        self.decoder = decoder
        self.file = file
        self.format = format
        self.bytes = bytes
        self.csv = CSVReader(format == .csv ? bytes : [])
    }

    /// The next event, or the problem with the next row; nil at the end of the file.
    public mutating func next() -> Result<InputEvent, InputError>? {
        switch format {
        case .csv: return nextCSV()
        case .jsonLines: return nextJSONLine()
        }
    }

    // MARK: CSV

    private mutating func nextCSV() -> Result<InputEvent, InputError>? {
        if failedHeader { return nil }
        guard let header else {
            guard let first = csv.next() else { return nil }
            switch first {
            case .failure(let problem):
                failedHeader = true
                return .failure(error(for: problem))
            case .success(let row):
                let names = row.cells.map { $0.trimmingCharacters(in: .whitespaces) }
                let missing = EventDecoder.standardColumns.filter { !names.contains($0) }
                let duplicate = names.first { name in names.filter { $0 == name }.count > 1 }
                if !missing.isEmpty || duplicate != nil {
                    failedHeader = true
                    let message = duplicate.map { "the header names the column `\($0)` twice" }
                        ?? "the header has no " + missing.map { "`\($0)`" }.joined(separator: ", ") + " column; it must start with id,date,member,type"
                    return .failure(InputError(InputLocation(file: file, line: row.line), message))
                }
                self.header = names
                return nextCSV()
            }
        }
        guard let next = csv.next() else { return nil }
        switch next {
        case .failure(let problem):
            return .failure(error(for: problem))
        case .success(let row):
            let location = InputLocation(file: file, line: row.line)
            if row.cells == [""] { return nextCSV() }  // a blank line
            guard row.cells.count == header.count else {
                return .failure(InputError(location, "this row has \(row.cells.count) cells but the header has \(header.count); each row needs one cell per column, empty for unused fields"))
            }
            var cells: [String: String] = [:]
            for (name, cell) in zip(header, row.cells) where !cell.isEmpty {
                cells[name] = cell
            }
            return decoder.decode(cells, at: location)
        }
    }

    private func error(for problem: CSVReader.Problem) -> InputError {
        InputError(InputLocation(file: file, line: problem.line), "this row cannot be read: \(problem.reason)")
    }

    // MARK: JSON Lines

    /// One JSON value in a line, as read.
    private enum JSONCell: Decodable {
        case text(String)
        case number(Decimal)
        case bool(Bool)
        case null

        init(from decoder: Decoder) throws {
            let container = try decoder.singleValueContainer()
            if container.decodeNil() {
                self = .null
            } else if let value = try? container.decode(Bool.self) {
                self = .bool(value)
            } else if let value = try? container.decode(String.self) {
                self = .text(value)
            } else {
                self = .number(try container.decode(Decimal.self))
            }
        }
    }

    private mutating func nextJSONLine() -> Result<InputEvent, InputError>? {
        if lineIndex == 0 && lines.isEmpty {
            lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        }
        while lineIndex < lines.count {
            let location = InputLocation(file: file, line: lineIndex + 1)
            let line = lines[lineIndex]
            lineIndex += 1
            guard let decoded = String(bytes: line, encoding: .utf8) else {
                return .failure(InputError(location, "this line is not valid UTF-8; save the file as UTF-8"))
            }
            let text = decoded.trimmingCharacters(in: .whitespacesAndNewlines)
            if text.isEmpty { continue }
            guard let object = try? JSONDecoder().decode([String: JSONCell].self, from: Data(text.utf8)) else {
                return .failure(InputError(location, "this line is not a JSON object; write one object per line, such as {\"id\": \"e1\", \"date\": \"2024-01-10\", ...}"))
            }
            var cells: [String: String] = [:]
            for (key, value) in object {
                switch value {
                case .text(let text) where !text.isEmpty: cells[key] = text
                case .number(let number): cells[key] = "\(number)"
                case .bool(let flag): cells[key] = flag ? "true" : "false"
                default: break
                }
            }
            return decoder.decode(cells, at: location)
        }
        return nil
    }
}
