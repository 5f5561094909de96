// Session rules, streaming closes (window, idle, max events, max open), label files, and the
// Drain3 state import's refusals.

import Testing
import ZLBase
@testable import ZLDrain
import ZLFormat
import ZLRegex
import _ZLTestSupport

func sessions(_ rule: SessionRule, _ lines: [String], format: String = "<Content>", maxEvents: Int = 100, idle: Int = 0,
              maxOpen: Int = 1000, node: String? = nil) throws -> [Session] {
  let f = try LogFormat(format)
  let s = try Sessionizer(rule: rule, maxEvents: maxEvents, idleLines: idle, maxOpen: maxOpen, format: f, nodeField: node)
  var scratch = RegexScratch()
  var out: [Session] = []
  for (k, l) in lines.enumerated() {
    let b = Array(l.utf8)
    out += b.withUnsafeBufferPointer { buf in
      let split = f.split(buf, scratch: &scratch)
      let fields = LineFields(fields: split ?? [], content: 0..<buf.count, matchedFormat: split != nil)
      return s.add(line: buf, fields: fields, event: UInt32(k), inlineAnomaly: l.hasPrefix("ALERT"))
    }
  }
  return out + s.finish()
}

@Test func blockRuleJoinsEveryBlockOfALine() throws {
  let s = try sessions(.block, ["a blk_1 x", "b blk_-2 and blk_1 and blk_1", "c no block", "d blk_3"])
  let byKey = Dictionary(uniqueKeysWithValues: s.map { ($0.key, $0.events) })
  #expect(byKey == ["blk_1": [0, 1], "blk_-2": [1], "blk_3": [3]])
}

@Test func windowAndNodeWindowRules() throws {
  let w = try sessions(.window(2), ["a", "b", "c", "d", "e"])
  #expect(w.map { $0.events } == [[0, 1], [2, 3], [4]])
  let lines = ["n1 a", "n2 b", "n1 c", "n1 d", "n2 e"]
  let n = try sessions(.nodeWindow(2), lines, format: "<Node> <Content>")
  #expect(Set(n.map { "\($0.key)=\($0.events)" }) == ["n1 #0=[0, 2]", "n1 #1=[3]", "n2 #0=[1, 4]"])
}

@Test func timeRuleUsesDateAndTimeFields() throws {
  let lines = ["081109 203518 a", "081109 203530 b", "081109 203601 c", "081110 000001 d"]
  let s = try sessions(.time(60), lines, format: "<Date> <Time> <Content>")
  #expect(s.map { $0.events } == [[0, 1], [2], [3]])
}

@Test func instanceAndRegexRules() throws {
  let lines = ["x [instance: 3EDEC1E4-9678-4a3a-a21b-a145a4ee5e61] y", "no instance", "z [instance: 3edec1e4-9678-4a3a-a21b-a145a4ee5e61]"]
  let s = try sessions(.instance, lines)
  #expect(s.count == 1 && s[0].key == "3edec1e4-9678-4a3a-a21b-a145a4ee5e61" && s[0].events == [0, 2])
  let r = try sessions(.regex("req-([0-9a-f]+)"), ["a req-1f b", "req-2", "c req-1f"])
  #expect(Set(r.map { "\($0.key)=\($0.events)" }) == ["1f=[0, 2]", "2=[1]"])
}

/// Keys of 31 bytes or fewer are kept inline in the key table, longer ones apart: both kinds, found
/// again, closed for overflow and their slots reused, group as a plain LRU reference does.
@Test func shortAndLongKeysGroupLikeAReference() throws {
  var state: UInt64 = 21
  func next() -> Int {
    state = state &* 6364136223846793005 &+ 1442695040888963407
    return Int(state >> 33)
  }
  let keys = (0..<9).map { k in "k\(k)" + String(repeating: "x", count: [0, 28, 29, 30, 31, 32, 45, 3, 60][k]) }
  let picks = (0..<300).map { _ in keys[next() % keys.count] }
  let got = try sessions(.regex("id=([a-z0-9]+)"), picks.map { "a id=\($0) b" }, maxOpen: 4)
  // Reference: open sessions in recency order; the fifth one closes the least recently used.
  var open: [(key: String, events: [UInt32])] = [], closed: [String] = []
  for (i, k) in picks.enumerated() {
    if let j = open.firstIndex(where: { $0.key == k }) {
      var s = open.remove(at: j)
      s.events.append(UInt32(i))
      open.append(s)
    } else {
      open.append((k, [UInt32(i)]))
      if open.count > 4 { closed.append("\(open[0].key)=\(open.removeFirst().events)") }
    }
  }
  closed += open.map { "\($0.key)=\($0.events)" }
  #expect(got.map { "\($0.labelKey)=\($0.events)" } == closed)
}

