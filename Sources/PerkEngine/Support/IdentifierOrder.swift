/// The positions `0..<count` in the order of their ids as strings (equal ids in position order).
/// Sorting a million ids as strings walks both strings' storage at every comparison; here an
/// id's first eight bytes, read once into an integer, decide most comparisons of ids in ASCII
/// (whose byte order is their order as strings), and only the rest read the ids again.
package func positionsInIDOrder(count: Int, id: (Int) -> String) -> [Int] {
    let keys = (0..<count).map { IDKey(id($0)) }
    return keys.indices.sorted { a, b in
        if keys[a].isASCII, keys[b].isASCII, keys[a].prefix != keys[b].prefix { return keys[a].prefix < keys[b].prefix }
        return id(a) < id(b)
    }
}

/// The positions of `ids` in the order of the ids as strings.
package func positionsInIDOrder(_ ids: [String]) -> [Int] { positionsInIDOrder(count: ids.count) { ids[$0] } }

/// What orders an id before reading it again: 16 bytes, so a million keys take 16 MB beside the
/// results they sort. Ids in ASCII whose first eight bytes differ are ordered by them; a shorter
/// id's padding zeros order it before a longer one it begins (a zero byte inside an id ties with
/// the padding, and the ids themselves then decide).
private struct IDKey {
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
        self.prefix = count == 0 ? 0 : prefix << (8 * UInt64(8 - count))
        self.isASCII = isASCII
    }
}
