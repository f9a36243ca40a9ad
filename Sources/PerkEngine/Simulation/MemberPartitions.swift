import CPrefetch
import Foundation
import PerkLanguage

/// A simulation's input, grouped by member without holding it: each event goes, as a compact
/// binary record, to one of a fixed number of partitions chosen by a hash of its member, and a
/// partition's records go to a temporary file once they pass a threshold. A simulation then
/// loads one partition at a time, so memory grows with the members of a partition and not with
/// the events of the input. The temporary file has no name (`SpillFile`): nothing is left behind.
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
    /// Events added to each partition.
    private var counts: [Int]
    /// Where partitions' records go past the threshold, once one passes it.
    private var spillFile: SpillFile?
    /// Where each partition's records are in the spill file, in the order written.
    private var spilled: [[Range<Int>]]
    private let spillThreshold: Int
    /// The policy's event type and field names, written as their index here: in name order, so
    /// that numbers order fields as their names do.
    private let names: [String]
    private let nameIndex: [String: Int]
    /// How a decoded row of each of the policy's event types is written (by the type's index).
    private let layouts: [RecordLayout]

    /// An event type's record, by indices found once. A class: taking a row's layout retains one
    /// reference, not its name and arrays.
    fileprivate final class RecordLayout: Sendable {
        let type: String
        let nameIndex: Int
        /// Its fields' names' indices, in the order the type declares the fields.
        let fieldNameIndices: [Int]
        /// The declared places of the fields that refer to other events.
        let references: [Int]

        init(type: String, nameIndex: Int, fieldNameIndices: [Int], references: [Int]) {
            self.type = type
            self.nameIndex = nameIndex
            self.fieldNameIndices = fieldNameIndices
            self.references = references
        }

        /// A layout of its own for one thread, the same as this one (threads sharing one contend
        /// for its reference count).
        func copy() -> RecordLayout {
            RecordLayout(type: type, nameIndex: nameIndex, fieldNameIndices: fieldNameIndices.map { $0 }, references: references.map { $0 })
        }
    }

    /// - Parameters:
    ///   - policy: the policy the events were decoded for (which fields refer to other events).
    ///   - count: how many partitions. Each is decoded and replayed whole, so a partition's events
    ///     and members should fit the processor's caches: W2's 10 M events in 128 partitions ran
    ///     4–13 % slower with one job than in 256 or 512; since records are prefetched as they
    ///     are decoded, 256, 512 and 1,024 run alike.
    ///   - spillThreshold: the bytes a partition holds in memory before they go to the spill file
    ///     (all of them together: 32 MiB by default).
    public init(file: String, policy: CompiledPolicy, count: Int = 256, spillThreshold: Int = 1 << 17) {
        precondition(count >= 1)
        self.file = file
        self.count = count
        self.spillThreshold = spillThreshold
        references = policy.references
        var names: [String] = []
        for type in policy.checked.eventTypes {
            for name in [type.name] + type.fields.map(\.name) where !names.contains(name) { names.append(name) }
        }
        names.sort()
        self.names = names
        let nameIndex = Dictionary(uniqueKeysWithValues: names.enumerated().map { ($0.element, $0.offset) })
        self.nameIndex = nameIndex
        layouts = policy.checked.eventTypes.map { type in
            let referring = Set((policy.references[type.name] ?? []).map(\.field))
            return RecordLayout(type: type.name, nameIndex: nameIndex[type.name]!, fieldNameIndices: type.fields.map { nameIndex[$0.name]! },
                                references: type.fields.indices.filter { referring.contains(type.fields[$0].name) })
        }
        buffers = Array(repeating: [], count: count)
        counts = Array(repeating: 0, count: count)
        spilled = Array(repeating: [], count: count)
    }

    /// The partition of a member: FNV-1a of its id, the same in every process.
    public func partition(of member: String) -> Int {
        var id = member
        return id.withUTF8(partition(ofID:))
    }

    /// The partition of the member whose id has these bytes.
    /// (From the hash's low half, scaled to the count by a multiplication: a remainder took a
    /// 64-bit division a row. The high half places the member among its partition's.)
    private func partition(ofID id: UnsafeBufferPointer<UInt8>) -> Int {
        Int(((idHash(id) & 0xFFFF_FFFF) &* UInt64(count)) >> 32)
    }

    /// Events encoded as their partitions' records, ready to be added.
    public struct Batch: Sendable {
        /// By partition: the records of its events, in the order given, and how many there are.
        fileprivate var records: [[UInt8]]
        fileprivate var counts: [Int]
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

    /// Encodes the events a reader gives until its part ends, each row written as a record while
    /// the decoder checks it (no `InputEvent` is made, nor any value kept); returns the rows that
    /// could not be read with the batch, in order. The reader's decoder must be for the policy
    /// the partitions were made for.
    public func encode(_ reader: inout EventFileReader) -> (Batch, [InputError]) {
        var encoder = BatchEncoder(self)
        // Room for each partition's records at once (a record takes fewer bytes than its row):
        // grown a doubling at a time, each partition's were copied again and again.
        for index in encoder.batch.records.indices { encoder.batch.records[index].reserveCapacity(reader.byteCount / count + 64) }
        var errors: [InputError] = []
        while let next = reader.next(into: &encoder) {
            switch next {
            case .given: encoder.finishRow()
            case .malformed(let error): errors.append(error)
            }
        }
        return (encoder.batch, errors)
    }

    /// Builds a batch event by event, or row by row as a decoder checks each (see `RowSink`).
    private struct BatchEncoder: RowSink {
        let partitions: MemberPartitions
        /// The partitions' layouts, copied for this encoder's thread.
        let layouts: [RecordLayout]
        var batch: Batch
        var lastType: String?
        /// A name's index by its place in a record (the type, then each field): events of a type
        /// repeat the same names, so a name is usually the one found at its place last time.
        var recent: [(name: String, index: Int?)] = []
        var writer = RecordWriter()
        /// The row being written: its partition, date, type (its layout's index) and line.
        private var row: (partition: Int, date: CivilDate, type: Int, line: Int)?

        init(_ partitions: MemberPartitions) {
            self.partitions = partitions
            layouts = partitions.layouts.map { $0.copy() }
            batch = Batch(records: Array(repeating: [], count: partitions.count), counts: Array(repeating: 0, count: partitions.count))
        }

        mutating func add(_ event: InputEvent) {
            for (field, _) in partitions.references[event.type] ?? [] {
                if case .event(let id)? = event.fields[field] { batch.referencedIDs.insert(id) }
            }
            // Found before writing (a look-up changes `recent`): the type's, then each field's.
            let indices = ([event.type] + event.fields.names).enumerated().map { indexOfName(at: $0.offset, $0.element) }
            writer.write(event) { place, _ in indices[place] }
            finish(partition: partitions.partition(of: event.member), date: event.date, type: event.type)
        }

        // A row's layout is taken unretained from `layouts`, which keeps it: kept with the row
        // and read for each field, it was retained and released three times a row.

        mutating func begin(type: Int, fields: Int, date: CivilDate, id: UnsafeBufferPointer<UInt8>, member: UnsafeBufferPointer<UInt8>, line: Int) {
            row = (partitions.partition(ofID: member), date, type, line)
            layouts.withUnretained(type) { layout in
                precondition(layout.fieldNameIndices.count == fields, "a row decoded for another policy")
                writer.start(atMost: 4 + 5 * RecordCursor.longestVarint + id.count + member.count) { cursor in
                    cursor.start(date: date, type: layout.type, index: layout.nameIndex, id: id, member: member, fields: fields)
                }
            }
        }

        /// The index of the name of field `field` of the row begun.
        private func fieldNameIndex(_ field: Int) -> Int {
            guard let type = row?.type else { preconditionFailure("a field given before its row began") }
            return layouts.withUnretained(type) { $0.fieldNameIndices[field] }
        }

        mutating func set(_ field: Int, _ value: Value) {
            let name = fieldNameIndex(field)
            if case .event(let id) = value, layouts.withUnretained(row!.type, { $0.references.contains(field) }) { batch.referencedIDs.insert(id) }
            // Read in place through a pointer: passed on, the value was copied.
            withUnsafePointer(to: value) { value in
                writer.write(atMost: RecordCursor.longestVarint + RecordWriter.most(value)) { cursor in
                    cursor.name("", index: name)
                    cursor.value(value)
                }
            }
        }

        mutating func set(_ field: Int, amount: ExactNumber, unit: EventDecoder.AmountUnit) {
            let name = fieldNameIndex(field)
            withUnsafePointer(to: unit.value(amount)) { value in
                writer.write(atMost: RecordCursor.longestVarint + 1 + 2 * RecordCursor.longestWideVarint) { cursor in
                    cursor.name("", index: name)
                    cursor.value(value)
                }
            }
        }

        mutating func set(_ field: Int, text: UnsafeBufferPointer<UInt8>) {
            let name = fieldNameIndex(field)
            writer.write(atMost: 2 * RecordCursor.longestVarint + 1 + text.count) { cursor in
                cursor.name("", index: name)
                cursor.text(text)
            }
        }

        /// Adds the row given since `begin` (every field set) to the batch.
        mutating func finishRow() {
            guard let (partition, date, type, line) = row else { return }
            row = nil
            writer.write(atMost: RecordCursor.longestVarint) { $0.unsigned(UInt64(line)) }
            finish(partition: partition, date: date, type: layouts.withUnretained(type) { $0.type })
        }

        /// Adds the record written to the batch, for `partition`.
        private mutating func finish(partition: Int, date: CivilDate, type: String) {
            batch.events += 1
            if batch.lastDate.map({ $0 < date }) ?? true { batch.lastDate = date }
            if type != lastType {
                batch.types.insert(type)
                lastType = type
            }
            batch.counts[partition] += 1
            writer.finish(appendingTo: &batch.records[partition])
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
            counts[index] += batch.counts[index]
            buffers[index] += batch.records[index]
            if buffers[index].count >= spillThreshold { try spill(index) }
        }
    }

    /// A partition's events, in the order they were added.
    public func events(ofPartition index: Int) throws -> [InputEvent] {
        try withRecords(ofPartition: index) { parts in
            var events: [InputEvent] = []
            events.reserveCapacity(counts[index])
            // Partitions are read on several threads at once.
            let file = file.unshared
            var texts = RecentTexts(), dates = RecentDayDates()
            for part in parts {
                var reader = RecordReader(bytes: part)
                while let event = reader.read(names: names, file: file, texts: &texts, dates: &dates) { events.append(event) }
            }
            return events
        }
    }

    /// The texts and dates a thread decoded lately, kept from one partition to the next it decodes
    /// (made again for each, they were mostly made anew: a partition of a small input holds a few
    /// hundred events).
    final class RecentValues: @unchecked Sendable {
        struct Kept {
            var texts = RecentTexts()
            var dates = RecentDayDates()
        }
        private var kept: Kept? = Kept()

        /// Takes them out while a partition is decoded: used in place, every use was checked
        /// for exclusive access.
        func take() -> Kept {
            defer { kept = nil }
            return kept ?? Kept()
        }

        func putBack(_ values: consuming Kept) { kept = values }
    }

    /// A partition's events in the order they are replayed: member after member, each member's
    /// by date (the same date: in the order added), with where each member's are. Decoded in
    /// that order, so that replaying reads them in sequence: decoded in the order added, a
    /// member's events lay scattered over the whole partition's memory.
    /// - Parameter recent: the calling thread's own.
    func eventsByMember(ofPartition index: Int, recent: RecentValues) throws -> (events: ReplayEvents, groups: MemberGroups) {
        try withRecords(ofPartition: index) { parts in
            // Each record's place (counted through the parts in turn), day and member's number,
            // read without its fields.
            var places: [Int] = [], days: [Int] = [], numberOf: [Int] = [], fieldCount = 0
            places.reserveCapacity(counts[index])
            days.reserveCapacity(counts[index])
            numberOf.reserveCapacity(counts[index])
            var members = MemberNumbering()
            var partStart = 0
            for part in parts {
                var reader = RecordReader(bytes: part)
                while let (start, day, member, fields) = reader.skim() {
                    places.append(partStart + start)
                    fieldCount += fields
                    days.append(day)
                    numberOf.append(members.number(of: UnsafeBufferPointer(rebasing: part[member])))
                }
                partStart += part.count
            }
            let grouped = MemberGroups(ids: members.ids, numberOf: numberOf, day: { days[$0] })
            // Replayed events are never reported by place (a refused one is counted by reason),
            // and their member is their group's: they are made as histories record them, in
            // replay order, each record read once. Every event's fields go into one array, each
            // event given its part once the array is whole (a part taken earlier would share the
            // array, which the next field appended would then copy whole): an array per event was
            // allocated and freed for every event replayed.
            var fields: [EventFields.Field] = []
            fields.reserveCapacity(fieldCount)
            // Where each event's fields end, by replay position (the days' storage, read no more).
            var fieldsEnd = consume days
            let events = ReplayEvents(count: places.count)
            var kept = recent.take()
            defer { recent.putBack(kept) }
            // Records are read out of the order they lie in: each is asked for eight records ahead
            // (W2 10M, one job: the replay phase 9.1 → 8.4 s; four or sixteen ahead did as well).
            // Their places are gathered in replay order first, in a loop of nothing else, where the
            // cache misses of reading places at random overlap: read one by one amid the decoding,
            // each missed alone (perf: half of the decoding's time, at W2 10M's 39,000 events a
            // partition).
            let placesInReplayOrder = grouped.positions.map { places[$0] }
            let ahead = 8
            for (replayed, place) in placesInReplayOrder.enumerated() {
                if replayed + ahead < placesInReplayOrder.count { RecordReader.prefetch(placesInReplayOrder[replayed + ahead], in: parts) }
                var reader = RecordReader(at: place, in: parts)
                let (date, type, id, hash) = reader.header(names: names, dates: &kept.dates)
                reader.skipMember()
                reader.readFields(names: names, texts: &kept.texts, into: &fields)
                fieldsEnd[replayed] = fields.count
                events.append(RecordedEvent(id: id, type: type, date: date, fields: EventFields()), idHash: hash)
            }
            var fieldsStart = 0
            for replayed in 0..<events.count {
                // Decoded a whole partition ago, the events are out of the caches again.
                if replayed + ahead < events.count { events.prefetchFields(of: replayed + ahead) }
                events.setFields(of: replayed, EventFields(sorted: fields[fieldsStart..<fieldsEnd[replayed]]))
                fieldsStart = fieldsEnd[replayed]
            }
            // The places' storage serves the replay order's positions.
            return (events, grouped.inReplayOrder(reusing: consume places))
        }
    }

    /// Calls `body` with a partition's records: those written to the spill file, then those in memory.
    private func withRecords<Result>(ofPartition index: Int, _ body: ([UnsafeBufferPointer<UInt8>]) throws -> Result) throws -> Result {
        let written = try spillFile?.read(spilled[index]) ?? []
        // Records do not straddle the file's end and the buffer: a spill writes whole records.
        return try written.withUnsafeBufferPointer { spilledPart in
            try buffers[index].withUnsafeBufferPointer { try body([spilledPart, $0]) }
        }
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

    /// Closes the temporary file, whose space the system then takes back: for a caller done
    /// with the partitions' events. (Taking back what W2's 10 M events wrote, about 450 MB of
    /// cached pages, takes the system about 0.03 s, which a caller can spend on another thread.)
    public func discardSpillFile() { spillFile = nil }

    private func spill(_ index: Int) throws {
        if spillFile == nil { spillFile = try SpillFile() }
        spilled[index].append(try spillFile!.append(buffers[index]))
        buffers[index].removeAll(keepingCapacity: true)
    }

    /// A temporary file could not be written or read.
    public struct SpillError: Error, CustomStringConvertible {
        public let description: String
        init(_ description: String) { self.description = description }
    }
}

/// Writes events as records: the record's length, then date, type, id, member, each field's
/// name and value, in any order (a reader puts them in name order), and last the line (read only
/// to report the event; the length lets a reader find each event's date and member without
/// reading the rest). The date is its day number in four bytes; other integers are LEB128 varints
/// (signed ones zigzag-encoded), strings their UTF-8 length and bytes. A record is written part
/// by part through a pointer into room made for the most each part can take, then appended with
/// its length in one go: appending it byte by byte checked the array's capacity and uniqueness at
/// every byte.
private struct RecordWriter {
    /// Room for the record being written, kept from record to record: space for its length, then
    /// the record, written up to `end`.
    private var room: [UInt8] = []
    private var end = 0

    /// - Parameter nameIndex: a type or field name's index in the policy's names (nil for a
    ///   name the policy does not declare, written out instead), given its place in the record:
    ///   0 for the type, then 1, 2, … for the fields.
    mutating func write(_ event: InputEvent, nameIndex: (Int, String) -> Int?) {
        // Date, line, id's and member's lengths, field count; the type; the id's and member's bytes.
        var most = 4 + 4 * RecordCursor.longestVarint + Self.most(event.type) + event.id.utf8.count + event.member.utf8.count
        for (field, value) in event.fields { most += Self.most(field) + withUnsafePointer(to: value, Self.most) }
        start(atMost: most) { cursor in
            var (id, member) = (event.id, event.member)
            id.withUTF8 { id in
                member.withUTF8 { member in
                    cursor.start(date: event.date, type: event.type, index: nameIndex(0, event.type), id: id, member: member,
                                 fields: event.fields.count)
                }
            }
            for (place, (field, value)) in event.fields.enumerated() {
                cursor.name(field, index: nameIndex(place + 1, field))
                withUnsafePointer(to: value) { cursor.value($0) }
            }
            cursor.unsigned(UInt64(event.location.line))
        }
    }

    /// Starts a record, writing at most `most` bytes of it through a cursor.
    mutating func start(atMost most: Int, _ body: (inout RecordCursor) -> Void) {
        end = RecordCursor.longestVarint
        write(atMost: most, body)
    }

    /// Writes at most `most` more bytes of the record through a cursor.
    mutating func write(atMost most: Int, _ body: (inout RecordCursor) -> Void) {
        if room.count < end + most { room += Array(repeating: 0, count: max(end + most - room.count, 1 << 12)) }
        end = room.withUnsafeMutableBufferPointer { buffer in
            var cursor = RecordCursor(at: buffer.baseAddress! + end)
            body(&cursor)
            precondition(cursor.offset <= most, "a partition record outgrew the room made for it")
            return end + cursor.offset
        }
    }

    /// Appends the record written, its length first, to `records`, in one go.
    mutating func finish(appendingTo records: inout [UInt8]) {
        let length = end - RecordCursor.longestVarint
        let start = RecordCursor.longestVarint - RecordCursor.length(ofVarint: UInt64(length))
        room.withUnsafeMutableBufferPointer { buffer in
            var cursor = RecordCursor(at: buffer.baseAddress! + start)
            cursor.unsigned(UInt64(length))
            records.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[start..<end]))
        }
        // The line after the record asked for now, ready to be written: the partition's next
        // record comes a few hundred rows later, and rows go to partitions at random, so without
        // it nearly every record's store missed the cache and the stores after it waited (W2 10M,
        // one job: 10.1–10.2 → 9.7–9.9 s; the stall showed at the next row's first store).
        records.withUnsafeBufferPointer { perk_prefetch_for_writing($0.baseAddress! + $0.count + 64) }
    }

    /// The most bytes a name takes: its index, or a 0 and the name.
    private static func most(_ name: String) -> Int { 2 * RecordCursor.longestVarint + name.utf8.count }

    /// The most bytes a value takes.
    static func most(_ value: UnsafePointer<Value>) -> Int {
        switch value.pointee {
        case .text(let text), .event(let text): return 1 + RecordCursor.longestVarint + text.utf8.count
        case .list(let items): return 1 + RecordCursor.longestVarint + items.withUnsafeBufferPointer { items in items.indices.reduce(0) { $0 + most(items.baseAddress! + $1) } }
        default: return 1 + 2 * RecordCursor.longestWideVarint
        }
    }
}

