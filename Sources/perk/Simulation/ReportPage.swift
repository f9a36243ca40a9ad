import Foundation
import PerkEngine

/// The simulation's `report.html`: one self-contained page (inline CSS and SVG, no script, no
/// network) an analyst can show a manager: the run, the top lines, monthly charts, tiers and
/// statuses, outcomes by event type and benefit and, with `--compare`, policy B against policy A.
/// The same summary gives the same bytes: dictionaries are read in sorted order and nothing
/// depends on the clock or the locale.
enum ReportPage {
    static func render(_ summary: SimulationReport.Summary) -> String {
        let policy = summary.policy
        var sections = [header(summary), topLines(policy), monthlyCharts(policy), distributions(policy), outcomes(policy)]
        if let comparison = summary.comparison { sections.append(comparisonSection(comparison, a: policy)) }
        sections.append(monthlyTable(policy))
        return """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(escape(title(of: policy))) · simulation as of \(escape(summary.asOf))</title>
            <style>\(style)</style>
            </head>
            <body>
            <main>
            \(sections.joined(separator: "\n"))
            <footer>Written by <code>perk simulate</code> from <code>summary.json</code>: the figures on this page are the figures in that file.</footer>
            </main>
            </body>
            </html>

            """
    }
}

private typealias PolicyTotals = SimulationReport.PolicyTotals

// MARK: - Sections

extension ReportPage {
    /// The policy, the as-of day and what became of the input rows.
    private static func header(_ summary: SimulationReport.Summary) -> String {
        let r = summary.rows
        let counts = [("Rows read", r.read), ("Events applied", r.applied), ("Events refused by the policy", r.rejected),
                      ("Rows skipped as malformed", r.skipped), ("Events on or after the as-of day, not applied", r.notApplied)]
        return """
            <header>
            <p class="kicker">Loyalty policy simulation</p>
            <h1>\(escape(title(of: summary.policy)))</h1>
            <p class="meta">Past transactions replayed through the policy; every figure is the state at the start of <strong>\(escape(summary.asOf))</strong>.</p>
            <dl class="rows">\(counts.map { "<div><dt>\($0.0)</dt><dd>\(grouped($0.1))</dd></div>" }.joined())</dl>
            </header>
            """
    }

    /// The figures a reader checks first, as cards.
    private static func topLines(_ p: PolicyTotals) -> String {
        let currency: String? = p.currency
        var cards = [card("Members", grouped(p.members)), card("Points balance", points(p, "balance"))]
        if let liability = p.liability {
            cards.append(card("Liability", money(liability.amount, liability.currency),
                              note: "\(grouped(liability.points)) points at \(escape(liability.rate))"))
        }
        cards += [
            card("Points earned", points(p, "earned")),
            card("Points redeemed", points(p, "redeemed")),
            card("Points expired", points(p, "expired")),
            card("Fees", money(p.totals["fees"] ?? 0, currency)),
            card("Upgrades / downgrades", "\(grouped(p.tierMovements["upgrades"] ?? 0)) / \(grouped(p.tierMovements["downgrades"] ?? 0))"),
            card("Notices sent", grouped(p.notices)),
        ]
        let adjustments = [("clawed back", "clawed_back"), ("deducted", "deducted"), ("forfeited", "forfeited"), ("not recovered", "unrecovered")]
            .map { "\($0.0) \(points(p, $0.1))" }.joined(separator: ", ")
        return section("top-lines", "Top lines", """
            <div class="cards">\(cards.joined())</div>
            <p class="note">Points also \(adjustments).</p>
            """)
    }

