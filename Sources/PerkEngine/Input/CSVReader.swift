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
    /// Where the next row starts. Apart from the bytes: a row is read from them borrowed, which
    /// a reader changing itself meanwhile would have to retain (contended when threads read
    /// parts of one buffer).
    private var cursor: Cursor

    fileprivate struct Cursor {
        /// Counted from the start of the bytes.
        var offset: Int
        var line: Int
    }

    /// - Parameter firstLine: the line number of the first byte (a part of a larger file).
    public init(_ bytes: [UInt8], firstLine: Int = 1) {
        self.init(bytes[...], firstLine: firstLine, atStart: true)
    }

    /// Reads `bytes`, which may begin with a byte-order mark when they are the start of a file.
    init(_ bytes: ArraySlice<UInt8>, firstLine: Int, atStart: Bool) {
        self.bytes = bytes
        cursor = Cursor(offset: atStart && bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0, line: firstLine)
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
        var row = CSVRow()
        guard let next = next(into: &row) else { return nil }
        cells.removeAll(keepingCapacity: true)
        for column in 0..<row.count { cells.append(row.text(column)) }
        return next
    }

    /// Reads the next row's cells as the bytes they are, without making text of them: the line
    /// the row starts on, nil at the end, or the problem with the row. `row` is reused.
    mutating func next(into row: inout CSVRow) -> Result<Int, Problem>? {
        guard cursor.offset < bytes.count else { return nil }
        row.start(bytes)
        var cursor = cursor
        let rowLine = cursor.line
        var problem: Problem?
        bytes.withUnsafeBufferPointer { bytes in
            while true {
                if cursor.offset < bytes.count && bytes[cursor.offset] == UInt8(ascii: "\"") {
                    cursor.quotedCell(bytes, rowLine, &problem, into: &row)
                } else {
                    let (cell, ascii) = cursor.restOfCell(bytes)
                    if !ascii { Cursor.check(UnsafeBufferPointer(rebasing: bytes[cell]), rowLine, &problem) }
                    row.append(cell)
                }
                guard cursor.offset < bytes.count else { return }
                cursor.offset += 1
                if bytes[cursor.offset - 1] == UInt8(ascii: "\n") {
                    cursor.line += 1
                    return
                }
            }
        }
        self.cursor = cursor
        return problem.map { .failure($0) } ?? .success(rowLine)
    }
}

extension CSVReader.Cursor {

    /// The bytes from `offset` to the comma or line break that ends the cell (less a `\r` before
    /// a line break), which `offset` is left at, and whether they are all ASCII (seen on the way,
    /// so ASCII text needs no second look to be known as UTF-8).
    fileprivate mutating func restOfCell(_ bytes: UnsafeBufferPointer<UInt8>) -> (Range<Int>, ascii: Bool) {
        let start = offset
        var seen: UInt64 = 0
        var found = false
        // Eight bytes at a time while eight remain: the first `,` or line break among them is the
        // lowest byte `Self.zeroBytes` marks (it marks exactly the first zero byte of a word).
        if let base = bytes.baseAddress {
            while offset + 8 <= bytes.count {
                let word = UInt64(littleEndian: UnsafeRawPointer(base + offset).loadUnaligned(as: UInt64.self))
                let delimiters = Self.zeroBytes(word ^ 0x2C2C_2C2C_2C2C_2C2C) | Self.zeroBytes(word ^ 0x0A0A_0A0A_0A0A_0A0A)
                if delimiters != 0 {
                    let before = delimiters.trailingZeroBitCount / 8
                    seen |= before == 0 ? 0 : word & (UInt64.max >> (64 - 8 * before))
                    offset += before
                    found = true
                    break
                }
                seen |= word
                offset += 8
            }
        }
        while !found, offset < bytes.count, bytes[offset] != UInt8(ascii: ","), bytes[offset] != UInt8(ascii: "\n") {
            seen |= UInt64(bytes[offset])
            offset += 1
        }
        let crlf = offset < bytes.count && offset > start && bytes[offset] == UInt8(ascii: "\n") && bytes[offset - 1] == UInt8(ascii: "\r")
        return (start..<(crlf ? offset - 1 : offset), seen & 0x8080_8080_8080_8080 == 0)
    }

    /// The high bit of each byte of `word` that is zero set, the rest clear — exact up to the first
    /// zero byte; above it a byte of 1 may be marked too (the borrow), which callers never look at.
    private static func zeroBytes(_ word: UInt64) -> UInt64 {
        (word &- 0x0101_0101_0101_0101) & ~word & 0x8080_8080_8080_8080
    }

