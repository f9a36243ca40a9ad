import ArgumentParser
import Foundation
import PerkLanguage

struct Format: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fmt",
        abstract: "Rewrite policies in canonical form, keeping every comment.",
        discussion: "With --check nothing is written: exits 1 and names the files that would change. A file with syntax errors is never rewritten.")

    @OptionGroup var configuration: ConfigOption

    @OptionGroup var policies: PolicyPaths

    @Flag(help: "Only report the files that are not formatted; exit 1 if there are any.")
    var check = false

    @Flag(help: "Print the formatted policy instead of rewriting the file.")
    var stdout = false

    func run() throws {
        let files = try policies.files(try configuration.load())
        var unformatted: [String] = []
        var invalid = 0, failed = 0
        for path in files {
            do {
                let file = try SourceFile(contentsOfFile: path)
                guard let formatted = Formatter.format(file) else {
                    let diagnostics = Parser.parse(file).diagnostics.filter(\.isError)
                    printError(DiagnosticRenderer().render(diagnostics, in: file))
                    printError("error: \(path) has syntax errors; it was not formatted")
                    invalid += 1
                    continue
                }
                if stdout {
                    print(formatted, terminator: "")
                } else if formatted != file.text {
                    unformatted.append(path)
                    if !check { try Data(formatted.utf8).write(to: URL(fileURLWithPath: path), options: .atomic) }
                }
            } catch {
                printError("error: \(error)")
                failed += 1
            }
        }
        for path in unformatted {
            print(check ? "\(path): not formatted" : "formatted \(path)")
        }
        if failed > 0 { throw ExitCode.runFailed }
        if invalid > 0 || (check && !unformatted.isEmpty) { throw ExitCode.policyInvalid }
    }
}
