// HTMLReport: `zl-train report` and `fit --report-html` — one self-contained HTML page (inline SVG
// and CSS; no script, no font, nothing fetched: it opens offline and prints) drawn from fit reports.
// Per run: training curves, ROC and precision–recall curves with the operating point, score
// histograms by label with the threshold, the confusion matrix, and the label-free baselines beside
// the model. Several runs: runs of the same method, source and target pool their splits, and every
// group is one colour on shared axes, a mean line with a ± 1 sd band. The page is deterministic
// (no time stamp): the same reports give the same bytes.

import ZLBase
import ZLProfile

public enum HTMLReport {
  static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22"]
  static let epochSeries: [(key: String, title: String, y: String)] = [
    ("classification_loss", "Classification loss (source)", "loss"),
    ("domain_loss", "Domain loss", "loss"),
    ("query_loss", "Meta (query) loss", "loss"),
    ("source_validation_f1", "Source-validation F1", "F1 (%)"),
  ]
  static var baselineTitles: [String: String] { ModelCard.baselineTitles }

  /// The page for `runs` (at least one).
  public static func render(_ runs: [ReportRun]) -> String {
    var groups: [(name: String, runs: [ReportRun])] = []
    for r in runs {
      if let k = groups.firstIndex(where: { $0.name == r.group }) { groups[k].runs.append(r) } else { groups.append((r.group, [r])) }
    }
    var h: [String] = []
    h.append("""
    <!DOCTYPE html>
    <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
    <title>zl training report: \(esc(groups.map(\.name).joined(separator: "; ")))</title>
    <style>\(css)</style></head><body>
    <header><h1>zl training report</h1>
    <p class="sub">\(runs.count) run\(runs.count == 1 ? "" : "s"), \(groups.count) group\(groups.count == 1 ? "" : "s") (method, source → target); drawn by \(esc(runs[0].tool)). Held-out figures are on target sessions no training step saw; baselines use no label and no training.</p></header>
    """)
    h.append(summaryTable(groups))
    if runs.count > 1 {
      h.append("<section class=\"compare\"><h2>Runs on shared axes</h2><p class=\"note\">Each colour is a group; the line is the mean over its splits and runs, the band ± 1 sd.</p><div class=\"charts\">")
      let colored = groups.enumerated().map { (palette[$0.offset % palette.count], $0.element.name, $0.element.runs.flatMap(\.splits)) }
      h.append(contentsOf: trainingCharts(colored))
      h.append(rocChart(colored, markers: false))
      h.append(prChart(colored, markers: false))
      h.append("</div></section>")
    }
    for (k, r) in runs.enumerated() {
      let g = groups.firstIndex { $0.name == r.group } ?? 0
      h.append(runSection(r, index: k + 1, color: palette[g % palette.count]))
    }
    h.append("<footer>Written by zl-train report from \(runs.count) JSON report\(runs.count == 1 ? "" : "s"). Self-contained: no script, no network.</footer></body></html>\n")
    return h.joined(separator: "\n")
  }

  // MARK: - Tables

