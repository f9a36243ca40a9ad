import PerkLanguage
import PerkTestSupport
import Testing

@Suite struct ExactNumberTests {
    private func n(_ text: String) -> ExactNumber { ExactNumber(decimal: text)! }

    @Test func parsesDecimalsExactly() {
        #expect(n("1234.56").description == "1234.56")
        #expect(n("5000.50") == ExactNumber(numerator: 10001, denominator: 2))
        #expect(n("-0.10").description == "-0.1")
        #expect(n("007").description == "7")
        #expect(ExactNumber(decimal: "1e3") == nil)
        #expect(ExactNumber(decimal: "1.") == nil)
        #expect(ExactNumber(decimal: "") == nil)
        #expect(ExactNumber(decimal: "١٢") == nil)  // Arabic-Indic digits are not decimal input
    }

    /// Random texts of digits, points, signs and other bytes read as a plain reading of the
    /// grammar says — an optional `-`, digits, optionally a point and more digits, at most 36
    /// digits and `maxPlaces` after the point — worked out here with 128-bit integers.
    @Test func readsEveryDecimalAsItsDigitsSay() {
        var random = SplitMix64(seed: 21)
        let alphabet = Array("0123456789012345678901234567890123456789..-- e".utf8)
        for round in 0..<20_000 {
            var text: [UInt8] = (0..<Int.random(in: 0...40, using: &random)).map { _ in
                alphabet[Int.random(in: 0..<alphabet.count, using: &random)]
            }
            // Most texts shaped as numbers are: sign, digits, point, digits.
            if round % 2 == 0 {
                let whole = (0..<Int.random(in: 0...20, using: &random)).map { _ in UInt8.random(in: 0x30...0x39, using: &random) }
                let fraction = (0..<Int.random(in: 0...20, using: &random)).map { _ in UInt8.random(in: 0x30...0x39, using: &random) }
                text = (Bool.random(using: &random) ? Array("-".utf8) : []) + whole + (Bool.random(using: &random) ? Array(".".utf8) + fraction : [])
            }
            let maxPlaces = Int.random(in: 0...4, using: &random) == 0 ? Int.random(in: 0...3, using: &random) : .max
            let read = text.withUnsafeBufferPointer { ExactNumber(decimalUTF8: $0, maxPlaces: maxPlaces) }
            #expect(read == expected(text, maxPlaces: maxPlaces), "\(String(decoding: text, as: UTF8.self))")
        }
    }

