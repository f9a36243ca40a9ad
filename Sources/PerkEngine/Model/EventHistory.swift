/// A member's recorded events of one type, oldest first, which the oldest leave after nearly every
/// event (when no window sees them any more). Those that leave are dropped from the front of the
/// array in bulk, once they are half of it, rather than one by one: removing the first of an
/// array moves every event after it, and a member with thousands of events in a window paid that
/// every day. Only the events kept are elements, so the history is exact; the array holds at most
/// about twice as many.
///
/// Elements are read and changed in place (a double-ended queue's subscript copies the element
/// to read one property of it).
struct EventHistory: RandomAccessCollection, MutableCollection, RangeReplaceableCollection, ExpressibleByArrayLiteral,
                     Hashable, Sendable {
    /// `events[forgotten...]` are the elements.
    private var events: [RecordedEvent] = []
    private var forgotten = 0

    init() {}

    init(arrayLiteral elements: RecordedEvent...) { events = elements }

    var startIndex: Int { 0 }
    var endIndex: Int { events.count - forgotten }

    subscript(position: Int) -> RecordedEvent {
        _read { yield events[forgotten + position] }
        _modify { yield &events[forgotten + position] }
    }

    mutating func replaceSubrange<Events: Collection<RecordedEvent>>(_ range: Range<Int>, with newEvents: Events) {
        events.replaceSubrange(forgotten + range.lowerBound..<forgotten + range.upperBound, with: newEvents)
    }

    mutating func append(_ event: consuming RecordedEvent) { events.append(event) }

    /// Forgets every event, keeping the storage when asked (as `RangeReplaceableCollection`'s
    /// does, but in place: its own makes a new, empty history).
    mutating func removeAll(keepingCapacity keepCapacity: Bool = false) {
        events.removeAll(keepingCapacity: keepCapacity)
        forgotten = 0
    }

    /// Room for `count` events kept in all, without growing.
    mutating func reserveCapacity(_ count: Int) { events.reserveCapacity(forgotten + count) }

    /// Forgets the oldest `count` events.
    mutating func removeFirst(_ count: Int) {
        precondition(count >= 0 && count <= self.count, "cannot forget more events than are kept")
        forgotten += count
        if forgotten * 2 >= events.count {
            events.removeFirst(forgotten)
            forgotten = 0
        }
    }

    static func == (a: EventHistory, b: EventHistory) -> Bool { a.elementsEqual(b) }

    func hash(into hasher: inout Hasher) {
        hasher.combine(count)
        for event in self { hasher.combine(event) }
    }
}
