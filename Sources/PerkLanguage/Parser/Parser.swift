/// The result of parsing one file: the tree (with stand-ins where parts failed), the comments
/// for the formatter, and every lexical and syntax diagnostic.
public struct ParseResult: Sendable {
    public var policy: Policy
    public var comments: [Comment]
    public var diagnostics: [Diagnostic]
}

/// Thrown after a syntax error is reported, to unwind to the nearest recovery point.
struct SyntaxError: Error {}

/// A hand-written recursive-descent parser with panic-mode recovery: a syntax error abandons the
/// statement or declaration it is in, the parser skips to the next one, and one run reports every
/// independent error in the file.
public struct Parser {
    /// Deepest nesting of expressions and blocks accepted; deeper input gets a clear error
    /// instead of exhausting the stack.
    public static let maxNesting = 100

    let file: SourceFile
    var tokens: [Token]
    var index = 0
    var nesting = 0
    var diagnostics: [Diagnostic] = []

    /// Lexes and parses a whole file.
    public static func parse(_ file: SourceFile) -> ParseResult {
        let lexed = Lexer.tokenize(file)
        var parser = Parser(file: file, tokens: lexed.tokens)
        parser.diagnostics = lexed.diagnostics
        let policy = parser.parsePolicy()
        return ParseResult(policy: policy, comments: lexed.comments, diagnostics: parser.diagnostics.sortedByPosition())
    }

    // MARK: Token helpers

    var current: Token { tokens[index] }
    var previous: Token { tokens[max(index - 1, 0)] }
    var atEnd: Bool { current.kind == .endOfFile }

    func peek(_ distance: Int = 1) -> Token { tokens[min(index + distance, tokens.count - 1)] }

    @discardableResult
    mutating func advance() -> Token {
        let token = current
        if !atEnd { index += 1 }
        return token
    }

    mutating func match(_ symbol: Symbol) -> Bool {
        guard current.isSymbol(symbol) else { return false }
        advance()
        return true
    }

    mutating func match(_ word: ReservedWord) -> Bool {
        guard current.isReserved(word) else { return false }
        advance()
        return true
    }

    mutating func matchName(_ word: String) -> Bool {
        guard current.isName(word) else { return false }
        advance()
        return true
    }

    /// How a token is named in messages: `` `}` ``, `a number`, `the end of the file`.
    func describe(_ token: Token) -> String {
        switch token.kind {
        case .endOfFile: return "the end of the file"
        case .string: return "a string"
        case .number, .money, .percent: return "`\(file.text(of: token.span))`"
        case .ordinal: return "the ordinal `\(file.text(of: token.span))`"
        case .date: return "the date `\(token.text)`"
        default: return "`\(token.text)`"
        }
    }

    /// Reports an error at the current token (or just after the previous one, at a line end).
    mutating func fail(_ message: String, code: DiagnosticCode = .syntaxError, at span: SourceSpan? = nil, help: String? = nil) -> SyntaxError {
        let place = span ?? errorSpan()
        diagnostics.append(Diagnostic(.error, code: code, message, at: place, help: help))
        return SyntaxError()
    }

    /// Where a "missing X" error points: at the next token if on the same line, else right after
    /// the previous token, which is where the operator's cursor would go.
    func errorSpan() -> SourceSpan {
        if (current.startsLine || atEnd) && index > 0 {
            return SourceSpan(start: previous.span.end, end: previous.span.end)
        }
        return current.span
    }

    mutating func expect(_ symbol: Symbol, _ context: String) throws -> Token {
        guard current.isSymbol(symbol) else {
            throw fail("expected `\(symbol.rawValue)` \(context), found \(describe(current))")
        }
        return advance()
    }

    mutating func expectName(_ word: String, _ context: String) throws {
        guard current.isName(word) else {
            throw fail("expected `\(word)` \(context), found \(describe(current))",
                       help: current.kind == .name ? Suggestions.didYouMean(current.text, among: [word]).map { $0 } : nil)
        }
        advance()
    }

