import Foundation
import PerkLanguage

/// Turns one row of an event file (column → cell) into an `InputEvent`, checking it against the
/// policy: the type must be declared, every field of that type present and well formed, and no
/// cell filled that the type does not have. Shared by the CSV and JSON Lines readers.
public struct EventDecoder: Sendable {
    /// Columns every event has; the others are the event types' fields.
    public static let standardColumns = ["id", "date", "member", "type"]

    /// The declared event types; a plan and a row's type refer to them by index.
    private let eventTypes: [EventType]
    private let typeIndices: [String: Int]
    /// The columns an event of each type may fill.
    private let columns: [Set<String>]
    private let tierRanks: [String: Int]
    /// How each field of each type is read, by type and field index.
    private let fieldReadings: [[FieldReading]]
    private let timeZone: TimeZone
    /// How the file's columns and values map to events.
    public let mapping: InputMapping

    public init(policy: CheckedPolicy, mapping: InputMapping = InputMapping()) {
        self.mapping = mapping
        eventTypes = policy.eventTypes
        typeIndices = Dictionary(uniqueKeysWithValues: policy.eventTypes.enumerated().map { ($0.element.name, $0.offset) })
        columns = policy.eventTypes.map { Set(Self.standardColumns).union($0.fields.map(\.name)) }
        tierRanks = Dictionary(uniqueKeysWithValues: (policy.tiers?.levels ?? []).map { ($0.name, $0.rank) })
        fieldReadings = policy.eventTypes.map { $0.fields.map { field in
            Self.amountForm(of: field.type).map { .amount($0) } ?? (field.type == .text ? .text : .other)
        } }
        timeZone = TimeZone(identifier: policy.timeZone) ?? TimeZone(secondsFromGMT: 0)!
    }

    /// Where the standard columns and each type's fields are in rows of the given columns (named
    /// by the standard column or field each holds, nil for one left unread; no name twice).
    /// `keyed`: the row's values come by key (a JSON object, a policy test's row), not in cells.
    func plan(columns names: [String?], keyed: Bool = false) -> ColumnPlan {
        let named = names.indices.filter { names[$0] != nil }.sorted { names[$0]! < names[$1]! }
        return ColumnPlan(names: names, keyed: keyed, standard: Self.standardColumns.map { names.firstIndex(of: $0) },
                          types: eventTypes.indices.map { index in
                              (eventTypes[index].fields.map { names.firstIndex(of: $0.name) }, named.filter { !columns[index].contains(names[$0]!) })
                          })
    }

    /// Decodes a row given as its non-empty cells by column name.
    public func decode(_ cells: [String: String], at location: InputLocation) -> Result<InputEvent, InputError> {
        var plan: ColumnPlan?
        var decoded = DecodedRow()
        decoded.file = location.file
        return decode(cells, at: location, reusing: &plan, into: &decoded).map { .failure($0) } ?? .success(event(decoded))
    }

    /// The same, with the plan of the previous row's names, kept in `plan` for the next (rows of
    /// a file usually have the same names); the row goes into `sink`, or the error is returned.
    func decode<Sink: RowSink>(_ cells: [String: String], at location: InputLocation, reusing plan: inout ColumnPlan?, into sink: inout Sink) -> InputError? {
        let sameNames = plan.map { $0.names.count == cells.count && $0.names.allSatisfy { $0.map { cells[$0] != nil } ?? false } } ?? false
        if !sameNames { plan = self.plan(columns: Array(cells.keys), keyed: true) }
        // The row's cells in the plan's order (every name of a keyed plan is a key of the row).
        return decode(plan!.names.map { cells[$0!]! }, plan: &plan!, line: location.line, of: location.file, into: &sink)
    }

