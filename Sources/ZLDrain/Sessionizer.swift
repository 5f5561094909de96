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
  /// Lines that joined the session (for sessions truncated by `maxEvents`, the events kept).
  public var lineNumbers: [Int] = []
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
  /// Keep per-session line numbers (for --explain and evaluation); off to save memory.
  public var keepLineNumbers = false

  private let nodeField: Int?
  private let timeFields: (date: Int?, time: Int?, timestamp: Int?)
  private let keyRegex: Regex?
  private var scratch = RegexScratch()
  private var lineCount = 0
  private var windowCount = 0
  private var nodeCounts: [String: Int] = [:]
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
    func add(_ event: UInt32, line: Int, anomaly: Bool, keepLine: Bool) -> Int {
      session.events.append(event)
      session.lastLine = line
      if anomaly { session.inlineAnomaly = true }
      if keepLine { session.lineNumbers.append(line) }
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
  }
  private var links: [Link] = []
  private var head = -1
  private var tail = -1
  private var free: [Int] = []
  /// Open sessions by key bytes.
  private var open = KeyTable()
  private var keyBytes: [UInt8] = []
  private var keyRanges: [Range<Int>] = []

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

  /// The keys a line belongs to (several for HDFS lines naming several blocks; none for a line
  /// without a key), as UTF-8 into `keyBytes` / `keyRanges`: no strings are made per line.
  private func collectKeys(line: UnsafeBufferPointer<UInt8>, fields: LineFields) {
    keyBytes.removeAll(keepingCapacity: true)
    keyRanges.removeAll(keepingCapacity: true)
    func add(_ bytes: some Collection<UInt8>) {
      let start = keyBytes.count
      keyBytes.append(contentsOf: bytes)
      let r = start..<keyBytes.count
      // Each key once, in order of appearance.
      for q in keyRanges where q.count == r.count && keyBytes[q].elementsEqual(keyBytes[r]) {
        keyBytes.removeSubrange(r)
        return
      }
      keyRanges.append(r)
    }
    switch rule {
    case .block: blockIDs(line, add)
    case .instance: instanceIDs(line, add)
    case .window(let n):
      add("window \(windowCount / n)".utf8)
      windowCount += 1
    case .nodeWindow(let n):
      guard fields.matchedFormat, let k = nodeField else { return }
      let node = String(decoding: line[fields.fields[k]], as: UTF8.self)
      let c = nodeCounts[node, default: 0]
      // Counts of nodes beyond max-open distinct ones are forgotten (windows start again from 0),
      // so a stream of ever new node names keeps this bounded like the open sessions.
      if c == 0 && nodeCounts.count >= maxOpen { nodeCounts.removeAll(keepingCapacity: true) }
      nodeCounts[node] = c + 1
      add("\(node) #\(c / n)".utf8)
    case .time(let seconds):
      guard fields.matchedFormat, let t = timestamp(line, fields) else { return }
      add("t \(Int64((t / seconds).rounded(.down)))".utf8)
    case .regex:
      guard let caps = keyRegex!.captures(inBytes: line, scratch: &scratch) else { return }
      let r = (caps.count > 1 ? caps[1] : nil) ?? caps[0]!
      add(line[r])
    }
  }

  /// Adds one line (its keys found here by the rule) with its event; returns the sessions this
  /// line closed (window rules, idle and overflow closes).
  public func add(line: UnsafeBufferPointer<UInt8>, fields: LineFields, event: UInt32, inlineAnomaly: Bool) -> [Session] {
    collectKeys(line: line, fields: fields)
    lineCount += 1
    var closed: [Session] = []
    if keyRanges.isEmpty { stats.linesWithoutKey += 1 }
    let limit = eventLimit
    for r in keyRanges {
      // The table by reference (inout): reading a class-held struct for a call may copy it.
      let found = keyBytes.withUnsafeBufferPointer { b in KeyTable.find(UnsafeBufferPointer(rebasing: b[r]), in: &open) }
      if let s = found {
        touch(s)
        if slots[s]!.add(event, line: lineCount, anomaly: inlineAnomaly, keepLine: keepLineNumbers) >= limit { closed.append(close(s)) }
      } else {
        // Keys split at max-events before go on as "key #k" (rare: a string only then).
        let part = parts.isEmpty ? 0 : parts[String(decoding: keyBytes[r], as: UTF8.self)] ?? 0
        var session = Session(key: "", labelKey: "", firstLine: lineCount, lastLine: lineCount)
        session.events.reserveCapacity(16)
        let s = keyBytes.withUnsafeBufferPointer { b in insert(Open(session, part: part), key: UnsafeBufferPointer(rebasing: b[r])) }
        if slots[s]!.add(event, line: lineCount, anomaly: inlineAnomaly, keepLine: keepLineNumbers) >= limit { closed.append(close(s)) }
      }
    }
    // Idle and overflow closes, oldest first.
    if idleLines > 0 {
      while head >= 0 && lineCount - links[head].lastActive >= idleLines {
        stats.closedIdle += 1
        closed.append(close(head))
      }
    }
    while open.count > maxOpen {
      stats.closedOverflow += 1
      closed.append(close(head))
    }
    return closed
  }

  /// Closes every open session (end of input), oldest activity first.
  public func finish() -> [Session] { finish(max: .max) }

  /// Closes at most `max` open sessions, oldest activity first (end of input, a batch at a time).
  public func finish(max: Int) -> [Session] {
    var out: [Session] = []
    while head >= 0 && out.count < max { out.append(close(head)) }
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
      link(s, l)
    }
    return s
  }

  private func touch(_ s: Int) {
    links.withUnsafeMutableBufferPointer { l in
      l[s].lastActive = lineCount
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

  private func close(_ s: Int) -> Session {
    links.withUnsafeMutableBufferPointer { unlink(s, $0) }
    let o = slots[s]!
    var session = o.session
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

  // MARK: - Keys

  /// `blk_-?[0-9]+` occurrences, in order of appearance.
  func blockIDs(_ b: UnsafeBufferPointer<UInt8>, _ add: (Slice<UnsafeBufferPointer<UInt8>>) -> Void) {
    var i = 0
    let n = b.count
    while i + 4 < n {
      // Find the next 'b' fast, then check "lk_".
      guard let base = b.baseAddress, let hit = memchr(base + i, 0x62, n - 4 - i) else { break }
      i = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
      if b[i + 1] == 0x6C && b[i + 2] == 0x6B && b[i + 3] == 0x5F {
        var j = i + 4
        if j < n && b[j] == 0x2D { j += 1 }
        let digits = j
        while j < n && b[j] >= 0x30 && b[j] <= 0x39 { j += 1 }
        if j > digits {
          add(b[i..<j])
          i = j
          continue
        }
      }
      i += 1
    }
  }

  /// OpenStack `instance: <uuid>` occurrences (lower-cased uuid).
  func instanceIDs(_ b: UnsafeBufferPointer<UInt8>, _ add: ([UInt8]) -> Void) {
    let marker = Array("instance: ".utf8)
    var i = 0
    while i + marker.count + 36 <= b.count {
      if b[i] == 0x69 && b[i..<(i + marker.count)].elementsEqual(marker) {
        let u = i + marker.count
        if isUUID(b, u) {
          add(b[u..<(u + 36)].map { $0 >= 0x41 && $0 <= 0x46 ? $0 | 0x20 : $0 })
          i = u + 36
          continue
        }
      }
      i += 1
    }
  }

  func isUUID(_ b: UnsafeBufferPointer<UInt8>, _ at: Int) -> Bool {
    for k in 0..<36 {
      let c = b[at + k]
      if k == 8 || k == 13 || k == 18 || k == 23 {
        if c != 0x2D { return false }
      } else if !((c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46)) {
        return false
      }
    }
    return true
  }

  /// Seconds from the Timestamp field (Unix seconds), or from Date and Time: their digit groups
  /// read as year month day / hour minute second[.fraction] (two-digit years and yymmdd / hhmmss
  /// runs as HDFS writes them are understood). Only differences matter, so the epoch is arbitrary.
  func timestamp(_ b: UnsafeBufferPointer<UInt8>, _ f: LineFields) -> Double? {
    if let k = timeFields.timestamp, let v = Double(String(decoding: b[f.fields[k]], as: UTF8.self)), v.isFinite {
      return v
    }
    guard let tk = timeFields.time else { return nil }
    let time = digitGroups(b, f.fields[tk])
    var hms: [Double] = []
    if time.count == 1 && time[0].count == 6 {
      let s = time[0]
      hms = [Double(s.prefix(2))!, Double(s.dropFirst(2).prefix(2))!, Double(s.suffix(2))!]
    } else if time.count >= 3 {
      // The date may be inside the Time field (BGL: 2005-06-03-15.42.50.363779).
      let t = time.suffix(time.count > 4 ? 4 : time.count)
      let a = Array(t)
      hms = [Double(a[0])!, Double(a[1])!, Double(a[2])! + (a.count > 3 ? Double("0." + a[3])! : 0)]
      if time.count >= 6 {
        let ymd = Array(time.prefix(3))
        return days(ymd) * 86_400 + hms[0] * 3600 + hms[1] * 60 + hms[2]
      }
    } else {
      return nil
    }
    var day = 0.0
    if let dk = timeFields.date {
      let d = digitGroups(b, f.fields[dk])
      if d.count == 1 && d[0].count == 6 {
        let s = d[0]
        day = days([String(s.prefix(2)), String(s.dropFirst(2).prefix(2)), String(s.suffix(2))])
      } else if d.count >= 3 {
        day = days(Array(d.prefix(3)))
      } else if let one = d.first, let v = Double(one) {
        day = v
      }
    }
    return day * 86_400 + hms[0] * 3600 + hms[1] * 60 + hms[2]
  }

  /// Days since an arbitrary epoch for year, month, day digit strings (proleptic Gregorian).
  func days(_ ymd: [String]) -> Double {
    var y = Int(ymd[0]) ?? 0, m = Int(ymd[1]) ?? 1
    let d = Int(ymd[2]) ?? 1
    if y < 100 { y += 2000 }
    if m <= 2 {
      y -= 1
      m += 12
    }
    return Double(365 * y + y / 4 - y / 100 + y / 400 + (153 * (m - 3) + 2) / 5 + d)
  }

  func digitGroups(_ b: UnsafeBufferPointer<UInt8>, _ r: Range<Int>) -> [String] {
    var out: [String] = []
    var i = r.lowerBound
    while i < r.upperBound {
      while i < r.upperBound && !(b[i] >= 0x30 && b[i] <= 0x39) { i += 1 }
      let s = i
      while i < r.upperBound && b[i] >= 0x30 && b[i] <= 0x39 { i += 1 }
      if i > s { out.append(String(decoding: b[s..<i], as: UTF8.self)) }
    }
    return out
  }
}

/// Open sessions by key: open addressing over the keys' bytes (linear probing, deletion by
/// backward shift), so a line's keys are found without making strings. Keys are held as the
/// sessions' own strings (shared storage, no second copy).
struct KeyTable {
  /// Per bucket: slot + 1 in the high 32 bits (0: empty) and the key's hash in the low 32, in one
  /// word, so a probe reads one cache line.
  private var buckets = [UInt64](repeating: 0, count: 64)
  /// Each slot's key (slot numbers are the sessionizer's) in a 32-byte record: its length, then its
  /// bytes (keys of up to 31 bytes, such as block ids), so comparing a key reads one cache line
  /// next to its neighbours' rather than a string object of its own; a longer key has length 255
  /// here and its bytes in `longKeys`.
  private var records: [UInt8] = []
  private var longKeys: [Int32: [UInt8]] = [:]
  private static let stride = 32
  /// The bucket of each slot.
  private var bucketOf: [Int32] = []
  private(set) var count = 0

  @inline(__always) private static func entry(slot: Int, hash: UInt32) -> UInt64 { UInt64(slot + 1) << 32 | UInt64(hash) }

  /// TokenTable's word-at-a-time hash (a byte-at-a-time FNV was a chain of one multiply per
  /// byte of the key: ~100 cycles for a block id).
  private static func hash(_ b: UnsafeBufferPointer<UInt8>) -> UInt32 {
    let h = TokenTable.hash(b)
    return UInt32(truncatingIfNeeded: h ^ (h >> 32))
  }

  /// Whether slot `slot` (its record at `r`) holds key `b`.
  private func equal(_ r: UnsafePointer<UInt8>, _ slot: Int, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
    let n = Int(r[0])
    if n == 255 { return longKeys[Int32(slot)].map { $0.elementsEqual(b) } ?? false }
    return n == b.count && (n == 0 || memcmp(r + 1, b.baseAddress!, n) == 0)
  }

  static func find(_ key: UnsafeBufferPointer<UInt8>, in table: inout KeyTable) -> Int? { table.find(key) }

  func find(_ key: UnsafeBufferPointer<UInt8>) -> Int? {
    let h = KeyTable.hash(key)
    let mask = buckets.count - 1
    var i = Int(h) & mask
    return records.withUnsafeBufferPointer { k in
      buckets.withUnsafeBufferPointer { b in
        while true {
          let e = b[i]
          if e == 0 { return nil }
          if UInt32(truncatingIfNeeded: e) == h, case let s = Int(e >> 32) - 1, equal(k.baseAddress! + s * KeyTable.stride, s, key) { return s }
          i = (i + 1) & mask
        }
      }
    }
  }

  /// The key of an occupied slot.
  func key(slot: Int) -> String {
    let n = Int(records[slot * KeyTable.stride])
    if n == 255 { return String(decoding: longKeys[Int32(slot)] ?? [], as: UTF8.self) }
    return records.withUnsafeBufferPointer { String(decoding: UnsafeBufferPointer(rebasing: $0[(slot * KeyTable.stride + 1)..<(slot * KeyTable.stride + 1 + n)]), as: UTF8.self) }
  }

  mutating func insert(_ u: UnsafeBufferPointer<UInt8>, slot: Int) {
    if (count + 1) * 4 > buckets.count * 3 { grow() }  // load ≤ 3/4
    while bucketOf.count <= slot {
      records.append(contentsOf: repeatElement(0, count: KeyTable.stride))
      bucketOf.append(-1)
    }
    let h: UInt32 = {
      records.withUnsafeMutableBufferPointer { r in
        let rec = r.baseAddress! + slot * KeyTable.stride
        if u.count < KeyTable.stride {
          rec[0] = UInt8(u.count)
          if u.count > 0 { (rec + 1).update(from: u.baseAddress!, count: u.count) }
        } else {
          rec[0] = 255
        }
      }
      if u.count >= KeyTable.stride { longKeys[Int32(slot)] = Array(u) }
      return KeyTable.hash(u)
    }()
    place(slot, hash: h)
    count += 1
  }

  private mutating func place(_ slot: Int, hash h: UInt32) {
    let mask = buckets.count - 1
    var i = Int(h) & mask
    while buckets[i] != 0 { i = (i + 1) & mask }
    buckets[i] = KeyTable.entry(slot: slot, hash: h)
    bucketOf[slot] = Int32(i)
  }

  mutating func remove(slot: Int) {
    let mask = buckets.count - 1
    var hole = Int(bucketOf[slot])
    guard hole >= 0 else { return }
    buckets[hole] = 0
    bucketOf[slot] = -1
    if records[slot * KeyTable.stride] == 255 { longKeys[Int32(slot)] = nil }
    records[slot * KeyTable.stride] = 0
    count -= 1
    // Backward shift: move later entries of the probe run into the hole when their home allows.
    var i = (hole + 1) & mask
    while buckets[i] != 0 {
      let home = Int(UInt32(truncatingIfNeeded: buckets[i])) & mask
      // The entry at i may move to the hole unless its home lies in (hole, i] cyclically.
      let between = hole <= i ? (home > hole && home <= i) : (home > hole || home <= i)
      if !between {
        buckets[hole] = buckets[i]
        bucketOf[Int(buckets[hole] >> 32) - 1] = Int32(hole)
        buckets[i] = 0
        hole = i
      }
      i = (i + 1) & mask
    }
  }

  private mutating func grow() {
    let old = buckets.filter { $0 != 0 }
    buckets = [UInt64](repeating: 0, count: buckets.count * 2)
    for e in old { place(Int(e >> 32) - 1, hash: UInt32(truncatingIfNeeded: e)) }
  }
}
