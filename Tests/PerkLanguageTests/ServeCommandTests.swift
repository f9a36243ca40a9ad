import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import XCTest

/// `perk serve` started for real on a loopback port and driven over HTTP: health, the policy,
/// evaluating events with the member's state round-tripped, JSON errors, the body limit, and live
/// reload — a broken edit refused while the last good policy serves, a clean one swapped in while
/// requests run.
final class ServeCommandTests: XCTestCase {
    /// A running `perk serve`, stopped when the test ends.
    private final class Server: @unchecked Sendable {
        let process = Process()
        var port = 0

        init(_ arguments: [String]) throws {
            process.executableURL = TestPaths.productsDirectory.appendingPathComponent("perk")
            process.arguments = ["serve"] + arguments
            let output = Pipe()
            process.standardOutput = output
            process.standardError = FileHandle.nullDevice
            try process.run()
            // The first line says where it listens.
            var text = ""
            let deadline = Date().addingTimeInterval(60)
            while Date() < deadline, !text.contains("\n") {
                let data = output.fileHandleForReading.availableData
                if data.isEmpty { break }
                text += String(decoding: data, as: UTF8.self)
            }
            guard let range = text.range(of: #"http://127\.0\.0\.1:(\d+)"#, options: .regularExpression),
                  let port = Int(text[range].split(separator: ":").last!) else {
                process.terminate()
                throw NSError(domain: "perk serve did not start: \(text)", code: 1)
            }
            self.port = port
        }

        func stop() {
            process.terminate()
            process.waitUntilExit()
        }

        /// Sends a request; returns the status and the JSON body.
        func request(_ method: String, _ path: String, _ body: Any? = nil, raw: Data? = nil) throws -> (status: Int, json: [String: Any]) {
            var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
            request.httpMethod = method
            if let body { request.httpBody = try JSONSerialization.data(withJSONObject: body) }
            if let raw { request.httpBody = raw }
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            let done = DispatchSemaphore(value: 0)
            nonisolated(unsafe) var result: (Data?, URLResponse?, Error?)
            URLSession.shared.dataTask(with: request) { data, response, error in
                result = (data, response, error)
                done.signal()
            }.resume()
            guard done.wait(timeout: .now() + 30) == .success else { throw NSError(domain: "timed out: \(method) \(path)", code: 2) }
            if let error = result.2 { throw error }
            let status = (result.1 as? HTTPURLResponse)?.statusCode ?? 0
            let json = (try? JSONSerialization.jsonObject(with: result.0 ?? Data())) as? [String: Any] ?? [:]
            return (status, json)
        }
    }

    private func policyFile() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("perk-serve-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("harbor-hotel.perk")
        try FileManager.default.copyItem(at: TestPaths.packageRoot.appendingPathComponent("policies/harbor-hotel.perk"), to: file)
        return file
    }

    private var e1: [String: Any] { Self.e1 }
    private static let e1Cells = ["id": "e1", "date": "2024-01-10", "member": "M1", "type": "purchase", "amount": "1234.56", "category": "room"]
    private static var e1: [String: Any] { e1Cells }

    /// Points the last outcome of an evaluation earned.
    private func earned(_ json: [String: Any]) -> String? { Self.earned(json) }

    private static func earned(_ json: [String: Any]) -> String? {
        let outcomes = json["outcomes"] as? [[String: Any]]
        return (outcomes?.last?["earned"] as? [[String: String]])?.first?["points"]
    }

