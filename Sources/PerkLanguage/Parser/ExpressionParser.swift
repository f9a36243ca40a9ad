/// Expressions, loosest binding first: `if then else`, `or`, `and`, `not`, comparisons and
/// `in`/`between`, `+ -`, `* / mod`, unary `-`, `.field`, primaries.
extension Parser {
    mutating func parseExpression() throws -> Expr {
        try nested { parser in
            let start = parser.current.span
            if parser.match(.if) {
                let condition = try parser.parseExpression()
                try parser.expectReserved(.then, "after the condition of `if` (as in `if birthday_month then 2 else 1`)")
                let then = try parser.parseExpression()
                try parser.expectReserved(.else, "in a conditional expression: `if ... then ... else ...`")
                let otherwise = try parser.parseExpression()
                return Expr(.conditional(condition, then: then, otherwise: otherwise),
                            span: start.merged(with: otherwise.span), children: [condition, then, otherwise])
            }
            return try parser.parseBinary(.or)
        }
    }

    /// Left-associative binary levels; comparisons do not chain.
    private enum Level: Int {
        case or, and, comparison, additive, multiplicative
    }

    private func binaryOperator(at level: Level) -> BinaryOperator? {
        switch (level, current.kind) {
        case (.or, .reserved(.or)): return .or
        case (.and, .reserved(.and)): return .and
        case (.additive, .symbol(.plus)): return .plus
        case (.additive, .symbol(.minus)): return .minus
        case (.multiplicative, .symbol(.times)): return .times
        case (.multiplicative, .symbol(.divide)): return .divide
        case (.multiplicative, .reserved(.mod)): return .mod
        case (.comparison, .symbol(let symbol)):
            switch symbol {
            case .equal: return .equal
            case .notEqual: return .notEqual
            case .less: return .less
            case .lessEqual: return .lessEqual
            case .greater: return .greater
            case .greaterEqual: return .greaterEqual
            default: return nil
            }
        default: return nil
        }
    }

    private mutating func parseOperand(_ level: Level) throws -> Expr {
        switch level {
        case .or: return try parseBinary(.and)
        case .and: return try parseNot()
        case .comparison: return try parseBinary(.additive)
        case .additive: return try parseBinary(.multiplicative)
        case .multiplicative: return try parseUnary()
        }
    }

    private mutating func parseBinary(_ level: Level) throws -> Expr {
        if level == .comparison { return try parseComparison() }
        var left = try parseOperand(level)
        while let op = binaryOperator(at: level) {
            advance()
            let right = try parseOperand(level)
            left = Expr(.binary(op, left, right), span: left.span.merged(with: right.span), children: [left, right])
            if left.height > Self.maxNesting {
                throw fail("this expression is too long (more than \(Self.maxNesting) operations in a row)",
                           code: .tooDeeplyNested, at: left.span, help: "split it with `let` bindings or parameters")
            }
        }
        return left
    }

    private mutating func parseNot() throws -> Expr {
        let start = current.span
        if match(.not) {
            let operand = try nested { try $0.parseNot() }
            return Expr(.unary(.not, operand), span: start.merged(with: operand.span), children: [operand])
        }
        return try parseComparison()
    }

    private mutating func parseComparison() throws -> Expr {
        let left = try parseBinary(.additive)
        if let op = binaryOperator(at: .comparison) {
            advance()
            let right = try parseBinary(.additive)
            if binaryOperator(at: .comparison) != nil {
                throw fail("comparisons cannot be chained", help: "join them with `and`: `a < b and b < c`")
            }
            return Expr(.binary(op, left, right), span: left.span.merged(with: right.span), children: [left, right])
        }
        if current.isReserved(.not), peek().isReserved(.in) {
            advance()
            advance()
            let list = try parseBinary(.additive)
            return Expr(.membership(left, list: list, negated: true), span: left.span.merged(with: list.span), children: [left, list])
        }
        if match(.in) {
            let list = try parseBinary(.additive)
            return Expr(.membership(left, list: list, negated: false), span: left.span.merged(with: list.span), children: [left, list])
        }
        if match(.between) {
            let low = try parseBinary(.additive)
            try expectReserved(.and, "between the bounds (as in `between 2025-11-01 and 2025-11-11`)")
            let high = try parseBinary(.additive)
            return Expr(.between(left, low: low, high: high), span: left.span.merged(with: high.span), children: [left, low, high])
        }
        return left
    }

    private mutating func parseUnary() throws -> Expr {
        let start = current.span
        if match(.minus) {
            let operand = try nested { try $0.parseUnary() }
            return Expr(.unary(.negate, operand), span: start.merged(with: operand.span), children: [operand])
        }
        var expr = try parsePrimary()
        while match(.dot) {
            let field = try identifier("a field name after `.`")
            expr = Expr(.member(expr, field), span: expr.span.merged(with: field.span), children: [expr])
        }
        return expr
    }

