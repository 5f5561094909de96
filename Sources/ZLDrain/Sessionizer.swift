// Sessionizer: groups parsed lines into sessions by rule (ARCHITECTURE.md decision 6) as a stream
// with bounded memory: a session closes when its rule says so (a window is full), when it reaches
// `maxEvents`, when no line joined it for `idleLines` input lines, when more than `maxOpen` sessions
// are open (least recently active first), or at the end of the input. Closed sessions come out in
// the order they close; the caller decides what an event is (here: template ids).

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif
import ZLFormat
import ZLRegex

/// One session as it closes.
public struct Session: Sendable {
  /// The rule's key (block id, instance uuid, "window 12", "R02-M1-N0 #3", ...), with "#k" when
  /// a key is split by `maxEvents` (k counts from 2).
  public var key: String
  /// The raw key, for joining with label files.
  public var labelKey: String
  public var events: [UInt32] = []
  /// 1-based numbers of the first and last input line.
  public var firstLine: Int
  public var lastLine: Int
  /// True when any line carried an inline alert label.
  public var inlineAnomaly = false
  /// Each event's severity (parallel to `events`) when the sessionizer keeps levels; else empty.
  public var levels: [Severity] = []
  /// The highest known severity of the session's lines (`unknown` when none is known).
  public var maxLevel = Severity.unknown
  /// Lines that joined the session (for sessions truncated by `maxEvents`, the events kept).
  public var lineNumbers: [Int] = []
  /// Why it closed.
  public var closedBy: CloseReason = .end
  /// With provenance kept: the input its first line came from (the caller's index), and the time
  /// fields' text of its first and last lines.
  public var source = 0
  public var firstTime = ""
  public var lastTime = ""
}

/// Why a session closed (Formats/scoring-v1.md §9, §12).
public enum CloseReason: String, Sendable {
  /// It reached its event limit (max_events, or N for window rules).
  case events
  /// No line joined it for idle_lines lines (or idle seconds).
  case idle
  /// More than max_open sessions were open and it was the least recently active.
  case overflow
  /// The input ended.
  case end
  /// A signal asked the scorer to stop (its input was cut short there).
  case signal
}

/// Why lines did not join any session.
public struct SessionStats: Sendable, Equatable {
  public var linesWithoutKey = 0
  public var sessionsSplitAtMaxEvents = 0
  public var closedIdle = 0
  public var closedOverflow = 0
}

public final class Sessionizer {
  public let rule: SessionRule
  public let maxEvents: Int
  public let idleLines: Int
  public let maxOpen: Int
  public private(set) var stats = SessionStats()
  /// Lines whose key pattern (`regex:` rule) gave up at its work budget: they got no key.
  public var keyPatternCutShortLines: Int { scratch.overBudget }
  /// Keep per-session line numbers (for --explain and evaluation); off to save memory.
  public var keepLineNumbers = false
  /// Keep each event's severity (for models that read it); off to save memory.
  public var keepLevels = false

  let nodeField: Int?
  let timeFields: (date: Int?, time: Int?, timestamp: Int?)
  let keyRegex: Regex?
  var scratch = RegexScratch()
  private var lineCount = 0
  var windowCount = 0
  var nodeCounts: [String: Int] = [:]
  private var parts: [String: Int] = [:]
  /// Keys whose part number is remembered, and nodes whose line count is (tests: bounded by maxOpen).
  var rememberedParts: Int { parts.count }
  var rememberedNodes: Int { nodeCounts.count }

  /// An open session, mutated in place (a class, so appending an event copies nothing). Its key
  /// stays in the key table's bytes until it closes (no string per open session): `part` is its
  /// "#k" suffix number (0: none).
  final class Open {
    var session: Session
    let part: Int
    init(_ s: Session, part: Int) {
      session = s
      self.part = part
    }

    /// Appends one line's event in place; returns the session's event count.
    @inline(__always)
    func add(_ event: UInt32, line: Int, anomaly: Bool, keepLine: Bool, level: Severity, keepLevel: Bool) -> Int {
      session.events.append(event)
      session.lastLine = line
      if anomaly { session.inlineAnomaly = true }
      if keepLine { session.lineNumbers.append(line) }
      if keepLevel { session.levels.append(level) }
      if level.isKnown && (!session.maxLevel.isKnown || level > session.maxLevel) { session.maxLevel = level }
      return session.events.count
    }
  }

