// Reading benchmark: reads a CSV event file with EventFileReader on one thread (as `perk simulate
// --jobs 1` does) and, in the same run, splits the same bytes into lines and cells with a plain
// byte loop, the floor any reader has to pay. Prints rows per second for both and their ratio.
//
//   swift run -c release perk-bench-read FILE.csv [POLICY.perk]
import Foundation
import PerkEngine
import PerkLanguage

let arguments = CommandLine.arguments
guard arguments.count > 1, let data = FileManager.default.contents(atPath: arguments[1]) else {
    print("usage: perk-bench-read FILE.csv [POLICY.perk]")
    exit(2)
}
let policyPath = arguments.count > 2 ? arguments[2]
    : URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../W2/w2.perk").path
let policy = try CompiledPolicy.compile(SourceFile(contentsOfFile: policyPath)).get()
let bytes = Array(data)

func seconds(_ work: () -> Int) -> (count: Int, seconds: Double) {
    let start = DispatchTime.now().uptimeNanoseconds
    let count = work()
    return (count, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
}

/// Rows and cells by commas and line breaks, without quotes or text.
func byteLoop() -> Int {
    var lines = 0, cells = 0
    bytes.withUnsafeBufferPointer { buffer in
        for byte in buffer {
            if byte == UInt8(ascii: ",") { cells += 1 } else if byte == UInt8(ascii: "\n") {
                lines += 1
                cells += 1
            }
        }
    }
    precondition(cells > lines)
    return lines - 1  // less the header
}

func reader() -> Int {
    var rows = 0
    var given = false
    EventFileReader.read(blocks: { () -> [UInt8]? in
        defer { given = true }
        return given ? nil : bytes
    }, format: .csv, file: arguments[1], decoder: EventDecoder(policy: policy.checked), jobs: 1, partSize: 1 << 20) { rows += $0.count }
    return rows
}

let loop = seconds(byteLoop)
let read = seconds(reader)
precondition(loop.count == read.count, "the byte loop counted \(loop.count) rows, the reader \(read.count)")
let loopRate = Double(loop.count) / loop.seconds, readRate = Double(read.count) / read.seconds
print(String(format: "%d rows: reader %.0f rows/s (%.2f s), byte loop %.0f rows/s (%.3f s), reader/byte loop %.4f",
             read.count, readRate, read.seconds, loopRate, loop.seconds, readRate / loopRate))
