/// An exact rational number: money, points, multipliers and percentages are computed with it, so
/// `1.2 × 123` is exactly 147.6 and rounding happens only where a policy says. Arithmetic returns
/// nil on overflow (beyond ±1.7 × 10³⁸) or division by zero instead of trapping.
public struct ExactNumber: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Always in lowest terms, with a positive denominator.
    public let numerator: Int128
    public let denominator: Int128

    // Computed and inlinable: a stored `static let` is read through an accessor that checks its
    // one-time initialization on every use, from every module (an event's totals start at zero).
    @inlinable public static var zero: ExactNumber { ExactNumber(lowestTerms: 0, 1) }
    @inlinable public static var one: ExactNumber { ExactNumber(lowestTerms: 1, 1) }

    public init(_ value: Int) {
        numerator = Int128(value)
        denominator = 1
    }

    /// `numerator / denominator` in lowest terms; nil when the denominator is 0.
    public init?(numerator: Int128, denominator: Int128) {
        guard denominator != 0, numerator != .min, denominator != .min else { return nil }
        if denominator == 1 {
            self.numerator = numerator
            self.denominator = 1
            return
        }
        // Ordinary values fit in 64 bits, where division is far cheaper than in 128.
        if let n = Int64(exactly: numerator), let d = Int64(exactly: denominator), n != .min, d != .min {
            let divisor = Int64(Self.binaryGCD(n.magnitude, d.magnitude))
            let sign: Int64 = d < 0 ? -1 : 1
            self.numerator = Int128(sign * (n / divisor))
            self.denominator = Int128(sign * (d / divisor))
            return
        }
        let divisor = Self.gcd(numerator.magnitude, denominator.magnitude)
        let sign: Int128 = denominator < 0 ? -1 : 1
        self.numerator = sign * numerator / Int128(divisor)
        self.denominator = sign * denominator / Int128(divisor)
    }

    /// A fraction already in lowest terms with a positive denominator (a number written out and
    /// read back), taken as it is, without dividing by the common divisor again.
    @inlinable package init(lowestTerms numerator: Int128, denominator: Int128) {
        self.numerator = numerator
        self.denominator = denominator
    }

    /// Parses a decimal such as `5000.50`, `-3` or `1.2` (no exponent, no separators; at most 36
    /// digits).
    public init?(decimal text: some StringProtocol) {
        var text = String(text)
        guard let number = text.withUTF8({ Self(decimalUTF8: $0) }) else { return nil }
        self = number
    }

    /// The same, from UTF-8 bytes (not generic, so it runs at full speed from other modules),
    /// with at most `maxPlaces` decimals. Inlined where it is used (numbers of more than 18
    /// digits are read out of line): called from another module, it went through an entry that
    /// copied the number it returned, and the copy waited for the number's stores (perf: as long
    /// as reading the number).
    @inline(__always) @inlinable
    package init?(decimalUTF8 text: UnsafeBufferPointer<UInt8>, maxPlaces: Int = .max) {
        let negative = text.first == UInt8(ascii: "-")
        var index = negative ? 1 : 0
        var digits = 0
        // Where the point is (-1: none). Every byte after it is a digit, so the places are the
        // bytes after it: counted once at the end, not digit by digit.
        var point = -1
        // The digits' value while it fits in 64 bits (up to 18 digits: every amount in practice).
        var small: UInt64 = 0
        // One pass, by index: a byte's digit value wraps to 10 or more when it is not a digit.
        while index < text.count {
            let digit = text[index] &- UInt8(ascii: "0")
            if digit < 10 {
                digits += 1
                small = small &* 10 &+ UInt64(digit)
            } else {
                guard text[index] == UInt8(ascii: "."), point < 0, digits > 0 else { return nil }
                point = index
            }
            index += 1
        }
        let places: Int? = point < 0 ? nil : text.count - 1 - point
        guard (places ?? 0) <= maxPlaces else { return nil }
        guard digits > 0, digits <= 36, places != 0 else { return nil }
        guard digits <= 18 else {
            guard let wide = Self.wideDecimal(text, negative: negative, places: places ?? 0) else { return nil }
            self = wide
            return
        }
        // The denominator is 10^places = 2^places × 5^places.
        self.init(small, negative: negative, overTwos: places ?? 0, fives: places ?? 0)
    }

    /// A checked decimal of 19 to 36 digits: their value in 128 bits (the sign and the point skipped).
    @usableFromInline static func wideDecimal(_ text: UnsafeBufferPointer<UInt8>, negative: Bool, places: Int) -> ExactNumber? {
        let whole = text.reduce(Int128(0)) { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($1) ? $0 * 10 + Int128($1 - UInt8(ascii: "0")) : $0 }
        var scale: Int128 = 1
        for _ in 0..<places { scale *= 10 }
        return ExactNumber(numerator: negative ? -whole : whole, denominator: scale)
    }

    /// `magnitude / (2^twos × 5^fives)`, negated when `negative`, in lowest terms. With no other
    /// factor in the denominator (a decimal's, or a sum of decimals'), the only factors to cancel
    /// are twos and fives: cancelled one by one, without seeking a greatest common divisor. The
    /// denominator must fit in 64 bits.
    @inlinable package init(_ magnitude: UInt64, negative: Bool, overTwos twos: Int, fives: Int) {
        var (magnitude, twos, fives) = (magnitude, twos, fives)
        if magnitude == 0 {
            (twos, fives) = (0, 0)
        } else {
            let shift = min(magnitude.trailingZeroBitCount, twos)
            magnitude >>= shift
            twos -= shift
            while fives > 0 && magnitude % 5 == 0 {
                magnitude /= 5
                fives -= 1
            }
        }
        var denominator: UInt64 = 1 << twos
        for _ in 0..<fives { denominator *= 5 }
        self.init(lowestTerms: negative ? -Int128(magnitude) : Int128(magnitude), denominator: Int128(denominator))
    }

    private static func gcd(_ a: UInt128, _ b: UInt128) -> UInt128 {
        if a <= UInt128(UInt64.max), b <= UInt128(UInt64.max) { return UInt128(binaryGCD(UInt64(a), UInt64(b))) }
        var (x, y) = (a, b)
        while y != 0 { (x, y) = (y, x % y) }
        return max(x, 1)
    }

    /// Stein's algorithm: shifts and subtractions only, far cheaper than 128-bit division.
    package static func binaryGCD(_ a: UInt64, _ b: UInt64) -> UInt64 {
        if a == 0 || b == 0 { return max(a | b, 1) }
        if a == 1 || b == 1 { return 1 }  // an integer's denominator: the usual case
        // A numerator and a small denominator: one division first leaves two small numbers.
        var (x, y) = a > b ? (a % b, b) : (a, b % a)
        if x == 0 || y == 0 { return x | y }
        let shift = (x | y).trailingZeroBitCount
        x >>= x.trailingZeroBitCount
        repeat {
            y >>= y.trailingZeroBitCount
            if x > y { swap(&x, &y) }
            y -= x
        } while y != 0
        return x << shift
    }

    /// Numerator and denominator when both fit in 64 bits, where arithmetic is far cheaper than
    /// in 128 (ordinary money, points and rates always do).
    @inlinable var small: (numerator: Int64, denominator: Int64)? {
        guard let n = Int64(exactly: numerator), let d = Int64(exactly: denominator) else { return nil }
        return (n, d)
    }

    public var isZero: Bool { numerator == 0 }
    public var isNegative: Bool { numerator < 0 }

    @inlinable public func adding(_ other: ExactNumber) -> ExactNumber? {
        // Integers (points, and totals of points) are added where the sum is asked for: through
        // a call to another module, an integer sum took about 80 instructions.
        if denominator == 1, other.denominator == 1 {
            let (sum, overflow) = numerator.addingReportingOverflow(other.numerator)
            return overflow || sum == .min ? nil : ExactNumber(lowestTerms: sum, 1)
        }
        return addingFraction(other)
    }

    /// `adding` when either is not an integer.
    @usableFromInline func addingFraction(_ other: ExactNumber) -> ExactNumber? {
        // Adding nothing (a total's start, an amount never refunded) is common: no arithmetic.
        if other.numerator == 0 { return self }
        if numerator == 0 { return other }
        if denominator == other.denominator {
            guard let sum = add(numerator, other.numerator) else { return nil }
            return ExactNumber(numerator: sum, denominator: denominator)
        }
        if let (a, b) = small, let (c, d) = other.small {
            // Knuth's addition (TAOCP 4.5.1): common divisors are sought between the small
            // denominators, not in the large cross products. Products of 64-bit parts, and their
            // sum, cannot overflow 128 bits.
            let g = Int64(Self.binaryGCD(UInt64(b), UInt64(d)))
            let t = Int128(a) * Int128(d / g) + Int128(c) * Int128(b / g)
            if t == 0 { return .zero }
            // gcd(t, g) = gcd(t mod g, g), and g fits in 64 bits.
            let g2 = g == 1 ? 1 : Int64(Self.binaryGCD(UInt64(t.magnitude % UInt128(g)), UInt64(g)))
            return ExactNumber(lowestTerms: g2 == 1 ? t : t / Int128(g2), Int128(b / g) * Int128(d / g2))
        }
        guard let a = mul(numerator, other.denominator), let b = mul(other.numerator, denominator),
              let sum = add(a, b), let den = mul(denominator, other.denominator) else { return nil }
        return ExactNumber(numerator: sum, denominator: den)
    }

    public func subtracting(_ other: ExactNumber) -> ExactNumber? { adding(other.negated) }

    public func multiplied(by other: ExactNumber) -> ExactNumber? {
        if denominator == 1, other.denominator == 1 {
            // Integers multiply into lowest terms; by 1 (a multiplier or a bonus that does not
            // apply), nothing changes.
            if other.numerator == 1 { return self }
            if numerator == 1 { return other }
            guard let product = mul(numerator, other.numerator) else { return nil }
            return ExactNumber(lowestTerms: product, 1)
        }
        if let (a, b) = small, let (c, d) = other.small {
            // Cross-reduced fractions in lowest terms multiply into lowest terms: no gcd of the
            // products, and 64-bit divisions. Products of 64-bit parts fit 128 bits.
            let g1 = Int64(Self.binaryGCD(a.magnitude, UInt64(d))), g2 = Int64(Self.binaryGCD(c.magnitude, UInt64(b)))
            return ExactNumber(lowestTerms: Int128(a / g1) * Int128(c / g2), Int128(b / g2) * Int128(d / g1))
        }
        // Cross-reduce first so products of ordinary values stay small.
        let g1 = Int128(Self.gcd(numerator.magnitude, other.denominator.magnitude))
        let g2 = Int128(Self.gcd(other.numerator.magnitude, denominator.magnitude))
        guard let num = mul(numerator / g1, other.numerator / g2), let den = mul(denominator / g2, other.denominator / g1) else { return nil }
        return ExactNumber(numerator: num, denominator: den)
    }

    public func divided(by other: ExactNumber) -> ExactNumber? {
        guard !other.isZero else { return nil }
        return multiplied(by: ExactNumber(numerator: other.denominator, denominator: other.numerator)!)
    }

    public var negated: ExactNumber { ExactNumber(lowestTerms: -numerator, denominator) }

    /// A number already in lowest terms with a positive denominator.
    @inlinable init(lowestTerms numerator: Int128, _ denominator: Int128) {
        self.numerator = numerator
        self.denominator = denominator
    }

    /// The greatest integer not above this number.
    public var floor: ExactNumber {
        if denominator == 1 { return self }
        if let (n, d) = small {
            let quotient = n / d
            return ExactNumber(lowestTerms: Int128(n % d != 0 && n < 0 ? quotient - 1 : quotient), 1)
        }
        let quotient = numerator / denominator
        let adjusted = numerator % denominator != 0 && numerator < 0 ? quotient - 1 : quotient
        return ExactNumber(numerator: adjusted, denominator: 1)!
    }

    /// The least integer not below this number.
    public var ceil: ExactNumber { negated.floor.negated }

    /// `multiplied(by: other)?.floor`, computed as one quotient of the two products: the product
    /// is never put in lowest terms, which a rounding does not need (`floor(amount * earn_rate)`).
    @inlinable public func floorOfProduct(with other: ExactNumber) -> ExactNumber? {
        roundedProduct(with: other, up: false)
    }

    /// `multiplied(by: other)?.ceil`, computed as `floorOfProduct(with:)` is.
    @inlinable public func ceilOfProduct(with other: ExactNumber) -> ExactNumber? {
        roundedProduct(with: other, up: true)
    }

    // Inlined where it is used: called across the module boundary, the 32-byte numbers went
    // through memory in halves and were read back whole, and the loads waited on the stores (2 %
    // of a W2 run's time in a function that only passed its arguments on).
    @inlinable func roundedProduct(with other: ExactNumber, up: Bool) -> ExactNumber? {
        if let (a, b) = small, let (c, d) = other.small {
            let (product, overflow) = a.multipliedReportingOverflow(by: c), (divisor, divisorOverflow) = b.multipliedReportingOverflow(by: d)
            // Both in 64 bits (as amounts times rates are): one 64-bit division. The divisor,
            // a product of denominators, is positive.
            if !overflow, !divisorOverflow {
                let quotient = product / divisor, exact = product % divisor == 0
                let rounded = exact ? quotient : up ? (product > 0 ? quotient + 1 : quotient) : (product < 0 ? quotient - 1 : quotient)
                return ExactNumber(lowestTerms: Int128(rounded), 1)
            }
        }
        return multiplied(by: other).map { up ? $0.ceil : $0.floor }
    }

    /// How `round` breaks ties.
    public enum Rounding: Sendable {
        /// To the even neighbour (banker's rounding): 2.5 → 2, 3.5 → 4.
        case halfEven
        /// Away from zero: 2.5 → 3, −2.5 → −3.
        case halfUp
    }

    /// The nearest integer, ties broken as `rounding` says.
    public func rounded(_ rounding: Rounding = .halfEven) -> ExactNumber {
        let down = floor
        let fraction = subtracting(down)!  // in [0, 1): cannot overflow
        let twice = fraction.numerator * 2
        if twice < fraction.denominator { return down }
        if twice > fraction.denominator { return down.adding(.one) ?? down }
        switch rounding {
        case .halfEven: return down.numerator % 2 == 0 ? down : (down.adding(.one) ?? down)
        case .halfUp: return isNegative ? down : (down.adding(.one) ?? down)
        }
    }

    public static func < (a: ExactNumber, b: ExactNumber) -> Bool {
        if a.denominator == b.denominator { return a.numerator < b.numerator }
        if let (an, ad) = a.small, let (bn, bd) = b.small {
            // Full-width products of 64-bit values: one multiplication each.
            let left = an.multipliedFullWidth(by: bd), right = bn.multipliedFullWidth(by: ad)
            return (left.high, left.low) < (right.high, right.low)
        }
        // a/b < c/d  ⇔  a·d < c·b, with 256-bit products so nothing overflows.
        let left = a.numerator.multipliedFullWidth(by: b.denominator)
        let right = b.numerator.multipliedFullWidth(by: a.denominator)
        return (left.high, left.low) < (right.high, right.low)
    }

    /// Exact decimal digits when the number has them (`147.6`), else `numerator/denominator`.
    public var description: String {
        if denominator == 1 {
            // 64-bit formatting is several times faster than 128-bit.
            if let small = Int64(exactly: numerator) { return String(small) }
            return String(numerator)
        }
        var scale: Int128 = 1
        var places = 0
        while places < 36 {
            scale *= 10
            places += 1
            if scale % denominator == 0 {
                let scaled = numerator * (scale / denominator)
                let digits = String(scaled.magnitude)
                let padded = String(repeating: "0", count: max(0, places + 1 - digits.count)) + digits
                let point = padded.index(padded.endIndex, offsetBy: -places)
                return (scaled < 0 ? "-" : "") + padded[..<point] + "." + padded[point...]
            }
            if scale > Int128.max / 10 { break }
        }
        return "\(numerator)/\(denominator)"
    }

    private func mul(_ a: Int128, _ b: Int128) -> Int128? {
        let (value, overflow) = a.multipliedReportingOverflow(by: b)
        return overflow ? nil : value
    }

    private func add(_ a: Int128, _ b: Int128) -> Int128? {
        let (value, overflow) = a.addingReportingOverflow(b)
        return overflow ? nil : value
    }
}
