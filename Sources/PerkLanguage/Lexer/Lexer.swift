import Foundation

/// Turns source text into tokens and comments, reporting characters it cannot use.
///
/// The lexer never stops early: a bad character is reported and skipped, an unterminated string
/// ends at the line break, so the parser always sees the whole file.
public struct Lexer {
    private let file: SourceFile
    private let bytes: [UInt8]
    private var offset = 0
    private var sawLineBreak = true
    public private(set) var tokens: [Token] = []
    public private(set) var comments: [Comment] = []
    public private(set) var diagnostics: [Diagnostic] = []

    /// Lexes the whole file.
    public static func tokenize(_ file: SourceFile) -> (tokens: [Token], comments: [Comment], diagnostics: [Diagnostic]) {
        var lexer = Lexer(file: file)
        lexer.run()
        return (lexer.tokens, lexer.comments, lexer.diagnostics)
    }

    private init(file: SourceFile) {
        self.file = file
        self.bytes = file.bytes
    }

    private mutating func run() {
        while true {
            skipSpaceAndComments()
            guard offset < bytes.count else { break }
            lexToken()
        }
        tokens.append(Token(kind: .endOfFile, span: SourceSpan(start: bytes.count, end: bytes.count), text: "", startsLine: true))
    }

    // MARK: Characters

    private func byte(at index: Int) -> UInt8? { index < bytes.count ? bytes[index] : nil }

    /// Decodes the Unicode scalar starting at `index` and its length in bytes.
    private func scalar(at index: Int) -> (Unicode.Scalar, Int) {
        let lead = bytes[index]
        let length = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4
        var value = length == 1 ? UInt32(lead) : UInt32(lead) & (0xFF >> (length + 1))
        for i in 1..<length where index + i < bytes.count {
            value = value << 6 | UInt32(bytes[index + i] & 0x3F)
        }
        return (Unicode.Scalar(value) ?? "\u{FFFD}", min(length, bytes.count - index))
    }

    private static func isDigit(_ b: UInt8?) -> Bool { b.map { $0 >= 48 && $0 <= 57 } ?? false }

    /// LF, or CR: of CRLF, or alone (classic Mac line endings), as `SourceFile`'s lines end.
    private static func isLineBreak(_ b: UInt8) -> Bool { b == UInt8(ascii: "\n") || b == UInt8(ascii: "\r") }

    private func isNameStart(at index: Int) -> Bool {
        guard index < bytes.count else { return false }
        let b = bytes[index]
        if b < 0x80 { return (b >= 65 && b <= 90) || (b >= 97 && b <= 122) || b == 95 }
        let (s, _) = scalar(at: index)
        return s.properties.isAlphabetic && !Self.isCombiningMark(s) && !Self.symbolScalars.keys.contains(s)
    }

    /// After the first character a name may also hold digits and combining marks: the accent of
    /// a decomposed `é` (e + U+0301), the virama and vowel signs of Indic names (`सामान्य`).
    private func isNameContinue(at index: Int) -> Bool {
        guard index < bytes.count else { return false }
        if isNameStart(at: index) || Self.isDigit(bytes[index]) { return true }
        guard bytes[index] >= 0x80 else { return false }
        let (s, _) = scalar(at: index)
        return s.properties.numericType != nil || Self.isCombiningMark(s)
    }

    private static func isCombiningMark(_ s: Unicode.Scalar) -> Bool {
        s.properties.generalCategory == .nonspacingMark || s.properties.generalCategory == .spacingMark
    }

    /// Operators that have a Unicode spelling, mapped to their ASCII form.
    private static let symbolScalars: [Unicode.Scalar: Symbol] = [
        "×": .times, "÷": .divide, "≤": .lessEqual, "≥": .greaterEqual, "≠": .notEqual,
    ]

    // MARK: Skipping

    private mutating func skipSpaceAndComments() {
        while offset < bytes.count {
            switch bytes[offset] {
            case UInt8(ascii: "\n"), UInt8(ascii: "\r"):
                sawLineBreak = true
                offset += 1
            case UInt8(ascii: " "), UInt8(ascii: "\t"):
                offset += 1
            case UInt8(ascii: "#"):
                skipComment()
            case UInt8(ascii: "/") where byte(at: offset + 1) == UInt8(ascii: "/"):
                skipComment()
            case 0xEF where byte(at: offset + 1) == 0xBB && byte(at: offset + 2) == 0xBF:
                offset += 3  // a byte-order mark
            case 0xC2 where byte(at: offset + 1) == 0xA0:
                offset += 2  // a no-break space
            case 0xE3 where byte(at: offset + 1) == 0x80 && byte(at: offset + 2) == 0x80:
                offset += 3  // an ideographic space
            default:
                return
            }
        }
    }

