import Foundation

/// Splits CSV text (RFC 4180: quoted cells, `""` for a quote, line breaks inside quotes, CRLF or
/// LF) into rows of cells, one row at a time, remembering each row's line number for messages.
///
/// Works on bytes and validates UTF-8 per row, so one badly encoded row is reported as such
/// instead of corrupting the rest of the file.
public struct CSVReader: Sendable {
    /// One row: its cells and the 1-based line it starts on.
    public struct Row: Sendable, Equatable {
        public var cells: [String]
        public var line: Int
    }

    /// Why a row could not be read.
    public enum Problem: Error, Equatable, Sendable {
        case invalidUTF8(line: Int)
        case unterminatedQuote(line: Int)
        case textAfterQuote(line: Int)

        /// The line the row starts on.
        public var line: Int {
            switch self {
            case .invalidUTF8(let line), .unterminatedQuote(let line), .textAfterQuote(let line): return line
            }
        }

        /// What is wrong and how to fix it.
        public var reason: String {
            switch self {
            case .invalidUTF8: return "it is not valid UTF-8; save the file as UTF-8"
            case .unterminatedQuote: return "a quoted cell is never closed; close it with `\"`"
            case .textAfterQuote: return "there is text after a quoted cell; write a quote inside a cell as `\"\"`"
            }
        }
    }

    private let bytes: [UInt8]
    private var offset = 0
    private var line = 1
    /// The most cells a row has had (rows are read into arrays of that capacity).
    private var columnsSeen = 4

    /// - Parameter firstLine: the line number of the first byte (a part of a larger file).
    public init(_ bytes: [UInt8], firstLine: Int = 1) {
        line = firstLine
        // Without a byte-order mark the caller's bytes are shared, not copied.
        self.bytes = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? Array(bytes.dropFirst(3)) : bytes
    }

    /// The next row, nil at the end, or the problem with it (reading then goes on after it).
    public mutating func next() -> Result<Row, Problem>? {
        guard offset < bytes.count else { return nil }
        let rowLine = line
        var cells: [String] = []
        cells.reserveCapacity(columnsSeen)
        defer { columnsSeen = max(columnsSeen, cells.count) }
        var cell: [UInt8] = []
        cell.reserveCapacity(32)
        var problem: Problem?
        while true {
            if offset >= bytes.count {
                cells.append(decode(cell, &problem, rowLine))
                break
            }
            let byte = bytes[offset]
            if byte == UInt8(ascii: "\"") && cell.isEmpty {
                offset += 1
                var closed = false
                while offset < bytes.count {
                    let b = bytes[offset]
                    offset += 1
                    if b == UInt8(ascii: "\"") {
                        if offset < bytes.count && bytes[offset] == UInt8(ascii: "\"") {
                            cell.append(b)
                            offset += 1
                            continue
                        }
                        closed = true
                        break
                    }
                    if b == UInt8(ascii: "\n") { line += 1 }
                    cell.append(b)
                }
                if !closed { problem = problem ?? .unterminatedQuote(line: rowLine) }
                if offset < bytes.count, ![UInt8(ascii: ","), UInt8(ascii: "\n"), UInt8(ascii: "\r")].contains(bytes[offset]) {
                    problem = problem ?? .textAfterQuote(line: rowLine)
                    while offset < bytes.count, bytes[offset] != UInt8(ascii: ","), bytes[offset] != UInt8(ascii: "\n") {
                        offset += 1
                    }
                }
                continue
            }
            offset += 1
            switch byte {
            case UInt8(ascii: ","):
                cells.append(decode(cell, &problem, rowLine))
                cell.removeAll(keepingCapacity: true)
            case UInt8(ascii: "\n"):
                line += 1
                cells.append(decode(cell, &problem, rowLine))
                return problem.map { .failure($0) } ?? .success(Row(cells: cells, line: rowLine))
            case UInt8(ascii: "\r") where offset < bytes.count && bytes[offset] == UInt8(ascii: "\n"):
                continue
            default:
                cell.append(byte)
            }
        }
        return problem.map { .failure($0) } ?? .success(Row(cells: cells, line: rowLine))
    }

    private func decode(_ cell: [UInt8], _ problem: inout Problem?, _ rowLine: Int) -> String {
        guard let text = String(validating: cell, as: UTF8.self) else {
            problem = problem ?? .invalidUTF8(line: rowLine)
            return ""
        }
        return text
    }
}
