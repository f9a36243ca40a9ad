import Foundation
import PerkEngine
import PerkLanguage
import PerkTestSupport
import XCTest

/// Reading event and member files: every row either becomes a typed event or an error that names
/// the file, the line, the column and what to do. Expected values are worked from the rows.
final class EventInputTests: XCTestCase {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static let harbor: CheckedPolicy = {
        let file = try! SourceFile(contentsOfFile: packageRoot.appendingPathComponent("policies/harbor-hotel.perk").path)
        return PolicyChecker.check(file).policy!
    }()

    private func read(_ text: String, format: EventFileFormat = .csv, mapping: InputMapping = InputMapping()) -> [Result<InputEvent, InputError>] {
        let bytes = Array(text.utf8), decoder = EventDecoder(policy: Self.harbor, mapping: mapping)
        var reader = EventFileReader(bytes: bytes, format: format, file: "events", decoder: decoder)
        var results: [Result<InputEvent, InputError>] = []
        while let next = reader.next() { results.append(next) }
        // In parts of a row or so, each read by the header's columns: the same.
        XCTAssertEqual(EventFileReader.readAll(bytes, format: format, file: "events", decoder: decoder, jobs: 2, partSize: 8), results)
        return results
    }

    private func events(_ text: String, format: EventFileFormat = .csv, mapping: InputMapping = InputMapping()) throws -> [InputEvent] {
        try read(text, format: format, mapping: mapping).map { try $0.get() }
    }

    private func errors(_ text: String, format: EventFileFormat = .csv, mapping: InputMapping = InputMapping()) -> [String] {
        read(text, format: format, mapping: mapping).compactMap { if case .failure(let error) = $0 { return error.description } else { return nil } }
    }

    private func n(_ text: String) -> ExactNumber { ExactNumber(decimal: text)! }

    static let header = "id,date,member,type,amount,category,points,original,kind,benefit,bill\n"

    func testEveryEventTypeOfTheReferencePolicy() throws {
        let read = try events(Self.header + """
            e1,2024-01-10,M1,purchase,1234.56,room,,,,,
            e2,2024-01-11,M1,refund,100.00,,,e1,,,
            e3,2024-06-02,M1,redeem,,,500,,,,800.00
            e4,2024-06-03,M1,use,,,,,,breakfast,
            e5,2024-06-04,M1,violation,,,,,benefit_abuse,,
            e6,2024-06-05,M1,card_lost,,,,,,,
            e7,2024-06-06,M2,join,,,,,,,
            e8,2024-06-07,M2,referral,,,,,,,
            """)
        XCTAssertEqual(read.map(\.type), ["purchase", "refund", "redeem", "use", "violation", "card_lost", "join", "referral"])
        XCTAssertEqual(read[0].fields, ["amount": .money(n("1234.56")), "category": .text("room")])
        XCTAssertEqual(read[0].date, CivilDate(iso: "2024-01-10"))
        XCTAssertEqual(read[0].location, InputLocation(file: "events", line: 2))
        XCTAssertEqual(read[1].fields, ["original": .event("e1"), "amount": .money(n("100"))])
        XCTAssertEqual(read[2].fields, ["points": .points(n("500")), "bill": .money(n("800"))])
        XCTAssertEqual(read[3].fields, ["benefit": .text("breakfast")])
        XCTAssertEqual(read[4].fields, ["kind": .text("benefit_abuse")])
        XCTAssertEqual(read[5].fields, [:])
        XCTAssertEqual(read[6].member, "M2")
    }

    func testQuotedCellsCRLFAndByteOrderMark() throws {
        let text = "\u{FEFF}id,date,member,type,amount,category\r\ne1,2024-01-10,\"M,1\",purchase,5.00,\"the \"\"blue\"\" room\"\r\n"
        let read = try events(text)
        XCTAssertEqual(read.first?.member, "M,1")
        XCTAssertEqual(read.first?.fields["category"], .text("the \"blue\" room"))
    }

    func testTimestampsAreTakenInThePolicysTimeZone() throws {
        // Asia/Shanghai is UTC+8 all year.
        let read = try events("""
            id,date,member,type,amount,category
            a,2024-01-10T23:30:00Z,M,purchase,1.00,room
            b,2024-01-10T07:59:59-08:00,M,purchase,1.00,room
            c,2024-01-10T08:00:00-08:00,M,purchase,1.00,room
            d,2024-01-10T00:30:00+08:00,M,purchase,1.00,room
            e,2024-02-28T16:00:00.250Z,M,purchase,1.00,room
            f,2024-01-10T23:30:00,M,purchase,1.00,room
            """)
        XCTAssertEqual(read.map(\.date.description), ["2024-01-11", "2024-01-10", "2024-01-11", "2024-01-10", "2024-02-29", "2024-01-10"])
    }

