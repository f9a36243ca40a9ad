/// A calendar date (no time, no zone), with the calendar arithmetic policies need: month
/// arithmetic clamps to the month's end (2024-02-29 − 12 months = 2023-02-28), leap years count.
public struct CivilDate: Hashable, Comparable, Sendable, CustomStringConvertible {
    // Both forms are kept, in 8 bytes: the day number for ordering and day arithmetic, the
    // calendar fields for month arithmetic. Equality, hashing and order use the day number.
    private let number: Int32
    private let yearField: Int16
    private let monthField: UInt8
    private let dayField: UInt8

    public var year: Int { Int(yearField) }
    public var month: Int { Int(monthField) }
    public var day: Int { Int(dayField) }

    /// A valid date, or nil (2023-02-29, month 13).
    public init?(year: Int, month: Int, day: Int) {
        guard (1...12).contains(month), day >= 1, day <= Self.daysIn(month: month, year: year), (1...9999).contains(year) else {
            return nil
        }
        self.init(year: year, month: month, day: day, dayNumber: Self.dayNumber(year: year, month: month, day: day))
    }

    private init(year: Int, month: Int, day: Int, dayNumber: Int) {
        yearField = Int16(year)
        monthField = UInt8(month)
        dayField = UInt8(day)
        number = Int32(dayNumber)
    }

    /// Parses `YYYY-MM-DD`.
    public init?(iso text: some StringProtocol) {
        var text = String(text)
        guard let date = text.withUTF8({ Self(isoUTF8: $0) }) else { return nil }
        self = date
    }

    /// The same, from UTF-8 bytes: input files hold millions of dates, so the ten bytes are read
    /// by position, without a loop.
    package init?(isoUTF8 text: UnsafeBufferPointer<UInt8>) {
        guard text.count == 10, text[4] == UInt8(ascii: "-"), text[7] == UInt8(ascii: "-") else { return nil }
        // A byte's digit value; a byte that is not a digit gives 10 or more (wrapping below "0").
        func digit(_ index: Int) -> Int { Int(text[index] &- UInt8(ascii: "0")) }
        let digits = (digit(0), digit(1), digit(2), digit(3), digit(5), digit(6), digit(8), digit(9))
        guard max(digits.0, digits.1, digits.2, digits.3, digits.4, digits.5, digits.6, digits.7) < 10 else { return nil }
        self.init(year: ((digits.0 * 10 + digits.1) * 10 + digits.2) * 10 + digits.3,
                  month: digits.4 * 10 + digits.5, day: digits.6 * 10 + digits.7)
    }

    public static func isLeapYear(_ year: Int) -> Bool {
        year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
    }

    public static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return isLeapYear(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01 (negative before).
    public var dayNumber: Int { Int(number) }

    /// Howard Hinnant's `days_from_civil`.
    private static func dayNumber(year: Int, month: Int, day: Int) -> Int {
        // For a valid date of the years 1–9999 every quantity here is non-negative: unsigned
        // division by a constant is a multiplication and a shift, signed division needs fixing up.
        let y = UInt(month <= 2 ? year - 1 : year)
        let era = y / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * UInt(month > 2 ? month - 3 : month + 9) + 2) / 5 + UInt(day) - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return Int(era * 146_097 + dayOfEra) - 719_468
    }

    /// The date `dayNumber` days after 1970-01-01 (`civil_from_days`); nil outside years 1–9999.
    public init?(dayNumber: Int) {
        guard (Self.firstDayNumber...Self.lastDayNumber).contains(dayNumber) else { return nil }
        // From year 1 on, every quantity here is non-negative: unsigned arithmetic (see above).
        let z = UInt(dayNumber + 719_468)
        let era = z / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = Int(dayOfYear - (153 * mp + 2) / 5 + 1)
        let month = Int(mp < 10 ? mp + 3 : mp - 9)
        self.init(year: Int(yearOfEra + era * 400) + (month <= 2 ? 1 : 0), month: month, day: day, dayNumber: dayNumber)
    }

    /// The day numbers of 0001-01-01 and 9999-12-31 (a test checks them).
    private static let firstDayNumber = -719_162, lastDayNumber = 2_932_896

    /// The day numbers of the dates there are: 0001-01-01 to 9999-12-31.
    public static let dayNumbers = firstDayNumber...lastDayNumber

    public func adding(days: Int) -> CivilDate? {
        // Within the month (the usual case for windows' bounds), the fields follow directly.
        let target = day + days
        if target >= 1, target <= 28 || target <= Self.daysIn(month: month, year: year) {
            return CivilDate(year: year, month: month, day: target, dayNumber: dayNumber + days)
        }
        return CivilDate(dayNumber: dayNumber + days)
    }

    /// Calendar month arithmetic, clamped to the end of the target month.
    public func adding(months: Int) -> CivilDate? {
        if months == 0 { return self }
        let index = year * 12 + (month - 1) + months
        // Before year 1 the index is negative and the year 0 or less: refused below.
        let (targetYear, targetMonth) = (index / 12, index % 12 + 1)
        guard (1...9999).contains(targetYear) else { return nil }
        // Valid by construction (a month of 1–12, the day clamped to it): not checked again.
        let targetDay = min(day, Self.daysIn(month: targetMonth, year: targetYear))
        return CivilDate(year: targetYear, month: targetMonth, day: targetDay,
                         dayNumber: Self.dayNumber(year: targetYear, month: targetMonth, day: targetDay))
    }

    public func adding(years: Int) -> CivilDate? { adding(months: years * 12) }

    /// The last day of the month `months` after this date's (`adding(months:)` then
    /// `endOfMonth`, computed once); nil outside the years 1 to 9999.
    public func endOfMonth(addingMonths months: Int) -> CivilDate? {
        let index = year * 12 + (month - 1) + months
        let (targetYear, targetMonth) = (index / 12, index % 12 + 1)
        guard (1...9999).contains(targetYear) else { return nil }
        let lastDay = Self.daysIn(month: targetMonth, year: targetYear)
        return CivilDate(year: targetYear, month: targetMonth, day: lastDay,
                         dayNumber: Self.dayNumber(year: targetYear, month: targetMonth, day: lastDay))
    }

    /// The last day of this date's month.
    public var endOfMonth: CivilDate {
        // Within the month: the day number follows from this one's.
        adding(days: Self.daysIn(month: month, year: year) - day)!
    }

    /// The last day of this date's year.
    public var endOfYear: CivilDate { CivilDate(year: year, month: 12, day: 31)! }

    /// ISO weekday: 1 is Monday, 7 is Sunday.
    public var weekday: Int {
        let monday0 = (dayNumber + 3) % 7  // 1970-01-01 was a Thursday
        return (monday0 + 7) % 7 + 1
    }

    public static func < (a: CivilDate, b: CivilDate) -> Bool { a.number < b.number }
    public static func == (a: CivilDate, b: CivilDate) -> Bool { a.number == b.number }
    public func hash(into hasher: inout Hasher) { hasher.combine(number) }

    /// `YYYY-MM-DD`.
    public var description: String {
        func pad(_ n: Int, _ width: Int) -> String {
            let digits = String(n)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))"
    }
}
