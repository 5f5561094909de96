// ParseRun: Drain over whole files in learn mode, then every line with the final template of its
// cluster — what `zl-train parse` prints in logparser's CSV layout (LineId,EventId,EventTemplate),
// rendered as bytes (a template's row tail once, line numbers as digits): the output costs little
// beside the learning.

import ZLBase
import ZLFormat

public struct ParseSummary: Sendable {
  public var lines = 0
  public var templates = 0
  public var unmatchedFormat = 0
  public var truncated = 0
  public var repaired = 0
  /// Lines on which a mask or the header pattern gave up at its work budget.
  public var patternCutShort = 0
  public var seconds = 0.0
  public var files = 0
}

public enum ParseRun {
  /// Learns every line of `files` in order, then writes logparser's CSV rows
  /// (`LineId,EventId,EventTemplate`, LineId from 1 across files; no header) to `write` in chunks of
  /// about 1 MiB. Each template's row tail (`,E<id>,<template>` quoted as CSV needs) is rendered once.
  /// - Parameter threads: 2 reads and masks lines on a second thread while this one learns them
  ///   (the same ids and output as 1).
  public static func run(settings: ParserSettings, files: [String], maxLineLength: Int, threads: Int = 1, progress: Progress? = nil,
                         write: (UnsafeBufferPointer<UInt8>) throws -> Void) throws -> ParseSummary {
    let parser = try LogParser(settings: settings)
    var ids: [UInt32] = []
    var summary = ParseSummary()
    let t0 = monotonicSeconds()
    func learned(_ id: UInt32) {
      ids.append(id)
      if ids.count & 0xFFFF == 0 {
        progress?.update("\(grouped(ids.count)) lines, \(grouped(parser.drain.templateCount)) templates")
      }
    }
    var counters = (truncated: 0, unmatched: 0, repaired: 0, cutShort: 0)
    if threads >= 2 {
      // The pipe's thread reads lines and masks them (a parser of its own); this thread learns them
      // in order. When this thread has nothing waiting, the next chunk comes unmasked and is masked
      // here, so both cores mask: masking is per line, so who masks a line never changes a result.
      let masker = try LogParser(settings: settings)
      let pipe = ChunkPipe<LineChunk>(capacity: 4) { pipe in
        var chunk = LineChunk()
        func handOver() -> Bool {
          defer { chunk = LineChunk() }
          if pipe.pending > 0 {
            var masked = LineChunk(masked: true)
            chunk.forEach { line in masker.withMaskedContent(line: line) { masked.append($0) } }
            return pipe.put(masked)
          }
          return pipe.put(chunk)
        }
        for path in files {
          let reader = try LineReader(path: path, maxLineLength: maxLineLength)
          while try reader.next({ chunk.append($0) }) != nil {
            if chunk.isFull { guard handOver() else { return } }
          }
          counters.truncated += reader.truncatedLines
        }
        if !chunk.ends.isEmpty { _ = handOver() }
        counters.unmatched = masker.unmatchedFormatLines
        counters.repaired = masker.repairedLines
        counters.cutShort = masker.patternCutShortLines
      }
      defer { pipe.stop() }
      while let chunk = try pipe.next() {
        chunk.forEach { line in
          if chunk.masked {
            learned(parser.learn(masked: line).id)
          } else {
            learned(parser.withMaskedContent(line: line) { parser.learn(masked: $0).id })
          }
        }
      }
      pipe.stop()  // joined: the counters are final
      counters.unmatched += parser.unmatchedFormatLines
      counters.repaired += parser.repairedLines
      counters.cutShort += parser.patternCutShortLines
      summary.files = files.count
    } else {
      for path in files {
        let reader = try LineReader(path: path, maxLineLength: maxLineLength)
        while let id = try reader.next({ parser.learn(line: $0).id }) { learned(id) }
        counters.truncated += reader.truncatedLines
        summary.files += 1
      }
      counters.unmatched = parser.unmatchedFormatLines
      counters.repaired = parser.repairedLines
      counters.cutShort = parser.patternCutShortLines
    }
    summary.truncated = counters.truncated
    progress?.finish()
    // Row tails by template id (ids are Drain's cluster counter: dense from 1), each rendered once.
    var tails: [[UInt8]] = []
    for id in ids where Int(id) >= tails.count || tails[Int(id)].isEmpty {
      if Int(id) >= tails.count { tails += [[UInt8]](repeating: [], count: Int(id) + 1 - tails.count) }
      tails[Int(id)] = Array(",E\(id),\(csvField(parser.drain.template(id: id) ?? ""))\n".utf8)
    }
    let rows = RowRenderer(ids: ids, tails: tails)
    var from = 0
    var buffer: [UInt8] = []
    while from < rows.ids.count {
      from = rows.render(from: from, into: &buffer)
      try buffer.withUnsafeBufferPointer { try write($0) }
    }
    summary.lines = ids.count
    summary.templates = parser.drain.templateCount
    summary.unmatchedFormat = counters.unmatched
    summary.repaired = counters.repaired
    summary.patternCutShort = counters.cutShort
    summary.seconds = monotonicSeconds() - t0
    return summary
  }
}

/// Consecutive lines (raw, or their masked contents), one buffer and their end offsets.
struct LineChunk: @unchecked Sendable {
  static let lines = 1024
  /// A chunk is handed over at this size too (a few long lines), so memory stays bounded.
  static let bytes = 1 << 20
  var masked = false
  var bytes: [UInt8] = []
  var ends: [Int] = []
  init(masked: Bool = false) {
    self.masked = masked
    bytes.reserveCapacity(Self.lines * 128)
    ends.reserveCapacity(Self.lines)
  }
  var isFull: Bool { ends.count == Self.lines || bytes.count >= Self.bytes }
  mutating func append(_ b: UnsafeBufferPointer<UInt8>) {
    bytes.append(contentsOf: b)
    ends.append(bytes.count)
  }
  func forEach(_ body: (UnsafeBufferPointer<UInt8>) -> Void) {
    bytes.withUnsafeBufferPointer { b in
      var start = 0
      for end in ends {
        body(UnsafeBufferPointer(rebasing: b[start..<end]))
        start = end
      }
    }
  }
}

/// logparser's CSV rows of learned lines: LineId in decimal, then the template's row tail.
struct RowRenderer: @unchecked Sendable {
  let ids: [UInt32]
  let tails: [[UInt8]]

  /// Renders rows from line index `from` into `buffer` (emptied first) until it holds about 1 MiB;
  /// returns the next line index.
  func render(from: Int, into buffer: inout [UInt8]) -> Int {
    buffer.removeAll(keepingCapacity: true)
    buffer.reserveCapacity(1 << 20 + 4096)
    var digits = (UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0),
                  UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0))
    var k = from
    while k < ids.count && buffer.count < 1 << 20 {
      withUnsafeMutableBytes(of: &digits) { d in
        var n = k + 1, c = 0
        while n > 0 { d[c] = UInt8(48 + n % 10); n /= 10; c += 1 }
        while c > 0 { c -= 1; buffer.append(d[c]) }
      }
      buffer.append(contentsOf: tails[Int(ids[k])])
      k += 1
    }
    return k
  }
}
