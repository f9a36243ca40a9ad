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
    /// Each event's `idHash`, to find a member's ids given twice cheaply (`repeatedIDs`). (Not an
    /// array property: each append to it was checked for exclusive access.)
    private let idHashes: UnsafeMutablePointer<UInt64>

    /// Room for `count` events, to be put in place in order with `append`.
    init(count: Int) {
        base = .allocate(capacity: max(count, 1))
        idHashes = .allocate(capacity: max(count, 1))
        self.count = count
    }

    /// The events of an array, copied.
    convenience init(_ events: [InputEvent]) {
        self.init(count: events.count)
        for event in events {
            var id = event.id
            append(event.recorded(), idHash: id.withUTF8(idHash))
        }
    }

    /// Puts the next event in place, with its id's `idHash`.
    func append(_ event: consuming RecordedEvent, idHash: UInt64) {
        precondition(initialized < count, "more events than room was made for")
        (base + initialized).initialize(to: event)
        idHashes[initialized] = idHash
        initialized += 1
    }

    /// The positions among `positions` (one member's, in the order applied, none taken yet)
    /// whose event has the id of an earlier one there: a row exported twice. Hashes are compared
    /// first and ids only when they are equal — each against those before it when the member has
    /// a few events, through a table of hashes when more.
    func repeatedIDs(among positions: ArraySlice<Int>) -> [Int] {
        guard positions.count > 1 else { return [] }
        var repeated: [Int] = []
        if positions.count <= 32 {
            positions.withUnsafeBufferPointer { positions in
                for k in 1..<positions.count {
                    let later = positions[k], hash = idHashes[later]
                    var j = 0
                    while j < k {
                        let earlier = positions[j]
                        if idHashes[earlier] == hash, base[earlier].id == base[later].id {
                            repeated.append(later)
                            break
                        }
                        j += 1
                    }
                }
            }
            return repeated
        }
        // Open addressing, at most half full: each slot the position + 1 of the first event with a hash.
        var size = 128
        while size < 2 * positions.count { size *= 2 }
        var slots = [Int](repeating: 0, count: size)
        for later in positions {
            let hash = idHashes[later]
            var slot = Int(truncatingIfNeeded: hash >> 32) & (size - 1)
            var seen = false
            while slots[slot] != 0 {
                let earlier = slots[slot] - 1
                if idHashes[earlier] == hash, base[earlier].id == base[later].id {
                    seen = true
                    break
                }
                slot = (slot + 1) & (size - 1)
            }
            if seen { repeated.append(later) } else { slots[slot] = later + 1 }
        }
        return repeated
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
        idHashes.deallocate()
    }
}
