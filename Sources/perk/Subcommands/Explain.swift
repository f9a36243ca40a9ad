import ArgumentParser
import Foundation
import PerkConfig
import PerkEngine
import PerkLanguage

struct Explain: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Replay one member's events through a policy and show, in order, what each event and each scheduled effect did and why.",
        discussion: "Events are CSV or JSON Lines (by extension). Events dated on or after --as-of are not applied; the state shown is at the start of that day.")

    @OptionGroup var configuration: ConfigOption

    @Argument(help: "The policy file (default: the configuration's `policy`).")
    var policy: String?

    @Option(help: "The event file (.csv, .jsonl; default: the configuration's `input.events`).")
    var events: String?

    @Option(help: "The members file (member,birthday).")
    var members: String?

    @Option(help: "The event file's format, when its name does not say (csv, jsonl).")
    var inputFormat: EventFileFormat?

    @Option(help: "The member to explain.")
    var member: String

    @Option(help: "Report the state at the start of this day (YYYY-MM-DD; default: the day after the last event).")
    var asOf: String?

    func run() throws {
        let config = try configuration.load()
        let reference = try InputFiles.policy(policy, in: config)
        guard let events = events ?? config?.input.events else { throw missing("--events", orConfig: "input.events") }
        let members = members ?? config?.input.members
        let compiled = try InputFiles.compilePolicy(reference)
        try InputFiles.checkMapping(config, against: compiled)
        let format = inputFormat ?? config?.input.format, mapping = config?.input.mapping ?? InputMapping()
        // The file is streamed: only this member's events are kept, not the whole file.
        var found: [InputEvent] = [], malformed = 0, lastDate: CivilDate?
        try InputFiles.readEvents(events, format: format, policy: compiled, mapping: mapping) { next in
            switch next {
            case .success(let event):
                if event.member == member { found.append(event) }
                if lastDate.map({ $0 < event.date }) ?? true { lastDate = event.date }
            case .failure(let error):
                printError("error: \(error)")
                malformed += 1
            }
        }
        if malformed > 0 {
            printError("error: \(malformed) malformed row\(malformed == 1 ? "" : "s"); fix them and run again")
            throw ExitCode.runFailed
        }
        let birthday = try members.map(InputFiles.readBirthdays)?[member]
        let asOfDate = try InputFiles.asOf(asOf, lastEvent: lastDate)
        let mine = found.inDateOrder(\.date)
        guard !mine.isEmpty else {
            printError("error: member `\(member)` has no events in \(events)")
            throw ExitCode.runFailed
        }
        // Events the member's events refer to but the member does not have (another member's,
        // or a wrong id): a second pass finds where they are, so a refusal can say why.
        let own = Set(mine.map(\.id))
        let elsewhere = Set(mine.flatMap { $0.fields.compactMap { field -> String? in
            if case .event(let id) = field.value, !own.contains(id) { return id } else { return nil }
        } })
        var directory = EventDirectory()
        if !elsewhere.isEmpty {
            try InputFiles.readEvents(events, format: format, policy: compiled, mapping: mapping) { next in
                if case .success(let event) = next, elsewhere.contains(event.id) { directory.record(event) }
            }
        }
        for event in mine { directory.record(event) }
        // Who is a member as of a day: everyone with an event before it (REFERENCE-POLICY.md).
        guard mine[0].date < asOfDate else {
            printError("error: member `\(member)` is not a member yet on \(asOfDate): their first event is dated \(mine[0].date); give a later --as-of")
            throw ExitCode.runFailed
        }
        let name = compiled.checked.name.map { "\"\($0)\"" } ?? reference.path
        print("Member \(member)" + (birthday.map { " (birthday \(String(format: "%02d-%02d", $0.month, $0.day)))" } ?? "") + " under \(name)\n")
        var state = compiled.newMember(id: member, birthday: birthday)
        var skipped = 0
        var applied: Set<String> = []
        for event in mine {
            guard event.date < asOfDate else {
                skipped += 1
                continue
            }
            // A row given twice is refused, as a simulation refuses it.
            let outcomes = applied.insert(event.id).inserted ? compiled.apply(event, to: &state, trace: true, directory: directory)
                : compiled.refuse(event, to: &state, because: .duplicateID(event.id))
            for outcome in outcomes {
                print(OutcomeText.render(outcome, event: outcome.kind == .scheduled ? nil : event))
            }
        }
        for outcome in compiled.advance(&state, to: asOfDate) {
            print(OutcomeText.render(outcome, event: nil))
        }
        print(OutcomeText.render(state, policy: compiled, asOf: asOfDate))
        if skipped > 0 { print("\(skipped) event\(skipped == 1 ? "" : "s") dated on or after \(asOfDate) not applied") }
    }
}