    func testEvaluatingAndErrors() throws {
        let server = try Server(["--policy", try policyFile().path, "--port", "0", "--max-body", "4096"])
        defer { server.stop() }
        let health = try server.request("GET", "/v1/health")
        XCTAssertEqual(health.status, 200)
        XCTAssertEqual(health.json["status"] as? String, "ok")
        let policy = try server.request("GET", "/v1/policy")
        XCTAssertEqual(policy.json["name"] as? String, "Harbor Hotel Rewards")
        XCTAssertTrue(policy.json["last_error"] is NSNull, "\(policy.json)")
        XCTAssertNotNil(policy.json["hash"] as? String)

        // floor(1,234.56 / 10) = 123 at Regular; then 4,000 dining: spend before 1,234.56 → Regular, 400,
        // and 5,234.56 in 12 months → Silver.
        let first = try server.request("POST", "/v1/evaluate", ["event": e1])
        XCTAssertEqual(first.status, 200, "\(first.json)")
        XCTAssertEqual(earned(first.json), "123")
        let member = try XCTUnwrap(first.json["member"] as? [String: Any])
        let second = try server.request("POST", "/v1/evaluate", ["member": member, "trace": true, "event": [
            "id": "e2", "date": "2024-05-03", "member": "M1", "type": "purchase", "amount": "4000.00", "category": "dining"]])
        XCTAssertEqual(earned(second.json), "400", "\(second.json)")
        let after = try XCTUnwrap(second.json["member"] as? [String: Any])
        XCTAssertEqual(after["tier"] as? String, "Silver")
        XCTAssertEqual((after["totals"] as? [String: String])?["earned"], "523")
        let trace = ((second.json["outcomes"] as? [[String: Any]])?.last?["trace"] as? [[String: Any]]) ?? []
        XCTAssertTrue(trace.contains { $0["rule"] as? String == "purchase_points" && $0["fired"] as? Bool == true }, "\(trace)")
        let entitled = try server.request("POST", "/v1/entitlements", ["member": after, "date": "2024-05-04"])
        XCTAssertEqual(entitled.status, 200, "\(entitled.json)")
        XCTAssertTrue((entitled.json["entitlements"] as? [[String: Any]])?.contains { $0["benefit"] as? String == "purchase_discount" } ?? false, "\(entitled.json)")

        // The same two purchases as a small simulation: the members' rows and the summary.
        let simulated = try server.request("POST", "/v1/simulate", ["events": [e1, [
            "id": "e2", "date": "2024-05-03", "member": "M1", "type": "purchase", "amount": "4000.00", "category": "dining"]], "as_of": "2024-05-04"])
        XCTAssertEqual(simulated.status, 200, "\(simulated.json)")
        let rows = try XCTUnwrap(simulated.json["members"] as? [[String: Any]])
        XCTAssertEqual(rows.count, 1)
        XCTAssertEqual(rows.first?["earned"] as? String, "523")
        XCTAssertEqual(rows.first?["tier"] as? String, "Silver")
        XCTAssertEqual(((simulated.json["summary"] as? [String: Any])?["rows"] as? [String: Int])?["read"], 2)

        // docs/openapi.yaml describes exactly the endpoints served: each answers (200, or 400 for an
        // empty body), none is 404.
        let openAPI = try String(contentsOf: TestPaths.packageRoot.appendingPathComponent("docs/openapi.yaml"), encoding: .utf8)
        let lines = openAPI.split(separator: "\n").map(String.init)
        var documented: [String] = []
        for (index, line) in lines.enumerated() where line.hasPrefix("  /v1/") && line.hasSuffix(":") {
            let path = String(line.dropFirst(2).dropLast())
            let method = lines[index + 1].trimmingCharacters(in: .whitespaces).replacingOccurrences(of: ":", with: "").uppercased()
            documented.append("\(method) \(path)")
            let answer = try server.request(method, path, method == "POST" ? [String: Any]() : nil)
            XCTAssertEqual(answer.status, method == "GET" ? 200 : 400, "\(method) \(path): \(answer.json)")
        }
        XCTAssertEqual(documented, ["GET /v1/health", "GET /v1/policy", "POST /v1/evaluate", "POST /v1/entitlements", "POST /v1/simulate"])

        func error(_ response: (status: Int, json: [String: Any])) -> (Int, String?, String?) {
            let body = response.json["error"] as? [String: String]
            return (response.status, body?["code"], body?["message"])
        }
        XCTAssertEqual(error(try server.request("POST", "/v1/evaluate", raw: Data("{".utf8))).0, 400)
        XCTAssertEqual(error(try server.request("POST", "/v1/evaluate", raw: Data("{".utf8))).1, "malformed_request")
        let noType = error(try server.request("POST", "/v1/evaluate", ["event": ["id": "x", "date": "2024-01-10", "member": "M1"]]))
        XCTAssertEqual(noType.0, 400)
        XCTAssertEqual(noType.1, "invalid_event")
        XCTAssertEqual(noType.2, "event: type: missing; every event needs an id, a date, a member and a type")
        let noEvent = error(try server.request("POST", "/v1/evaluate", ["trace": true]))
        XCTAssertEqual(noEvent.1, "malformed_request")
        XCTAssertEqual(noEvent.2, "event is missing")
        let wrongMember = error(try server.request("POST", "/v1/evaluate", ["member": ["id": "M1", "tier": "Platinum"], "event": e1]))
        XCTAssertEqual(wrongMember.1, "invalid_member")
        XCTAssertTrue(wrongMember.2?.contains("no tier `Platinum`") ?? false, "\(wrongMember)")
        let lot = ["earned_on": "2024-01-01", "amount": "100", "remaining": "200", "source": "p", "notice_issued": false] as [String: Any]
        let overfull = error(try server.request("POST", "/v1/evaluate", ["member": ["id": "M1", "lots": [lot], "totals": ["earned": "200"]], "event": e1]))
        XCTAssertEqual(overfull.0, 400)
        XCTAssertEqual(overfull.1, "invalid_member")
        XCTAssertEqual(overfull.2, "member.lots[0].remaining: 200 points is more than the lot's amount, 100")
        XCTAssertEqual(error(try server.request("GET", "/v2/nothing")).0, 404)
        XCTAssertEqual(error(try server.request("GET", "/v2/nothing")).1, "not_found")
        // A known endpoint with the wrong method is 405, naming the method it takes.
        let wrongMethod = error(try server.request("GET", "/v1/evaluate"))
        XCTAssertEqual(wrongMethod.0, 405)
        XCTAssertEqual(wrongMethod.1, "method_not_allowed")
        XCTAssertEqual(wrongMethod.2, "/v1/evaluate takes POST, not GET")
        let large = error(try server.request("POST", "/v1/evaluate", raw: Data(("{\"event\": {\"id\": \"" + String(repeating: "x", count: 10_000) + "\"}}").utf8)))
        XCTAssertEqual(large.0, 413)
        XCTAssertEqual(large.1, "body_too_large")
        XCTAssertEqual(large.2, "the body is over the service's limit of 4096 bytes; send less at a time (fewer events), or start perk serve with a larger --max-body")
    }

