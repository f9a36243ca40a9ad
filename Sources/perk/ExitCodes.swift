import ArgumentParser

/// Exit codes shared by every subcommand, so scripts can tell a bad policy from a failed run.
extension ExitCode {
    /// A policy has errors (or warnings, with `--strict`), or `fmt --check` found unformatted files.
    static let policyInvalid = ExitCode(1)
    /// The command could not run: a file could not be read or written.
    static let runFailed = ExitCode(2)
}