  // Open sessions in slots, linked by recency (head = least recently active).
  private var slots: [Open?] = []
  /// Per slot: its neighbours in recency order and its last active line, together (one array
  /// access per update).
  private struct Link {
    var prev: Int32 = -1
    var next: Int32 = -1
    var lastActive = 0
    var lastTime = 0.0
  }
  /// Sessions with no line for this many seconds of `clock` close (`closeIdle`, and after each line); 0 = never.
  public var idleSeconds = 0.0
  /// The time the caller says it is (wall clock for streams, log time for files), in seconds.
  public var clock = 0.0
  /// Advance `clock` with each line's own time (its Timestamp, or Date and Time fields: §9's T).
  public var clockFromLogTime = false
  /// Keep each session's source and first/last time text (zl-score --provenance).
  public var keepProvenance = false
  /// The input lines come from now (an index the caller gives meaning to).
  public var currentSource = 0
  private var links: [Link] = []
  private var head = -1
  private var tail = -1
  private var free: [Int] = []
  /// Open sessions by key bytes.
  private var open = KeyTable()
  var keyBytes: [UInt8] = []
  var keyRanges: [Range<Int>] = []

  /// - Parameters:
  ///   - rule: how lines are grouped.
  ///   - format: the log format (names the node and time fields).
  ///   - nodeField: the field naming the node for `node-window` (default: `Node`, then `User`).
  public init(rule: SessionRule, maxEvents: Int, idleLines: Int, maxOpen: Int, format: LogFormat, nodeField: String? = nil) throws {
    self.rule = rule
    self.maxEvents = max(1, maxEvents)
    self.idleLines = idleLines
    self.maxOpen = max(1, maxOpen)
    self.nodeField = try rule.check(format: format, nodeField: nodeField)
    let fields = format.fields
    timeFields = (fields.firstIndex(of: "Date"), fields.firstIndex(of: "Time"), fields.firstIndex(of: "Timestamp"))
    if case .regex(let p) = rule { keyRegex = try Regex(p) } else { keyRegex = nil }
  }

  /// Adds one line (its keys found here by the rule) with its event; returns the sessions this
  /// line closed (window rules, idle and overflow closes).
  public func add(line: UnsafeBufferPointer<UInt8>, fields: LineFields, event: UInt32, inlineAnomaly: Bool,
                  level: Severity = .unknown) -> [Session] {
    collectKeys(line: line, fields: fields)
    if clockFromLogTime, fields.matchedFormat, let t = timestamp(line, fields), t > clock { clock = t }
    lineCount += 1
    var closed: [Session] = []
    if keyRanges.isEmpty { stats.linesWithoutKey += 1 }
    let limit = eventLimit
    let timeText = keepProvenance ? lineTimeText(line, fields) : ""
    for r in keyRanges {
      // The table by reference (inout): reading a class-held struct for a call may copy it.
      let found = keyBytes.withUnsafeBufferPointer { b in KeyTable.find(UnsafeBufferPointer(rebasing: b[r]), in: &open) }
      if let s = found {
        touch(s)
        if keepProvenance { slots[s]!.session.lastTime = timeText }
        if slots[s]!.add(event, line: lineCount, anomaly: inlineAnomaly, keepLine: keepLineNumbers, level: level, keepLevel: keepLevels) >= limit {
          closed.append(close(s, .events))
        }
      } else {
        // Keys split at max-events before go on as "key #k" (rare: a string only then).
        let part = parts.isEmpty ? 0 : parts[String(decoding: keyBytes[r], as: UTF8.self)] ?? 0
        var session = Session(key: "", labelKey: "", firstLine: lineCount, lastLine: lineCount)
        if keepProvenance {
          session.source = currentSource
          session.firstTime = timeText
          session.lastTime = timeText
        }
        session.events.reserveCapacity(16)
        let s = keyBytes.withUnsafeBufferPointer { b in insert(Open(session, part: part), key: UnsafeBufferPointer(rebasing: b[r])) }
        if slots[s]!.add(event, line: lineCount, anomaly: inlineAnomaly, keepLine: keepLineNumbers, level: level, keepLevel: keepLevels) >= limit {
          closed.append(close(s, .events))
        }
      }
    }
    // Idle and overflow closes, oldest first.
    if idleLines > 0 {
      while head >= 0 && lineCount - links[head].lastActive >= idleLines {
        stats.closedIdle += 1
        closed.append(close(head, .idle))
      }
    }
    closed += closeIdle()
    while open.count > maxOpen {
      stats.closedOverflow += 1
      closed.append(close(head, .overflow))
    }
    return closed
  }