    private func expected(_ text: [UInt8], maxPlaces: Int) -> ExactNumber? {
        let negative = text.first == UInt8(ascii: "-")
        let body = negative ? Array(text.dropFirst()) : text
        let parts = body.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard parts.count <= 2, parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy { (0x30...0x39).contains($0) } }) else { return nil }
        let places = parts.count == 2 ? parts[1].count : 0
        guard parts.joined().count <= 36, places <= maxPlaces else { return nil }
        let digits = parts.joined().reduce(Int128(0)) { $0 * 10 + Int128($1 - 0x30) }
        var scale: Int128 = 1
        for _ in 0..<places { scale *= 10 }
        return ExactNumber(numerator: negative ? -digits : digits, denominator: scale)
    }

    @Test func arithmeticIsExact() {
        // 0.1 + 0.2 is 0.3 exactly, unlike binary floating point.
        #expect(n("0.1").adding(n("0.2")) == n("0.3"))
        // Silver earning on the worked example's 105.00 purchase: base 10 × 1.2 = 12.
        #expect(n("10").multiplied(by: n("1.2")) == n("12"))
        // 1,234.56 CNY at 1 point per 10 CNY is 123.456 points before flooring.
        #expect(n("1234.56").divided(by: n("10"))?.floor == n("123"))
        #expect(ExactNumber(1).divided(by: ExactNumber(3))?.description == "1/3")
        #expect(ExactNumber(1).divided(by: .zero) == nil)
    }

    @Test func rounding() {
        #expect(n("2.5").rounded(.halfEven) == n("2"))
        #expect(n("3.5").rounded(.halfEven) == n("4"))
        #expect(n("2.5").rounded(.halfUp) == n("3"))
        #expect(n("-2.5").rounded(.halfUp) == n("-3"))
        #expect(n("-2.5").rounded(.halfEven) == n("-2"))
        #expect(n("2.4999").rounded(.halfUp) == n("2"))
        #expect(n("-1.2").floor == n("-2"))
        #expect(n("-1.2").ceil == n("-1"))
        #expect(n("7").floor == n("7"))
    }

    /// Decimals are put in lowest terms by cancelling factors of 2 and 5 (no division by a
    /// common divisor): checked against Euclid's reduction of digits / 10^places, for decimals
    /// with trailing zeros, even or multiple-of-5 digits, up to 18 digits, and beyond (the
    /// 128-bit path).
    @Test func decimalsAreReadInLowestTerms() {
        func gcd(_ a: Int128, _ b: Int128) -> Int128 { b == 0 ? (a < 0 ? -a : a) : gcd(b, a % b) }
        var state: UInt64 = 0x2545_F491_4F6C_DD1D
        func next(_ bound: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % UInt64(bound))
        }
        for _ in 0..<5_000 {
            let length = [1, 2, 3, 6, 12, 18, 19, 25, 36][next(9)]
            var digits = (0..<length).map { _ in next(10) }
            if next(3) == 0 { for i in digits.indices.suffix(next(4)) { digits[i] = 0 } }  // trailing zeros
            let places = next(Swift.min(length, 19))
            let negative = next(4) == 0
            var text = digits.map(String.init).joined()
            if places > 0 { text.insert(".", at: text.index(text.endIndex, offsetBy: -places)) }
            if text.hasPrefix(".") { text = "0" + text }
            if negative { text = "-" + text }
            let whole = digits.reduce(Int128(0)) { $0 * 10 + Int128($1) } * (negative ? -1 : 1)
            var scale: Int128 = 1
            for _ in 0..<places { scale *= 10 }
            let g = Swift.max(gcd(whole, scale), 1)
            let parsed = ExactNumber(decimal: text)
            #expect(parsed?.numerator == whole / g && parsed?.denominator == scale / g, "\(text)")
        }
    }

    /// Every result is checked against plain `Int` arithmetic reduced with Euclid's algorithm, so
    /// the fast paths (equal denominators, integers, binary GCD) cannot drift from the definition.
    /// Sums of fractions whose parts fit 64 bits but whose cross products do not are computed in
    /// 128 bits: (2⁶² + 1)/2 + (2⁶² + 1)/3 = 5 × (2⁶² + 1)/6, in lowest terms (2⁶² + 1 is odd and
    /// leaves 2 divided by 3).
    @Test func sumsBeyond64BitsAreExact() {
        let n = (Int128(1) << 62) + 1
        let x = ExactNumber(numerator: n, denominator: 2)!, y = ExactNumber(numerator: n, denominator: 3)!
        #expect(x.adding(y) == ExactNumber(numerator: 5 * n, denominator: 6))
        #expect(x.adding(y)?.denominator == 6)
        #expect(x.subtracting(y) == ExactNumber(numerator: n, denominator: 6))
        #expect(x.negated.subtracting(y) == ExactNumber(numerator: -5 * n, denominator: 6))
    }

    @Test func fastPathsAgreeWithPlainFractions() {
        func gcd(_ a: Int, _ b: Int) -> Int { b == 0 ? Swift.abs(a) : gcd(b, a % b) }
        func reduced(_ p: Int, _ q: Int) -> (Int, Int) {
            let g = Swift.max(gcd(p, q), 1) * (q < 0 ? -1 : 1)
            return (p / g, q / g)
        }
        func matches(_ x: ExactNumber?, _ expected: (Int, Int)) -> Bool {
            x.map { $0.numerator == Int128(expected.0) && $0.denominator == Int128(expected.1) } ?? false
        }
        let denominators = [1, 1, 2, 4, 5, 10, 25, 100, 3, 7]
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next(_ bound: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % UInt64(bound))
        }
        // A fifth of the numerators are 0, 1 or -1, which `adding` and `multiplied` shortcut.
        func numerator() -> Int { next(5) == 0 ? [0, 1, -1][next(3)] : next(2_000_001) - 1_000_000 }
        for _ in 0..<5_000 {
            let (a, b) = (numerator(), denominators[next(denominators.count)])
            let (c, d) = (numerator(), denominators[next(denominators.count)])
            let x = ExactNumber(numerator: Int128(a), denominator: Int128(b))!
            let y = ExactNumber(numerator: Int128(c), denominator: Int128(d))!
            #expect(matches(x, reduced(a, b)))
            #expect(matches(x.adding(y), reduced(a * d + c * b, b * d)))
            #expect(matches(x.subtracting(y), reduced(a * d - c * b, b * d)))
            #expect(matches(x.multiplied(by: y), reduced(a * c, b * d)))
            #expect(matches(x.negated, reduced(-a, b)))
            let floor = a >= 0 ? a / b : -((-a + b - 1) / b)
            #expect(matches(x.floor, (floor, 1)))
            if c != 0 { #expect(matches(x.divided(by: y), reduced(a * d, b * c))) }
            #expect((x < y) == (a * d < c * b))
            #expect((x == y) == (a * d == c * b))
            // Beyond 64 bits the same answers come from 128-bit arithmetic.
            let scale = ExactNumber(numerator: Int128(10).power(20), denominator: 1)!
            let (bigX, bigY) = (x.multiplied(by: scale)!, y.multiplied(by: scale)!)
            #expect((bigX < bigY) == (x < y))
            // Parts of up to 64 bits whose cross products need 128: ordered as 128-bit products order.
            let wide = (Int64(a) << 40 | Int64(next(1 << 30)), Int64(b) << 30 | Int64(next(1 << 30)) | 1,
                        Int64(c) << 40 | Int64(next(1 << 30)), Int64(d) << 30 | Int64(next(1 << 30)) | 1)
            let (wideX, wideY) = (ExactNumber(numerator: Int128(wide.0), denominator: Int128(wide.1))!,
                                  ExactNumber(numerator: Int128(wide.2), denominator: Int128(wide.3))!)
            #expect((wideX < wideY) == (Int128(wide.0) * Int128(wide.3) < Int128(wide.2) * Int128(wide.1)))
            #expect(bigX.adding(bigY) == x.adding(y)!.multiplied(by: scale))
            #expect(bigX.floor == ExactNumber(numerator: (Int128(a) * Int128(10).power(20)).floorDivided(by: Int128(b)), denominator: 1))
        }
    }

    /// `floorOfProduct` and `ceilOfProduct` divide the products of the parts once, without
    /// reducing: worked by hand, then against integer floor division of the same products (the
    /// 64-bit path), and beyond 64 bits (the path through `multiplied`).
    @Test func roundedProductsAreTheProductsRounded() {
        #expect(n("91.87").floorOfProduct(with: n("0.1")) == n("9"))
        #expect(n("91.87").ceilOfProduct(with: n("0.1")) == n("10"))
        #expect(n("-1.2").floorOfProduct(with: n("1.5")) == n("-2"))
        #expect(n("-1.2").ceilOfProduct(with: n("1.5")) == n("-1"))
        #expect(n("9").floorOfProduct(with: n("1.2")) == n("10"))
        #expect(n("10").floorOfProduct(with: n("1.5")) == n("15"))
        #expect(n("10").ceilOfProduct(with: n("1.5")) == n("15"))
        #expect(n("-10").ceilOfProduct(with: n("1.5")) == n("-15"))
        var random = SplitMix64(seed: 7)
        let denominators: [Int128] = [1, 2, 3, 4, 5, 10, 100, 7, 1 << 40]
        for round in 0..<5_000 {
            // Every fifth numerator scaled by 2⁶²: its products need 128 bits.
            let scale: Int128 = round % 5 == 4 ? Int128(1) << 62 : 1
            let a = Int128(Int.random(in: -2_000_000...2_000_000, using: &random)) * scale
            let c = Int128(Int.random(in: -2_000_000...2_000_000, using: &random))
            let b = denominators[Int.random(in: 0..<denominators.count, using: &random)]
            let d = denominators[Int.random(in: 0..<denominators.count, using: &random)]
            let x = ExactNumber(numerator: a, denominator: b)!, y = ExactNumber(numerator: c, denominator: d)!
            let floor = (a * c).floorDivided(by: b * d)
            #expect(x.floorOfProduct(with: y) == ExactNumber(numerator: floor, denominator: 1))
            let ceil = (a * c) % (b * d) == 0 ? floor : floor + 1
            #expect(x.ceilOfProduct(with: y) == ExactNumber(numerator: ceil, denominator: 1))
        }
        let huge = ExactNumber(decimal: "100000000000000000000000000000000000")!  // 10^35
        #expect(huge.floorOfProduct(with: huge) == nil)
    }

    @Test func overflowIsReportedNotTrapped() {
        let huge = ExactNumber(decimal: "100000000000000000000000000000000000")!  // 10^35
        #expect(huge.multiplied(by: huge) == nil)
        #expect(huge.adding(huge) != nil)
        #expect(huge < huge.adding(.one)!)
        // Comparison never overflows, even with large denominators.
        let a = ExactNumber(numerator: Int128.max - 1, denominator: Int128.max)!
        let b = ExactNumber(numerator: Int128.max - 2, denominator: Int128.max - 1)!
        #expect(b < a)
    }
}