@Test func sessionsCloseWhenIdleFullOrTooMany() throws {
  let idle = try sessions(.block, ["blk_1", "blk_2", "blk_2", "blk_2", "blk_1"], idle: 2)
  // blk_1 closes after two lines without it; its last line starts a new session with the same key.
  #expect(idle.map { "\($0.key)=\($0.events)" } == ["blk_1=[0]", "blk_2=[1, 2, 3]", "blk_1=[4]"])
  let full = try sessions(.block, (0..<5).map { _ in "blk_9" }, maxEvents: 2)
  #expect(full.map { "\($0.key)=\($0.events)" } == ["blk_9=[0, 1]", "blk_9 #2=[2, 3]", "blk_9 #3=[4]"])
  let many = try sessions(.block, (0..<10).map { "blk_\($0)" }, maxOpen: 3)
  #expect(many.count == 10)
}

@Test func inlineAlertsMarkTheSession() throws {
  let s = try sessions(.window(3), ["- a", "ALERT b", "- c", "- d"])
  #expect(s.map { $0.inlineAnomaly } == [true, false])
}

@Test func openSessionsStayBoundedOnAnEndlessStream() throws {
  let f = try LogFormat("<Content>")
  let s = try Sessionizer(rule: .block, maxEvents: 100, idleLines: 0, maxOpen: 500, format: f)
  for k in 0..<200_000 {
    let line = Array("blk_\(k)".utf8)
    _ = line.withUnsafeBufferPointer {
      s.add(line: $0, fields: LineFields(fields: [], content: 0..<$0.count, matchedFormat: false), event: 0, inlineAnomaly: false)
    }
  }
  #expect(s.openCount == 500)
}

@Test func labelFilesReadLogHubFormatAndNameJunk() throws {
  let dir = try uniqueDirectory("labels")
  let good = dir + "/l.csv"
  try writeFileAtomically(good, "BlockId,Label\nblk_1,Normal\nblk_-2,Anomaly\n\"instance: 3EDEC1E4-9678-4a3a-a21b-a145a4ee5e61\",anomalous\n")
  let l = try LabelFile.read(path: good)
  #expect(l["blk_1"] == false && l["blk_-2"] == true && l["3edec1e4-9678-4a3a-a21b-a145a4ee5e61"] == true)
  #expect(l.unmatchedKeys(seen: ["blk_1"]) == 2)
  let junk = dir + "/j.csv"
  try writeFileAtomically(junk, "BlockId,Label\nblk_1,Normal\nblk_2,maybe\n")
  do {
    _ = try LabelFile.read(path: junk)
    Issue.record("accepted a bad label")
  } catch {
    #expect("\(error)" == "\(junk): line 3: label 'maybe' is not Normal or Anomaly [badLabelFile]")
  }
  let binary = dir + "/b.csv"
  try writeFileAtomically(binary, [0, 1, 2, 0xFF, 10, 0x2C, 0x2C])
  do {
    _ = try LabelFile.read(path: binary)
    Issue.record("accepted a binary label file")
  } catch {
    #expect((rootError(error) as? DrainError)?.code == .badLabelFile && "\(error)".hasPrefix(binary + ": "))
  }
}