    func testEveryMalformedRowIsReportedWithItsLineAndColumn() {
        let bad = Self.header + """
            e1,2024-01-10,M1,purchse,1.00,room,,,,,
            e2,2023-02-29,M1,purchase,1.00,room,,,,,
            e3,2024-01-10,M1,purchase,"12,34",room,,,,,
            e4,2024-01-10,M1,purchase,1.234,room,,,,,
            e5,2024-01-10,M1,purchase,-5.00,room,,,,,
            e6,2024-01-10,M1,purchase,,room,,,,,
            e7,2024-01-10,M1,referral,,room,,,,,
            e8,2024-01-10,M1,redeem,,,500.5,,,,800
            e9,2024-01-10,,join,,,,,,,
            e10,2024-01-10,M1,join,,,,,,
            e11,2024-01-10,M1,join,,,,,,,,
            e12,2024-01-10,M1,purchase,"1.00,room,,,,,
            """
        XCTAssertEqual(errors(bad), [
            "events:2: type: unknown event type `purchse`; did you mean `purchase`?",
            "events:3: date: `2023-02-29` is not a date; write YYYY-MM-DD, or an ISO 8601 time with its offset such as 2024-01-10T09:30:00+08:00",
            "events:4: amount: `12,34` is not an amount; write a decimal with at most 2 places and no separators, such as 1234.56",
            "events:5: amount: `1.234` is not an amount; write a decimal with at most 2 places and no separators, such as 1234.56",
            "events:6: amount: `-5.00`: an amount cannot be negative",
            "events:7: amount: missing; a `purchase` event needs `amount` (money)",
            "events:8: category: `referral` events have no field `category`; leave the cell empty",
            "events:9: points: `500.5` is not a whole number of points",
            "events:10: member: missing; every event needs an id, a date, a member and a type",
            "events:11: this row has 10 cells but the header has 11; each row needs one cell per column, empty for unused fields",
            "events:12: this row has 12 cells but the header has 11; each row needs one cell per column, empty for unused fields",
            "events:13: this row cannot be read: a quoted cell is never closed; close it with `\"`",
        ])
    }

    /// Columns, types and dates named the file's way; messages name the file's columns.
    func testAMappedFileIsReadByItsOwnNames() throws {
        let mapping = InputMapping(columns: ["id": "txn", "date": "dt", "member": "card_no", "type": "kind", "amount": "amt"],
                                   types: ["SALE": "purchase", "RDM": "redeem", "OLD": "purchse"], ignored: ["note"],
                                   dateFormat: DateFormat("DD/MM/YYYY"))
        let text = """
            txn,dt,card_no,kind,amt,category,note,points
            t1,10/01/2024,C1,SALE,12.50,room,"paid in cash, at the desk",
            t2,10/01/2024,C1,SALE,12.50,room,,5
            t3,11/01/2024,C1,RDM,7.00,,,100
            t4,2024-01-10,C1,SALE,1.00,room,,
            t5,12/01/2024,C2,purchase,1.00,spa,,
            t6,12/01/2024,C1,SALE,1.005,room,,
            t7,12/01/2024,,SALE,1.00,room,,
            t8,12/01/2024,C1,OLD,1.00,room,,
            t9,13/01/2024,C1,SALE,+3.00,dining,x,
            """
        XCTAssertEqual(errors(text, mapping: mapping), [
            // The ignored `note` holds text on lines 2 and 10; `points` is no field of a purchase.
            "events:3: points: `purchase` events have no field `points`; leave the cell empty",
            // A redeem's fields are checked before the cells it may not fill (`amt`): the file has no `bill`.
            "events:4: bill: missing; a `redeem` event needs `bill` (money)",
            "events:5: dt: `2024-01-10` is not a date; write it as DD/MM/YYYY",
            "events:7: amt: `1.005` is not an amount; write a decimal with at most 2 places and no separators, such as 1234.56",
            "events:8: card_no: missing; every event needs an id, a date, a member and a type",
            // The type the mapping gives is the one checked.
            "events:9: kind: unknown event type `purchse`; did you mean `purchase`?",
        ])
        let read = self.read(text, mapping: mapping).compactMap { try? $0.get() }
        XCTAssertEqual(read.map(\.id), ["t1", "t5", "t9"])
        XCTAssertEqual(read.map(\.type), ["purchase", "purchase", "purchase"])
        XCTAssertEqual(read.map(\.member), ["C1", "C2", "C1"])
        XCTAssertEqual(read.map(\.date.description), ["2024-01-10", "2024-01-12", "2024-01-13"])
        XCTAssertEqual(read.map(\.fields), [
            ["amount": .money(n("12.5")), "category": .text("room")],
            ["amount": .money(n("1")), "category": .text("spa")],
            ["amount": .money(n("3")), "category": .text("dining")],
        ])
        XCTAssertEqual(read.map(\.location.line), [2, 6, 10])
    }

