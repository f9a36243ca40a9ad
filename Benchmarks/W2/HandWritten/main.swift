// W2 of shared/design/BENCHMARK.md computed directly, single-threaded, in integer fen: the
// baseline `perk simulate` with Benchmarks/W2/w2.perk is measured against.
//
//     perk-w2-handwritten EVENTS.csv [--members-out FILE]
//
// Reads Perk's event CSV (`id,date,member,type,amount,category`, columns found by the header,
// rows in any order, no quoted cells), groups the rows by member, orders each member's rows by
// (date, file order), and prints one JSON object: events, members, AS_OF (the day after the last
// date in the file), total points issued, total balance as of AS_OF and members per final tier.
// `--members-out` also writes `member,balance,tier` for every member, sorted by member.
//
// W2: eligible = category not deposit/tax; the tier at a purchase is the highest threshold
// (Silver 5,000, Gold 20,000, Diamond 50,000 CNY) met by the member's eligible spend dated in
// [date - 365 days, date); points = min(10000, (fen / 1000) * mult10 / 10) for eligible
// purchases (mult10 = 10, 12, 15, 20); a lot earned in month M expires at the end of month
// M + 24; the final tier is the tier of a virtual purchase on AS_OF.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

let tierNames = ["Regular", "Silver", "Gold", "Diamond"]

func fail(_ message: String) -> Never {
    fputs("perk-w2-handwritten: \(message)\n", stderr)
    exit(2)
}

@inline(__always)
func tier(ofSpend spend: Int64) -> Int {
    spend >= 5_000_000 ? 3 : spend >= 2_000_000 ? 2 : spend >= 500_000 ? 1 : 0
}