@Test func drain3ImportRefusesObjectGraphsAndBadReferences() throws {
  func state(_ body: String) -> JSON { try! JSONParser().parse(body) }
  let node = #"{"py/object": "drain3.drain.Node", "py/state": {"py/tuple": [null, {"key_to_child_node": {}, "cluster_ids": [7]}]}}"#
  let good = #"{"py/object": "drain3.drain.Drain", "py/state": {"log_cluster_depth": 4, "sim_th": 0.4, "max_children": 100, "root_node": {"py/object": "drain3.drain.Node", "py/state": {"py/tuple": [null, {"key_to_child_node": {"1": \#(node)}, "cluster_ids": []}]}}, "extra_delimiters": [], "max_clusters": null, "param_str": "<*>", "parametrize_numeric_tokens": true, "id_to_cluster": {"json://7": {"py/object": "drain3.drain.LogCluster", "py/state": {"py/tuple": [null, {"log_template_tokens": {"py/tuple": ["hello"]}, "cluster_id": 7, "size": 3}]}}}, "clusters_counter": 7}}"#
  let (s, stale) = try Drain3State.importState(state(good), logFormat: "<Content>", masks: [], maskPrefix: "<", maskSuffix: ">")
  #expect(s.templates.map { $0.id } == [7] && stale == 0 && s.nextClusterID == 8)
  let cases = [
    good.replacingFirst("drain3.drain.LogCluster", "os.system"),  // an arbitrary class
    good.replacingFirst(#""cluster_id": 7"#, #""cluster_id": 8"#),  // id differs from its key
    good.replacingFirst(#""clusters_counter": 7"#, #""clusters_counter": 3"#),  // id above the counter
    good.replacingFirst(#""cluster_ids": [7]"#, #""cluster_ids": [7, 7]"#),  // held twice
    good.replacingFirst(#""key_to_child_node": {"1""#, #""key_to_child_node": {"01""#),  // not a token count
    good.replacingFirst(#"{"py/tuple": ["hello"]}"#, #"{"py/reduce": [1]}"#),
    good.replacingFirst(#""sim_th": 0.4"#, #""sim_th": 7"#),
  ]
  for c in cases {
    #expect(throws: DrainError.self) { _ = try Drain3State.importState(state(c), logFormat: "<Content>", masks: [], maskPrefix: "<", maskSuffix: ">") }
  }
  #expect(throws: DrainError(.badDrain3State, "not JSON and not base64 (a Drain3 state is one or the other)")) {
    _ = try Drain3State.decodeFile(Array("!!!not base64".utf8))
  }
}

extension String {
  func replacingFirst(_ a: String, _ b: String) -> String {
    let s = Array(utf8), p = Array(a.utf8)
    var i = 0
    while i + p.count <= s.count {
      if Array(s[i..<(i + p.count)]) == p { return String(decoding: s[0..<i] + Array(b.utf8) + s[(i + p.count)...], as: UTF8.self) }
      i += 1
    }
    return self
  }
}

/// The open-session table (open addressing, deletion by backward shift) against a Dictionary under
/// random inserts and removals with many colliding probe runs (small table, growth, wrap-around).
@Test func keyTableAgreesWithDictionary() {
  var table = KeyTable()
  var model: [[UInt8]: Int] = [:]
  var slotKey: [Int: [UInt8]] = [:]
  var freeSlots: [Int] = []
  var nextSlot = 0
  var rng = SplitMix64(seed: testSeed)
  for step in 0..<20_000 {
    let n = rng.next() % 300
    // Block-id-like keys inline in the table's records, some longer than a record holds.
    let key = Array((n % 7 == 0 ? "instance-\(n)-" + String(repeating: "z", count: Int(n % 40)) : "blk_\(n)").utf8)
    let present = key.withUnsafeBufferPointer { table.find($0) }
    #expect(present == model[key], "step \(step)")
    if let s = present {
      if rng.next() % 2 == 0 {
        table.remove(slot: s)
        model[key] = nil
        slotKey[s] = nil
        freeSlots.append(s)
      }
    } else {
      let s = freeSlots.popLast() ?? { nextSlot += 1; return nextSlot - 1 }()
      key.withUnsafeBufferPointer { table.insert($0, slot: s) }
      model[key] = s
      slotKey[s] = key
    }
    #expect(table.count == model.count)
  }
  for (k, s) in model {
    #expect(k.withUnsafeBufferPointer { table.find($0) } == s)
    #expect(Array(table.key(slot: s).utf8) == k)
  }
}

/// A key that reaches max-events goes on as "key #2", "#3"...; those part numbers are remembered
/// per key, and on an endless stream of new keys that memory stays bounded by max-open.
@Test func partNumbersStayBoundedOnEndlessKeys() throws {
  let f = try LogFormat("<Content>")
  let s = try Sessionizer(rule: .block, maxEvents: 2, idleLines: 0, maxOpen: 8, format: f)
  var names: [String] = []
  for k in 0..<200 {
    for _ in 0..<3 {
      let b = Array("x blk_\(k) y".utf8)
      names += b.withUnsafeBufferPointer { s.add(line: $0, fields: LineFields(fields: [], content: 0..<$0.count, matchedFormat: false), event: 1, inlineAnomaly: false) }.map(\.key)
    }
    #expect(s.rememberedParts <= 8)
  }
  #expect(names.prefix(1) == ["blk_0"])
  #expect(names.contains("blk_199") && s.finish().map(\.key).contains("blk_199 #2"))
  // Line counts per node (node-window rule) likewise.
  let g = try LogFormat("<Node> <Content>")
  let w = try Sessionizer(rule: .nodeWindow(3), maxEvents: 100, idleLines: 0, maxOpen: 8, format: g, nodeField: "Node")
  var scratch = RegexScratch()
  for k in 0..<200 {
    let b = Array("node\(k) hello".utf8)
    _ = b.withUnsafeBufferPointer { buf in
      let split = g.split(buf, scratch: &scratch)
      return w.add(line: buf, fields: LineFields(fields: split ?? [], content: 0..<buf.count, matchedFormat: split != nil), event: 1, inlineAnomaly: false)
    }
    #expect(w.rememberedNodes <= 8)
  }
}

/// Drain's id → slot map (open addressing, backward-shift deletion) against a Dictionary: random
/// inserts, overwrites and removals over a key range that makes long probe runs and wraps around.
@Test func idSlotMapAgreesWithDictionary() {
  var map = IDSlotMap()
  var model: [UInt32: Int32] = [:]
  var rng = SplitMix64(seed: testSeed &+ 1)
  for step in 0..<30_000 {
    let id = UInt32(rng.next() % 500) &* (step % 3 == 0 ? 1 : 4096)
    #expect(map[id] == model[id], "step \(step)")
    switch rng.next() % 3 {
    case 0: map[id] = nil; model[id] = nil
    default: let v = Int32(rng.next() % 1000); map[id] = v; model[id] = v
    }
    #expect(map.count == model.count)
  }
  for (k, v) in model { #expect(map[k] == v) }
  #expect(Dictionary(uniqueKeysWithValues: map.map { (UInt32($0.0), $0.1) }) == model && map.ids.sorted() == model.keys.map { UInt64($0) }.sorted())
}
