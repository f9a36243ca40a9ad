extension Parser {
    mutating func parsePolicy() -> Policy {
        var declarations: [Declaration] = []
        while !atEnd {
            let start = index
            do {
                declarations.append(try parseDeclaration())
            } catch {
                synchronizeDeclaration(after: start)
            }
        }
        return Policy(declarations: declarations)
    }

    mutating func parseDeclaration() throws -> Declaration {
        let start = current.span
        guard current.kind == .name, Keywords.declarations.contains(current.text) else {
            if current.isSymbol(.rightBrace) {
                throw fail("unmatched `}`", at: current.span, help: "remove it, or check the braces of the declaration above")
            }
            var help = current.kind == .name
                ? Suggestions.didYouMean(current.text, among: Keywords.declarations)
                : nil
            if current.kind == .name, Keywords.statements.contains(current.text) {
                help = "`\(current.text)` is a statement: put it inside a rule, as in `rule NAME on EVENT { \(current.text) ... }`"
            }
            throw fail("expected a declaration, found \(describe(current))", at: current.span,
                       help: help ?? "a declaration starts with one of: " + Keywords.declarations.sorted().map { "`\($0)`" }.joined(separator: ", "))
        }
        let keyword = advance().text
        let kind: DeclarationKind
        switch keyword {
        case "policy":
            let name = try string("the policy's name")
            var version: Literal?
            if matchName("version") {
                guard current.kind == .number else { throw fail("expected a version number, found \(describe(current))") }
                let token = advance()
                version = Literal(digits: token.text, text: file.text(of: token.span), unit: .none)
            }
            kind = .policy(name: name, version: version)
        case "currency":
            kind = .currency(try identifier("a currency code such as `CNY`"))
        case "timezone":
            let token = current
            kind = .timezone(try string("a time zone such as \"Asia/Shanghai\""), span: token.span)
        case "param":
            let name = try identifier("the parameter's name")
            var declaredType: Identifier?
            if match(.colon) { declaredType = try identifier("the parameter's type") }
            _ = try expect(.assign, "after the parameter's name")
            kind = .param(ParamDecl(name: name, declaredType: declaredType, value: try parseExpression()))
        case "event":
            kind = .event(try parseEvent())
        case "tiers":
            kind = .tiers(try parseTiers())
        case "measure":
            let name = try identifier("the measure's name")
            _ = try expect(.assign, "after the measure's name")
            kind = .measure(MeasureDecl(name: name, value: try parseExpression()))
        case "rule":
            kind = .rule(try parseRule())
        case "penalty":
            kind = .penalty(try parsePenalty())
        case "benefit":
            kind = .benefit(try parseBenefit())
        default:
            kind = .expiry(try parseExpiry())
        }
        return Declaration(kind: kind, span: start.merged(with: previous.span))
    }

    mutating func parseEvent() throws -> EventDecl {
        let name = try identifier("the event type's name")
        var fields: [EventDecl.Field] = []
        guard match(.leftBrace) else { return EventDecl(name: name, fields: [], hasBraces: false) }
        while !current.isSymbol(.rightBrace) {
            let fieldName = try identifier("a field name")
            _ = try expect(.colon, "between the field's name and its type")
            fields.append(EventDecl.Field(name: fieldName, type: try identifier("the field's type")))
            if !separated(before: "field") { break }
        }
        _ = try expect(.rightBrace, "to close the fields of `\(name)`")
        return EventDecl(name: name, fields: fields, hasBraces: true)
    }

    mutating func parseTiers() throws -> TiersDecl {
        try expectName("by", "after `tiers` (as in `tiers by qualifying_spend`)")
        let measure = try parseExpression()
        _ = try expect(.leftBrace, "to open the list of tiers")
        var tiers: [TiersDecl.TierEntry] = []
        var hold: Expr?
        while !current.isSymbol(.rightBrace), !atEnd, !startsDeclarationOnNewLine {
            let start = index
            do {
                if matchName("hold") {
                    hold = try parseExpression()
                    try expectReserved(.then, "after the hold period (as in `hold 12 months then review`)")
                    try expectName("review", "after `then`")
                } else if current.isName("tier") {
                    tiers.append(try parseTierEntry())
                } else {
                    let help = current.kind == .name && peek().isSymbol(.colon)
                        ? "a tier's attributes go in braces: `tier Silver at 5,000 CNY { \(current.text): ... }`"
                        : current.kind == .name && Keywords.statements.contains(current.text)
                        ? "`\(current.text)` is a statement: put it inside a rule, as in `rule NAME on EVENT { \(current.text) ... }`"
                        : current.kind == .name ? Suggestions.didYouMean(current.text, among: ["tier", "hold"]) : nil
                    // At the entry that is wrong, not after the line before it: nothing is missing there.
                    throw fail("expected `tier` or `hold` in the list of tiers, found \(describe(current))", at: current.span, help: help)
                }
            } catch {
                synchronizeTierEntry(after: start)
            }
        }
        _ = try expect(.rightBrace, "to close the list of tiers")
        return TiersDecl(measure: measure, tiers: tiers, hold: hold)
    }

    mutating func parseTierEntry() throws -> TiersDecl.TierEntry {
        let start = advance().span
        let name = try identifier("the tier's name")
        var threshold: Expr?
        if matchName("at") { threshold = try parseExpression() }
        var attributes: [TiersDecl.Attribute] = []
        if match(.leftBrace) {
            do {
                while !current.isSymbol(.rightBrace) {
                    let attribute = try identifier("an attribute name")
                    _ = try expect(.colon, "after the attribute's name")
                    attributes.append(TiersDecl.Attribute(name: attribute, value: try parseExpression()))
                    if !separated(before: "attribute") { break }
                }
                _ = try expect(.rightBrace, "to close the attributes of `\(name)`")
            } catch {
                skipPastClosingBrace()
            }
        }
        return TiersDecl.TierEntry(name: name, threshold: threshold, attributes: attributes, span: start.merged(with: previous.span))
    }

    /// Skips to the `}` that closes the current braces (not crossing into the next line's
    /// declaration or tier) and consumes it.
    mutating func skipPastClosingBrace() {
        var depth = 0
        while !atEnd, !startsDeclarationOnNewLine, !(current.startsLine && current.isName("tier")) {
            if current.isSymbol(.rightBrace) {
                if depth == 0 { advance(); return }
                depth -= 1
            } else if current.isSymbol(.leftBrace) {
                depth += 1
            }
            advance()
        }
    }

    mutating func synchronizeTierEntry(after start: Int) {
        if index == start { advance() }
        var depth = 0
        while !atEnd, !startsDeclarationOnNewLine {
            if depth == 0, current.isSymbol(.rightBrace) || (current.startsLine && (current.isName("tier") || current.isName("hold"))) { return }
            depth = max(0, depth + current.bracketDelta)
            advance()
        }
    }

    mutating func parseRule() throws -> RuleDecl {
        let name = try identifier("the rule's name")
        try expectName("on", "after the rule's name (as in `rule \(name) on purchase`)")
        let event = try identifier("an event type, or `any`")
        let condition = matchName("where") ? try parseExpression() : nil
        let body = try parseBlock("the rule `\(name)`")
        return RuleDecl(name: name, event: event.name == "any" ? nil : event, condition: condition, body: body)
    }

    mutating func parsePenalty() throws -> PenaltyDecl {
        let name = try identifier("the penalty's name")
        try expectName("on", "after the penalty's name (as in `penalty \(name) on violation`)")
        let event = try identifier("an event type")
        let condition = matchName("where") ? try parseExpression() : nil
        try expectName("within", "before the counting window (as in `within 12 months`)")
        let window = try parseExpression()
        let open = try expect(.leftBrace, "to open the penalty's steps")
        var steps: [PenaltyDecl.Step] = []
        while !current.isSymbol(.rightBrace), !atEnd, !startsDeclarationOnNewLine {
            let start = index
            do {
                steps.append(try parsePenaltyStep())
            } catch {
                synchronizeStatement(after: start)
            }
        }
        try closeBlock(opened: open, "the penalty `\(name)`")
        return PenaltyDecl(name: name, event: event, condition: condition, window: window, steps: steps)
    }

    mutating func parsePenaltyStep() throws -> PenaltyDecl.Step {
        guard current.kind == .ordinal else {
            throw fail("expected a step such as `1st:`, found \(describe(current))", at: current.span,
                       help: current.kind == .name ? "steps are numbered `1st:`, `2nd:`, `3rd or more:`" : nil)
        }
        let ordinalToken = advance()
        guard let ordinal = Int(ordinalToken.text), ordinal >= 1, ordinal <= 1_000 else {
            throw fail("steps are numbered from `1st` up to `1000th`", at: ordinalToken.span)
        }
        var orMore = false
        if match(.or) {
            try expectName("more", "after `or` (as in `3rd or more:`)")
            orMore = true
        }
        _ = try expect(.colon, "after the step's ordinal")
        var actions = [try parseStatement()]
        while match(.comma) { actions.append(try parseStatement()) }
        return PenaltyDecl.Step(ordinal: ordinal, orMore: orMore, actions: actions,
                                span: ordinalToken.span.merged(with: previous.span))
    }

    mutating func parseBenefit() throws -> BenefitDecl {
        let name = try identifier("the benefit's name")
        var benefit = BenefitDecl(name: name)
        if current.kind == .string { benefit.title = advance().text }
        while matchName("for") {
            let condition = try parseExpression()
            benefit.conditions.append(BenefitDecl.Condition(expr: condition, denial: match(.else) ? try parseReason() : nil))
        }
        if matchName("value") { benefit.value = try parseExpression() }
        if matchName("limit") {
            benefit.limit = try parseExpression()
            try expectReserved(.per, "after the limit (as in `limit 2 per month`)")
            benefit.period = try period()
        }
        return benefit
    }

    mutating func parseExpiry() throws -> ExpiryDecl {
        try expectName("lots", "after `expire` (as in `expire lots 24 months after earning`)")
        let lifetime = try parseExpression()
        try expectName("after", "after the lifetime of a lot")
        try expectName("earning", "after `after`")
        var expiry = ExpiryDecl(lifetime: lifetime)
        while match(.comma) {
            if matchName("at") {
                try expectName("end", "after `at` (as in `at end of month`)")
                try expectReserved(.of, "after `end`")
                expiry.alignToEndOf = try period()
            } else if matchName("notice") {
                expiry.notice = try parseExpression()
                try expectName("before", "after the notice period (as in `notice 30 days before`)")
            } else {
                throw fail("expected `at end of ...` or `notice ... before`, found \(describe(current))")
            }
        }
        return expiry
    }

    /// Consumes the `,` between items; a missing one before another `name:` is reported and
    /// forgiven, so the rest of the list is still checked. Returns whether another item follows.
    mutating func separated(before item: String) -> Bool {
        if match(.comma) { return !current.isSymbol(.rightBrace) }
        guard current.kind == .name, peek().isSymbol(.colon) else { return false }
        diagnostics.append(Diagnostic(.error, code: .missingComma, "expected `,` before the next \(item)",
                                      at: SourceSpan(start: previous.span.end, end: previous.span.end), help: "add `,` here"))
        return true
    }

    mutating func parseReason() throws -> Reason {
        let code = try code("a reason code such as `below_minimum`")
        let message = current.kind == .string ? advance().text : nil
        return Reason(code: code, message: message)
    }
}

extension BenefitDecl {
    init(name: Identifier) {
        self.init(name: name, title: nil, conditions: [], value: nil, limit: nil, period: nil)
    }
}

extension ExpiryDecl {
    init(lifetime: Expr) {
        self.init(lifetime: lifetime, alignToEndOf: nil, notice: nil)
    }
}
