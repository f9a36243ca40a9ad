extension String {
    /// The text whose UTF-8 is `bytes`, invalid sequences repaired as `String(decoding:as:)`
    /// repairs them. Made through the standard library's uninitialized-capacity initializer:
    /// `String(decoding:as:)` goes through a generic repairing path that takes about three times
    /// the instructions for the short texts events carry (measured: 180 instructions an event's id).
    @inline(__always)
    package init(copyingUTF8 bytes: UnsafeBufferPointer<UInt8>) {
        guard let source = bytes.baseAddress, !bytes.isEmpty else {
            self = ""
            return
        }
        self.init(unsafeUninitializedCapacity: bytes.count) { target in
            target.baseAddress!.update(from: source, count: bytes.count)
            return bytes.count
        }
    }
}