/// Outcomes and states as an operator reads them.
enum OutcomeText {
    static func render(_ outcome: Outcome, event: InputEvent?) -> String {
        var lines: [String] = []
        let pad = String(repeating: " ", count: 12)
        if let event {
            let fields = event.fields.map { "\($0.name) \(describe($0.value))" }.joined(separator: ", ")
            lines.append("\(event.date)  \(event.type) \(event.id)" + (fields.isEmpty ? "" : "  (\(fields))"))
        } else {
            lines.append("\(outcome.date)  scheduled")
        }
        if let rejection = outcome.rejection {
            lines.append(pad + "REJECTED \(rejection.code)" + (rejection.message.map { ": \($0)" } ?? "") + (rejection.rule.map { " [rule \($0)]" } ?? ""))
        }
        for (rule, points) in outcome.earned { lines.append(pad + "+\(points) points by \(rule)") }
        if !outcome.redeemed.isZero { lines.append(pad + "redeemed \(outcome.redeemed) points") }
        if !outcome.clawedBack.isZero { lines.append(pad + "clawed back \(outcome.clawedBack) points") }
        if !outcome.unrecovered.isZero { lines.append(pad + "unrecovered \(outcome.unrecovered) points") }
        if !outcome.deducted.isZero { lines.append(pad + "deducted \(outcome.deducted) points") }
        if !outcome.forfeited.isZero { lines.append(pad + "forfeited \(outcome.forfeited) points") }
        for (earnedOn, points) in outcome.expired { lines.append(pad + "expired \(points) points earned \(earnedOn)") }
        for change in outcome.tierChanges { lines.append(pad + "tier \(change.from) → \(change.to) (\(change.reason))") }
        for change in outcome.statusChanges { lines.append(pad + "status \(change.from) → \(change.to) (\(change.reason))") }
        for use in outcome.benefitUses { lines.append(pad + "use \(use.benefit): " + (use.granted ? "granted" : "denied, \(use.reason ?? "")")) }
        for fee in outcome.fees { lines.append(pad + "fee \(fee.label): \(money(fee.amount))") }
        for notice in outcome.notices { lines.append(pad + "notice: \(notice)") }
        for note in outcome.notes { lines.append(pad + "note \(note.code)" + (note.message.map { ": \($0)" } ?? "")) }
        if event != nil, !outcome.entitlements.isEmpty {
            lines.append(pad + "entitlements: " + outcome.entitlements.map { $0.benefit + ($0.value.map { " \(describe($0))" } ?? "") }.joined(separator: ", "))
        }
        for trace in outcome.trace {
            lines.append(pad + "· \(trace.rule): " + (trace.fired ? "fired" : "not applicable") + (trace.seen.isEmpty ? "" : " — " + trace.seen.joined(separator: ", ")))
        }
        return lines.joined(separator: "\n")
    }

    static func render(_ member: MemberState, policy: CompiledPolicy, asOf: CivilDate) -> String {
        var lines = ["", "As of the start of \(asOf):"]
        var status = member.status.name
        if case .frozen(let until) = member.status { status += " until \(until)" }
        lines.append("  tier \(policy.tierNames.isEmpty ? "-" : policy.tierNames[member.tier]), \(status), balance \(member.balance) points"
                     + (member.nextReview.map { ", next review \($0)" } ?? ""))
        for lot in member.lots where !lot.remaining.isZero {
            lines.append("  lot: \(lot.remaining) of \(lot.amount) points earned \(lot.earnedOn) by \(lot.source)" + (lot.expiresOn.map { ", expires at the end of \($0)" } ?? ""))
        }
        let t = member.totals
        lines.append("  totals: earned \(t.earned), redeemed \(t.redeemed), expired \(t.expired), clawed back \(t.clawedBack), deducted \(t.deducted), forfeited \(t.forfeited), unrecovered \(t.unrecovered), fees \(money(t.fees))")
        let entitlements = policy.entitlements(of: member, on: asOf)
        if !entitlements.isEmpty {
            lines.append("  entitlements: " + entitlements.map { $0.benefit + ($0.value.map { " \(describe($0))" } ?? "") }.joined(separator: ", "))
        }
        return lines.joined(separator: "\n")
    }

    /// An amount with its two decimals: `4000.00 CNY`.
    static func money(_ amount: ExactNumber) -> String {
        let text = amount.description
        guard !text.contains("/") else { return text + " CNY" }
        let parts = text.split(separator: ".", maxSplits: 1)
        let decimals = parts.count == 2 ? String(parts[1]) : ""
        return String(parts[0]) + "." + decimals.padding(toLength: max(2, decimals.count), withPad: "0", startingAt: 0) + " CNY"
    }

    static func describe(_ value: Value) -> String {
        switch value {
        case .text(let t): return t
        case .event(let id): return id
        case .money(let n): return money(n)
        default: return value.description
        }
    }
}