    /// Decodes a row given as one cell per column of `plan`, empty for none, into `sink`; returns
    /// the error when the row is malformed (what `sink` was given of it then is no event). The
    /// row is on line `line` of `file`. (Not given as an `InputLocation`: made for every row,
    /// a location retained and released the file's name.)
    func decode<Cells: RowCells, Sink: RowSink>(_ row: Cells, plan: inout ColumnPlan, line: Int, of file: String,
                                                into sink: inout Sink) -> InputError? {
        func fail(_ column: String?, _ message: String) -> InputError {
            InputError(InputLocation(file: file, line: line), column: column.map { mapping.column(for: $0) }, message)
        }
        func filled(_ column: Int?) -> Int? {
            guard let column, !row.isEmpty(column) else { return nil }
            return column
        }
        guard let idColumn = filled(plan.standard[0]), let dateColumn = filled(plan.standard[1]), let memberColumn = filled(plan.standard[2]),
              let typeColumn = filled(plan.standard[3]) else {
            let missing = Self.standardColumns.indices.first { filled(plan.standard[$0]) == nil }!
            return fail(Self.standardColumns[missing], "missing; every event needs an id, a date, a member and a type")
        }
        let typeIndex: Int
        // Bytes against bytes, as words: through a string it cost several times as much.
        if let last = plan.lastType, row.withUTF8(typeColumn, { ShortBytes($0) == last.cell }) {
            typeIndex = last.index
        } else {
            let typeCell = row.text(typeColumn)
            let typeName = mapping.types[typeCell] ?? typeCell
            guard let index = typeIndices[typeName] else {
                let declaredTypes = eventTypes.map(\.name)
                let hint = Suggestions.didYouMean(typeName, among: declaredTypes).map { "; \($0)" }
                    ?? "; the policy declares " + declaredTypes.map { "`\($0)`" }.joined(separator: ", ")
                return fail("type", "unknown event type `\(typeName)`\(hint)")
            }
            typeIndex = index
            plan.lastType = row.withUTF8(typeColumn) { ShortBytes($0) }.map { ($0, index) }
        }
        // A plain date is read from the cell's bytes; a time or another format from its text.
        let date = mapping.dateFormat == nil ? row.withUTF8(dateColumn) { $0.count == 10 ? plan.recentDates.date(isoUTF8: $0) : nil } : nil
        guard let date = date ?? mapping.dateFormat.map({ $0.date(row.text(dateColumn)) }) ?? Self.date(row.text(dateColumn), in: timeZone) else {
            let expected = mapping.dateFormat.map { "write it as \($0)" }
                ?? "write YYYY-MM-DD, or an ISO 8601 time with its offset such as 2024-01-10T09:30:00+08:00"
            return fail("date", "`\(row.text(dateColumn))` is not a date; \(expected)")
        }
        row.withUTF8(idColumn) { id in
            row.withUTF8(memberColumn) { member in
                sink.begin(type: typeIndex, fields: eventTypes[typeIndex].fields.count, date: date, id: id, member: member, line: line)
            }
        }
        // The type and its columns are read in place, by index: copying them (or zipping them)
        // for every row retained and released each of their arrays and strings.
        for index in eventTypes[typeIndex].fields.indices {
            guard let column = filled(plan.types[typeIndex].fields[index]) else {
                let (name, fieldType) = eventTypes[typeIndex].fields[index]
                return fail(name, "missing; a `\(eventTypes[typeIndex].name)` event needs `\(name)` (\(fieldType))")
            }
            // An amount is read from the cell's bytes, a text given as its bytes; anything else,
            // or an amount that is not one (for the message), from its text.
            switch fieldReadings[typeIndex][index] {
            case .amount(let form):
                if let amount = row.withUTF8(column, { form.read($0) }) {
                    sink.set(index, amount: amount, unit: form.unit)
                    continue
                }
            case .text:
                row.withUTF8(column) { sink.set(index, text: $0) }
                continue
            case .other:
                break
            }
            let (name, fieldType) = eventTypes[typeIndex].fields[index]
            switch value(row.text(column), as: fieldType) {
            case .success(let value): sink.set(index, value)
            case .failure(let message): return fail(name, message.text)
            }
        }
        if let column = plan.types[typeIndex].others.first(where: { !row.isEmpty($0) }), let extra = plan.names[column] {
            return fail(extra, "`\(eventTypes[typeIndex].name)` events have no field `\(extra)`; " + (plan.keyed ? "remove `\(extra)` from this event" : "leave the cell empty"))
        }
        return nil
    }

    /// The event a decoded row holds.
    func event(_ decoded: DecodedRow) -> InputEvent {
        let type = eventTypes[decoded.type]
        var fields = EventFields(minimumCapacity: type.fields.count)
        for index in type.fields.indices { fields[type.fields[index].name] = decoded.values[index] }
        return InputEvent(id: decoded.id, date: decoded.date, member: decoded.member, type: type.name, fields: fields, location: decoded.location)
    }

