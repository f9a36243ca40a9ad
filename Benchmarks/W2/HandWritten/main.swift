// W2 of shared/design/BENCHMARK.md computed directly, single-threaded, in integer fen: the
// baseline `perk simulate` with Benchmarks/W2/w2.perk is measured against.
//
//     perk-w2-handwritten EVENTS.csv [--members-out FILE]
//
// Reads Perk's event CSV (`id,date,member,type,amount,category`, any column order, rows in any
// order), groups the rows by member, orders each member's rows by (date, file order), and prints
// one JSON object: events, members, total points issued, total balance as of AS_OF (the day after
// the last date in the file) and members per final tier. `--members-out` also writes
// `member,balance,tier` per member, sorted by member.
//
// W2: eligible = category not deposit/tax; the tier at a purchase is the highest threshold
// (Silver 5,000, Gold 20,000, Diamond 50,000 CNY) met by the eligible spend dated in
// [date - 365 days, date); points = min(10000, (fen / 1000) * mult10 / 10) for eligible
// purchases; a lot earned in month M expires at the end of month M + 24; the final tier is the
// tier of a virtual purchase on AS_OF.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

let tierNames = ["Regular", "Silver", "Gold", "Diamond"]
let thresholdsFen: [Int64] = [0, 500_000, 2_000_000, 5_000_000]
let mult10: [Int64] = [10, 12, 15, 20]

func fail(_ message: String) -> Never {
    fputs("perk-w2-handwritten: \(message)\n", stderr)
    exit(2)
}

func tier(ofSpend spend: Int64) -> Int {
    spend >= thresholdsFen[3] ? 3 : spend >= thresholdsFen[2] ? 2 : spend >= thresholdsFen[1] ? 1 : 0
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
func yearMonth(ofDay z0: Int) -> (Int, Int) {
    let z = z0 + 719_468
    let era = (z >= 0 ? z : z - 146_096) / 146_097
    let doe = z - era * 146_097
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
    let mp = (5 * doy + 2) / 153
    let month = mp < 10 ? mp + 3 : mp - 9
    return (yoe + era * 400 + (month <= 2 ? 1 : 0), month)
}

// MARK: Reading the file

var arguments = Array(CommandLine.arguments.dropFirst())
var membersOut: String?
if let flag = arguments.firstIndex(of: "--members-out") {
    guard flag + 1 < arguments.count else { fail("--members-out needs a file") }
    membersOut = arguments[flag + 1]
    arguments.removeSubrange(flag...flag + 1)
}
guard arguments.count == 1 else { fail("usage: perk-w2-handwritten EVENTS.csv [--members-out FILE]") }

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

let bytes = readFile(arguments[0])

/// Member ids interned to dense indices: open addressing over the ids' bytes (FNV-1a).
struct MemberTable {
    var slots: [Int32]  // -1 empty, else index into starts/lengths
    var starts: [Int] = []
    var lengths: [Int32] = []
    var hashes: [UInt64] = []
    var mask: Int

    init() {
        slots = Array(repeating: -1, count: 1 << 16)
        mask = (1 << 16) - 1
    }

    mutating func index(of buffer: UnsafeBufferPointer<UInt8>, start: Int, end: Int) -> Int32 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for i in start..<end { hash = (hash ^ UInt64(buffer[i])) &* 0x100_0000_01b3 }
        var slot = Int(truncatingIfNeeded: hash ^ (hash >> 29)) & mask
        let length = end - start
        while true {
            let found = slots[slot]
            if found < 0 { break }
            let f = Int(found)
            if hashes[f] == hash, Int(lengths[f]) == length,
               memcmp(buffer.baseAddress! + starts[f], buffer.baseAddress! + start, length) == 0 {
                return found
            }
            slot = (slot + 1) & mask
        }
        let index = Int32(starts.count)
        starts.append(start)
        lengths.append(Int32(length))
        hashes.append(hash)
        slots[slot] = index
        if starts.count * 2 > slots.count { grow() }
        return index
    }

    private mutating func grow() {
        slots = Array(repeating: -1, count: slots.count * 2)
        mask = slots.count - 1
        for (i, hash) in hashes.enumerated() {
            var slot = Int(truncatingIfNeeded: hash ^ (hash >> 29)) & mask
            while slots[slot] >= 0 { slot = (slot + 1) & mask }
            slots[slot] = Int32(i)
        }
    }
}

