// ZLDrain against Drain3 itself (golden cases made with drain3 0.9.11 by
// Tools/reference/make_drain_golden.py): identical cluster ids line by line, identical final
// templates, identical match() results; match never mutates; the state survives the checkpoint
// section round trip.

import Testing
import ZLBase
import ZLDrain
import ZLFormat
import ZLRegex
import _ZLTestSupport

struct DrainCase: CustomStringConvertible, Sendable {
  let name: String
  let settings: ParserSettings
  let learn: [String]
  let ids: [UInt32]
  let templates: [UInt32: String]
  let probes: [String]
  let matches: [UInt32?]
  var description: String { name }
}

/// The lines a golden case names: inline, from the repository's demo data, or from a LogHub 2k
/// file of the shared data (nil when that is absent).
func goldenLines(_ ref: JSON) throws -> [String]? {
  var out: [String] = []
  for part in ref.arrayValue! {
    let p = part.arrayValue!
    if p[0].stringValue == "inline" {
      out += p[1].arrayValue!.map { $0.stringValue! }
      continue
    }
    let path: String, start: Int, n: Int
    if p[0].stringValue == "demo" {
      path = fixture("Tools/demo/data/" + p[1].stringValue!)
      (start, n) = (Int(p[2].integerValue!), Int(p[3].integerValue!))
    } else {
      guard let data = sharedDataRoot else { return nil }
      let system = p[0].stringValue!
      path = "\(data)/loghub/\(system)/\(system)_2k.log"
      (start, n) = (Int(p[1].integerValue!), Int(p[2].integerValue!))
    }
    let r = try LineReader(path: path)
    var all: [String] = []
    while let l = try r.nextString() { all.append(l) }
    out += all[start..<(start + n)]
  }
  return out
}

/// Whether a golden case reads lines from the shared data (not in the repository).
func needsSharedData(_ c: JSON) -> Bool {
  (c["learn"]!.arrayValue! + c["probes"]!.arrayValue!).contains { ["inline", "demo"].firstIndex(of: $0.arrayValue![0].stringValue!) == nil }
}

/// The golden cases that run from the repository alone, or (`shared`) those that need the shared
/// data (their tests are skipped, visibly, when it is absent).
func drainCases(shared: Bool) -> [DrainCase] {
  let doc = try! JSONParser().parse(try! readWholeFile(fixture("Formats/vectors/reference/drain3-golden.json")))
  var out: [DrainCase] = []
  for c in doc["cases"]!.arrayValue! where needsSharedData(c) == shared {
    guard let learn = try! goldenLines(c["learn"]!), let probes = try! goldenLines(c["probes"]!) else { continue }
    let masks = c["masks"]!.arrayValue!.map { m in MaskRule(name: m.arrayValue![0].stringValue!, pattern: m.arrayValue![1].stringValue!) }
    let settings = ParserSettings(
      logFormat: c["log_format"]?.stringValue ?? "<Content>", masks: masks,
      maskPrefix: c["mask_prefix"]!.stringValue!, maskSuffix: c["mask_suffix"]!.stringValue!,
      drain: DrainConfig(depth: Int(c["depth"]!.integerValue!), similarityThreshold: c["sim"]!.doubleValue!,
                         maxChildren: Int(c["max_children"]!.integerValue!), maxClusters: Int(c["max_clusters"]!.integerValue!),
                         extraDelimiters: c["extra_delimiters"]!.arrayValue!.map { $0.stringValue! }))
    var templates: [UInt32: String] = [:]
    for (k, v) in c["templates"]!.objectValue! { templates[UInt32(k)!] = v.stringValue! }
    out.append(DrainCase(name: c["name"]!.stringValue!, settings: settings, learn: learn,
                         ids: c["ids"]!.arrayValue!.map { UInt32($0.integerValue!) }, templates: templates, probes: probes,
                         matches: c["matches"]!.arrayValue!.map { $0.integerValue.map { UInt32($0) } }))
  }
  return out
}

