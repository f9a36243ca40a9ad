import PerkLanguage

/// One event read from an input file, checked against the policy's declaration of its type.
public struct InputEvent: Hashable, Sendable {
    public let id: String
    /// The event's date in the policy's time zone.
    public let date: CivilDate
    public let member: String
    public let type: String
    /// Field values, typed as the policy declares the fields (a reference to another event is `.event(id)`).
    public let fields: EventFields
    /// Where it was read from, for messages.
    public let location: InputLocation

    public init(id: String, date: CivilDate, member: String, type: String, fields: EventFields, location: InputLocation) {
        self.id = id
        self.date = date
        self.member = member
        self.type = type
        self.fields = fields
        self.location = location
    }

    /// The event as a member's history records it.
    func recorded() -> RecordedEvent { RecordedEvent(id: id, type: type, date: date, fields: fields) }
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
    /// Whether the rows after this one cannot be read either (a header that cannot be read, a
    /// quoted cell never closed): not a row that can be left out alone.
    public let stopsReading: Bool

    public init(_ location: InputLocation, column: String? = nil, _ message: String, stopsReading: Bool = false) {
        self.location = location
        self.column = column
        self.message = message
        self.stopsReading = stopsReading
    }

    public var description: String {
        "\(location): " + (column.map { "\($0): " } ?? "") + message
    }
}

extension Sequence {
    /// The elements in the order a member's events are applied: by date, the same date in the
    /// order given (a stable sort, which `sorted` alone does not promise).
    public func inDateOrder(_ date: (Element) -> CivilDate) -> [Element] {
        let items = Array(self)
        // Positions are sorted, so each element is copied once.
        var order = Array(items.indices)
        order.sortInDateOrder { date(items[$0]) }
        return order.map { items[$0] }
    }
}

extension MutableCollection where Self: RandomAccessCollection, Element == Int {
    /// Sorts positions (given in input order) by their items' dates, the same date in input order;
    /// often they are in order already, and nothing moves.
    mutating func sortInDateOrder(_ date: (Int) -> CivilDate) {
        if zip(self, dropFirst()).allSatisfy({ date($0) <= date($1) }) { return }
        sort { (date($0), $0) < (date($1), $1) }
    }
}
