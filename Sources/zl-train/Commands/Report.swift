// zl-train report: fit reports drawn as one self-contained HTML page (ZLTraining.HTMLReport).

import ZLBase
import ZLCommandLine
import ZLTraining

let reportCommand = Command(
  name: "report", summary: "draw fit reports as one self-contained HTML page (curves, histograms, baselines)",
  usage: "report R.json... -o report.html",
  help: """
    Reads the JSON reports that `zl-train fit --report` writes and draws them as one HTML file: inline
    SVG and CSS, no script, no font and nothing fetched, so it opens offline and prints. Per run:
    training curves (classification, domain and meta losses, source-validation F1 per epoch), ROC and
    precision-recall curves of the held-out target with the operating point marked, score histograms
    by label with the threshold, the confusion matrix, and the label-free baselines beside the model.
    Runs of the same method, source and target (other seeds, other reports) pool their splits; every
    group is one colour on shared axes, a mean line with a band of ± 1 sd. The same reports give the
    same bytes. `zl-train fit --report-html F` writes this page at the end of a run.

    options:
      -o FILE     the HTML file to write (atomically)
      --quiet     no summary line on stderr
    """
) { args in
  guard let output = try args.outputFile("-o", "--output") else { throw args.error("give -o report.html") }
  let quiet = args.flag("--quiet")
  let files = try args.finish(min: 1, max: 10_000, names: "R.json")
  try checkCanCreate(output)
  let runs = try files.map { try ReportRun(path: $0) }
  let html = HTMLReport.render(runs)
  try writeFileAtomically(output, html)
  if !quiet {
    let splits = runs.reduce(0) { $0 + $1.splits.count }
    printError("zl-train: wrote \(output) (\(grouped(html.utf8.count)) bytes): \(runs.count) run\(runs.count == 1 ? "" : "s"), \(splits) split\(splits == 1 ? "" : "s")")
  }
  return .ok
}
