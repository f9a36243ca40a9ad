import Foundation
import PerkConfig
import PerkEngine
import PerkLanguage
import XCTest

/// Live policy for embedding applications: a clean edit is swapped in, a broken one refused with
/// its diagnostics while the last good policy stays, readers never see a half-loaded policy.
final class PolicyHandleTests: XCTestCase {
    private func policy(earnRate: String) -> String {
        """
        policy "Reload test" version \(earnRate == "1 point per 10 CNY" ? 1 : 2)
        currency CNY
        param earn_rate = \(earnRate)
        event purchase { amount: money }
        rule points on purchase {
          earn floor(amount * earn_rate)
        }
        """
    }

    private func directory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("perk-handle-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    /// Points for a 100 CNY purchase under the handle's current policy.
    private static func points(_ handle: PolicyHandle) -> ExactNumber {
        let policy = handle.current.policy
        var member = policy.newMember(id: "M1")
        let event = InputEvent(id: "e1", date: CivilDate(year: 2025, month: 1, day: 1)!, member: "M1", type: "purchase",
                               fields: ["amount": .money(ExactNumber(100))], location: InputLocation(file: "t", line: 1))
        _ = policy.apply(event, to: &member)
        return member.balance
    }

    func testCleanEditsSwapBrokenOnesAreRefused() throws {
        let folder = try directory()
        let file = folder.appendingPathComponent("p.perk")
        try policy(earnRate: "1 point per 10 CNY").write(to: file, atomically: true, encoding: .utf8)
        let handle = try PolicyHandle(.policy(file.path))
        XCTAssertEqual(handle.current.version, "1")
        XCTAssertEqual(Self.points(handle), ExactNumber(10))
        let firstHash = handle.current.hash

        // A broken edit: refused, the error says where, the old policy keeps serving.
        try policy(earnRate: "1 point per 10 CNY").replacingOccurrences(of: "earn_rate)", with: "earn_rat)").write(to: file, atomically: true, encoding: .utf8)
        XCTAssertFalse(handle.reload())
        XCTAssertTrue(handle.lastError?.contains("unknown name `earn_rat`") ?? false, handle.lastError ?? "no error")
        XCTAssertEqual(handle.current.hash, firstHash)
        XCTAssertEqual(Self.points(handle), ExactNumber(10))

        // A clean edit: swapped in, the error cleared.
        try policy(earnRate: "2 points per 10 CNY").write(to: file, atomically: true, encoding: .utf8)
        XCTAssertTrue(handle.reload())
        XCTAssertNil(handle.lastError)
        XCTAssertEqual(handle.current.version, "2")
        XCTAssertEqual(Self.points(handle), ExactNumber(20))
        XCTAssertNotEqual(handle.current.hash, firstHash)

        // A broken file cannot start a handle.
        try "policy \"x\"\nrule r on nothing {}\n".write(to: file, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try PolicyHandle(.policy(file.path)))
    }

    /// Through a configuration: a parameter value edited in perk.yaml is picked up by watching,
    /// while readers on other threads keep getting a whole policy (10 or 20 points, nothing else).
    func testWatchingAConfigurationWhileReadersRun() throws {
        let folder = try directory()
        try policy(earnRate: "1 point per 10 CNY").write(to: folder.appendingPathComponent("p.perk"), atomically: true, encoding: .utf8)
        let config = folder.appendingPathComponent("perk.yaml")
        try "policy: p.perk\n".write(to: config, atomically: true, encoding: .utf8)
        let handle = try PolicyHandle(.configuration(config.path))
        XCTAssertEqual(Self.points(handle), ExactNumber(10))
        let swapped = expectation(description: "the edit is swapped in")
        handle.watch(every: 0.05) { change in if case .swapped = change { swapped.fulfill() } }
        let stop = ManagedAtomicFlag()
        let readers = DispatchGroup()
        let seen = LockedSet()
        for _ in 0..<2 {
            DispatchQueue.global().async(group: readers) {
                while !stop.isSet { seen.insert(Self.points(handle)) }
            }
        }
        try "policy: p.perk\nparameters:\n  earn_rate: 2 points per 10 CNY\n".write(to: config, atomically: true, encoding: .utf8)
        wait(for: [swapped], timeout: 10)
        stop.set()
        readers.wait()
        XCTAssertEqual(Self.points(handle), ExactNumber(20))
        XCTAssertTrue(seen.values.isSubset(of: [ExactNumber(10), ExactNumber(20)]), "\(seen.values)")
    }

    /// Waits (at most 10 s) until `done` holds.
    private func eventually(_ what: String, file: StaticString = #filePath, line: UInt = #line, _ done: () -> Bool) {
        let deadline = Date().addingTimeInterval(10)
        while !done(), Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        XCTAssertTrue(done(), what, file: file, line: line)
    }

    /// `lastError` says what the files on disk are at each check: an edit refused, null again
    /// once they are the served policy, the same refused edit reported again after a good one,
    /// a deleted file reported (in either mode) while the last good policy serves.
    func testWatchingReportsTheFilesAsTheyAreNow() throws {
        let folder = try directory()
        let file = folder.appendingPathComponent("p.perk")
        let good = policy(earnRate: "1 point per 10 CNY"), better = policy(earnRate: "2 points per 10 CNY")
        let broken = good.replacingOccurrences(of: "earn_rate)", with: "earn_rat)")
        try good.write(to: file, atomically: true, encoding: .utf8)
        let handle = try PolicyHandle(.policy(file.path))
        handle.watch(every: 0.02)
        func save(_ text: String) throws { try text.write(to: file, atomically: true, encoding: .utf8) }

        try save(broken)
        eventually("the broken edit is reported") { handle.lastError?.contains("unknown name `earn_rat`") ?? false }
        try save(good)
        eventually("back to the served file: no error") { handle.lastError == nil }
        try save(better)
        eventually("the good edit is swapped in") { handle.current.version == "2" && handle.lastError == nil }
        try save(broken)
        eventually("the broken edit, saved again, is reported again") { handle.lastError?.contains("unknown name `earn_rat`") ?? false }
        XCTAssertEqual(Self.points(handle), ExactNumber(20))

        try FileManager.default.removeItem(at: file)
        eventually("the deleted file is reported") { handle.lastError == "`\(file.path)` cannot be read: no such file (deleted or moved?)" }
        XCTAssertEqual(Self.points(handle), ExactNumber(20))
        try save(better)
        eventually("the file back: no error") { handle.lastError == nil }

        // Through a configuration: the configuration deleted.
        let config = folder.appendingPathComponent("perk.yaml")
        try "policy: p.perk\n".write(to: config, atomically: true, encoding: .utf8)
        let configured = try PolicyHandle(.configuration(config.path))
        configured.watch(every: 0.02)
        try FileManager.default.removeItem(at: config)
        eventually("the deleted configuration is reported") { configured.lastError == "`\(config.path)` cannot be read: no such file (deleted or moved?)" }
        XCTAssertEqual(Self.points(configured), ExactNumber(20))
    }

    /// A file that keeps changing — being written — is never taken up: only the contents seen
    /// unchanged at two checks in a row are, once the writing stops.
    func testAFileBeingWrittenIsNotTakenUp() throws {
        let folder = try directory()
        let file = folder.appendingPathComponent("p.perk")
        try policy(earnRate: "1 point per 10 CNY").write(to: file, atomically: true, encoding: .utf8)
        let handle = try PolicyHandle(.policy(file.path))
        let changes = LockedList()
        let interval = 0.3
        handle.watch(every: interval) { change in changes.append("\(change)") }
        // The new policy written a byte at a time, every 5 ms, over several checks: its beginnings
        // (the empty file, the header alone) check clean or not, and none may be taken up.
        let written = Array(policy(earnRate: "2 points per 10 CNY").utf8)
        let writer = try FileHandle(forWritingTo: file)
        try writer.truncate(atOffset: 0)
        let start = Date()
        for byte in written {
            try writer.write(contentsOf: [byte])
            Thread.sleep(forTimeInterval: 0.005)
        }
        try writer.close()
        XCTAssertGreaterThan(Date().timeIntervalSince(start), 2 * interval, "written over fewer than two checks: the test proves nothing")
        XCTAssertEqual(changes.items, [], "taken up while being written")
        // (The change is reported after the policy is swapped in: waited for too.)
        eventually("taken up once written") { handle.current.version == "2" && !changes.items.isEmpty }
        XCTAssertEqual(changes.items, ["swapped"])
        XCTAssertEqual(Self.points(handle), ExactNumber(20))
    }
}

private final class LockedList: @unchecked Sendable {
    private let lock = NSLock()
    private var list: [String] = []
    var items: [String] { lock.withLock { list } }
    func append(_ item: String) { lock.withLock { list.append(item) } }
}

private final class ManagedAtomicFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var flag = false
    var isSet: Bool { lock.withLock { flag } }
    func set() { lock.withLock { flag = true } }
}

private final class LockedSet: @unchecked Sendable {
    private let lock = NSLock()
    private var set: Set<ExactNumber> = []
    var values: Set<ExactNumber> { lock.withLock { set } }
    func insert(_ value: ExactNumber) { _ = lock.withLock { set.insert(value) } }
}
