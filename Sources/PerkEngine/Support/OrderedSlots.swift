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

/// Runs `work(0..<count)` on exactly `jobs` threads (one: on the caller's), each taking the next
/// index as it finishes one, and returns when all are done. Unlike `concurrentPerform`, it never
/// uses more threads than asked, so `--jobs` also bounds how much work is in memory at once.
func runInParallel(_ count: Int, jobs: Int, _ work: @escaping @Sendable (Int) -> Void) {
    guard jobs > 1, count > 1 else {
        (0..<count).forEach(work)
        return
    }
    let next = NextIndex()
    let group = DispatchGroup()
    for _ in 0..<min(jobs, count) {
        DispatchQueue.global().async(group: group) {
            while let index = next.take(below: count) { work(index) }
        }
    }
    group.wait()
}

/// A counter threads take indices from.
private final class NextIndex: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0

    func take(below count: Int) -> Int? {
        lock.withLock {
            guard value < count else { return nil }
            defer { value += 1 }
            return value
        }
    }
}
