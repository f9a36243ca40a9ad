// Reading benchmark: reads a CSV event file with EventFileReader on one thread (as `perk simulate
// --jobs 1` does) and, in the same run, splits the same bytes into lines and cells with a plain
// byte loop, the floor any reader has to pay. Prints rows per second for both and their ratio.
//
//   swift run -c release perk-bench-read FILE.csv [POLICY.perk]
import Foundation
import PerkBenchmarkSupport
import PerkEngine

let benchmark = try EventFileBenchmark.fromCommandLine(program: "perk-bench-read")
let bytes = benchmark.bytes

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
    EventFileReader.read(blocks: benchmark.oneBlock(), format: .csv, file: benchmark.path, decoder: EventDecoder(policy: benchmark.policy.checked),
                         jobs: 1, partSize: 1 << 20) { rows += $0.count }
    return rows
}

let loop = seconds(byteLoop)
let read = seconds(reader)
precondition(loop.result == read.result, "the byte loop counted \(loop.result) rows, the reader \(read.result)")
let loopRate = Double(loop.result) / loop.seconds, readRate = Double(read.result) / read.seconds
print(String(format: "%d rows: reader %.0f rows/s (%.2f s), byte loop %.0f rows/s (%.3f s), reader/byte loop %.4f",
             read.result, readRate, read.seconds, loopRate, loop.seconds, readRate / loopRate))
