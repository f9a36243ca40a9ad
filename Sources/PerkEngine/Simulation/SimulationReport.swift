import Foundation
import PerkLanguage

/// A simulation's results as files: `members.csv`, `compare.csv` and the `summary.json` document.
/// Amounts are exact decimals; points are whole numbers; money has two decimals.
public enum SimulationReport {
    /// How many input rows there were and what became of each: nothing is dropped unsaid.
    public struct Rows: Encodable, Sendable {
        public var read = 0
        /// Malformed rows skipped (`--on-error skip`), listed in `rejected.csv`.
        public var skipped = 0
        public var applied = 0
        /// Events the policy refused (an outcome, counted by reason in `events`).
        public var rejected = 0
        /// Events dated on or after the as-of day.
        public var notApplied = 0

        public init(read: Int, skipped: Int) {
            self.read = read
            self.skipped = skipped
        }

        enum CodingKeys: String, CodingKey { case read, skipped, applied, rejected, notApplied = "not_applied" }
    }

    /// The columns of `members.csv`: the fixed columns, then the tier the measure gives
    /// on the as-of day.
    public static let memberColumns = ["member", "tier", "status", "balance", "earned", "redeemed", "expired", "clawed_back",
                                       "deducted", "forfeited", "unrecovered", "fees", "qualifying_tier"]

    /// `members.csv`: one row per member, sorted by member; rows are formatted on `jobs` threads.
    public static func membersCSV(_ members: Simulation.Members, jobs: Int = 1) -> String {
        String(decoding: Array(membersCSVParts(members, jobs: jobs).joined()), as: UTF8.self)
    }

