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

    /// Every value set, in slot order, handed over: the slots no longer hold them, so the caller
    /// can free each as it is done with it.
    func takeValues() -> [Element] {
        lock.withLock {
            defer { slots = Array(repeating: nil, count: slots.count) }
            return slots.compactMap { $0 }
        }
    }
}
