import Dispatch
import Foundation
import PerkLanguage

/// A dry run: members' past events replayed through one policy (or two, side by side), each
/// member's events in (date, input order), every time-driven effect applied up to the start of
/// the as-of day. Members are independent, so they are replayed in parallel; the results do not
/// depend on how many jobs run.
public struct Simulation: Sendable {
    /// The policies replayed: the first, and the one compared with it.
    public let policies: [CompiledPolicy]
    public let birthdays: [String: Birthday]
    /// Where the events others refer to are, so a reference to an event not applied can say why.
    public let directory: EventDirectory
    /// The state is the state at the start of this day; later events are not applied.
    public let asOf: CivilDate

    public init(policies: [CompiledPolicy], birthdays: [String: Birthday], directory: EventDirectory, asOf: CivilDate) {
        precondition(!policies.isEmpty, "a simulation needs a policy")
        self.policies = policies
        self.birthdays = birthdays
        self.directory = directory
        self.asOf = asOf
    }

    /// One member at the end of the run, under one policy.
    public struct MemberResult: Sendable, Equatable {
        public let member: String
        public let tier: String
        /// The tier the ladder's measure gives on the as-of day (what a review then would give);
        /// empty without tiers.
        public let qualifyingTier: String
        public let status: String
        /// The balance, then the totals in `MemberState.Totals`' order, small (see `Amounts`).
        let amounts: Amounts

        /// The points held.
        public var balance: ExactNumber { amounts[0] }
        public var totals: MemberState.Totals {
            var totals = MemberState.Totals()
            (totals.earned, totals.redeemed, totals.expired, totals.clawedBack) = (amounts[1], amounts[2], amounts[3], amounts[4])
            (totals.deducted, totals.forfeited, totals.unrecovered, totals.fees) = (amounts[5], amounts[6], amounts[7], amounts[8])
            return totals
        }

        init(member: String, tier: String, qualifyingTier: String, status: String, balance: ExactNumber, totals: MemberState.Totals) {
            (self.member, self.tier, self.qualifyingTier, self.status) = (member, tier, qualifyingTier, status)
            amounts = Amounts(balance, totals)
        }

        /// Nine exact numbers — a member's balance and totals — in 16 bytes each, a numerator and
        /// a denominator of 64 bits, when all of them fit (a member's points and fees do), or
        /// else whole. As `ExactNumber`s (32 bytes each) a result took 352 bytes: a simulation
        /// writes one for each of its members to fresh memory (1 M for W2) and reads them back in
        /// id order, and the copies of results waited on those stores.
        struct Amounts: Sendable, Equatable {
            /// Numerator and denominator of each, in order, when all fit in 64 bits (else zeros).
            private var parts = InlineArray<18, Int64>(repeating: 0)
            /// All nine, when one does not fit.
            private var wide: [ExactNumber]?

            init(_ balance: ExactNumber, _ t: MemberState.Totals) {
                guard set(0, balance), set(1, t.earned), set(2, t.redeemed), set(3, t.expired), set(4, t.clawedBack),
                      set(5, t.deducted), set(6, t.forfeited), set(7, t.unrecovered), set(8, t.fees) else {
                    parts = InlineArray(repeating: 0)
                    wide = [balance, t.earned, t.redeemed, t.expired, t.clawedBack, t.deducted, t.forfeited, t.unrecovered, t.fees]
                    return
                }
            }

            /// Keeps `number` at `index` when it fits in 64 bits; false when it does not.
            private mutating func set(_ index: Int, _ number: ExactNumber) -> Bool {
                guard let numerator = Int64(exactly: number.numerator), let denominator = Int64(exactly: number.denominator) else { return false }
                (parts[2 * index], parts[2 * index + 1]) = (numerator, denominator)
                return true
            }

            /// (Inlined: called, the parts were copied whole to be read.)
            subscript(index: Int) -> ExactNumber {
                @inline(__always) get {
                if let wide { return wide[index] }
                // Kept from an `ExactNumber`, so in lowest terms.
                return ExactNumber(lowestTerms: Int128(parts[2 * index]), denominator: Int128(parts[2 * index + 1]))
                }
            }

            // Each kept one way only (small when all fit), so equal numbers are kept alike.
            static func == (a: Amounts, b: Amounts) -> Bool {
                a.wide == b.wide && a.parts.indices.allSatisfy { a.parts[$0] == b.parts[$0] }
            }
        }
    }

    /// What a run found, for each policy: every member (sorted by id) and the tallies.
    public struct Result: Sendable {
        /// `members[p][i]`: member `i` (sorted by id) under policy `p`.
        public let members: [Members]
        public let tallies: [Tally]
        /// Events dated on or after the as-of day, left unapplied.
        public let notApplied: Int
    }