var members = MemberTable()
var rowMember: [Int32] = []
var rowDay: [Int32] = []
var rowFen: [Int64] = []  // negative: not eligible (−fen − 1)
let estimatedRows = bytes.count / 40
rowMember.reserveCapacity(estimatedRows)
rowDay.reserveCapacity(estimatedRows)
rowFen.reserveCapacity(estimatedRows)

bytes.withUnsafeBufferPointer { buffer in
    let count = buffer.count
    var position = 0
    var line = 1
    // Header: find the columns.
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
    while position < count {
        line += 1
        // Split the row at commas (the generator's rows have no quoted cells).
        var column = 0
        starts[0] = position
        while position < count, buffer[position] != 10 {
            if buffer[position] == 44 {
                if column + 1 < columns.count {
                    ends[column] = position
                    column += 1
                    starts[column] = position + 1
                }
            }
            position += 1
        }
        var end = position
        if end > starts[column], buffer[end - 1] == 13 { end -= 1 }
        ends[column] = end
        position += 1
        if column == 0, ends[0] == starts[0] { continue }  // empty line
        guard column == columns.count - 1 else { fail("line \(line): expected \(columns.count) cells") }
        // type
        let t = starts[typeColumn]
        guard ends[typeColumn] - t == 8, memcmp(buffer.baseAddress! + t, "purchase", 8) == 0 else { fail("line \(line): not a purchase") }
        // date YYYY-MM-DD
        let d = starts[dateColumn]
        guard ends[dateColumn] - d == 10 else { fail("line \(line): bad date") }
        func digits(_ from: Int, _ n: Int) -> Int {
            var value = 0
            for i in from..<from + n {
                let digit = Int(buffer[i]) - 48
                guard digit >= 0, digit <= 9 else { fail("line \(line): bad digit") }
                value = value * 10 + digit
            }
            return value
        }
        let day = dayNumber(year: digits(d, 4), month: digits(d + 5, 2), day: digits(d + 8, 2))
        // amount: digits with up to two decimals
        var fen: Int64 = 0, decimals = -1
        for i in starts[amountColumn]..<ends[amountColumn] {
            let c = buffer[i]
            if c == 46 {
                guard decimals < 0 else { fail("line \(line): bad amount") }
                decimals = 0
            } else {
                guard c >= 48, c <= 57, decimals < 2 else { fail("line \(line): bad amount") }
                fen = fen * 10 + Int64(c - 48)
                if decimals >= 0 { decimals += 1 }
            }
        }
        for _ in 0..<(2 - max(decimals, 0)) { fen *= 10 }
        // category: deposit and tax are not eligible
        let c = starts[categoryColumn], n = ends[categoryColumn] - c
        let ineligible = (n == 7 && memcmp(buffer.baseAddress! + c, "deposit", 7) == 0)
            || (n == 3 && memcmp(buffer.baseAddress! + c, "tax", 3) == 0)
        rowMember.append(members.index(of: buffer, start: starts[memberColumn], end: ends[memberColumn]))
        rowDay.append(Int32(day))
        rowFen.append(ineligible ? -fen - 1 : fen)
    }
}

let rowCount = rowMember.count
guard rowCount > 0 else { fail("no events") }
let memberCount = members.starts.count
let asOf = Int(rowDay.max()!) + 1
let (asOfYear, asOfMonthNumber) = yearMonth(ofDay: asOf)
let asOfMonth = asOfYear * 12 + asOfMonthNumber - 1

// MARK: Grouping by member (counting sort, file order kept), then by date

