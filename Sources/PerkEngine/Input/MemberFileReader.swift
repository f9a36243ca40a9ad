import Foundation
import PerkLanguage

/// A member's birthday: month and day, and the year when the file gives one.
public struct Birthday: Hashable, Sendable, CustomStringConvertible {
    public let month: Int
    public let day: Int
    public let year: Int?

    /// `MM-DD` or `YYYY-MM-DD`; 02-29 is a valid birthday (its month is February).
    public init?(_ text: String) {
        if let date = CivilDate(iso: text) {
            (month, day, year) = (date.month, date.day, date.year)
            return
        }
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 2, parts[1].count == 2, let month = Int(parts[0]), let day = Int(parts[1]),
              CivilDate(year: 2000, month: month, day: day) != nil else { return nil }  // 2000 is a leap year
        (self.month, self.day, self.year) = (month, day, nil)
    }

    /// As it is read: `MM-DD`, or `YYYY-MM-DD` with the year.
    public var description: String {
        (year.map { String(format: "%04d-", $0) } ?? "") + String(format: "%02d-%02d", month, day)
    }
}

/// Reads a members file: CSV with the columns `member,birthday` (birthday `MM-DD`,
/// `YYYY-MM-DD`, or empty), every malformed row reported with its line.
public enum MemberFileReader {
    public static func read(_ bytes: [UInt8], file: String) -> (birthdays: [String: Birthday], errors: [InputError]) {
        var reader = CSVReader(bytes)
        var birthdays: [String: Birthday] = [:]
        var errors: [InputError] = []
        var columns: (member: Int, birthday: Int)?
        var seen: [String: Int] = [:]
        while let next = reader.next() {
            guard case .success(let row) = next else {
                if case .failure(let problem) = next { errors.append(InputError(InputLocation(file: file, line: problem.line), "this row cannot be read: \(problem.reason)")) }
                continue
            }
            let location = InputLocation(file: file, line: row.line)
            guard let (memberColumn, birthdayColumn) = columns else {
                let names = row.cells.map { $0.trimmingCharacters(in: .whitespaces) }
                guard let member = names.firstIndex(of: "member"), let birthday = names.firstIndex(of: "birthday") else {
                    errors.append(InputError(location, "the header must name the columns `member` and `birthday`"))
                    return (birthdays, errors)
                }
                columns = (member, birthday)
                continue
            }
            if row.cells == [""] { continue }
            guard row.cells.indices.contains(max(memberColumn, birthdayColumn)) else {
                errors.append(InputError(location, "this row has \(row.cells.count) cells; it needs a member and a birthday cell"))
                continue
            }
            let member = row.cells[memberColumn]
            let text = row.cells[birthdayColumn]
            guard !member.isEmpty else {
                errors.append(InputError(location, column: "member", "missing"))
                continue
            }
            if let first = seen[member] {
                errors.append(InputError(location, column: "member", "`\(member)` is listed twice (first on line \(first))"))
                continue
            }
            seen[member] = row.line
            if text.isEmpty { continue }
            guard let birthday = Birthday(text) else {
                errors.append(InputError(location, column: "birthday", "`\(text)` is not a birthday; write MM-DD or YYYY-MM-DD"))
                continue
            }
            birthdays[member] = birthday
        }
        return (birthdays, errors)
    }
}