@inline(__always)
func mult10(_ tier: Int) -> Int64 {
    tier == 3 ? 20 : tier == 2 ? 15 : tier == 1 ? 12 : 10
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
func dayNumber(year: Int, month: Int, day: Int) -> Int {
    let y = month <= 2 ? year - 1 : year
    let era = (y >= 0 ? y : y - 399) / 400
    let yoe = y - era * 400
    let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
    return era * 146_097 + doe - 719_468
}

/// (year, month) of a day number.
func yearMonth(ofDay z0: Int) -> (year: Int, month: Int) {
    let z = z0 + 719_468
    let era = (z >= 0 ? z : z - 146_096) / 146_097
    let doe = z - era * 146_097
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
    let mp = (5 * doy + 2) / 153
    let month = mp < 10 ? mp + 3 : mp - 9
    return (yoe + era * 400 + (month <= 2 ? 1 : 0), month)
}

func isoDate(_ day: Int) -> String {
    let (y, m) = yearMonth(ofDay: day)
    let d = day - dayNumber(year: y, month: m, day: 1) + 1
    func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
    return "\(y)-\(two(m))-\(two(d))"
}

func readFile(_ path: String) -> [UInt8] {
    guard let file = fopen(path, "rb") else { fail("cannot open \(path)") }
    defer { fclose(file) }
    fseek(file, 0, SEEK_END)
    let size = ftell(file)
    fseek(file, 0, SEEK_SET)
    var bytes = [UInt8](repeating: 0, count: size)
    let read = bytes.withUnsafeMutableBytes { fread($0.baseAddress, 1, size, file) }
    guard read == size else { fail("cannot read \(path)") }
    return bytes
}

/// Member ids interned to dense indices 0, 1, ... in order of first appearance: open addressing
/// whose slots hold the first 16 bytes of the id, so most probes touch one slot only. Every id's
/// bytes are also kept in `keyBytes` (for longer ids and for the output).
struct MemberTable {
    struct Slot {
        var k0: UInt64 = 0, k1: UInt64 = 0
        var index: Int32 = -1
        var hash: UInt16 = 0
        var length: UInt16 = 0  // the id's length, or 0xFFFF for 65,535 bytes and more
    }

    var slots = [Slot](repeating: Slot(), count: 1 << 16)
    var mask = (1 << 16) - 1
    var keyBytes: [UInt8] = []
    var keyStart: [Int] = [0]
    var count: Int { keyStart.count - 1 }

    mutating func index(of buffer: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> Int32 {
        let length = end - start
        var k0: UInt64 = 0, k1: UInt64 = 0
        for i in 0..<min(length, 8) { k0 |= UInt64(buffer[start + i]) << (8 * i) }
        if length > 8 { for i in 8..<min(length, 16) { k1 |= UInt64(buffer[start + i]) << (8 * (i - 8)) } }
        var h = (k0 ^ UInt64(length)) &* 0x9E37_79B9_7F4A_7C15
        h = (h ^ (h >> 32) ^ k1) &* 0xBF58_476D_1CE4_E5B9
        if length > 16 { for i in 16..<length { h = (h ^ UInt64(buffer[start + i])) &* 0x100_0000_01b3 } }
        h ^= h >> 31
        let hash = UInt16(truncatingIfNeeded: h >> 48), shortLength = UInt16(min(length, 0xFFFF))
        var slot = Int(truncatingIfNeeded: h) & mask
        while true {
            let s = slots[slot]
            if s.index < 0 { break }
            if s.hash == hash, s.length == shortLength, s.k0 == k0, s.k1 == k1 {
                let i = Int(s.index)
                if length <= 16 || keyStart[i + 1] - keyStart[i] == length && keyBytes.withUnsafeBufferPointer({ memcmp($0.baseAddress! + keyStart[i] + 16, buffer.baseAddress! + start + 16, length - 16) }) == 0 {
                    return s.index
                }
            }
            slot = (slot + 1) & mask
        }
        let index = Int32(count)
        keyBytes.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[start..<end]))
        keyStart.append(keyBytes.count)
        slots[slot] = Slot(k0: k0, k1: k1, index: index, hash: hash, length: shortLength)
        if count * 2 > slots.count { grow() }
        return index
    }

    private mutating func grow() {
        let old = slots
        slots = [Slot](repeating: Slot(), count: old.count * 2)
        mask = slots.count - 1
        for s in old where s.index >= 0 {
            // Recompute the slot from the stored id.
            let i = Int(s.index)
            let key = Array(keyBytes[keyStart[i]..<keyStart[i + 1]])
            var slot = key.withUnsafeBufferPointer { Self.slotHash($0) } & mask
            while slots[slot].index >= 0 { slot = (slot + 1) & mask }
            slots[slot] = s
        }
    }

    /// The 64-bit hash `index(of:)` computes, as an Int (for `grow`).
    private static func slotHash(_ key: UnsafeBufferPointer<UInt8>) -> Int {
        let length = key.count
        var k0: UInt64 = 0, k1: UInt64 = 0
        for i in 0..<min(length, 8) { k0 |= UInt64(key[i]) << (8 * i) }
        if length > 8 { for i in 8..<min(length, 16) { k1 |= UInt64(key[i]) << (8 * (i - 8)) } }
        var h = (k0 ^ UInt64(length)) &* 0x9E37_79B9_7F4A_7C15
        h = (h ^ (h >> 32) ^ k1) &* 0xBF58_476D_1CE4_E5B9
        if length > 16 { for i in 16..<length { h = (h ^ UInt64(key[i])) &* 0x100_0000_01b3 } }
        h ^= h >> 31
        return Int(truncatingIfNeeded: h)
    }

    func name(_ index: Int) -> String {
        String(decoding: keyBytes[keyStart[index]..<keyStart[index + 1]], as: UTF8.self)
    }
}

/// The rows of the file: member index, day number, and fen (negative, −fen − 1, when the
/// category is not eligible).
struct Rows {
    var member: [Int32] = []
    var day: [Int32] = []
    var fen: [Int64] = []
}

