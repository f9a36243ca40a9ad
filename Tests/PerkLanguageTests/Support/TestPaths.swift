import Foundation

/// Paths of the repository's test data, found from this file's location.
enum TestPaths {
    static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let golden = packageRoot.appendingPathComponent("Tests/Golden")
    static let policies = packageRoot.appendingPathComponent("policies")

    /// Every `.perk` file under `directory`, sorted, as paths relative to `base`.
    static func perkFiles(under directory: URL) -> [URL] {
        let enumerator = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: nil)
        let files = (enumerator?.allObjects as? [URL] ?? []).filter { $0.pathExtension == "perk" }
        return files.sorted { $0.path < $1.path }
    }

    static func relative(_ url: URL, to base: URL) -> String {
        String(url.standardizedFileURL.path.dropFirst(base.standardizedFileURL.path.count + 1))
    }

    /// The directory holding the built products (`perk` among them).
    static var productsDirectory: URL {
        for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
            return bundle.bundleURL.deletingLastPathComponent()
        }
        return packageRoot.appendingPathComponent(".build/debug")
    }
}