@Test func goldenCorpusHasCasesThatNeedNoSharedData() {
  let committed = drainCases(shared: false).map(\.name)
  #expect(committed.contains("bgl-reference") && committed.contains("hdfs-demo-reference") && committed.contains("synthetic"))
}

func learnAll(_ c: DrainCase) throws -> (LogParser, [UInt32]) {
  let parser = try LogParser(settings: c.settings)
  var ids: [UInt32] = []
  for l in c.learn {
    let b = Array(l.utf8)
    ids.append(b.withUnsafeBufferPointer { parser.learn(line: $0).id })
  }
  return (parser, ids)
}

func matchAll(_ parser: LogParser, _ lines: [String]) -> [UInt32?] {
  lines.map { l in Array(l.utf8).withUnsafeBufferPointer { parser.match(line: $0) } }
}

@Test(arguments: drainCases(shared: false))
func learnsExactlyLikeDrain3(_ c: DrainCase) throws { try learnsExactlyLikeDrain3Case(c) }

@Test(.enabled(if: sharedDataRoot != nil, "needs the shared data (../shared/data or ZL_DATA)"), arguments: drainCases(shared: true))
func learnsExactlyLikeDrain3OnSharedData(_ c: DrainCase) throws { try learnsExactlyLikeDrain3Case(c) }

func learnsExactlyLikeDrain3Case(_ c: DrainCase) throws {
  let (parser, ids) = try learnAll(c)
  #expect(ids == c.ids, "\(c.name): first difference at line \(Array(zip(ids, c.ids)).firstIndex { $0.0 != $0.1 } ?? -1)")
  var templates: [UInt32: String] = [:]
  for id in parser.drain.templateIDList { templates[id] = parser.drain.template(id: id) }
  #expect(templates == c.templates, "\(c.name): final templates differ")
  #expect(matchAll(parser, c.probes) == c.matches, "\(c.name): match results differ")
}

@Test(arguments: drainCases(shared: false))
func matchNeverChangesTheState(_ c: DrainCase) throws { try matchNeverChangesTheStateCase(c) }

@Test(.enabled(if: sharedDataRoot != nil, "needs the shared data (../shared/data or ZL_DATA)"), arguments: drainCases(shared: true))
func matchNeverChangesTheStateOnSharedData(_ c: DrainCase) throws { try matchNeverChangesTheStateCase(c) }

func matchNeverChangesTheStateCase(_ c: DrainCase) throws {
  let (parser, _) = try learnAll(c)
  let before = parser.section.record.encoded()
  _ = matchAll(parser, c.probes + c.learn)
  #expect(parser.section.record.encoded() == before)
}

@Test(arguments: drainCases(shared: false))
func stateSurvivesTheCheckpointSection(_ c: DrainCase) throws { try stateSurvivesTheCheckpointSectionCase(c) }

@Test(.enabled(if: sharedDataRoot != nil, "needs the shared data (../shared/data or ZL_DATA)"), arguments: drainCases(shared: true))
func stateSurvivesTheCheckpointSectionOnSharedData(_ c: DrainCase) throws { try stateSurvivesTheCheckpointSectionCase(c) }

func stateSurvivesTheCheckpointSectionCase(_ c: DrainCase) throws {
  let (parser, _) = try learnAll(c)
  let record = parser.section.record
  let decoded = try DrainSection(record: try Record.decode(record.encoded(), section: "DRAN"))
  let restored = try LogParser(section: decoded)
  #expect(restored.section.record == record)
  #expect(matchAll(restored, c.probes) == c.matches)
  // Learning continues identically after a restore (ids, templates and LRU order).
  let more = c.probes.map { Array($0.utf8) }
  let a = more.map { b in b.withUnsafeBufferPointer { parser.learn(line: $0).id } }
  let b = more.map { b in b.withUnsafeBufferPointer { restored.learn(line: $0).id } }
  #expect(a == b)
  #expect(restored.section.record == parser.section.record)
}

