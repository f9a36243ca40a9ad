import ArgumentParser
import Foundation
import PerkConfig
import PerkEngine
import PerkLanguage

/// Reads the event and member files commands take: CSV or JSON Lines by extension (or
/// `--input-format`), gzip-compressed when the name ends in `.gz`.
enum InputFiles {
    /// A policy file, checked and compiled as written; its diagnostics end the run with `policyInvalid`.
    static func compilePolicy(_ path: String) throws -> CompiledPolicy {
        try compilePolicy(Configuration.PolicyReference(path: path))
    }

    /// A policy file compiled under a configuration's settings; a parameter value that cannot be
    /// used is reported at its place in the configuration.
    static func compilePolicy(_ reference: Configuration.PolicyReference) throws -> CompiledPolicy {
        do {
            switch try reference.compile() {
            case .success(let policy): return policy
            case .failure(let failure):
                printError("\(failure)")
                throw ExitCode.policyInvalid
            }
        } catch let error as ConfigError {
            printError("\(error)")
            throw ExitCode.policyInvalid
        } catch let error as SourceFileError {
            printError("error: \(error)")
            throw ExitCode.runFailed
        }
    }

    /// The configured policy when `path` is nil or names the same file (its parameter values,
    /// currency and time zone apply), else the file given, as written.
    static func policy(_ path: String?, in configuration: Configuration?) throws -> Configuration.PolicyReference {
        if let configured = configuration?.policy {
            guard let path, !sameFile(path, configured.path) else { return configured }
        }
        guard let path else { throw missing("a policy", orConfig: "policy") }
        return Configuration.PolicyReference(path: path)
    }

    private static func sameFile(_ a: String, _ b: String) -> Bool {
        URL(fileURLWithPath: a).standardizedFileURL.path == URL(fileURLWithPath: b).standardizedFileURL.path
    }

    /// Checks that the configuration's input mapping fits the policy.
    static func checkMapping(_ configuration: Configuration?, against policy: CompiledPolicy) throws {
        do {
            try configuration?.input.check(against: policy.checked)
        } catch let error as ConfigError {
            printError("\(error)")
            throw ExitCode.policyInvalid
        }
    }

    /// The day a report's state is taken at the start of: `--as-of`, or the day after the last event.
    static func asOf(_ text: String?, lastEvent: CivilDate?) throws -> CivilDate {
        if let text {
            guard let date = CivilDate(iso: text) else {
                printError("error: --as-of `\(text)` is not a date; write YYYY-MM-DD")
                throw ExitCode.validationFailure
            }
            return date
        }
        guard let last = lastEvent else {
            printError("error: the input holds no events; give --as-of")
            throw ExitCode.runFailed
        }
        guard let next = last.adding(days: 1) else {
            printError("error: the last event is dated \(last), the last day Perk's calendar has, so there is no day after it to report as of; give --as-of")
            throw ExitCode.runFailed
        }
        return next
    }

    /// Reads an event file a block at a time, on `jobs` threads when it is large (the result does
    /// not depend on it), giving each row's event or error to `each` in file order.
    static func readEvents(_ path: String, format: EventFileFormat?, policy: CompiledPolicy, mapping: InputMapping,
                           jobs: Int = ProcessInfo.processInfo.activeProcessorCount,
                           each: (Result<InputEvent, InputError>) throws -> Void) throws {
        try readEvents(path, format: format, policy: policy, mapping: mapping, jobs: jobs, parse: { $0.rest() }) { results in
            for result in results { try each(result) }
        }
    }

    /// The same, a part of the file at a time: `parse` reads each part's rows from a reader of
    /// its own, on the thread that reads the part, and `deliver` receives what it made, in file
    /// order.
    static func readEvents<Part: Sendable>(_ path: String, format: EventFileFormat?, policy: CompiledPolicy, mapping: InputMapping, jobs: Int,
                                           parse: @escaping @Sendable (inout EventFileReader) -> Part,
                                           deliver: (Part) throws -> Void) throws {
        let plain = path.lowercased().hasSuffix(".gz") ? String(path.dropLast(3)) : path
        guard let format = format ?? EventFileFormat(path: plain) else {
            printError("error: \(path): name the file .csv or .jsonl (optionally .gz), or give --input-format")
            throw ExitCode.runFailed
        }
        let blocks = try FileBlocks(path)
        try EventFileReader.read(blocks: { try blocks.next(after: $0) }, format: format, file: path, decoder: EventDecoder(policy: policy.checked, mapping: mapping),
                                 jobs: jobs, partSize: 1 << 20, parse: parse, deliver: deliver)
        try blocks.finish()
    }

    /// Birthdays by member; a malformed row ends the run.
    static func readBirthdays(_ path: String) throws -> [String: Birthday] {
        let blocks = try FileBlocks(path)
        var bytes: [UInt8] = []
        while let block = try blocks.next() { bytes += block }
        try blocks.finish()
        let read = MemberFileReader.read(bytes, file: path)
        for error in read.errors { printError("error: \(error)") }
        if !read.errors.isEmpty { throw ExitCode.runFailed }
        return read.birthdays
    }
}

/// A file's bytes a block at a time, decompressed by `gzip -dc` when its name ends in `.gz`:
/// however large the file, only a block is held.
final class FileBlocks {
    private let path: String
    private let handle: FileHandle
    private let gzip: Process?
    private let gzipErrors: Pipe?
    static let blockSize = 1 << 23

    init(_ path: String) throws {
        self.path = path
        guard let file = FileHandle(forReadingAtPath: path) else {
            printError("error: cannot read `\(path)`: no such file, or permission denied")
            throw ExitCode.runFailed
        }
        guard path.lowercased().hasSuffix(".gz") else {
            handle = file
            gzip = nil
            gzipErrors = nil
            return
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["gzip", "-dc"]
        let output = Pipe(), errors = Pipe()
        process.standardInput = file
        process.standardOutput = output
        process.standardError = errors
        do {
            try process.run()
        } catch {
            printError("error: \(path): cannot run gzip to decompress it (\(error)); install gzip or give the file uncompressed")
            throw ExitCode.runFailed
        }
        handle = output.fileHandleForReading
        gzip = process
        gzipErrors = errors
    }

    /// The next block, after the bytes `carried` over from the last (read into the same array,
    /// so that the block is not copied after them); nil at the end.
    func next(after carried: ArraySlice<UInt8> = []) throws -> [UInt8]? {
        var failure: Int32 = 0, read = 0
        let block = [UInt8](unsafeUninitializedCapacity: carried.count + Self.blockSize) { buffer, count in
            let copied = buffer.initialize(fromContentsOf: carried)
            (read, failure) = readFully(handle.fileDescriptor, into: UnsafeMutableBufferPointer(rebasing: buffer[copied...]))
            count = copied + read
        }
        guard failure == 0 else {
            printError("error: cannot read `\(path)`: \(String(cString: strerror(failure)))")
            throw ExitCode.runFailed
        }
        return read == 0 ? nil : block
    }

    /// After the last block: fails if the decompressor did.
    func finish() throws {
        guard let gzip, let gzipErrors else { return }
        let message = String(decoding: gzipErrors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        gzip.waitUntilExit()
        guard gzip.terminationStatus == 0 else {
            printError("error: \(path): not a readable gzip file: \(message.trimmingCharacters(in: .whitespacesAndNewlines))")
            throw ExitCode.runFailed
        }
    }
}

extension EventFileFormat: ExpressibleByArgument {}
