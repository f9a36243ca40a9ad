import Foundation
import PerkEngine
import PerkLanguage

/// A policy that can be replaced while in use, for services and embedding applications: callers
/// take `current` (an immutable compiled policy, safe to use while a reload happens); `reload()`
/// reads the files again and swaps them in only if everything checks clean — an edit with errors
/// is refused, reported in `lastError`, and the last good policy stays. `watch(every:)` reloads
/// when the files change, once they have stopped changing.
public final class PolicyHandle: @unchecked Sendable {
    /// What the handle reads: a policy file as written, or a configuration (its policy with its
    /// parameter values).
    public enum Source: Sendable {
        case policy(String)
        case configuration(String)
    }

    /// A policy in service, and what it was loaded from.
    public struct Loaded: Sendable {
        public let policy: CompiledPolicy
        public let configuration: Configuration?
        /// The policy's declared name and version.
        public let name: String?
        public let version: String?
        /// A fingerprint of the files' contents (64-bit FNV-1a, hex): equal files, equal hash.
        public let hash: String
        public let loadedAt: Date
    }

    public let source: Source
    private let lock = NSLock()
    private var loaded: Loaded
    private var error: String?
    private var watcher: DispatchSourceTimer?
    /// What the watcher saw at its last check, and the last it acted on: the files' hash, or why
    /// they cannot be read.
    private var lastSeen: String
    private var actedOn: String

    /// Loads the source; fails with the problem (diagnostics, a configuration error) when it
    /// does not check clean — a service starts only on a good policy.
    public init(_ source: Source) throws {
        self.source = source
        switch Self.load(source) {
        case .success(let loaded):
            self.loaded = loaded
            lastSeen = loaded.hash
            actedOn = loaded.hash
        case .failure(let problem): throw problem
        }
    }

    deinit { watcher?.cancel() }

    /// The policy in service.
    public var current: Loaded { lock.withLock { loaded } }

    /// Why the files are not what is served (an edit with errors, a file that cannot be read);
    /// nil when they are.
    public var lastError: String? { lock.withLock { error } }

    /// Reads the files again: swaps the new policy in if it checks clean (returns true), else
    /// keeps the last good one and records why (returns false). Unchanged files are not
    /// compiled again.
    @discardableResult
    public func reload() -> Bool {
        if let hash = try? Self.fingerprint(source), hash == current.hash {
            lock.withLock { error = nil }
            return true
        }
        switch Self.load(source) {
        case .success(let fresh):
            lock.withLock {
                loaded = fresh
                error = nil
            }
            return true
        case .failure(let problem):
            lock.withLock { error = problem.description }
            return false
        }
    }

    /// What a watched check did.
    public enum Change: Sendable {
        /// New contents were swapped in.
        case swapped
        /// The files were refused (errors, or a file that cannot be read); the last good policy
        /// stays. The reason, also in `lastError`.
        case refused(String)
        /// The files are the served policy again: the last refusal no longer holds.
        case restored
    }

    /// Checks the files every `interval` seconds and acts on what they hold once two checks in a
    /// row have seen it unchanged, so a file still being written is never read half-way: new
    /// contents are reloaded, unreadable files reported, files back to the served policy clear
    /// `lastError`. Each state of the files is acted on once, and again whenever it comes back.
    /// (Polling survives editors that save by renaming a new file into place.) `onChange` hears
    /// of each action.
    public func watch(every interval: TimeInterval = 1, onChange: (@Sendable (Change) -> Void)? = nil) {
        let timer = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "perk.policy-handle"))
        timer.schedule(deadline: .now() + interval, repeating: interval)
        timer.setEventHandler { [weak self] in
            guard let self else { return }
            let seen: String
            do { seen = try Self.fingerprint(self.source) } catch { seen = "\(error)" }
            let (settled, served, wasRefused) = self.lock.withLock {
                defer { self.lastSeen = seen }
                let settled = seen == self.lastSeen && seen != self.actedOn
                if settled { self.actedOn = seen }
                return (settled, self.loaded.hash, self.error != nil)
            }
            guard settled else { return }
            if !self.reload() {
                onChange?(.refused(self.lastError ?? ""))
            } else if self.current.hash != served {
                onChange?(.swapped)
            } else if wasRefused {
                onChange?(.restored)
            }
        }
        lock.withLock {
            watcher?.cancel()
            watcher = timer
        }
        timer.resume()
    }

    /// A load's failure, in words an operator can act on.
    public struct Problem: Error, CustomStringConvertible {
        public let description: String
    }

    private static func load(_ source: Source) -> Result<Loaded, Problem> {
        do {
            let hash = try fingerprint(source)
            let configuration: Configuration?
            let reference: Configuration.PolicyReference
            switch source {
            case .policy(let path):
                configuration = nil
                reference = Configuration.PolicyReference(path: path)
            case .configuration(let path):
                configuration = try Configuration.load(path)
                reference = configuration!.policy
            }
            switch try reference.compile() {
            case .success(let policy):
                if let configuration { try configuration.input.check(against: policy.checked) }
                return .success(Loaded(policy: policy, configuration: configuration, name: policy.checked.name,
                                       version: policy.checked.version, hash: hash, loadedAt: Date()))
            case .failure(let failure):
                return .failure(Problem(description: "\(failure)"))
            }
        } catch {
            return .failure(Problem(description: "\(error)"))
        }
    }

    /// The files' contents, hashed: the configuration (when there is one) and its policy.
    private static func fingerprint(_ source: Source) throws -> String {
        var paths: [String]
        switch source {
        case .policy(let path): paths = [path]
        case .configuration(let path):
            paths = [path]
            if let configuration = try? Configuration.load(path) { paths.append(configuration.policy.path) }
        }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for path in paths {
            guard let data = FileManager.default.contents(atPath: path) else {
                let why = FileManager.default.fileExists(atPath: path) ? "not a file, or not permitted" : "no such file (deleted or moved?)"
                throw Problem(description: "`\(path)` cannot be read: \(why)")
            }
            for byte in data { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
            hash = (hash ^ 0xff) &* 0x100_0000_01b3  // between files
        }
        return String(hash, radix: 16)
    }
}