@Suite struct CivilDateTests {
    private func d(_ text: String) -> CivilDate { CivilDate(iso: text)! }

    @Test func validation() {
        #expect(CivilDate(iso: "2024-02-29") != nil)
        #expect(CivilDate(iso: "2023-02-29") == nil)
        #expect(CivilDate(iso: "1900-02-29") == nil)
        #expect(CivilDate(iso: "2000-02-29") != nil)
        #expect(CivilDate(iso: "2024-13-01") == nil)
        #expect(CivilDate(iso: "2024-1-01") == nil)
        // Every position's digit read, and bytes just outside the digits refused: "/" and ":"
        // border "0" and "9", a letter, a sign, a space, the wrong separator, a byte too many.
        #expect(CivilDate(iso: "2024-07-15").map { [$0.year, $0.month, $0.day] } == [2024, 7, 15])
        #expect(CivilDate(iso: "9876-12-31").map { [$0.year, $0.month, $0.day] } == [9876, 12, 31])
        for bad in ["2024-01-0/", "2024-01-0:", "20a4-01-01", "+024-01-01", "2024-01- 1", "2024/01/01", "2024-01-011", "0000-01-01"] {
            #expect(CivilDate(iso: bad) == nil, "\(bad)")
        }
    }

    @Test func monthArithmeticClampsToTheMonthsEnd() {
        // REFERENCE-POLICY.md: 2024-02-29 − 12 months = 2023-02-28.
        #expect(d("2024-02-29").adding(months: -12) == d("2023-02-28"))
        #expect(d("2024-01-31").adding(months: 1) == d("2024-02-29"))
        #expect(d("2024-05-03").adding(months: 12) == d("2025-05-03"))
        #expect(d("2024-12-15").adding(months: 1) == d("2025-01-15"))
        #expect(d("2024-03-31").adding(months: -1) == d("2024-02-29"))
    }