    struct Message: Error { let text: String }

    /// Parses a cell as a value of a field's declared type.
    func value(_ cell: String, as type: PerkType) -> Result<Value, Message> {
        func fail(_ text: String) -> Result<Value, Message> { .failure(Message(text: text)) }
        switch type {
        case .money, .points, .number:
            let form = Self.amountForm(of: type)!
            guard let amount = Self.decimal(cell, maxPlaces: form.places) else {
                // Digits and at most one point, but too many digits to keep exactly.
                if cell.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "." || $0 == "-") }), cell.filter(\.isNumber).count > 36 {
                    return fail("`\(cell)` has more than 36 digits, more than Perk keeps exactly")
                }
                switch type {
                case .money: return fail("`\(cell)` is not an amount; write a decimal with at most 2 places and no separators, such as 1234.56")
                case .points: return fail("`\(cell)` is not a whole number of points")
                default: return fail("`\(cell)` is not a number")
                }
            }
            guard form.negativeAllowed || !amount.isNegative else { return fail("`\(cell)`: an amount cannot be negative") }
            return .success(form.unit.value(amount))
        case .percent:
            let digits = cell.hasSuffix("%") ? String(cell.dropLast()) : cell
            guard let percent = Self.decimal(digits, maxPlaces: 18) else { return fail("`\(cell)` is not a percentage such as 5%") }
            return .success(.percent(percent))
        case .duration:
            guard let duration = Self.duration(cell) else { return fail("`\(cell)` is not a duration such as `30 days` or `12 months`") }
            return .success(duration)
        case .date:
            guard let date = CivilDate(iso: cell) else { return fail("`\(cell)` is not a date; write YYYY-MM-DD") }
            return .success(.date(date))
        case .bool:
            switch cell {
            case "true": return .success(.bool(true))
            case "false": return .success(.bool(false))
            default: return fail("`\(cell)` is not `true` or `false`")
            }
        case .tier:
            guard let rank = tierRanks[cell] else {
                return fail("`\(cell)` is not a tier" + (Suggestions.didYouMean(cell, among: tierRanks.keys).map { "; \($0)" } ?? ""))
            }
            return .success(.tier(rank))
        case .event:
            return .success(.event(cell))
        case .text:
            return .success(.text(cell))
        case .rate, .list, .invalid:
            return fail("fields of this type cannot be read from an event file")
        }
    }

    /// How a field's cell is read: as an amount, as a text (its bytes as they are), or as a value
    /// of another type (from its text).
    enum FieldReading: Sendable {
        case amount(AmountForm)
        case text
        case other
    }

    /// The type of an amount read from a cell (a `PerkType`, copied, is retained and released).
    enum AmountUnit: Sendable {
        case number, money, points

        /// A value of this unit.
        func value(_ amount: ExactNumber) -> Value {
            switch self {
            case .number: return .number(amount)
            case .money: return .money(amount)
            case .points: return .points(amount)
            }
        }
    }

    /// How a field of an amount type is read: at most `places` decimals; money is never negative.
    struct AmountForm: Sendable {
        let places: Int
        let negativeAllowed: Bool
        let unit: AmountUnit

        /// The amount of a cell's bytes, nil when they are not one (`value(_:as:)` says why).
        func read(_ utf8: UnsafeBufferPointer<UInt8>) -> ExactNumber? {
            guard let amount = EventDecoder.decimal(utf8, maxPlaces: places), negativeAllowed || !amount.isNegative else { return nil }
            return amount
        }
    }

    /// How a field of `type` is read when it is an amount (money, points, a number).
    static func amountForm(of type: PerkType) -> AmountForm? {
        switch type {
        case .money: return AmountForm(places: 2, negativeAllowed: false, unit: .money)
        case .points: return AmountForm(places: 0, negativeAllowed: true, unit: .points)
        case .number: return AmountForm(places: 18, negativeAllowed: true, unit: .number)
        default: return nil
        }
    }

    /// `-12`, `1234.56`: ASCII digits, an optional sign and at most `maxPlaces` decimals.
    static func decimal(_ text: String, maxPlaces: Int) -> ExactNumber? {
        var text = text
        return text.withUTF8 { decimal($0, maxPlaces: maxPlaces) }
    }

    /// The same, from UTF-8 bytes. Inlined where a cell is read, as the reading of the digits is.
    @inline(__always)
    static func decimal(_ utf8: UnsafeBufferPointer<UInt8>, maxPlaces: Int) -> ExactNumber? {
        let unsigned = utf8.first == UInt8(ascii: "+") ? UnsafeBufferPointer(rebasing: utf8.dropFirst()) : utf8
        return ExactNumber(decimalUTF8: unsigned, maxPlaces: maxPlaces)
    }

    static func duration(_ text: String) -> Value? {
        let words = text.split(separator: " ")
        guard words.count == 2, let count = Int(words[0]) else { return nil }
        switch words[1] {
        case "day", "days": return .duration(months: 0, days: count)
        case "week", "weeks": return .duration(months: 0, days: count * 7)
        case "month", "months": return .duration(months: count, days: 0)
        case "year", "years": return .duration(months: count * 12, days: 0)
        default: return nil
        }
    }

    /// `2024-01-10`, or an ISO 8601 time (`2024-01-10T23:30:00Z`, `...+08:00`, `...-0500`) taken
    /// as the calendar date it is in `zone`. A time without an offset is already local.
    public static func date(_ text: String, in zone: TimeZone) -> CivilDate? {
        if text.utf8.count == 10 { return CivilDate(iso: text) }
        let scalars = Array(text.utf8)
        guard scalars.count >= 16, scalars[10] == UInt8(ascii: "T") || scalars[10] == UInt8(ascii: " "),
              let day = CivilDate(iso: text.prefix(10)) else { return nil }
        // The clock time: HH:MM[:SS[.fraction]]
        func number(_ from: Int, _ length: Int) -> Int? {
            guard from + length <= scalars.count else { return nil }
            return Int(String(decoding: scalars[from..<from + length], as: UTF8.self))
        }
        guard let hour = number(11, 2), scalars[13] == UInt8(ascii: ":"), let minute = number(14, 2),
              hour < 24, minute < 60 else { return nil }
        var index = 16
        var second = 0
        if index < scalars.count, scalars[index] == UInt8(ascii: ":") {
            guard let s = number(index + 1, 2), s < 61 else { return nil }
            second = s
            index += 3
            if index < scalars.count, scalars[index] == UInt8(ascii: ".") {
                index += 1
                while index < scalars.count, (48...57).contains(scalars[index]) { index += 1 }
            }
        }
        let rest = String(decoding: scalars[index...], as: UTF8.self)
        let offsetSeconds: Int
        switch rest {
        case "": return day  // local time already
        case "Z", "z": offsetSeconds = 0
        default:
            let sign = rest.first == "-" ? -1 : 1
            let digits = rest.dropFirst().replacingOccurrences(of: ":", with: "")
            guard rest.first == "+" || rest.first == "-", digits.count == 4, digits.allSatisfy(\.isASCII),
                  let hours = Int(digits.prefix(2)), let minutes = Int(digits.suffix(2)), hours < 24, minutes < 60 else { return nil }
            offsetSeconds = sign * (hours * 3600 + minutes * 60)
        }
        let utc = (day.dayNumber * 86_400) + hour * 3600 + minute * 60 + second - offsetSeconds
        let local = utc + zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(utc)))
        return CivilDate(dayNumber: local >= 0 ? local / 86_400 : (local - 86_399) / 86_400)
    }
}