/// Writes a record's parts from a pointer into room made for them.
private struct RecordCursor {
    /// The bytes a varint of 64 bits, and of 128 bits, takes at most.
    static let longestVarint = 10, longestWideVarint = 19

    let base: UnsafeMutablePointer<UInt8>
    var offset = 0

    init(at base: UnsafeMutablePointer<UInt8>) { self.base = base }

    /// What a record starts with (after its length): its date, type, id, member and how many
    /// fields follow. (Its line comes last, after the fields.)
    mutating func start(date: CivilDate, type: String, index: Int?, id: UnsafeBufferPointer<UInt8>,
                        member: UnsafeBufferPointer<UInt8>, fields: Int) {
        day(date.dayNumber)
        name(type, index: index)
        string(id)
        string(member)
        unsigned(UInt64(fields))
    }

    /// A name written by its index in the policy's names plus one, or 0 and the name itself.
    mutating func name(_ text: String, index: Int?) {
        if let index {
            unsigned(UInt64(index + 1))
        } else {
            unsigned(0)
            string(text)
        }
    }

    mutating func value(_ value: UnsafePointer<Value>) {
        func tagged(_ tag: UInt8, _ number: ExactNumber) {
            byte(tag)
            wide(number.numerator)
            wide(number.denominator)
        }
        switch value.pointee {
        case .number(let n): tagged(0, n)
        case .money(let n): tagged(1, n)
        case .points(let n): tagged(2, n)
        case .percent(let n): tagged(3, n)
        case .rate(let n): tagged(4, n)
        case .duration(let months, let days):
            byte(5)
            signed(Int64(months))
            signed(Int64(days))
        case .date(let date):
            byte(6)
            signed(Int64(date.dayNumber))
        case .text(let text):
            var text = text
            text.withUTF8 { self.text($0) }
        case .bool(let flag):
            byte(flag ? 9 : 8)
        case .tier(let rank):
            byte(10)
            signed(Int64(rank))
        case .event(let id):
            byte(11)
            string(id)
        case .list(let items):
            byte(12)
            unsigned(UInt64(items.count))
            items.withUnsafeBufferPointer { items in
                for index in items.indices { self.value(items.baseAddress! + index) }
            }
        }
    }