    /// `members.csv` as bytes: the header, then the rows, a part after another, to be written in
    /// turn. A million members' rows, copied into one text (and checked to be UTF-8 again),
    /// took a tenth of a second more on one thread.
    public static func membersCSVParts(_ members: Simulation.Members, jobs: Int = 1) -> [[UInt8]] {
        let chunkCount = min(max(members.count / 10_000, 1), max(jobs, 1) * 4)
        let chunks = OrderedSlots<[UInt8]>(count: chunkCount)
        runInParallel(chunkCount, jobs: jobs) { chunk, _ in
            // Written as bytes: a million members' rows built as strings took seconds.
            let rows = members.count * chunk / chunkCount..<members.count * (chunk + 1) / chunkCount
            var bytes: [UInt8] = []
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 4_096) { room in
                var out = BufferedBytes(reserving: rows.count * 64, through: room)
                members.forEach(in: rows) { row in
                    var first = true
                    forEachMemberCell(row) { cell in
                        if !first { out.append(UInt8(ascii: ",")) }
                        first = false
                        switch cell {
                        case .text(let text):
                            var utf8 = text
                            utf8.withUTF8 { if needsQuoting($0) { out.append(csvCell(text)) } else { out.append($0) } }
                        case .number(let number): out.append(number)
                        case .money(let amount) where amount.isZero: out.append(StaticString("0.00"))
                        case .money(let amount): out.append(money(amount))
                        }
                    }
                    out.append(UInt8(ascii: "\n"))
                }
                bytes = out.finish()
            }
            chunks.set(chunk, bytes)
        }
        return [Array((memberColumns.joined(separator: ",") + "\n").utf8)] + chunks.takeValues()
    }

    /// Bytes appended to an array through room of their own, handed over a roomful at a time:
    /// appended to the array cell by cell, every append checked the array's capacity and that
    /// it was not shared (members.csv takes a quarter fewer instructions without).
    private struct BufferedBytes {
        private var bytes: [UInt8]
        private let room: UnsafeMutableBufferPointer<UInt8>
        private var used = 0

        /// - Parameters:
        ///   - capacity: the bytes the array is given room for at once.
        ///   - room: at least the 20 digits of a 64-bit number.
        init(reserving capacity: Int, through room: UnsafeMutableBufferPointer<UInt8>) {
            precondition(room.count >= 20, "room for a number")
            bytes = []
            bytes.reserveCapacity(capacity)
            self.room = room
        }

        mutating func append(_ byte: UInt8) {
            if used == room.count { handOver() }
            room[used] = byte
            used += 1
        }

        mutating func append(_ utf8: UnsafeBufferPointer<UInt8>) {
            if used + utf8.count > room.count {
                handOver()
                if utf8.count > room.count { return bytes.append(contentsOf: utf8) }
            }
            _ = UnsafeMutableBufferPointer(rebasing: room[used...]).initialize(fromContentsOf: utf8)
            used += utf8.count
        }

        mutating func append(_ text: StaticString) { text.withUTF8Buffer { append($0) } }

        mutating func append(_ text: String) {
            var text = text
            text.withUTF8 { append($0) }
        }

        /// A number as `description` writes it; a whole number that is not negative (as points
        /// are) from its digits, without making a string for it.
        mutating func append(_ number: ExactNumber) {
            guard number.denominator == 1, number.numerator >= 0, var rest = UInt64(exactly: number.numerator) else {
                return append(number.description)
            }
            var digits = 1
            var scale: UInt64 = 10
            while digits < 20 && rest >= scale {
                digits += 1
                scale &*= 10
            }
            if used + digits > room.count { handOver() }
            // Last digit first, from the end of its place.
            var place = used + digits
            repeat {
                place -= 1
                room[place] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
            } while place > used
            used += digits
        }

        /// The array, with everything appended.
        mutating func finish() -> [UInt8] {
            handOver()
            return bytes
        }

        private mutating func handOver() {
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: room[..<used]))
            used = 0
        }
    }

    /// A member's values for `memberColumns`, in order: points as integers, fees with 2 decimals.
    public static func memberCells(_ row: Simulation.MemberResult) -> [String] {
        var cells: [String] = []
        forEachMemberCell(row) { cell in
            switch cell {
            case .text(let text): cells.append(text)
            case .number(let number): cells.append(number.description)
            case .money(let amount): cells.append(money(amount))
            }
        }
        return cells
    }

    /// A value of a `members.csv` column, before it is written.
    private enum MemberCell {
        case text(String)
        /// Points, written as their exact decimal (whole numbers in practice).
        case number(ExactNumber)
        /// Money, written with two decimals.
        case money(ExactNumber)
    }

    /// Gives `body` a member's values for `memberColumns`, in order.
    private static func forEachMemberCell(_ row: Simulation.MemberResult, _ body: (MemberCell) -> Void) {
        body(.text(row.member))
        body(.text(row.tier))
        body(.text(row.status))
        // One by one: looping over an array of them made an array per member. Read where the
        // result keeps them (the balance, then the totals in order), not made a `Totals` first.
        body(.number(row.amounts[0]))  // balance
        body(.number(row.amounts[1]))  // earned
        body(.number(row.amounts[2]))  // redeemed
        body(.number(row.amounts[3]))  // expired
        body(.number(row.amounts[4]))  // clawed back
        body(.number(row.amounts[5]))  // deducted
        body(.number(row.amounts[6]))  // forfeited
        body(.number(row.amounts[7]))  // unrecovered
        body(.money(row.amounts[8]))  // fees
        body(.text(row.qualifyingTier))
    }

    /// `compare.csv`: each member's tier and balance under both policies, and the differences.
    public static func compareCSV(_ a: Simulation.Members, _ b: Simulation.Members) -> String {
        var text = "member,tier_a,tier_b,balance_a,balance_b,balance_delta,earned_a,earned_b,earned_delta\n"
        for (x, y) in zip(a, b) {
            text += [csvCell(x.member), csvCell(x.tier), csvCell(y.tier), x.balance.description, y.balance.description,
                     delta(x.balance, y.balance).description, x.totals.earned.description, y.totals.earned.description,
                     delta(x.totals.earned, y.totals.earned).description].joined(separator: ",") + "\n"
        }
        return text
    }

    /// `rejected.csv`: every malformed row skipped, where it is and why.
    public static func rejectedCSV(_ errors: [InputError]) -> String {
        "file,line,column,reason\n" + errors.map { error in
            [csvCell(error.location.file), String(error.location.line), csvCell(error.column ?? ""), csvCell(error.message)].joined(separator: ",") + "\n"
        }.joined()
    }

    /// The `summary.json` document.
    public static func summary(of result: Simulation.Result, policies: [CompiledPolicy], asOf: CivilDate, rows: Rows) -> Summary {
        var rows = rows
        let first = result.tallies[0]
        rows.applied = first.applied.values.reduce(0, +)
        rows.rejected = first.rejected.values.flatMap(\.values).reduce(0, +)
        rows.notApplied = result.notApplied
        var document = Summary(asOf: asOf.description, rows: rows, policy: PolicyTotals(first, policies[0]))
        if result.tallies.count > 1 {
            document.comparison = Comparison(result, policies)
        }
        return document
    }

    public struct Summary: Encodable, Sendable {
        public let asOf: String
        public let rows: Rows
        public let policy: PolicyTotals
        public var comparison: Comparison?

        enum CodingKeys: String, CodingKey { case asOf = "as_of", rows, policy, comparison }
    }

    /// Everything a run found under one policy.
    public struct PolicyTotals: Encodable, Sendable {
        public let name: String?
        public let version: String?
        /// Parameters set to other values than the policy file gives, as written.
        public let parameters: [String: String]
        /// The currency money amounts (fees, liability) are in.
        public let currency: String
        public let members: Int
        public let totals: [String: Decimal]
        public let membersPerTier: [TierCount]
        /// Members by the tier the ladder's measure gives them on the as-of day.
        public let membersPerQualifyingTier: [TierCount]
        public let membersPerStatus: [String: Int]
        public let tierMovements: [String: Int]
        public let notices: Int
        /// Applied and refused events by type (refusals by reason).
        public let events: [String: EventCounts]
        /// Benefit uses granted and denied (by reason), by benefit.
        public let benefitUses: [String: EventCounts]
        public let liability: Liability?
        public let monthly: [MonthRow]

        /// The policy's name, and the parameters set otherwise: `Harbor (gold_spend = 15,000 CNY)`.
        public var label: String {
            (name ?? "policy") + (parameters.isEmpty ? "" : " (" + parameters.sorted { $0.key < $1.key }.map { "\($0.key) = \($0.value)" }.joined(separator: ", ") + ")")
        }

        init(_ tally: Tally, _ policy: CompiledPolicy) {
            name = policy.checked.name
            version = policy.checked.version
            parameters = Dictionary(policy.checked.parameterOverrides.map { ($0.name, $0.text) }, uniquingKeysWith: { _, last in last })
            currency = policy.checked.currency
            members = tally.members
            let t = tally.totals
            totals = ["balance": decimal(tally.balance), "earned": decimal(t.earned), "redeemed": decimal(t.redeemed),
                      "expired": decimal(t.expired), "clawed_back": decimal(t.clawedBack), "deducted": decimal(t.deducted),
                      "forfeited": decimal(t.forfeited), "unrecovered": decimal(t.unrecovered), "fees": decimal(t.fees, money: true)]
            membersPerTier = tally.tierNames.enumerated().map { TierCount(tier: $0.element, members: tally.membersPerTier[$0.offset]) }
            membersPerQualifyingTier = tally.tierNames.enumerated().map { TierCount(tier: $0.element, members: tally.membersPerQualifyingTier[$0.offset]) }
            membersPerStatus = ["active": 0, "frozen": 0, "cancelled": 0].merging(tally.membersPerStatus, uniquingKeysWith: +)
            tierMovements = ["upgrades": tally.upgrades, "downgrades": tally.downgrades]
            notices = tally.notices
            let types = Set(tally.applied.keys).union(tally.rejected.keys)
            events = Dictionary(uniqueKeysWithValues: types.map { ($0, EventCounts(granted: tally.applied[$0] ?? 0, denied: tally.rejected[$0] ?? [:])) })
            let benefits = Set(tally.benefitsGranted.keys).union(tally.benefitsDenied.keys)
            benefitUses = Dictionary(uniqueKeysWithValues: benefits.map {
                ($0, EventCounts(granted: tally.benefitsGranted[$0] ?? 0, denied: tally.benefitsDenied[$0] ?? [:]))
            })
            liability = tally.pointValue.map { value in
                Liability(points: decimal(tally.balance), pointValue: decimal(value, places: 12), rate: Liability.rate(value, currency: policy.checked.currency),
                          amount: decimal(tally.balance.multiplied(by: value) ?? .zero, money: true), currency: policy.checked.currency)
            }
            monthly = tally.monthlySeries.map { month, m in
                MonthRow(month: month.description, issued: decimal(m.issued), redeemed: decimal(m.redeemed), expired: decimal(m.expired),
                                balance: decimal(m.balance),
                                liability: tally.pointValue.map { decimal(m.balance.multiplied(by: $0) ?? .zero, money: true) },
                                membersPerTier: Dictionary(uniqueKeysWithValues: tally.tierNames.enumerated().map { ($0.element, m.membersPerTier[$0.offset]) }))
            }
        }

        enum CodingKeys: String, CodingKey {
            case name, version, parameters, currency, members, totals, notices, events, liability, monthly
            case membersPerTier = "members_per_tier", membersPerQualifyingTier = "members_per_qualifying_tier", membersPerStatus = "members_per_status", tierMovements = "tier_movements"
            case benefitUses = "benefit_uses"
        }
    }

    public struct TierCount: Encodable, Sendable {
        public let tier: String
        public let members: Int
    }

    /// Events of one type applied (granted) and refused (denied) by reason, or uses of one
    /// benefit granted and denied by reason.
    public struct EventCounts: Encodable, Sendable {
        public let granted: Int
        public let denied: [String: Int]
    }

    public struct Liability: Encodable, Sendable {
        public let points: Decimal
        /// A point's value in the currency, rounded to 12 places when it does not end as a decimal
        /// (`1 CNY per 3 points`); `rate` says it exactly.
        public let pointValue: Decimal
        /// A point's value as an operator reads it: `0.1 CNY a point`, or `1 CNY per 3 points`.
        public let rate: String
        public let amount: Decimal
        public let currency: String

        enum CodingKeys: String, CodingKey { case points, pointValue = "point_value", rate, amount, currency }

        static func rate(_ value: ExactNumber, currency: String) -> String {
            let written = value.description
            return written.contains("/") ? "\(value.numerator) \(currency) per \(value.denominator) points" : "\(written) \(currency) a point"
        }
    }

    public struct MonthRow: Encodable, Sendable {
        public let month: String
        public let issued: Decimal
        public let redeemed: Decimal
        public let expired: Decimal
        /// Points held at the month's end.
        public let balance: Decimal
        public let liability: Decimal?
        public let membersPerTier: [String: Int]

        enum CodingKeys: String, CodingKey { case month, issued, redeemed, expired, balance, liability, membersPerTier = "members_per_tier" }
    }

    /// Policy B against policy A over the same input.
    public struct Comparison: Encodable, Sendable {
        public let policy: PolicyTotals
        /// Points issued under A and B, and B − A.
        public let issued: [String: Decimal]
        /// Liability in money under A and B, and B − A (when both policies give a point value).
        public let liability: [String: Decimal]?
        /// Members who end in the tier of A (rows) and of B (columns).
        public let tierMatrix: TierMatrix
        public let membersChangingTier: Int
        /// The 20 members whose balance changes most (largest |B − A|, then by member).
        public let mostAffected: [Affected]

        init(_ result: Simulation.Result, _ policies: [CompiledPolicy]) {
            let (a, b) = (result.tallies[0], result.tallies[1])
            policy = PolicyTotals(b, policies[1])
            issued = ["a": decimal(a.totals.earned), "b": decimal(b.totals.earned), "difference": decimal(delta(a.totals.earned, b.totals.earned))]
            if let x = a.liability, let y = b.liability {
                liability = ["a": decimal(x, money: true), "b": decimal(y, money: true), "difference": decimal(delta(x, y), money: true)]
            } else {
                liability = nil
            }
            var counts = Array(repeating: Array(repeating: 0, count: b.tierNames.count), count: a.tierNames.count)
            var changing = 0
            for (x, y) in zip(result.members[0], result.members[1]) {
                if let row = a.tierNames.firstIndex(of: x.tier), let column = b.tierNames.firstIndex(of: y.tier) { counts[row][column] += 1 }
                if x.tier != y.tier { changing += 1 }
            }
            tierMatrix = TierMatrix(rows: a.tierNames, columns: b.tierNames, counts: counts)
            membersChangingTier = changing
            mostAffected = zip(result.members[0], result.members[1])
                .map { (x, y) in (x, y, delta(x.balance, y.balance)) }
                .sorted { l, r in
                    let (dl, dr) = (l.2.isNegative ? l.2.negated : l.2, r.2.isNegative ? r.2.negated : r.2)
                    return dl != dr ? dr < dl : l.0.member < r.0.member
                }
                .prefix(20)
                .map { Affected(member: $0.0.member, tierA: $0.0.tier, tierB: $0.1.tier, balanceA: decimal($0.0.balance),
                                balanceB: decimal($0.1.balance), balanceDelta: decimal($0.2)) }
        }

        enum CodingKeys: String, CodingKey {
            case policy, issued, liability, tierMatrix = "tier_matrix", membersChangingTier = "members_changing_tier", mostAffected = "most_affected"
        }
    }

    public struct TierMatrix: Encodable, Sendable {
        public let rows: [String]
        public let columns: [String]
        public let counts: [[Int]]
    }

    public struct Affected: Encodable, Sendable {
        public let member: String
        public let tierA: String
        public let tierB: String
        public let balanceA: Decimal
        public let balanceB: Decimal
        public let balanceDelta: Decimal

        enum CodingKeys: String, CodingKey {
            case member, tierA = "tier_a", tierB = "tier_b", balanceA = "balance_a", balanceB = "balance_b", balanceDelta = "balance_delta"
        }
    }

    /// The document as pretty-printed JSON with sorted keys: the same input gives the same bytes.
    public static func json(_ summary: Summary) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(summary), as: UTF8.self) + "\n"
    }

    /// Money with two decimals (rounded half-even to the fen when finer).
    public static func money(_ amount: ExactNumber) -> String {
        let fen = amount.multiplied(by: ExactNumber(100))?.rounded(.halfEven) ?? .zero
        let whole = fen.numerator.magnitude
        return (fen.isNegative ? "-" : "") + "\(whole / 100)." + (whole % 100 < 10 ? "0" : "") + "\(whole % 100)"
    }

    /// A cell as RFC 4180 writes it: quoted when it holds a comma, quote or line break.
    static func csvCell(_ text: String) -> String {
        var bytes = text
        guard bytes.withUTF8(needsQuoting) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// Whether a cell with these bytes is quoted in CSV. By bytes, in place: all four are ASCII,
    /// and walking characters (or the UTF-8 view) is several times slower.
    private static func needsQuoting(_ utf8: UnsafeBufferPointer<UInt8>) -> Bool {
        utf8.contains { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\n") || $0 == UInt8(ascii: "\r") }
    }
}

/// `b − a` (zero in the impossible case it does not fit).
private func delta(_ a: ExactNumber, _ b: ExactNumber) -> ExactNumber { b.subtracting(a) ?? .zero }

/// An exact number as a JSON decimal; money is rounded (half-even) to the fen.
/// `number` as a JSON number: money in hundredths; otherwise exactly, or, when it does not end as
/// a decimal (a third), rounded half-even to `places` (read as written, `1/3` was 1).
private func decimal(_ number: ExactNumber, money: Bool = false, places: Int = 12) -> Decimal {
    var text = money ? SimulationReport.money(number) : number.description
    if !money, text.contains("/") {
        let scale = ExactNumber(numerator: (0..<places).reduce(Int128(1)) { power, _ in power * 10 }, denominator: 1)!
        text = number.multiplied(by: scale)?.rounded(.halfEven).divided(by: scale)?.description ?? "0"
    }
    return Decimal(string: text, locale: Locale(identifier: "en_US_POSIX")) ?? 0
}
