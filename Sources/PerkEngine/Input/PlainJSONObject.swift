/// A line of JSON Lines read without Foundation when it is plain, as exported rows are: one object
/// whose keys are strings and whose values are strings, numbers, `true`, `false` or `null`, with no
/// escape in any string and no exponent in any number. Anything else — an escape, a nested value,
/// an exponent, bytes that are not UTF-8, a line that is not JSON at all — is left to
/// Foundation's `JSONDecoder`, which reads any JSON and says what is wrong; a plain line gives the
/// same cells either way. (A key given twice is kept twice here, and the reader refuses the line:
/// `JSONDecoder` keeps one of them and says nothing.) Reading each line through `JSONDecoder` took five times as
/// long as reading the same rows as CSV (W2, 200,000 rows: 1.08 s against 0.21 s).
package enum PlainJSONObject {
    /// A member of a plain line: where its key's bytes are in the line (inside the quotes), and
    /// its value.
    package struct Member: Equatable {
        package var key: Range<Int>
        package var value: Value
    }

    /// A member's value as a cell: the range of its bytes in the line (a string's inside the
    /// quotes, a number or `true` or `false` as written), a number as `Decimal` writes it when it
    /// is written otherwise (`10.50` → `10.5`, `-0` → `0`), or `null`.
    package enum Value: Equatable {
        case bytes(Range<Int>)
        case rewritten([UInt8])
        case null
    }

    /// Reads `line` (one object, without the whitespace around it) into `members`, emptied first;
    /// false when the line is not plain.
    package static func scan(_ line: UnsafeBufferPointer<UInt8>, into members: inout [Member]) -> Bool {
        members.removeAll(keepingCapacity: true)
        var scanner = Scanner(line)
        return scanner.object(into: &members)
    }

    private struct Scanner {
        let bytes: UnsafeBufferPointer<UInt8>
        var index = 0

        init(_ bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

        /// The byte at the scanner (0 at the end, which no JSON token starts with).
        var current: UInt8 { index < bytes.count ? bytes[index] : 0 }

        mutating func object(into members: inout [Member]) -> Bool {
            guard current == UInt8(ascii: "{") else { return false }
            index += 1
            skipWhitespace()
            if current == UInt8(ascii: "}") {
                index += 1
                return index == bytes.count
            }
            while true {
                guard let key = string() else { return false }
                skipWhitespace()
                guard current == UInt8(ascii: ":") else { return false }
                index += 1
                skipWhitespace()
                guard let value = value() else { return false }
                members.append(Member(key: key, value: value))
                skipWhitespace()
                switch current {
                case UInt8(ascii: ","):
                    index += 1
                    skipWhitespace()
                case UInt8(ascii: "}"):
                    index += 1
                    return index == bytes.count
                default:
                    return false
                }
            }
        }

        /// A value; nil when it is not plain.
        mutating func value() -> Value? {
            switch current {
            case UInt8(ascii: "\""): return string().map { .bytes($0) }
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return number()
            case UInt8(ascii: "n"): return literal("null") ? .null : nil
            case UInt8(ascii: "t"), UInt8(ascii: "f"):
                let start = index
                return literal("true") || literal("false") ? .bytes(start..<index) : nil
            default: return nil
            }
        }

        /// Where a string's bytes are, inside its quotes: without escapes or control characters,
        /// in UTF-8.
        mutating func string() -> Range<Int>? {
            guard current == UInt8(ascii: "\"") else { return nil }
            index += 1
            let start = index
            var ascii = true
            while index < bytes.count, bytes[index] != UInt8(ascii: "\"") {
                let byte = bytes[index]
                if byte == UInt8(ascii: "\\") || byte < 0x20 { return nil }
                if byte >= 0x80 { ascii = false }
                index += 1
            }
            guard index < bytes.count else { return nil }
            let range = start..<index
            index += 1
            if !ascii, String(validating: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self) == nil { return nil }
            return range
        }

        /// A number without an exponent, as `Decimal` writes it: the fraction's trailing zeros
        /// dropped, zero unsigned. Its digits are all kept, however many (`Decimal` keeps 38).
        mutating func number() -> Value? {
            let start = index
            let negative = current == UInt8(ascii: "-")
            if negative { index += 1 }
            let wholeStart = index
            if current == UInt8(ascii: "0") {
                index += 1
            } else {
                guard (UInt8(ascii: "1")...UInt8(ascii: "9")).contains(current) else { return nil }
                skipDigits()
            }
            let whole = wholeStart..<index
            var fraction = index..<index
            if current == UInt8(ascii: ".") {
                index += 1
                let fractionStart = index
                skipDigits()
                guard index > fractionStart else { return nil }
                var end = index
                while end > fractionStart && bytes[end - 1] == UInt8(ascii: "0") { end -= 1 }
                fraction = fractionStart..<end
            }
            // Leading zeros and exponents are for JSONDecoder (which refuses the one, and reads
            // the other).
            if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(current) {
                return nil
            }
            let isZero = whole.allSatisfy { bytes[$0] == UInt8(ascii: "0") } && fraction.isEmpty
            // As written, unless a sign, a point or zeros are dropped.
            if (!negative || !isZero) && (fraction.isEmpty ? whole.upperBound : fraction.upperBound) == index {
                return .bytes(start..<index)
            }
            var text: [UInt8] = negative && !isZero ? [UInt8(ascii: "-")] : []
            text += UnsafeBufferPointer(rebasing: bytes[whole])
            if !fraction.isEmpty { text += [UInt8(ascii: ".")] + UnsafeBufferPointer(rebasing: bytes[fraction]) }
            return .rewritten(text)
        }

        mutating func skipDigits() {
            while (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(current) { index += 1 }
        }

        mutating func literal(_ word: StaticString) -> Bool {
            let count = word.utf8CodeUnitCount
            guard index + count <= bytes.count,
                  word.withUTF8Buffer({ $0.elementsEqual(UnsafeBufferPointer(rebasing: bytes[index..<(index + count)])) }) else { return false }
            index += count
            return true
        }

        mutating func skipWhitespace() {
            while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x09 || bytes[index] == 0x0A || bytes[index] == 0x0D { index += 1 }
        }
    }
}
