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