    /// Points issued, redeemed and expired; liability (or balance); members per tier: month by month.
    private static func monthlyCharts(_ p: PolicyTotals) -> String {
        guard !p.monthly.isEmpty else {
            return section("months", "Month by month", empty("No month to show: no event was applied before the as-of day."))
        }
        let months = p.monthly.map(\.month)
        let flows = [Series(name: "Issued", color: Palette.issued, values: p.monthly.map(\.issued)),
                     Series(name: "Redeemed", color: Palette.redeemed, values: p.monthly.map(\.redeemed)),
                     Series(name: "Expired", color: Palette.expired, values: p.monthly.map(\.expired))]
        var figures = [figure("Points issued, redeemed and expired per month", legend: flows,
                              groupedBars(months, flows, scale: Scale(flows.flatMap(\.values), integral: true), unit: "points"))]
        let liabilities = p.monthly.compactMap(\.liability)
        if let currency = p.liability?.currency, liabilities.count == months.count {
            let line = Series(name: "Liability (\(currency))", color: Palette.liability, values: liabilities)
            figures.append(figure("Liability at each month end", legend: [line],
                                  lineChart(months, line, scale: Scale(liabilities, integral: false), unit: currency)))
        } else {
            let line = Series(name: "Points balance", color: Palette.liability, values: p.monthly.map(\.balance))
            figures.append(figure("Points balance at each month end (the policy gives no point value)", legend: [line],
                                  lineChart(months, line, scale: Scale(line.values, integral: true), unit: "points")))
        }
        if !p.membersPerTier.isEmpty {
            let tiers = p.membersPerTier.enumerated().map { index, tier in
                Series(name: tier.tier, color: Palette.tier(index), values: p.monthly.map { Decimal($0.membersPerTier[tier.tier] ?? 0) })
            }
            let totals = months.indices.map { month in tiers.reduce(Decimal(0)) { $0 + $1.values[month] } }
            figures.append(figure("Members per tier at each month end", legend: tiers,
                                  stackedBars(months, tiers, scale: Scale(totals, integral: true), unit: "members")))
        }
        return section("months", "Month by month", figures.joined() + """
            <p class="note">A member counts in the month-end figures from the month of their first event applied.</p>
            """)
    }

    /// Where the members end: per tier and per status.
    private static func distributions(_ p: PolicyTotals) -> String {
        func bars(_ counts: [SimulationReport.TierCount]) -> String {
            counts.isEmpty
                ? empty("The policy has no tiers.")
                : horizontalBars(counts.enumerated().map { Bar(label: $0.element.tier, count: $0.element.members, color: Palette.tier($0.offset)) },
                                 total: p.members)
        }
        let statuses = p.membersPerStatus.keys.sorted(by: statusOrder).map { Bar(label: $0, count: p.membersPerStatus[$0] ?? 0, color: Palette.status($0)) }
        return section("members", "Members at the end", """
            <div class="two">
            <figure><figcaption>Members per tier</figcaption>\(bars(p.membersPerTier))</figure>
            <figure><figcaption>Members per status</figcaption>\(horizontalBars(statuses, total: p.members))</figure>
            <figure><figcaption>Members per tier the measure gives on the as-of day (what a review then would give)</figcaption>\(bars(p.membersPerQualifyingTier))</figure>
            </div>
            """)
    }

    /// Events applied and refused by type, benefit uses granted and denied, with the reasons.
    private static func outcomes(_ p: PolicyTotals) -> String {
        section("outcomes", "Outcomes", """
            <h3>Events by type</h3>
            \(countsTable(p.events, subject: "Event type", granted: "Applied", denied: "Refused", none: "No event was applied or refused."))
            <h3>Benefit uses by benefit</h3>
            \(countsTable(p.benefitUses, subject: "Benefit", granted: "Granted", denied: "Denied", none: "No benefit was used."))
            """)
    }

    /// Policy B against policy A over the same input: figures, tier matrix, the members most affected.
    private static func comparisonSection(_ c: SimulationReport.Comparison, a: PolicyTotals) -> String {
        let b = c.policy
        return section("comparison", "Policy B vs policy A", """
            <p class="meta"><span class="tag">A</span> \(escape(title(of: a))) &nbsp; <span class="tag">B</span> \(escape(title(of: b)))</p>
            \(comparisonFigures(c, a: a))
            <h3>Final tier under A (rows) and under B (columns)</h3>
            \(tierMatrix(c.tierMatrix))
            <p class="note"><strong>\(grouped(c.membersChangingTier))</strong> of \(grouped(a.members)) members\(percentSuffix(c.membersChangingTier, of: a.members)) end in a different tier under B.</p>
            <h3>The \(c.mostAffected.count) members whose balance changes most</h3>
            \(mostAffectedTable(c.mostAffected))
            """)
    }

