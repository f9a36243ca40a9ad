#if canImport(Glibc)
import Glibc

/// glibc's `malloc_trim`, looked up at run time (it is not in the C headers Swift imports).
private let mallocTrim: (@convention(c) (Int) -> Int32)? = {
    guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") else { return nil }
    return unsafeBitCast(symbol, to: (@convention(c) (Int) -> Int32).self)
}()
#endif

/// Hands memory the process has freed back to the system (glibc keeps freed heap pages otherwise:
/// merging the partitions' results into one array would hold both at the peak). Not for memory
/// about to be allocated again, whose pages would only be faulted in anew. Elsewhere, nothing.
func returnFreedMemory() {
    #if canImport(Glibc)
    _ = mallocTrim?(0)
    #endif
}
