import ArgumentParser
import Foundation
import PerkEngine
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

    func validate() throws {
        // Both at once did one and ignored the other: a check that always passed.
        if check && stdout { throw ValidationError("--check and --stdout do not go together: --check reports the files that would change, --stdout prints them formatted") }
    }

    func run() throws {
        // Files given are formatted as they are: only without paths is the configuration needed
        // (for its policies), so a broken perk.yaml here does not block formatting another file.
        let files = try policies.files(policies.paths.isEmpty ? try configuration.load() : nil)
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
                    if !check { try Self.rewrite(path, with: formatted, original: file.text) }
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

    /// Writes `text` into the existing file at `path`, in place: replacing the file (a temporary
    /// file renamed over it) would give it a new mode and owner, turn a symlink into a copy that
    /// leaves its target unformatted, and split hard links. Nothing is lost on the way: the
    /// original is first copied, private (mode 600), beside the real file; a failed write puts the
    /// original back from memory, and the copy is removed only once the new text is on disk, so an
    /// interrupted run leaves the original in `.NAME.perk-fmt-XXXXXX` rather than half a policy.
    static func rewrite(_ path: String, with text: String, original: String) throws {
        let real = URL(fileURLWithPath: path).resolvingSymlinksInPath()
        var template = Array(real.deletingLastPathComponent().appendingPathComponent(".\(real.lastPathComponent).perk-fmt-XXXXXX").path.utf8CString)
        let backupDescriptor = mkstemp(&template)
        guard backupDescriptor >= 0 else { throw RewriteError(path: path, step: "could not copy it beside itself first", errno: errno) }
        let backup = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let backupWritten = write(Array(original.utf8), to: backupDescriptor) == 0 && fsync(backupDescriptor) == 0
        let backupErrno = errno
        close(backupDescriptor)
        guard backupWritten else {
            unlink(backup)
            throw RewriteError(path: path, step: "could not copy it beside itself first", errno: backupErrno)
        }
        let descriptor = open(path, O_WRONLY)
        guard descriptor >= 0 else {
            let error = RewriteError(path: path, step: "could not open it for writing", errno: errno)
            unlink(backup)
            throw error
        }
        defer { close(descriptor) }
        func replaceContent(with bytes: [UInt8]) -> Bool {
            write(bytes, to: descriptor) == 0 && ftruncate(descriptor, off_t(bytes.count)) == 0 && fsync(descriptor) == 0
        }
        guard replaceContent(with: Array(text.utf8)) else {
            let error = errno
            // The original fits in the room it had (the file was not truncated before the write).
            if replaceContent(with: Array(original.utf8)) {
                unlink(backup)
                throw RewriteError(path: path, step: "could not write it; it was left as it was", errno: error)
            }
            throw RewriteError(path: path, step: "could not write it; the original is in \(backup)", errno: error)
        }
        unlink(backup)
    }

    /// Writes all of `bytes` from the file's start; the error that stopped it (setting `errno`), or 0.
    private static func write(_ bytes: [UInt8], to descriptor: Int32) -> Int32 {
        let error = bytes.withUnsafeBytes { writeFully(descriptor, $0, at: 0) }
        if error != 0 { errno = error }
        return error
    }

    struct RewriteError: Error, CustomStringConvertible {
        let path: String
        let step: String
        let errno: Int32
        var description: String { "cannot format `\(path)`: \(step) (\(String(cString: strerror(errno))))" }
    }
}