    /// Every month's figures as a table, for the reader who wants the numbers behind the charts.
    private static func monthlyTable(_ p: PolicyTotals) -> String {
        guard !p.monthly.isEmpty else { return "" }
        let currency = p.liability?.currency
        let tiers = p.membersPerTier.map(\.tier)
        let head = ["Month", "Issued", "Redeemed", "Expired", "Balance"] + (currency.map { ["Liability (\($0))"] } ?? []) + tiers
        let rows = p.monthly.map { m in
            ["<td>\(escape(m.month))</td>"] + [m.issued, m.redeemed, m.expired, m.balance].map { numberCell(grouped($0)) }
                + (currency == nil ? [] : [numberCell(m.liability.map { money($0) } ?? "")])
                + tiers.map { numberCell(grouped(m.membersPerTier[$0] ?? 0)) }
        }
        return section("monthly-figures", "Monthly figures", table(head: head, numeric: Set(1..<head.count), rows: rows))
    }
}

// MARK: - Tables

extension ReportPage {
    /// Counts by subject (sorted), outcomes granted and denied, denials by reason (most first).
    private static func countsTable(_ counts: [String: SimulationReport.EventCounts], subject: String, granted: String, denied: String,
                                    none: String) -> String {
        guard !counts.isEmpty else { return empty(none) }
        let rows = counts.keys.sorted().map { key in
            let c = counts[key]!
            let reasons = c.denied.sorted { ($1.value, $0.key) < ($0.value, $1.key) }
                .map { "<span class=\"reason\"><code>\(escape($0.key))</code> \(grouped($0.value))</span>" }.joined(separator: " ")
            return ["<td><code>\(escape(key))</code></td>", numberCell(grouped(c.granted)), numberCell(grouped(c.denied.values.reduce(0, +))),
                    "<td>\(reasons)</td>"]
        }
        let total = ["<td>Total</td>", numberCell(grouped(counts.values.map(\.granted).reduce(0, +))),
                     numberCell(grouped(counts.values.flatMap(\.denied.values).reduce(0, +))), "<td></td>"]
        return table(head: [subject, granted, denied, "\(denied): reasons"], numeric: [1, 2], rows: rows, foot: total)
    }

    /// Points and liability under A and B, and B − A.
    private static func comparisonFigures(_ c: SimulationReport.Comparison, a: PolicyTotals) -> String {
        let b = c.policy
        func row(_ label: String, _ x: Decimal, _ y: Decimal, _ difference: Decimal, _ show: (Decimal) -> String = grouped) -> [String] {
            ["<td>\(escape(label))</td>", numberCell(show(x)), numberCell(show(y)), numberCell(signed(difference, show))]
        }
        var rows = [row("Points issued", c.issued["a"] ?? 0, c.issued["b"] ?? 0, c.issued["difference"] ?? 0)]
        for (label, key) in [("Points redeemed", "redeemed"), ("Points expired", "expired"), ("Points balance", "balance")] {
            let (x, y) = (a.totals[key] ?? 0, b.totals[key] ?? 0)
            rows.append(row(label, x, y, y - x))
        }
        if let liability = c.liability {
            let currency = a.liability?.currency ?? b.liability?.currency
            rows.append(row("Liability" + (currency.map { " (\($0))" } ?? ""), liability["a"] ?? 0, liability["b"] ?? 0, liability["difference"] ?? 0,
                            { money($0) }))
        }
        for (label, key) in [("Upgrades", "upgrades"), ("Downgrades", "downgrades")] {
            let (x, y) = (a.tierMovements[key] ?? 0, b.tierMovements[key] ?? 0)
            rows.append(row(label, Decimal(x), Decimal(y), Decimal(y - x)))
        }
        return table(head: ["", "Policy A", "Policy B", "B − A"], numeric: [1, 2, 3], rows: rows)
    }

