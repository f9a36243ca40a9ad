import Foundation
import PerkLanguage

/// A simulation's input, grouped by member without holding it: each event goes, as a compact
/// binary record, to one of a fixed number of partitions chosen by a hash of its member, and a
/// partition's records go to a temporary file once they pass a threshold. A simulation then
/// loads one partition at a time, so memory grows with the members of a partition and not with
/// the events of the input. The files are removed when the partitions are.
///
/// Batches of events are encoded on any thread (`encode`) and added from one (`add`), in input
/// order; once they all are, partitions may be read from several threads at once, each partition
/// from one.
public final class MemberPartitions: @unchecked Sendable {
    /// The file the events were read from (for their locations).
    public let file: String
    public let count: Int
    /// Events added.
    public private(set) var events = 0
    /// The date of the latest event added.
    public private(set) var lastDate: CivilDate?
    /// The event types seen.
    public private(set) var types: Set<String> = []
    /// Ids some event refers to (a refund's purchase): the only ones a directory needs.
    private var referencedIDs: Set<String> = []
    private let references: [String: [(field: String, type: String)]]
    private var buffers: [[UInt8]]
    private var spilled: [FileHandle?]
    private let spillThreshold: Int
    private var folder: URL?
    /// The policy's event type and field names, written as their index here.
    private let names: [String]
    private let nameIndex: [String: Int]

    /// - Parameters:
    ///   - policy: the policy the events were decoded for (which fields refer to other events).
    ///   - spillThreshold: the bytes a partition holds in memory before they go to its file.
    public init(file: String, policy: CompiledPolicy, count: Int = 128, spillThreshold: Int = 1 << 18) {
        precondition(count >= 1)
        self.file = file
        self.count = count
        self.spillThreshold = spillThreshold
        references = policy.references
        var names: [String] = []
        for type in policy.checked.eventTypes {
            for name in [type.name] + type.fields.map(\.name) where !names.contains(name) { names.append(name) }
        }
        self.names = names
        nameIndex = Dictionary(uniqueKeysWithValues: names.enumerated().map { ($0.element, $0.offset) })
        buffers = Array(repeating: [], count: count)
        spilled = Array(repeating: nil, count: count)
    }

    deinit {
        for handle in spilled { try? handle?.close() }
        if let folder { try? FileManager.default.removeItem(at: folder) }
    }

    /// The partition of a member: FNV-1a of its id, the same in every process.
    public func partition(of member: String) -> Int {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        var id = member
        id.withUTF8 { bytes in
            for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        }
        return Int(hash % UInt64(count))
    }

    /// Events encoded as their partitions' records, ready to be added.
    public struct Batch: Sendable {
        /// By partition: the records of its events, in the order given.
        fileprivate var records: [[UInt8]]
        fileprivate var events = 0
        fileprivate var lastDate: CivilDate?
        fileprivate var types: Set<String> = []
        fileprivate var referencedIDs: Set<String> = []
    }

    /// Encodes events for their members' partitions. Reads nothing that `add` changes, so batches
    /// can be encoded on several threads while others are added.
    public func encode(_ events: [InputEvent]) -> Batch {
        var encoder = BatchEncoder(self)
        for event in events { encoder.add(event) }
        return encoder.batch
    }

    /// Encodes the events among rows as a reader gives them; returns the rows that could not be
    /// read with the batch, in order.
    public func encode(_ rows: [Result<InputEvent, InputError>]) -> (Batch, [InputError]) {
        var encoder = BatchEncoder(self)
        var errors: [InputError] = []
        for index in rows.indices {
            switch rows[index] {
            case .success(let event): encoder.add(event)
            case .failure(let error): errors.append(error)
            }
        }
        return (encoder.batch, errors)
    }

    /// Builds a batch event by event.
    private struct BatchEncoder {
        let partitions: MemberPartitions
        var batch: Batch
        var lastType: String?
        /// A name's index by its place in a record (the type, then each field): events of a type
        /// repeat the same names, so a name is usually the one found at its place last time.
        var recent: [(name: String, index: Int?)] = []

        init(_ partitions: MemberPartitions) {
            self.partitions = partitions
            batch = Batch(records: Array(repeating: [], count: partitions.count))
        }

