// Simulation benchmark: the pipeline of `perk simulate --jobs 1` on one thread — read a CSV event
// file into member partitions, replay every member, write members.csv — timed phase by phase.
// Unlike `perk` (whose threads valgrind cannot follow), it runs under callgrind, which counts
// instructions exactly: the figure to compare two versions by on a noisy machine.
//
//   swift run -c release perk-bench-simulate FILE.csv [POLICY.perk]      (default: W2's policy)
//   valgrind --tool=callgrind perk-bench-simulate FILE.csv
import Foundation
import PerkBenchmarkSupport
import PerkEngine

let benchmark = try EventFileBenchmark.fromCommandLine(program: "perk-bench-simulate")
let policy = benchmark.policy

let read = try seconds {
    let partitions = MemberPartitions(file: benchmark.path, policy: policy)
    var malformed = 0
    try EventFileReader.read(blocks: benchmark.oneBlock(), format: .csv, file: benchmark.path, decoder: EventDecoder(policy: policy.checked),
                             jobs: 1, parse: { partitions.encode(&$0) }) { batch, errors in
        try partitions.add(batch)
        malformed += errors.count
    }
    precondition(malformed == 0, "\(malformed) malformed rows")
    return partitions
}
let partitions = read.result
let replay = try seconds {
    let asOf = partitions.lastDate!.adding(days: 1)!
    return try Simulation(policies: [policy], birthdays: [:], directory: partitions.directory(), asOf: asOf).run(partitions, jobs: 1)
}
let written = seconds { SimulationReport.membersCSV(replay.result.members[0], jobs: 1) }
let events = Double(partitions.events)
print(String(format: "%d events of %d members, one thread: read %.3f s (%.0f ns/event), replay %.3f s (%.0f ns/event), "
             + "members.csv %.3f s; %.0f events/s in all", partitions.events, replay.result.members[0].count,
             read.seconds, read.seconds / events * 1e9, replay.seconds, replay.seconds / events * 1e9, written.seconds,
             events / (read.seconds + replay.seconds + written.seconds)))