    /// Members by final tier under A (rows) and B (columns), with totals; a tier kept is highlighted.
    private static func tierMatrix(_ matrix: SimulationReport.TierMatrix) -> String {
        guard !matrix.rows.isEmpty, !matrix.columns.isEmpty else { return empty("A policy without tiers has no tier matrix.") }
        let note = "<p class=\"note\">Highlighted: members who keep their tier (same tier name under both).</p>"
        let rows = matrix.rows.enumerated().map { index, tier in
            let counts = matrix.counts[index]
            return ["<th scope=\"row\">\(escape(tier))</th>"] + zip(matrix.columns, counts).map { column, count in
                "<td class=\"num\(column == tier ? " same" : "")\(count == 0 ? " zero" : "")\">\(grouped(count))</td>"
            } + [numberCell(grouped(counts.reduce(0, +)))]
        }
        let columnTotals = matrix.columns.indices.map { column in matrix.counts.reduce(0) { $0 + $1[column] } }
        let foot = ["<td>Total</td>"] + columnTotals.map { numberCell(grouped($0)) } + [numberCell(grouped(columnTotals.reduce(0, +)))]
        let head = ["A \\ B"] + matrix.columns + ["Total"]
        return table(head: head, numeric: Set(1..<head.count), rows: rows, foot: foot, className: "matrix") + note
    }

    /// The members whose balance changes most: tiers and balances under A and B.
    private static func mostAffectedTable(_ members: [SimulationReport.Affected]) -> String {
        guard !members.isEmpty else { return empty("No member.") }
        let rows = members.enumerated().map { index, m in
            [numberCell(String(index + 1)), "<td><code>\(escape(m.member))</code></td>", "<td>\(tierName(m.tierA))</td>",
             "<td\(m.tierA == m.tierB ? "" : " class=\"changed\"")>\(tierName(m.tierB))</td>",
             numberCell(grouped(m.balanceA)), numberCell(grouped(m.balanceB)), numberCell(signed(m.balanceDelta, grouped))]
        }
        return table(head: ["#", "Member", "Tier A", "Tier B", "Balance A", "Balance B", "B − A"], numeric: [0, 4, 5, 6], rows: rows)
    }

    /// A table from header labels and rows of ready-made cells; `numeric` columns align right.
    private static func table(head: [String], numeric: Set<Int>, rows: [[String]], foot: [String]? = nil, className: String? = nil) -> String {
        let headCells = head.enumerated().map { "<th scope=\"col\"\(numeric.contains($0.offset) ? " class=\"num\"" : "")>\(escape($0.element))</th>" }
        return """
            <div class="scroll"><table\(className.map { " class=\"\($0)\"" } ?? "")>
            <thead><tr>\(headCells.joined())</tr></thead>
            <tbody>
            \(rows.map { "<tr>\($0.joined())</tr>" }.joined(separator: "\n"))
            </tbody>\(foot.map { "\n<tfoot><tr>\($0.joined())</tr></tfoot>" } ?? "")
            </table></div>
            """
    }

    /// A member's tier, or a dash under a policy without tiers.
    private static func tierName(_ tier: String) -> String { tier.isEmpty ? "—" : escape(tier) }

    private static func numberCell(_ text: String) -> String { "<td class=\"num\">\(text)</td>" }
}

// MARK: - Charts

/// One named, coloured series of values, one per month.
private struct Series {
    let name: String
    let color: String
    let values: [Decimal]
}

/// One bar of a horizontal bar chart.
private struct Bar {
    let label: String
    let count: Int
    let color: String
}

/// The frame every monthly chart is drawn in (SVG user units; the chart scales to the page width).
private enum Frame {
    static let width = 720.0, height = 270.0
    static let left = 64.0, right = 12.0, top = 24.0, bottom = 44.0
    static var plotWidth: Double { width - left - right }
    static var plotHeight: Double { height - top - bottom }

    /// The left edge and width of month `index`'s band of `count`.
    static func band(_ index: Int, of count: Int) -> (x: Double, width: Double) {
        let width = plotWidth / Double(count)
        return (left + width * Double(index), width)
    }
}

/// A value axis in round steps (1, 2 or 5 × 10ⁿ) that always includes zero.
private struct Scale {
    let lower: Double
    let upper: Double
    let step: Double

