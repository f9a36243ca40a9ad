extension Array where Element: AnyObject {
    /// Calls `body` with element `index`, not retained for the call: for objects the array's
    /// owner keeps alive while it runs (a compiled policy's rules and window terms). Read from
    /// the array and called, an object's stored closures were retained and released around
    /// every call — atomic operations, several for every event a simulation applies.
    @inline(__always)
    func withUnretained<Result>(_ index: Int, _ body: (Element) throws -> Result) rethrows -> Result {
        try Unmanaged.passUnretained(self[index])._withUnsafeGuaranteedRef(body)
    }
}