    /// A text value, given as its UTF-8 bytes.
    mutating func text(_ utf8: UnsafeBufferPointer<UInt8>) {
        byte(7)
        string(utf8)
    }

    mutating func byte(_ value: UInt8) {
        base[offset] = value
        offset += 1
    }

    /// A day number in four bytes, lowest first: read back without a loop (day numbers of the
    /// years 1 to 9999 lie within ±2²⁴).
    mutating func day(_ number: Int) {
        UnsafeMutableRawPointer(base + offset).storeBytes(of: Int32(number).littleEndian, as: Int32.self)
        offset += 4
    }

    mutating func unsigned(_ value: UInt64) { varint(value) }

    /// The bytes `unsigned(value)` writes.
    static func length(ofVarint value: UInt64) -> Int { max(1, (64 - value.leadingZeroBitCount + 6) / 7) }

    mutating func signed(_ value: Int64) { varint(UInt64(bitPattern: (value << 1) ^ (value >> 63))) }

    /// Zigzag makes the same number of a value in 64 bits as in 128, so the usual amount, which
    /// fits in 64, takes the shorter loop and writes the same bytes.
    mutating func wide(_ value: Int128) {
        if let narrow = Int64(exactly: value) { return signed(narrow) }
        varint(UInt128(bitPattern: (value << 1) ^ (value >> 127)))
    }

