// Synthetic event streams in the reference policy's vocabulary, for tests and benchmarks:
// every event type (join, purchase, refund, redeem, referral, use, violation, card_lost), skewed
// activity (a few members buy often, most rarely), refunds of earlier purchases (partial, full,
// some over the amount or of unknown purchases), redemptions that are sometimes refused, rows in
// date order across members as a transaction log is. The same seed gives the same bytes.
//
//   swift run -c release perk-generate [--members N] [--events N] [--seed S] [--from YYYY-MM-DD]
//                                      [--days N] [--events-file PATH] [--members-file PATH]
import Foundation
import PerkLanguage
import PerkTestSupport

var options = ["--members": "1000", "--events": "20000", "--seed": "1", "--from": "2023-01-01", "--days": "1095",
               "--events-file": "events.csv", "--members-file": "members.csv"]
var arguments = CommandLine.arguments.dropFirst()
while let name = arguments.popFirst() {
    guard options[name] != nil, let value = arguments.popFirst() else {
        FileHandle.standardError.write(Data("usage: perk-generate \(options.keys.sorted().map { "[\($0) VALUE]" }.joined(separator: " "))\n".utf8))
        exit(2)
    }
    options[name] = value
}
guard let memberCount = Int(options["--members"]!), memberCount > 0, let eventCount = Int(options["--events"]!), eventCount >= memberCount,
      let seed = UInt64(options["--seed"]!), let start = CivilDate(iso: options["--from"]!), let days = Int(options["--days"]!), days > 30 else {
    FileHandle.standardError.write(Data("perk-generate: --members ≥ 1, --events ≥ --members, --seed a number, --from YYYY-MM-DD, --days > 30\n".utf8))
    exit(2)
}

var random = SplitMix64(seed: seed)
/// A row of the event file, with the day it falls on (rows are written in date order).
struct Row { let day: Int; let text: String }
var rows: [Row] = []
rows.reserveCapacity(eventCount + memberCount)
let categories = ["room", "room", "room", "dining", "dining", "spa", "retail", "deposit", "tax"]
let benefits = ["breakfast", "breakfast", "birthday_cake", "late_checkout"]

// Activity is skewed: member weights follow a Pareto-like curve, so a few members hold many events.
let weights = (0..<memberCount).map { _ in 1 / pow(Double.random(in: 0.02...1, using: &random), 1.2) }
let totalWeight = weights.reduce(0, +)
let budgets = weights.map { max(1, Int(Double(eventCount - memberCount) * $0 / totalWeight)) }
var nextID = 0
func money(_ fen: Int) -> String { "\(fen / 100).\(fen % 100 < 10 ? "0" : "")\(fen % 100)" }

var memberRows = ["member,birthday"]
/// Event ids in the order events are made.
@MainActor func id() -> String {
    nextID += 1
    return "e\(nextID)"
}
for member in 0..<memberCount {
    let name = String(format: "M%07d", member + 1)
    if Int.random(in: 0..<10, using: &random) < 8 {
        memberRows.append("\(name),\(String(format: "%02d-%02d", Int.random(in: 1...12, using: &random), Int.random(in: 1...28, using: &random)))")
    }
    var day = Int.random(in: 0..<(days - 30), using: &random)
    rows.append(Row(day: day, text: "\(id()),\(start.adding(days: day)!),\(name),join,,,,,,,"))
    var purchases: [(id: String, fen: Int)] = []
    for _ in 0..<budgets[member] {
        day = min(days - 1, day + Int.random(in: 0...max(1, 2 * days / max(budgets[member], 1)), using: &random))
        let date = start.adding(days: day)!
        let roll = Int.random(in: 0..<100, using: &random)
        let text: String
        switch roll {
        case 0..<70:
            // Amounts from small bills to long stays: a log-uniform spread from 10 to 20,000 CNY.
            let fen = Int(exp(Double.random(in: log(1_000.0)...log(2_000_000.0), using: &random)))
            let event = id()
            purchases.append((event, fen))
            text = "\(event),\(date),\(name),purchase,\(money(fen)),\(categories.randomElement(using: &random)!),,,,,"
        case 70..<76 where !purchases.isEmpty:
            let original = purchases.randomElement(using: &random)!
            let share = [25, 50, 100, 120].randomElement(using: &random)!  // 120%: refused as over_refund
            let target = Int.random(in: 0..<50, using: &random) == 0 ? "e0" : original.id  // now and then an unknown purchase
            text = "\(id()),\(date),\(name),refund,\(money(original.fen * share / 100)),,,\(target),,,"
        case 76..<86:
            let points = 100 * Int.random(in: 3...40, using: &random)
            text = "\(id()),\(date),\(name),redeem,,,\(points),,,,\(money(Int.random(in: 5_000...1_500_000, using: &random)))"
        case 86..<90:
            text = "\(id()),\(date),\(name),referral,,,,,,,"
        case 90..<97:
            text = "\(id()),\(date),\(name),use,,,,,,\(benefits.randomElement(using: &random)!),"
        case 97..<99:
            let kind = Int.random(in: 0..<20, using: &random) == 0 ? "false_registration" : "benefit_abuse"
            text = "\(id()),\(date),\(name),violation,,,,,\(kind),,"
        default:
            text = "\(id()),\(date),\(name),card_lost,,,,,,,"
        }
        rows.append(Row(day: day, text: text))
    }
}
// A transaction log: every member's rows interleaved in date order.
rows = rows.enumerated().sorted { ($0.element.day, $0.offset) < ($1.element.day, $1.offset) }.map(\.element)

func write(_ lines: [String], to path: String) {
    guard FileManager.default.createFile(atPath: path, contents: Data((lines.joined(separator: "\n") + "\n").utf8)) else {
        FileHandle.standardError.write(Data("perk-generate: cannot write \(path)\n".utf8))
        exit(1)
    }
}
write(["id,date,member,type,amount,category,points,original,kind,benefit,bill"] + rows.map(\.text), to: options["--events-file"]!)
write(memberRows, to: options["--members-file"]!)
print("\(rows.count) events for \(memberCount) members → \(options["--events-file"]!), \(options["--members-file"]!)")