    /// A cell that starts with a quote: the text between the quotes (`""` read as `"`), then, when
    /// a `\r` that ends no line follows them, the rest of the cell from it.
    fileprivate mutating func quotedCell(_ bytes: UnsafeBufferPointer<UInt8>, _ rowLine: Int, _ problem: inout CSVReader.Problem?, into row: inout CSVRow) {
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
            case UInt8(ascii: "\r"): after = restOfCell(bytes).0
            default:
                problem = problem ?? .textAfterQuote(line: rowLine)
                _ = restOfCell(bytes)
            }
        }
        if unescaped.isEmpty && after.isEmpty {
            Self.check(UnsafeBufferPointer(rebasing: bytes[quoted]), rowLine, &problem)
            row.append(quoted)
            return
        }
        unescaped += bytes[quoted]
        unescaped += bytes[after]
        unescaped.withUnsafeBufferPointer { Self.check($0, rowLine, &problem) }
        row.append(unescaped: unescaped)
    }

    /// Notes the problem when a cell is not UTF-8.
    fileprivate static func check(_ utf8: UnsafeBufferPointer<UInt8>, _ rowLine: Int, _ problem: inout CSVReader.Problem?) {
        // ASCII needs no validating (which, generic, is far slower).
        if utf8.allSatisfy({ $0 < 0x80 }) || String(validating: utf8, as: UTF8.self) != nil { return }
        problem = problem ?? .invalidUTF8(line: rowLine)
    }
}

/// A row's cells as bytes, where they are: in the bytes the reader reads, or (for a quoted cell
/// with a `""` in it, or text after its closing quote; a JSON number written otherwise than it
/// is read) copied out without the escapes. Text is
/// made of a cell only when asked for: a reader of events parses dates and amounts from the bytes.
/// Reused from row to row, with its storage.
struct CSVRow: Sendable {
    private var bytes: ArraySlice<UInt8> = []
    /// Each cell's bytes: a range of `bytes`, or of `unescaped` when `escaped`.
    private var cells = CellRanges()
    private(set) var count = 0
    private var unescaped: [UInt8] = []

    init() {}

    /// Starts a row of `bytes`.
    mutating func start(_ bytes: ArraySlice<UInt8>) {
        // Row after row they are the same bytes, kept: assigning them retained their buffer,
        // which the threads reading parts of one batch share (and contend for).
        if !Self.same(self.bytes, bytes) { self.bytes = bytes }
        // Cells of its own (a copy of the row, still kept, holds the last row's).
        if !isKnownUniquelyReferenced(&cells) { cells = CellRanges() }
        count = 0
        // Emptied only when not empty already, as it rarely is: few cells need unescaping.
        if !unescaped.isEmpty { unescaped.removeAll(keepingCapacity: true) }
    }

    private static func same(_ a: ArraySlice<UInt8>, _ b: ArraySlice<UInt8>) -> Bool {
        a.indices == b.indices && a.withUnsafeBufferPointer { a in b.withUnsafeBufferPointer { a.baseAddress == $0.baseAddress } }
    }

    /// A cell at `range`, counted from the start of the bytes.
    mutating func append(_ range: Range<Int>) { add((range, false)) }

    mutating func append(unescaped text: [UInt8]) {
        add((unescaped.count..<unescaped.count + text.count, true))
        unescaped += text
    }

    private mutating func add(_ cell: (range: Range<Int>, escaped: Bool)) {
        cells.set(count, to: cell)
        count += 1
    }

    func isEmpty(_ column: Int) -> Bool {
        precondition(column < count, "no such cell in this row")
        return cells[column].range.isEmpty
    }

    /// The cell's bytes (valid UTF-8 unless the row was reported as not).
    func withUTF8<Result>(_ column: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> Result) rethrows -> Result {
        precondition(column < count, "no such cell in this row")
        let (range, escaped) = cells[column]
        if escaped { return try unescaped.withUnsafeBufferPointer { try body(UnsafeBufferPointer(rebasing: $0[range])) } }
        return try bytes.withUnsafeBufferPointer { try body(UnsafeBufferPointer(rebasing: $0[range])) }
    }

    /// The cell's text.
    func text(_ column: Int) -> String {
        withUTF8(column) { String(decoding: $0, as: UTF8.self) }
    }
}

/// A row's cells' ranges, written through a pointer: set in an array, each cell's checked the
/// array's uniqueness. The first `CSVRow.count` are the row's; the rest an earlier row's, written
/// over as cells are added. A class, shared by copies of a row until one starts another row
/// (`CSVRow.start` makes new ones when a copy still holds them).
private final class CellRanges: @unchecked Sendable {
    private var cells: UnsafeMutablePointer<(range: Range<Int>, escaped: Bool)>
    private var capacity: Int

    init(capacity: Int = 16) {
        self.capacity = capacity
        cells = .allocate(capacity: capacity)
    }

    deinit { cells.deallocate() }

    subscript(index: Int) -> (range: Range<Int>, escaped: Bool) { cells[index] }

    /// Sets cell `index`, at most one past those set, making room first when it is full.
    func set(_ index: Int, to cell: (range: Range<Int>, escaped: Bool)) {
        if index == capacity {
            let larger = UnsafeMutablePointer<(range: Range<Int>, escaped: Bool)>.allocate(capacity: capacity * 2)
            larger.moveInitialize(from: cells, count: capacity)
            cells.deallocate()
            (cells, capacity) = (larger, capacity * 2)
        }
        (cells + index).initialize(to: cell)
    }
}
