import Foundation
import PerkLanguage

/// Turns one row of an event file (column → cell) into an `InputEvent`, checking it against the
/// policy: the type must be declared, every field of that type present and well formed, and no
/// cell filled that the type does not have. Shared by the CSV and JSON Lines readers.
public struct EventDecoder: Sendable {
    /// Columns every event has; the others are the event types' fields.
    public static let standardColumns = ["id", "date", "member", "type"]

    private let eventTypes: [String: EventType]
    /// The columns an event of each type may fill.
    private let columns: [String: Set<String>]
    private let declaredTypes: [String]
    private let tierRanks: [String: Int]
    private let timeZone: TimeZone
    /// How the file's columns and values map to events.
    public let mapping: InputMapping

    public init(policy: CheckedPolicy, mapping: InputMapping = InputMapping()) {
        self.mapping = mapping
        eventTypes = Dictionary(uniqueKeysWithValues: policy.eventTypes.map { ($0.name, $0) })
        declaredTypes = policy.eventTypes.map(\.name)
        columns = Dictionary(uniqueKeysWithValues: policy.eventTypes.map { ($0.name, Set(Self.standardColumns).union($0.fields.map(\.name))) })
        tierRanks = Dictionary(uniqueKeysWithValues: (policy.tiers?.levels ?? []).map { ($0.name, $0.rank) })
        timeZone = TimeZone(identifier: policy.timeZone) ?? TimeZone(secondsFromGMT: 0)!
    }

    /// Decodes a row given as its non-empty cells by column name.
    public func decode(_ cells: [String: String], at location: InputLocation) -> Result<InputEvent, InputError> {
        func fail(_ column: String?, _ message: String) -> Result<InputEvent, InputError> {
            .failure(InputError(location, column: column.map(mapping.column(for:)), message))
        }
        for column in Self.standardColumns where cells[column] == nil {
            return fail(column, "missing; every event needs an id, a date, a member and a type")
        }
        let typeName = mapping.types[cells["type"]!] ?? cells["type"]!
        guard let type = eventTypes[typeName] else {
            let hint = Suggestions.didYouMean(typeName, among: declaredTypes).map { "; \($0)" }
                ?? "; the policy declares " + declaredTypes.map { "`\($0)`" }.joined(separator: ", ")
            return fail("type", "unknown event type `\(typeName)`\(hint)")
        }
        let dateCell = cells["date"]!
        let date = mapping.dateFormat.map { $0.date(dateCell) } ?? Self.date(dateCell, in: timeZone)
        guard let date else {
            let expected = mapping.dateFormat.map { "write it as \($0)" }
                ?? "write YYYY-MM-DD, or an ISO 8601 time with its offset such as 2024-01-10T09:30:00+08:00"
            return fail("date", "`\(dateCell)` is not a date; \(expected)")
        }
        var fields: [String: Value] = [:]
        for (name, fieldType) in type.fields {
            guard let cell = cells[name] else {
                return fail(name, "missing; a `\(typeName)` event needs `\(name)` (\(fieldType))")
            }
            switch value(cell, as: fieldType) {
            case .success(let value): fields[name] = value
            case .failure(let message): return fail(name, message.text)
            }
        }
        if let known = columns[typeName], cells.count > known.count || cells.keys.contains(where: { !known.contains($0) }),
           let extra = cells.keys.filter({ !known.contains($0) }).sorted().first {
            return fail(extra, "`\(typeName)` events have no field `\(extra)`; leave the cell empty")
        }
        return .success(InputEvent(id: cells["id"]!, date: date, member: cells["member"]!, type: typeName, fields: fields, location: location))
    }

    struct Message: Error { let text: String }

    /// Parses a cell as a value of a field's declared type.
    func value(_ cell: String, as type: PerkType) -> Result<Value, Message> {
        func fail(_ text: String) -> Result<Value, Message> { .failure(Message(text: text)) }
        switch type {
        case .money:
            guard let amount = Self.decimal(cell, maxPlaces: 2) else {
                return fail("`\(cell)` is not an amount; write a decimal with at most 2 places and no separators, such as 1234.56")
            }
            guard !amount.isNegative else { return fail("`\(cell)`: an amount cannot be negative") }
            return .success(.money(amount))
        case .points:
            guard let points = Self.decimal(cell, maxPlaces: 0) else {
                return fail("`\(cell)` is not a whole number of points")
            }
            return .success(.points(points))
        case .number:
            guard let number = Self.decimal(cell, maxPlaces: 18) else { return fail("`\(cell)` is not a number") }
            return .success(.number(number))
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

    /// `-12`, `1234.56`: ASCII digits, an optional sign and at most `maxPlaces` decimals.
    static func decimal(_ text: String, maxPlaces: Int) -> ExactNumber? {
        let unsigned = text.hasPrefix("-") || text.hasPrefix("+") ? text.dropFirst() : Substring(text)
        let parts = unsigned.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2, parts.count == 1 || parts[1].count <= maxPlaces else { return nil }
        return ExactNumber(decimal: text.hasPrefix("+") ? String(text.dropFirst()) : text)
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
