import ArgumentParser
import Foundation
import Hummingbird
import Logging
import NIOCore
import PerkConfig
import PerkServer

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve a policy over HTTP as JSON, reloading it live when its files change.",
        discussion: """
            GET /v1/health, GET /v1/policy (name, version, hash, loaded_at, last_error), POST /v1/evaluate (a member's \
            state and an event → the outcomes and the new state), POST /v1/entitlements, POST /v1/simulate. An edit \
            of the policy or configuration that checks clean is swapped in between requests; one with errors is refused \
            and logged, and GET /v1/policy shows it while the last good policy keeps serving. Stops on SIGINT or SIGTERM.
            """)

    @OptionGroup var configuration: ConfigOption

    @Option(help: "The policy file, served as written (default: the configuration's policy, with its parameter values).")
    var policy: String?

    @Option(help: "The address to listen on (default: 127.0.0.1, or the configuration's serve.host).")
    var host: String?

    @Option(help: "The port (default: 8080, or the configuration's serve.port; 0 picks a free one).")
    var port: Int?

    @Option(help: "Seconds between checks of the files for edits (at least 0.1). An edit is taken up once two checks in a row have seen it unchanged, so a file still being written is never read half-way.")
    var watchInterval: Double = 1

    @Option(help: "The largest request body accepted, in bytes.")
    var maxBody = 1 << 20

    /// Checked here, not left to the server: a port out of range wrapped around to another one, an
    /// interval of 0 checked the files without pause, a body limit of 0 refused every request.
    func validate() throws {
        if let port, !(0...65535).contains(port) {
            throw ValidationError("--port: expected a whole number from 0 to 65535, found `\(port)`")
        }
        guard watchInterval >= 0.1, watchInterval.isFinite else {
            throw ValidationError("--watch-interval: expected at least 0.1 seconds, found `\(watchInterval)`")
        }
        guard maxBody > 0 else { throw ValidationError("--max-body: expected a number of bytes of at least 1, found `\(maxBody)`") }
    }

    func run() async throws {
        let config = try configuration.load()
        let source: PolicyHandle.Source
        if let policy {
            source = .policy(policy)
        } else if let path = config?.file {
            source = .configuration(path)
        } else {
            throw missing("--policy", orConfig: "policy")
        }
        let handle: PolicyHandle
        do {
            handle = try PolicyHandle(source)
        } catch {
            printError("\(error)")
            printError("error: the service did not start; fix the policy and start it again")
            throw ExitCode.policyInvalid
        }
        var logger = Logger(label: "perk.serve")
        logger.logLevel = .info
        handle.watch(every: watchInterval) { [logger] change in
            switch change {
            case .swapped:
                logger.info("policy reloaded", metadata: ["hash": "\(handle.current.hash)", "version": "\(handle.current.version ?? "")"])
            case .refused(let error):
                logger.error("edit refused, still serving the last good policy:\n\(error)")
            case .restored:
                logger.info("the files are the served policy again", metadata: ["hash": "\(handle.current.hash)"])
            }
        }
        let host = host ?? config?.serve.host ?? "127.0.0.1"
        let port = port ?? config?.serve.port ?? 8080
        let loaded = handle.current
        let app = Application(
            router: PerkService(handle: handle, maxBodySize: maxBody).router(),
            configuration: .init(address: .hostname(host, port: port), serverName: "perk"),
            onServerRunning: { channel in
                let bound = channel.localAddress?.port ?? port
                // Unbuffered, so a process watching the output sees it at once.
                FileHandle.standardOutput.write(Data("perk serve: listening on http://\(host):\(bound) — \(loaded.name ?? "policy") version \(loaded.version ?? "-"), hash \(loaded.hash)\n".utf8))
            },
            logger: logger)
        do {
            try await app.runService()
        } catch let error as IOError where error.errnoCode == EADDRINUSE {
            printError("error: port \(port) is already in use; choose another with --port")
            throw ExitCode.runFailed
        } catch let error as IOError where error.errnoCode == EADDRNOTAVAIL {
            printError("error: \(host) is not an address of this machine; choose another with --host (127.0.0.1 for this machine only, 0.0.0.0 for every network)")
            throw ExitCode.runFailed
        } catch let error as SocketAddressError.UnknownHost {
            printError("error: there is no host `\(error.host)`; give --host an IP address (127.0.0.1 for this machine only, 0.0.0.0 for every network) or a name this machine can look up")
            throw ExitCode.runFailed
        }
    }
}
