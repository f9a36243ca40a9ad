import CPrefetch

/// The events of a replay, as members' histories record them (a replay needs neither their
/// member nor their place in the file), each moved out once — to be applied, or dropped — and
/// never copied: read from an array, every event was copied to be applied and the copy freed
/// (about 2 % of a replay). Threads may take events at once, each its own members' (no event
/// twice).
final class ReplayEvents: @unchecked Sendable {
    private let base: UnsafeMutablePointer<RecordedEvent>
    let count: Int
    /// Events put in place so far.
    private var initialized = 0

    /// Room for `count` events, to be put in place in order with `append`.
    init(count: Int) {
        base = .allocate(capacity: max(count, 1))
        self.count = count
    }

    /// The events of an array, copied.
    convenience init(_ events: [InputEvent]) {
        self.init(count: events.count)
        for event in events { append(event.recorded()) }
    }

    /// Puts the next event in place.
    func append(_ event: consuming RecordedEvent) {
        precondition(initialized < count, "more events than room was made for")
        (base + initialized).initialize(to: event)
        initialized += 1
    }

    /// Event `position`, read in place (not yet taken).
    subscript(position: Int) -> RecordedEvent {
        _read { yield base[position] }
    }

    /// Gives event `position` (not yet taken) its fields.
    func setFields(of position: Int, _ fields: EventFields) { base[position].fields = fields }

    /// Asks for the memory of event `position`, to be read: a hint only (any position may be given).
    func prefetch(_ position: Int) {
        guard position < count else { return }
        let event = UnsafeRawPointer(base) + position &* MemoryLayout<RecordedEvent>.stride
        for offset in stride(from: 0, to: MemoryLayout<RecordedEvent>.size, by: 64) { perk_prefetch(event + offset) }
    }

    /// Asks for the memory of event `position`'s date: a hint only.
    func prefetchDate(of position: Int) {
        perk_prefetch(UnsafeRawPointer(base + position) + Self.dateOffset)
    }

    private static let dateOffset = MemoryLayout<RecordedEvent>.offset(of: \.date)!

    /// Asks for the memory of event `position`'s fields, to be set (`setFields`): a hint only.
    func prefetchFields(of position: Int) {
        let fields = UnsafeRawPointer(base + position) + Self.fieldsOffset
        perk_prefetch_for_writing(fields)
        perk_prefetch_for_writing(fields + MemoryLayout<EventFields>.size - 1)
    }

    private static let fieldsOffset = MemoryLayout<RecordedEvent>.offset(of: \.fields)!

    /// Moves event `position` out: it may not be read or taken again.
    func take(_ position: Int) -> RecordedEvent { (base + position).move() }

    /// Drops event `position` unapplied: it may not be read or taken again.
    func drop(_ position: Int) { (base + position).deinitialize(count: 1) }

    /// Every event must have been taken or dropped: the memory is only handed back here.
    deinit {
        base.deallocate()
    }
}
