// FitProgress: how a training run shows itself while it works, apart from its log lines. On a
// terminal, an in-place bar under the log (epoch, batch, running losses, seq/s, elapsed<ETA),
// redrawn at most ten times a second and cleared before every log line; for dashboards, one JSON
// line per epoch (and one when the run finishes) on a file descriptor (`--progress-json FD`). Pipes
// get neither bar nor carriage returns: the log's one line per epoch is all they see. Nothing here
// touches what is trained.

import ZLBase

public final class FitProgress {
  let bar: Bool
  let json: DescriptorWriter?
  private var lastDraw = -1.0
  private var drawn = false
  /// The split being trained (1-based) and how many there are.
  var split = 1
  var splits = 1

  /// - Parameters:
  ///   - bar: draw the in-place bar (standard error is a terminal and progress is wanted).
  ///   - json: where the JSON lines go (nil: none).
  public init(bar: Bool, json: DescriptorWriter?) {
    self.bar = bar
    self.json = json
  }

  /// Clears the bar (before a log line is printed under it).
  public func clear() {
    if drawn {
      writeError("\r\u{1B}[K")
      drawn = false
    }
  }

  /// One batch done: redraws the bar when a tenth of a second has passed.
  /// - Parameters:
  ///   - done: batches done since training (re)started; `total`: batches of every epoch left then.
  ///   - running: the epoch's losses averaged over its batches so far.
  func batch(epoch: Int, epochs: Int, iteration: Int, iterations: Int, running: EpochRecord, epochSeconds: Double,
             done: Int, total: Int, trainSeconds: Double, showDomain: Bool) {
    guard bar else { return }
    let now = monotonicSeconds()
    guard now - lastDraw >= 0.1 || iteration == iterations else { return }
    lastDraw = now
    let eta = done > 0 ? trainSeconds / Double(done) * Double(max(0, total - done)) : 0
    let width = 20, filled = iterations > 0 ? width * iteration / iterations : 0
    var text = splits > 1 ? "split \(split)/\(splits) " : ""
    text += "epoch \(epoch)/\(epochs) [" + String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled) + "] "
    text += "\(iteration)/\(iterations)  cls \(fixed(running.classification))"
    if showDomain { text += " dom \(fixed(running.domain))" }
    text += "  \(grouped(Int(Double(running.sequences) / max(epochSeconds, 1e-9)))) seq/s  \(clock(trainSeconds))<\(clock(eta))"
    let columns = standardErrorColumns() ?? 100
    if text.count >= columns { text = String(text.prefix(max(1, columns - 1))) }
    writeError("\r" + text + "\u{1B}[K")
    drawn = true
  }

  /// One epoch done: its JSON line.
  func epoch(_ rec: EpochRecord, epochs: Int, seconds: Double, trainSeconds: Double, eta: Double) {
    guard let json else { return }
    var members: [(String, JSON)] = [("event", .string("epoch")), ("split", .integer(Int64(split))), ("splits", .integer(Int64(splits))),
                                     ("epochs", .integer(Int64(epochs)))]
    if case .object(let m) = rec.json { members += m }
    members += [("seconds", .number(seconds)), ("sequences_per_second", .number(Double(rec.sequences) / max(seconds, 1e-9))),
                ("elapsed_seconds", .number(trainSeconds)), ("eta_seconds", .number(eta))]
    json.writeLine(JSON.object(members).serialized())
  }

  /// The run finished: the written model and the held-out figures (mean over splits).
  public func finished(_ report: FitReport) {
    clear()
    guard let json else { return }
    func mean(_ f: (DetectionMetrics) -> Double?) -> JSON { report.spread(f, of: { $0.inductive }, bounds: -1e300...1e300).map { .number($0.mean) } ?? .null }
    json.writeLine(JSON.object([
      ("event", .string("finished")), ("model", .string(report.model)), ("splits", .integer(Int64(report.splits.count))),
      ("held_out_f1", mean { $0.f1 }), ("held_out_roc_auc", mean { $0.rocAUC }), ("total_seconds", .number(report.totalSeconds)),
    ]).serialized())
  }

  /// "m:ss" (or "h:mm:ss").
  func clock(_ s: Double) -> String {
    let t = Int(s.isFinite ? max(0, s.rounded()) : 0)
    let (h, m, sec) = (t / 3600, t / 60 % 60, t % 60)
    func two(_ x: Int) -> String { x < 10 ? "0\(x)" : "\(x)" }
    return h > 0 ? "\(h):\(two(m)):\(two(sec))" : "\(m):\(two(sec))"
  }
}
