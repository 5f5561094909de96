// The zl-levels/1 table (Severity.swift, zlck-v1.md §8.10): every level word the presets' systems
// use lands on the ordered scale, case and punctuation aside; syslog numbers map as RFC 5424 says;
// anything else is unknown and counted, and the warning names it.

import Testing
import ZLDrain

@Test func levelWordsOfTheSystemsLandOnTheScale() {
  let cases: [(String, Severity)] = [
    // BGL
    ("INFO", .info), ("WARNING", .warn), ("SEVERE", .error), ("ERROR", .error), ("FAILURE", .error), ("FATAL", .fatal),
    // HDFS, OpenStack, Hadoop, Spark, Zookeeper, Android (single letters), Java logging
    ("WARN", .warn), ("DEBUG", .trace), ("TRACE", .trace), ("I", .info), ("W", .warn), ("E", .error), ("F", .fatal),
    ("V", .trace), ("D", .trace), ("FINE", .trace), ("FINEST", .trace), ("CONFIG", .info), ("notice", .info),
    ("crit", .fatal), ("alert", .fatal), ("emerg", .fatal), ("panic", .fatal), ("err", .error),
    // case and surrounding punctuation
    ("Error", .error), ("[ERROR]", .error), ("<warn>", .warn), ("info:", .info), ("(FATAL)", .fatal),
    // syslog severities (RFC 5424): 0-2 emergency/alert/critical, 3 error, 4 warning, 5-6 notice/info, 7 debug
    ("0", .fatal), ("1", .fatal), ("2", .fatal), ("3", .error), ("4", .warn), ("5", .info), ("6", .info), ("7", .trace),
  ]
  for (word, level) in cases { #expect(Severity.of(word) == level, "\(word)") }
  for word in ["", "BOGUS", "8", "ERRORS", "inform", "[]", "information-technology", String(repeating: "x", count: 40)] {
    #expect(Severity.of(word) == .unknown, "\(word)")
  }
  #expect(Severity.trace < .info && .info < .warn && .warn < .error && .error < .fatal)
}

@Test func featuresAreAThermometerOverTheOrder() {
  func f(_ s: Severity) -> [Float] {
    var out: [Float] = []
    s.features(into: &out)
    return out
  }
  #expect(Severity.featureCount == 3)
  #expect(f(.trace) == [0, 0, 0] && f(.info) == [0, 0, 0] && f(.unknown) == [0, 0, 0])
  #expect(f(.warn) == [1, 0, 0] && f(.error) == [1, 1, 0] && f(.fatal) == [1, 1, 1])
}

@Test func unknownWordsAreCountedAndNamed() {
  var c = SeverityCounts()
  func add(_ w: String) {
    var s = w
    s.withUTF8 { c.count(Severity.of(w), word: $0) }
  }
  for w in ["INFO", "INFO", "ERROR"] { add(w) }
  #expect(c.warning(field: "Level") == nil)
  add("BOGUS")
  add("BOGUS")
  add("nonsense")
  c.unmatchedLines = 4
  #expect(c.unknown == 3 && c.lines[Int(Severity.info.rawValue)] == 2)
  let w = c.warning(field: "Level")
  #expect(w == "3 of 10 lines have a level word outside the zl-levels/1 table in field 'Level' (e.g. 'BOGUS', 'nonsense'); their severity is unknown")
}
