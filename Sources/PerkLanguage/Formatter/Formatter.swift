/// Prints a policy in canonical form: one declaration or statement per line, two-space
/// indentation, single spaces around operators, at most one blank line in a row, and every
/// comment kept where it was (above the line it preceded, or at the end of its line).
///
/// Formatting is idempotent, and the result parses to the same syntax tree.
public struct Formatter {
    private let file: SourceFile
    private let comments: [Comment]
    private var nextComment = 0
    private var output: [String] = []
    /// The trailing comment of each output line, aligned when the file is finished.
    private var trailing: [Int: String] = [:]
    /// The source line (0-based) of the last thing printed, to keep the author's blank lines.
    private var lastSourceLine: Int?

    /// Formats a file; nil when it has syntax errors (formatting never guesses).
    public static func format(_ file: SourceFile) -> String? {
        let parsed = Parser.parse(file)
        guard !parsed.diagnostics.hasErrors else { return nil }
        return format(parsed.policy, comments: parsed.comments, file: file)
    }

    /// Formats a parsed tree, placing `comments` by their positions in `file`.
    public static func format(_ policy: Policy, comments: [Comment], file: SourceFile) -> String {
        var formatter = Formatter(file: file, comments: comments)
        for declaration in policy.declarations {
            formatter.declaration(declaration)
        }
        formatter.flushComments(before: Int.max, indent: 0)
        return formatter.linesWithAlignedComments().joined(separator: "\n") + "\n"
    }

    private init(file: SourceFile, comments: [Comment]) {
        self.file = file
        self.comments = comments
    }

    // MARK: Lines and comments

    private func line(of offset: Int) -> Int { file.lineIndex(of: min(offset, file.bytes.count)) }

    /// Keeps one blank line where the source had at least one, except at the start of a block.
    private mutating func separate(from sourceLine: Int) {
        if let last = lastSourceLine, sourceLine > last + 1, let previous = output.last, !previous.hasSuffix("{") {
            output.append("")
        }
    }

    private mutating func flushComments(before offset: Int, indent: Int) {
        while nextComment < comments.count, comments[nextComment].span.start < offset {
            let comment = comments[nextComment]
            let sourceLine = line(of: comment.span.start)
            separate(from: sourceLine)
            output.append(String(repeating: "  ", count: indent) + comment.text)
            lastSourceLine = sourceLine
            nextComment += 1
        }
    }

    /// Emits one line for the construct spanning `span`: the comments before it, the text, and a
    /// comment that ends the line it ends on. A construct written over several lines is printed on
    /// one, so comments from its inner lines go above it. Block headers pass `trailingOnLineOf`
    /// (their own first line) instead.
    private mutating func emit(_ text: String, indent: Int, span: SourceSpan, trailingOnLineOf end: Int? = nil) {
        flushComments(before: span.start, indent: indent)
        let endLine = line(of: end ?? max(span.end - 1, span.start))
        if !text.hasPrefix("}") { separate(from: line(of: span.start)) }
        if end == nil {
            while nextComment < comments.count, comments[nextComment].span.start < span.end,
                  line(of: comments[nextComment].span.start) < endLine {
                output.append(String(repeating: "  ", count: indent) + comments[nextComment].text)
                nextComment += 1
            }
        }
        let text = String(repeating: "  ", count: indent) + text
        if nextComment < comments.count, line(of: comments[nextComment].span.start) == endLine,
           end != nil || onlySpaces(from: span.end, to: comments[nextComment].span.start) {
            trailing[output.count] = comments[nextComment].text
            nextComment += 1
        }
        output.append(text)
        lastSourceLine = endLine
    }

    /// Whether nothing but spaces lies between two offsets (so a comment there belongs to the
    /// construct before it, not to another one on the same line).
    private func onlySpaces(from start: Int, to end: Int) -> Bool {
        guard start <= end else { return false }
        return file.bytes[start..<end].allSatisfy { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }
    }