    /// `integral`: the values are counts or points, so steps are whole numbers.
    init(_ values: [Decimal], integral: Bool) {
        let numbers = values.map(double)
        let low = min(0, numbers.min() ?? 0), high = max(0, numbers.max() ?? 0)
        let rough = (high > low ? high - low : 5) / 5
        let magnitude = pow(10, (log10(rough)).rounded(.down))
        var step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= rough * 0.999 } ?? 10 * magnitude
        if integral { step = max(step, 1) }
        lower = (low / step).rounded(.down) * step
        let upper = (high / step).rounded(.up) * step
        self.upper = upper > lower ? upper : lower + 4 * step
        self.step = step
    }

    var ticks: [Double] { (0...Int(((upper - lower) / step).rounded())).map { lower + Double($0) * step } }

    /// The vertical position of `value` in the frame.
    func y(_ value: Double) -> Double { Frame.top + Frame.plotHeight * (upper - value) / (upper - lower) }

    /// A tick's label: thousands grouped, or in k / M when the axis runs that high.
    func label(_ value: Double) -> String {
        let reach = max(abs(lower), abs(upper))
        let (divisor, suffix) = reach >= 1e6 ? (1e6, "M") : reach >= 1e4 ? (1e3, "k") : (1.0, "")
        guard value != 0 else { return "0" }
        let decimals = max(0, Int((-log10(step / divisor) - 1e-9).rounded(.up)))
        return groupDigits(String(format: "%.\(decimals)f", value / divisor)) + suffix
    }
}

extension ReportPage {
    /// Bars side by side in each month, one per series.
    private static func groupedBars(_ months: [String], _ series: [Series], scale: Scale, unit: String) -> String {
        var marks = ""
        for (index, month) in months.enumerated() {
            let band = Frame.band(index, of: months.count)
            let width = band.width * 0.8 / Double(series.count)
            for (position, s) in series.enumerated() where s.values[index] != 0 {
                let value = s.values[index]
                let (zero, end) = (scale.y(0), scale.y(double(value)))
                marks += rect(x: band.x + band.width * 0.1 + width * Double(position), y: min(zero, end), width: width, height: abs(zero - end),
                              color: s.color, title: "\(month) · \(s.name): \(grouped(value)) \(unit)")
            }
        }
        return chart(months, scale: scale, unit: unit, marks: marks)
    }

    /// Each month's values stacked in one bar, the first series at the bottom.
    private static func stackedBars(_ months: [String], _ series: [Series], scale: Scale, unit: String) -> String {
        var marks = ""
        for (index, month) in months.enumerated() {
            let band = Frame.band(index, of: months.count)
            var base = Decimal(0)
            for s in series where s.values[index] != 0 {
                let top = base + s.values[index]
                let (low, high) = (scale.y(double(base)), scale.y(double(top)))
                marks += rect(x: band.x + band.width * 0.15, y: min(low, high), width: band.width * 0.7, height: abs(low - high),
                              color: s.color, title: "\(month) · \(s.name): \(grouped(s.values[index])) \(unit)")
                base = top
            }
        }
        return chart(months, scale: scale, unit: unit, marks: marks)
    }

    /// One series as a line through the middle of each month, with a dot per month.
    private static func lineChart(_ months: [String], _ series: Series, scale: Scale, unit: String) -> String {
        let points = months.indices.map { index in
            let band = Frame.band(index, of: months.count)
            return (x: band.x + band.width / 2, y: scale.y(double(series.values[index])))
        }
        var marks = "<polyline fill=\"none\" stroke=\"\(series.color)\" stroke-width=\"2\" stroke-linejoin=\"round\" points=\"\(points.map { "\(coordinate($0.x)),\(coordinate($0.y))" }.joined(separator: " "))\"/>"
        for (index, point) in points.enumerated() {
            marks += "<circle cx=\"\(coordinate(point.x))\" cy=\"\(coordinate(point.y))\" r=\"\(months.count > 48 ? 1.5 : 3)\" fill=\"\(series.color)\">"
                + "<title>\(escape("\(months[index]) · \(series.name): \(grouped(series.values[index])) \(unit)"))</title></circle>"
        }
        return chart(months, scale: scale, unit: unit, marks: marks)
    }