    /// Seven bits a byte, lowest first; the high bit says another byte follows.
    private mutating func varint<Word: FixedWidthInteger & UnsignedInteger>(_ value: Word) {
        var value = value
        while value >= 0x80 {
            byte(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        byte(UInt8(value))
    }

    mutating func string(_ text: String) {
        var text = text
        text.withUTF8 { string($0) }
    }

    /// A string given as its UTF-8 bytes.
    mutating func string(_ utf8: UnsafeBufferPointer<UInt8>) {
        unsigned(UInt64(utf8.count))
        if let source = utf8.baseAddress { Self.copy(utf8.count, from: source, to: base + offset) }
        offset += utf8.count
    }

    /// Copies `count` bytes; from 4 to 16 (ids, members, categories) as two words that overlap
    /// in the middle, without calling `memcpy` (a call costs more than such a copy).
    @inline(__always)
    private static func copy(_ count: Int, from source: UnsafePointer<UInt8>, to target: UnsafeMutablePointer<UInt8>) {
        let from = UnsafeRawPointer(source), to = UnsafeMutableRawPointer(target)
        switch count {
        case 8...16:
            let (head, tail) = (from.loadUnaligned(as: UInt64.self), from.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self))
            to.storeBytes(of: head, as: UInt64.self)
            to.storeBytes(of: tail, toByteOffset: count - 8, as: UInt64.self)
        case 4..<8:
            let (head, tail) = (from.loadUnaligned(as: UInt32.self), from.loadUnaligned(fromByteOffset: count - 4, as: UInt32.self))
            to.storeBytes(of: head, as: UInt32.self)
            to.storeBytes(of: tail, toByteOffset: count - 4, as: UInt32.self)
        default:
            target.update(from: source, count: count)
        }
    }
}

/// Reads back what `RecordWriter` wrote, from bytes it holds still (no bounds checks or
/// reference counting per byte).
private struct RecordReader {
    let bytes: UnsafeBufferPointer<UInt8>
    var offset = 0

