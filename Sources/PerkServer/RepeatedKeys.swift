import Foundation

/// Keys given twice in one object of a request's JSON. `JSONDecoder` keeps one of the two values
/// and says nothing, so a client's mistake (`"amount": "100", …, "amount": "99999"`) would be
/// served as if one value were meant; the event files' reader refuses such a row, and the service
/// does too. Reads only what tells keys apart — strings, brackets, colons and commas — in a text
/// `JSONDecoder` has accepted, so it needs no JSON parser of its own.
enum RepeatedKeys {
    /// Where the first key given twice is: the object holding it, as a path (`event`,
    /// `events[2]`, `member.lots[0]`; empty for the body itself), and the key. Nil when no key is.
    static func first(in json: [UInt8]) -> (object: String, key: String)? {
        // Each object or array the scan is inside, outermost first.
        var levels: [Level] = []
        var index = 0
        while index < json.count {
            switch json[index] {
            case UInt8(ascii: "{"): levels.append(.object(keys: [], current: nil))
            case UInt8(ascii: "["): levels.append(.array(index: 0))
            case UInt8(ascii: "}"), UInt8(ascii: "]"): _ = levels.popLast()
            case UInt8(ascii: ","):
                switch levels.last {
                case .object(let keys, _): levels[levels.count - 1] = .object(keys: keys, current: nil)
                case .array(let position): levels[levels.count - 1] = .array(index: position + 1)
                case nil: break
                }
            case UInt8(ascii: "\""):
                let start = index
                index += 1
                while index < json.count, json[index] != UInt8(ascii: "\"") { index += json[index] == UInt8(ascii: "\\") ? 2 : 1 }
                // A string where an object expects a key is one.
                guard case .object(var keys, nil) = levels.last else { break }
                let key = text(json[start..<min(index + 1, json.count)])
                guard keys.insert(key).inserted else { return (path(levels.dropLast()), key) }
                levels[levels.count - 1] = .object(keys: keys, current: key)
            default: break
            }
            index += 1
        }
        return nil
    }

    /// An object the scan is inside, with its keys so far and the key whose value is being read
    /// (nil until the next key), or an array, with the index of the value being read.
    private enum Level {
        case object(keys: Set<String>, current: String?)
        case array(index: Int)
    }

    /// Where the innermost of `levels` is, as a path: `events[2].fields`.
    private static func path(_ levels: ArraySlice<Level>) -> String {
        let path = levels.map { level in
            switch level {
            case .object(_, let key): return "." + (key ?? "")
            case .array(let position): return "[\(position)]"
            }
        }.joined()
        return path.hasPrefix(".") ? String(path.dropFirst()) : path
    }

    /// A JSON string's text, its quotes included in `quoted`: escapes read as JSON reads them
    /// (`"\u0061"` is the key `a`).
    private static func text(_ quoted: ArraySlice<UInt8>) -> String {
        guard quoted.contains(UInt8(ascii: "\\")) else { return String(decoding: quoted.dropFirst().dropLast(), as: UTF8.self) }
        return (try? JSONDecoder().decode(String.self, from: Data(quoted))) ?? String(decoding: quoted, as: UTF8.self)
    }
}
