import ArgumentParser
import Foundation
import PerkLanguage

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check policies for syntax, name, unit and tier errors, and report every problem with its position.",
        discussion: "Exits 0 when every file is clean, 1 when any has errors (or warnings, with --strict), 2 when a file cannot be read.")

    enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
        case text, json
    }

    @OptionGroup var policies: PolicyPaths

    @Flag(help: "Treat warnings as errors.")
    var strict = false

    @Option(help: "Output format: text for people, json for editors and tools.")
    var format: OutputFormat = .text

    @Flag(help: "Colour the output (default: only on a terminal).")
    var color = false

    func run() throws {
        let files = try policies.files()
        let renderer = DiagnosticRenderer(colored: color || (format == .text && PolicyFiles.stdoutIsTerminal))
        var records: [DiagnosticRenderer.Record] = []
        var errors = 0, warnings = 0, unreadable = 0
        for path in files {
            let file: SourceFile
            do {
                file = try SourceFile(contentsOfFile: path)
            } catch {
                printError("error: \(error)")
                unreadable += 1
                continue
            }
            let result = PolicyChecker.check(file)
            errors += result.diagnostics.filter(\.isError).count
            warnings += result.diagnostics.filter { !$0.isError }.count
            switch format {
            case .text:
                if !result.diagnostics.isEmpty { print(renderer.render(result.diagnostics, in: file)) }
            case .json:
                records += result.diagnostics.map { DiagnosticRenderer.record($0, in: file) }
            }
        }
        switch format {
        case .text:
            print(Self.summary(files: files.count - unreadable, errors: errors, warnings: warnings, unreadable: unreadable))
        case .json:
            print(DiagnosticRenderer.json(records))
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