    /// A member's state is past the day of an event (or a question) dated before its
    /// `processed_through`: applied, it would earn at today's tier. Refused, saying why; the
    /// processed_through day itself is fine.
    func testEventsBeforeTheMembersStateAreRefused() throws {
        let server = try Server(["--policy", try policyFile().path, "--port", "0"])
        defer { server.stop() }
        // 6,000 CNY on 2024-06-01: 600 points, Silver.
        func purchase(_ id: String, on date: String) -> [String: Any] {
            ["id": id, "date": date, "member": "M1", "type": "purchase", "amount": "6000", "category": "room"]
        }
        let first = try server.request("POST", "/v1/evaluate", ["event": purchase("p", on: "2024-06-01")])
        let member = try XCTUnwrap(first.json["member"] as? [String: Any])
        XCTAssertEqual(member["processed_through"] as? String, "2024-06-01")
        XCTAssertEqual(member["tier"] as? String, "Silver")

        let late = try server.request("POST", "/v1/evaluate", ["member": member, "event": purchase("b", on: "2023-01-01")])
        XCTAssertEqual(late.status, 400)
        XCTAssertEqual(late.json["error"] as? [String: String], [
            "code": "invalid_event",
            "message": "event: date: 2023-01-01 is before the member's processed_through 2024-06-01; send a member's events in date order"])
        let lateQuestion = try server.request("POST", "/v1/entitlements", ["member": member, "date": "2024-05-31"])
        XCTAssertEqual(lateQuestion.status, 400)
        XCTAssertEqual(lateQuestion.json["error"] as? [String: String], [
            "code": "malformed_request",
            "message": "date: 2024-05-31 is before the member's processed_through 2024-06-01; ask about that day or a later one"])

        // The same day: 6,000 more at Silver (× 1.2) is 720 points.
        let sameDay = try server.request("POST", "/v1/evaluate", ["member": member, "event": purchase("c", on: "2024-06-01")])
        XCTAssertEqual(sameDay.status, 200, "\(sameDay.json)")
        XCTAssertEqual(earned(sameDay.json), "720")
        XCTAssertEqual(try server.request("POST", "/v1/entitlements", ["member": member, "date": "2024-06-01"]).status, 200)
    }