func parse(_ bytes: [UInt8], into members: inout MemberTable) -> Rows {
    var rows = Rows()
    let estimate = bytes.count / 45
    rows.member.reserveCapacity(estimate)
    rows.day.reserveCapacity(estimate)
    rows.fen.reserveCapacity(estimate)
    bytes.withUnsafeBufferPointer { buffer in
        let count = buffer.count
        var position = 0, line = 1
        // The header names the columns.
        var columns: [String] = []
        var cell: [UInt8] = []
        while position < count, buffer[position] != 10 {
            if buffer[position] == 44 {
                columns.append(String(decoding: cell, as: UTF8.self))
                cell = []
            } else if buffer[position] != 13 {
                cell.append(buffer[position])
            }
            position += 1
        }
        columns.append(String(decoding: cell, as: UTF8.self))
        position += 1
        guard let dateColumn = columns.firstIndex(of: "date"), let memberColumn = columns.firstIndex(of: "member"),
              let typeColumn = columns.firstIndex(of: "type"), let amountColumn = columns.firstIndex(of: "amount"),
              let categoryColumn = columns.firstIndex(of: "category") else { fail("the header needs date, member, type, amount, category") }
        var starts = [Int](repeating: 0, count: columns.count), ends = starts
        let base = buffer.baseAddress!
        while position < count {
            line += 1
            var column = 0
            starts[0] = position
            while position < count, buffer[position] != 10 {
                if buffer[position] == 44, column + 1 < columns.count {
                    ends[column] = position
                    column += 1
                    starts[column] = position + 1
                }
                position += 1
            }
            var end = position
            if end > starts[column], buffer[end - 1] == 13 { end -= 1 }
            ends[column] = end
            position += 1
            if column == 0, ends[0] == starts[0] { continue }  // an empty line
            guard column == columns.count - 1 else { fail("line \(line): expected \(columns.count) cells") }
            let t = starts[typeColumn]
            guard ends[typeColumn] - t == 8, memcmp(base + t, "purchase", 8) == 0 else { fail("line \(line): not a purchase") }
            // date: YYYY-MM-DD
            let d = starts[dateColumn]
            guard ends[dateColumn] - d == 10, buffer[d + 4] == 45, buffer[d + 7] == 45 else { fail("line \(line): the date is not YYYY-MM-DD") }
            func digits(_ from: Int, _ n: Int) -> Int {
                var value = 0
                for i in from..<from + n {
                    let digit = Int(buffer[i]) &- 48
                    guard digit >= 0, digit <= 9 else { fail("line \(line): the date is not YYYY-MM-DD") }
                    value = value * 10 + digit
                }
                return value
            }
            let (year, month, dayOfMonth) = (digits(d, 4), digits(d + 5, 2), digits(d + 8, 2))
            guard month >= 1, month <= 12, dayOfMonth >= 1, dayOfMonth <= 31 else { fail("line \(line): no such date") }
            // amount: digits, optionally a point and up to two decimals
            var fen: Int64 = 0, decimals = -1
            for i in starts[amountColumn]..<ends[amountColumn] {
                let c = buffer[i]
                if c == 46, decimals < 0 {
                    decimals = 0
                } else {
                    guard c >= 48, c <= 57, decimals < 2 else { fail("line \(line): the amount is not a decimal with at most 2 places") }
                    fen = fen * 10 + Int64(c &- 48)
                    if decimals >= 0 { decimals += 1 }
                }
            }
            for _ in 0..<(2 - max(decimals, 0)) { fen *= 10 }
            // category: deposit and tax are not eligible
            let c = starts[categoryColumn], n = ends[categoryColumn] - c
            let ineligible = (n == 7 && memcmp(base + c, "deposit", 7) == 0) || (n == 3 && memcmp(base + c, "tax", 3) == 0)
            rows.member.append(members.index(of: buffer, from: starts[memberColumn], to: ends[memberColumn]))
            rows.day.append(Int32(dayNumber(year: year, month: month, day: dayOfMonth)))
            rows.fen.append(ineligible ? -fen - 1 : fen)
        }
    }
    return rows
}

struct Totals {
    var issued: Int64 = 0
    var balance: Int64 = 0
    var perTier = [Int](repeating: 0, count: 4)
    var memberBalance: [Int64] = []
    var memberTier: [UInt8] = []
}