    init(bytes: UnsafeBufferPointer<UInt8>, offset: Int = 0) {
        self.bytes = bytes
        self.offset = offset
    }

    /// At the record `place` bytes into `parts`, counted through them in turn.
    init(at place: Int, in parts: [UnsafeBufferPointer<UInt8>]) {
        let (part, offset) = Self.locate(place, in: parts)
        self.init(bytes: parts[part], offset: offset)
    }

    /// Has the processor fetch the start of the record `place` bytes into `parts` into its cache
    /// while other records are read.
    static func prefetch(_ place: Int, in parts: [UnsafeBufferPointer<UInt8>]) {
        let (part, offset) = locate(place, in: parts)
        perk_prefetch(parts[part].baseAddress! + offset)
    }

    private static func locate(_ place: Int, in parts: [UnsafeBufferPointer<UInt8>]) -> (part: Int, offset: Int) {
        var (part, offset) = (0, place)
        while offset >= parts[part].count { (part, offset) = (part + 1, offset - parts[part].count) }
        return (part, offset)
    }

    /// The next record's event (`texts`: see `readFields`).
    mutating func read(names: [String], file: String, texts: inout RecentTexts, dates: inout RecentDayDates) -> InputEvent? {
        guard offset < bytes.count else { return nil }
        let (date, type, id, _) = header(names: names, dates: &dates)
        let member = string()
        var fields: [EventFields.Field] = []
        readFields(names: names, texts: &texts, into: &fields)
        let line = Int(unsigned())
        return InputEvent(id: id, date: date, member: member, type: type, fields: EventFields(sorted: fields[...]),
                          location: InputLocation(file: file, line: line))
    }

