import Foundation
import PerkEngine
import PerkLanguage

/// The summary `perk simulate` prints on the terminal: the figures a reader checks first.
enum SummaryTable {
    static func render(_ summary: SimulationReport.Summary, seconds: Double, events: Int, out: String) -> String {
        let a = summary.policy
        let compared = summary.comparison?.policy
        var rows: [(String, String, String?)] = []
        func row(_ label: String, _ value: (SimulationReport.PolicyTotals) -> String) {
            rows.append((label, value(a), compared.map(value)))
        }
        row("members") { "\($0.members)" }
        for tier in a.membersPerTier.indices { row("  \(a.membersPerTier[tier].tier)") { tier < $0.membersPerTier.count ? "\($0.membersPerTier[tier].members)" : "-" } }
        for status in ["active", "frozen", "cancelled"] { row("  \(status)") { "\($0.membersPerStatus[status] ?? 0)" } }
        if !a.membersPerQualifyingTier.isEmpty {
            // The tier the measure gives on the as-of day, whatever the tier the members hold.
            rows.append(("qualifying on \(summary.asOf)", "", compared.map { _ in "" }))
            for tier in a.membersPerQualifyingTier.indices {
                row("  \(a.membersPerQualifyingTier[tier].tier)") { tier < $0.membersPerQualifyingTier.count ? "\($0.membersPerQualifyingTier[tier].members)" : "-" }
            }
        }
        for column in ["balance", "earned", "redeemed", "expired", "clawed_back", "deducted", "forfeited", "unrecovered"] {
            row(column == "balance" ? "points balance" : "points \(column.replacingOccurrences(of: "_", with: " "))") { "\($0.totals[column] ?? 0)" }
        }
        row("fees") { money($0.totals["fees"] ?? 0) }
        row("liability") { $0.liability.map { "\(money($0.amount)) \($0.currency)" } ?? "-" }
        row("upgrades / downgrades") { "\($0.tierMovements["upgrades"] ?? 0) / \($0.tierMovements["downgrades"] ?? 0)" }
        row("expiry notices") { "\($0.notices)" }
        row("events refused") { "\($0.events.values.flatMap(\.denied.values).reduce(0, +))" }

        let title = compared == nil ? a.label : "A: \(a.label)   B: \(compared!.label)"
        let labelWidth = rows.map(\.0.count).max() ?? 0
        let aWidth = max(rows.map(\.1.count).max() ?? 0, 1)
        var lines = [title, String(repeating: "─", count: max(title.count, labelWidth + aWidth + 2))]
        for (label, x, y) in rows {
            var line = label.padding(toLength: labelWidth, withPad: " ", startingAt: 0) + "  " + String(repeating: " ", count: aWidth - x.count) + x
            if let y { line += "   " + y }
            lines.append(line)
        }
        let r = summary.rows
        lines.append("")
        lines.append("rows read \(r.read): applied \(r.applied), refused \(r.rejected), skipped \(r.skipped), on or after \(summary.asOf) \(r.notApplied)")
        if let comparison = summary.comparison {
            lines.append("members changing tier: \(comparison.membersChangingTier)")
            if let difference = comparison.liability?["difference"] { lines.append("liability B − A: \(money(difference)) \(a.liability?.currency ?? "")") }
        }
        lines.append(String(format: "%d events in %.2f s; results in %@/", events, seconds, out))
        return lines.joined(separator: "\n")
    }

    /// A summary's money amount with two decimals.
    private static func money(_ amount: Decimal) -> String {
        ExactNumber(decimal: amount.description).map(SimulationReport.money) ?? amount.description
    }
}