    /// The output with trailing comments; those on consecutive lines of one indentation start in
    /// one column.
    private func linesWithAlignedComments() -> [String] {
        var lines = output
        var index = 0
        while index < lines.count {
            guard trailing[index] != nil else {
                index += 1
                continue
            }
            var end = index
            let indent = lines[index].prefix { $0 == " " }.count
            while end + 1 < lines.count, trailing[end + 1] != nil, lines[end + 1].prefix(while: { $0 == " " }).count == indent {
                end += 1
            }
            let column = (index...end).map { Self.displayWidth(lines[$0]) }.max()! + 2
            for row in index...end {
                lines[row] += String(repeating: " ", count: column - Self.displayWidth(lines[row])) + trailing[row]!
            }
            index = end + 1
        }
        return lines
    }

    private static func displayWidth(_ text: String) -> Int {
        text.unicodeScalars.reduce(0) { $0 + DiagnosticRenderer.displayWidth(of: $1) }
    }

    /// Emits `}` for a block whose source ends at `end`, after the comments inside it.
    private mutating func closeBlock(indent: Int, end: Int, suffix: String = "") {
        flushComments(before: end - 1, indent: indent + 1)
        emit("}" + suffix, indent: indent, span: SourceSpan(start: end - 1, end: end))
    }

    // MARK: Declarations

    private mutating func declaration(_ declaration: Declaration) {
        let span = declaration.span
        switch declaration.kind {
        case .policy(let name, let version):
            emit("policy \(Self.quote(name))" + (version.map { " version \($0.text)" } ?? ""), indent: 0, span: span)
        case .currency(let code):
            emit("currency \(code)", indent: 0, span: span)
        case .timezone(let zone, _):
            emit("timezone \(Self.quote(zone))", indent: 0, span: span)
        case .param(let param):
            let type = param.declaredType.map { ": \($0)" } ?? ""
            emit("param \(param.name)\(type) = \(Self.expression(param.value))", indent: 0, span: span)
        case .event(let event):
            var text = "event \(event.name)"
            if event.hasBraces {
                text += event.fields.isEmpty ? " {}" : " { " + event.fields.map { "\($0.name): \($0.type)" }.joined(separator: ", ") + " }"
            }
            emit(text, indent: 0, span: span)
        case .tiers(let tiers):
            emit("tiers by \(Self.expression(tiers.measure)) {", indent: 0, span: span, trailingOnLineOf: span.start)
            for entry in tiers.tiers {
                var text = "tier \(entry.name)"
                if let threshold = entry.threshold { text += " at \(Self.expression(threshold))" }
                if !entry.attributes.isEmpty {
                    text += " { " + entry.attributes.map { "\($0.name): \(Self.expression($0.value))" }.joined(separator: ", ") + " }"
                }
                emit(text, indent: 1, span: entry.span)
            }
            if let hold = tiers.hold {
                emit("hold \(Self.expression(hold)) then review", indent: 1, span: hold.span)
            }
            closeBlock(indent: 0, end: span.end)
        case .measure(let measure):
            emit("measure \(measure.name) = \(Self.expression(measure.value))", indent: 0, span: span)
        case .rule(let rule):
            var header = "rule \(rule.name) on \(rule.event?.name ?? "any")"
            if let condition = rule.condition { header += " where \(Self.expression(condition))" }
            emit(header + " {", indent: 0, span: span, trailingOnLineOf: span.start)
            block(rule.body, indent: 1)
            closeBlock(indent: 0, end: span.end)
        case .penalty(let penalty):
            var header = "penalty \(penalty.name) on \(penalty.event)"
            if let condition = penalty.condition { header += " where \(Self.expression(condition))" }
            header += " within \(Self.expression(penalty.window)) {"
            emit(header, indent: 0, span: span, trailingOnLineOf: span.start)
            for step in penalty.steps {
                let ordinal = "\(step.ordinal)\(Checker.suffix(step.ordinal))" + (step.orMore ? " or more" : "")
                emit("\(ordinal): " + step.actions.map(Self.simpleStatement).joined(separator: ", "), indent: 1, span: step.span)
            }
            closeBlock(indent: 0, end: span.end)
        case .benefit(let benefit):
            var text = "benefit \(benefit.name)"
            if let title = benefit.title { text += " \(Self.quote(title))" }
            for condition in benefit.conditions {
                text += " for \(Self.expression(condition.expr))" + (condition.denial.map { " else \(Self.reason($0))" } ?? "")
            }
            if let value = benefit.value { text += " value \(Self.expression(value))" }
            if let limit = benefit.limit, let period = benefit.period {
                text += " limit \(Self.expression(limit)) per \(period.rawValue)"
            }
            emit(text, indent: 0, span: span)
        case .expiry(let expiry):
            var text = "expire lots \(Self.expression(expiry.lifetime)) after earning"
            if let period = expiry.alignToEndOf { text += ", at end of \(period.rawValue)" }
            if let notice = expiry.notice { text += ", notice \(Self.expression(notice)) before" }
            emit(text, indent: 0, span: span)
        }
    }

