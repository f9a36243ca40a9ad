import Foundation

/// Splits CSV text (RFC 4180: quoted cells, `""` for a quote, line breaks inside quotes, CRLF or
/// LF) into rows of cells, one row at a time, remembering each row's line number for messages.
///
/// Works on bytes and validates UTF-8 per row, so one badly encoded row is reported as such
/// instead of corrupting the rest of the file.
public struct CSVReader: Sendable {
    /// One row: its cells and the 1-based line it starts on.
    public struct Row: Sendable, Equatable {
        public var cells: [String]
        public var line: Int
    }

    /// Why a row could not be read.
    public enum Problem: Error, Equatable, Sendable {
        case invalidUTF8(line: Int)
        case unterminatedQuote(line: Int)
        case textAfterQuote(line: Int)

        /// The line the row starts on.
        public var line: Int {
            switch self {
            case .invalidUTF8(let line), .unterminatedQuote(let line), .textAfterQuote(let line): return line
            }
        }

        /// What is wrong and how to fix it.
        public var reason: String {
            switch self {
            case .invalidUTF8: return "it is not valid UTF-8; save the file as UTF-8"
            case .unterminatedQuote: return "a quoted cell is never closed; close it with `\"`"
            case .textAfterQuote: return "there is text after a quoted cell; write a quote inside a cell as `\"\"`"
            }
        }
    }

    private let bytes: ArraySlice<UInt8>
    /// Where the next row starts, counted from the start of `bytes`.
    private var offset: Int
    private var line: Int
    /// The most cells a row has had (rows are read into arrays of that capacity).
    private var columnsSeen = 4

    /// - Parameter firstLine: the line number of the first byte (a part of a larger file).
    public init(_ bytes: [UInt8], firstLine: Int = 1) {
        self.init(bytes[...], firstLine: firstLine, atStart: true)
    }

    /// Reads `bytes`, which may begin with a byte-order mark when they are the start of a file.
    init(_ bytes: ArraySlice<UInt8>, firstLine: Int, atStart: Bool) {
        self.bytes = bytes
        line = firstLine
        offset = atStart && bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
    }

    /// The next row, nil at the end, or the problem with it (reading then goes on after it).
    public mutating func next() -> Result<Row, Problem>? {
        var cells: [String] = []
        guard let next = next(into: &cells) else { return nil }
        return next.map { Row(cells: cells, line: $0) }
    }

    /// Reads the next row's cells into `cells` (emptied first, its storage kept): the line the
    /// row starts on, nil at the end, or the problem with the row.
    mutating func next(into cells: inout [String]) -> Result<Int, Problem>? {
        guard offset < bytes.count else { return nil }
        cells.removeAll(keepingCapacity: true)
        cells.reserveCapacity(columnsSeen)
        let rowLine = line
        var problem: Problem?
        bytes.withUnsafeBufferPointer { bytes in
            while true {
                if offset < bytes.count && bytes[offset] == UInt8(ascii: "\"") {
                    cells.append(quotedCell(bytes, rowLine, &problem))
                } else {
                    cells.append(Self.text(UnsafeBufferPointer(rebasing: bytes[restOfCell(bytes)]), rowLine, &problem))
                }
                guard offset < bytes.count else { return }
                offset += 1
                if bytes[offset - 1] == UInt8(ascii: "\n") {
                    line += 1
                    return
                }
            }
        }
        columnsSeen = max(columnsSeen, cells.count)
        return problem.map { .failure($0) } ?? .success(rowLine)
    }

    /// The bytes from `offset` to the comma or line break that ends the cell (less a `\r` before
    /// a line break), which `offset` is left at.
    private mutating func restOfCell(_ bytes: UnsafeBufferPointer<UInt8>) -> Range<Int> {
        let start = offset
        while offset < bytes.count, bytes[offset] != UInt8(ascii: ","), bytes[offset] != UInt8(ascii: "\n") { offset += 1 }
        let crlf = offset < bytes.count && offset > start && bytes[offset] == UInt8(ascii: "\n") && bytes[offset - 1] == UInt8(ascii: "\r")
        return start..<(crlf ? offset - 1 : offset)
    }

    /// A cell that starts with a quote: the text between the quotes (`""` read as `"`), then, when
    /// a `\r` that ends no line follows them, the rest of the cell from it.
    private mutating func quotedCell(_ bytes: UnsafeBufferPointer<UInt8>, _ rowLine: Int, _ problem: inout Problem?) -> String {
        offset += 1
        var start = offset
        var unescaped: [UInt8] = []  // the text up to the last `""`, when there is one
        var closed = false
        while offset < bytes.count {
            let byte = bytes[offset]
            offset += 1
            if byte == UInt8(ascii: "\"") {
                if offset < bytes.count && bytes[offset] == UInt8(ascii: "\"") {
                    unescaped += bytes[start..<offset]
                    offset += 1
                    start = offset
                    continue
                }
                closed = true
                break
            }
            if byte == UInt8(ascii: "\n") { line += 1 }
        }
        if !closed { problem = problem ?? .unterminatedQuote(line: rowLine) }
        let quoted = start..<(closed ? offset - 1 : offset)
        var after = offset..<offset
        if offset < bytes.count {
            switch bytes[offset] {
            case UInt8(ascii: ","), UInt8(ascii: "\n"): break
            case UInt8(ascii: "\r"): after = restOfCell(bytes)
            default:
                problem = problem ?? .textAfterQuote(line: rowLine)
                _ = restOfCell(bytes)
            }
        }
        if unescaped.isEmpty && after.isEmpty { return Self.text(UnsafeBufferPointer(rebasing: bytes[quoted]), rowLine, &problem) }
        unescaped += bytes[quoted]
        unescaped += bytes[after]
        return unescaped.withUnsafeBufferPointer { Self.text($0, rowLine, &problem) }
    }

    /// A cell's text, or "" and the problem when it is not UTF-8.
    private static func text(_ utf8: UnsafeBufferPointer<UInt8>, _ rowLine: Int, _ problem: inout Problem?) -> String {
        // ASCII needs no validating (which, generic, is far slower).
        if utf8.allSatisfy({ $0 < 0x80 }) { return String(decoding: utf8, as: UTF8.self) }
        if let text = String(validating: utf8, as: UTF8.self) { return text }
        problem = problem ?? .invalidUTF8(line: rowLine)
        return ""
    }
}