    /// Of several cells a type may not fill, the first by name is reported, wherever it is; a field
    /// the file has no column for is missing.
    func testCellsATypeMayNotFill() {
        XCTAssertEqual(errors("""
            id,date,member,type,zeta,amount,category,alpha
            e1,2024-01-10,M1,join,z,,,a
            e2,2024-01-10,M1,join,z,,,
            e3,2024-01-10,M1,purchase,,5.00,room,
            e4,2024-01-10,M1,use,,5.00,room,
            e5,2024-01-10,M1,purchase,,.50,room,
            """), [
            "events:2: alpha: `join` events have no field `alpha`; leave the cell empty",
            "events:3: zeta: `join` events have no field `zeta`; leave the cell empty",
            "events:5: benefit: missing; a `use` event needs `benefit` (text)",
            "events:6: amount: `.50` is not an amount; write a decimal with at most 2 places and no separators, such as 1234.56",
        ])
        let decoder = EventDecoder(policy: Self.harbor)
        let api = decoder.decode(["id": "e1", "date": "2024-01-10", "member": "M1", "type": "use", "benefit": "spa", "category": "x"],
                                 at: InputLocation(file: "api", line: 1))
        XCTAssertEqual(api, .failure(InputError(InputLocation(file: "api", line: 1), column: "category",
                                                "`use` events have no field `category`; remove `category` from this event")))
    }

    /// A line break inside quotes moves the next row's line on; a byte-order mark counts only at
    /// the start of the file, not at the start of a row (nor of a part read on its own).
    func testLineNumbersAfterQuotedLineBreaks() throws {
        let text = "id,date,member,type,amount,category\r\n"
            + "e1,2024-01-10,M1,\"purchase\",1.00,\"two\nlines\"\r\n"
            + "e2,2024-01-10,M1,purchase,1.00,\"say \"\"hi\"\"\"\r\n"
            + "\u{FEFF}e3,2024-01-10,M1,purchase,1.00,room\n"
            + "e4,2024-01-10,M1,purchase,1.00,room,\n"
        let results = read(text)
        let read = results.compactMap { try? $0.get() }
        XCTAssertEqual(read.map(\.id), ["e1", "e2", "\u{FEFF}e3"])
        XCTAssertEqual(read.map(\.location.line), [2, 4, 5])
        XCTAssertEqual(read.map { $0.fields["category"] }, [.text("two\nlines"), .text("say \"hi\""), .text("room")])
        XCTAssertEqual(errors(text), ["events:6: this row has 7 cells but the header has 6; each row needs one cell per column, empty for unused fields"])
    }

    func testJSONLinesByTheMapping() throws {
        let mapping = InputMapping(columns: ["member": "card_no"], types: ["SALE": "purchase"], ignored: ["note"])
        let text = """
            {"id": "e1", "date": "2024-01-10", "card_no": "C1", "type": "SALE", "amount": 5, "category": "room", "note": "x"}
            {"id": "e2", "date": "2024-01-10", "card_no": "C1", "type": "join", "amount": "5"}
            {"id": "e3", "date": "2024-01-10", "type": "join"}
            """
        XCTAssertEqual(errors(text, format: .jsonLines, mapping: mapping), [
            "events:2: amount: `join` events have no field `amount`; remove `amount` from this event",
            "events:3: card_no: missing; every event needs an id, a date, a member and a type",
        ])
        let read = try XCTUnwrap(self.read(text, format: .jsonLines, mapping: mapping).first?.get())
        XCTAssertEqual(read.member, "C1")
        XCTAssertEqual(read.type, "purchase")
        XCTAssertEqual(read.fields, ["amount": .money(n("5")), "category": .text("room")])
    }

