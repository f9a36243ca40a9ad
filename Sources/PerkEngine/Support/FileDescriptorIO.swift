import Foundation

/// Reads from a file descriptor until `buffer` is full or the input ends — a pipe (gzip's output)
/// gives less than asked for, and a signal may interrupt a read — straight into the caller's
/// memory (FileHandle read a few kilobytes a call, through a `Data` copied once more).
/// - Parameter offset: where in the file to start (`pread`, leaving the file's position alone);
///   nil: at its current position.
/// - Returns: the bytes read, and the error (`errno`) that stopped the reading, or 0.
package func readFully(_ descriptor: Int32, into buffer: UnsafeMutableBufferPointer<UInt8>, from offset: Int? = nil) -> (count: Int, error: Int32) {
    var count = 0
    while count < buffer.count {
        let start = buffer.baseAddress! + count, wanted = buffer.count - count
        let got = offset.map { pread(descriptor, start, wanted, off_t($0 + count)) } ?? read(descriptor, start, wanted)
        if got > 0 {
            count += got
        } else if got == 0 {
            break
        } else if errno != EINTR {
            return (count, errno)
        }
    }
    return (count, 0)
}

/// Writes all of `bytes` at `offset` in a file (`pwrite`), however many calls it takes.
/// - Returns: the error (`errno`) that stopped the writing, or 0.
package func writeFully(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer, at offset: Int) -> Int32 {
    var count = 0
    while count < bytes.count {
        let wrote = pwrite(descriptor, bytes.baseAddress! + count, bytes.count - count, off_t(offset + count))
        if wrote > 0 {
            count += wrote
        } else if wrote < 0, errno != EINTR {
            return errno
        } else if wrote == 0 {
            return EIO
        }
    }
    return 0
}