    /// A key given twice in one object is refused, naming the object and the key, as the event
    /// files' reader refuses such a row (JSON readers keep one of the values and say nothing).
    /// The same key in different objects, and braces and quotes inside strings, are fine.
    func testKeysGivenTwiceAreRefused() throws {
        let server = try Server(["--policy", try policyFile().path, "--port", "0"])
        defer { server.stop() }
        let event = #"{"id": "e1", "date": "2024-01-10", "member": "M1", "type": "purchase", "category": "room", "amount": "100""#
        let refusals = [
            ("/v1/evaluate", #"{"event": \#(event), "amount": "99999"}}"#, "event: the key `amount` is given twice; keep one"),
            ("/v1/evaluate", #"{"event": \#(event), "\u0061mount": "99999"}}"#, "event: the key `amount` is given twice; keep one"),
            ("/v1/evaluate", #"{"event": \#(event)}, "trace": true, "event": \#(event)}}"#, "the body: the key `event` is given twice; keep one"),
            ("/v1/simulate", #"{"events": [\#(event)}, \#(event), "id": "e2"}]}"#, "events[1]: the key `id` is given twice; keep one"),
            ("/v1/entitlements", #"{"date": "2024-01-10", "member": {"id": "M1", "lots": [{"earned_on": "2024-01-10", "amount": "5", "remaining": "5", "source": "e1", "notice_issued": false, "amount": "9"}]}}"#,
             "member.lots[0]: the key `amount` is given twice; keep one"),
        ]
        for (path, body, message) in refusals {
            let answer = try server.request("POST", path, raw: Data(body.utf8))
            XCTAssertEqual(answer.status, 400, body)
            XCTAssertEqual(answer.json["error"] as? [String: String], ["code": "malformed_request", "message": message], body)
        }
        let tricky = #"{"events": [\#(event)}, {"id": "e2", "date": "2024-01-11", "member": "M1", "type": "purchase", "category": "a \"room\", {\"amount\": 1}", "amount": "100"}]}"#
        let answer = try server.request("POST", "/v1/simulate", raw: Data(tricky.utf8))
        XCTAssertEqual(answer.status, 200, "\(answer.json)")
    }

    /// Messages name JSON's kinds of value, not Swift's types; an empty body is called empty, a
    /// body that is not JSON says why; a port in use and an unknown host say what to do.
    func testMessagesInAClientsWords() throws {
        let server = try Server(["--policy", try policyFile().path, "--port", "0"])
        defer { server.stop() }
        let event = #""event": {"id": "e1", "date": "2024-01-10", "member": "M1", "type": "purchase", "amount": "10", "category": "room"}"#
        let messages = [
            ("/v1/evaluate", "", "the body is empty; send a JSON object, such as {\"event\": {...}}"),
            ("/v1/evaluate", " \n", "the body is empty; send a JSON object, such as {\"event\": {...}}"),
            ("/v1/evaluate", "[]", "the body: expected an object"),
            ("/v1/evaluate", #"{"event": 5}"#, "event: expected an object"),
            ("/v1/evaluate", #"{\#(event), "trace": "yes"}"#, "trace: expected true or false"),
            ("/v1/simulate", #"{"events": {}}"#, "events: expected a list"),
            ("/v1/entitlements", #"{"member": {"id": "M1"}, "date": 20240110}"#, "date: expected text"),
        ]
        for (path, body, message) in messages {
            let answer = try server.request("POST", path, raw: Data(body.utf8))
            XCTAssertEqual(answer.status, 400, body)
            XCTAssertEqual(answer.json["error"] as? [String: String], ["code": "malformed_request", "message": message], body)
        }
        let notJSON = try server.request("POST", "/v1/evaluate", raw: Data(#"{\#(event)} and more"#.utf8))
        let reason = try XCTUnwrap((notJSON.json["error"] as? [String: String])?["message"])
        XCTAssertTrue(reason.hasPrefix("the body is not valid JSON: "), reason)
        XCTAssertFalse(reason.contains("The given data"), reason)

        let inUse = try refusal(["--port", "\(server.port)"])
        XCTAssertEqual(inUse.status, 2, inUse.output)
        XCTAssertEqual(inUse.output, "error: port \(server.port) is already in use; choose another with --port\n")
        let unknownHost = try refusal(["--host", "999.1.1.1", "--port", "0"])
        XCTAssertEqual(unknownHost.status, 2, unknownHost.output)
        XCTAssertEqual(unknownHost.output, "error: there is no host `999.1.1.1`; give --host an IP address (127.0.0.1 for this machine only, "
                       + "0.0.0.0 for every network) or a name this machine can look up\n")
    }

    /// `perk serve` with arguments it must refuse before it starts: its exit status and what it
    /// printed; nil when it started serving instead (stopped after 10 s).
    private func refusal(_ arguments: [String]) throws -> (status: Int32?, output: String) {
        let process = Process()
        process.executableURL = TestPaths.productsDirectory.appendingPathComponent("perk")
        process.arguments = ["serve", "--policy", try policyFile().path] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let deadline = Date().addingTimeInterval(10)
        while process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        let started = process.isRunning
        if started { process.terminate() }
        process.waitUntilExit()
        try output.fileHandleForWriting.close()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        return (started ? nil : process.terminationStatus, text)
    }

    /// A port out of range (it wrapped around to another), a watch interval of 0 (the files were
    /// read without pause) and a body limit of 0 are usage errors (64), said as perk.yaml says them.
    func testFlagsOutOfRangeAreRefused() throws {
        let refusals = [
            (["--port", "70001"], "--port: expected a whole number from 0 to 65535, found `70001`"),
            (["--port=-1"], "--port: expected a whole number from 0 to 65535, found `-1`"),
            (["--port", "0", "--watch-interval", "0"], "--watch-interval: expected at least 0.1 seconds, found `0.0`"),
            (["--port", "0", "--watch-interval=-2"], "--watch-interval: expected at least 0.1 seconds, found `-2.0`"),
            (["--port", "0", "--max-body", "0"], "--max-body: expected a number of bytes of at least 1, found `0`"),
        ]
        for (arguments, message) in refusals {
            let result = try refusal(arguments)
            XCTAssertEqual(result.status, 64, "\(arguments): \(result.output)")
            XCTAssertTrue(result.output.hasPrefix("Error: \(message)\n"), "\(arguments): \(result.output)")
        }
    }

    /// Through a configuration: its parameter values apply, /v1/policy lists them, and the
    /// configuration's `serve.host` is where it listens.
    func testServingAConfiguration() throws {
        let file = try policyFile()
        let config = file.deletingLastPathComponent().appendingPathComponent("perk.yaml")
        try "policy: harbor-hotel.perk\nparameters:\n  earn_rate: 2 points per 10 CNY\nserve:\n  host: 127.0.0.1\n  port: 0\n"
            .write(to: config, atomically: true, encoding: .utf8)
        let server = try Server(["--config", config.path])
        defer { server.stop() }
        let policy = try server.request("GET", "/v1/policy")
        XCTAssertEqual(policy.json["parameters"] as? [String: String], ["earn_rate": "2 points per 10 CNY"])
        // floor(1,234.56 × 2 / 10) = 246.
        XCTAssertEqual(earned(try server.request("POST", "/v1/evaluate", ["event": e1]).json), "246")
    }

    func testLiveReloadWhileRequestsRun() throws {
        let file = try policyFile()
        let original = try String(contentsOf: file, encoding: .utf8)
        let server = try Server(["--policy", file.path, "--port", "0", "--watch-interval", "0.1"])
        defer { server.stop() }
        let firstHash = try server.request("GET", "/v1/policy").json["hash"] as? String

        // A broken edit: refused, reported, the last good policy keeps serving.
        try original.replacingOccurrences(of: "floor(amount * earn_rate)", with: "floor(amount * earn_rat)").write(to: file, atomically: true, encoding: .utf8)
        var policy: [String: Any] = [:]
        for _ in 0..<100 where (policy["last_error"] as? String) == nil {
            Thread.sleep(forTimeInterval: 0.1)
            policy = try server.request("GET", "/v1/policy").json
        }
        XCTAssertTrue((policy["last_error"] as? String)?.contains("unknown name `earn_rat`") ?? false, "\(policy)")
        XCTAssertEqual(policy["hash"] as? String, firstHash)
        XCTAssertEqual(earned(try server.request("POST", "/v1/evaluate", ["event": e1]).json), "123")

        // A clean edit, while requests run: each is answered whole by one policy or the other.
        let answers = LockedList()
        let stop = LockedList()
        let readers = DispatchGroup()
        for _ in 0..<2 {
            DispatchQueue.global().async(group: readers) {
                while stop.isEmpty {
                    let answer = try? server.request("POST", "/v1/evaluate", ["event": Self.e1Cells])
                    answers.append("\(answer?.status ?? 0) \(answer.flatMap { Self.earned($0.json) } ?? "none")")
                }
            }
        }
        try original.replacingOccurrences(of: "param earn_rate = 1 point per 10 CNY", with: "param earn_rate = 2 points per 10 CNY")
            .write(to: file, atomically: true, encoding: .utf8)
        for _ in 0..<100 where policy["hash"] as? String == firstHash || !(policy["last_error"] is NSNull) {
            Thread.sleep(forTimeInterval: 0.1)
            policy = try server.request("GET", "/v1/policy").json
        }
        Thread.sleep(forTimeInterval: 0.3)
        stop.append("stop")
        readers.wait()
        XCTAssertNotEqual(policy["hash"] as? String, firstHash)
        XCTAssertTrue(policy["last_error"] is NSNull, "\(policy)")
        XCTAssertEqual(earned(try server.request("POST", "/v1/evaluate", ["event": e1]).json), "246")
        XCTAssertFalse(answers.items.isEmpty)
        XCTAssertTrue(Set(answers.items).isSubset(of: ["200 123", "200 246"]), "\(Set(answers.items))")

        // The file deleted: reported, while the last good policy keeps serving.
        try FileManager.default.removeItem(at: file)
        for _ in 0..<100 where policy["last_error"] is NSNull {
            Thread.sleep(forTimeInterval: 0.1)
            policy = try server.request("GET", "/v1/policy").json
        }
        XCTAssertEqual(policy["last_error"] as? String, "`\(file.path)` cannot be read: no such file (deleted or moved?)")
        XCTAssertEqual(earned(try server.request("POST", "/v1/evaluate", ["event": e1]).json), "246")
    }
}

private final class LockedList: @unchecked Sendable {
    private let lock = NSLock()
    private var list: [String] = []
    var items: [String] { lock.withLock { list } }
    var isEmpty: Bool { lock.withLock { list.isEmpty } }
    func append(_ item: String) { lock.withLock { list.append(item) } }
}