    /// One policy's members at the end of a run, sorted by id. Each part of the run's results
    /// (a partition's) stays where it was made and is read in id order through a list of places:
    /// gathered into one array and put in order, a million results of hundreds of bytes each
    /// took 0.4 s on one thread (W2 10M), mostly in cache misses.
    public struct Members: RandomAccessCollection, Equatable, Sendable {
        private let parts: [[MemberResult]]
        /// Member `i`'s part (high 32 bits) and its place in it (low 32); nil: the only part's
        /// members are in order.
        private let places: [UInt64]?
        public let endIndex: Int
        public var startIndex: Int { 0 }

        /// Members already in id order.
        public init(_ members: [MemberResult]) { self.init(parts: [members], places: nil, count: members.count) }

        private init(parts: [[MemberResult]], places: [UInt64]?, count: Int) {
            self.parts = parts
            self.places = places
            endIndex = count
        }

        /// The members of several parts, each part's in id order, ids unique across them.
        package init(parts: [[MemberResult]]) {
            guard parts.count > 1 else {
                self.init(parts.first ?? [])
                return
            }
            precondition(parts.count <= Int(UInt32.max) && parts.allSatisfy { $0.count <= Int(UInt32.max) }, "too many members")
            var places: [UInt64] = []
            places.reserveCapacity(parts.reduce(0) { $0 + $1.count })
            for part in parts.indices {
                for index in parts[part].indices { places.append(UInt64(part) << 32 | UInt64(index)) }
            }
            func member(_ place: UInt64) -> String { parts[Int(place >> 32)][Int(place & 0xFFFF_FFFF)].member }
            // The parts are sorted runs, which the library's sort merges.
            let order = positionsInIDOrder(count: places.count) { member(places[$0]) }
            self.init(parts: parts, places: order.map { places[$0] }, count: order.count)
        }

        public subscript(position: Int) -> MemberResult {
            guard let places else { return parts[0][position] }
            let place = places[position]
            return parts[Int(place >> 32)][Int(place & 0xFFFF_FFFF)]
        }

        /// Calls `body` with each member of `range` in turn, read where it is kept (through the
        /// subscript, each result was copied and its texts retained: a sixth of members.csv).
        func forEach(in range: Range<Int>, _ body: (borrowing MemberResult) -> Void) {
            for position in range {
                if let places {
                    let place = places[position]
                    body(parts[Int(place >> 32)][Int(place & 0xFFFF_FFFF)])
                } else {
                    body(parts[0][position])
                }
            }
        }

        public static func == (a: Members, b: Members) -> Bool { a.elementsEqual(b) }
    }

    /// Replays the members of every partition, `jobs` partitions at a time (so only their events
    /// are held). `progress` receives the number of events of the members replayed as they are
    /// done.
    public func run(_ partitions: MemberPartitions, jobs: Int = ProcessInfo.processInfo.activeProcessorCount,
                    progress: (@Sendable (Int) -> Void)? = nil) throws -> Result {
        let store = OrderedSlots<Swift.Result<PartResult, Error>>(count: partitions.count)
        let replicas = Self.replicas(of: policies, workers: min(jobs, partitions.count))
        let recent = replicas.map { _ in MemberPartitions.RecentValues() }
        let work: @Sendable (Int, Int) -> Void = { index, worker in
            // The partition's events are freed here and their memory is reused by the next
            // partition's: not handed back to the system, whose pages would be faulted in again
            // (W2 10M: a million page faults, 4 s of system time, for no lower peak).
            store.set(index, Swift.Result {
                let (events, groups) = try partitions.eventsByMember(ofPartition: index, recent: recent[worker])
                return run(events, groupedAs: groups, under: replicas[worker], jobs: 1, progress: progress)
            })
        }
        runInParallel(partitions.count, jobs: jobs, work)
        let parts = try store.takeValues().map { try $0.get() }
        var tallies = policies.map { Tally(policy: $0, asOf: asOf) }
        for part in parts {
            for policy in policies.indices { tallies[policy].merge(part.tallies[policy]) }
        }
        // Partitions hold members by hash, each partition's in id order.
        return Result(members: policies.indices.map { policy in Members(parts: parts.map { $0.members[policy] }) }, tallies: tallies,
                      notApplied: parts.reduce(0) { $0 + $1.notApplied })
    }

