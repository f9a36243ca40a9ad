import Foundation
import Hummingbird
import Logging
import PerkConfig
import PerkEngine
import PerkLanguage

/// Perk over HTTP, for frontends not written in Swift: JSON in, JSON out, every request served by
/// the policy in service when it arrived (a `PolicyHandle`, reloaded live). Errors are JSON
/// (`{"error": {"code": ..., "message": ...}}`); a malformed request is a 400 that says what is
/// wrong; bodies over `maxBodySize` bytes are refused with 413.
public struct PerkService: Sendable {
    public let handle: PolicyHandle
    public let maxBodySize: Int

    public init(handle: PolicyHandle, maxBodySize: Int = 1 << 20) {
        self.handle = handle
        self.maxBodySize = maxBodySize
    }

    /// The routes: `GET /v1/health`, `GET /v1/policy`, `POST /v1/evaluate`, `POST /v1/entitlements`,
    /// `POST /v1/simulate`.
    public func router() -> Router<BasicRequestContext> {
        let routes: [Endpoint] = [
            Endpoint(.get, "/v1/health") { _ in JSONResponse(["status": "ok"]).encoded() },
            Endpoint(.get, "/v1/policy") { _ in JSONResponse(PolicyInfo(handle)).encoded() },
            Endpoint(.post, "/v1/evaluate") { request in JSONResponse(try evaluate(try await body(request, as: EvaluateRequest.self))).encoded() },
            Endpoint(.post, "/v1/entitlements") { request in JSONResponse(try entitlements(try await body(request, as: EntitlementsRequest.self))).encoded() },
            Endpoint(.post, "/v1/simulate") { request in JSONResponse(try simulate(try await body(request, as: SimulateRequest.self))).encoded() },
        ]
        let router = Router()
        // The error middleware knows the routes, to tell an unknown path from a wrong method.
        router.add(middleware: JSONErrorMiddleware(endpoints: routes.map { ($0.method, $0.path) }, maxBodySize: maxBodySize))
        for route in routes {
            router.on(RouterPath(route.path), method: route.method) { request, _ in try await route.serve(request) }
        }
        return router
    }

    /// One route: its method, its path, and what answers it.
    private struct Endpoint: Sendable {
        let method: HTTPRequest.Method
        let path: String
        let serve: @Sendable (Request) async throws -> Response

        init(_ method: HTTPRequest.Method, _ path: String, serve: @escaping @Sendable (Request) async throws -> Response) {
            self.method = method
            self.path = path
            self.serve = serve
        }
    }

    /// Reads a request's JSON body (at most `maxBodySize` bytes).
    private func body<T: Decodable>(_ request: Request, as type: T.Type) async throws -> T {
        var request = request
        let buffer = try await request.collectBody(upTo: maxBodySize)
        let bytes = buffer.getBytes(at: buffer.readerIndex, length: buffer.readableBytes) ?? []
        guard bytes.contains(where: { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }) else {
            throw APIError.malformed("the body is empty; send a JSON object, such as {\"event\": {...}}")
        }
        let decoded: T
        do {
            decoded = try JSONDecoder().decode(T.self, from: Data(bytes))
        } catch DecodingError.dataCorrupted(let context) where context.codingPath.isEmpty {
            throw APIError.malformed(Self.whyNotJSON(bytes))
        } catch let error as DecodingError {
            throw APIError.malformed(Self.explain(error))
        } catch {
            throw APIError.malformed("the body is not JSON: \(error.localizedDescription)")
        }
        if let repeated = RepeatedKeys.first(in: bytes) {
            throw APIError.malformed("\(repeated.object.isEmpty ? "the body" : repeated.object): the key `\(repeated.key)` is given twice; keep one")
        }
        return decoded
    }