/// A row's cells by column, as the decoder reads them: as text, or as bytes where a value is
/// parsed from them (dates, amounts), and text would be made only to be dropped.
protocol RowCells {
    func isEmpty(_ column: Int) -> Bool
    func text(_ column: Int) -> String
    func withUTF8<Result>(_ column: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> Result) rethrows -> Result
}

extension CSVRow: RowCells {}

extension Array: RowCells where Element == String {
    func isEmpty(_ column: Int) -> Bool { self[column].isEmpty }
    func text(_ column: Int) -> String { self[column] }
    func withUTF8<Result>(_ column: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> Result) rethrows -> Result {
        var text = self[column]
        return try text.withUTF8(body)
    }
}

/// A row as the decoder checked it, before it is made an `InputEvent`. One is reused from row
/// to row, so its values' storage is too.
struct DecodedRow: Sendable {
    /// The id's bytes, then the member's, overwritten row after row (appending each, after
    /// emptying the array, went through generic code), and where each ends.
    private var idAndMember: [UInt8] = []
    private var idLength = 0, memberEnd = 0
    var id: String { String(decoding: idAndMember[..<idLength], as: UTF8.self) }
    private(set) var date = CivilDate(dayNumber: 0)!
    var member: String { String(decoding: idAndMember[idLength..<memberEnd], as: UTF8.self) }
    /// The index of its type among the policy's event types (`CheckedPolicy.eventTypes`).
    private(set) var type = 0
    /// The values of its type's fields, in the order the type declares them.
    private(set) var values: [Value] = []
    /// The file the rows come from, set by whoever reads them, and the row's line.
    var file = ""
    private(set) var line = 0
    var location: InputLocation { InputLocation(file: file, line: line) }
    /// Text fields' values read lately, given again when a row repeats one.
    private var texts = RecentTexts()