    // MARK: Statements

    private mutating func block(_ statements: [Statement], indent: Int) {
        for statement in statements {
            self.statement(statement, indent: indent)
        }
    }

    private mutating func statement(_ statement: Statement, indent: Int) {
        guard case .ifThen = statement.kind else {
            emit(Self.simpleStatement(statement), indent: indent, span: statement.span)
            return
        }
        ifChain(statement, indent: indent, continuing: false)
    }

    /// `if ... { } else if ... { } else { }`, printed as one chain; `continuing` appends the
    /// `if` to the `} else` line before it.
    private mutating func ifChain(_ statement: Statement, indent: Int, continuing: Bool) {
        guard case .ifThen(let condition, let then, let otherwise) = statement.kind else { return }
        let header = "if \(Self.expression(condition)) {"
        if continuing {
            output[output.count - 1] += " " + header
        } else {
            emit(header, indent: indent, span: statement.span, trailingOnLineOf: statement.span.start)
        }
        block(then, indent: indent + 1)
        guard let otherwise else {
            closeBlock(indent: indent, end: statement.span.end)
            return
        }
        // Comments above the `else` line stay in the `then` block; one after `else {` ends its line,
        // and so does one written after the block's `}` when `else` starts the next line.
        let elseKeyword = statement.elseKeyword ?? SourceSpan(start: statement.span.end, end: statement.span.end)
        var afterBrace: String?
        if let brace = closingBrace(before: elseKeyword.start) {
            flushComments(before: brace, indent: indent + 1)
            let next = nextComment
            if next < comments.count, comments[next].span.start < elseKeyword.start, line(of: comments[next].span.start) == line(of: brace),
               !(next + 1 < comments.count && line(of: comments[next + 1].span.start) == line(of: elseKeyword.start)) {
                afterBrace = comments[next].text
                nextComment += 1
            }
        }
        flushComments(before: elseKeyword.start, indent: indent + 1)
        emit("}", indent: indent, span: elseKeyword, trailingOnLineOf: elseKeyword.start)
        if let afterBrace { trailing[output.count - 1] = afterBrace }
        if otherwise.count == 1, case .ifThen = otherwise[0].kind {
            output[output.count - 1] += " else"
            ifChain(otherwise[0], indent: indent, continuing: true)
        } else {
            output[output.count - 1] += " else {"
            block(otherwise, indent: indent + 1)
            closeBlock(indent: indent, end: statement.span.end)
        }
    }

