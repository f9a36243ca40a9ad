// Front-end benchmark: how long `perk check` takes on a 5,000-line policy.
//
//   swift run -c release perk-bench-frontend [lines]
//
// Prints the median of several runs of each stage, and, as a baseline measured in the same run
// on the same machine, Foundation's JSONSerialization parsing a JSON document of the same size.
import Foundation
import PerkLanguage

/// A realistic policy of about `lines` lines: many parameters, event types, measures, tiers,
/// rules with nested conditions, benefits and penalties — every stage has work to do.
func generatePolicy(lines target: Int) -> String {
    var out = ["policy \"Benchmark\" version 1", "currency CNY", "timezone \"Asia/Shanghai\"", ""]
    out.append("event purchase { amount: money, category: text, channel: text }")
    out.append("event refund { original: purchase, amount: money }")
    out.append("event violation { kind: text }")
    out.append("measure spend = sum(amount - refunded of purchase where category not in [\"tax\"], last 12 months)")
    out.append("tiers by spend {")
    for level in 0..<20 {
        let threshold = level == 0 ? "" : " at \(level * 5),000 CNY"
        out.append("  tier T\(level)\(threshold) { multiplier: 1.\(level), discount: \(level)% }")
    }
    out.append("  hold 12 months then review")
    out.append("}")
    var block = 0
    while out.count < target {
        let b = block
        out += [
            "",
            "# Block \(b): a campaign with its own parameters and rules.",
            "param rate_\(b) = 1 point per \(10 + b % 7) CNY",
            "param cap_\(b) = \(1 + b % 9),\(String(format: "%03d", b % 1000)) points",
            "param bonus_\(b) = \(b % 3 + 1)",
            "param categories_\(b) = [\"room\", \"dining\", \"spa_\(b)\"]",
            "rule campaign_\(b) on purchase where category in categories_\(b) and today between 2025-01-01 and 2025-12-31 {",
            "  let base = floor(amount * rate_\(b))",
            "  if tier >= T\(b % 20) and amount > ¥\(b % 900 + 100) {",
            "    earn min(cap_\(b), floor(base * tier.multiplier * bonus_\(b)))",
            "  } else if channel == \"app\" {",
            "    earn min(cap_\(b), base + \(b % 50) points)",
            "  } else {",
            "    note no_bonus \"not eligible for campaign \(b)\"",
            "  }",
            "  if count(purchase where amount >= 100 CNY, this month) > \(b % 10 + 3) { earn 10 points }",
            "}",
            "benefit perk_\(b) \"benefit \(b)\" for tier >= T\(b % 20) and not frozen limit \(b % 4 + 1) per month",
            "penalty abuse_\(b) on violation where kind == \"abuse_\(b)\" within \(b % 12 + 1) months {",
            "  1st: warn \"first\"",
            "  2nd: deduct \(b % 9 + 1)00 points, freeze for 30 days",
            "  3rd or more: cancel, forfeit",
            "}",
        ]
        block += 1
    }
    return out.joined(separator: "\n") + "\n"
}

func median(_ runs: Int, _ body: () -> Void) -> Double {
    var times: [Double] = []
    for _ in 0..<runs {
        let start = DispatchTime.now().uptimeNanoseconds
        body()
        times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
    }
    return times.sorted()[runs / 2]
}

let lines = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1]) ?? 5_000 : 5_000
let text = generatePolicy(lines: lines)
let file = SourceFile(name: "benchmark.perk", text: text)
let check = PolicyChecker.check(file)
guard !check.hasErrors else {
    print(DiagnosticRenderer().render(check.diagnostics.filter(\.isError).prefix(3).map { $0 }, in: file))
    print("the generated policy must check clean")
    exit(1)
}

// Baseline: a JSON document of the same size, parsed by Foundation.
var json = "["
var entry = 0
while json.utf8.count < text.utf8.count {
    json += "{\"name\":\"rule_\(entry)\",\"rate\":1.5,\"cap\":10000,\"categories\":[\"room\",\"dining\"],\"active\":true},"
    entry += 1
}
json += "{}]"
let jsonData = Data(json.utf8)

let runs = 15
let jsonTime = median(runs) { _ = try! JSONSerialization.jsonObject(with: jsonData) }
let lexTime = median(runs) { _ = Lexer.tokenize(file) }
let parseTime = median(runs) { _ = Parser.parse(file) }
let checkTime = median(runs) { _ = PolicyChecker.check(file) }
let formatTime = median(runs) { _ = Formatter.format(file) }

func row(_ name: String, _ ms: Double) -> String {
    name.padding(toLength: 42, withPad: " ", startingAt: 0)
        + String(format: "%8.2f ms   %5.2f× the JSON baseline", ms, ms / jsonTime)
}
print("policy: \(file.lineCount) lines, \(text.utf8.count / 1024) KiB; median of \(runs) runs")
print(row("JSONSerialization, same size (baseline)", jsonTime))
print(row("lex", lexTime))
print(row("lex + parse", parseTime))
print(row("lex + parse + check (perk check)", checkTime))
print(row("lex + parse + format (perk fmt)", formatTime))
print(String(format: "check throughput: %.0f lines/s", Double(file.lineCount) / (checkTime / 1000)))