    /// Replays the members whose events are given, in input order (members interleaved), on
    /// `jobs` threads.
    public func run(_ events: [InputEvent], jobs: Int = ProcessInfo.processInfo.activeProcessorCount,
                    progress: (@Sendable (Int) -> Void)? = nil) -> Result {
        let part = run(ReplayEvents(events), groupedAs: MemberGroups(events), under: policies, jobs: jobs, progress: progress)
        return Result(members: part.members.map(Members.init), tallies: part.tallies, notApplied: part.notApplied)
    }

    /// What replaying some of the members found: for each policy, its members in id order, and the tallies.
    private struct PartResult {
        let members: [[MemberResult]]
        let tallies: [Tally]
        let notApplied: Int
    }

    /// The policies each of `workers` threads replays under: worker 0 the simulation's own, every
    /// other worker replicas of its own (threads sharing a compiled policy contend for the
    /// reference counts of its closures and tables on every event).
    private static func replicas(of policies: [CompiledPolicy], workers: Int) -> [[CompiledPolicy]] {
        [policies] + (1..<max(workers, 1)).map { _ in policies.map { $0.replica() } }
    }

    /// Replays `events`, which `grouped` groups by member, under `policies` (the simulation's or
    /// replicas of them) on `jobs` threads; takes or drops every event.
    private func run(_ events: ReplayEvents, groupedAs grouped: MemberGroups, under policies: [CompiledPolicy], jobs: Int,
                     progress: (@Sendable (Int) -> Void)?) -> PartResult {
        // A member is anyone with an event before the as-of day (REFERENCE-POLICY.md).
        let members = grouped.ranges.indices.filter { events[grouped.positions[grouped.ranges[$0].lowerBound]].date < asOf }
        let notApplied = (0..<events.count).count { events[$0].date >= asOf }
        // The others' events are never replayed.
        for member in grouped.ranges.indices where events[grouped.positions[grouped.ranges[member].lowerBound]].date >= asOf {
            for position in grouped.positions[grouped.ranges[member]] { events.drop(position) }
        }
        // Several chunks a thread balance the threads' work; one thread needs one (each chunk's
        // tally is merged, which costs as much as a few members' replay).
        let chunkCount = jobs <= 1 ? 1 : min(max(members.count, 1), jobs * 8)
        let chunks = (0..<chunkCount).map { index in members.count * index / chunkCount..<members.count * (index + 1) / chunkCount }
        let store = OrderedSlots<([[MemberResult]], [Tally])>(count: chunkCount)
        let replicas = Self.replicas(of: policies, workers: min(jobs, chunkCount))
        let work: @Sendable (Int, Int) -> Void = { chunk, worker in
            let policies = replicas[worker]
            var tallies = policies.map { Tally(policy: $0, asOf: asOf) }
            // Room for every member of the chunk: grown as appended, each result was copied again.
            var results: [[MemberResult]] = policies.map { _ in
                var list: [MemberResult] = []
                list.reserveCapacity(chunks[chunk].count)
                return list
            }
            var replayed = 0
            var outcomes: [Outcome] = []
            // One session a policy, started over for each member in the storage of the last (and
            // changed where it is kept: moved in and out, it was copied whole each time).
            var sessions: [MemberReplay?] = policies.map { _ in nil }
            for (ordinal, member) in zip(chunks[chunk], members[chunks[chunk]]) {
                // The next member's events' dates asked for now: the first look at a member's
                // events (which of them come before the as-of day) read each from memory.
                if ordinal + 1 < chunks[chunk].upperBound {
                    for position in grouped.positions[grouped.ranges[members[ordinal + 1]]] { events.prefetchDate(of: position) }
                }
                let positions = grouped.positions[grouped.ranges[member]]
                let applied = positions.prefix { events[$0].date < asOf }
                // A row given twice is refused `duplicate_id`, not counted twice, under each policy.
                let repeated = events.repeatedIDs(among: applied)
                for (index, policy) in policies.enumerated() {
                    let newMember = policy.newMember(id: grouped.ids[member], birthday: birthdays[grouped.ids[member]])
                    if sessions[index] == nil {
                        sessions[index] = MemberReplay(session: MemberSession(newMember, under: policy))
                    } else {
                        sessions[index]!.session.restart(with: newMember)
                    }
                    results[index].append(replay(grouped.ids[member], events, applied, refusing: repeated, under: policy, take: index == policies.count - 1,
                                                 as: &sessions[index]!, into: &tallies[index], outcomes: &outcomes))
                }
                for position in positions[applied.endIndex...] { events.drop(position) }
                replayed += positions.count
            }
            store.set(chunk, (results, tallies))
            progress?(replayed)
        }
        runInParallel(chunkCount, jobs: jobs, work)
        // Chunks are merged in member order: the same result whatever the number of jobs.
        var results = Array(repeating: [MemberResult](), count: policies.count)
        var tallies = policies.map { Tally(policy: $0, asOf: asOf) }
        for (chunkMembers, chunkTallies) in store.values() {
            for index in policies.indices {
                // The first chunk's results are taken as they are (one chunk: not copied at all).
                if results[index].isEmpty { results[index] = chunkMembers[index] } else { results[index] += chunkMembers[index] }
                tallies[index].merge(chunkTallies[index])
            }
        }
        return PartResult(members: results, tallies: tallies, notApplied: notApplied)
    }

