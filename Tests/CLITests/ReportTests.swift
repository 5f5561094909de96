// The HTML report and the model card, tried as a person would: fits on the demo sample drawn by
// `zl-train report` (self-contained, deterministic, < 1 MB, every chart), the page rendered by headless
// Chromium (the charts are in the rendered DOM, the console is silent; a visible skip without
// Chromium), and the card of every model trained here complete and round-tripping through
// `zl-pack card --json` / `--set`.

import Testing
import ZLBase
import _ZLTestSupport

/// A headless-capable Chromium on PATH (Debian: `chromium`), if any.
let chromium: String? = {
  let path = environment("PATH") ?? "/usr/bin:/bin"
  for name in ["chromium", "chromium-browser", "chromium-headless-shell", "google-chrome"] {
    for dir in path.split(separator: ":") where isRegularFile("\(dir)/\(name)") { return "\(dir)/\(name)" }
  }
  return nil
}()

/// Two runs of the demo: the default hybrid over 3 splits (HTML written by fit too) and a small ZeroLog
/// network over 2 splits; returns the directory with h.json, h.html, z.json and both models.
func demoReports() throws -> String {
  let dir = try scratchDirectory("report")
  let h = try runTool("zl-train", ["fit", "--target", demo + "/BGL_2k.log.gz", "--target-preset", "bgl", "--splits", "3", "--seed", "5",
                                   "-o", dir + "/h.zlck", "--report", dir + "/h.json", "--report-html", dir + "/h.html", "--quiet"])
  #expect(h.status == 0, "\(h)")
  let z = try runTool("zl-train", fitArgs(dir + "/z.zlck", extra: ["--splits", "2", "--report", dir + "/z.json", "--quiet"], epochs: 3),
                      environment: ["ZL_SOURCE_COMMIT": "0123456789abcdef0123456789abcdef01234567"])
  #expect(z.status == 0, "\(z)")
  return dir
}

