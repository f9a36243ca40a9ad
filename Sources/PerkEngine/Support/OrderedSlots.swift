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

/// Runs `work(0..<count)` on exactly `jobs` threads — the caller's and `jobs - 1` started for
/// it — each taking the next index as it finishes one, and returns when all are done. It never
/// uses more threads than asked, so `--jobs` also bounds how much work is in memory at once.
/// The threads are its own, not Dispatch's: the caller is often one of Dispatch's (or Swift
/// concurrency's) pool threads itself, and work sent to that pool waited — sometimes for a whole
/// second — for a thread the pool would not start while the caller blocked. `work` is given the
/// index and which of the `jobs` workers (0..<jobs) runs it, so a worker can use objects of its
/// own: threads sharing one object contend for its reference count on every retain.
package func runInParallel(_ count: Int, jobs: Int, _ work: @escaping @Sendable (_ index: Int, _ worker: Int) -> Void) {
    guard jobs > 1, count > 1 else {
        for index in 0..<count { work(index, 0) }
        return
    }
    let next = NextIndex()
    // The caller is worker 0, the threads started for it 1 and up.
    let wait = start(min(jobs, count) - 1, firstWorker: 1, next, count, work)
    while let index = next.take(below: count) { work(index, 0) }
    wait()
}

/// Starts `work(0..<count)` on `jobs` threads of its own, as `runInParallel` runs it, and returns
/// at once, with the function that waits until all of it is done: the caller can do other work
/// meanwhile (hand over the previous batch's results).
func startInParallel(_ count: Int, jobs: Int, _ work: @escaping @Sendable (_ index: Int, _ worker: Int) -> Void) -> () -> Void {
    start(max(1, min(jobs, count)), firstWorker: 0, NextIndex(), count, work)
}

/// Starts `threads` threads, workers `firstWorker` and up, taking indices below `count` from
/// `next`; returns the wait for them.
private func start(_ threads: Int, firstWorker: Int, _ next: NextIndex, _ count: Int,
                   _ work: @escaping @Sendable (_ index: Int, _ worker: Int) -> Void) -> () -> Void {
    let finished = DispatchSemaphore(value: 0)
    for thread in 0..<threads {
        Thread {
            while let index = next.take(below: count) { work(index, firstWorker + thread) }
            finished.signal()
        }.start()
    }
    return { for _ in 0..<threads { finished.wait() } }
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