    /// A decoding error in words: where in the body, and what was wrong.
    static func explain(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let keys = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            return keys.isEmpty ? "the body" : String(keys.drop { $0 == "." })
        }
        switch error {
        case .keyNotFound(let key, let context):
            return "\(path(context) == "the body" ? "" : path(context) + ".")\(key.stringValue) is missing"
        case .typeMismatch(let type, let context): return "\(path(context)): expected \(expected(type))"
        case .valueNotFound(_, let context): return "\(path(context)): a value is required"
        case .dataCorrupted(let context): return "\(path(context)): \(context.debugDescription)"
        @unknown default: return "\(error)"
        }
    }

    /// A kind of JSON value as a client names it, not as Swift does (`Dictionary<String, Any>`).
    static func expected(_ type: Any.Type) -> String {
        let name = "\(type)"
        if name.hasPrefix("Dictionary<") { return "an object" }
        if name.hasPrefix("Array<") { return "a list" }
        switch name {
        case "String": return "text"
        case "Bool": return "true or false"
        default: return "a number"
        }
    }

    /// Why a body `JSONDecoder` refused is not JSON, and where, as Foundation's other JSON
    /// reader says it (`JSONDecoder` says only that it is not).
    static func whyNotJSON(_ bytes: [UInt8]) -> String {
        do {
            _ = try JSONSerialization.jsonObject(with: Data(bytes), options: .fragmentsAllowed)
        } catch let error as NSError {
            if let reason = error.userInfo[NSDebugDescriptionErrorKey] as? String, let first = reason.first {
                return "the body is not valid JSON: " + first.lowercased() + reason.dropFirst().trimmingCharacters(in: ["."])
            }
        }
        return "the body is not valid JSON"
    }

    // MARK: Endpoints

    func evaluate(_ request: EvaluateRequest) throws -> EvaluateResponse {
        let loaded = handle.current
        let policy = loaded.policy
        let event = try Self.event(request.event, policy: policy)
        var member = try Self.member(request.member, id: event.member, policy: policy)
        if let late = Self.beforeState(event.date, of: member) {
            throw APIError.invalid("invalid_event", "event: date: \(late); send a member's events in date order")
        }
        let outcomes = policy.apply(event, to: &member, trace: request.trace ?? false, entitlements: request.entitlements ?? true)
        return EvaluateResponse(outcomes: outcomes.map(OutcomeJSON.init), member: policy.snapshot(of: member), policy: PolicyStamp(loaded))
    }

    func entitlements(_ request: EntitlementsRequest) throws -> EntitlementsResponse {
        let loaded = handle.current
        guard let date = CivilDate(iso: request.date) else { throw APIError.malformed("date: `\(request.date)` is not a date; write YYYY-MM-DD") }
        var member = try Self.member(request.member, id: request.member.id, policy: loaded.policy)
        if let late = Self.beforeState(date, of: member) {
            throw APIError.malformed("date: \(late); ask about that day or a later one")
        }
        // Time-driven effects up to that day (a review may change the tier) come first.
        _ = loaded.policy.advance(&member, to: date)
        let list = loaded.policy.entitlements(of: member, on: date).map { EntitlementJSON(benefit: $0.benefit, value: $0.value.map(OutcomeJSON.text)) }
        return EntitlementsResponse(entitlements: list, member: loaded.policy.snapshot(of: member), policy: PolicyStamp(loaded))
    }

    func simulate(_ request: SimulateRequest) throws -> SimulateResponse {
        let loaded = handle.current
        let policy = loaded.policy
        var events: [InputEvent] = []
        var directory = EventDirectory()
        var last: CivilDate?
        for (index, cells) in request.events.enumerated() {
            let event = try Self.event(cells, policy: policy, field: "events[\(index)]")
            events.append(event)
            directory.record(event)
            if last.map({ $0 < event.date }) ?? true { last = event.date }
        }
        var birthdays: [String: Birthday] = [:]
        for (id, text) in request.birthdays ?? [:] {
            guard let birthday = Birthday(text) else { throw APIError.malformed("birthdays.\(id): `\(text)` is not a birthday; write MM-DD") }
            birthdays[id] = birthday
        }
        let asOf: CivilDate
        if let text = request.asOf {
            guard let date = CivilDate(iso: text) else { throw APIError.malformed("as_of: `\(text)` is not a date; write YYYY-MM-DD") }
            asOf = date
        } else {
            guard let day = last?.adding(days: 1) else { throw APIError.malformed("events: give at least one event, or as_of") }
            asOf = day
        }
        let result = Simulation(policies: [policy], birthdays: birthdays, directory: directory, asOf: asOf).run(events, jobs: 1)
        let summary = SimulationReport.summary(of: result, policies: [policy], asOf: asOf,
                                               rows: .init(read: request.events.count, skipped: 0))
        return SimulateResponse(members: result.members[0].map(MemberRow.init), summary: summary, policy: PolicyStamp(loaded))
    }

    // MARK: Reading a request's parts

    static func event(_ cells: [String: Cell], policy: CompiledPolicy, field: String = "event") throws -> InputEvent {
        let text = cells.compactMapValues(\.text).filter { !$0.value.isEmpty }
        switch EventDecoder(policy: policy.checked).decode(text, at: InputLocation(file: field, line: 1)) {
        case .success(let event): return event
        case .failure(let error): throw APIError.invalid("invalid_event", "\(field): " + (error.column.map { "\($0): " } ?? "") + error.message)
        }
    }

    /// Why a member's state cannot answer for `date`, if it cannot: the state is already past it
    /// (its `processed_through` is later), and the engine would apply an earlier event to the
    /// state as it is now — today's tier and history — not as it was then.
    static func beforeState(_ date: CivilDate, of member: MemberState) -> String? {
        guard let through = member.processedThrough, date < through else { return nil }
        return "\(date) is before the member's processed_through \(through)"
    }

    static func member(_ snapshot: MemberSnapshot?, id: String, policy: CompiledPolicy) throws -> MemberState {
        guard let snapshot else { return policy.newMember(id: id) }
        guard snapshot.id == id else { throw APIError.invalid("invalid_member", "member.id `\(snapshot.id)` is not the event's member `\(id)`") }
        do {
            return try policy.restore(snapshot)
        } catch let error as SnapshotError {
            throw APIError.invalid("invalid_member", "member.\(error)")
        }
    }
}

