import PerkEngine
import PerkLanguage
import PerkTestSupport
import XCTest

/// Texts in conditions compare as Swift's strings do, by canonical equivalence: the same text
/// written with a precomposed or a combining accent, or with the Kelvin sign for K, is the same.
final class TextTests: XCTestCase {
    func testATextIsInAListWhateverItsUnicodeForm() throws {
        let source = """
            currency CNY
            param excluded = ["café", "K", "\u{212A}elvin", ""]
            event purchase { amount: money, category: text }
            rule points on purchase where category not in excluded {
              earn floor(amount * 1 point per 1 CNY)
            }
            """
        let policy = try CompiledPolicy.compile(SourceFile(name: "p.perk", text: source)).get()
        func earned(_ category: String) -> ExactNumber {
            var member = policy.newMember(id: "M")
            let event = InputEvent(id: "e1", date: CivilDate(iso: "2024-01-01")!, member: "M", type: "purchase",
                                   fields: ["amount": .money(ExactNumber(100)), "category": .text(category)],
                                   location: InputLocation(file: "t", line: 1))
            _ = policy.apply(event, to: &member)
            return member.totals.earned
        }
        XCTAssertEqual(earned("cafe\u{301}"), .zero, "a combining accent: the same text as café")
        XCTAssertEqual(earned("caf\u{E9}"), .zero)
        XCTAssertEqual(earned("\u{212A}"), .zero, "the Kelvin sign is canonically K")
        XCTAssertEqual(earned("cafe"), ExactNumber(100), "without the accent: another text")
        XCTAssertEqual(earned("k"), ExactNumber(100), "case counts")
        XCTAssertEqual(earned("Kelvin"), .zero, "an ASCII text equal to a listed text that is not ASCII")
        XCTAssertEqual(earned("Kelvi"), ExactNumber(100))
        XCTAssertEqual(earned(""), .zero, "the empty text is listed")
    }

    /// The same holds for a measure's filter, which reads each purchase where it is kept: each
    /// purchase below spends a different power of two, so the sum says which were counted.
    func testAMeasureCountsATextInAListWhateverItsUnicodeForm() throws {
        let source = """
            currency CNY
            param listed = ["café", "K", "\u{212A}elvin", ""]
            event purchase { amount: money, category: text }
            event check
            measure listed_spend = sum(amount of purchase where category in listed, last 12 months)
            rule points on check {
              earn floor(listed_spend * 1 point per 1 CNY)
            }
            """
        let policy = try CompiledPolicy.compile(SourceFile(name: "p.perk", text: source)).get()
        var member = policy.newMember(id: "M")
        let categories = ["cafe\u{301}", "caf\u{E9}", "\u{212A}", "cafe", "k", "Kelvin", "Kelvi", ""]
        for (index, category) in categories.enumerated() {
            let event = InputEvent(id: "p\(index)", date: CivilDate(iso: "2024-01-01")!, member: "M", type: "purchase",
                                   fields: ["amount": .money(ExactNumber(1 << index)), "category": .text(category)],
                                   location: InputLocation(file: "t", line: index + 1))
            XCTAssertNil(policy.apply(event, to: &member).last!.rejection)
        }
        let check = InputEvent(id: "c", date: CivilDate(iso: "2024-01-02")!, member: "M", type: "check", fields: [:],
                               location: InputLocation(file: "t", line: 9))
        _ = policy.apply(check, to: &member)
        // Listed: café twice (1, 2), K (4), Kelvin (32), the empty text (128); not cafe, k, Kelvi.
        XCTAssertEqual(member.totals.earned, ExactNumber(1 + 2 + 4 + 32 + 128))
    }
}

