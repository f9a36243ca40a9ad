import Foundation

/// Results computed on several threads, one per slot, read back in slot order: work split into
/// parts gives the same result whatever the number of threads.
final class OrderedSlots<Element: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: [Element?]

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    func set(_ index: Int, _ value: Element) { lock.withLock { slots[index] = value } }

    /// Every value set, in slot order.
    func values() -> [Element] { lock.withLock { slots.compactMap { $0 } } }
}