/// An error a client can act on.
enum APIError: Error {
    case malformed(String)
    case invalid(String, String)

    var code: String {
        switch self {
        case .malformed: return "malformed_request"
        case .invalid(let code, _): return code
        }
    }

    var message: String {
        switch self {
        case .malformed(let message), .invalid(_, let message): return message
        }
    }
}

/// Every error as JSON with a code and a message: the API's own (400), an unknown route (404),
/// a body too large (413), anything else (500, logged).
struct JSONErrorMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext
    /// Every route's method and path.
    let endpoints: [(method: HTTPRequest.Method, path: String)]
    /// The body limit, to say what it is.
    let maxBodySize: Int

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            return Self.response(.badRequest, code: error.code, message: error.message)
        } catch let error as HTTPResponseError {
            switch error.status {
            case .notFound:
                let path = request.uri.path
                let allowed = endpoints.filter { $0.path == path }.map(\.method)
                guard allowed.isEmpty else {
                    // A known endpoint asked with another method: 405, with the methods it takes.
                    var response = Self.response(.methodNotAllowed, code: "method_not_allowed",
                                                 message: "\(path) takes \(allowed.map(\.rawValue).joined(separator: ", ")), not \(request.method)")
                    response.headers[.allow] = allowed.map(\.rawValue).joined(separator: ", ")
                    return response
                }
                let served = endpoints.map { "\($0.method) \($0.path)" }.joined(separator: ", ")
                return Self.response(.notFound, code: "not_found", message: "no such endpoint: \(request.method) \(path); the endpoints are \(served)")
            case .contentTooLarge:
                return Self.response(.contentTooLarge, code: "body_too_large", message: "the body is over the service's limit of \(maxBodySize) bytes; send less at a time (fewer events), or start perk serve with a larger --max-body")
            default:
                return Self.response(error.status, code: "http_\(error.status.code)", message: error.status.reasonPhrase)
            }
        } catch {
            context.logger.error("request failed: \(error)")
            return Self.response(.internalServerError, code: "internal_error", message: "the request could not be served: \(error)")
        }
    }

    static func response(_ status: HTTPResponse.Status, code: String, message: String) -> Response {
        JSONResponse(["error": ["code": code, "message": message]], status: status).encoded()
    }
}
