import ArgumentParser
import Foundation
import PerkEngine
import PerkLanguage

/// Reads the event and member files commands take: CSV or JSON Lines by extension (or
/// `--input-format`), gzip-compressed when the name ends in `.gz`.
enum InputFiles {
    /// Every event of a file, and every malformed row with the reason.
    struct Events {
        var events: [InputEvent] = []
        var directory = EventDirectory()
        var malformed: [InputError] = []
        /// Rows read, well-formed or not.
        var rows: Int { events.count + malformed.count }
    }

    /// A policy file, checked and compiled; its diagnostics end the run with `policyInvalid`.
    static func compilePolicy(_ path: String) throws -> CompiledPolicy {
        do {
            switch CompiledPolicy.compile(try SourceFile(contentsOfFile: path)) {
            case .success(let policy): return policy
            case .failure(let failure):
                printError("\(failure)")
                throw ExitCode.policyInvalid
            }
        } catch let error as SourceFileError {
            printError("error: \(error)")
            throw ExitCode.runFailed
        }
    }

    /// The day a report's state is taken at the start of: `--as-of`, or the day after the last event.
    static func asOf(_ text: String?, events: [InputEvent]) throws -> CivilDate {
        if let text {
            guard let date = CivilDate(iso: text) else {
                printError("error: --as-of `\(text)` is not a date; write YYYY-MM-DD")
                throw ExitCode.validationFailure
            }
            return date
        }
        guard let last = events.map(\.date).max(), let next = last.adding(days: 1) else {
            printError("error: the input holds no events; give --as-of")
            throw ExitCode.runFailed
        }
        return next
    }

    /// Reads on `jobs` threads when the file is large (the result does not depend on it).
    static func readEvents(_ path: String, format: EventFileFormat?, policy: CompiledPolicy,
                           jobs: Int = ProcessInfo.processInfo.activeProcessorCount) throws -> Events {
        let plain = path.lowercased().hasSuffix(".gz") ? String(path.dropLast(3)) : path
        guard let format = format ?? EventFileFormat(path: plain) else {
            printError("error: \(path): name the file .csv or .jsonl (optionally .gz), or give --input-format")
            throw ExitCode.runFailed
        }
        var read = Events()
        for next in EventFileReader.readAll(try bytes(of: path), format: format, file: path, decoder: EventDecoder(policy: policy.checked), jobs: jobs) {
            switch next {
            case .success(let event):
                read.events.append(event)
                read.directory.record(event)
            case .failure(let error):
                read.malformed.append(error)
            }
        }
        return read
    }

    /// Birthdays by member; a malformed row ends the run.
    static func readBirthdays(_ path: String) throws -> [String: Birthday] {
        let read = MemberFileReader.read(try bytes(of: path), file: path)
        for error in read.errors { printError("error: \(error)") }
        if !read.errors.isEmpty { throw ExitCode.runFailed }
        return read.birthdays
    }

    /// A file's bytes, decompressed when its name ends in `.gz`.
    static func bytes(of path: String) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            printError("error: cannot read `\(path)`: no such file, or permission denied")
            throw ExitCode.runFailed
        }
        guard path.lowercased().hasSuffix(".gz") else { return Array(data) }
        return try gunzip(path)
    }

    private static func gunzip(_ path: String) throws -> [UInt8] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["gzip", "-dc", "--", path]
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        do {
            try process.run()
        } catch {
            printError("error: \(path): cannot run gzip to decompress it (\(error)); install gzip or give the file uncompressed")
            throw ExitCode.runFailed
        }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            printError("error: \(path): not a readable gzip file: \(message.trimmingCharacters(in: .whitespacesAndNewlines))")
            throw ExitCode.runFailed
        }
        return Array(data)
    }
}

extension EventFileFormat: ExpressibleByArgument {}
