extension Parser {
    /// `{ statement* }`, recovering from errors statement by statement.
    mutating func parseBlock(_ owner: String) throws -> [Statement] {
        let open = try expect(.leftBrace, "to open the body of \(owner)")
        return try nested { parser in
            var statements: [Statement] = []
            while !parser.current.isSymbol(.rightBrace), !parser.atEnd, !parser.startsDeclarationOnNewLine {
                let start = parser.index
                do {
                    statements.append(try parser.parseStatement())
                } catch {
                    parser.synchronizeStatement(after: start)
                }
            }
            try parser.closeBlock(opened: open, owner)
            return statements
        }
    }

    /// Expects the `}` of a block; a missing one is reported at the block's opening brace.
    mutating func closeBlock(opened open: Token, _ owner: String) throws {
        if match(.rightBrace) { return }
        let at = file.location(of: open.span.start)
        diagnostics.append(Diagnostic(
            .error, code: .unclosedBlock, "expected `}` to close \(owner)", at: errorSpan(),
            notes: [DiagnosticNote(message: "the block opened here, on line \(at.line)", span: open.span)],
            help: "add `}` at the end of the block"))
        throw SyntaxError()
    }

    mutating func parseStatement() throws -> Statement {
        let start = current.span
        if match(.if) {
            return try parseIf(start: start)
        }
        guard current.kind == .name, Keywords.statements.contains(current.text) else {
            let help = current.kind == .name ? Suggestions.didYouMean(current.text, among: Keywords.statements) : nil
            throw fail("expected a statement, found \(describe(current))", at: current.span,
                       help: help ?? "a statement starts with one of: " + (["if"] + Keywords.statements.sorted()).map { "`\($0)`" }.joined(separator: ", "))
        }
        let keyword = advance().text
        let kind: StatementKind
        switch keyword {
        case "let":
            let name = try identifier("a name for the value")
            _ = try expect(.assign, "after the name in `let`")
            kind = .letBinding(name, try parseExpression())
        case "require":
            let condition = try parseExpression()
            try expectReserved(.else, "and a reason after the condition (as in `require points >= 500 points else below_minimum`)")
            kind = .require(condition, try parseReason())
        case "earn": kind = .earn(try parseExpression())
        case "redeem": kind = .redeem(try parseExpression())
        case "deduct": kind = .deduct(try parseExpression())
        case "clawback":
            let amount = try parseExpression()
            kind = .clawback(amount, from: matchName("from") ? try parseExpression() : nil)
        case "forfeit": kind = .forfeit
        case "cancel": kind = .cancel
        case "upgrade": kind = .upgrade
        case "downgrade": kind = .downgrade
        case "freeze":
            try expectName("for", "after `freeze` (as in `freeze for 30 days`)")
            kind = .freeze(try parseExpression())
        case "warn":
            kind = .warn(current.kind == .string ? advance().text : nil)
        case "note": kind = .note(try parseReason())
        case "charge":
            let amount = try parseExpression()
            kind = .charge(amount, label: matchName("as") ? try code("a name for the fee") : nil)
        case "use": kind = .use(try parseExpression())
        default:  // reverse
            let amount = try parseExpression()
            try expectReserved(.of, "after the amount (as in `reverse amount of original`)")
            kind = .reverse(amount: amount, of: try parseExpression())
        }
        return Statement(kind: kind, span: start.merged(with: previous.span))
    }

    mutating func parseIf(start: SourceSpan) throws -> Statement {
        let condition = try parseExpression()
        if current.isReserved(.then) {
            throw fail("an `if` statement has no `then`", at: current.span,
                       help: "write `if CONDITION { ... }`; `then` belongs to the expression `if c then a else b`")
        }
        let then = try parseBlock("the `if`")
        var otherwise: [Statement]?
        let elseKeyword = current.span
        if match(.else) {
            if current.isReserved(.if) {
                let elseStart = advance().span
                otherwise = [try nested { try $0.parseIf(start: elseStart) }]
            } else {
                otherwise = try parseBlock("the `else`")
            }
        }
        return Statement(kind: .ifThen(condition: condition, then: then, otherwise: otherwise), span: start.merged(with: previous.span),
                         elseKeyword: otherwise == nil ? nil : elseKeyword)
    }
}
