import ArgumentParser
import Foundation
import PerkConfig
import PerkEngine
import PerkLanguage

struct Simulate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Replay past events through a policy (and compare it with another) and report what it would have done.",
        discussion: """
            Writes members.csv, summary.json and report.html (and compare.csv with --compare, rejected.csv with \
            --on-error skip) into --out. Each member's events are applied in date order (same date: file order); the \
            state reported is the state at the start of --as-of. Malformed rows stop the run (--on-error fail, nothing \
            written) or are skipped and listed in rejected.csv (--on-error skip). Events the policy refuses are outcomes, \
            counted by reason in summary.json.
            """)

    enum ErrorMode: String, ExpressibleByArgument, CaseIterable { case fail, skip }
    enum OutputFormat: String, ExpressibleByArgument, CaseIterable { case table, json }

    @OptionGroup var configuration: ConfigOption

    @Option(help: "The policy file (default: the configuration's `policy`).")
    var policy: String?

    @Option(help: "The event file (.csv or .jsonl, optionally .gz; default: the configuration's `input.events`).")
    var events: String?

    @Option(help: "The members file (member,birthday).")
    var members: String?

    @Option(help: "Report the state at the start of this day (YYYY-MM-DD; default: the day after the last event).")
    var asOf: String?

    @Option(help: "A second policy to run over the same input and compare with the first.")
    var compare: String?

    @Option(help: "The directory the results are written to (default: perk-out).")
    var out: String?

    @Option(help: "What to print: a summary table, or summary.json (default: table).")
    var format: OutputFormat?

    @Option(help: "On a malformed row: stop (fail, the default) or skip it and list it in rejected.csv (skip).")
    var onError: ErrorMode?

    @Option(help: "Threads to replay members on (default: every core). The results do not depend on it.")
    var jobs: Int?

    @Option(help: "The event file's format, when its name does not say (csv, jsonl).")
    var inputFormat: EventFileFormat?

    func validate() throws {
        if let jobs, !(1...1024).contains(jobs) { throw ValidationError("--jobs must be a whole number from 1 to 1024, as in perk.yaml") }
    }

    func run() throws {
        // Flags first, then the configuration, then the defaults.
        let config = try configuration.load()
        var references = [try InputFiles.policy(policy, in: config)]
        if let compared = compare.map({ Configuration.PolicyReference(path: $0) }) ?? config?.simulate.compare { references.append(compared) }
        guard let events = events ?? config?.input.events else { throw missing("--events", orConfig: "input.events") }
        let members = members ?? config?.input.members
        let out = out ?? config?.simulate.out ?? "perk-out"
        let format = format ?? config?.simulate.format.flatMap(OutputFormat.init(rawValue:)) ?? .table
        let onError = onError ?? config?.simulate.onError.flatMap(ErrorMode.init(rawValue:)) ?? .fail
        let jobs = jobs ?? config?.simulate.jobs ?? ProcessInfo.processInfo.activeProcessorCount
        let compiled = try references.map(InputFiles.compilePolicy)
        try InputFiles.checkMapping(config, against: compiled[0])
        // Read once, each event into its member's partition; a partition at a time is replayed.
        let partitions = MemberPartitions(file: events, policy: compiled[0])
        var malformed: [InputError] = []
        let progress = Progress()
        // Each part of the file is encoded for the partitions on the thread that reads it.
        let encode: @Sendable (inout EventFileReader) -> (MemberPartitions.Batch, [InputError]) = { partitions.encode(&$0) }
        try InputFiles.readEvents(events, format: inputFormat ?? config?.input.format, policy: compiled[0],
                                  mapping: config?.input.mapping ?? InputMapping(), jobs: jobs, parse: encode) { batch, errors in
            do {
                try partitions.add(batch)
            } catch {
                printError("error: \(error)")
                throw ExitCode.runFailed
            }
            malformed += errors
            progress.read(partitions.events + malformed.count)
        }
        // A row that stops the reading (a bad header, a quote never closed) is not one row to
        // leave out: the rows after it are lost too.
        if onError == .skip, let stop = malformed.first(where: \.stopsReading) {
            printError("error: \(stop)")
            printError("error: no row after line \(stop.location.line) can be read, so --on-error skip cannot leave it out; fix the file. Nothing was written.")
            throw ExitCode.runFailed
        }
        if !malformed.isEmpty {
            for error in malformed.prefix(onError == .fail ? 50 : 0) { printError("error: \(error)") }
            if onError == .fail {
                let more = malformed.count > 50 ? " (the first 50 are shown)" : ""
                printError("error: \(malformed.count) malformed row\(malformed.count == 1 ? "" : "s")\(more); fix them, "
                           + "or run with --on-error skip to leave them out and list them in rejected.csv. Nothing was written.")
                throw ExitCode.runFailed
            }
        }
        if compiled.count > 1 { try checkSameEvents(compiled, names: references.map(\.path), input: events, types: partitions.types) }
        let birthdays = try members.map(InputFiles.readBirthdays) ?? [:]
        let asOfDate = try asOf.map { try InputFiles.asOf($0, lastEvent: partitions.lastDate) } ?? config?.simulate.asOf
            ?? InputFiles.asOf(nil, lastEvent: partitions.lastDate)

        // A mistyped as-of (9999-12-31) makes a monthly series of thousands of years: said.
        if let last = partitions.lastDate, asOfDate.year - last.year > 10 {
            printError("warning: the as-of day \(asOfDate) is \(asOfDate.year - last.year) years after the last event (\(last)); the report's monthly series runs month by month to it")
        }
        let started = Date()
        let result: Simulation.Result
        do {
            let simulation = Simulation(policies: compiled, birthdays: birthdays, directory: try partitions.directory(), asOf: asOfDate)
            progress.startReplay(events: partitions.events)
            let report: (@Sendable (Int) -> Void)? = progress.isShown ? { @Sendable count in progress.replayed(count) } : nil
            result = try simulation.run(partitions, jobs: jobs, progress: report)
        } catch let error as MemberPartitions.SpillError {
            printError("error: \(error)")
            throw ExitCode.runFailed
        }
        progress.finish()
        // The events are all replayed: the temporary file's space is handed back on another
        // thread while the results are written on this one.
        DispatchQueue.global().async { partitions.discardSpillFile() }

        let summary = SimulationReport.summary(of: result, policies: compiled, asOf: asOfDate,
                                               rows: .init(read: partitions.events + malformed.count, skipped: malformed.count))
        let json = try SimulationReport.json(summary)
        // Each file as the parts of its bytes, written one after another.
        var files = [
            "members.csv": SimulationReport.membersCSVParts(result.members[0], jobs: jobs),
            "summary.json": [Array(json.utf8)],
            "report.html": [Array(ReportPage.render(summary).utf8)],
        ]
        if compiled.count > 1 { files["compare.csv"] = [Array(SimulationReport.compareCSV(result.members[0], result.members[1]).utf8)] }
        if onError == .skip {
            files["rejected.csv"] = [Array(SimulationReport.rejectedCSV(malformed).utf8)]
        }
        try write(files, into: out)
        if !malformed.isEmpty {
            printError("warning: \(malformed.count) malformed row\(malformed.count == 1 ? "" : "s") skipped; see \(out)/rejected.csv")
        }
        switch format {
        case .json: print(json, terminator: "")
        case .table: print(SummaryTable.render(summary, seconds: Date().timeIntervalSince(started), events: partitions.events, out: out))
        }
    }

    /// A comparison runs both policies over the same decoded rows: the second must declare every
    /// event type the input holds with the same fields.
    private func checkSameEvents(_ compiled: [CompiledPolicy], names: [String], input: String, types: Set<String>) throws {
        for type in types.sorted() {
            let a = compiled[0].checked.eventType(named: type)!
            guard let b = compiled[1].checked.eventType(named: type) else {
                printError("error: \(names[1]) declares no `\(type)` event, which \(input) holds; declare it to compare the policies")
                throw ExitCode.runFailed
            }
            guard a.fields.map(\.name) == b.fields.map(\.name), a.fields.map(\.type) == b.fields.map(\.type) else {
                printError("error: \(names[1]) declares `\(type)` with other fields than \(names[0]); the input must read the same under both")
                throw ExitCode.runFailed
            }
        }
    }

    /// The files a run may write; those of an earlier run that this one does not write are
    /// removed, so that `--out` holds one run's results.
    private static let outputs = ["members.csv", "summary.json", "report.html", "compare.csv", "rejected.csv"]

    /// Writes every file under a temporary name next to its destination first, then renames them
    /// all into place (rename(2) replaces a file in one step): a reader never sees half a file, a
    /// failure while writing replaces nothing, and the results of two runs are never mixed but
    /// for the instant of the renames.
    private func write(_ files: [String: [[UInt8]]], into out: String) throws {
        precondition(files.keys.allSatisfy(Self.outputs.contains), "an output not listed")
        /// What failed (a file's name, or a sentence) and the system call's error, if one.
        func failure(_ what: String, _ code: Int32?) -> Error {
            CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: what + (code.map { ": \(String(cString: strerror($0)))" } ?? "")])
        }
        let directory = URL(fileURLWithPath: out)
        // Written, not renamed yet.
        var pending: [(name: String, temporary: URL)] = []
        /// Makes `path` and the folders above it that are missing, saying which part is in the way
        /// (Foundation's message named neither: "NSCocoaErrorDomain error 512").
        func makeFolder(_ path: String) throws {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
                guard isDirectory.boolValue else { throw failure("`\(path)` is a file, not a folder; give --out a folder", nil) }
                return
            }
            let parent = (path as NSString).deletingLastPathComponent
            if !parent.isEmpty, parent != path { try makeFolder(parent) }
            guard mkdir(path, 0o755) == 0 || errno == EEXIST else { throw failure("cannot make the folder `\(path)`", errno) }
        }
        do {
            try makeFolder(out)
            for (name, parts) in files.sorted(by: { $0.key < $1.key }) {
                let temporary = directory.appendingPathComponent(".\(name).\(ProcessInfo.processInfo.processIdentifier).tmp")
                let descriptor = open(temporary.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
                guard descriptor >= 0 else { throw failure(name, errno) }
                pending.append((name, temporary))
                // Written from the parts' own bytes: copied into one buffer first, a million
                // members' rows faulted in as many fresh pages again.
                var offset = 0, error: Int32 = 0
                for part in parts where error == 0 {
                    error = part.withUnsafeBytes { writeFully(descriptor, $0, at: offset) }
                    offset += part.count
                }
                if close(descriptor) != 0, error == 0 { error = errno }
                guard error == 0 else { throw failure(name, error) }
            }
            // A directory where a file goes is the one place renaming fails in practice: found
            // before any file is replaced.
            for (name, _) in pending {
                var isDirectory: ObjCBool = false
                if FileManager.default.fileExists(atPath: directory.appendingPathComponent(name).path, isDirectory: &isDirectory),
                   isDirectory.boolValue { throw failure(name, EISDIR) }
            }
            while let (name, temporary) = pending.first {
                guard rename(temporary.path, directory.appendingPathComponent(name).path) == 0 else { throw failure(name, errno) }
                pending.removeFirst()
            }
            for name in Self.outputs where files[name] == nil {
                let stale = directory.appendingPathComponent(name)
                guard unlink(stale.path) == 0 || errno == ENOENT else { throw failure(name, errno) }
            }
        } catch {
            for (_, temporary) in pending { unlink(temporary.path) }
            printError("error: cannot write the results into `\(out)`: \(error.localizedDescription)")
            throw ExitCode.runFailed
        }
    }
}

