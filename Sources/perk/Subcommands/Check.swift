import ArgumentParser
import Foundation
import PerkConfig
import PerkLanguage

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check policies for syntax, name, unit and tier errors, and report every problem with its position.",
        discussion: """
            Without paths, checks the configuration (--config, or perk.yaml here) and its policies together: parameter \
            values, the input mapping. Exits 0 when everything is clean, 1 when anything has errors (or warnings, with \
            --strict), 2 when a file cannot be read.
            """)

    enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
        case text, json
    }

    @OptionGroup var configuration: ConfigOption

    @OptionGroup var policies: PolicyPaths

    @Flag(help: "Treat warnings as errors.")
    var strict = false

    @Option(help: "Output format: text for people, json for editors and tools.")
    var format: OutputFormat = .text

    @Flag(help: "Colour the output (default: only on a terminal).")
    var color = false

    func run() throws {
        var records: [DiagnosticRenderer.Record] = []
        // A tool reading JSON gets an array however the run ends, with every mistake that has a
        // position (an unreadable file has none: it is named on standard error).
        defer { if format == .json { print(DiagnosticRenderer.json(records)) } }
        var errors = 0, warnings = 0, unreadable = 0
        func report(_ error: ConfigError) {
            let error = configuration.explained(error)
            errors += 1
            switch format {
            case .text: printError("\(error)")
            case .json: records.append(error.record)
            }
        }
        let config: Configuration?
        do {
            config = try configuration.read()
        } catch let error as ConfigError {
            report(error)
            throw ExitCode.policyInvalid
        }
        // Without paths: the configured policy and the one its simulation compares with (the same
        // file with other parameter values, perhaps), each with its settings.
        let references = policies.paths.isEmpty
            ? try [InputFiles.policy(nil, in: config)] + (config?.simulate.compare.map { [$0] } ?? [])
            : try policies.files(config).map { try InputFiles.policy($0, in: config) }
        let renderer = DiagnosticRenderer(colored: color || (format == .text && PolicyFiles.stdoutIsTerminal))
        for reference in references {
            let result: CheckResult
            do {
                result = try reference.check()
                if let config, reference.path == config.policy.path, let checked = result.policy { try config.input.check(against: checked) }
            } catch let error as ConfigError {
                report(error)
                continue
            } catch {
                printError("error: \(error)")
                unreadable += 1
                continue
            }
            let file = result.file
            errors += result.diagnostics.filter(\.isError).count
            warnings += result.diagnostics.filter { !$0.isError }.count
            switch format {
            case .text:
                if !result.diagnostics.isEmpty { print(renderer.render(result.diagnostics, in: file)) }
            case .json:
                records += result.diagnostics.map { DiagnosticRenderer.record($0, in: file) }
            }
        }
        if format == .text {
            print(Self.summary(files: references.count - unreadable, errors: errors, warnings: warnings, unreadable: unreadable))
        }
        if unreadable > 0 { throw ExitCode.runFailed }
        if errors > 0 || (strict && warnings > 0) { throw ExitCode.policyInvalid }
    }

    static func summary(files: Int, errors: Int, warnings: Int, unreadable: Int) -> String {
        func count(_ n: Int, _ noun: String) -> String { "\(n) \(noun)\(n == 1 ? "" : "s")" }
        let notRead = unreadable == 0 ? "" : "; \(count(unreadable, "file")) could not be read"
        if errors == 0 && warnings == 0 { return "checked \(count(files, "file")): no problems" + notRead }
        return "checked \(count(files, "file")): \(count(errors, "error")), \(count(warnings, "warning"))" + notRead
    }
}