    /// Sets the id and the member from their bytes (valid UTF-8).
    private mutating func setID(_ id: UnsafeBufferPointer<UInt8>, member: UnsafeBufferPointer<UInt8>) {
        idLength = id.count
        memberEnd = id.count + member.count
        if idAndMember.count < memberEnd { idAndMember = Array(repeating: 0, count: max(memberEnd, 64)) }
        idAndMember.withUnsafeMutableBufferPointer { room in
            guard let base = room.baseAddress else { return }
            if let id = id.baseAddress { base.update(from: id, count: idLength) }
            if let member = member.baseAddress { (base + idLength).update(from: member, count: memberEnd - idLength) }
        }
    }
}

extension DecodedRow: RowSink {
    mutating func begin(type: Int, fields: Int, date: CivilDate, id: UnsafeBufferPointer<UInt8>, member: UnsafeBufferPointer<UInt8>, line: Int) {
        setID(id, member: member)
        self.date = date
        self.type = type
        self.line = line
        // Each value is written over the previous row's: emptying the array first (destroying
        // each value through generic code) cost as much as reading the row's date.
        if values.count > fields { values.removeLast(values.count - fields) }
        while values.count < fields { values.append(.bool(false)) }
    }

    mutating func set(_ field: Int, _ value: Value) { values[field] = value }

    mutating func set(_ field: Int, amount: ExactNumber, unit: EventDecoder.AmountUnit) { values[field] = unit.value(amount) }

    /// A text repeated from a recent row is given again rather than made again.
    mutating func set(_ field: Int, text: UnsafeBufferPointer<UInt8>) { values[field] = .text(texts.text(text)) }
}

/// What the decoder gives a row to as it checks it: first the row's type, date, id, member and
/// place, then each field's value by its place among the type's declared fields. A row found
/// malformed on the way is not finished: what the sink was given of it is no event.
protocol RowSink {
    /// A row of event type `type` (its index among the policy's), whose type has `fields`
    /// fields, on line `line` of the file read.
    mutating func begin(type: Int, fields: Int, date: CivilDate, id: UnsafeBufferPointer<UInt8>, member: UnsafeBufferPointer<UInt8>, line: Int)
    /// Field `field`'s value.
    mutating func set(_ field: Int, _ value: Value)
    /// Field `field`'s value, an amount.
    mutating func set(_ field: Int, amount: ExactNumber, unit: EventDecoder.AmountUnit)
    /// Field `field`'s value, a text, as its UTF-8 bytes.
    mutating func set(_ field: Int, text: UnsafeBufferPointer<UInt8>)
}

/// Where a file's standard columns and each event type's fields are, resolved once from its
/// header (or a row's column names) so that rows are read by position.
struct ColumnPlan: Sendable {
    /// The standard column or field each column holds; nil for one left unread.
    let names: [String?]
    /// Whether values come by key rather than in cells (what a message tells to remove).
    let keyed: Bool
    /// The columns holding `EventDecoder.standardColumns`, in that order; nil for one not there.
    let standard: [Int?]
    /// By the decoder's index of each event type: the column of each of its fields in declaration
    /// order (nil for one not there), and the columns it may not fill, by their names' order.
    let types: [(fields: [Int?], others: [Int])]
    /// The last type cell read (of up to 16 bytes) and the index of the event type it names.
    var lastType: (cell: ShortBytes, index: Int)?
    /// Dates read lately, given again when a row repeats one.
    var recentDates = RecentDates()
}
