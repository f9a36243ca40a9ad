import Foundation

/// The temporary file partitions' records go to once they pass their threshold: one file for
/// all partitions, each partition's records in the extents appended for it. Made in the
/// temporary directory (`TMPDIR`) and unlinked at once, so nothing is left behind however the
/// process ends — finished, interrupted, killed — and its space is free again when the
/// descriptor closes. Appended to from one thread; read from several at once (positioned reads).
package final class SpillFile: @unchecked Sendable {
    private let descriptor: Int32
    /// Bytes appended so far: where the next extent starts.
    private var size = 0

    /// - Parameter directory: where to make it (the file is unlinked at once): by default the
    ///   temporary directory.
    package init(in directory: String = FileManager.default.temporaryDirectory.path) throws(MemberPartitions.SpillError) {
        var template = Array((directory + "/perk-spill-XXXXXX").utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard descriptor >= 0 else {
            throw MemberPartitions.SpillError("cannot make a temporary file in \(directory) (TMPDIR chooses where it goes): \(String(cString: strerror(errno)))")
        }
        unlink(template)
        self.descriptor = descriptor
    }

    deinit { close(descriptor) }

    /// Writes `bytes` after everything appended so far.
    /// - Returns: where they are in the file.
    package func append(_ bytes: [UInt8]) throws(MemberPartitions.SpillError) -> Range<Int> {
        let failure = bytes.withUnsafeBytes { writeFully(descriptor, $0, at: size) }
        guard failure == 0 else {
            throw MemberPartitions.SpillError("cannot write the temporary file (is the disk full? TMPDIR chooses where it goes): \(String(cString: strerror(failure)))")
        }
        defer { size += bytes.count }
        return size..<(size + bytes.count)
    }

    /// The bytes of `extents`, one after another.
    package func read(_ extents: [Range<Int>]) throws(MemberPartitions.SpillError) -> [UInt8] {
        let total = extents.reduce(0) { $0 + $1.count }
        var failure: Int32 = 0
        let bytes = [UInt8](unsafeUninitializedCapacity: total) { buffer, count in
            count = 0
            for extent in extents where failure == 0 {
                let got: Int
                (got, failure) = readFully(descriptor, into: UnsafeMutableBufferPointer(rebasing: buffer[count..<(count + extent.count)]), from: extent.lowerBound)
                count += got
                if failure == 0, got < extent.count { failure = EIO }
            }
        }
        guard failure == 0 else {
            throw MemberPartitions.SpillError("cannot read back the temporary file: \(String(cString: strerror(failure)))")
        }
        return bytes
    }
}