    private mutating func skipComment() {
        let start = offset
        while offset < bytes.count, !Self.isLineBreak(bytes[offset]) { offset += 1 }
        var end = offset
        while end > start, bytes[end - 1] == UInt8(ascii: " ") { end -= 1 }
        let span = SourceSpan(start: start, end: end)
        comments.append(Comment(span: span, text: file.text(of: span)))
    }

    // MARK: Tokens

    private mutating func emit(_ kind: TokenKind, from start: Int, text: String? = nil) {
        let span = SourceSpan(start: start, end: offset)
        tokens.append(Token(kind: kind, span: span, text: text ?? file.text(of: span), startsLine: sawLineBreak))
        sawLineBreak = false
    }

    private mutating func lexToken() {
        let start = offset
        let b = bytes[offset]
        if Self.isDigit(b) { return lexNumber() }
        if b == UInt8(ascii: "\"") { return lexString() }
        if isNameStart(at: offset) {
            while offset < bytes.count, isNameContinue(at: offset) {
                offset += bytes[offset] < 0x80 ? 1 : scalar(at: offset).1
            }
            // A name is its NFC form, wherever it is compared or printed: `café` typed composed
            // or decomposed (as macOS and some editors write it) is one name.
            // (ASCII is its own NFC form: only other names go through Foundation.)
            let written = file.text(of: SourceSpan(start: start, end: offset))
            let text = bytes[start..<offset].allSatisfy { $0 < 0x80 } ? written : written.precomposedStringWithCanonicalMapping
            if let word = ReservedWord.byWord[text] { return emit(.reserved(word), from: start, text: text) }
            return emit(.name, from: start, text: text)
        }
        if b >= 0x80 {
            let (s, length) = scalar(at: offset)
            offset += length
            if let symbol = Self.symbolScalars[s] { return emit(.symbol(symbol), from: start, text: symbol.rawValue) }
            if s == "¥" || s == "￥" {
                guard Self.isDigit(byte(at: offset)) else {
                    return report(start, "expected an amount after `\(s)`", code: .malformedMoney, help: "write money as `¥10` or `10 CNY`")
                }
                let digits = scanDigits()
                return emit(.money, from: start, text: digits)
            }
            // Look-alikes typed with a Chinese input method or pasted from a word processor are
            // reported, then read as what they stand for, so one slip gives one error.
            if let (symbol, plain) = Self.lookAlikes[s] {
                report(start, "unexpected character `\(s)`", code: .unexpectedCharacter, help: "use a plain `\(plain)`")
                return emit(.symbol(symbol), from: start, text: symbol.rawValue)
            }
            if s == "“" || s == "”" {
                report(start, "unexpected character `\(s)`", code: .unexpectedCharacter, help: "use plain `\"` quotes")
                return lexString(from: start, opened: offset)
            }
            return report(start, "unexpected character `\(s)`", code: .unexpectedCharacter, help: nil)
        }
        offset += 1
        let next = byte(at: offset)
        let symbol: Symbol?
        switch b {
        case UInt8(ascii: "("): symbol = .leftParen
        case UInt8(ascii: ")"): symbol = .rightParen
        case UInt8(ascii: "{"): symbol = .leftBrace
        case UInt8(ascii: "}"): symbol = .rightBrace
        case UInt8(ascii: "["): symbol = .leftBracket
        case UInt8(ascii: "]"): symbol = .rightBracket
        case UInt8(ascii: ","): symbol = .comma
        case UInt8(ascii: ":"): symbol = .colon
        case UInt8(ascii: "."): symbol = .dot
        case UInt8(ascii: "+"): symbol = .plus
        case UInt8(ascii: "-"): symbol = .minus
        case UInt8(ascii: "*"): symbol = .times
        case UInt8(ascii: "/") where next != UInt8(ascii: "*"): symbol = .divide
        case UInt8(ascii: "="):
            if next == UInt8(ascii: "=") { offset += 1; symbol = .equal } else { symbol = .assign }
        case UInt8(ascii: "!"):
            if next == UInt8(ascii: "=") { offset += 1; symbol = .notEqual } else {
                return report(start, "unexpected character `!`", code: .unexpectedCharacter, help: "write `not` for negation and `!=` for inequality")
            }
        case UInt8(ascii: "<"):
            if next == UInt8(ascii: "=") { offset += 1; symbol = .lessEqual } else { symbol = .less }
        case UInt8(ascii: ">"):
            if next == UInt8(ascii: "=") { offset += 1; symbol = .greaterEqual } else { symbol = .greater }
        case UInt8(ascii: "&"), UInt8(ascii: "|"):
            let word: ReservedWord = b == UInt8(ascii: "&") ? .and : .or
            if next == b { offset += 1 }
            report(start, "unexpected `\(file.text(of: SourceSpan(start: start, end: offset)))`", code: .unexpectedCharacter, help: "write `\(word.rawValue)`")
            return emit(.reserved(word), from: start, text: word.rawValue)
        case UInt8(ascii: "/") where next == UInt8(ascii: "*"):
            while offset < bytes.count, !(bytes[offset] == UInt8(ascii: "*") && byte(at: offset + 1) == UInt8(ascii: "/")) { offset += 1 }
            offset = min(offset + 2, bytes.count)
            return report(start, "`/* ... */` is not a comment in Perk", code: .unexpectedCharacter,
                          help: "start each comment line with `#` or `//`", end: start + 2)
        case UInt8(ascii: "%"):
            return report(start, "a percentage needs a number right before `%`", code: .unexpectedCharacter, help: "write `5%`, with no space; for a remainder write `mod`")
        default:
            symbol = nil
        }
        guard let symbol else {
            let character = file.text(of: SourceSpan(start: start, end: offset))
            return report(start, "unexpected character `\(character)`", code: .unexpectedCharacter, help: nil)
        }
        emit(.symbol(symbol), from: start)
    }