    /// JSON Lines whose keys come in any order, with null, empty, unread and extra keys, numbers
    /// as numbers or strings, read (by position while the keys repeat, by name otherwise) into the
    /// events and errors the same rows give as CSV: the reference policy's worked example and
    /// rows with mistakes (an amount for a `join`, an unknown field, a missing date, a bad amount).
    func testJSONLinesInAnyKeyOrderReadAsTheirCSVRows() throws {
        let rows = try String(contentsOf: Self.packageRoot.appendingPathComponent("policies/harbor-hotel-events.csv"), encoding: .utf8)
            .split(separator: "\n").dropFirst().map(String.init)
            + ["e90,2024-02-01,M9,join,5,,,,,,", "e91,,M9,purchase,5,room,,,,,", "e92,2024-02-01,M9,purchase,5.001,room,,,,,",
               "e93,2024-02-01,M9,purchase,7,spa,,,,,"]
        let columns = Self.header.dropLast().split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        var random = SplitMix64(seed: 8)
        for round in 0..<4 {
            var lines: [String] = []
            for row in rows {
                let cells = row.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
                var members: [String] = []
                for (column, cell) in zip(columns, cells) {
                    if cell.isEmpty {
                        switch random.next() % 3 {
                        case 0: members.append("\"\(column)\": null")
                        case 1: members.append("\"\(column)\": \"\"")
                        default: break
                        }
                    } else if Double(cell) != nil && column != "id" && random.next() % 2 == 0 {
                        members.append("\"\(column)\": \(cell)")
                    } else {
                        members.append("\"\(column)\": \"\(cell)\"")
                    }
                }
                if random.next() % 4 == 0 { members.append("\"note\": \"unread\"") }
                // The first two rounds keep the keys' order from row to row; the others shuffle them.
                lines.append("{" + (round < 2 ? members : members.shuffled(using: &random)).joined(separator: ", ") + "}")
            }
            let mapping = InputMapping(ignored: ["note"])
            let fromJSON = read(lines.joined(separator: "\n") + "\n", format: .jsonLines, mapping: mapping)
            let fromCSV = read(Self.header + rows.joined(separator: "\n") + "\n", mapping: mapping)
            XCTAssertEqual(fromJSON.count, fromCSV.count)
            XCTAssertEqual(fromCSV.count { if case .failure = $0 { true } else { false } }, 3)
            for (json, csv) in zip(fromJSON, fromCSV) {
                switch (json, csv) {
                case (.success(let a), .success(let b)):
                    XCTAssertEqual([a.id, a.member, a.type, a.date.description], [b.id, b.member, b.type, b.date.description])
                    XCTAssertEqual(a.fields, b.fields, a.id)
                    XCTAssertEqual(a.location.line + 1, b.location.line)
                case (.failure(let a), .failure(let b)):
                    XCTAssertEqual(a.location.line + 1, b.location.line)
                    XCTAssertEqual(a.message.replacingOccurrences(of: "remove `", with: "").split(separator: ";").first,
                                   b.message.replacingOccurrences(of: "remove `", with: "").split(separator: ";").first, "round \(round)")
                default:
                    XCTFail("round \(round): \(json) from JSON, \(csv) from CSV")
                }
            }
        }
    }

    /// A JSON line in which two keys give one field — the same key twice, or a key and the one
    /// the mapping names for its field — is refused, plain or not (JSONDecoder kept one of the
    /// key's values, and which of a mapped pair was kept depended on the process's hashing).
    func testAJSONLineGivingAFieldTwiceIsRefused() {
        let mapping = InputMapping(columns: ["member": "card_no"])
        let row = #""id": "e1", "date": "2024-01-10", "type": "join""#
        XCTAssertEqual(errors("{\(row), \"member\": \"M1\", \"member\": \"M2\"}\n", format: .jsonLines),
                       ["events:1: the key `member` is given twice; keep one"])
        XCTAssertEqual(errors("{\(row), \"card_no\": \"C1\", \"member\": \"M2\"}\n{\(row), \"card_no\": \"C\\u0031\", \"member\": \"M2\"}\n",
                              format: .jsonLines, mapping: mapping),
                       ["events:1: the keys `card_no` and `member` both give `member`; keep one",
                        "events:2: the keys `card_no` and `member` both give `member`; keep one"])
    }

    func testInvalidUTF8IsOneBadRowNotABadFile() {
        var bytes = Array("id,date,member,type,amount,category\ne1,2024-01-10,M1,purchase,1.00,r".utf8)
        bytes += [0xFF, 0xFE]
        bytes += Array("\ne2,2024-01-11,M1,purchase,2.00,room\n".utf8)
        var reader = EventFileReader(bytes: bytes, format: .csv, file: "events", decoder: EventDecoder(policy: Self.harbor))
        var results: [Result<InputEvent, InputError>] = []
        while let next = reader.next() { results.append(next) }
        XCTAssertEqual(results.count, 2)
        XCTAssertEqual(try? results[1].get().id, "e2")
        guard case .failure(let error) = results[0] else { return XCTFail("the bad row was accepted") }
        XCTAssertEqual(error.description, "events:2: this row cannot be read: it is not valid UTF-8; save the file as UTF-8")
    }

