import ArgumentParser
import Foundation
import PerkConfig

/// `--config FILE`, or `perk.yaml` in the working directory when there is one. Flags override
/// what the file says.
struct ConfigOption: ParsableArguments {
    @Option(help: "The configuration file (default: perk.yaml in the working directory, if there is one).")
    var config: String?

    /// The configuration, nil when none is given or found; a mistake in it ends the run with
    /// `policyInvalid`, an unreadable file given by --config with `runFailed`.
    func load() throws -> Configuration? {
        do {
            return try read()
        } catch let error as ConfigError {
            printError("\(error)")
            throw ExitCode.policyInvalid
        }
    }

    /// As `load()`, but a mistake in the configuration is thrown as the `ConfigError` it is, for
    /// a caller that reports it with others.
    func read() throws -> Configuration? {
        let path: String
        if let config {
            guard FileManager.default.isReadableFile(atPath: config) else {
                printError("error: cannot read the configuration `\(config)`: no such file, or permission denied")
                throw ExitCode.runFailed
            }
            path = config
        } else if FileManager.default.fileExists(atPath: Configuration.defaultFileName) {
            path = Configuration.defaultFileName
        } else {
            return nil
        }
        do {
            return try Configuration.load(path)
        } catch let error as ConfigError {
            throw explained(error)
        }
    }

    /// A mistake in the default configuration, read without being asked for, says so: the
    /// operator may not know that `perk.yaml` here is read at all.
    func explained(_ error: ConfigError) -> ConfigError {
        guard config == nil, error.file == Configuration.defaultFileName else { return error }
        var explained = error
        explained.help = "this is the default configuration, \(Configuration.defaultFileName) in the working directory; "
            + "fix it, or give --config FILE to use another"
        return explained
    }
}

/// A required value given neither by a flag nor by the configuration.
func missing(_ flag: String, orConfig key: String) -> Error {
    printError("error: give \(flag), or set `\(key)` in \(Configuration.defaultFileName) (or the file --config names)")
    return ExitCode.runFailed
}