    /// Full-width punctuation and the ASCII symbol it stands for.
    private static let lookAlikes: [Unicode.Scalar: (Symbol, String)] = [
        "：": (.colon, ":"), "，": (.comma, ","), "（": (.leftParen, "("), "）": (.rightParen, ")"),
        "【": (.leftBracket, "["), "】": (.rightBracket, "]"), "＝": (.assign, "="),
    ]

    private mutating func report(_ start: Int, _ message: String, code: DiagnosticCode, help: String?, end: Int? = nil) {
        diagnostics.append(Diagnostic(.error, code: code, message, at: SourceSpan(start: start, end: end ?? max(offset, start + 1)), help: help))
    }

    /// Scans `12`, `5,000`, `5,000.50`; returns the digits without separators.
    private mutating func scanDigits() -> String {
        var digits: [UInt8] = []
        let start = offset
        while Self.isDigit(byte(at: offset)) {
            digits.append(bytes[offset])
            offset += 1
        }
        // Thousands groups: a comma with exactly three digits right after it (and no fourth).
        let groupLength = offset - start
        var grouped = false
        while byte(at: offset) == UInt8(ascii: ","),
            Self.isDigit(byte(at: offset + 1)), Self.isDigit(byte(at: offset + 2)), Self.isDigit(byte(at: offset + 3)),
            !Self.isDigit(byte(at: offset + 4))
        {
            digits += bytes[offset + 1...offset + 3]
            if groupLength > 3 && !grouped {
                diagnostics.append(Diagnostic(
                    .error, code: .malformedNumber, "digits are grouped in threes", at: SourceSpan(start: start, end: offset + 4),
                    help: "write `\(Self.grouped(String(decoding: digits, as: UTF8.self)))`, or no commas at all"))
            }
            grouped = true
            offset += 4
        }
        // `20,0000` (grouped by ten thousands, as 万 is): one misgrouped number, not two.
        if byte(at: offset) == UInt8(ascii: ","), (1...4).allSatisfy({ Self.isDigit(byte(at: offset + $0)) }) {
            offset += 1
            while Self.isDigit(byte(at: offset)) {
                digits.append(bytes[offset])
                offset += 1
            }
            diagnostics.append(Diagnostic(
                .error, code: .malformedNumber, "digits are grouped in threes", at: SourceSpan(start: start, end: offset),
                help: "write `\(Self.grouped(String(decoding: digits, as: UTF8.self)))`, or no commas at all"))
        }
        if byte(at: offset) == UInt8(ascii: "."), Self.isDigit(byte(at: offset + 1)) {
            digits.append(UInt8(ascii: "."))
            offset += 1
            while Self.isDigit(byte(at: offset)) {
                digits.append(bytes[offset])
                offset += 1
            }
        }
        return String(decoding: digits, as: UTF8.self)
    }

