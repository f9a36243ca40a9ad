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
    /// Where the columns the header names are; nil before it is read.
    private var plan: ColumnPlan?
    /// The cells of the row being read (its storage reused from row to row).
    private var row = CSVRow()
    /// The row `next()` decodes before it makes it an event.
    private var reusedRow = DecodedRow()
    private var failedHeader = false
    /// Where the next JSON line starts; nil after the last.
    private var nextLine: Int?
    /// One decoder for every line of JSON.
    private let json = JSONDecoder()
    /// The plan of the last JSON line's keys, for the next line with the same keys.
    private var keyedPlan: ColumnPlan?
    /// The keys of the last plain JSON line (see `PlainJSONObject`), and how lines with those
    /// keys in that order are read: the plan of their names, and the cell each key fills (nil:
    /// one the mapping leaves unread); or why they cannot be, two keys giving one field.
    /// Exported rows repeat their keys in the same order, and are then read as CSV rows are, by
    /// position (looked up by name, a row's cells were hashed three times over).
    private var plainKeys = KeyBytes()
    private var plainLayout: (plan: ColumnPlan, cells: [Int?])?
    private var plainRefusal: String?
    /// The members of the JSON line being read (their storage reused from line to line).
    private var plainMembers: [PlainJSONObject.Member] = []
    /// JSON lines read so far.
    private var lineIndex = 0
    private let bytes: ArraySlice<UInt8>
    /// How many bytes this reader reads (a part's, or the whole file's).
    var byteCount: Int { bytes.count }
    private let firstLine: Int

    /// - Parameter firstLine: the line number of the first byte (a part of a larger file).
    public init(bytes: [UInt8], format: EventFileFormat, file: String, decoder: EventDecoder, firstLine: Int = 1) {
        self.init(bytes[...], format: format, file: file, decoder: decoder, firstLine: firstLine, plan: nil)
    }

    /// Reads `bytes`: a whole file, or given the `plan` of a CSV file's header, a part after it.
    private init(_ bytes: ArraySlice<UInt8>, format: EventFileFormat, file: String, decoder: EventDecoder, firstLine: Int, plan: ColumnPlan?) {
        self.decoder = decoder
        // Each part is read on its own thread.
        self.file = file.unshared
        self.format = format
        self.bytes = bytes
        self.firstLine = firstLine
        nextLine = format == .jsonLines ? bytes.startIndex : nil
        self.csv = CSVReader(format == .csv ? bytes : [], firstLine: firstLine, atStart: plan == nil)
        self.plan = plan
        reusedRow.file = self.file
    }

    /// Reads a whole file held in memory; see `read(blocks:...)`.
    public static func readAll(_ bytes: [UInt8], format: EventFileFormat, file: String, decoder: EventDecoder, jobs: Int,
                               partSize: Int = 1 << 22) -> [Result<InputEvent, InputError>] {
        var results: [Result<InputEvent, InputError>] = []
        read(blocks: oneBlock(bytes), format: format, file: file, decoder: decoder, jobs: jobs, partSize: partSize) { results += $0 }
        return results
    }

    /// A whole file held in memory as `read(blocks:...)` asks for it: one block.
    public static func oneBlock(_ bytes: [UInt8]) -> (_ carried: ArraySlice<UInt8>) -> [UInt8]? {
        var given = false
        return { carried in
            defer { given = true }
            // Nothing is carried before the first block.
            return given ? nil : carried.isEmpty ? bytes : carried + bytes
        }
    }

    /// Reads a file that arrives in blocks of bytes (a file read piece by piece, a decompressor's
    /// output), holding only a few parts of it at a time. `next(carried)` gives the bytes
    /// `carried` (the last block's unread end: the start of a row) and after them the file's next
    /// block, in one array, nil at the end of the file: read into its place, a block is not copied
    /// again (on W2's 10 M rows, 500 MB moved on the one thread that hands parts out). The bytes are cut into parts at line
    /// breaks that surely end a row — any, in JSON Lines; in CSV one outside quotes, which an even
    /// number of `"` before it proves, as `""` escapes a quote — and the parts of a batch are
    /// read on `jobs` threads. `deliver` receives the results in file order: the same events and
    /// errors, on the same lines, as reading the whole file in one go.
    public static func read(blocks next: (_ carried: ArraySlice<UInt8>) throws -> [UInt8]?, format: EventFileFormat, file: String, decoder: EventDecoder,
                            jobs: Int, partSize: Int = 1 << 22,
                            deliver: ([Result<InputEvent, InputError>]) throws -> Void) rethrows {
        try read(blocks: next, format: format, file: file, decoder: decoder, jobs: jobs, partSize: partSize, parse: { $0.rest() }, deliver: deliver)
    }

    /// The same, with each part read by `parse` from a reader of its own (with `next(into:)`, a
    /// row at a time, to keep events in a form other than `InputEvent`), on the thread that
    /// reads the part; `deliver` receives what it made, in file order.
    public static func read<Part: Sendable>(blocks next: (_ carried: ArraySlice<UInt8>) throws -> [UInt8]?, format: EventFileFormat, file: String, decoder: EventDecoder,
                                            jobs: Int, partSize: Int = 1 << 22,
                                            parse: @escaping @Sendable (inout EventFileReader) -> Part,
                                            deliver: (Part) throws -> Void) rethrows {
        @Sendable func read(_ reader: EventFileReader) -> Part {
            var reader = reader
            return parse(&reader)
        }
        let batchSize = partSize * max(jobs, 1) * 2
        var pending: [UInt8] = []
        var start = 0  // pending[..<start] is read already
        var atEnd = false
        /// Reads blocks until `pending` holds `size` unread bytes or the file ends.
        func fill(_ size: Int) throws {
            while !atEnd && pending.count - start < size {
                guard let block = try next(pending[start...]) else {
                    atEnd = true
                    break
                }
                pending = block
                start = 0
            }
        }
        // Every part of a CSV file is read by the header's columns; a bad header is reported alone.
        var plan: ColumnPlan?
        var line = 1
        if format == .csv {
            var headerEnd: (end: Int, lines: Int)?
            try fill(1 << 16)
            while headerEnd == nil {
                headerEnd = rowEnds(in: pending, from: 0, every: 1, most: 1, format: format, atEnd: atEnd).first
                if headerEnd == nil {
                    if atEnd { break }
                    try fill(pending.count * 2)
                }
            }
            guard let (end, headerLines) = headerEnd else { return try deliver(read(EventFileReader(bytes: pending, format: format, file: file, decoder: decoder))) }
            let headerBytes = Array(pending[..<end])
            var header = EventFileReader(bytes: headerBytes, format: format, file: file, decoder: decoder)
            // A bad header is the whole file's one error: read again, it is what the part gives.
            if header.readHeader() != nil { return try deliver(read(EventFileReader(bytes: headerBytes, format: format, file: file, decoder: decoder))) }
            plan = header.plan
            start = end
            line += headerLines
        }
        // With several jobs, a batch is read while the one before is handed over. Whatever
        // happens, no batch is left being read on return.
        typealias Batch = (results: OrderedSlots<Part>, wait: () -> Void)
        var reading: Batch?
        defer { reading?.wait() }
        /// Waits for a batch that is no longer `reading`, and hands its results over.
        func handOver(_ batch: Batch) throws {
            batch.wait()
            for partResults in batch.results.values() { try deliver(partResults) }
        }
        while true {
            try fill(batchSize)
            guard start < pending.count else { break }
            let ends = rowEnds(in: pending, from: start, every: partSize, format: format, atEnd: atEnd)
            guard let last = ends.last?.end else {
                // No row ends in the batch yet: a row longer than it; read on.
                try fill(pending.count - start + batchSize)
                continue
            }
            var parts: [(range: Range<Int>, firstLine: Int)] = []
            var partStart = start
            for (end, lines) in ends {
                parts.append((partStart..<end, line))
                line += lines
                partStart = end
            }
            start = last
            let results = OrderedSlots<Part>(count: parts.count)
            let cuts = parts, bytes = pending, columns = plan
            let work: @Sendable (Int, Int) -> Void = { index, _ in
                let (range, firstLine) = cuts[index]
                results.set(index, read(EventFileReader(bytes[range], format: format, file: file, decoder: decoder, firstLine: firstLine, plan: columns)))
            }
            if jobs > 1 {
                let previous = reading
                reading = (results, startInParallel(parts.count, jobs: jobs, work))
                if let previous { try handOver(previous) }
            } else {
                runInParallel(parts.count, jobs: 1, work)
                for partResults in results.values() { try deliver(partResults) }
            }
        }
        if let last = reading {
            reading = nil
            try handOver(last)
        }
    }

    /// Where rows end in `bytes[from...]`, at most one cut per `every` bytes: just after a line
    /// break that ends a row. At the end of the file the last cut is the end, whatever is there.
    /// With each cut, the line breaks since the one before (or `from`): the lines it holds.
    /// At most `most` cuts are made.
    static func rowEnds(in bytes: [UInt8], from: Int, every: Int, most: Int = .max, format: EventFileFormat, atEnd: Bool) -> [(end: Int, lines: Int)] {
        var ends: [(end: Int, lines: Int)] = []
        var quotes = 0, lines = 0
        var next = from + every
        var index = from
        let countsQuotes = format == .csv
        bytes.withUnsafeBufferPointer { buffer in
            while index < buffer.count {
                // Bytes before the earliest place of the next cut are only counted. This runs
                // over every byte of the file, on the one thread that hands the parts out.
                if index < next - 1 {
                    let counted = min(next - 1, buffer.count)
                    let (quoteCount, lineCount) = Self.quotesAndLineBreaks(in: UnsafeBufferPointer(rebasing: buffer[index..<counted]))
                    if countsQuotes { quotes &+= quoteCount }
                    lines += lineCount
                    index = counted
                    continue
                }
                let byte = buffer[index]
                index += 1
                if byte == UInt8(ascii: "\"") && countsQuotes {
                    quotes &+= 1
                } else if byte == UInt8(ascii: "\n") {
                    lines += 1
                    if quotes & 1 == 0 && index >= next {
                        ends.append((index, lines))
                        if ends.count == most { return }
                        lines = 0
                        next = index + every
                    }
                }
            }
        }
        if atEnd && ends.count < most && ends.last?.end != bytes.count && bytes.count > from { ends.append((bytes.count, lines)) }
        return ends
    }

    /// The `"` and line breaks in `bytes`, compared 32 at a time. A lane of a comparison's mask
    /// is all ones (−1) where it holds, so subtracting masks counts in each lane; the lanes are
    /// added up every 255 rounds, before one could overflow. (A plain loop over the bytes runs
    /// about 12 times slower.)
    package static func quotesAndLineBreaks(in bytes: UnsafeBufferPointer<UInt8>) -> (quotes: Int, lineBreaks: Int) {
        typealias Lanes = SIMD32<UInt8>
        let quote = Lanes(repeating: UInt8(ascii: "\"")), lineBreak = Lanes(repeating: UInt8(ascii: "\n"))
        var quotes = 0, lineBreaks = 0
        var index = 0
        if let base = bytes.baseAddress {
            let raw = UnsafeRawPointer(base)
            while bytes.count - index >= Lanes.scalarCount {
                var quoteLanes = Lanes(), lineLanes = Lanes()
                let rounds = min(255, (bytes.count - index) / Lanes.scalarCount)
                for _ in 0..<rounds {
                    let chunk = raw.loadUnaligned(fromByteOffset: index, as: Lanes.self)
                    quoteLanes &-= unsafeBitCast(chunk .== quote, to: Lanes.self)
                    lineLanes &-= unsafeBitCast(chunk .== lineBreak, to: Lanes.self)
                    index += Lanes.scalarCount
                }
                quotes += Int(SIMD32<UInt16>(truncatingIfNeeded: quoteLanes).wrappedSum())
                lineBreaks += Int(SIMD32<UInt16>(truncatingIfNeeded: lineLanes).wrappedSum())
            }
        }
        for byte in bytes[index...] {
            if byte == UInt8(ascii: "\"") { quotes += 1 } else if byte == UInt8(ascii: "\n") { lineBreaks += 1 }
        }
        return (quotes, lineBreaks)
    }

    /// The next event, or the problem with the next row; nil at the end of the file.
    public mutating func next() -> Result<InputEvent, InputError>? {
        // Taken out and put back, so its values' storage serves every row.
        var decoded = DecodedRow()
        swap(&decoded, &reusedRow)
        defer { swap(&decoded, &reusedRow) }
        switch next(into: &decoded) {
        case .given?: return .success(decoder.event(decoded))
        case .malformed(let error)?: return .failure(error)
        case nil: return nil
        }
    }

    /// The event or the problem of every row left, in order.
    public mutating func rest() -> [Result<InputEvent, InputError>] {
        var results: [Result<InputEvent, InputError>] = []
        while let next = next() { results.append(next) }
        return results
    }

    /// What reading a row did. (Not a `Result`: the standard library's types are handled through
    /// their metadata outside it, and destroying a `Result` for every row took a hundred
    /// instructions. The error boxed, `RowRead?` is one word: held inline, 64 bytes, it was
    /// destroyed through `Optional`'s metadata for every row, 83 instructions.)
    enum RowRead {
        /// The row was given to the sink.
        case given
        /// The row is malformed (what the sink was given of it is no event).
        indirect case malformed(InputError)
    }

    /// Gives the next row to `sink`, or gives the problem with it; nil at the end of the file. A
    /// sink is reused from row to row, with its storage.
    mutating func next<Sink: RowSink>(into sink: inout Sink) -> RowRead? {
        switch format {
        case .csv: return nextCSV(into: &sink)
        case .jsonLines: return nextJSONLine(into: &sink)
        }
    }

    // MARK: CSV

    /// Reads the header, if it is not read yet; returns the problem with it, if any (and every
    /// later call then gives nothing).
    private mutating func readHeader() -> InputError? {
        guard plan == nil, !failedHeader, let first = csv.next() else { return nil }
        switch first {
        case .failure(let problem):
            failedHeader = true
            return InputError(InputLocation(file: file, line: problem.line), "the header cannot be read: \(problem.reason)", stopsReading: true)
        case .success(let row):
            // The file's columns by the standard column or field each holds (nil: left unread).
            let names = row.cells.map { decoder.mapping.name(ofColumn: $0.trimmingCharacters(in: .whitespaces)) }
            let missing = EventDecoder.standardColumns.filter { !names.contains($0) }
            let duplicate = names.compactMap { $0 }.first { name in names.filter { $0 == name }.count > 1 }
            if !missing.isEmpty || duplicate != nil {
                failedHeader = true
                let message = duplicate.map { "the header names the column `\(decoder.mapping.column(for: $0))` twice" }
                    ?? "the header has no " + missing.map { "`\(decoder.mapping.column(for: $0))`" }.joined(separator: ", ")
                    + " column; it must name the id, date, member and type columns" + Self.headerHint(row.cells, missing: missing.map(decoder.mapping.column(for:)))
                return InputError(InputLocation(file: file, line: row.line), message, stopsReading: true)
            }
            plan = decoder.plan(columns: names)
            return nil
        }
    }

    /// What may be wrong with a header that lacks `missing` columns: the file's names in other
    /// letter cases, or another separator than the comma; otherwise how to map other names.
    private static func headerHint(_ cells: [String], missing: [String]) -> String {
        let cells = cells.map { $0.trimmingCharacters(in: .whitespaces) }
        if cells.count == 1, let separator = [";", "\t", "|"].first(where: { cells[0].contains($0) }) {
            return " (the columns seem to be separated by `\(separator == "\t" ? "\\t" : separator)`: separate them with commas)"
        }
        let otherCase = missing.compactMap { name in cells.first { $0 != name && $0.lowercased() == name.lowercased() }.map { "`\($0)` is not `\(name)`" } }
        if !otherCase.isEmpty { return " (column names are matched exactly: " + otherCase.joined(separator: ", ") + ")" }
        return "; a file with other column names is read through perk.yaml's input.columns"
    }

    private mutating func nextCSV<Sink: RowSink>(into sink: inout Sink) -> RowRead? {
        if failedHeader { return nil }
        if plan == nil, let problem = readHeader() { return .malformed(problem) }
        guard plan != nil else { return nil }
        while let next = csv.next(into: &row) {
            switch next {
            case .failure(let problem):
                return .malformed(error(for: problem))
            case .success(let line):
                if row.count == 1 && row.isEmpty(0) { continue }  // a blank line
                let columns = plan!.names.count
                guard row.count == columns else {
                    return .malformed(InputError(InputLocation(file: file, line: line), "this row has \(row.count) cells but the header has \(columns); each row needs one cell per column, empty for unused fields"))
                }
                return decoder.decode(row, plan: &plan!, line: line, of: file, into: &sink).map { .malformed($0) } ?? .given
            }
        }
        return nil
    }

    /// A quote never closed runs to the end of the file: no row after it can be read.
    private func error(for problem: CSVReader.Problem) -> InputError {
        var stopsReading = false
        if case .unterminatedQuote = problem { stopsReading = true }
        return InputError(InputLocation(file: file, line: problem.line), "this row cannot be read: \(problem.reason)", stopsReading: stopsReading)
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
            // Strings first: most values are, and each kind tried in vain throws.
            if let value = try? container.decode(String.self) {
                self = .text(value)
            } else if container.decodeNil() {
                self = .null
            } else if let value = try? container.decode(Bool.self) {
                self = .bool(value)
            } else {
                self = .number(try container.decode(Decimal.self))
            }
        }
    }

    private mutating func nextJSONLine<Sink: RowSink>(into sink: inout Sink) -> RowRead? {
        while let start = nextLine {
            let end = Self.lineBreak(in: bytes, from: start)
            nextLine = end.map { $0 + 1 }
            let location = InputLocation(file: file, line: firstLine + lineIndex)
            let line = Self.trimmingJSONWhitespace(bytes[start..<(end ?? bytes.endIndex)])
            lineIndex += 1
            if line.isEmpty { continue }
            if line.withUnsafeBufferPointer({ PlainJSONObject.scan($0, into: &plainMembers) }) {
                let keysRepeat = line.withUnsafeBufferPointer { plainKeys.same(as: plainMembers, in: $0) }
                if !keysRepeat {
                    let keys = line.withUnsafeBufferPointer { line in plainMembers.map { String(decoding: UnsafeBufferPointer(rebasing: line[$0.key]), as: UTF8.self) } }
                    line.withUnsafeBufferPointer { plainKeys = KeyBytes(plainMembers, in: $0) }
                    (plainLayout, plainRefusal) = layout(ofKeys: keys)
                }
                // The keys' layout, or else why they are refused.
                guard let cells = plainLayout?.cells else { return .malformed(InputError(location, plainRefusal!)) }
                // The cells where they are in the part's bytes, as a CSV row's, in the plan's order.
                let offset = line.startIndex - bytes.startIndex
                row.start(bytes)
                for (member, cell) in zip(plainMembers, cells) where cell != nil {
                    switch member.value {
                    case .bytes(let range): row.append(range.lowerBound + offset..<range.upperBound + offset)
                    case .rewritten(let text): row.append(unescaped: text)
                    case .null: row.append(offset..<offset)
                    }
                }
                return decoder.decode(row, plan: &plainLayout!.plan, line: location.line, of: file, into: &sink).map { .malformed($0) } ?? .given
            } else {
                // Decoded from the bytes, which the decoder checks are UTF-8: making a string of
                // each line first and trimming it with Foundation took a quarter of the time.
                let decoded = Result { try json.decode([String: JSONCell].self, from: Data(line)) }
                guard case .success(let object) = decoded else {
                    if String(validating: line, as: UTF8.self) == nil {
                        return .malformed(InputError(location, "this line is not valid UTF-8; save the file as UTF-8"))
                    }
                    // An object whose value at a key is a list or an object: said at the key.
                    if case .failure(DecodingError.typeMismatch(_, let context)) = decoded, let key = context.codingPath.first?.stringValue {
                        return .malformed(InputError(location, column: key, "a list or an object is not a value; write text, a number, true or false, or null"))
                    }
                    return .malformed(InputError(location, "this line is not a JSON object; write one object per line, such as {\"id\": \"e1\", \"date\": \"2024-01-10\", ...}"))
                }
                // Each key's cell, under the field name it maps to (empty and null cells are none);
                // in key order, so that two keys giving one field are told apart the same way
                // in every run.
                var cells: [String: String] = [:], keyOf: [String: String] = [:]
                for (key, value) in object.sorted(by: { $0.key < $1.key }) {
                    guard let name = decoder.mapping.name(ofColumn: key) else { continue }
                    if let other = keyOf[name] { return .malformed(InputError(location, Self.twice(name, keys: other, key))) }
                    keyOf[name] = key
                    switch value {
                    case .text(let text) where !text.isEmpty: cells[name] = text
                    case .number(let number): cells[name] = "\(number)"
                    case .bool(let flag): cells[name] = flag ? "true" : "false"
                    case .text, .null: break
                    }
                }
                return decoder.decode(cells, at: location, reusing: &keyedPlan, into: &sink).map { .malformed($0) } ?? .given
            }
        }
        return nil
    }

    /// How lines with these keys, in this order, are read by position (see `plainLayout`), or
    /// why they are refused: one of the two, never both or neither.
    private func layout(ofKeys keys: [String]) -> ((plan: ColumnPlan, cells: [Int?])?, String?) {
        var names: [String] = [], cells: [Int?] = [], keyOf: [String: String] = [:]
        for key in keys {
            guard let name = decoder.mapping.name(ofColumn: key) else {
                cells.append(nil)
                continue
            }
            if let other = keyOf[name] { return (nil, Self.twice(name, keys: other, key)) }
            keyOf[name] = key
            cells.append(names.count)
            names.append(name)
        }
        return ((decoder.plan(columns: names, keyed: true), cells), nil)
    }

    /// Why a JSON line whose keys `first` and `second` both give the field `name` is refused.
    private static func twice(_ name: String, keys first: String, _ second: String) -> String {
        first == second ? "the key `\(first)` is given twice; keep one"
            : "the keys `\(first)` and `\(second)` both give `\(name)`; keep one"
    }

    /// A JSON line's keys as their bytes, one after another, to be compared with the next line's.
    private struct KeyBytes: Sendable {
        private var bytes: [UInt8] = []
        private var ends: [Int] = []

        init() {}

        init(_ members: [PlainJSONObject.Member], in line: UnsafeBufferPointer<UInt8>) {
            for member in members {
                bytes += UnsafeBufferPointer(rebasing: line[member.key])
                ends.append(bytes.count)
            }
        }

        /// Whether the keys of `members` of `line` are these, in this order.
        func same(as members: [PlainJSONObject.Member], in line: UnsafeBufferPointer<UInt8>) -> Bool {
            guard members.count == ends.count else { return false }
            var start = 0
            for (member, end) in zip(members, ends) {
                let key = member.key
                guard key.count == end - start, bytes[start..<end].elementsEqual(UnsafeBufferPointer(rebasing: line[key])) else { return false }
                start = end
            }
            return true
        }
    }

    /// Where the first line break in `bytes[start...]` is, found by `memchr` (the bytes cut into
    /// lines first by `split` took a tenth of the time of reading JSON Lines).
    private static func lineBreak(in bytes: ArraySlice<UInt8>, from start: Int) -> Int? {
        let first = bytes.startIndex
        return bytes.withUnsafeBytes { buffer -> Int? in
            let offset = start - first
            guard let base = buffer.baseAddress, offset < buffer.count else { return nil }
            guard let found: UnsafeMutableRawPointer = memchr(base + offset, 0x0A, buffer.count - offset) else { return nil }
            return first + (UnsafeRawPointer(found) - base)
        }
    }

    /// `line` without the whitespace JSON allows around a value (space, tab, line feed, carriage
    /// return).
    private static func trimmingJSONWhitespace(_ line: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        func isWhitespace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D }
        guard let first = line.firstIndex(where: { !isWhitespace($0) }), let last = line.lastIndex(where: { !isWhitespace($0) }) else { return [] }
        return line[first...last]
    }
}