        mutating func add(_ event: InputEvent) {
            batch.events += 1
            if batch.lastDate.map({ $0 < event.date }) ?? true { batch.lastDate = event.date }
            if event.type != lastType {
                batch.types.insert(event.type)
                lastType = event.type
            }
            for (field, _) in partitions.references[event.type] ?? [] {
                if case .event(let id)? = event.fields[field] { batch.referencedIDs.insert(id) }
            }
            let index = partitions.partition(of: event.member)
            // The buffer is moved out and back, so appending does not copy it.
            var record = RecordWriter(bytes: [])
            swap(&record.bytes, &batch.records[index])
            record.write(event) { place, name in indexOfName(at: place, name) }
            swap(&record.bytes, &batch.records[index])
        }

        private mutating func indexOfName(at place: Int, _ name: String) -> Int? {
            if place < recent.count, recent[place].name == name { return recent[place].index }
            let index = partitions.nameIndex[name]
            if place < recent.count { recent[place] = (name, index) } else { recent.append((name, index)) }
            return index
        }
    }

    /// Adds a batch's events to their partitions, after those of earlier batches.
    public func add(_ batch: Batch) throws {
        events += batch.events
        if let date = batch.lastDate, lastDate.map({ $0 < date }) ?? true { lastDate = date }
        types.formUnion(batch.types)
        referencedIDs.formUnion(batch.referencedIDs)
        for index in batch.records.indices where !batch.records[index].isEmpty {
            buffers[index] += batch.records[index]
            if buffers[index].count >= spillThreshold { try spill(index) }
        }
    }

    /// A partition's events, in the order they were added.
    public func events(ofPartition index: Int) throws -> [InputEvent] {
        var bytes: [UInt8] = []
        if let handle = spilled[index] {
            do {
                try handle.seek(toOffset: 0)
                bytes = Array(try handle.readToEnd() ?? Data())
                try handle.seekToEnd()
            } catch {
                throw SpillError("cannot read back the temporary file of partition \(index): \(error.localizedDescription)")
            }
        }
        bytes += buffers[index]
        var reader = RecordReader(bytes: bytes)
        var events: [InputEvent] = []
        // Partitions are read on several threads at once.
        let file = file.unshared
        while let event = reader.read(names: names, file: file) { events.append(event) }
        return events
    }

    /// Where every event some other event refers to is: reads every partition once, and only
    /// when an event refers to another.
    public func directory() throws -> EventDirectory {
        var directory = EventDirectory()
        guard !referencedIDs.isEmpty else { return directory }
        for index in 0..<count {
            for event in try events(ofPartition: index) where referencedIDs.contains(event.id) { directory.record(event) }
        }
        return directory
    }

    private func spill(_ index: Int) throws {
        do {
            if spilled[index] == nil {
                if folder == nil {
                    let made = FileManager.default.temporaryDirectory.appendingPathComponent("perk-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString)")
                    try FileManager.default.createDirectory(at: made, withIntermediateDirectories: true)
                    folder = made
                }
                let path = folder!.appendingPathComponent("partition-\(index)").path
                guard FileManager.default.createFile(atPath: path, contents: nil), let handle = FileHandle(forUpdatingAtPath: path) else {
                    throw SpillError("cannot create \(path)")
                }
                spilled[index] = handle
            }
            try spilled[index]!.write(contentsOf: buffers[index])
            buffers[index].removeAll(keepingCapacity: true)
        } catch let error as SpillError {
            throw error
        } catch {
            throw SpillError("cannot write the temporary file of partition \(index) (is the disk full? TMPDIR chooses where they go): \(error.localizedDescription)")
        }
    }

    /// A temporary file could not be written or read.
    public struct SpillError: Error, CustomStringConvertible {
        public let description: String
        init(_ description: String) { self.description = description }
    }
}

/// Writes events as records: line, date, type, id, member, then each field's name and value.
/// Integers are LEB128 varints (signed ones zigzag-encoded), strings their UTF-8 length and bytes.
private struct RecordWriter {
    var bytes: [UInt8]

    /// - Parameter nameIndex: a type or field name's index in the policy's names (nil for a
    ///   name the policy does not declare, written out instead), given its place in the record:
    ///   0 for the type, then 1, 2, … for the fields.
    mutating func write(_ event: InputEvent, nameIndex: (Int, String) -> Int?) {
        var place = 0
        func name(_ text: String) {
            defer { place += 1 }
            if let index = nameIndex(place, text) {
                unsigned(UInt64(index + 1))
            } else {
                unsigned(0)
                string(text)
            }
        }
        unsigned(UInt64(event.location.line))
        signed(Int64(event.date.dayNumber))
        name(event.type)
        string(event.id)
        string(event.member)
        unsigned(UInt64(event.fields.count))
        for (field, value) in event.fields {
            name(field)
            write(value)
        }
    }