    func testAHeaderWithoutTheStandardColumnsStopsTheFile() {
        XCTAssertEqual(errors("id,date,member,amount\ne1,2024-01-10,M1,1.00\n"),
                       ["events:1: the header has no `type` column; it must name the id, date, member and type columns; "
                        + "a file with other column names is read through perk.yaml's input.columns"])
        // What an export's header often gets wrong, said.
        XCTAssertEqual(errors("ID,Date,member,Type,amount\ne1,2024-01-10,M1,purchase,1.00\n"),
                       ["events:1: the header has no `id`, `date`, `type` column; it must name the id, date, member and type columns "
                        + "(column names are matched exactly: `ID` is not `id`, `Date` is not `date`, `Type` is not `type`)"])
        XCTAssertEqual(errors("id;date;member;type;amount\ne1;2024-01-10;M1;purchase;1.00\n"),
                       ["events:1: the header has no `id`, `date`, `member`, `type` column; it must name the id, date, member and type columns "
                        + "(the columns seem to be separated by `;`: separate them with commas)"])
    }

    /// A cell's problem is named for what it is: an amount too long to keep exactly (it was told
    /// to use "at most 2 places"), a JSON list or object where a value goes (it was "this line is
    /// not a JSON object").
    func testACellsProblemIsNamedForWhatItIs() {
        let digits = String(repeating: "9", count: 40)
        XCTAssertEqual(errors("id,date,member,type,amount,category\ne1,2024-01-10,M1,purchase,\(digits).99,room\n"),
                       ["events:2: amount: `\(digits).99` has more than 36 digits, more than Perk keeps exactly"])
        let lines = """
            {"id": "e1", "date": "2024-01-10", "member": "M1", "type": "purchase", "amount": {"value": 1}, "category": "room"}
            {"id": "e2", "date": "2024-01-10", "member": "M1", "type": "purchase", "amount": "1.00", "category": ["room"]}
            {"id": "e3", "date": "2024-01-10", "member": "M1", "type": "purchase", "amount": "1.00", "category": "room"} and more

            """
        XCTAssertEqual(errors(lines, format: .jsonLines), [
            "events:1: amount: a list or an object is not a value; write text, a number, true or false, or null",
            "events:2: category: a list or an object is not a value; write text, a number, true or false, or null",
            "events:3: this line is not a JSON object; write one object per line, such as {\"id\": \"e1\", \"date\": \"2024-01-10\", ...}",
        ])
    }

    /// A bad header, or a quote never closed, loses every row after it: an error that stops the
    /// reading, which a run cannot leave out as one row. Any other bad row can be.
    func testWhatStopsTheReadingIsMarked() {
        func stops(_ text: String) -> [Bool] {
            read(text).compactMap { if case .failure(let error) = $0 { error.stopsReading } else { nil } }
        }
        XCTAssertEqual(stops("id,date,member,amount\ne1,2024-01-10,M1,1.00\n"), [true])
        XCTAssertEqual(stops("id,id,date,member,type\ne1,e1,2024-01-10,M1,join\n"), [true])
        XCTAssertEqual(stops(Self.header + "e1,2024-01-10,M1,purchse,1.00,room,,,,,\ne2,2024-01-10,M1,purchase,\"1.00,room,,,,,\ne3,2024-01-10,M1,join,,,,,,,\n"),
                       [false, true])
        XCTAssertEqual(stops(Self.header + "e1,2024-13-10,M1,join,,,,,,,\ne2,2024-01-10,M1,join,,,,,,\n"), [false, false])
    }

    func testJSONLines() throws {
        let text = """
            {"id": "e1", "date": "2024-01-10", "member": "M1", "type": "purchase", "amount": 1234.56, "category": "room", "points": null}
            {"id": "e2", "date": "2024-06-02", "member": "M1", "type": "redeem", "points": 500, "bill": "800.00"}

            """
        let read = try events(text, format: .jsonLines)
        XCTAssertEqual(read.map(\.fields), [
            ["amount": .money(n("1234.56")), "category": .text("room")],
            ["points": .points(n("500")), "bill": .money(n("800"))],
        ])
        XCTAssertEqual(read.map(\.location.line), [1, 2])
        XCTAssertEqual(errors("[1, 2]\n{\"id\": \"e1\"}\n", format: .jsonLines), [
            "events:1: this line is not a JSON object; write one object per line, such as {\"id\": \"e1\", \"date\": \"2024-01-10\", ...}",
            "events:2: date: missing; every event needs an id, a date, a member and a type",
        ])
    }