    /// `1000000` as `1,000,000`.
    static func grouped(_ digits: String) -> String {
        var out = ""
        for (index, digit) in digits.reversed().enumerated() {
            if index > 0 && index % 3 == 0 { out.append(",") }
            out.append(digit)
        }
        return String(out.reversed())
    }

    private mutating func lexNumber() {
        let start = offset
        if isDate(at: offset) {
            offset += 10
            return emit(.date, from: start)
        }
        let digits = scanDigits()
        if byte(at: offset) == UInt8(ascii: "%") {
            offset += 1
            return emit(.percent, from: start, text: digits)
        }
        let suffixStart = offset
        if digits.utf8.count == offset - start, !digits.contains(".") {  // a plain integer
            for suffix in ["st", "nd", "rd", "th"] where matches(suffix, at: suffixStart) && !isNameContinue(at: suffixStart + 2) {
                offset += 2
                return emit(.ordinal, from: start, text: digits)
            }
        }
        emit(.number, from: start, text: digits)
    }

    private func matches(_ word: String, at index: Int) -> Bool {
        let w = Array(word.utf8)
        guard index + w.count <= bytes.count else { return false }
        return bytes[index..<index + w.count].elementsEqual(w)
    }

    private func isDate(at index: Int) -> Bool {
        guard index + 10 <= bytes.count else { return false }
        for i in 0..<10 {
            let isDash = i == 4 || i == 7
            if isDash ? bytes[index + i] != UInt8(ascii: "-") : !Self.isDigit(bytes[index + i]) { return false }
        }
        return !Self.isDigit(byte(at: index + 10))
    }

    private mutating func lexString() {
        let start = offset
        lexString(from: start, opened: offset + 1)
    }

    /// A string whose opening quote spans `start..<opened`; it ends at `"` (or `”`).
    private mutating func lexString(from start: Int, opened: Int) {
        offset = opened
        var value = ""
        var segmentStart = offset
        func flush(_ lexer: inout Lexer) {
            value += lexer.file.text(of: SourceSpan(start: segmentStart, end: lexer.offset))
        }
        while true {
            guard offset < bytes.count, !Self.isLineBreak(bytes[offset]) else {
                flush(&self)
                diagnostics.append(Diagnostic(
                    .error, code: .unterminatedString, "this string has no closing `\"`",
                    at: SourceSpan(start: start, end: offset), help: "close it with `\"` on the same line"))
                return emit(.string, from: start, text: value)
            }
            let b = bytes[offset]
            if b == UInt8(ascii: "\"") {
                flush(&self)
                offset += 1
                return emit(.string, from: start, text: value)
            }
            if b == 0xE2, byte(at: offset + 1) == 0x80, byte(at: offset + 2) == 0x9D {  // ”
                flush(&self)
                if bytes[start] == UInt8(ascii: "\"") {
                    report(offset, "unexpected character `”`", code: .unexpectedCharacter, help: "use plain `\"` quotes", end: offset + 3)
                }
                offset += 3
                return emit(.string, from: start, text: value)
            }
            if b == UInt8(ascii: "\\") {
                flush(&self)
                let escapeStart = offset
                offset += 1
                switch byte(at: offset) {
                case UInt8(ascii: "\""): value += "\""
                case UInt8(ascii: "\\"): value += "\\"
                case UInt8(ascii: "n"): value += "\n"
                case UInt8(ascii: "t"): value += "\t"
                default:
                    diagnostics.append(Diagnostic(
                        .error, code: .unknownEscape, "unknown escape in a string",
                        at: SourceSpan(start: escapeStart, end: min(offset + 1, bytes.count)),
                        help: "the escapes are `\\\"`, `\\\\`, `\\n` and `\\t`"))
                    offset -= 1
                }
                offset += 1
                segmentStart = offset
                continue
            }
            offset += b < 0x80 ? 1 : scalar(at: offset).1
        }
    }
}
