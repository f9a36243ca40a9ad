/// A list whose first four elements are kept inline, and any beyond in an array. An event's
/// `let` values and the changes a refusal would undo are usually one or two: arrays for them were
/// allocated and freed for every event applied.
struct ShortList<Element> {
    private var inline = InlineArray<4, Element?>(repeating: nil)
    private var overflow: [Element] = []
    private(set) var count = 0

    subscript(index: Int) -> Element {
        get { index < 4 ? inline[index]! : overflow[index - 4] }
        set {
            precondition(index < count, "ShortList index out of range")
            if index < 4 { inline[index] = newValue } else { overflow[index - 4] = newValue }
        }
    }

    mutating func append(_ element: Element) {
        if count < 4 { inline[count] = element } else { overflow.append(element) }
        count += 1
    }

    /// The elements, last first.
    var reversed: some Sequence<Element> {
        (0..<count).reversed().lazy.map { self[$0] }
    }
}