func replay(_ rows: Rows, members memberCount: Int, keepMembers: Bool) -> (asOf: Int, totals: Totals) {
    let rowCount = rows.member.count
    let lastDay = Int(rows.day.max()!), firstDay = Int(rows.day.min()!)
    let asOf = lastDay + 1
    let asOfMonth = { let (y, m) = yearMonth(ofDay: asOf); return y * 12 + m - 1 }()
    // Month index (year * 12 + month - 1) of every day from the first in the file.
    let monthOfDay = (firstDay...asOf).map { day -> Int in
        let (y, m) = yearMonth(ofDay: day)
        return y * 12 + m - 1
    }

    // Group by member with a counting sort; within a member the rows stay in file order.
    var memberStart = [Int](repeating: 0, count: memberCount + 1)
    for m in rows.member { memberStart[Int(m) + 1] += 1 }
    for m in 0..<memberCount { memberStart[m + 1] += memberStart[m] }
    var groupedDay = [Int32](repeating: 0, count: rowCount)
    var groupedFen = [Int64](repeating: 0, count: rowCount)
    do {
        var next = memberStart
        for row in 0..<rowCount {
            let m = Int(rows.member[row])
            groupedDay[next[m]] = rows.day[row]
            groupedFen[next[m]] = rows.fen[row]
            next[m] += 1
        }
    }

    var totals = Totals()
    if keepMembers {
        totals.memberBalance = [Int64](repeating: 0, count: memberCount)
        totals.memberTier = [UInt8](repeating: 0, count: memberCount)
    }
    var keys: [Int64] = []
    var days: [Int32] = [], fens: [Int64] = []
    for m in 0..<memberCount {
        let first = memberStart[m], end = memberStart[m + 1]
        // (date, file order): the key packs the day above the position in file order.
        keys.removeAll(keepingCapacity: true)
        for i in first..<end { keys.append(Int64(groupedDay[i]) << 32 | Int64(i - first)) }
        keys.sort()
        days.removeAll(keepingCapacity: true)
        fens.removeAll(keepingCapacity: true)
        for key in keys {
            let i = first + Int(key & 0xFFFF_FFFF)
            days.append(groupedDay[i])
            fens.append(groupedFen[i])
        }
        // The window [day - 365, day): rows low..<high, with eligible spend `spend`.
        var low = 0, high = 0, spend: Int64 = 0, balance: Int64 = 0
        for i in 0..<days.count {
            let day = days[i]
            while high < i, days[high] < day {
                if fens[high] >= 0 { spend += fens[high] }
                high += 1
            }
            while low < high, days[low] < day - 365 {
                if fens[low] >= 0 { spend -= fens[low] }
                low += 1
            }
            let fen = fens[i]
            guard fen >= 0 else { continue }
            let points = min(10_000, (fen / 1000) * mult10(tier(ofSpend: spend)) / 10)
            totals.issued += points
            // Still held at the start of AS_OF unless its month + 24 ended before.
            if monthOfDay[Int(day) - firstDay] + 24 >= asOfMonth { balance += points }
        }
        // The final tier: a virtual purchase on AS_OF.
        var finalSpend: Int64 = 0
        var i = days.count - 1
        while i >= 0, Int(days[i]) >= asOf - 365 {
            if fens[i] >= 0 { finalSpend += fens[i] }
            i -= 1
        }
        let finalTier = tier(ofSpend: finalSpend)
        totals.perTier[finalTier] += 1
        totals.balance += balance
        if keepMembers {
            totals.memberBalance[m] = balance
            totals.memberTier[m] = UInt8(finalTier)
        }
    }
    return (asOf, totals)
}

func main() {
    var arguments = Array(CommandLine.arguments.dropFirst())
    var membersOut: String?
    if let flag = arguments.firstIndex(of: "--members-out") {
        guard flag + 1 < arguments.count else { fail("--members-out needs a file") }
        membersOut = arguments[flag + 1]
        arguments.removeSubrange(flag...flag + 1)
    }
    guard arguments.count == 1 else { fail("usage: perk-w2-handwritten EVENTS.csv [--members-out FILE]") }

    var members = MemberTable()
    let rows = parse(readFile(arguments[0]), into: &members)
    guard !rows.member.isEmpty else { fail("no events") }
    let (asOf, totals) = replay(rows, members: members.count, keepMembers: membersOut != nil)

    if let membersOut {
        let names = (0..<members.count).map(members.name)
        var text = "member,balance,tier\n"
        for m in (0..<members.count).sorted(by: { names[$0] < names[$1] }) {
            text += "\(names[m]),\(totals.memberBalance[m]),\(tierNames[Int(totals.memberTier[m])])\n"
        }
        guard let file = fopen(membersOut, "wb") else { fail("cannot write \(membersOut)") }
        fputs(text, file)
        fclose(file)
    }
    let tiers = tierNames.indices.map { "\"\(tierNames[$0])\": \(totals.perTier[$0])" }.joined(separator: ", ")
    print("{\"events\": \(rows.member.count), \"members\": \(members.count), \"as_of\": \"\(isoDate(asOf))\", "
          + "\"earned\": \(totals.issued), \"balance\": \(totals.balance), \"members_per_tier\": {\(tiers)}}")
}

main()
