/// Short texts made from bytes again and again — an event file's categories, benefits, kinds of
/// violation — given again instead of made again: a string made from bytes is checked to be UTF-8
/// and built, which costs more than comparing the bytes with those of the texts kept. The last eight
/// texts of up to 16 bytes are kept, each with its bytes (`ShortBytes`); longer texts are made
/// every time.
package struct RecentTexts {
    /// Entry `i`'s bytes (nil: empty).
    private var keys = [ShortBytes?](repeating: nil, count: 8)
    private var texts = [String](repeating: "", count: 8)
    /// The entry the next new text replaces.
    private var next = 0

    package init() {}

    /// The text whose UTF-8 is `bytes` (repaired, as `String(decoding:as:)` does, when it is not UTF-8).
    package mutating func text(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        guard !bytes.isEmpty else { return "" }
        guard let key = ShortBytes(bytes) else { return String(decoding: bytes, as: UTF8.self) }
        for entry in 0..<8 where keys[entry] == key { return texts[entry] }
        let text = String(decoding: bytes, as: UTF8.self)
        (keys[next], texts[next]) = (key, text)
        next = (next + 1) % 8
        return text
    }
}

/// Up to 16 bytes held as two words and their count: compared in three comparisons, not byte by
/// byte (or through a string).
package struct ShortBytes: Equatable, Sendable {
    private let low: UInt64, high: UInt64, count: Int

    /// `bytes`, when there are at most 16.
    package init?(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard bytes.count <= 16 else { return nil }
        var words: (UInt64, UInt64) = (0, 0)
        if !bytes.isEmpty { withUnsafeMutableBytes(of: &words) { $0.copyMemory(from: UnsafeRawBufferPointer(bytes)) } }
        (low, high, count) = (words.0, words.1, bytes.count)
    }
}
