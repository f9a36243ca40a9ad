import PerkLanguage
for path in CommandLine.arguments.dropFirst() {
    let file = try SourceFile(contentsOfFile: path)
    let result = Parser.parse(file)
    print(DiagnosticRenderer().render(result.diagnostics, in: file))
    print("\(path): \(result.policy.declarations.count) declarations")
}