    /// A plain JSON Lines row is read without Foundation, and gives the cells Foundation's
    /// decoder gives (the oracle here): for random objects of strings (ASCII and not), numbers
    /// (signs, zeros, fractions with trailing zeros), booleans and nulls, with any JSON
    /// whitespace. Rows that are not plain — an escape, an exponent, a nested value, a control
    /// character, bytes that are not UTF-8, leading zeros, broken JSON — are left to Foundation. A
    /// number's digits are all kept, past the 38 that `Decimal` keeps; a key given twice is kept
    /// twice (the reader refuses the line).
    func testPlainJSONLinesGiveTheCellsFoundationGives() throws {
        enum Cell: Decodable {
            case text(String), number(Decimal), bool(Bool), null
            init(from decoder: Decoder) throws {
                let container = try decoder.singleValueContainer()
                if let text = try? container.decode(String.self) { self = .text(text) } else if container.decodeNil() { self = .null }
                else if let flag = try? container.decode(Bool.self) { self = .bool(flag) } else { self = .number(try container.decode(Decimal.self)) }
            }
            var text: String? {
                switch self {
                case .text(let text): text
                case .number(let number): "\(number)"
                case .bool(let flag): flag ? "true" : "false"
                case .null: nil
                }
            }
        }
        func plain(_ line: String) -> [String: String?]? {
            var line = line
            return line.withUTF8 { line in
                var members: [PlainJSONObject.Member] = []
                guard PlainJSONObject.scan(line, into: &members) else { return nil }
                // Each value's cell as the reader takes it: its bytes in the line, or as rewritten.
                func text(of value: PlainJSONObject.Value) -> String? {
                    switch value {
                    case .bytes(let range): String(decoding: UnsafeBufferPointer(rebasing: line[range]), as: UTF8.self)
                    case .rewritten(let bytes): String(decoding: bytes, as: UTF8.self)
                    case .null: nil
                    }
                }
                return Dictionary(uniqueKeysWithValues: members.map {
                    (String(decoding: UnsafeBufferPointer(rebasing: line[$0.key]), as: UTF8.self), text(of: $0.value))
                })
            }
        }
        func foundation(_ line: String) -> [String: String?]? {
            (try? JSONDecoder().decode([String: Cell].self, from: Data(line.utf8)))?.mapValues(\.text)
        }
        var random = SplitMix64(seed: 21)
        let keys = ["id", "date", "member", "type", "amount", "category", "points", "kind", "类别", "x y"]
        let values = ["\"e1\"", "\"2024-01-10\"", "\"\"", "\"餐饮\"", "\"café\"", "\"a,b\"", "0", "-0", "-0.0", "7", "10.50", "1234.560",
                      "-12.30", "0.001", "123456789012345678901234567890", "true", "false", "null"]
        let spaces = ["", " ", "  ", "\t", " \r "]
        for _ in 0..<2_000 {
            let count = Int(random.next() % 7)
            let chosen = keys.shuffled(using: &random).prefix(count)
            func space() -> String { spaces[Int(random.next() % UInt64(spaces.count))] }
            let members = chosen.map { "\"\($0)\"" + space() + ":" + space() + values[Int(random.next() % UInt64(values.count))] }
            let line = "{" + space() + members.joined(separator: space() + "," + space()) + space() + "}"
            let read = try XCTUnwrap(plain(line), line)
            XCTAssertEqual(read, try XCTUnwrap(foundation(line), line), line)
        }
        // Not plain: left to Foundation, which reads some of them and refuses others.
        for line in [#"{"a": "x\"y"}"#, #"{"a": "\u00e9"}"#, #"{"a": 1e2}"#, #"{"a": 1.5E-1}"#, #"{"a": {"b": 1}}"#, #"{"a": [1]}"#,
                     "{\"a\": \"x\ty\"}", #"{"a": 007}"#, #"{"a": -}"#, #"{"a": 1.}"#, #"{"a": .5}"#,
                     #"{"a": nul}"#, #"{"a": "x"} 1"#, #"{"a": "x",}"#, #"{"a" "x"}"#, #"["a"]"#, #"{"a": "x""#, "", #"{"a": truex}"#] {
            XCTAssertNil(plain(line), line)
        }
        let invalid: [UInt8] = Array(#"{"a": ""#.utf8) + [0xFF, 0xFE] + Array(#""}"#.utf8)
        var members: [PlainJSONObject.Member] = []
        XCTAssertFalse(invalid.withUnsafeBufferPointer { PlainJSONObject.scan($0, into: &members) })
        XCTAssertEqual(plain(#"{}"#)?.count, 0)
        var twice: [PlainJSONObject.Member] = []
        XCTAssertTrue(Array(#"{"a": "x", "a": "y"}"#.utf8).withUnsafeBufferPointer { PlainJSONObject.scan($0, into: &twice) })
        XCTAssertEqual(twice.map(\.key), [2..<3, 12..<13])
        // Every digit kept: Decimal would give 0.1.
        XCTAssertEqual(plain(#"{"amount": 0.10000000000000000000000000000000000000000001}"#)?["amount"],
                       "0.10000000000000000000000000000000000000000001")
    }

    /// Counting `"` and line breaks 32 bytes at a time agrees with counting them one by one: for
    /// every length up to a few lanes (the bytes left over are counted singly), and past 255
    /// rounds of lanes full of line breaks (where a lane's count would overflow 8 bits).
    func testCountingQuotesAndLineBreaksByLanesAgreesWithCountingByByte() {
        var random = SplitMix64(seed: 7)
        let alphabet = Array("ab,\"\n\r".utf8)
        var cases = (0...100).map { length in (0..<length).map { _ in alphabet.randomElement(using: &random)! } }
        cases.append(Array(repeating: UInt8(ascii: "\n"), count: 255 * 32 * 3 + 17))
        cases.append((0..<20_000).map { _ in alphabet.randomElement(using: &random)! })
        for bytes in cases {
            let expected = (quotes: bytes.count { $0 == UInt8(ascii: "\"") }, lineBreaks: bytes.count { $0 == UInt8(ascii: "\n") })
            let counted = bytes.withUnsafeBufferPointer { EventFileReader.quotesAndLineBreaks(in: $0) }
            XCTAssertEqual(counted.quotes, expected.quotes, "\(bytes.count) bytes")
            XCTAssertEqual(counted.lineBreaks, expected.lineBreaks, "\(bytes.count) bytes")
        }
    }

    /// Cells are cut eight bytes at a time: rows built from known cells — every length from empty
    /// to past two words, so each delimiter falls at each place in a word, of ASCII, two- and
    /// three-byte characters and a `\r` inside — split back into exactly those cells, LF or CRLF;
    /// and a row with a byte that is not UTF-8 past the first word is still reported.
    func testCellsAreCutWhereverTheirDelimitersFall() {
        var random = SplitMix64(seed: 21)
        let alphabet = ["a", "Z", "0", " ", ".", "-", "é", "中", "\r"]
        var rows: [[String]] = []
        for index in 0..<400 {
            // Every fortieth row has up to 42 cells: more than a row makes room for at first.
            rows.append((0..<Int.random(in: 1...7, using: &random) * (index % 40 == 39 ? 6 : 1)).map { _ in
                (0..<Int.random(in: 0...20, using: &random)).map { _ in alphabet.randomElement(using: &random)! }.joined()
            })
        }
        // A cell ending in `\r` before a CRLF would lose it: the format reads `\r\n` as the line break.
        var text = ""
        for (index, row) in rows.enumerated() {
            if let last = row.last, last.hasSuffix("\r") { rows[index][row.count - 1] += "x" }
            text += rows[index].joined(separator: ",") + (index % 2 == 0 ? "\n" : "\r\n")
        }
        var reader = CSVReader(Array(text.utf8))
        var read: [[String]] = []
        while let row = reader.next() {
            guard case .success(let cells) = row else { return XCTFail("\(row)") }
            read.append(cells.cells)
        }
        XCTAssertEqual(read, rows)
        // The byte in a first word, a whole word, and the part of a word before a delimiter.
        for position in [1, 5, 8, 9, 14, 20] {
            var bad = Array("abcdefghij,klmnopqrstu\n".utf8)
            bad[position] = 0xFF
            var badReader = CSVReader(bad)
            guard case .failure(let problem)? = badReader.next() else { return XCTFail("a row with 0xFF at \(position) was read") }
            XCTAssertEqual(problem, .invalidUTF8(line: 1))
        }
    }

    /// A large file is read in parts on several threads: the same events and the same errors, on
    /// the same lines, as reading it in one go — for CSV (with a byte-order mark and blank lines,
    /// quoted cells, line breaks inside quotes, a quote never closed) and JSON Lines.
    func testReadingInPartsGivesWhatReadingInOneGoGives() {
        let decoder = EventDecoder(policy: Self.harbor)
        var csv = "\u{FEFF}" + Self.header
        var jsonLines = ""
        for index in 1...2_000 {
            let bad = index % 97 == 0 ? "2024-02-30" : "2024-0\(index % 9 + 1)-1\(index % 10)"
            csv += "e\(index),\(bad),M\(index % 37),purchase,\(index).5\(index % 10),room,,,,,\n" + (index % 250 == 0 ? "\n" : "")
            jsonLines += "{\"id\": \"e\(index)\", \"date\": \"\(bad)\", \"member\": \"M\(index % 37)\", \"type\": \"purchase\", \"amount\": \"\(index).5\", \"category\": \"spa\"}\n"
        }
        let quoted = csv.replacingOccurrences(of: ",room,", with: ",\"room\","), multiline = csv.replacingOccurrences(of: ",room,", with: ",\"room\n\"\"suite\"\"\",")
        // A quote never closed: the rest of the file is one bad row, however it is cut.
        let unclosed = quoted + "e9999,2024-01-01,M1,purchase,1.00,\"room,,,,,\n" + csv.split(separator: "\n").dropFirst().joined(separator: "\n")
        let cases = [(csv, EventFileFormat.csv, 2_000), (jsonLines, .jsonLines, 2_000), (quoted, .csv, 2_000), (multiline, .csv, 2_000), (unclosed, .csv, 2_001)]
        for (text, format, rows) in cases {
            let bytes = Array(text.utf8)
            var reader = EventFileReader(bytes: bytes, format: format, file: "events", decoder: decoder)
            var whole: [Result<InputEvent, InputError>] = []
            while let next = reader.next() { whole.append(next) }
            XCTAssertEqual(whole.count, rows)
            XCTAssertEqual(whole.filter { if case .failure = $0 { true } else { false } }.count, rows == 2_000 ? 20 : 21)
            for jobs in [2, 3, 8] {
                let parts = EventFileReader.readAll(bytes, format: format, file: "events", decoder: decoder, jobs: jobs, partSize: 5_000)
                XCTAssertEqual(parts, whole, "\(format), \(jobs) jobs")
            }
            // Arriving in blocks of any size, cut anywhere.
            for blockSize in [1, 777, 40_000] {
                var offset = 0
                var streamed: [Result<InputEvent, InputError>] = []
                EventFileReader.read(blocks: { carried -> [UInt8]? in
                    guard offset < bytes.count else { return nil }
                    defer { offset += blockSize }
                    return Array(carried) + bytes[offset..<min(offset + blockSize, bytes.count)]
                }, format: format, file: "events", decoder: decoder, jobs: 2, partSize: 3_000) { streamed += $0 }
                XCTAssertEqual(streamed, whole, "\(format), blocks of \(blockSize)")
            }
        }
    }

    /// With several jobs, the next batch is read while one is handed over: when the receiver
    /// stops (throws), reading stops there and returns, in order, with nothing handed over after.
    func testReadingStopsWhenTheReceiverThrows() {
        struct Stop: Error {}
        let decoder = EventDecoder(policy: Self.harbor)
        var csv = Self.header
        for index in 1...2_000 { csv += "e\(index),2024-01-01,M\(index % 37),purchase,\(index).50,room,,,,,\n" }
        let bytes = Array(csv.utf8)
        var handedOver: [Int] = []  // the first line of each part handed over
        XCTAssertThrowsError(try EventFileReader.read(blocks: EventFileReader.oneBlock(bytes), format: .csv, file: "events", decoder: decoder, jobs: 2, partSize: 3_000) { part in
            if case .success(let event)? = part.first { handedOver.append(event.location.line) }
            if handedOver.count == 5 { throw Stop() }
        }) { XCTAssertTrue($0 is Stop) }
        XCTAssertEqual(handedOver.count, 5)
        XCTAssertEqual(handedOver, handedOver.sorted())
        XCTAssertEqual(handedOver.first, 2)
    }

    func testTheCDNOWDataReadsCompletely() throws {
        // Figures computed independently, with Python's csv and decimal modules, from the file.
        let url = Self.packageRoot.deletingLastPathComponent().appendingPathComponent("shared/data/cdnow.csv")
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw XCTSkip("shared/data/cdnow.csv is not beside the repository")
        }
        var reader = EventFileReader(bytes: Array(data), format: .csv, file: "cdnow.csv", decoder: EventDecoder(policy: Self.harbor))
        var count = 0
        var total = ExactNumber.zero
        var members = Set<String>()
        while let next = reader.next() {
            let event = try next.get()
            count += 1
            members.insert(event.member)
            if case .money(let amount)? = event.fields["amount"] { total = total.adding(amount)! }
        }
        XCTAssertEqual(count, 69_659)
        XCTAssertEqual(members.count, 23_570)
        XCTAssertEqual(total, n("17502209.41"))
    }
}

final class MemberInputTests: XCTestCase {
    func testBirthdaysAndBadRows() {
        let text = """
            member,birthday
            M1,05-12
            M2,1990-02-28
            M3,02-29
            M4,
            M5,13-01
            M1,06-01
            ,01-01
            """
        let result = MemberFileReader.read(Array(text.utf8), file: "members.csv")
        XCTAssertEqual(result.birthdays["M1"], Birthday("05-12"))
        XCTAssertEqual(result.birthdays["M1"]?.month, 5)
        XCTAssertEqual(result.birthdays["M2"]?.year, 1990)
        XCTAssertEqual(result.birthdays["M3"]?.month, 2)
        XCTAssertEqual(result.birthdays["M3"]?.day, 29)
        XCTAssertNil(result.birthdays["M4"])
        XCTAssertEqual(result.errors.map(\.description), [
            "members.csv:6: birthday: `13-01` is not a birthday; write MM-DD or YYYY-MM-DD",
            "members.csv:7: member: `M1` is listed twice (first on line 2)",
            "members.csv:8: member: missing",
        ])
    }
}
