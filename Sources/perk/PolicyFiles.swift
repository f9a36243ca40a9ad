import ArgumentParser
import Foundation
import PerkConfig
import PerkLanguage

/// The policy paths a subcommand takes.
struct PolicyPaths: ParsableArguments {
    @Argument(help: "Policy files, or directories to search for .perk files (default: the configuration's policies).")
    var paths: [String] = []

    /// The files to work on: those given, else the configuration's policy (and the one its
    /// simulation compares with). A path that does not exist ends the run with `runFailed`.
    func files(_ configuration: Configuration?) throws -> [String] {
        if paths.isEmpty {
            guard let configuration else { throw missing("policy files", orConfig: "policy") }
            var files = [configuration.policy.path]
            if let compared = configuration.simulate.compare?.path, compared != files[0] { files.append(compared) }
            return files
        }
        do {
            return try PolicyFiles.expand(paths)
        } catch {
            printError("error: \(error)")
            throw ExitCode.runFailed
        }
    }
}

/// Expands the paths given on the command line: files as given, directories to the `.perk`
/// files inside them (recursively, sorted), so `perk check policies` checks them all. A directory
/// without any is an error: "checked 0 files: no problems" would pass a mistyped path.
enum PolicyFiles {
    struct NoPolicyFiles: Error, CustomStringConvertible {
        let directory: String
        var description: String { "no .perk files were found in `\(directory)` (or the folders inside it)" }
    }

    static func expand(_ paths: [String]) throws -> [String] {
        var files: [String] = []
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw SourceFileError.unreadable(path: path)
            }
            if !isDirectory.boolValue {
                files.append(path)
                continue
            }
            let found = FileManager.default.enumerator(atPath: path)?.compactMap { $0 as? String } ?? []
            let base = path.hasSuffix("/") ? path : path + "/"
            let policies = found.filter { $0.hasSuffix(".perk") }.sorted()
            guard !policies.isEmpty else { throw NoPolicyFiles(directory: path) }
            files += policies.map { base + $0 }
        }
        // A file named twice (`a.perk ./a.perk`, or inside a directory also given) is read once:
        // each of its problems was reported, and counted, as many times.
        var seen: Set<String> = []
        return files.filter { seen.insert(URL(fileURLWithPath: $0).standardizedFileURL.resolvingSymlinksInPath().path).inserted }
    }

    /// Whether standard output is a terminal (colours and progress only then).
    static var stdoutIsTerminal: Bool { isatty(STDOUT_FILENO) == 1 }
}

/// Writes to standard error.
func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}
