import PerkLanguage

/// Dates read again and again as their ten bytes (`2024-01-10`) — an event file's rows fall on a
/// few hundred days — given again rather than parsed and checked again. 4,096 are kept, each in
/// the slot a hash of its bytes chooses; a date is kept only once its bytes were found to be one.
package struct RecentDates {
    /// Slot `i`'s bytes: the first eight, and the last two with a bit set above them (so that a
    /// slot never used matches nothing).
    private var keys = [UInt64](repeating: 0, count: 2 * RecentDates.slots)
    private var dates = [CivilDate](repeating: CivilDate(dayNumber: 0)!, count: RecentDates.slots)
    private static let slots = 4096

    package init() {}

    /// The date `CivilDate(isoUTF8:)` reads from `bytes`.
    package mutating func date(isoUTF8 bytes: UnsafeBufferPointer<UInt8>) -> CivilDate? {
        guard bytes.count == 10, let base = bytes.baseAddress else { return CivilDate(isoUTF8: bytes) }
        let raw = UnsafeRawPointer(base)
        let head = raw.loadUnaligned(as: UInt64.self)
        let tail = UInt64(raw.loadUnaligned(fromByteOffset: 8, as: UInt16.self)) | 1 << 16
        // Fibonacci hashing of both words: the product's top twelve bits (a thousand days of
        // dates take nearly as many slots).
        let slot = Int(truncatingIfNeeded: ((head &* 31 &+ tail) &* 0x9E37_79B9_7F4A_7C15) >> 52)
        if keys[2 * slot] == head, keys[2 * slot + 1] == tail { return dates[slot] }
        guard let date = CivilDate(isoUTF8: bytes) else { return nil }
        (keys[2 * slot], keys[2 * slot + 1], dates[slot]) = (head, tail, date)
        return date
    }
}

/// Dates made again and again from their day numbers — a partition's events fall on a few hundred
/// days — given again rather than computed again (`CivilDate(dayNumber:)` divides several
/// times). 2,048 are kept, each in the slot the day number's low bits choose: three years of
/// days never share one.
package struct RecentDayDates {
    /// Slot `i`'s day number; at first one whose low bits are not `i` (matching no day number).
    private var days = (0..<RecentDayDates.slots).map { $0 + 1 }
    private var dates = [CivilDate](repeating: CivilDate(dayNumber: 0)!, count: RecentDayDates.slots)
    private static let slots = 2048

    package init() {}

    /// `CivilDate(dayNumber:)`.
    package mutating func date(dayNumber: Int) -> CivilDate? {
        let slot = dayNumber & (Self.slots - 1)
        if days[slot] == dayNumber { return dates[slot] }
        guard let date = CivilDate(dayNumber: dayNumber) else { return nil }
        (days[slot], dates[slot]) = (dayNumber, date)
        return date
    }
}
