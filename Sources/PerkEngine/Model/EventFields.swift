import PerkLanguage

/// An event's field values by name. Events have a handful of fields, so they are kept sorted by
/// name in one small array: cheaper to build, read and free than a dictionary per event (millions
/// of events pass through a simulation), and iterated in the same order in every run. Events
/// decoded together (a partition's, for a simulation) share one array, each its part of it:
/// one allocation for them all instead of one per event.
public struct EventFields: Hashable, Sendable, Sequence, ExpressibleByDictionaryLiteral {
    public struct Field: Hashable, Sendable {
        public let name: String
        public var value: Value
    }

    /// Sorted by name, each name once. (Changed, the part is copied out on its own first.)
    private var fields: ArraySlice<Field> = []

    public init() {}

    /// Room for `count` fields without growing.
    public init(minimumCapacity count: Int) { fields.reserveCapacity(count) }

    /// Fields already sorted by name, each name once: part of an array shared with other events'.
    init(sorted fields: ArraySlice<Field>) { self.fields = fields }

    public init(dictionaryLiteral elements: (String, Value)...) {
        fields.reserveCapacity(elements.count)
        for (name, value) in elements { self[name] = value }
    }

    /// The value of the field `name`, if the event has it. Setting nil removes the field.
    public subscript(name: String) -> Value? {
        get {
            for field in fields where field.name == name { return field.value }
            return nil
        }
        set {
            if let index = fields.firstIndex(where: { $0.name == name }) {
                if let newValue { fields[index].value = newValue } else { fields.remove(at: index) }
                return
            }
            guard let newValue else { return }
            // Fields usually arrive in name order: the search from the end stops at once.
            var index = fields.endIndex
            while index > fields.startIndex && fields[index - 1].name > name { index -= 1 }
            if index == fields.endIndex {
                fields.append(Field(name: name, value: newValue))
            } else {
                fields.insert(Field(name: name, value: newValue), at: index)
            }
        }
    }

    /// The value of the field `name`, looked for first at `position` (nil: not known).
    @inline(__always)
    func value(of name: String, usuallyAt position: Int?) -> Value? {
        if let index = index(name, usuallyAt: position) { return fields[index].value }
        return self[name]
    }

    /// The amount of the field `name` when it is a quantity, read in place (copying the field's
    /// value out to read it costs more than reading it).
    @inline(__always)
    func amount(of name: String, usuallyAt position: Int?) -> ExactNumber? {
        if let index = index(name, usuallyAt: position) { return fields[index].value.amount }
        for index in fields.indices where fields[index].name == name { return fields[index].value.amount }
        return nil
    }

    /// The text of the field `name` when it is a text, read in place.
    @inline(__always)
    func text(of name: String, usuallyAt position: Int?) -> String? {
        func text(at index: Int) -> String? { if case .text(let text) = fields[index].value { text } else { nil } }
        if let index = index(name, usuallyAt: position) { return text(at: index) }
        for index in fields.indices where fields[index].name == name { return text(at: index) }
        return nil
    }

    /// Whether the field `name` is a text among `texts`, read in place; nil when the event has
    /// no such field or it is not a text.
    @inline(__always)
    func text(of name: String, usuallyAt position: Int?, isAmong texts: [String]) -> Bool? {
        func test(_ index: Int) -> Bool? { if case .text(let text) = fields[index].value { texts.contains(text) } else { nil } }
        if let index = index(name, usuallyAt: position) { return test(index) }
        for index in fields.indices where fields[index].name == name { return test(index) }
        return nil
    }

    /// The index of field `name` when it is the `position`th field.
    @inline(__always)
    private func index(_ name: String, usuallyAt position: Int?) -> Int? {
        guard let position, position < fields.count else { return nil }
        let index = fields.startIndex + position
        return fields[index].name == name ? index : nil
    }

    /// Where field `name` is among the fields of an event of `type` that has every field its
    /// type declares (as every event read from a file does): its rank among their names.
    static func position(of name: String, amongFieldsOf type: EventType) -> Int? {
        type.fields.map(\.name).sorted().firstIndex(of: name)
    }

    public var count: Int { fields.count }
    public var isEmpty: Bool { fields.isEmpty }
    /// The fields' names, sorted.
    public var names: [String] { fields.map(\.name) }

    public struct Iterator: IteratorProtocol {
        fileprivate var base: IndexingIterator<ArraySlice<Field>>
        public mutating func next() -> (name: String, value: Value)? { base.next().map { ($0.name, $0.value) } }
    }

    /// The fields in name order.
    public func makeIterator() -> Iterator { Iterator(base: fields.makeIterator()) }
}