/// Progress on standard error, only when it is a terminal: rows read, then members replayed
/// with the events per second and the time left.
private final class Progress: @unchecked Sendable {
    let isShown = isatty(STDERR_FILENO) == 1
    private let lock = NSLock()
    private var events = 0
    private var replayedEvents = 0
    private var started = Date()
    private var lastShown = Date.distantPast

    func read(_ rows: Int) {
        guard isShown, rows % 10_000 == 0 else { return }
        show(String(format: "%d rows read, %.0f rows/s", rows, Double(rows) / max(Date().timeIntervalSince(started), 0.001)))
    }

    func startReplay(events: Int) {
        lock.withLock {
            self.events = events
            started = Date()
        }
    }

    /// Counts events of members replayed.
    func replayed(_ count: Int) {
        lock.withLock {
            replayedEvents += count
            let elapsed = Date().timeIntervalSince(started), share = Double(replayedEvents) / Double(max(events, 1))
            show(String(format: "%d of %d events replayed, %.0f events/s, %.0f s left", replayedEvents, events,
                        Double(replayedEvents) / max(elapsed, 0.001), share > 0 ? elapsed / share - elapsed : 0))
        }
    }

    private func show(_ text: String) {
        let now = Date()
        guard now.timeIntervalSince(lastShown) > 0.2 else { return }
        lastShown = now
        FileHandle.standardError.write(Data("\r\(text)   ".utf8))
    }

    func finish() {
        if isShown { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }
}