    /// One member's events under one policy, tallied month by month.
    /// `applied`: the positions in `events` of the member's events before the as-of day, in order;
    /// `repeated`: those among them refused as repeating an earlier one's id.
    /// `take`: whether the events are taken as they are applied (under the last policy replayed)
    /// rather than copied.
    /// `member`: the session, new or started over for this member.
    /// `outcomes`: an array that takes every outcome in turn (one reused, not one per event).
    private func replay(_ id: String, _ events: ReplayEvents, _ applied: ArraySlice<Int>, refusing repeated: [Int], under policy: CompiledPolicy, take: Bool,
                        as member: inout MemberReplay, into tally: inout Tally, outcomes: inout [Outcome]) -> MemberResult {
        member.session.reserveCapacity(forEvents: applied.count)
        tally.open(Month(events[applied.first!].date), tier: member.session.member.tier)
        for position in applied {
            // Decoded a whole partition ago, the events are out of the caches again; the next
            // member's follow this one's, so the last events ask for the next member's first.
            events.prefetch(position + 4)
            if !repeated.isEmpty, repeated.contains(position) {
                let event = take ? events.take(position) : events[position]
                member.refuse(event, .duplicateID(event.id), into: &tally, outcomes: &outcomes)
                continue
            }
            member.apply(take ? events.take(position) : events[position], directory: directory, into: &tally, outcomes: &outcomes)
        }
        member.advance(to: asOf, into: &tally, outcomes: &outcomes)
        let qualifying = member.session.qualifyingTier(on: asOf)
        let state = member.session.member
        tally.finish(state, qualifyingTier: qualifying)
        func name(_ rank: Int?) -> String { rank.map { policy.tierNames[$0] } ?? "" }
        return MemberResult(member: id, tier: name(policy.tierNames.isEmpty ? nil : state.tier), qualifyingTier: name(qualifying),
                            status: state.status.name, balance: state.balance, totals: state.totals)
    }
}

/// A replay under one policy, member after member (the session started over for each,
/// `MemberSession.restart`), the state changed in place (nested functions sharing it kept it in
/// a box checked for exclusive access at every use, and passed copies of it).
private struct MemberReplay {
    var session: MemberSession

    /// Applies an event (and the time-driven effects before it), counting what they did: the
    /// event's outcome read where the session keeps it, not moved out. `outcomes` is empty, as
    /// counting leaves it (emptying it again went through generic code).
    mutating func apply(_ event: consuming RecordedEvent, directory: EventDirectory, into tally: inout Tally, outcomes: inout [Outcome]) {
        assert(outcomes.isEmpty, "outcomes left over")
        session.applyKeepingOutcome(recorded: consume event, entitlements: false, directory: directory, scheduled: &outcomes)
        tally.count(&outcomes)
        // The stored property itself: read through an accessor, the outcome was copied.
        tally.count(session.execution.outcome)
    }

    /// Refuses an event with `rejection` (after the time-driven effects before it), counting both.
    mutating func refuse(_ event: consuming RecordedEvent, _ rejection: Rejection, into tally: inout Tally, outcomes: inout [Outcome]) {
        assert(outcomes.isEmpty, "outcomes left over")
        session.refuseKeepingOutcome(recorded: consume event, rejection, scheduled: &outcomes)
        tally.count(&outcomes)
        tally.count(session.execution.outcome)
    }

    /// Applies the time-driven effects due before `date`, counting what they did (`outcomes` is empty).
    mutating func advance(to date: CivilDate, into tally: inout Tally, outcomes: inout [Outcome]) {
        assert(outcomes.isEmpty, "outcomes left over")
        session.advance(to: date, into: &outcomes)
        tally.count(&outcomes)
    }
}

/// Events grouped by member without moving them: the members in id order, and for each, the
/// positions of their events in (date, input) order.
struct MemberGroups {
    let ids: [String]
    /// Every event's position, member after member.
    let positions: [Int]
    /// Member `i`'s part of `positions`.
    let ranges: [Range<Int>]

