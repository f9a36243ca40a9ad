/// A list whose first four elements are kept inline, and any beyond in an array. An event's
/// `let` values and the changes a refusal would undo are usually one or two: arrays for them were
/// allocated and freed for every event applied. The four are separate properties rather than an
/// `InlineArray`: reading one element of an `InlineArray` held in a struct copied all four.
/// Appending and setting are inlined where they are used: an element (a change to undo, with its
/// numbers) was passed to them through memory and copied on from there.
struct ShortList<Element> {
    private var first: Element?
    private var second: Element?
    private var third: Element?
    private var fourth: Element?
    private var overflow: [Element] = []
    private(set) var count = 0

    subscript(index: Int) -> Element {
        get {
            switch index {
            case 0: return first!
            case 1: return second!
            case 2: return third!
            case 3: return fourth!
            default: return overflow[index - 4]
            }
        }
        set {
            precondition(index < count, "ShortList index out of range")
            switch index {
            case 0: first = newValue
            case 1: second = newValue
            case 2: third = newValue
            case 3: fourth = newValue
            default: overflow[index - 4] = newValue
            }
        }
    }

    /// Sets element `index`, appending `filler` up to it when the list is shorter.
    @inline(__always)
    mutating func set(_ index: Int, to element: Element, filler: Element) {
        if index < count {
            self[index] = element
            return
        }
        while count < index { append(filler) }
        append(element)
    }

    @inline(__always)
    mutating func append(_ element: Element) {
        switch count {
        case 0: first = element
        case 1: second = element
        case 2: third = element
        case 3: fourth = element
        default: overflow.append(element)
        }
        count += 1
    }

    /// Empties the list (nothing to do when it is empty already, as it usually is).
    mutating func removeAll() {
        guard count > 0 else { return }
        (first, second, third, fourth) = (nil, nil, nil, nil)
        overflow.removeAll()
        count = 0
    }

    /// The elements, last first.
    var reversed: some Sequence<Element> {
        (0..<count).reversed().lazy.map { self[$0] }
    }
}