var memberStart = [Int](repeating: 0, count: memberCount + 1)
for m in rowMember { memberStart[Int(m) + 1] += 1 }
for m in 0..<memberCount { memberStart[m + 1] += memberStart[m] }
var order = [Int32](repeating: 0, count: rowCount)  // row indices grouped by member
do {
    var next = memberStart
    for row in 0..<rowCount {
        let m = Int(rowMember[row])
        order[next[m]] = Int32(row)
        next[m] += 1
    }
}

// MARK: Replaying each member

var totalIssued: Int64 = 0
var totalBalance: Int64 = 0
var perTier = [Int](repeating: 0, count: 4)
var memberBalance = [Int64](repeating: 0, count: membersOut == nil ? 0 : memberCount)
var memberTier = [UInt8](repeating: 0, count: membersOut == nil ? 0 : memberCount)
var keys: [Int64] = []
var days: [Int32] = [], fens: [Int64] = []
// Month index (year * 12 + month - 1) of every day from the first in the file.
let firstDay = Int(rowDay.min()!)
let monthOfDay = (firstDay...asOf).map { day -> Int in
    let (y, m) = yearMonth(ofDay: day)
    return y * 12 + m - 1
}

for m in 0..<memberCount {
    // (date, file order): the key packs the day above the row index.
    keys.removeAll(keepingCapacity: true)
    for i in memberStart[m]..<memberStart[m + 1] {
        let row = Int(order[i])
        keys.append(Int64(rowDay[row]) << 32 | Int64(row))
    }
    keys.sort()
    days.removeAll(keepingCapacity: true)
    fens.removeAll(keepingCapacity: true)
    for key in keys {
        let row = Int(key & 0xFFFF_FFFF)
        days.append(rowDay[row])
        fens.append(rowFen[row])
    }
    // Window [day - 365, day): `low` is the first row inside it, `high` the first row of `day`.
    var low = 0, high = 0, spend: Int64 = 0
    var balance: Int64 = 0
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
        let points = min(10_000, (fen / 1000) * mult10[tier(ofSpend: spend)] / 10)
        guard points > 0 else { continue }
        totalIssued += points
        if monthOfDay[Int(day) - firstDay] + 24 >= asOfMonth { balance += points }
    }
    // The final tier: a virtual purchase on AS_OF.
    var finalSpend: Int64 = 0
    for i in stride(from: days.count - 1, through: 0, by: -1) {
        guard Int(days[i]) >= asOf - 365 else { break }
        if fens[i] >= 0 { finalSpend += fens[i] }
    }
    let finalTier = tier(ofSpend: finalSpend)
    perTier[finalTier] += 1
    totalBalance += balance
    if membersOut != nil {
        memberBalance[m] = balance
        memberTier[m] = UInt8(finalTier)
    }
}

func isoDate(_ day: Int) -> String {
    let (y, m) = yearMonth(ofDay: day)
    let d = day - dayNumber(year: y, month: m, day: 1) + 1
    func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
    return "\(y)-\(two(m))-\(two(d))"
}

if let membersOut {
    let ids = bytes.withUnsafeBufferPointer { buffer in
        (0..<memberCount).map { String(decoding: UnsafeBufferPointer(rebasing: buffer[members.starts[$0]..<members.starts[$0] + Int(members.lengths[$0])]), as: UTF8.self) }
    }
    var text = "member,balance,tier\n"
    for m in (0..<memberCount).sorted(by: { ids[$0] < ids[$1] }) {
        text += "\(ids[m]),\(memberBalance[m]),\(tierNames[Int(memberTier[m])])\n"
    }
    guard let file = fopen(membersOut, "wb") else { fail("cannot write \(membersOut)") }
    fputs(text, file)
    fclose(file)
}

let tiers = tierNames.indices.map { "\"\(tierNames[$0])\": \(perTier[$0])" }.joined(separator: ", ")
print("{\"events\": \(rowCount), \"members\": \(memberCount), \"as_of\": \"\(isoDate(asOf))\", \"earned\": \(totalIssued), "
      + "\"balance\": \(totalBalance), \"members_per_tier\": {\(tiers)}}")
