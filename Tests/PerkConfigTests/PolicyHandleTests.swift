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
        handle.watch(every: 0.05) { ok, _ in if ok { swapped.fulfill() } }
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
