import Foundation

/// A half-open range of UTF-8 byte offsets into one source file.
///
/// Line and column are computed only when a diagnostic is rendered, from the file's line table.
public struct SourceSpan: Hashable, Sendable, Codable {
    public var start: Int
    public var end: Int

    public init(start: Int, end: Int) {
        self.start = start
        self.end = max(start, end)
    }

    /// The smallest span covering both.
    public func merged(with other: SourceSpan) -> SourceSpan {
        SourceSpan(start: min(start, other.start), end: max(end, other.end))
    }

    public static let empty = SourceSpan(start: 0, end: 0)
}

/// A 1-based line and column; the column counts Unicode scalars, as editors do.
public struct SourceLocation: Hashable, Sendable, Codable, CustomStringConvertible {
    public var line: Int
    public var column: Int

    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    public var description: String { "\(line):\(column)" }
}

/// A policy's text with its name (usually a path) and a table of line starts.
public struct SourceFile: Sendable {
    public let name: String
    public let text: String
    /// The text as UTF-8 bytes; spans index into this.
    public let bytes: [UInt8]
    /// Byte offset at which each line starts.
    private let lineStarts: [Int]

    public init(name: String, text: String) {
        self.name = name
        self.text = text
        self.bytes = Array(text.utf8)
        var starts = [0]
        for (offset, byte) in bytes.enumerated() where Self.endsLine(byte, before: offset + 1 < bytes.count ? bytes[offset + 1] : nil) {
            starts.append(offset + 1)
        }
        self.lineStarts = starts
    }

    /// Whether `byte`, followed by `next`, ends a line: LF, the LF of CRLF, or a lone CR (classic
    /// Mac line endings, which would otherwise make the whole file one line, or one comment).
    static func endsLine(_ byte: UInt8, before next: UInt8?) -> Bool {
        byte == UInt8(ascii: "\n") || (byte == UInt8(ascii: "\r") && next != UInt8(ascii: "\n"))
    }

    /// Reads a policy file, which must be UTF-8: a file in another encoding (GBK, say) is refused
    /// rather than read with its characters replaced, which `perk fmt` would then write back.
    public init(contentsOfFile path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SourceFileError.unreadable(path: path)
        }
        guard let text = String(data: data, encoding: .utf8) else {
            let lines = data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
            let bad = lines.firstIndex { String(data: Data($0), encoding: .utf8) == nil } ?? 0
            throw SourceFileError.notUTF8(path: path, line: bad + 1)
        }
        self.init(name: path, text: text)
    }

    /// The 0-based index of the line holding `offset`.
    public func lineIndex(of offset: Int) -> Int {
        var low = 0
        var high = lineStarts.count - 1
        while low < high {
            let mid = (low + high + 1) / 2
            if lineStarts[mid] <= offset { low = mid } else { high = mid - 1 }
        }
        return low
    }

    public func location(of offset: Int) -> SourceLocation {
        let clamped = min(max(offset, 0), bytes.count)
        let line = lineIndex(of: clamped)
        let prefix = bytes[lineStarts[line]..<clamped]
        let column = String(decoding: prefix, as: UTF8.self).unicodeScalars.count + 1
        return SourceLocation(line: line + 1, column: column)
    }

    /// The text of the 0-based line `index`, without its line break.
    public func lineText(_ index: Int) -> String {
        let start = lineStarts[index]
        var end = index + 1 < lineStarts.count ? lineStarts[index + 1] : bytes.count
        while end > start, bytes[end - 1] == UInt8(ascii: "\n") || bytes[end - 1] == UInt8(ascii: "\r") {
            end -= 1
        }
        return String(decoding: bytes[start..<end], as: UTF8.self)
    }

    public var lineCount: Int { lineStarts.count }

    /// The source text a span covers.
    public func text(of span: SourceSpan) -> String {
        let start = min(max(span.start, 0), bytes.count)
        let end = min(max(span.end, start), bytes.count)
        return bytes.withUnsafeBufferPointer { String(decoding: UnsafeBufferPointer(rebasing: $0[start..<end]), as: UTF8.self) }
    }
}

public enum SourceFileError: Error, CustomStringConvertible {
    case unreadable(path: String)
    case notUTF8(path: String, line: Int)

    public var description: String {
        switch self {
        case .unreadable(let path):
            return "cannot read `\(path)`: no such file, or permission denied"
        case .notUTF8(let path, let line):
            return "\(path):\(line): this file is not UTF-8 (GBK, perhaps?); convert it, e.g. `iconv -f GBK -t UTF-8`, and try again"
        }
    }
}