    init(_ events: [InputEvent]) {
        var numbers: [String: Int] = [:]
        var ids: [String] = []
        // By index: mapping or passing the events would copy each.
        let numberOf = events.indices.map { index in
            let member = events[index].member
            if let number = numbers[member] { return number }
            numbers[member] = ids.count
            ids.append(member)
            return ids.count - 1
        }
        self.init(ids: ids, numberOf: numberOf, day: { events[$0].date.dayNumber })
    }

    /// Groups events whose members are numbered: event `i` is member `ids[numberOf[i]]`'s, on
    /// day number `day(i)`.
    init(ids: [String], numberOf: [Int], day: (Int) -> Int) {
        let count = numberOf.count
        let byID = positionsInIDOrder(ids)
        var rank = [Int](repeating: 0, count: ids.count)
        for (position, number) in byID.enumerated() { rank[number] = position }
        // Counted into place: each member's positions in input order, then sorted by date (stably).
        var starts = [Int](repeating: 0, count: ids.count + 1)
        for number in numberOf { starts[rank[number] + 1] += 1 }
        for index in ids.indices { starts[index + 1] += starts[index] }
        // Each event's day and position in one number, placed member after member as the events
        // are read in order: sorting a member's numbers puts its events in date order, the same
        // date in input order, without going back to the events (scattered in memory) to compare.
        precondition(count <= Int(UInt32.max), "more than 2³² − 1 events replayed at once")
        var next = starts
        var keys = [UInt64](repeating: 0, count: count)
        for (position, number) in numberOf.enumerated() {
            keys[next[rank[number]]] = Self.key(day: day(position), position: position)
            next[rank[number]] += 1
        }
        let ranges = ids.indices.map { starts[$0]..<starts[$0 + 1] }
        // Through a pointer: sorting `keys[range]` in place copied the slice.
        keys.withUnsafeMutableBufferPointer { keys in
            for range in ranges { Self.sortFew(UnsafeMutableBufferPointer(rebasing: keys[range])) }
        }
        self.ranges = ranges
        self.ids = byID.map { ids[$0] }
        positions = keys.map { Int(truncatingIfNeeded: $0 & 0xFFFF_FFFF) }
    }

    private init(ids: [String], positions: [Int], ranges: [Range<Int>]) {
        self.ids = ids
        self.positions = positions
        self.ranges = ranges
    }

    /// The same groups, for the events put in the order these groups give them (member after
    /// member, each member's in order): each event's position is its index. `storage`, an array
    /// of as many numbers, is overwritten for them (no new array is made).
    func inReplayOrder(reusing storage: consuming [Int]) -> MemberGroups {
        precondition(storage.count == positions.count, "room for the positions of every event")
        var order = storage
        for index in order.indices { order[index] = index }
        return MemberGroups(ids: ids, positions: order, ranges: ranges)
    }

    /// Sorts a member's keys: by insertion when they are few, as a member's events usually are
    /// (the library's sort costs several times as much on ten numbers).
    private static func sortFew(_ keys: UnsafeMutableBufferPointer<UInt64>) {
        guard keys.count <= 32 else {
            var keys = keys
            return keys.sort()
        }
        for index in keys.indices.dropFirst() {
            let key = keys[index]
            var place = index
            while place > keys.startIndex && keys[place - 1] > key {
                keys[place] = keys[place - 1]
                place -= 1
            }
            keys[place] = key
        }
    }

    /// Orders by day, then position. Day numbers of the years 1 to 9999 lie within ±2²⁴.
    private static func key(day: Int, position: Int) -> UInt64 {
        UInt64(day + (1 << 24)) << 32 | UInt64(position)
    }
}

/// A calendar month.
public struct Month: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let year: Int
    public let month: Int

    public init(_ date: CivilDate) {
        year = date.year
        month = date.month
    }

    private init(year: Int, month: Int) {
        self.year = year
        self.month = month
    }

    /// Months since the start of year 0: consecutive months have consecutive ordinals.
    var ordinal: Int { year * 12 + month - 1 }

    init(ordinal: Int) { self.init(year: ordinal / 12, month: ordinal % 12 + 1) }

    /// Its first day.
    public var start: CivilDate { CivilDate(year: year, month: month, day: 1)! }
    public var next: Month { month == 12 ? Month(year: year + 1, month: 1) : Month(year: year, month: month + 1) }
    public var description: String { String(format: "%04d-%02d", year, month) }
    public static func < (a: Month, b: Month) -> Bool { (a.year, a.month) < (b.year, b.month) }
}
