// libzlscore: zl-score as a C library (Sources/CZLScorerAPI/include/zl_scorer.h). A handle owns a
// ScoringPipeline and a SessionScorer — the same code as zl-score — and hands out the records it
// writes one at a time, so they are byte for byte zl-score's.

#if canImport(Glibc)
  import Glibc
#endif
import ZLBase
import ZLDrain
import ZLScoring

final class ScorerHandle {
  let scorer: SessionScorer
  /// Records read so far from the scorer's pending bytes.
  var consumed = 0
  /// The record handed out last, NUL-terminated (valid until the next call).
  var current: [CChar] = []
  var failed = false

  init(scorer: SessionScorer) { self.scorer = scorer }

  /// Records written and not yet read.
  var ready: Int { scorer.recordEnds.count - consumed }

  func next() -> UnsafePointer<CChar>? {
    if ready == 0 {
      if consumed > 0 {
        scorer.drain { _ in }
        consumed = 0
      }
      return nil
    }
    let ends = scorer.recordEnds
    let start = consumed == 0 ? 0 : ends[consumed - 1]
    let end = ends[consumed]
    consumed += 1
    current.removeAll(keepingCapacity: true)
    for b in scorer.pending[start..<end] { current.append(CChar(bitPattern: b)) }
    current.append(0)
    return current.withUnsafeBufferPointer { $0.baseAddress }
  }
}

/// Writes `message` into `err` (NUL-terminated, cut to `len`).
func report(_ message: String, _ err: UnsafeMutablePointer<CChar>?, _ len: Int) {
  guard let err, len > 0 else { return }
  let bytes = Array(message.utf8.prefix(len - 1))
  for (k, b) in bytes.enumerated() { err[k] = CChar(bitPattern: b) }
  err[bytes.count] = 0
}

@_cdecl("zl_scorer_open")
public func zl_scorer_open(_ path: UnsafePointer<CChar>?, _ options: UnsafePointer<CChar>?, _ err: UnsafeMutablePointer<CChar>?,
                           _ errLen: Int) -> OpaquePointer? {
  guard let path else {
    report("zl_scorer_open: model path is NULL", err, errLen)
    return nil
  }
  do {
    var threshold: Double? = nil, rule: SessionRule? = nil, maxEvents: Int? = nil, idle: Int? = nil
    var explain = 0, onlyAnomalies = false, batch = 1, cache = 8192
    if let options {
      let o = try JSONParser().parse(String(cString: options))
      guard case .object(let members) = o else { throw OptionError("options are not a JSON object") }
      func int(_ j: JSON, _ k: String, _ r: ClosedRange<Int>) throws -> Int {
        guard let v = j.integerValue, r.contains(Int(v)) else { throw OptionError("option \(k) must be an integer in \(r.lowerBound)...\(r.upperBound)") }
        return Int(v)
      }
      for (k, v) in members {
        switch k {
        case "threshold":
          guard let d = v.doubleValue, d >= 0, d <= 1 else { throw OptionError("option threshold must be a number in 0...1") }
          threshold = d
        case "sessions":
          guard let s = v.stringValue else { throw OptionError("option sessions must be a string") }
          rule = try SessionRule(parsing: s)
        case "max_events": maxEvents = try int(v, k, 1...100_000_000)
        case "idle_lines": idle = try int(v, k, 0...Int(Int32.max))
        case "explain": explain = try int(v, k, 0...1000)
        case "only_anomalies":
          guard let b = v.boolValue else { throw OptionError("option only_anomalies must be true or false") }
          onlyAnomalies = b
        case "batch": batch = try int(v, k, 1...65_536)
        case "cache": cache = try int(v, k, 0...10_000_000)
        default: throw OptionError("unknown option '\(k)' (threshold, sessions, max_events, idle_lines, explain, only_anomalies, batch, cache)")
        }
      }
    }
    let file = String(cString: path)
    let model = try ScoringModel.load(path: file)
    let pipe = try ScoringPipeline(model: model, options: ScoringOptions(sessionRule: rule, maxEvents: maxEvents, idleLines: idle,
                                                                         threshold: threshold, keepLineNumbers: explain > 0))
    pipe.batchSize = batch
    pipe.cacheCapacity = cache
    let h = ScorerHandle(scorer: SessionScorer(pipeline: pipe, format: .jsonl, explainTop: explain, onlyAnomalies: onlyAnomalies))
    return OpaquePointer(Unmanaged.passRetained(h).toOpaque())
  } catch {
    report("zl_scorer_open: " + ((error as? ToolError)?.message ?? "\(error)"), err, errLen)
    return nil
  }
}

struct OptionError: ToolError {
  let message: String
  init(_ m: String) { message = m }
  var exitStatus: ExitStatus { .usage }
}

@inline(__always)
func handle(_ p: OpaquePointer?) -> ScorerHandle? {
  p.map { Unmanaged<ScorerHandle>.fromOpaque(UnsafeRawPointer($0)).takeUnretainedValue() }
}

@_cdecl("zl_scorer_feed")
public func zl_scorer_feed(_ p: OpaquePointer?, _ line: UnsafePointer<CChar>?, _ len: Int) -> Int32 {
  guard let h = handle(p), !h.failed else { return -1 }
  if let line {
    line.withMemoryRebound(to: UInt8.self, capacity: len) { h.scorer.feed(line: UnsafeBufferPointer(start: $0, count: len)) }
  } else {
    h.scorer.feed(line: UnsafeBufferPointer(start: nil, count: 0))
  }
  if h.scorer.nonFiniteSession != nil { h.failed = true; return -1 }
  return Int32(clamping: h.ready)
}

@_cdecl("zl_scorer_next")
public func zl_scorer_next(_ p: OpaquePointer?) -> UnsafePointer<CChar>? {
  handle(p)?.next()
}

@_cdecl("zl_scorer_flush")
public func zl_scorer_flush(_ p: OpaquePointer?) -> Int32 {
  guard let h = handle(p), !h.failed else { return -1 }
  h.scorer.finish { _ in }
  if h.scorer.nonFiniteSession != nil { h.failed = true; return -1 }
  return Int32(clamping: h.ready)
}

@_cdecl("zl_scorer_close")
public func zl_scorer_close(_ p: OpaquePointer?) {
  guard let p else { return }
  Unmanaged<ScorerHandle>.fromOpaque(UnsafeRawPointer(p)).release()
}
