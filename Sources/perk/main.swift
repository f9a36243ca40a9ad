import PerkLanguage
for path in CommandLine.arguments.dropFirst() {
    let file = try SourceFile(contentsOfFile: path)
    let result = PolicyChecker.check(file)
    print(DiagnosticRenderer().render(result.diagnostics, in: file))
    print("\(path): \(result.syntax.declarations.count) declarations")
}