@Test(.enabled(if: sharedDataRoot != nil, "needs the shared data (../shared/data or ZL_DATA)"))
func fastHeaderSplitEqualsTheRegexOnEveryLogHubLine() throws {
  let data = sharedDataRoot!
  let systems = ["HDFS": "hdfs", "Hadoop": "hadoop", "Spark": "spark", "Zookeeper": "zookeeper", "BGL": "bgl", "HPC": "hpc",
                 "Apache": "apache", "Proxifier": "proxifier", "OpenSSH": "openssh", "OpenStack": "openstack"]
  for (system, preset) in systems {
    let format = try LogFormat(LogPresets.named(preset)!.parsing.logFormat)
    let r = try LineReader(path: "\(data)/loghub/\(system)/\(system)_2k.log")
    var scratch = RegexScratch()
    while let (fast, slow) = try r.next({ line -> ([Range<Int>]?, [Range<Int>]?) in
      (format.split(line, scratch: &scratch), format.regexSplit(line, scratch: &scratch))
    }) {
      #expect(fast == slow, "\(system) line \(r.lineNumber)")
    }
  }
}

@Test func badLinesNeverCrash() throws {
  let parser = try LogParser(settings: LogPresets.named("hdfs")!.parsing)
  let lines: [[UInt8]] = [
    [], [0], [0xFF, 0xFE, 0x20, 0x41], [0xC3], Array("081109 203518 143 INFO x: \u{0} nul".utf8),
    [UInt8](repeating: 0x41, count: 1 << 20), [UInt8](repeating: 0x20, count: 10_000),
    Array("081109 203518 143 INFO dfs: ".utf8) + [UInt8](repeating: 0x31, count: 100_000),
  ]
  for l in lines {
    _ = l.withUnsafeBufferPointer { parser.learn(line: $0) }
    _ = l.withUnsafeBufferPointer { parser.match(line: $0) }
  }
  #expect(parser.repairedLines >= 2)
}

@Test func maxClustersBoundsMemoryOnDistinctTemplates() throws {
  var s = LogPresets.named("hdfs")!.parsing
  s.logFormat = "<Content>"
  s.masks = []
  s.drain.maxClusters = 200
  let parser = try LogParser(settings: s)
  func word(_ i: Int) -> String {
    var w = ""
    var k = i
    repeat {
      w.append(Character(Unicode.Scalar(UInt8(97 + k % 26))))
      k /= 26
    } while k > 0
    return w
  }
  for i in 0..<60_000 {
    // Four never-seen tokens without digits: no template is similar, so each line is a new one.
    let b = Array("\(word(i)) \(word(i))b \(word(i))c \(word(i))d".utf8)
    _ = b.withUnsafeBufferPointer { parser.learn(line: $0) }
  }
  #expect(parser.drain.templateCount == 200)
  #expect(parser.drain.tokens.count < 150_000)  // 240,000 distinct tokens were seen
}

/// Matching answers repeats of a masked text from a cache; it must give what matching without it
/// gives, also after learning in between (which changes the tree and the token table).
@Test func matchCacheChangesNothing() throws {
  for (file, preset) in [("hdfs-sample.log.gz", "hdfs"), ("BGL_2k.log.gz", "bgl")] {
    let settings = LogPresets.named(preset)!.detection!
    let cached = try LogParser(settings: settings), plain = try LogParser(settings: settings)
    plain.useMatchCache = false
    var lines: [[UInt8]] = []
    let r = try LineReader(path: fixture("Tools/demo/data/" + file))
    while let l = try r.next({ Array($0) }) { lines.append(l) }
    for (k, l) in lines.enumerated() {
      if k % 3 == 0 {
        let a = l.withUnsafeBufferPointer { cached.learn(line: $0).id }, b = l.withUnsafeBufferPointer { plain.learn(line: $0).id }
        #expect(a == b)
      }
      let a = l.withUnsafeBufferPointer { cached.match(line: $0) }, b = l.withUnsafeBufferPointer { plain.match(line: $0) }
      #expect(a == b, "\(file) line \(k + 1)")
    }
    // Matching everything again after learning stopped: now mostly answered by the cache.
    let before = cached.matchCacheHits
    for l in lines {
      #expect(l.withUnsafeBufferPointer { cached.match(line: $0) } == l.withUnsafeBufferPointer { plain.match(line: $0) })
    }
    #expect(cached.matchCacheHits - before > lines.count / 2, "\(file): \(cached.matchCacheHits - before) hits")
    #expect(plain.matchCacheHits == 0)
  }
}

