import PerkLanguage

/// How an event file that is not in Perk's own layout maps to events: columns named otherwise,
/// values of the type column that mean an event type, columns to leave unread, and the date
/// format. The default is Perk's layout (`id,date,member,type` and the fields by name, ISO dates).
public struct InputMapping: Sendable, Equatable {
    /// The file's column (CSV header or JSON key) for a standard column or field named otherwise:
    /// `["member": "card_no"]`.
    public var columns: [String: String] { didSet { fieldsByColumn = Self.fields(byColumn: columns) } }
    /// `columns` the other way round, kept (made at every look-up, it cost a dictionary a cell).
    private var fieldsByColumn: [String: String]
    /// Values of the type column and the event type each is: `["SALE": "purchase"]`.
    public var types: [String: String]
    /// Columns of the file that are no event's field, left unread.
    public var ignored: Set<String>
    /// The format of the date column; nil for ISO 8601 (a date, or a time with its offset).
    public var dateFormat: DateFormat?

    public init(columns: [String: String] = [:], types: [String: String] = [:], ignored: Set<String> = [], dateFormat: DateFormat? = nil) {
        self.columns = columns
        fieldsByColumn = Self.fields(byColumn: columns)
        self.types = types
        self.ignored = ignored
        self.dateFormat = dateFormat
    }

    /// The standard column or field a file's column holds; nil for a column left unread.
    func name(ofColumn column: String) -> String? {
        if ignored.contains(column) { return nil }
        return fieldsByColumn[column] ?? column
    }

    /// The file's name for a standard column or field, for messages.
    func column(for name: String) -> String { columns[name] ?? name }

    private static func fields(byColumn columns: [String: String]) -> [String: String] {
        Dictionary(columns.map { ($0.value, $0.key) }, uniquingKeysWith: { a, _ in a })
    }
}

/// A date format such as `DD/MM/YYYY`: `YYYY`, `MM` and `DD` once each (two-digit month and day),
/// any other character taken literally.
public struct DateFormat: Sendable, Equatable, CustomStringConvertible {
    private enum Part: Equatable { case year, month, day, literal(UInt8) }
    private let parts: [Part]
    public let description: String

    /// Nil when the pattern lacks one of `YYYY`, `MM`, `DD` or has one twice.
    public init?(_ pattern: String) {
        var parts: [Part] = []
        var rest = Substring(pattern)
        while let first = rest.utf8.first {
            if rest.hasPrefix("YYYY") {
                parts.append(.year)
                rest = rest.dropFirst(4)
            } else if rest.hasPrefix("MM") {
                parts.append(.month)
                rest = rest.dropFirst(2)
            } else if rest.hasPrefix("DD") {
                parts.append(.day)
                rest = rest.dropFirst(2)
            } else {
                guard first < 0x80, !"YMD".utf8.contains(first) else { return nil }
                parts.append(.literal(first))
                rest = rest.dropFirst()
            }
        }
        guard [Part.year, .month, .day].allSatisfy({ part in parts.count { $0 == part } == 1 }) else { return nil }
        self.parts = parts
        description = pattern
    }

    /// The date a cell in this format gives; nil when it does not match or is no calendar day.
    public func date(_ text: String) -> CivilDate? {
        let bytes = Array(text.utf8)
        var index = 0, year = 0, month = 0, day = 0
        func digits(_ count: Int) -> Int? {
            guard index + count <= bytes.count else { return nil }
            var value = 0
            for byte in bytes[index..<index + count] {
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
            }
            index += count
            return value
        }
        for part in parts {
            switch part {
            case .year: guard let value = digits(4) else { return nil }; year = value
            case .month: guard let value = digits(2) else { return nil }; month = value
            case .day: guard let value = digits(2) else { return nil }; day = value
            case .literal(let byte):
                guard index < bytes.count, bytes[index] == byte else { return nil }
                index += 1
            }
        }
        return index == bytes.count ? CivilDate(year: year, month: month, day: day) : nil
    }
}
