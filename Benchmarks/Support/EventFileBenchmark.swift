import Foundation
import PerkEngine
import PerkLanguage

/// What the event-file benchmarks (`perk-bench-read`, `perk-bench-simulate`) run on: the CSV file
/// named first on the command line, held in memory, and the policy named second (W2's by default).
public struct EventFileBenchmark: Sendable {
    public let path: String
    public let bytes: [UInt8]
    public let policy: CompiledPolicy

    /// The benchmark the command line asks for; without a readable file, prints the usage and
    /// exits with status 2.
    public static func fromCommandLine(program: String) throws -> EventFileBenchmark {
        let arguments = CommandLine.arguments
        guard arguments.count > 1, let data = FileManager.default.contents(atPath: arguments[1]) else {
            print("usage: \(program) FILE.csv [POLICY.perk]")
            exit(2)
        }
        let policyPath = arguments.count > 2 ? arguments[2]
            : URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../W2/w2.perk").path
        return EventFileBenchmark(path: arguments[1], bytes: Array(data), policy: try CompiledPolicy.compile(SourceFile(contentsOfFile: policyPath)).get())
    }

    /// The file's bytes as `EventFileReader.read(blocks:)` asks for them: all in one block.
    public func oneBlock() -> (_ carried: ArraySlice<UInt8>) -> [UInt8]? { EventFileReader.oneBlock(bytes) }
}

/// What `work` gives, and how long it took.
public func seconds<Result>(_ work: () throws -> Result) rethrows -> (result: Result, seconds: Double) {
    let start = DispatchTime.now().uptimeNanoseconds
    let result = try work()
    return (result, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
}