/// Texts given again from bytes are the texts the bytes make, whatever was made before.
final class RecentTextsTests: XCTestCase {
    /// Random byte strings — repeats of a few, more distinct ones than are kept, the empty one,
    /// 16 and 17 bytes, bytes that are not UTF-8, texts that differ only in a late byte or in
    /// length (trailing zero bytes) — each given the same text `String(decoding:as:)` makes.
    func testATextGivenAgainIsTheTextItsBytesMake() {
        var random = SplitMix64(seed: 11)
        let pool: [[UInt8]] = [[], Array("room".utf8), Array("room\0".utf8), Array("dining".utf8), Array("caf\u{E9}".utf8),
                               Array("0123456789abcdef".utf8), Array("0123456789abcdefg".utf8), Array("0123456789abcdeF".utf8),
                               [0xFF, 0xFE, 0x41], [0xC3], Array("\u{212A}".utf8)]
            + (0..<12).map { _ in (0..<Int.random(in: 1...16, using: &random)).map { _ in UInt8.random(in: 0x20...0x7E, using: &random) } }
        var texts = RecentTexts()
        for _ in 0..<5_000 {
            // Mostly a few, sometimes any of the pool.
            let bytes = Int.random(in: 0..<4, using: &random) == 0 ? pool.randomElement(using: &random)! : pool[Int.random(in: 1...3, using: &random)]
            let given = bytes.withUnsafeBufferPointer { texts.text($0) }
            XCTAssertEqual(Array(given.utf8), Array(String(decoding: bytes, as: UTF8.self).utf8), "\(bytes)")
        }
    }
}

/// Short byte strings are the same `ShortBytes` exactly when they are the same bytes.
final class ShortBytesTests: XCTestCase {
    /// Every length from 0 to 16 (and 17, which has none), strings that differ in one byte at
    /// every place, and zero bytes, which a zero-padded word could confuse with a shorter string.
    func testShortBytesAreEqualExactlyWhenTheBytesAre() {
        var random = SplitMix64(seed: 14)
        var strings: [[UInt8]] = (0...17).map { length in (0..<length).map { _ in UInt8.random(in: 0...255, using: &random) } }
        for length in 1...16 {
            let base = (0..<length).map { _ in UInt8.random(in: 1...255, using: &random) }
            strings.append(base)
            for place in 0..<length {
                var changed = base
                changed[place] ^= 1 << UInt8.random(in: 0..<8, using: &random)
                strings.append(changed)
            }
            strings.append(base + [0])
            strings.append([0] + base)
        }
        // Every string of up to seven bytes drawn from 0, 1 and 255: the short lengths, whose
        // words are put together from overlapping parts, all compared with each other.
        for length in 1...7 {
            var all: [[UInt8]] = [[]]
            for _ in 0..<length { all = all.flatMap { prefix in [0, 1, 255].map { prefix + [$0] } } }
            let allKeys = all.map { bytes in bytes.withUnsafeBufferPointer { ShortBytes($0)! } }
            var equalPairs = 0
            for keyA in allKeys { for keyB in allKeys where keyA == keyB { equalPairs += 1 } }
            XCTAssertEqual(equalPairs, all.count, "length \(length): only a string and itself are equal")
        }
        let keys = strings.map { bytes in bytes.withUnsafeBufferPointer { ShortBytes($0) } }
        for (a, keyA) in zip(strings, keys) {
            XCTAssertEqual(keyA == nil, a.count > 16, "\(a)")
            for (b, keyB) in zip(strings, keys) where keyA != nil && keyB != nil {
                XCTAssertEqual(keyA == keyB, a == b, "\(a) \(b)")
            }
        }
    }
}

/// Texts made from bytes read back from a partition's records are the texts the standard
/// library's `String(decoding:as:)` makes of them, invalid UTF-8 repaired the same way.
final class StringFromUTF8Tests: XCTestCase {
    func testATextCopiedFromBytesIsTheTextTheyDecodeTo() {
        var random = SplitMix64(seed: 13)
        let fixed: [[UInt8]] = [[], [0x41], [0xFF, 0xFE, 0x41], [0xC3], [0xC3, 0xA9, 0x80], [0xE4, 0xBD], Array("caf\u{E9}".utf8),
                                Array("会员 M0031129".utf8), Array("0123456789abcdef".utf8), Array(repeating: 0x61, count: 100)]
        let randomBytes = (0..<3_000).map { _ in
            (0..<Int.random(in: 0...40, using: &random)).map { _ in
                // Mostly ASCII, some bytes anywhere: valid multi-byte sequences and broken ones.
                Int.random(in: 0..<4, using: &random) == 0 ? UInt8.random(in: 0x80...0xFF, using: &random) : UInt8.random(in: 0x20...0x7E, using: &random)
            }
        }
        for bytes in fixed + randomBytes {
            let copied = bytes.withUnsafeBufferPointer { String(copyingUTF8: $0) }
            XCTAssertEqual(Array(copied.utf8), Array(String(decoding: bytes, as: UTF8.self).utf8), "\(bytes)")
        }
    }
}