    /// A record's date, type and id, up to its member. (Its line, last, is read after its fields.)
    /// A record's date, type and id, and the id's `idHash` (from its bytes, here).
    @inline(__always)
    mutating func header(names: [String], dates: inout RecentDayDates) -> (date: CivilDate, type: String, id: String, idHash: UInt64) {
        _ = unsigned()  // the record's length
        let date = dates.date(dayNumber: day())!
        let type = name(names)
        let length = Int(unsigned())
        defer { offset += length }
        let id = UnsafeBufferPointer(rebasing: bytes[offset..<offset + length])
        return (date, type, String(copyingUTF8: id), idHash(id))
    }

    /// Moves past a record's length, day, type and id, to its member; returns where the record
    /// ends and its day.
    private mutating func toMember() -> (end: Int, day: Int) {
        let length = Int(unsigned())
        let end = offset + length
        let day = day()
        if unsigned() == 0 { offset += Int(unsigned()) }  // the type, by index or written out
        offset += Int(unsigned())  // the id
        return (end, day)
    }

    /// Moves past a record's member.
    mutating func skipMember() { offset += Int(unsigned()) }

    /// A record's fields (after its member), appended to `fields` in name order, texts given
    /// again from `texts` when they were made lately.
    mutating func readFields(names: [String], texts: inout RecentTexts, into fields: inout [EventFields.Field]) {
        let count = Int(unsigned())
        let start = fields.count
        // The number (index plus one) of the name of the last field, the greatest so far; 0 when
        // it is not known (a name written out).
        var last = 0
        for _ in 0..<count {
            let number = Int(unsigned())
            fields.append(EventFields.Field(name: number == 0 ? string() : names[number - 1], value: value(texts: &texts)))
            // Names are numbered in name order: a field numbered after the last stays last, as
            // fields usually do (comparing the names took most of the time of reading a field).
            if fields.count - 1 == start || (number > 0 && last > 0 && number > last) {
                last = number
                continue
            }
            var index = fields.count - 1
            while index > start && fields[index - 1].name > fields[index].name {
                fields.swapAt(index - 1, index)
                index -= 1
            }
            if index == fields.count - 1 { last = number }
        }
    }