  static func summaryTable(_ groups: [(name: String, runs: [ReportRun])]) -> String {
    var names: [String] = []
    for g in groups { for r in g.runs { for s in r.splits { for b in s.baselines where !names.contains(b.name) { names.append(b.name) } } } }
    var t = "<section><h2>Held-out detection</h2><table class=\"summary\"><thead><tr><th>group</th><th>runs</th><th>splits</th><th>F1 (%)</th><th>ROC-AUC</th><th>PR-AUC</th>"
    for n in names { t += "<th>\(esc(baselineTitles[n] ?? n)) F1</th>" }
    t += "</tr></thead><tbody>"
    for (k, g) in groups.enumerated() {
      let splits = g.runs.flatMap(\.splits)
      let models = splits.compactMap(\.model)
      t += "<tr><td><span class=\"swatch\" style=\"background:\(palette[k % palette.count])\"></span>\(esc(g.name))</td><td>\(g.runs.count)</td><td>\(splits.count)</td>"
      t += "<td class=\"num\">\(spread(models.map(\.f1), 1))</td><td class=\"num\">\(spread(models.compactMap(\.rocAUC), 3))</td><td class=\"num\">\(spread(models.compactMap(\.prAUC), 3))</td>"
      for n in names {
        let values = splits.compactMap { s in s.baselines.first { $0.name == n }?.metrics?.f1 }
        t += "<td class=\"num\">\(values.isEmpty ? "<span class=\"na\" title=\"\(esc(splits.compactMap { s in s.baselines.first { $0.name == n }?.missing }.first ?? "not scored"))\">n/a</span>" : spread(values, 1))</td>"
      }
      t += "</tr>"
    }
    t += "</tbody></table>"
    if groups.allSatisfy({ $0.runs.allSatisfy { $0.splits.allSatisfy { $0.model == nil } } }) {
      t += "<p class=\"note\">The target had no labels: no held-out figure could be measured.</p>"
    }
    return t + "<p class=\"note\">mean ± sd over splits (hover: the 95 % interval of the mean).</p></section>"
  }

  /// "mean ± sd" with the 95 % interval of the mean as a tooltip; "n/a" without values.
  static func spread(_ v: [Double], _ digits: Int) -> String {
    guard let s = Spread(v) else { return "<span class=\"na\">n/a</span>" }
    if s.count == 1 { return fixed(s.mean, digits) }
    return "<span title=\"95 % interval of the mean: \(fixed(s.low, digits))–\(fixed(s.high, digits)), \(s.count) splits\">\(fixed(s.mean, digits)) ± \(fixed(s.sd, digits))</span>"
  }

  static func runSection(_ r: ReportRun, index: Int, color: String) -> String {
    var h = "<section class=\"run\"><h2><span class=\"swatch\" style=\"background:\(color)\"></span>Run \(index): \(esc(r.group))</h2><dl class=\"facts\">"
    let first = r.splits[0]
    var facts: [(String, String)] = [("report", r.path), ("model", r.model.isEmpty ? "—" : r.model), ("seed", "\(r.seed)"), ("splits", "\(r.splits.count)"),
                                     ("threshold", "\(fixed(first.threshold, 4)) (\(first.thresholdMethod.isEmpty ? "—" : first.thresholdMethod))\(r.splits.count > 1 ? ", first split" : "")"),
                                     ("held-out sessions", grouped(first.heldOut)), ("adaptation sessions", grouped(first.adaptation))]
    let keySettings = ["epochs", "hidden", "layers", "lr", "severity", "max_sessions", "self_train_epochs", "meta_order"]
    let shown = r.settings.filter { keySettings.contains($0.0) }.map { "\($0.0) \($0.1)" }
    if !shown.isEmpty { facts.append(("settings", shown.joined(separator: ", "))) }
    for (k, v) in facts { h += "<dt>\(esc(k))</dt><dd>\(esc(v))</dd>" }
    h += "</dl>"
    let notes = Array(Set(r.splits.flatMap(\.notes))).sorted()
    if !notes.isEmpty { h += "<ul class=\"notes\">" + notes.map { "<li>\(esc($0))</li>" }.joined() + "</ul>" }
    h += "<div class=\"charts\">"
    let perSplit = r.splits.count > 1
    h += trainingCharts([(color, r.group, r.splits)]).joined()
    if r.splits.contains(where: { $0.curves != nil }) {
      h += rocChart([(color, r.group, r.splits)], markers: true, exact: !perSplit)
      h += prChart([(color, r.group, r.splits)], markers: true, exact: !perSplit)
      h += histogramChart(r.splits)
    } else {
      h += "<p class=\"note\">No held-out curves: \(r.splits.allSatisfy { $0.model == nil } ? "the target had no labels" : "this report was written before zl kept them (rerun zl-train fit --report)").</p>"
    }
    h += "</div><div class=\"tables\">"
    h += confusionTable(r.splits)
    h += baselineTable(r.splits)
    return h + "</div></section>"
  }

  static func confusionTable(_ splits: [ReportSplit]) -> String {
    let m = splits.compactMap(\.model)
    guard !m.isEmpty else { return "" }
    let tp = m.map(\.tp).reduce(0, +), fp = m.map(\.fp).reduce(0, +), tn = m.map(\.tn).reduce(0, +), fn = m.map(\.fn).reduce(0, +)
    return """
    <table class="confusion"><caption>Confusion matrix, held-out sessions\(m.count > 1 ? " (summed over \(m.count) splits)" : "")</caption>
    <thead><tr><th></th><th>flagged</th><th>not flagged</th></tr></thead>
    <tbody><tr><th>anomalous</th><td class="tp">\(grouped(tp))</td><td class="fn">\(grouped(fn))</td></tr>
    <tr><th>normal</th><td class="fp">\(grouped(fp))</td><td class="tn">\(grouped(tn))</td></tr></tbody></table>
    """
  }

  static func baselineTable(_ splits: [ReportSplit]) -> String {
    guard splits.contains(where: { $0.model != nil }) else { return "" }
    var t = "<table class=\"baselines\"><caption>The model beside the label-free baselines (held-out; mean ± sd over splits)</caption><thead><tr><th>detector</th><th>F1 (%)</th><th>precision (%)</th><th>recall (%)</th><th>ROC-AUC</th></tr></thead><tbody>"
    func row(_ name: String, _ m: [ReportMetrics], missing: String?, cls: String) {
      if let missing, m.isEmpty {
        t += "<tr class=\"\(cls)\"><td>\(esc(name))</td><td colspan=\"4\" class=\"na\">n/a: \(esc(missing))</td></tr>"
        return
      }
      t += "<tr class=\"\(cls)\"><td>\(esc(name))</td><td class=\"num\">\(spread(m.map(\.f1), 1))</td><td class=\"num\">\(spread(m.map(\.precision), 1))</td>"
      t += "<td class=\"num\">\(spread(m.map(\.recall), 1))</td><td class=\"num\">\(spread(m.compactMap(\.rocAUC), 3))</td></tr>"
    }
    row("the model", splits.compactMap(\.model), missing: nil, cls: "model")
    var names: [String] = []
    for s in splits { for b in s.baselines where !names.contains(b.name) { names.append(b.name) } }
    for n in names {
      let entries = splits.compactMap { s in s.baselines.first { $0.name == n } }
      row(baselineTitles[n] ?? n, entries.compactMap(\.metrics), missing: entries.compactMap(\.missing).first, cls: "baseline")
    }
    return t + "</tbody></table>"
  }

  // MARK: - Charts

  struct Series {
    var color: String
    var name: String
    var points: [(Double, Double)]
    /// (x, low, high) of a ± sd band.
    var band: [(Double, Double, Double)] = []
    var dashed = false
  }

  struct Marker {
    var x: Double
    var y: Double
    var color: String
    var label: String
  }

  static let width = 440.0, height = 280.0
  static let left = 52.0, right = 14.0, top = 30.0, bottom = 40.0

  static func chart(title: String, cls: String, xLabel: String, yLabel: String, x: ClosedRange<Double>, y: ClosedRange<Double>,
                    series: [Series], markers: [Marker] = [], vLines: [(Double, String, String)] = [], diagonal: Bool = false,
                    integerX: Bool = false, bars: String = "", keys: [(color: String, name: String)] = []) -> String {
    let pw = width - left - right, ph = height - top - bottom
    let xSpan = x.upperBound - x.lowerBound, ySpan = y.upperBound - y.lowerBound
    func px(_ v: Double) -> Double { left + (xSpan > 0 ? (v - x.lowerBound) / xSpan : 0.5) * pw }
    func py(_ v: Double) -> Double { top + ph - (ySpan > 0 ? (v - y.lowerBound) / ySpan : 0.5) * ph }
    func f(_ v: Double) -> String { fixed(v, 1) }
    var s = "<figure class=\"chart \(cls)\"><svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"\(esc(title))\">"
    s += "<text class=\"title\" x=\"\(f(left))\" y=\"18\">\(esc(title))</text>"
    // Grid and ticks.
    for k in 0...4 {
      let xv = x.lowerBound + xSpan * Double(k) / 4, yv = y.lowerBound + ySpan * Double(k) / 4
      s += "<line class=\"grid\" x1=\"\(f(px(xv)))\" y1=\"\(f(top))\" x2=\"\(f(px(xv)))\" y2=\"\(f(top + ph))\"/>"
      s += "<line class=\"grid\" x1=\"\(f(left))\" y1=\"\(f(py(yv)))\" x2=\"\(f(left + pw))\" y2=\"\(f(py(yv)))\"/>"
      s += "<text class=\"tick\" x=\"\(f(px(xv)))\" y=\"\(f(top + ph + 14))\" text-anchor=\"middle\">\(tick(xv, span: xSpan, integer: integerX))</text>"
      s += "<text class=\"tick\" x=\"\(f(left - 4))\" y=\"\(f(py(yv) + 3))\" text-anchor=\"end\">\(tick(yv, span: ySpan, integer: false))</text>"
    }
    s += "<rect class=\"frame\" x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(pw))\" height=\"\(f(ph))\"/>"
    s += "<text class=\"axis\" x=\"\(f(left + pw / 2))\" y=\"\(f(height - 6))\" text-anchor=\"middle\">\(esc(xLabel))</text>"
    s += "<text class=\"axis\" transform=\"translate(12 \(f(top + ph / 2))) rotate(-90)\" text-anchor=\"middle\">\(esc(yLabel))</text>"
    if diagonal { s += "<line class=\"chance\" x1=\"\(f(px(x.lowerBound)))\" y1=\"\(f(py(y.lowerBound)))\" x2=\"\(f(px(x.upperBound)))\" y2=\"\(f(py(y.upperBound)))\"><title>chance</title></line>" }
    s += bars
    func clampY(_ v: Double) -> Double { min(max(v, y.lowerBound), y.upperBound) }
    for se in series where !se.band.isEmpty {
      let upper = se.band.map { "\(f(px($0.0))),\(f(py(clampY($0.2))))" }
      let lower = se.band.reversed().map { "\(f(px($0.0))),\(f(py(clampY($0.1))))" }
      s += "<polygon class=\"band\" fill=\"\(se.color)\" points=\"\((upper + lower).joined(separator: " "))\"/>"
    }
    for se in series where !se.points.isEmpty {
      let pts = se.points.map { "\(f(px($0.0))),\(f(py(clampY($0.1))))" }.joined(separator: " ")
      s += "<polyline class=\"series\(se.dashed ? " dashed" : "")\" stroke=\"\(se.color)\" points=\"\(pts)\"><title>\(esc(se.name))</title></polyline>"
      if se.points.count == 1 { s += "<circle cx=\"\(f(px(se.points[0].0)))\" cy=\"\(f(py(clampY(se.points[0].1))))\" r=\"3\" fill=\"\(se.color)\"/>" }
    }
    for (v, color, label) in vLines where x.contains(v) {
      s += "<line class=\"threshold\" stroke=\"\(color)\" x1=\"\(f(px(v)))\" y1=\"\(f(top))\" x2=\"\(f(px(v)))\" y2=\"\(f(top + ph))\"><title>\(esc(label))</title></line>"
    }
    for m in markers {
      s += "<circle class=\"operating\" cx=\"\(f(px(m.x)))\" cy=\"\(f(py(clampY(m.y))))\" r=\"4.5\" stroke=\"\(m.color)\"><title>\(esc(m.label))</title></circle>"
    }
    s += "</svg>"
    let legend = series.filter { !$0.points.isEmpty }
    if legend.count > 1 || !markers.isEmpty || !vLines.isEmpty || !keys.isEmpty {
      s += "<figcaption>"
      for k in keys { s += "<span class=\"key\"><span class=\"swatch\" style=\"background:\(k.color)\"></span>\(esc(k.name))</span>" }
      var seen = Set<String>()
      for se in legend where seen.insert(se.name).inserted {
        s += "<span class=\"key\"><span class=\"swatch\" style=\"background:\(se.color)\"></span>\(esc(se.name))</span>"
      }
      if !markers.isEmpty { s += "<span class=\"key\"><span class=\"ring\"></span>operating point at the model's threshold</span>" }
      if let v = vLines.first { s += "<span class=\"key\"><span class=\"bar\" style=\"background:\(v.1)\"></span>\(esc(v.2))</span>" }
      s += "</figcaption>"
    }
    return s + "</figure>"
  }

  static func tick(_ v: Double, span: Double, integer: Bool) -> String {
    if integer { return "\(Int(v.rounded()))" }
    if span >= 20 { return fixed(v, 0) }
    if span >= 2 { return fixed(v, 1) }
    return fixed(v, 2)
  }

  /// Mean and sd per index over rows of possibly different lengths (nil where no row has a value).
  static func meanSD(_ rows: [[Double]]) -> [(Double, Double)] {
    let n = rows.map(\.count).max() ?? 0
    return (0..<n).compactMap { k in
      let v = rows.compactMap { k < $0.count ? $0[k] : nil }
      guard let s = Spread(v) else { return nil }
      return (s.mean, s.sd)
    }
  }

  static func trainingCharts(_ groups: [(String, String, [ReportSplit])]) -> [String] {
    var out: [String] = []
    for (key, title, yLabel) in epochSeries {
      var series: [Series] = []
      var lo = Double.infinity, hi = -Double.infinity, maxEpoch = 1.0
      for (color, name, splits) in groups {
        let rows = splits.map { $0.epochs.compactMap { $0[key] } }.filter { !$0.isEmpty }
        guard rows.contains(where: { $0.contains { $0 != 0 } }) else { continue }
        let stats = meanSD(rows)
        let firstEpoch = splits.first?.epochs.first?["epoch"] ?? 1
        var se = Series(color: color, name: name, points: stats.enumerated().map { (firstEpoch + Double($0.offset), $0.element.0) })
        if rows.count > 1 { se.band = stats.enumerated().map { (firstEpoch + Double($0.offset), $0.element.0 - $0.element.1, $0.element.0 + $0.element.1) } }
        for (k, p) in stats.enumerated() {
          lo = min(lo, p.0 - (rows.count > 1 ? p.1 : 0)); hi = max(hi, p.0 + (rows.count > 1 ? p.1 : 0))
          maxEpoch = max(maxEpoch, firstEpoch + Double(k))
        }
        series.append(se)
      }
      guard !series.isEmpty else { continue }
      if key == "source_validation_f1" { lo = 0; hi = 100 } else { lo = min(0, lo); hi = hi > lo ? hi * 1.05 : lo + 1 }
      out.append(chart(title: title, cls: "training " + key, xLabel: "epoch", yLabel: yLabel, x: 1...max(maxEpoch, 2), y: lo...hi,
                       series: series, integerX: true))
    }
    if out.isEmpty { out.append("<p class=\"note\">No training curves: no network was trained here (a hybrid's detectors are fitted, not trained; an evaluation trains nothing).</p>") }
    return out
  }

  static let grid = (0...50).map { Double($0) / 50 }

  /// The curve's y at x, linear between vertices (the largest y where a vertical step meets x).
  static func interpolate(_ p: [(Double, Double)], _ x: Double) -> Double {
    var best = p.first?.1 ?? 0
    for k in p.indices.dropLast() {
      let a = p[k], b = p[k + 1]
      guard min(a.0, b.0) <= x && x <= max(a.0, b.0) else { continue }
      best = max(best, a.0 == b.0 ? max(a.1, b.1) : a.1 + (b.1 - a.1) * (x - a.0) / (b.0 - a.0))
    }
    return best
  }

  static func curveSeries(_ groups: [(String, String, [ReportSplit])], exact: Bool, _ curve: (HeldOutCurves) -> [(Double, Double)],
                          at: @escaping ([(Double, Double)], Double) -> Double) -> [Series] {
    groups.compactMap { color, name, splits in
      let curves = splits.compactMap(\.curves).map(curve)
      guard !curves.isEmpty else { return nil }
      if exact && curves.count == 1 { return Series(color: color, name: name, points: curves[0]) }
      let rows = curves.map { c in grid.map { at(c, $0) } }
      let columns = grid.indices.map { k in Spread(rows.map { $0[k] })! }
      return Series(color: color, name: name, points: zip(grid, columns).map { ($0, $1.mean) },
                    band: rows.count > 1 ? zip(grid, columns).map { ($0, $1.mean - $1.sd, $1.mean + $1.sd) } : [])
    }
  }

  static func operatingMarkers(_ groups: [(String, String, [ReportSplit])], _ point: (HeldOutCurves) -> (Double, Double)) -> [Marker] {
    groups.flatMap { color, _, splits in
      splits.compactMap { s in
        s.curves.map { c in
          let (x, y) = point(c)
          return Marker(x: x, y: y, color: color, label: "split seed \(s.seed): threshold \(fixed(c.threshold, 4)), FPR \(fixed(c.operating.fpr, 3)), TPR \(fixed(c.operating.tpr, 3)), precision \(fixed(c.operating.precision, 3))")
        }
      }
    }
  }

  static func rocChart(_ groups: [(String, String, [ReportSplit])], markers: Bool, exact: Bool = false) -> String {
    let series = curveSeries(groups, exact: exact, { $0.roc }, at: interpolate)
    guard !series.isEmpty else { return "" }
    return chart(title: "ROC, held-out target sessions", cls: "roc", xLabel: "false-positive rate", yLabel: "true-positive rate",
                 x: 0...1, y: 0...1, series: series, markers: markers ? operatingMarkers(groups) { ($0.operating.fpr, $0.operating.tpr) } : [],
                 diagonal: true)
  }

  static func prChart(_ groups: [(String, String, [ReportSplit])], markers: Bool, exact: Bool = false) -> String {
    // Interpolated precision: the best precision at this recall or more.
    let series = curveSeries(groups, exact: exact, { $0.pr }, at: { p, r in p.filter { $0.0 >= r - 1e-12 }.map(\.1).max() ?? 0 })
    guard !series.isEmpty else { return "" }
    return chart(title: "Precision–recall, held-out target sessions", cls: "pr", xLabel: "recall", yLabel: "precision",
                 x: 0...1, y: 0...1, series: series, markers: markers ? operatingMarkers(groups) { ($0.operating.recall, $0.operating.precision) } : [])
  }

  /// Scores by label (each label's share of its sessions per bin, summed over splits) with the threshold.
  static func histogramChart(_ splits: [ReportSplit]) -> String {
    let curves = splits.compactMap(\.curves)
    guard let bins = curves.first?.anomalousHistogram.count, curves.allSatisfy({ $0.anomalousHistogram.count == bins }) else { return "" }
    var a = [Double](repeating: 0, count: bins), n = a
    for c in curves {
      for k in 0..<bins { a[k] += Double(c.anomalousHistogram[k]); n[k] += Double(c.normalHistogram[k]) }
    }
    let sa = max(a.reduce(0, +), 1), sn = max(n.reduce(0, +), 1)
    a = a.map { $0 / sa }; n = n.map { $0 / sn }
    let top = max(a.max() ?? 0, n.max() ?? 0, 0.01) * 1.05
    let pw = width - left - right, ph = height - HTMLReport.top - bottom
    var bars = ""
    let w = pw / Double(bins)
    for k in 0..<bins {
      for (share, color, dx, label) in [(n[k], "#1f77b4", 0.0, "normal"), (a[k], "#d62728", 0.5, "anomalous")] where share > 0 {
        let hgt = share / top * ph
        bars += "<rect x=\"\(fixed(left + (Double(k) + dx) * w, 1))\" y=\"\(fixed(HTMLReport.top + ph - hgt, 1))\" width=\"\(fixed(w / 2, 1))\" height=\"\(fixed(hgt, 1))\" fill=\"\(color)\" fill-opacity=\"0.75\"><title>\(label): \(fixed(100 * share, 1)) % of sessions score \(fixed(Double(k) / Double(bins), 2))–\(fixed(Double(k + 1) / Double(bins), 2))</title></rect>"
      }
    }
    let thresholds = curves.map(\.threshold)
    let t = thresholds.reduce(0, +) / Double(thresholds.count)
    let label = thresholds.count > 1 ? "threshold (mean over splits) \(fixed(t, 3))" : "threshold \(fixed(t, 3))"
    return chart(title: "Held-out scores by label", cls: "histogram", xLabel: "score", yLabel: "share of the label's sessions",
                 x: 0...1, y: 0...top, series: [], vLines: [(t, "#222", label)], bars: bars,
                 keys: [("#1f77b4", "normal sessions"), ("#d62728", "anomalous sessions")])
  }

  // MARK: - Text

  static func esc(_ s: String) -> String {
    var out = ""
    out.reserveCapacity(s.utf8.count)
    for c in s.unicodeScalars {
      switch c {
      case "&": out += "&amp;"
      case "<": out += "&lt;"
      case ">": out += "&gt;"
      case "\"": out += "&quot;"
      case "'": out += "&#39;"
      default: out.unicodeScalars.append(c)
      }
    }
    return out
  }

  static let css = """
  body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#222;margin:0 auto;max-width:1400px;padding:16px 24px;background:#fff}
  h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}
  .sub,.note{color:#555}.note{font-size:13px}
  table{border-collapse:collapse;margin:8px 16px 8px 0;font-size:13px}th,td{border:1px solid #ddd;padding:4px 8px;text-align:left}
  thead th{background:#f4f4f4}td.num{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}.na{color:#999}
  caption{text-align:left;font-weight:600;padding:4px 0}
  .confusion td{text-align:right;min-width:80px;font-variant-numeric:tabular-nums}.confusion .tp,.confusion .tn{background:#eaf5ea}.confusion .fp,.confusion .fn{background:#fbeaea}
  tr.model td{font-weight:600}
  .charts{display:flex;flex-wrap:wrap;gap:12px}.charts>p{flex-basis:100%;margin:4px 0}.tables{display:flex;flex-wrap:wrap;align-items:flex-start}
  figure.chart{margin:0;width:440px}figure svg{width:440px;height:280px;display:block}
  figcaption{font-size:12px;color:#444;display:flex;flex-wrap:wrap;gap:4px 12px}
  .key{white-space:nowrap}.swatch{display:inline-block;width:12px;height:12px;margin-right:4px;vertical-align:-1px;border-radius:2px}
  .ring{display:inline-block;width:9px;height:9px;border:2px solid #444;border-radius:50%;margin-right:4px;vertical-align:-1px}
  .bar{display:inline-block;width:3px;height:12px;margin-right:4px;vertical-align:-1px}
  svg .title{font-size:13px;font-weight:600;fill:#222}svg .tick{font-size:10px;fill:#555}svg .axis{font-size:11px;fill:#333}
  svg .grid{stroke:#eee;stroke-width:1}svg .frame{fill:none;stroke:#bbb}svg .chance{stroke:#aaa;stroke-dasharray:4 4}
  svg .series{fill:none;stroke-width:2}svg .dashed{stroke-dasharray:6 3}svg .band{fill-opacity:0.15;stroke:none}
  svg .threshold{stroke-width:2;stroke-dasharray:5 3}svg .operating{fill:#fff;stroke-width:2.5}
  dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;font-size:13px}dl.facts dt{color:#666}dl.facts dd{margin:0;word-break:break-all}
  ul.notes{font-size:13px;color:#8a5300}footer{margin-top:32px;color:#888;font-size:12px}
  @media print{figure.chart{break-inside:avoid}}
  """
}