    /// Month arithmetic against counting months one by one from the date's fields, clamping the
    /// day, for random dates and offsets, and at the ends of the years there are.
    @Test func monthArithmeticAgreesWithCountingMonths() {
        var random = SplitMix64(seed: 3)
        for _ in 0..<2_000 {
            let start = CivilDate(dayNumber: Int.random(in: -800_000...3_000_000, using: &random)) ?? d("2024-01-31")
            let months = Int.random(in: -30_000...30_000, using: &random)
            var (year, month) = (start.year, start.month)
            year += months / 12
            month += months % 12
            if month > 12 { (year, month) = (year + 1, month - 12) }
            if month < 1 { (year, month) = (year - 1, month + 12) }
            let expected = (1...9999).contains(year)
                ? CivilDate(year: year, month: month, day: min(start.day, CivilDate.daysIn(month: month, year: year))) : nil
            let result = start.adding(months: months)
            #expect(result == expected, "\(start) + \(months) months")
            #expect(result?.dayNumber == expected?.dayNumber && result?.day == expected?.day, "\(start) + \(months) months")
        }
        #expect(d("9999-12-31").adding(months: 1) == nil)
        #expect(d("0001-01-31").adding(months: -1) == nil)
        #expect(d("0001-02-28").adding(months: -1) == d("0001-01-28"))
        #expect(d("9999-11-30").adding(months: 1) == d("9999-12-30"))
    }