/// Field ranges index the line as given: leading whitespace (stripped before the header split)
/// shifts them, on the separator path and on the regex path (a non-ASCII line) alike.
@Test func fieldRangesIndexTheUnstrippedLine() throws {
  let parser = try LogParser(settings: LogPresets.named("hdfs")!.parsing)
  for text in ["  081109 203518 143 INFO dfs.DataNode: Receiving block x ", "\t081109 203518 143 INFO dfs.DataNode: Réceiving block x"] {
    let line = Array(text.utf8)
    let f = line.withUnsafeBufferPointer { parser.fields($0) }
    #expect(f.matchedFormat)
    #expect(String(decoding: line[f.content], as: UTF8.self).hasSuffix("ceiving block x"))
    #expect(String(decoding: line[f.fields[0]], as: UTF8.self) == "081109")
    #expect(String(decoding: line[f.fields[3]], as: UTF8.self) == "INFO")
  }
}

/// Templates learned from `lines` with one HOST mask (Proxifier's logparser setting: depth 3, sim 0.6).
func templatesLearned(_ lines: [String], maskName: String, maskAware: Bool) throws -> Int {
  var s = ParserSettings(logFormat: "<Content>", masks: [MaskRule(name: maskName, pattern: #"([\w-]+\.)+[\w-]+(:\d+)?"#)],
                         drain: DrainConfig(depth: 3, similarityThreshold: 0.6))
  s.maskAwareSimilarity = maskAware
  let parser = try LogParser(settings: s)
  for l in lines { _ = Array(l.utf8).withUnsafeBufferPointer { parser.learn(line: $0) } }
  return parser.drain.templateCount
}

@Test func maskAwareSimilarityKeepsApartWhatNamedMasksMerge() throws {
  // Real Proxifier shapes: with Drain3's similarity a named mask token counts as a matching word, so
  // "<HOST> open through proxy <HOST> HTTPS" and "... SOCKS5" reach 5/6 and merge; as <*> they do not.
  let proxy = ["proxy.cse.cuhk.edu.hk:5070 open through proxy proxy.cse.cuhk.edu.hk:5070 HTTPS",
               "proxy.cse.cuhk.edu.hk:5070 open through proxy p3p.sogou.com:80 SOCKS5"]
  #expect(try templatesLearned(proxy, maskName: "HOST", maskAware: false) == 1)
  #expect(try templatesLearned(proxy, maskName: "HOST", maskAware: true) == 2)
  #expect(try templatesLearned(proxy, maskName: "*", maskAware: false) == 2)
  // Two identical lines that are nearly all masks: Drain3 (either naming) makes a second template, as its
  // similarity counts only the two words; mask-aware similarity matches a line equal to the template.
  let ids = (0..<40).map { "h\($0).example.org" }.joined(separator: " ")
  let twice = ["delete " + ids + " now", "delete " + ids + " now"]
  #expect(try templatesLearned(twice, maskName: "*", maskAware: false) == 2)
  #expect(try templatesLearned(twice, maskName: "HOST", maskAware: false) == 1)
  #expect(try templatesLearned(twice, maskName: "HOST", maskAware: true) == 1)
  #expect(try templatesLearned(twice, maskName: "*", maskAware: true) == 1)
}
