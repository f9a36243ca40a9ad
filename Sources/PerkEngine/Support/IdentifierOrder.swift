/// The positions of `ids` in the order of the ids as strings (equal ids in position order).
/// Sorting a million ids as strings walks both strings' storage at every comparison; here an
/// id's first eight bytes, read once into an integer, decide most comparisons of ids in ASCII
/// (whose byte order is their order as strings), and the rest are compared as strings.
package func positionsInIDOrder(_ ids: [String]) -> [Int] {
    let keys = ids.map(IDKey.init)
    return keys.indices.sorted { IDKey.precedes(keys[$0], keys[$1]) }
}

private struct IDKey {
    let id: String
    /// The first eight UTF-8 bytes, big-endian, zero-padded: ordered as the bytes are.
    let prefix: UInt64
    let isASCII: Bool

    init(_ id: String) {
        var prefix: UInt64 = 0, count = 0, isASCII = true
        for byte in id.utf8 {
            if count < 8 {
                prefix = prefix << 8 | UInt64(byte)
                count += 1
            }
            if byte >= 0x80 { isASCII = false }
        }
        self.id = id
        self.prefix = count == 0 ? 0 : prefix << (8 * UInt64(8 - count))
        self.isASCII = isASCII
    }

    /// `a.id < b.id`. Ids in ASCII whose first eight bytes differ are ordered by them; a
    /// shorter id's padding zeros order it before a longer one it begins (a zero byte inside
    /// an id ties with the padding, and the strings then decide).
    static func precedes(_ a: IDKey, _ b: IDKey) -> Bool {
        if a.isASCII, b.isASCII, a.prefix != b.prefix { return a.prefix < b.prefix }
        return a.id < b.id
    }
}
