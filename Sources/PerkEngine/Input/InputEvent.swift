import PerkLanguage

/// A value of an event's field, typed as the policy declares the field.
public enum FieldValue: Hashable, Sendable {
    case number(ExactNumber)
    /// In the policy's currency.
    case money(ExactNumber)
    /// A whole number of points.
    case points(ExactNumber)
    /// As written: `5%` is 5.
    case percent(ExactNumber)
    case duration(months: Int, days: Int)
    case date(CivilDate)
    case text(String)
    case bool(Bool)
    /// A tier, by its rank (0 is the lowest).
    case tier(Int)
    /// The id of an earlier event (`original` of a refund); the engine resolves it.
    case event(id: String)
}

/// One event read from an input file, checked against the policy's declaration of its type.
public struct InputEvent: Hashable, Sendable {
    public let id: String
    /// The event's date in the policy's time zone.
    public let date: CivilDate
    public let member: String
    public let type: String
    public let fields: [String: FieldValue]
    /// Where it was read from, for messages.
    public let location: InputLocation

    public init(id: String, date: CivilDate, member: String, type: String, fields: [String: FieldValue], location: InputLocation) {
        self.id = id
        self.date = date
        self.member = member
        self.type = type
        self.fields = fields
        self.location = location
    }
}

/// A place in an input file: the file and the 1-based line the row starts on (the header is
/// line 1 of a CSV file).
public struct InputLocation: Hashable, Sendable, CustomStringConvertible {
    public let file: String
    public let line: Int

    public init(file: String, line: Int) {
        self.file = file
        self.line = line
    }

    public var description: String { "\(file):\(line)" }
}

/// A row that could not be read, and why: `events.csv:12: amount: "12,34" is not an amount ...`.
public struct InputError: Error, Hashable, Sendable, CustomStringConvertible {
    public let location: InputLocation
    /// The column or key at fault, when there is one.
    public let column: String?
    public let message: String

    public init(_ location: InputLocation, column: String? = nil, _ message: String) {
        self.location = location
        self.column = column
        self.message = message
    }

    public var description: String {
        "\(location): " + (column.map { "\($0): " } ?? "") + message
    }
}
