import Foundation

/// Runs a program to completion and returns its exit status and its output (stdout and stderr
/// together, or stdout alone, standard error then discarded), for tests that drive
/// `perk` or another tool end to end.
func runProcess(_ executable: URL, _ arguments: [String], in directory: URL, standardErrorToo: Bool = true) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    process.currentDirectoryURL = directory
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = standardErrorToo ? pipe : FileHandle.nullDevice
    try process.run()
    // Read before waiting, so a full pipe cannot block the child.
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}