    private mutating func parsePrimary() throws -> Expr {
        let token = current
        switch token.kind {
        case .number, .money, .percent:
            return try parseQuantity()
        case .string:
            advance()
            return Expr(.string(token.text), span: token.span)
        case .date:
            advance()
            return Expr(.date(token.text), span: token.span)
        case .reserved(.true), .reserved(.false):
            advance()
            return Expr(.bool(token.kind == .reserved(.true)), span: token.span)
        case .symbol(.leftParen):
            advance()
            let inner = try parseExpression()
            _ = try expect(.rightParen, "to close the parenthesis")
            return Expr(.parenthesized(inner), span: token.span.merged(with: previous.span), children: [inner])
        case .symbol(.leftBracket):
            advance()
            var items: [Expr] = []
            while !current.isSymbol(.rightBracket) {
                items.append(try parseExpression())
                if !match(.comma) { break }
            }
            _ = try expect(.rightBracket, "to close the list")
            return Expr(.list(items), span: token.span.merged(with: previous.span), children: items)
        case .name where token.startsLine && (Keywords.declarations.contains(token.text) || Keywords.statements.contains(token.text)):
            // `param d = 5 CNY +` followed by `rule ...`: the expression is unfinished, and the next
            // line is a declaration or statement of its own.
            throw fail("expected an expression at the end of this line", at: errorSpan(),
                       help: "finish the expression, or remove the operator or keyword that expects it")
        case .name:
            advance()
            guard current.isSymbol(.leftParen) else {
                return Expr(.name(token.text), span: token.span)
            }
            let callee = Identifier(name: token.text, span: token.span)
            if token.text == "count" || token.text == "sum" { return try parseAggregate(callee) }
            advance()
            var arguments: [Expr] = []
            if !current.isSymbol(.rightParen) {
                repeat { arguments.append(try parseExpression()) } while match(.comma)
            }
            _ = try expect(.rightParen, "to close the arguments of `\(callee)`")
            return Expr(.call(callee, arguments), span: token.span.merged(with: previous.span), children: arguments)
        default:
            throw fail("expected an expression, found \(describe(token))")
        }
    }

    /// `count(violation where kind == "x", last 12 months)`, `sum(amount of purchase, this year)`.
    private mutating func parseAggregate(_ callee: Identifier) throws -> Expr {
        advance()
        var value: Expr?
        if callee.name == "sum" {
            value = try parseExpression()
            try expectReserved(.of, "in `sum(VALUE of EVENT, WINDOW)` (as in `sum(amount of purchase, last 12 months)`)")
        }
        let event = try identifier("an event type")
        let filter = matchName("where") ? try parseExpression() : nil
        _ = try expect(.comma, "before the window (as in `, last 12 months`)")
        let window: Window
        var children = [value, filter].compactMap { $0 }
        if matchName("last") {
            let length = try parseExpression()
            children.append(length)
            var beforeToday = false
            if matchName("before") {
                try expectName("today", "after `before`")
                beforeToday = true
            }
            window = .last(length, beforeToday: beforeToday)
        } else if matchName("this") {
            window = .this(try period())
        } else {
            throw fail("expected a window, `last DURATION` or `this PERIOD`, found \(describe(current))")
        }
        _ = try expect(.rightParen, "to close `\(callee)(...)`")
        let span = callee.span.merged(with: previous.span)
        if let value {
            return Expr(.sum(value, event: event, filter: filter, window: window), span: span, children: children)
        }
        return Expr(.count(event: event, filter: filter, window: window), span: span, children: children)
    }

    /// A number with an optional unit, money, a percentage, or a rate (`1 point per 10 CNY`).
    private mutating func parseQuantity() throws -> Expr {
        let start = current.span
        let first = try parseMeasured()
        guard first.unit != .none, first.unit != .percent, current.isReserved(.per),
              [.number, .money].contains(peek().kind) else {
            return Expr(.literal(first), span: start.merged(with: previous.span))
        }
        advance()
        let second = try parseMeasured()
        guard second.unit != .none, second.unit != .percent else {
            throw fail("the second part of a rate needs a unit (as in `1 point per 10 CNY`)", at: previous.span)
        }
        return Expr(.rate(first, per: second), span: start.merged(with: previous.span))
    }

    private mutating func parseMeasured() throws -> Literal {
        let token = advance()
        let written = file.text(of: token.span)
        switch token.kind {
        case .money:
            return Literal(digits: token.text, text: written, unit: .money("¥"))
        case .percent:
            return Literal(digits: token.text, text: written, unit: .percent)
        case .number:
            // A name followed by `:` is the next attribute, not a unit: in
            // `{ multiplier: 1.2 discount: 5% }` the comma is missing, and `separated` says so.
            guard current.kind == .name, !current.startsLine, !peek().isSymbol(.colon) else {
                return Literal(digits: token.text, text: written, unit: .none)
            }
            if let unit = Keywords.unit(current.text) {
                let unitToken = advance()
                return Literal(digits: token.text, text: written + " " + unitToken.text, unit: unit)
            }
            if !Keywords.clauses.contains(current.text), !Keywords.statements.contains(current.text),
               !Keywords.declarations.contains(current.text) {
                let help = Suggestions.didYouMean(current.text, among: ["points", "days", "weeks", "months", "years", "CNY"])
                throw fail("unknown unit `\(current.text)`", code: .unknownUnit,
                           help: help ?? "units are `points`, `days`, `weeks`, `months`, `years` and currency codes such as `CNY`")
            }
            return Literal(digits: token.text, text: written, unit: .none)
        default:
            throw fail("expected a number, found \(describe(token))", at: token.span)
        }
    }
}