  /// The text of a line's time fields (Timestamp, or Date and Time, joined by a space; "" if none).
  func lineTimeText(_ line: UnsafeBufferPointer<UInt8>, _ f: LineFields) -> String {
    guard f.matchedFormat else { return "" }
    if let k = timeFields.timestamp { return String(decoding: line[f.fields[k]], as: UTF8.self) }
    return [timeFields.date, timeFields.time].compactMap { $0 }.map { String(decoding: line[f.fields[$0]], as: UTF8.self) }.joined(separator: " ")
  }

  /// Closes the sessions idle for `idleSeconds` of `clock` or more, least recently active first (a
  /// stream's timer calls it between lines).
  public func closeIdle() -> [Session] {
    guard idleSeconds > 0 else { return [] }
    var out: [Session] = []
    while head >= 0 && clock - links[head].lastTime >= idleSeconds {
      stats.closedIdle += 1
      out.append(close(head, .idle))
    }
    return out
  }

  /// Closes every open session (end of input), oldest activity first.
  public func finish() -> [Session] { finish(max: .max) }

  /// Closes at most `max` open sessions, oldest activity first (end of input, a batch at a time).
  public func finish(max: Int, reason: CloseReason = .end) -> [Session] {
    var out: [Session] = []
    while head >= 0 && out.count < max { out.append(close(head, reason)) }
    return out
  }

  public var openCount: Int { open.count }

  /// Calls `body` with every event of every open session.
  public func forEachOpenEvent(_ body: (UInt32) -> Void) {
    for case let s? in slots { for e in s.session.events { body(e) } }
  }

  private var eventLimit: Int {
    switch rule {
    case .window(let n), .nodeWindow(let n): return min(n, maxEvents)
    default: return maxEvents
    }
  }

  private func insert(_ session: Open, key: UnsafeBufferPointer<UInt8>) -> Int {
    let s: Int
    if let f = free.popLast() {
      s = f
      slots[s] = session
    } else {
      s = slots.count
      slots.append(session)
      links.append(Link())
    }
    open.insert(key, slot: s)
    links.withUnsafeMutableBufferPointer { l in
      l[s].lastActive = lineCount
      l[s].lastTime = clock
      link(s, l)
    }
    return s
  }

  private func touch(_ s: Int) {
    links.withUnsafeMutableBufferPointer { l in
      l[s].lastActive = lineCount
      l[s].lastTime = clock
      if tail == s { return }
      unlink(s, l)
      link(s, l)
    }
  }

  private func link(_ s: Int, _ l: UnsafeMutableBufferPointer<Link>) {
    l[s].prev = Int32(tail)
    l[s].next = -1
    if tail >= 0 { l[tail].next = Int32(s) } else { head = s }
    tail = s
  }

  private func unlink(_ s: Int, _ l: UnsafeMutableBufferPointer<Link>) {
    let p = Int(l[s].prev), n = Int(l[s].next)
    if p >= 0 { l[p].next = Int32(n) } else { head = n }
    if n >= 0 { l[n].prev = Int32(p) } else { tail = p }
  }

  private func close(_ s: Int, _ reason: CloseReason) -> Session {
    links.withUnsafeMutableBufferPointer { unlink(s, $0) }
    let o = slots[s]!
    var session = o.session
    session.closedBy = reason
    let key = open.key(slot: s)
    session.labelKey = key
    session.key = o.part > 0 ? "\(key) #\(o.part)" : key
    slots[s] = nil
    free.append(s)
    open.remove(slot: s)
    if session.events.count >= maxEvents {
      // The key goes on in a new session ("#2", "#3", ...).
      stats.sessionsSplitAtMaxEvents += 1
      // Part numbers of keys seen long ago are forgotten (a key then starts again at its plain
      // name), so an endless stream of new keys keeps this bounded like the open sessions.
      if parts.count >= maxOpen && parts[session.labelKey] == nil { parts.removeAll(keepingCapacity: true) }
      parts[session.labelKey] = (parts[session.labelKey] ?? 1) + 1
    }
    return session
  }
}