    /// Where the next record starts, its day, where its member's id is and how many fields it
    /// has; moves past the record, leaving its fields unread.
    mutating func skim() -> (start: Int, day: Int, member: Range<Int>, fields: Int)? {
        guard offset < bytes.count else { return nil }
        let start = offset
        let (end, day) = toMember()
        let memberLength = Int(unsigned())
        let member = offset..<offset + memberLength
        offset = member.upperBound
        let fields = Int(unsigned())
        offset = end
        return (start, day, member, fields)
    }

    /// A name written by its index in `names` plus one, or 0 and the name itself.
    mutating func name(_ names: [String]) -> String {
        let index = Int(unsigned())
        return index == 0 ? string() : names[index - 1]
    }

    /// Inlined where a field is read (a list's items are read out of line): returned from a call,
    /// the value came back through memory in parts and was copied on whole, and the copy waited
    /// for the parts to be stored.
    @inline(__always)
    mutating func value(texts: inout RecentTexts) -> Value {
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
        case 7:
            let length = Int(unsigned())
            defer { offset += length }
            return .text(texts.text(UnsafeBufferPointer(rebasing: bytes[offset..<offset + length])))
        case 8: return .bool(false)
        case 9: return .bool(true)
        case 10: return .tier(Int(signed()))
        case 11: return .event(string())
        default: return list(texts: &texts)
        }
    }

    @inline(never)
    private mutating func list(texts: inout RecentTexts) -> Value {
        .list((0..<unsigned()).map { _ in value(texts: &texts) })
    }

    mutating func unsigned() -> UInt64 { varint(UInt64.self) }

    /// A day number as `RecordCursor.day` writes it.
    mutating func day() -> Int {
        defer { offset += 4 }
        return Int(Int32(littleEndian: UnsafeRawPointer(bytes.baseAddress! + offset).loadUnaligned(as: Int32.self)))
    }

    mutating func signed() -> Int64 {
        let zigzag = varint(UInt64.self)
        return Int64(bitPattern: zigzag >> 1) ^ -Int64(bitPattern: zigzag & 1)
    }

    /// A 128-bit number, read in 64 bits when it fits (as amounts do), which the zigzag and
    /// varint encodings make the same bytes.
    mutating func wide() -> Int128 {
        let start = offset
        var length = 0
        while bytes[start + length] >= 0x80 { length += 1 }
        if length < 9 { return Int128(signed()) }
        let zigzag = varint(UInt128.self)
        return Int128(bitPattern: zigzag >> 1) ^ -Int128(bitPattern: zigzag & 1)
    }