    /// Where the `}` that closes the block before `offset` is: the last byte before it that is not
    /// a space, a line break or in a comment.
    private func closingBrace(before offset: Int) -> Int? {
        var index = offset - 1
        while index >= 0 {
            let byte = file.bytes[index]
            if byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") {
                index -= 1
            } else if let comment = comments.last(where: { $0.span.start <= index && index < $0.span.end }) {
                index = comment.span.start - 1
            } else {
                return byte == UInt8(ascii: "}") ? index : nil
            }
        }
        return nil
    }

    /// A statement on one line (an `if` only inside a penalty step; elsewhere `ifChain` spreads it out).
    static func simpleStatement(_ statement: Statement) -> String {
        switch statement.kind {
        case .letBinding(let name, let value): return "let \(name) = \(expression(value))"
        case .require(let condition, let reason): return "require \(expression(condition)) else \(Formatter.reason(reason))"
        case .earn(let amount): return "earn \(expression(amount))"
        case .redeem(let amount): return "redeem \(expression(amount))"
        case .deduct(let amount): return "deduct \(expression(amount))"
        case .clawback(let amount, let source):
            return "clawback \(expression(amount))" + (source.map { " from \(expression($0))" } ?? "")
        case .forfeit: return "forfeit"
        case .cancel: return "cancel"
        case .upgrade: return "upgrade"
        case .downgrade: return "downgrade"
        case .freeze(let length): return "freeze for \(expression(length))"
        case .warn(let message): return "warn" + (message.map { " \(quote($0))" } ?? "")
        case .note(let reason): return "note \(Formatter.reason(reason))"
        case .charge(let fee, let label): return "charge \(expression(fee))" + (label.map { " as \($0)" } ?? "")
        case .use(let benefit): return "use \(expression(benefit))"
        case .reverse(let amount, let original): return "reverse \(expression(amount)) of \(expression(original))"
        case .ifThen(let condition, let then, let otherwise):
            // Inside a penalty step an `if` stays on the step's line.
            func inline(_ block: [Statement]) -> String {
                block.isEmpty ? "{}" : "{ " + block.map(simpleStatement).joined(separator: " ") + " }"
            }
            var text = "if \(expression(condition)) \(inline(then))"
            if let otherwise {
                if otherwise.count == 1, case .ifThen = otherwise[0].kind {
                    text += " else " + simpleStatement(otherwise[0])
                } else {
                    text += " else " + inline(otherwise)
                }
            }
            return text
        }
    }

    static func reason(_ reason: Reason) -> String {
        reason.code.name + (reason.message.map { " \(quote($0))" } ?? "")
    }

    // MARK: Expressions

    /// An expression on one line, with the parentheses the author wrote and no others.
    public static func expression(_ expr: Expr) -> String {
        switch expr.kind {
        case .literal(let literal): return literal.text
        case .rate(let numerator, let denominator): return "\(numerator.text) per \(denominator.text)"
        case .string(let value): return quote(value)
        case .date(let text): return text
        case .bool(let value): return value ? "true" : "false"
        case .name(let name): return name
        case .member(let base, let field): return "\(expression(base)).\(field)"
        case .call(let callee, let arguments): return "\(callee)(" + arguments.map(expression).joined(separator: ", ") + ")"
        case .unary(.not, let operand): return "not \(expression(operand))"
        case .unary(.negate, let operand): return "-\(expression(operand))"
        case .binary(let op, let left, let right): return "\(expression(left)) \(op.rawValue) \(expression(right))"
        case .membership(let item, let list, let negated):
            return "\(expression(item)) \(negated ? "not in" : "in") \(expression(list))"
        case .between(let value, let low, let high):
            return "\(expression(value)) between \(expression(low)) and \(expression(high))"
        case .conditional(let condition, let then, let otherwise):
            return "if \(expression(condition)) then \(expression(then)) else \(expression(otherwise))"
        case .list(let items): return "[" + items.map(expression).joined(separator: ", ") + "]"
        case .count(let event, let filter, let window):
            return "count(\(event)" + (filter.map { " where \(expression($0))" } ?? "") + ", \(self.window(window)))"
        case .sum(let value, let event, let filter, let window):
            return "sum(\(expression(value)) of \(event)" + (filter.map { " where \(expression($0))" } ?? "") + ", \(self.window(window)))"
        case .parenthesized(let inner): return "(\(expression(inner)))"
        case .invalid: return "<invalid>"
        }
    }

    static func window(_ window: Window) -> String {
        switch window {
        case .last(let length, let beforeToday): return "last \(expression(length))" + (beforeToday ? " before today" : "")
        case .this(let period): return "this \(period.rawValue)"
        }
    }

    static func quote(_ text: String) -> String {
        var out = "\""
        for character in text {
            switch character {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            default: out.append(character)
            }
        }
        return out + "\""
    }
}
