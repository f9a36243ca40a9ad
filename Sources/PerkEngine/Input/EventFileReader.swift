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
    private let firstLine: Int

    /// - Parameter firstLine: the line number of the first byte (a part of a larger file).
    public init(bytes: [UInt8], format: EventFileFormat, file: String, decoder: EventDecoder, firstLine: Int = 1) {
        self.decoder = decoder
        self.file = file
        self.format = format
        self.bytes = bytes
        self.firstLine = firstLine
        self.csv = CSVReader(format == .csv ? bytes : [], firstLine: firstLine)
    }

    /// Reads a whole file. A large one is cut into parts at line breaks that surely end a row
    /// (any, in JSON Lines; in CSV only when the file has no quotes, so no cell spans lines), and
    /// the parts are read on `jobs` threads: the result is the same as reading it in one go.
    public static func readAll(_ bytes: [UInt8], format: EventFileFormat, file: String, decoder: EventDecoder, jobs: Int,
                               partSize: Int = 1 << 22) -> [Result<InputEvent, InputError>] {
        @Sendable func read(_ bytes: [UInt8], firstLine: Int) -> [Result<InputEvent, InputError>] {
            var reader = EventFileReader(bytes: bytes, format: format, file: file, decoder: decoder, firstLine: firstLine)
            var results: [Result<InputEvent, InputError>] = []
            while let next = reader.next() { results.append(next) }
            return results
        }
        let newline = UInt8(ascii: "\n")
        guard jobs > 1, bytes.count >= 2 * partSize, format == .jsonLines || !bytes.contains(UInt8(ascii: "\"")) else {
            return read(bytes, firstLine: 1)
        }
        // A CSV header goes in front of every part; a bad one is reported once, by reading in one go.
        var header: [UInt8] = []
        var start = 0
        if format == .csv {
            guard let end = bytes.firstIndex(of: newline) else { return read(bytes, firstLine: 1) }
            header = Array(bytes[...end])
            guard read(header, firstLine: 1).isEmpty else { return read(bytes, firstLine: 1) }
            start = end + 1
        }
        var parts: [(range: Range<Int>, firstLine: Int)] = []
        var line = header.isEmpty ? 1 : 2
        let size = max(partSize, (bytes.count - start) / (jobs * 4) + 1)
        while start < bytes.count {
            var end = min(bytes.count, start + size)
            while end < bytes.count && bytes[end - 1] != newline { end += 1 }
            parts.append((start..<end, line))
            line += bytes[start..<end].reduce(0) { $1 == newline ? $0 + 1 : $0 }
            start = end
        }
        let results = OrderedSlots<[Result<InputEvent, InputError>]>(count: parts.count)
        let cuts = parts, prefix = header
        DispatchQueue.concurrentPerform(iterations: cuts.count) { index in
            let part = cuts[index]
            // The header takes the line before the part's first.
            results.set(index, read(prefix + bytes[part.range], firstLine: part.firstLine - (prefix.isEmpty ? 0 : 1)))
        }
        return results.values().flatMap { $0 }
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
            let location = InputLocation(file: file, line: firstLine + lineIndex)
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