    /// The last day of the month some months on, computed at once, is the last day of the date
    /// month arithmetic gives (worked by hand at a leap day and the calendar's ends; against the
    /// two steps for random dates and offsets).
    @Test func endOfTheMonthSomeMonthsOn() {
        #expect(d("2024-03-15").endOfMonth(addingMonths: 24) == d("2026-03-31"))
        #expect(d("2022-02-10").endOfMonth(addingMonths: 24) == d("2024-02-29"))
        #expect(d("2024-01-31").endOfMonth(addingMonths: 1) == d("2024-02-29"))
        #expect(d("2024-01-31").endOfMonth(addingMonths: -2) == d("2023-11-30"))
        #expect(d("9999-11-30").endOfMonth(addingMonths: 1) == d("9999-12-31"))
        #expect(d("9999-12-01").endOfMonth(addingMonths: 1) == nil)
        #expect(d("0001-01-31").endOfMonth(addingMonths: -1) == nil)
        var random = SplitMix64(seed: 4)
        for _ in 0..<2_000 {
            let start = CivilDate(dayNumber: Int.random(in: -800_000...3_000_000, using: &random)) ?? d("2024-01-31")
            let months = Int.random(in: -30_000...30_000, using: &random)
            let result = start.endOfMonth(addingMonths: months)
            #expect(result == start.adding(months: months)?.endOfMonth, "\(start) + \(months) months")
            #expect(result.map { [$0.year, $0.month, $0.day] } == start.adding(months: months).map { [$0.endOfMonth.year, $0.endOfMonth.month, $0.endOfMonth.day] })
        }
    }

    @Test func expiryDatesOfTheReferencePolicy() {
        // Earned 2024-03-15: expires at the end of month M + 24, 2026-03-31; notice 30 days before.
        let expiry = d("2024-03-15").adding(months: 24)!.endOfMonth
        #expect(expiry == d("2026-03-31"))
        #expect(expiry.adding(days: -30) == d("2026-03-01"))
        // Earned 2024-01-10: expires 2026-01-31.
        #expect(d("2024-01-10").adding(months: 24)!.endOfMonth == d("2026-01-31"))
        // Lots that expire "at end of year", 1 year after earning.
        #expect(d("2024-02-29").adding(years: 1)?.endOfYear == d("2025-12-31"))
        #expect(d("2024-02-29").adding(years: 1) == d("2025-02-28"))
        // Frozen 2024-06-01 for 30 days: active again on 2024-07-01.
        #expect(d("2024-06-01").adding(days: 30) == d("2024-07-01"))
    }

    @Test func dayNumbersAndWeekdays() {
        #expect(d("1970-01-01").dayNumber == 0)
        #expect(d("2000-03-01").dayNumber == 11_017)
        #expect(CivilDate(dayNumber: 19_782) == d("2024-02-29"))
        #expect(d("2026-11-25").weekday == 3)  // a Wednesday
        #expect(d("1970-01-01").weekday == 4)  // a Thursday
        #expect(d("1969-12-28").weekday == 7)  // a Sunday
        #expect(d("2024-03-01").dayNumber - d("2024-02-01").dayNumber == 29)
        for day in stride(from: -719_162, to: 2_932_897, by: 997) {
            let date = CivilDate(dayNumber: day)
            #expect(date?.dayNumber == day)
            // The calendar fields kept beside the day number name the same day.
            #expect(date.flatMap { CivilDate(year: $0.year, month: $0.month, day: $0.day) }?.dayNumber == day)
            let next = date?.adding(days: 1)
            #expect(next.map { (date!.year, date!.month, date!.day) < ($0.year, $0.month, $0.day) && date! < $0 } ?? true)
        }
        #expect(CivilDate(dayNumber: -719_162) == d("0001-01-01"))
        #expect(CivilDate(dayNumber: 2_932_896) == d("9999-12-31"))
        #expect(CivilDate(dayNumber: -719_163) == nil)  // 0000-12-31
        #expect(CivilDate(dayNumber: 2_932_897) == nil)  // 10000-01-01
    }

    /// Adding days within a month takes a shortcut: its calendar fields must be those of the day
    /// number, across month ends, leap days and the years' ends.
    @Test func addingDaysGivesTheFieldsOfTheDayNumber() {
        for start in stride(from: d("2023-12-01").dayNumber, through: d("2025-01-31").dayNumber, by: 1) {
            let date = CivilDate(dayNumber: start)!
            for offset in [-31, -29, -28, -1, 0, 1, 27, 28, 29, 30, 31] {
                let moved = date.adding(days: offset)!, expected = CivilDate(dayNumber: start + offset)!
                #expect((moved.year, moved.month, moved.day, moved.dayNumber) == (expected.year, expected.month, expected.day, expected.dayNumber))
            }
        }
    }
}

extension Int128 {
    func power(_ exponent: Int) -> Int128 { (0..<exponent).reduce(1) { result, _ in result * self } }
    /// Division rounding toward minus infinity.
    func floorDivided(by divisor: Int128) -> Int128 {
        let quotient = self / divisor
        return self % divisor != 0 && (self < 0) != (divisor < 0) ? quotient - 1 : quotient
    }
}
