/// Short texts made from bytes again and again — an event file's categories, benefits, kinds of
/// violation — given again instead of made again: a string made from bytes is checked to be UTF-8
/// and built, which costs more than comparing the bytes with those of the texts kept. The last eight
/// texts of up to 16 bytes are kept, each with its bytes as two words; longer texts are made
/// every time.
package struct RecentTexts {
    /// Entry `i`'s bytes, zero-padded, in words `2i` and `2i + 1`, and how many there are (−1: empty).
    private var words = [UInt64](repeating: 0, count: 16)
    private var counts = [Int](repeating: -1, count: 8)
    private var texts = [String](repeating: "", count: 8)
    /// The entry the next new text replaces.
    private var next = 0

    package init() {}

    /// The text whose UTF-8 is `bytes` (repaired, as `String(decoding:as:)` does, when it is not UTF-8).
    package mutating func text(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        guard !bytes.isEmpty else { return "" }
        guard bytes.count <= 16 else { return String(decoding: bytes, as: UTF8.self) }
        var key: (UInt64, UInt64) = (0, 0)
        withUnsafeMutableBytes(of: &key) { $0.copyMemory(from: UnsafeRawBufferPointer(bytes)) }
        for entry in 0..<8 where counts[entry] == bytes.count && words[2 * entry] == key.0 && words[2 * entry + 1] == key.1 {
            return texts[entry]
        }
        let text = String(decoding: bytes, as: UTF8.self)
        (counts[next], words[2 * next], words[2 * next + 1], texts[next]) = (bytes.count, key.0, key.1, text)
        next = (next + 1) % 8
        return text
    }
}