    /// An SVG chart: gridlines and value labels, the marks, the month labels and the axis titles.
    private static func chart(_ months: [String], scale: Scale, unit: String, marks: String) -> String {
        var svg = "<svg class=\"chart\" viewBox=\"0 0 \(Int(Frame.width)) \(Int(Frame.height))\" role=\"img\">"
        for tick in scale.ticks {
            let y = coordinate(scale.y(tick))
            svg += "<line class=\"\(tick == 0 ? "axis" : "grid")\" x1=\"\(coordinate(Frame.left))\" x2=\"\(coordinate(Frame.width - Frame.right))\" y1=\"\(y)\" y2=\"\(y)\"/>"
                + "<text x=\"\(coordinate(Frame.left - 6))\" y=\"\(y)\" text-anchor=\"end\" dominant-baseline=\"middle\">\(scale.label(tick))</text>"
        }
        svg += marks
        let every = max(1, (months.count + 11) / 12)
        let labelY = coordinate(Frame.height - Frame.bottom + 16)
        for (index, month) in months.enumerated() where index % every == 0 {
            let band = Frame.band(index, of: months.count)
            svg += "<text x=\"\(coordinate(band.x + band.width / 2))\" y=\"\(labelY)\" text-anchor=\"middle\">\(escape(month))</text>"
        }
        svg += "<text class=\"title\" x=\"\(coordinate(Frame.left - 6))\" y=\"\(coordinate(Frame.top - 12))\" text-anchor=\"end\">\(escape(unit))</text>"
            + "<text class=\"title\" x=\"\(coordinate(Frame.left + Frame.plotWidth / 2))\" y=\"\(coordinate(Frame.height - 6))\" text-anchor=\"middle\">month</text>"
        return svg + "</svg>"
    }

    /// Labelled horizontal bars with each count and its share of `total`.
    private static func horizontalBars(_ bars: [Bar], total: Int) -> String {
        let labelWidth = min(max(bars.map { textWidth(shortened($0.label)) }.max() ?? 0, 40) + 12, 220)
        let (width, row) = (480.0, 26.0)
        let barSpace = width - labelWidth - 110
        let largest = bars.map(\.count).max() ?? 0
        var svg = "<svg class=\"chart bars\" viewBox=\"0 0 \(Int(width)) \(Int(row * Double(bars.count) + 8))\" role=\"img\">"
        for (index, bar) in bars.enumerated() {
            let y = 4 + row * Double(index)
            let length = largest == 0 ? 0 : barSpace * Double(bar.count) / Double(largest)
            svg += "<text x=\"\(coordinate(labelWidth - 8))\" y=\"\(coordinate(y + row / 2))\" text-anchor=\"end\" dominant-baseline=\"middle\">"
                + "<title>\(escape(bar.label))</title>\(escape(shortened(bar.label)))</text>"
                + rect(x: labelWidth, y: y + 4, width: length, height: row - 8, color: bar.color, title: "\(bar.label): \(grouped(bar.count))")
                + "<text class=\"value\" x=\"\(coordinate(labelWidth + length + 6))\" y=\"\(coordinate(y + row / 2))\" dominant-baseline=\"middle\">"
                + "\(grouped(bar.count))\(percentSuffix(bar.count, of: total))</text>"
        }
        svg += "<line class=\"axis\" x1=\"\(coordinate(labelWidth))\" x2=\"\(coordinate(labelWidth))\" y1=\"2\" y2=\"\(coordinate(row * Double(bars.count) + 6))\"/>"
        return svg + "</svg>"
    }

    private static func rect(x: Double, y: Double, width: Double, height: Double, color: String, title: String) -> String {
        "<rect x=\"\(coordinate(x))\" y=\"\(coordinate(y))\" width=\"\(coordinate(width))\" height=\"\(coordinate(height))\" fill=\"\(color)\">"
            + "<title>\(escape(title))</title></rect>"
    }

    /// A chart with its caption and legend (HTML, so it wraps; swatches are SVG, so they print).
    private static func figure(_ caption: String, legend: [Series], _ chart: String) -> String {
        let items = legend.map {
            "<li><svg viewBox=\"0 0 10 10\"><rect width=\"10\" height=\"10\" fill=\"\($0.color)\"/></svg>\(escape($0.name))</li>"
        }
        return "<figure><figcaption>\(escape(caption))</figcaption>\(chart)<ul class=\"legend\">\(items.joined())</ul></figure>\n"
    }
}

/// Colours: flows and liability fixed; tiers and statuses from a palette that prints on white.
private enum Palette {
    static let issued = "#2f6fb0", redeemed = "#e08a1e", expired = "#b8463a", liability = "#2e7d5b"
    private static let tiers = ["#9aa5b1", "#5b8cc0", "#d4a72c", "#6a4c9c", "#2e8b74", "#c0587e", "#8c6d46", "#3d5a80"]
    private static let statuses = ["active": "#2e8b57", "frozen": "#4a90c2", "cancelled": "#9a9a9a"]

