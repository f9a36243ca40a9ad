import ArgumentParser

@main
struct Perk: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "perk",
        abstract: "Check, format, test, explain, simulate and serve membership and loyalty policies written in the Perk language.",
        version: "0.1.0",
        subcommands: [Check.self, Format.self, Explain.self, Simulate.self, Test.self, Serve.self])
}