    private mutating func varint<Word: FixedWidthInteger & UnsignedInteger>(_: Word.Type) -> Word {
        // Most numbers in a record (lengths, names' indices, small days apart) take one byte.
        let first = bytes[offset]
        offset += 1
        if first < 0x80 { return Word(first) }
        var value = Word(first & 0x7F)
        var shift = 7
        while true {
            let byte = bytes[offset]
            offset += 1
            // Masking shift: a record's varint never shifts past its word.
            value |= Word(byte & 0x7F) &<< shift
            if byte < 0x80 { return value }
            shift += 7
        }
    }

    mutating func string() -> String {
        let length = Int(unsigned())
        defer { offset += length }
        return String(copyingUTF8: UnsafeBufferPointer(rebasing: bytes[offset..<offset + length]))
    }
}

/// Numbers members in order of first appearance by their ids' bytes as records hold them: each
/// id's string is made once, not once per event, and bytes are hashed rather than strings (a
/// dictionary keyed by strings made and hashed a string for every event of a partition).
private struct MemberNumbering {
    /// Member `n`'s id.
    private(set) var ids: [String] = []
    /// Every id's bytes, one after another; member `n`'s from `ends[n - 1]` (or 0) to `ends[n]`.
    private var bytes: [UInt8] = []
    private var ends: [Int] = []
    private var hashes: [UInt64] = []
    /// Open addressing by hash: a member's number plus one, 0 for an empty slot. At most half full.
    private var slots = [Int32](repeating: 0, count: 1 << 10)

    /// The number of the member whose id is `id`, numbering it if it is new.
    mutating func number(of id: UnsafeBufferPointer<UInt8>) -> Int {
        let hash = idHash(id)
        let mask = slots.count - 1
        var slot = Self.slot(hash) & mask
        while slots[slot] != 0 {
            let number = Int(slots[slot]) - 1
            if hashes[number] == hash, hasID(number, id) { return number }
            slot = (slot + 1) & mask
        }
        precondition(ids.count < Int(Int32.max), "more than 2³¹ − 1 members in one partition")
        let number = ids.count
        ids.append(String(copyingUTF8: id))
        bytes.append(contentsOf: id)
        ends.append(bytes.count)
        hashes.append(hash)
        slots[slot] = Int32(number + 1)
        if 2 * ids.count > slots.count { grow() }
        return number
    }

    /// Whether member `number`'s id is `id`, compared with `memcmp` (`elementsEqual` on a slice
    /// of the bytes went element by element through generic code).
    private func hasID(_ number: Int, _ id: UnsafeBufferPointer<UInt8>) -> Bool {
        let start = number == 0 ? 0 : ends[number - 1]
        guard ends[number] - start == id.count else { return false }
        return id.isEmpty || bytes.withUnsafeBufferPointer { memcmp($0.baseAddress! + start, id.baseAddress!, id.count) == 0 }
    }

    /// Where a hash's probing starts, before masking: its high half. The low bits are the same
    /// for every member of a partition (they chose it), so slots taken from them would crowd.
    private static func slot(_ hash: UInt64) -> Int { Int(truncatingIfNeeded: hash >> 32) }

    /// Doubles the slots and places every member again.
    private mutating func grow() {
        slots = [Int32](repeating: 0, count: slots.count * 2)
        let mask = slots.count - 1
        for (number, hash) in hashes.enumerated() {
            var slot = Self.slot(hash) & mask
            while slots[slot] != 0 { slot = (slot + 1) & mask }
            slots[slot] = Int32(number + 1)
        }
    }
}

/// A hash of an id's bytes (a member's, or an event's), the same in every process: eight bytes at a time, each word folded in
/// by a full-width multiplication (the halves of the product xored), the last word zero-padded and
/// the length folded in too. FNV-1a, byte by byte, made a chain of eight dependent
/// multiplications of an eight-byte id, twice a row (its partition, then its number).
func idHash(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
    @inline(__always) func fold(_ word: UInt64) -> UInt64 {
        let product = word.multipliedFullWidth(by: 0x9FB2_1C65_1E98_DF25)
        return product.high ^ product.low
    }
    var hash = fold(0x9E37_79B9_7F4A_7C15 ^ UInt64(bytes.count))
    guard let base = bytes.baseAddress else { return hash }
    let raw = UnsafeRawPointer(base)
    var offset = 0
    while bytes.count - offset >= 8 {
        hash = fold(hash ^ UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)))
        offset += 8
    }
    if offset < bytes.count {
        // The last bytes copied into a zeroed word, little-endian (byte by byte, with the shifts'
        // checks, an id of six bytes took 150 instructions).
        var last: UInt64 = 0
        withUnsafeMutableBytes(of: &last) { $0.copyMemory(from: UnsafeRawBufferPointer(start: raw + offset, count: bytes.count - offset)) }
        hash = fold(hash ^ UInt64(littleEndian: last))
    }
    return hash
}
