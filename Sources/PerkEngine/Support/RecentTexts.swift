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

    /// `bytes`, when there are at most 16. The words are loaded from the bytes as overlapping
    /// words and shifted into place: copied into two words in memory and read back, each read
    /// waited for the bytes' stores to complete (perf: nearly half of giving a text again).
    package init?(_ bytes: UnsafeBufferPointer<UInt8>) {
        let count = bytes.count
        guard count <= 16 else { return nil }
        guard count > 0, let base = bytes.baseAddress else {
            (low, high, self.count) = (0, 0, 0)
            return
        }
        let raw = UnsafeRawPointer(base)
        switch count {
        case 8...:
            // Bytes 8..<count are the last word's top `count - 8` bytes (none when count is 8:
            // a shift by 64 bits gives 0).
            let last = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self))
            (low, high) = (UInt64(littleEndian: raw.loadUnaligned(as: UInt64.self)), last >> (8 * (16 - count)))
        case 4...:
            // Two four-byte words that overlap in the middle, where their bytes are the same.
            let first = UInt64(UInt32(littleEndian: raw.loadUnaligned(as: UInt32.self)))
            let last = UInt64(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: count - 4, as: UInt32.self)))
            (low, high) = (first | last << (8 * (count - 4)), 0)
        default:
            (low, high) = (UInt64(bytes[0]) | UInt64(bytes[count / 2]) << (8 * (count / 2)) | UInt64(bytes[count - 1]) << (8 * (count - 1)), 0)
        }
        self.count = count
    }
}