/// Every string of a card's JSON is non-empty; `null` only where the card says "none" (no source,
/// no commit known, an AUC that one label made impossible).
func checkComplete(_ j: JSON, _ path: String = "card") {
  switch j {
  case .string(let s): #expect(!s.isEmpty, "\(path) is empty")
  case .array(let a):
    if path.hasSuffix("limits") { #expect(!a.isEmpty, "\(path) is empty") }
    for (k, v) in a.enumerated() { checkComplete(v, "\(path)[\(k)]") }
  case .object(let o): for (k, v) in o { checkComplete(v, "\(path).\(k)") }
  case .null: #expect(["card.systems.source", "card.tool.commit"].contains(path) || path.hasSuffix("roc_auc_mean"), "\(path) is null")
  default: break
  }
}

@Suite(.serialized) struct ReportTests {
  @Test func htmlReportIsSelfContainedDeterministicAndHasEveryChart() throws {
    let dir = try demoReports()
    let r = try runTool("zl-train", ["report", dir + "/h.json", dir + "/z.json", "-o", dir + "/both.html"])
    #expect(r.status == 0 && r.stderr.contains("2 runs, 5 splits"), "\(r)")
    let html = String(decoding: try readWholeFile(dir + "/both.html"), as: UTF8.self)
    #expect(html.hasPrefix("<!DOCTYPE html>") && html.utf8.count < 1 << 20)
    // Nothing to fetch, nothing to run: no script, stylesheet link, image source or URL but SVG's namespace.
    for banned in ["<script", "<link", "src=", "url(", "@import", "<iframe"] { #expect(!html.contains(banned), "the page holds \(banned)") }
    #expect(html.replacingAll("http://www.w3.org/2000/svg", "").contains("http") == false, "the page names a URL")
    for chart in ["chart roc", "chart pr", "chart histogram", "chart training classification_loss", "chart training domain_loss",
                  "chart training query_loss", "chart training source_validation_f1", "class=\"confusion\"", "class=\"baselines\"",
                  "Runs on shared axes", "class=\"operating\""] {
      #expect(html.contains(chart), "no \(chart)")
    }
    #expect(html.occurrences("<polyline") >= 12, "too few curves")
    // Deterministic, and fit --report-html draws the same page as `report` of the same file.
    let again = try runTool("zl-train", ["report", dir + "/h.json", dir + "/z.json", "-o", dir + "/again.html", "--quiet"])
    #expect(again.status == 0 && again.stderr.isEmpty)
    #expect(try readWholeFile(dir + "/again.html") == (try readWholeFile(dir + "/both.html")))
    let one = try runTool("zl-train", ["report", dir + "/h.json", "-o", dir + "/one.html", "--quiet"])
    #expect(one.status == 0)
    #expect(try readWholeFile(dir + "/one.html") == (try readWholeFile(dir + "/h.html")))
    // A page of 20 runs (the two reports ten times over) stays under 1 MB.
    var twenty: [String] = []
    for k in 0..<10 {
      for name in ["h", "z"] {
        let copy = dir + "/\(name)\(k).json"
        try writeFileAtomically(copy, try readWholeFile(dir + "/\(name).json"))
        twenty.append(copy)
      }
    }
    let big = try runTool("zl-train", ["report"] + twenty + ["-o", dir + "/twenty.html", "--quiet"])
    #expect(big.status == 0, "\(big)")
    let size = try readWholeFile(dir + "/twenty.html").count
    #expect(size < 1 << 20, "20 runs: \(size) bytes")
    // The JSON report keeps bounded curves per split.
    let report = try JSONParser().parse(try readWholeFile(dir + "/z.json"))
    let curves = report["splits"]?.arrayValue?.first?["held_out_curves"]
    #expect((curves?["roc"]?.arrayValue?.count ?? 0) >= 2 && (curves?["roc"]?.arrayValue?.count ?? 999) <= 201)
    #expect(curves?["histogram"]?["anomalous"]?.arrayValue?.count == 20 && curves?["scores"]?["normal"]?["exact"]?.boolValue == true)
  }

  @Test func evalReportsAreDrawnBesideFitReports() throws {
    let dir = try demoReports()
    let ev = try runTool("zl-train", ["eval", dir + "/h.zlck", "--logs", demo + "/BGL_2k.log.gz", "--preset", "bgl", "--report", dir + "/e.json", "--quiet"])
    #expect(ev.status == 0 && ev.stderr.isEmpty, "\(ev)")
    let r = try runTool("zl-train", ["report", dir + "/e.json", dir + "/h.json", "-o", dir + "/both.html", "--quiet"])
    #expect(r.status == 0, "\(r)")
    let html = String(decoding: try readWholeFile(dir + "/both.html"), as: UTF8.self)
    #expect(html.contains("eval h.zlck bgl") && html.contains("chart roc") && html.contains("evaluated on BGL_2k.log.gz"))
  }

  @Test func reportRefusesWhatIsNotAFitReport() throws {
    let dir = try scratchDirectory("report-bad")
    try writeFileAtomically(dir + "/notjson.json", "not json")
    try writeFileAtomically(dir + "/other.json", "{\"lines\": 3}")
    try writeFileAtomically(dir + "/badsplit.json", "{\"tool\": \"zl-train 0.1.0\", \"method\": \"hybrid\", \"target\": \"bgl\", \"seed\": 1, \"splits\": [{\"seed\": \"x\"}]}")
    for (file, text) in [("notjson.json", "invalid JSON"), ("other.json", "not a zl-train fit report"), ("badsplit.json", "splits[0]: member 'seed'")] {
      let r = try runTool("zl-train", ["report", dir + "/" + file, "-o", dir + "/out.html"])
      #expect(r.status == 65 && r.stderrLines.count <= 2 && r.stderr.contains(file) && r.stderr.contains(text), "\(r)")
      #expect(!fileExists(dir + "/out.html"))
    }
    let missing = try runTool("zl-train", ["report", dir + "/none.json", "-o", dir + "/out.html"])
    #expect(missing.status == 66, "\(missing)")
    let noOut = try runTool("zl-train", ["report", dir + "/other.json"])
    #expect(noOut.status == 64, "\(noOut)")
  }

  @Test(.enabled(if: chromium != nil, "needs headless Chromium (Debian package chromium; .ci/run installs it)"))
  func chromiumRendersEveryChartWithASilentConsole() throws {
    let dir = try demoReports()
    let page = dir + "/both.html"
    #expect(try runTool("zl-train", ["report", dir + "/h.json", dir + "/z.json", "-o", page, "--quiet"]).status == 0)
    let flags = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--user-data-dir=" + dir + "/profile", "--enable-logging=stderr", "--v=0"]
    let dom = try runTool("/usr/bin/timeout", ["120", chromium!] + flags + ["--dump-dom", "file://" + page])
    #expect(dom.status == 0, "\(dom)")
    // The rendered DOM holds the charts (and their drawn curves), and the console said nothing.
    #expect(dom.stdout.occurrences("<svg") >= 10, "rendered \(dom.stdout.occurrences("<svg")) charts")
    for title in ["ROC, held-out target sessions", "Precision–recall, held-out target sessions", "Held-out scores by label", "Domain loss"] {
      #expect(dom.stdout.contains(title), "no \(title) in the rendered page")
    }
    let console = dom.stderr.split(separator: "\n").filter { $0.contains(":CONSOLE") || $0.contains("Uncaught") }
    #expect(console.isEmpty, "console: \(console)")
    let shot = try runTool("/usr/bin/timeout", ["120", chromium!] + flags + ["--hide-scrollbars", "--window-size=1400,2400", "--screenshot=" + dir + "/page.png", "file://" + page])
    #expect(shot.status == 0, "\(shot)")
    let png = try readWholeFile(dir + "/page.png")
    #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]) && png.count > 50_000, "screenshot of \(png.count) bytes")
  }

  @Test func cardOfEveryTrainedModelIsCompleteAndRoundTrips() throws {
    let dir = try demoReports()
    for model in ["h", "z"] {
      let path = dir + "/\(model).zlck"
      let json = try runTool("zl-pack", ["card", path, "--json"])
      #expect(json.status == 0, "\(json)")
      let card = try JSONParser().parse(json.stdout)
      checkComplete(card)
      #expect(card["metrics"]?["splits"]?.integerValue == (model == "h" ? 3 : 2))
      #expect(card["metrics"]?["held_out"]?["f1"]?["ci95"]?.arrayValue?.count == 2)
      #expect((card["limits"]?.arrayValue?.count ?? 0) >= 1 && (card["data"]?.arrayValue?.count ?? 0) >= 1)
      #expect(card["tool"]?["commit"]?.stringValue == (model == "z" ? "0123456789abcdef0123456789abcdef01234567" : nil))
      // JSON out and back in gives the same file.
      try writeFileAtomically(dir + "/card.json", json.stdout)
      let set = try runTool("zl-pack", ["card", path, "--set", dir + "/card.json", "-o", dir + "/back.zlck"])
      #expect(set.status == 0, "\(set)")
      #expect(try readWholeFile(dir + "/back.zlck") == (try readWholeFile(path)))
      // Markdown with front matter.
      let md = try runTool("zl-pack", ["card", path])
      #expect(md.status == 0 && md.stdout.hasPrefix("---\nlibrary_name: zl\n") && md.stdout.contains("model-index:"), "\(md)")
      for heading in ["## What it is", "## Training data", "## Held-out results", "## Known limits", "## Settings"] { #expect(md.stdout.contains(heading)) }
    }
    // The hybrid's card says its detectors' limits; the network's, that a rule does better where one does.
    let z = try runTool("zl-pack", ["card", dir + "/z.zlck"]).stdout
    #expect(z.contains("source `hdfs` (labelled), target `bgl`") && z.contains("without target labels"))
    // An edited card with an empty field is refused and nothing is written; a file without a card says so.
    let bad = try runTool("zl-pack", ["card", dir + "/h.zlck", "--json"]).stdout.replacingAll("\"zl hybrid bgl\"", "\"\"")
    try writeFileAtomically(dir + "/bad.json", bad)
    let refused = try runTool("zl-pack", ["card", dir + "/h.zlck", "--set", dir + "/bad.json", "-o", dir + "/bad.zlck"])
    #expect(refused.status == 65 && refused.stderr.contains("bad.json") && refused.stderr.contains("empty"), "\(refused)")
    #expect(!fileExists(dir + "/bad.zlck"))
    let none = try runTool("zl-pack", ["card", fixture("Formats/vectors/v1/valid/hybrid-1.1.zlck")])
    #expect(none.status == 65 && none.stderr.contains("holds no card"), "\(none)")
    // REPR records the commit given.
    let repro = try runTool("zl-pack", ["extract", dir + "/z.zlck", "--to", dir + "/x"])
    #expect(repro.status == 0)
    #expect(String(decoding: try readWholeFile(dir + "/x/checkpoint.json"), as: UTF8.self).contains("0123456789abcdef0123456789abcdef01234567"))
  }
}

extension String {
  /// Occurrences of `piece`.
  func occurrences(_ piece: String) -> Int { split(separator: piece, omittingEmptySubsequences: false).count - 1 }
}