    static func tier(_ index: Int) -> String { tiers[index % tiers.count] }
    static func status(_ name: String) -> String { statuses[name] ?? "#8c6d46" }
}

// MARK: - Text and numbers

extension ReportPage {
    private static func title(of policy: PolicyTotals) -> String {
        (policy.name == nil && policy.parameters.isEmpty ? "Unnamed policy" : policy.label) + (policy.version.map { " · version \($0)" } ?? "")
    }

    private static func section(_ id: String, _ heading: String, _ body: String) -> String {
        "<section id=\"\(id)\">\n<h2>\(escape(heading))</h2>\n\(body)\n</section>"
    }

    private static func card(_ label: String, _ value: String, note: String? = nil) -> String {
        "<div class=\"card\"><div class=\"label\">\(escape(label))</div><div class=\"value\">\(value)</div>"
            + (note.map { "<div class=\"note\">\($0)</div>" } ?? "") + "</div>"
    }

    private static func empty(_ text: String) -> String { "<p class=\"empty\">\(escape(text))</p>" }

    /// A points total of the policy, grouped.
    private static func points(_ p: PolicyTotals, _ key: String) -> String { grouped(p.totals[key] ?? 0) }

    /// Money with two decimals, thousands grouped, and the currency when known.
    private static func money(_ amount: Decimal, _ currency: String? = nil) -> String {
        var text = amount.description
        let decimals = text.split(separator: ".", omittingEmptySubsequences: false).dropFirst().first?.count
        text += decimals == nil ? ".00" : String(repeating: "0", count: max(0, 2 - decimals!))
        return groupDigits(text) + (currency.map { " " + escape($0) } ?? "")
    }

    /// `-12` / `+12` / `0`: a difference with its sign.
    private static func signed(_ value: Decimal, _ show: (Decimal) -> String) -> String {
        value > 0 ? "+" + show(value) : show(value)
    }

    /// " (12.3%)", or nothing when the whole is zero.
    private static func percentSuffix(_ part: Int, of whole: Int) -> String {
        whole == 0 ? "" : " (" + String(format: "%.1f", 100 * Double(part) / Double(whole)) + "%)"
    }

    /// A status order for readers: active, frozen, cancelled, then any other by name.
    private static func statusOrder(_ a: String, _ b: String) -> Bool {
        let known = ["active", "frozen", "cancelled"]
        return (known.firstIndex(of: a) ?? known.count, a) < (known.firstIndex(of: b) ?? known.count, b)
    }

    /// A label cut to 28 characters for a chart (the whole label is its tooltip).
    private static func shortened(_ label: String) -> String { label.count > 28 ? String(label.prefix(27)) + "…" : label }

    /// A label's rough width in chart units (wide characters count double).
    private static func textWidth(_ label: String) -> Double {
        label.unicodeScalars.reduce(0) { $0 + ($1.value >= 0x2E80 ? 14 : 8) }
    }
}

/// Text safe inside HTML elements and attribute values.
private func escape(_ text: String) -> String {
    var result = ""
    for character in text {
        switch character {
        case "&": result += "&amp;"
        case "<": result += "&lt;"
        case ">": result += "&gt;"
        case "\"": result += "&quot;"
        case "'": result += "&#39;"
        default: result.append(character)
        }
    }
    return result
}

/// The exact `description`, thousands grouped: `1234567.5` → `1,234,567.5`.
private func grouped(_ value: Decimal) -> String { groupDigits(value.description) }

private func grouped(_ value: Int) -> String { groupDigits(String(value)) }

/// Commas every three digits of a plain decimal numeral's whole part.
private func groupDigits(_ numeral: String) -> String {
    let sign = numeral.hasPrefix("-") ? "-" : ""
    let unsigned = numeral.dropFirst(sign.count)
    let whole = unsigned.prefix { $0 != "." }
    var digits = ""
    for (index, digit) in whole.enumerated() {
        if index > 0, (whole.count - index) % 3 == 0 { digits += "," }
        digits.append(digit)
    }
    return sign + digits + unsigned.dropFirst(whole.count)
}

private func double(_ value: Decimal) -> Double { Double(value.description) ?? 0 }