    mutating func expectReserved(_ word: ReservedWord, _ context: String) throws {
        guard current.isReserved(word) else {
            throw fail("expected `\(word.rawValue)` \(context), found \(describe(current))")
        }
        advance()
    }

    mutating func identifier(_ what: String) throws -> Identifier {
        guard current.kind == .name else {
            let help = current.kind.isReservedWord ? "`\(current.text)` is a reserved word; choose another name" : nil
            throw fail("expected \(what), found \(describe(current))", help: help)
        }
        let token = advance()
        return Identifier(name: token.text, span: token.span)
    }

    /// A reason code or a fee's name: any name but a statement keyword, so that a missing code
    /// (`require c else` at the end of a line) does not take the next statement for it.
    mutating func code(_ what: String) throws -> Identifier {
        if current.kind == .name, Keywords.statements.contains(current.text) {
            throw fail("expected \(what), found the statement `\(current.text)`", at: current.startsLine ? errorSpan() : current.span,
                       help: "write the code right after the keyword; statement keywords cannot be codes")
        }
        return try identifier(what)
    }

    mutating func string(_ what: String) throws -> String {
        guard current.kind == .string else { throw fail("expected \(what) (a quoted string), found \(describe(current))") }
        return advance().text
    }

    mutating func period() throws -> Period {
        if current.kind == .name, let period = Period(rawValue: current.text) {
            advance()
            return period
        }
        let singular = current.text.hasSuffix("s") ? Period(rawValue: String(current.text.dropLast())) : nil
        throw fail("expected a period (`day`, `week`, `month` or `year`), found \(describe(current))",
                   help: singular.map { "write `\($0.rawValue)`, in the singular" })
    }

    /// Guards recursion: every nested expression or block passes through here.
    mutating func nested<T>(_ body: (inout Parser) throws -> T) throws -> T {
        guard nesting < Self.maxNesting else {
            throw fail("this is nested too deeply (more than \(Self.maxNesting) levels)", code: .tooDeeplyNested,
                       help: "split it with `let` bindings or parameters")
        }
        nesting += 1
        defer { nesting -= 1 }
        return try body(&self)
    }

    // MARK: Recovery

    /// After a failed declaration that began at token `start`: skips to the next line that starts
    /// with a name outside the brackets opened since the error (a declaration, or a misspelt one).
    mutating func synchronizeDeclaration(after start: Int) {
        if index == start { advance() }
        var depth = 0
        while !atEnd {
            if startsDeclarationOnNewLine || (depth == 0 && current.startsLine && current.kind == .name) { return }
            depth = max(0, depth + current.bracketDelta)
            advance()
        }
    }

    /// After a failed statement that began at token `start`: skips to the block's `}`, or to the
    /// next line that starts a statement or a declaration, outside brackets opened since the error.
    mutating func synchronizeStatement(after start: Int) {
        if index == start { advance() }
        var depth = 0
        while !atEnd {
            if depth == 0, current.isSymbol(.rightBrace) || (current.startsLine && startsStatementLine) { return }
            if startsDeclarationOnNewLine { return }
            depth = max(0, depth + current.bracketDelta)
            advance()
        }
    }

    /// A token that can begin a line of a block: a name (a statement keyword, or a misspelt one),
    /// `if`, or a penalty step's ordinal.
    private var startsStatementLine: Bool {
        current.kind == .name || current.isReserved(.if) || current.kind == .ordinal
    }

    var startsDeclarationOnNewLine: Bool {
        current.startsLine && current.kind == .name && Keywords.declarations.contains(current.text)
    }
}

extension Token {
    /// +1 for an opening bracket, -1 for a closing one.
    var bracketDelta: Int {
        switch kind {
        case .symbol(.leftBrace), .symbol(.leftParen), .symbol(.leftBracket): return 1
        case .symbol(.rightBrace), .symbol(.rightParen), .symbol(.rightBracket): return -1
        default: return 0
        }
    }
}

extension TokenKind {
    var isReservedWord: Bool {
        if case .reserved = self { return true }
        return false
    }
}