final class RecentDatesTests: XCTestCase {
    /// Ten-byte dates — valid ones over six years (more than the slots kept hold, so slots are
    /// taken over), repeats, invalid ones (2023-02-29, month 13, letters) and ones that differ
    /// from valid ones in one byte, before and after those are kept — each read as
    /// `CivilDate(isoUTF8:)` reads it. (A cache that compared only the last two bytes with those
    /// kept fails this.)
    func testADateGivenAgainIsTheDateItsBytesRead() {
        var random = SplitMix64(seed: 12)
        let start = CivilDate(iso: "2020-01-01")!
        let valid = (0..<2_200).map { Array(start.adding(days: $0)!.description.utf8) }
        let invalid = ["2023-02-29", "2024-13-01", "2024-00-10", "2024-01-32", "2024-01-1x", "20240-1-10", "2024/01/10"].map { Array($0.utf8) }
        var dates = RecentDates()
        // Every day in order, twice: days of one month share their first eight bytes, and some
        // of them share a slot.
        for bytes in valid + valid {
            XCTAssertEqual(bytes.withUnsafeBufferPointer { dates.date(isoUTF8: $0) }, bytes.withUnsafeBufferPointer { CivilDate(isoUTF8: $0) })
        }
        for round in 0..<20_000 {
            var bytes: [UInt8]
            switch Int.random(in: 0..<10, using: &random) {
            case 0: bytes = invalid.randomElement(using: &random)!
            case 1:
                // A kept date with one byte changed.
                bytes = valid[Int.random(in: 0..<50, using: &random)]
                bytes[Int.random(in: 0..<10, using: &random)] = UInt8.random(in: 0x2D...0x39, using: &random)
            case 2...5: bytes = valid[Int.random(in: 0..<50, using: &random)]
            default: bytes = valid.randomElement(using: &random)!
            }
            let given = bytes.withUnsafeBufferPointer { dates.date(isoUTF8: $0) }
            let read = bytes.withUnsafeBufferPointer { CivilDate(isoUTF8: $0) }
            XCTAssertEqual(given, read, "round \(round): \(String(decoding: bytes, as: UTF8.self))")
        }
    }

    /// Dates by day number — six years of days in order twice (days 2,048 apart share a slot),
    /// then at random, with days outside the years 1–9999 and the extremes of `Int` — each the
    /// date `CivilDate(dayNumber:)` makes, to the day of the month (dates compare by day number
    /// alone, so their text is compared too).
    func testADateGivenAgainByItsDayNumberIsThatDaysDate() {
        var random = SplitMix64(seed: 13)
        var dates = RecentDayDates()
        func check(_ day: Int, _ context: String) {
            let given = dates.date(dayNumber: day), made = CivilDate(dayNumber: day)
            XCTAssertEqual(given, made, context)
            XCTAssertEqual(given?.description, made?.description, context)
        }
        let start = CivilDate(iso: "2020-01-01")!.dayNumber
        for day in Array(start..<(start + 2_200)) + Array(start..<(start + 2_200)) { check(day, "in order: \(day)") }
        let outside = [Int.min, Int.min + 1, -719_163, 2_932_897, Int.max, 0, 1, 2_048, -2_048]
        for round in 0..<20_000 {
            let day = switch Int.random(in: 0..<10, using: &random) {
            case 0: outside.randomElement(using: &random)!
            case 1: start + 2_048 * Int.random(in: -3...3, using: &random) + Int.random(in: 0..<5, using: &random)
            default: Int.random(in: -719_162...2_932_896, using: &random)
            }
            check(day, "round \(round): \(day)")
        }
        XCTAssertEqual(dates.date(dayNumber: start)?.description, "2020-01-01")
        XCTAssertNil(dates.date(dayNumber: Int.min))
    }
}