/// An SVG coordinate to a tenth of a unit.
private func coordinate(_ value: Double) -> String { String(format: "%.1f", value) }

/// The page's style sheet: system fonts only; charts and tables keep their colours in print.
private let style = """

    :root { --ink: #1d2733; --muted: #5c6b7a; --line: #d9dee4; --soft: #f5f7f9; }
    * { box-sizing: border-box; }
    body { margin: 0; color: var(--ink); background: #fff;
      font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", "PingFang SC", "Microsoft YaHei", sans-serif; }
    main { max-width: 1040px; margin: 0 auto; padding: 32px 24px 48px; }
    h1 { font-size: 1.8rem; margin: .1rem 0 .3rem; }
    h2 { font-size: 1.25rem; margin: 0 0 12px; padding-bottom: 4px; border-bottom: 2px solid var(--ink); }
    h3 { font-size: 1rem; margin: 22px 0 8px; }
    section { margin-top: 36px; }
    code { font: .92em ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
    .kicker { margin: 0; font-size: .75rem; letter-spacing: .08em; text-transform: uppercase; color: var(--muted); }
    .meta, .note { color: var(--muted); }
    .note { font-size: .85rem; }
    .empty { color: var(--muted); font-style: italic; }
    .rows { display: flex; flex-wrap: wrap; gap: 8px 28px; margin: 14px 0 0; }
    .rows dt { font-size: .75rem; color: var(--muted); }
    .rows dd { margin: 0; font-weight: 600; font-variant-numeric: tabular-nums; }
    .cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(190px, 1fr)); gap: 12px; }
    .card { padding: 10px 12px; border: 1px solid var(--line); border-radius: 6px; background: var(--soft); }
    .card .label { font-size: .8rem; color: var(--muted); }
    .card .value { font-size: 1.35rem; font-weight: 650; font-variant-numeric: tabular-nums; }
    .card .note { font-size: .75rem; }
    .tag { display: inline-block; padding: 0 6px; border-radius: 3px; background: var(--ink); color: #fff; font-weight: 600; font-size: .8rem; }
    .two { display: grid; grid-template-columns: 1fr 1fr; gap: 24px; }
    figure { margin: 18px 0; }
    figcaption { font-weight: 600; margin-bottom: 6px; }
    svg.chart { display: block; width: 100%; height: auto; }
    svg.bars { max-width: 480px; }
    svg.bars text { font-size: 13px; }
    svg text { font-size: 11px; fill: #5c6b7a; }
    svg text.title { font-style: italic; }
    svg text.value { fill: #1d2733; }
    svg line.grid { stroke: #e6e9ed; }
    svg line.axis { stroke: #5c6b7a; }
    .legend { display: flex; flex-wrap: wrap; gap: 4px 18px; margin: 6px 0 0; padding: 0; list-style: none; font-size: .85rem; }
    .legend svg { width: 10px; height: 10px; margin-right: 6px; }
    .scroll { overflow-x: auto; }
    table { width: 100%; border-collapse: collapse; font-size: .9rem; }
    th, td { padding: 5px 8px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
    thead th { font-size: .8rem; color: var(--muted); border-bottom: 2px solid #9aa5b1; }
    tfoot td { font-weight: 600; border-top: 2px solid #9aa5b1; }
    td:first-child { white-space: nowrap; }
    .num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
    .reason { display: inline-block; margin: 0 10px 2px 0; white-space: nowrap; }
    .matrix { width: auto; min-width: 50%; }
    .matrix td.same { background: #dcefd2; font-weight: 650; }
    .zero { color: #b0b8c1; }
    .changed { font-weight: 650; }
    footer { margin-top: 40px; padding-top: 8px; border-top: 1px solid var(--line); font-size: .8rem; color: var(--muted); }
    @media (max-width: 760px) { .two { grid-template-columns: 1fr; } }
    @page { margin: 14mm; }
    @media print {
      * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
      body { font-size: 10pt; }
      main { max-width: none; padding: 0; }
      section { margin-top: 20px; }
      #comparison, #monthly-figures { break-before: page; }
      .two { grid-template-columns: 1fr 1fr; }
      h2, h3, figcaption { break-after: avoid; }
      figure, .card, .matrix, tr { break-inside: avoid; }
      thead { display: table-header-group; }
      .scroll { overflow: visible; }
    }

    """