    mutating func write(_ value: Value) {
        func tagged(_ tag: UInt8, _ number: ExactNumber) {
            bytes.append(tag)
            wide(number.numerator)
            wide(number.denominator)
        }
        switch value {
        case .number(let n): tagged(0, n)
        case .money(let n): tagged(1, n)
        case .points(let n): tagged(2, n)
        case .percent(let n): tagged(3, n)
        case .rate(let n): tagged(4, n)
        case .duration(let months, let days):
            bytes.append(5)
            signed(Int64(months))
            signed(Int64(days))
        case .date(let date):
            bytes.append(6)
            signed(Int64(date.dayNumber))
        case .text(let text):
            bytes.append(7)
            string(text)
        case .bool(let flag):
            bytes.append(flag ? 9 : 8)
        case .tier(let rank):
            bytes.append(10)
            signed(Int64(rank))
        case .event(let id):
            bytes.append(11)
            string(id)
        case .list(let items):
            bytes.append(12)
            unsigned(UInt64(items.count))
            for item in items { write(item) }
        }
    }

    mutating func unsigned(_ value: UInt64) { varint(value) }

    mutating func signed(_ value: Int64) { varint(UInt64(bitPattern: (value << 1) ^ (value >> 63))) }

    mutating func wide(_ value: Int128) { varint(UInt128(bitPattern: (value << 1) ^ (value >> 127))) }

    /// Seven bits a byte, lowest first; the high bit says another byte follows.
    private mutating func varint<Word: FixedWidthInteger & UnsignedInteger>(_ value: Word) {
        var value = value
        while value >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(value))
    }

    mutating func string(_ text: String) {
        unsigned(UInt64(text.utf8.count))
        bytes.append(contentsOf: text.utf8)
    }
}

/// Reads back what `RecordWriter` wrote.
private struct RecordReader {
    let bytes: [UInt8]
    var offset = 0

    mutating func read(names: [String], file: String) -> InputEvent? {
        guard offset < bytes.count else { return nil }
        let line = Int(unsigned())
        let date = CivilDate(dayNumber: Int(signed()))!
        let type = name(names)
        let id = string(), member = string()
        let count = Int(unsigned())
        var fields = EventFields(minimumCapacity: count)
        for _ in 0..<count {
            let field = name(names)
            fields[field] = value()
        }
        return InputEvent(id: id, date: date, member: member, type: type, fields: fields, location: InputLocation(file: file, line: line))
    }

    /// A name written by its index in `names` plus one, or 0 and the name itself.
    mutating func name(_ names: [String]) -> String {
        let index = Int(unsigned())
        return index == 0 ? string() : names[index - 1]
    }

    mutating func value() -> Value {
        let tag = bytes[offset]
        offset += 1
        func number() -> ExactNumber {
            // Written from an ExactNumber, so already in lowest terms.
            let numerator = wide(), denominator = wide()
            return ExactNumber(lowestTerms: numerator, denominator: denominator)
        }
        switch tag {
        case 0: return .number(number())
        case 1: return .money(number())
        case 2: return .points(number())
        case 3: return .percent(number())
        case 4: return .rate(number())
        case 5:
            let months = Int(signed())
            return .duration(months: months, days: Int(signed()))
        case 6: return .date(CivilDate(dayNumber: Int(signed()))!)
        case 7: return .text(string())
        case 8: return .bool(false)
        case 9: return .bool(true)
        case 10: return .tier(Int(signed()))
        case 11: return .event(string())
        default: return .list((0..<unsigned()).map { _ in value() })
        }
    }

    mutating func unsigned() -> UInt64 { varint(UInt64.self) }

    mutating func signed() -> Int64 {
        let zigzag = varint(UInt64.self)
        return Int64(bitPattern: zigzag >> 1) ^ -Int64(bitPattern: zigzag & 1)
    }

    mutating func wide() -> Int128 {
        let zigzag = varint(UInt128.self)
        return Int128(bitPattern: zigzag >> 1) ^ -Int128(bitPattern: zigzag & 1)
    }

    private mutating func varint<Word: FixedWidthInteger & UnsignedInteger>(_: Word.Type) -> Word {
        var value: Word = 0
        var shift = 0
        while true {
            let byte = bytes[offset]
            offset += 1
            value |= Word(byte & 0x7F) << shift
            if byte < 0x80 { return value }
            shift += 7
        }
    }

    mutating func string() -> String {
        let length = Int(unsigned())
        defer { offset += length }
        return String(decoding: bytes[offset..<offset + length], as: UTF8.self)
    }
}
