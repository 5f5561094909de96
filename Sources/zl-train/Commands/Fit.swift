// zl-train fit / eval: argument handling only; the work is in ZLTraining.

import ZLBase
import ZLCommandLine
import ZLDrain
import ZLFormat
import ZLModel
import ZLProfile
import ZLScoring
import ZLTraining

/// Source/target system flags: files, preset, parser overrides, sessions and labels.
func systemSpec(_ args: inout Arguments, role: String, required: Bool = true) throws -> SystemSpec {
  let files = try args.options("--\(role)")
  if files.isEmpty && required { throw args.error("give at least one --\(role) LOG") }
  let opts = try ParserOptions.parse(&args, detection: true, flagPrefix: "\(role)-")
  let preset = opts.preset
  let presetName = preset?.name ?? "custom"
  var rule = preset?.sessionRule
  if let r = try args.option("--\(role)-sessions") {
    do { rule = try SessionRule(parsing: r) } catch { throw args.error("--\(role)-sessions: \(error)") }
  }
  guard let sessionRule = rule else { throw args.error("--\(role)-sessions RULE is needed for preset '\(presetName)'") }
  var session = SessionSection(rule: sessionRule)
  if let m = try args.int("--\(role)-max-events", in: 1...1_000_000) { session.maxEvents = m }
  var labelFile = try args.option("--\(role)-labels")
  if labelFile == "" { labelFile = nil }
  // An explicit --ROLE-inline-labels always counts; the preset's inline labels only when no label
  // file is given (a label file replaces them).
  var inline = try args.option("--\(role)-inline-labels")
  if inline == nil && labelFile == nil && preset?.labels == .inlineAlert { inline = preset?.labelField }
  if labelFile != nil && inline != nil { throw args.error("give --\(role)-labels or --\(role)-inline-labels, not both") }
  let levelOption = try args.option("--\(role)-level-field")
  var levelField: String?
  do {
    let format = try LogFormat(opts.settings.logFormat)
    // The level field: as given (`none`: the format has none), else the preset's, else a field named Level.
    if let f = levelOption {
      if f != "none" && !format.fields.contains(f) {
        throw args.error("--\(role)-level-field: field '\(f)' is not in the log format '\(format.text)'")
      }
      levelField = f == "none" ? nil : f
    } else if let p = preset {
      levelField = p.levelField.flatMap { format.fields.contains($0) ? $0 : nil }
    } else {
      levelField = format.fields.contains("Level") ? "Level" : nil
    }
    try sessionRule.check(format: format, nodeField: preset?.nodeField)
    if let f = inline, !format.fields.contains(f) {
      throw args.error("--\(role)-inline-labels: field '\(f)' is not in the log format '\(format.text)'")
    }
  } catch let e as DrainError {
    throw args.error("--\(role): \(e.detail)")
  }
  return SystemSpec(role: role, files: files, presetName: presetName, settings: opts.settings, session: session,
                    labelFile: labelFile, inlineLabelField: inline, nodeField: preset?.nodeField, levelField: levelField)
}

/// Turns a JSON config object into arguments the command line does not already give.
func applyConfig(_ args: inout Arguments, path: String) throws {
  let text = try readWholeFile(path, limit: 1 << 24)
  let json: JSON
  do { json = try JSONParser().parse(text) } catch { throw args.error("--config \(path): \(error)") }
  guard let obj = json.objectValue else { throw args.error("--config \(path): expected a JSON object of settings") }
  var extra: [String] = []
  for (key, value) in obj {
    let flag = "--" + key
    if args.contains(flag) { continue }
    func scalar(_ v: JSON) throws -> String {
      switch v {
      case .string(let s): return s
      case .integer(let i): return String(i)
      case .number(let d): return JSON.formatNumber(d)
      default: throw args.error("--config \(path): setting '\(key)' must be a string, a number, true or a list of strings")
      }
    }
    switch value {
    case .bool(let b): if b { extra.append(flag) }
    case .array(let a): for v in a { extra += [flag, try scalar(v)] }
    default: extra += [flag, try scalar(value)]
    }
  }
  args.prepend(extra)
}

let fitCommand = Command(
  name: "fit", summary: "train an anomaly detector for a target system without its labels and write a checkpoint",
  usage: "fit --target LOG... --target-preset P [--target-labels CSV] [--method M] [--source LOG... --source-preset P --glove FILE] -o MODEL.zlck [--report R.json] [--report-html F]",
  help: """
    Learns a detector for the target system and writes one .zlck with everything zl-score needs. The
    target's sessions are split (seeded) into an adaptation part used without labels and a held-out
    test part that training never sees; the report gives metrics on both (test.inductive,
    test.transductive) beside the label-free baselines (flag all, highest level at least error or at
    least fatal, the PCA detector alone), scored by loading the written checkpoint exactly as
    zl-score does. Target labels, when given, are read for that evaluation only. Progress goes to stderr.

    The default method, hybrid, decides from the target's own logs with no label: a session is as
    anomalous as its strongest evidence — its lines at the highest level the target uses (if error or
    above), its residual against a PCA of the target's event counts, and its rarest template — each
    against its own label-free threshold; detectors the adaptation part is too small for are left out
    (with a note). It needs no source and no word vectors. The papers' methods train a network:
    zerolog (labelled source + unlabelled target, domain-adversarial meta-learning), metalog (a share
    of target labels visible), zerolog-nometa and supervised (source only); they need --source,
    its labels and --glove.

    systems (ROLE is source or target; log files may be gzip; flags repeat for several files):
      --ROLE LOG              a log file
      --ROLE-preset NAME      hdfs, bgl, thunderbird, openstack (format, masks, Drain, sessions, labels) or custom
      --ROLE-labels CSV       BlockId,Label file (HDFS, OpenStack keys)
      --ROLE-inline-labels F  label field whose value '-' means normal (BGL/Thunderbird presets set Label)
      --ROLE-sessions RULE    block, instance, window:N, node-window:N, time:SECONDS, regex:PATTERN
      --ROLE-max-events N     split sessions longer than N events (default 500)
      --ROLE-level-field F    the field holding each line's level (default: the preset's, or a field named
                              Level); none: the format has no level field
      --ROLE-log-format, --ROLE-mask, --ROLE-depth, --ROLE-sim, ...   parser overrides (see zl-train help parse)
    method:
      --method M              hybrid (default), zerolog, metalog, zerolog-nometa, supervised
      --hybrid-network R      none (default), evidence (the network's probability is one more piece of
                              evidence) or decides (the score is the network's); with a network the
                              hybrid trains one as --hybrid-network-method (zerolog) does
      --self-train N          hybrid: N epochs training the network on the evidence's own decisions on
                              the adaptation part (0)
      --meta-order 1|2        first-order or exact second-order meta-gradient (default 1)
      --target-label-fraction X   metalog: share of adaptation sessions whose labels are visible
      --epochs N (10)  --batch N (128)  --lr X (0.003)  --domain-lr X (0.003)  --inner-lr X (0.003)
      --alpha X (query weight, 1)  --beta X (adversarial weight, 1)  --gamma X (classification weight, 1)
      --hidden N (100)  --layers N (2)  --unidirectional  --attention additive|qkv  --max-length N (500)
      --dropout X (between GRU layers, 0)  --domain-dropout X (0.3)
      --severity              give the network each line's severity (≥ warn, ≥ error, ≥ fatal) beside its event vector
    data and selection:
      --glove FILE            GloVe text (plain or gzip); its dimension is the model's input size
      --glove-top N           also keep GloVe's N most frequent words (default 2000)
      --source-normal-ratio X source normals kept per anomaly (default 1; 0 keeps all)
      --validation-fraction X labelled source held out for validation (default 0.2)
      --test-fraction X       target sessions held out (default 0.5)
      --select last|source-val-loss   which epoch's weights to keep (default last; never target labels)
      --splits N              evaluate on N seeded held-out halves (split k is the run with seed + k; the
                              model of the first is written); the report gives mean ± sd and a 95 % interval
      --threshold default|source-validation-f1   0.5, or the F1-best threshold on source validation
      --max-sessions N        use at most N sessions of each system: a seeded sample, stratified by label
                              (normal, anomalous, unlabelled), said in the report ("sampling"); logs are
                              streamed, never held, so memory follows the sessions kept, not the log size
    run:
      --seed S (1)  --threads N (1)  -o MODEL.zlck  --report R.json  --config FILE.json (keys = flag names; flags win)
      --report-html F         also draw the report as a self-contained HTML page (zl-train report)
      --resume                continue from MODEL.zlck.resume (written after each epoch); the result is
                              the same file an uninterrupted run writes
      --stop-after-epoch N    stop after epoch N keeping the resume state (time-sliced training)
      --quiet                 no progress
      --progress-json FD      one JSON line per epoch on file descriptor FD (event "epoch": losses, domain
                              accuracy, source-validation loss and F1, seq/s, elapsed and ETA seconds) and
                              one when the run ends (event "finished"), for dashboards: 3>progress.jsonl
    Progress: on a terminal an in-place bar (epoch, batch, losses, seq/s, elapsed<ETA) under the log;
    on a pipe or file, one line per epoch.
    Same inputs, seed and thread count give a byte-identical checkpoint.
    """
) { args in
  if let cfg = try args.option("--config") { try applyConfig(&args, path: cfg) }
  let quiet = args.flag("--quiet")
  // The source is optional: the hybrid without a network learns from the target alone.
  let source = args.contains("--source") ? try systemSpec(&args, role: "source") : nil
  let target = try systemSpec(&args, role: "target")
  var c = FitConfig(source: source, target: target, glovePath: try args.option("--glove"))
  if let m = try args.choice("--method", FitMethod.allCases.map(\.rawValue)) { c.method = FitMethod(rawValue: m)! }
  if let r = try args.choice("--hybrid-network", HybridDecision.NetworkRole.allCases.map(\.rawValue)) {
    c.hybridNetworkRole = HybridDecision.NetworkRole(rawValue: r)!
  }
  if let m = try args.choice("--hybrid-network-method", TrainingMethod.allCases.map(\.rawValue)) { c.hybridNetworkMethod = TrainingMethod(rawValue: m)! }
  c.metaOrder = try args.int("--meta-order", in: 1...2) ?? 1
  c.epochs = try args.int("--epochs", in: 1...100_000) ?? c.epochs
  c.batchSize = try args.int("--batch", in: 1...65_536) ?? c.batchSize
  if let s = try args.option("--seed") {
    guard let v = UInt64(s) else { throw args.error("--seed must be an unsigned integer, got '\(s)'") }
    c.seed = v
  }
  c.threads = try args.int("--threads", in: 1...256) ?? 1
  c.hiddenSize = try args.int("--hidden", in: 1...4096) ?? c.hiddenSize
  c.layers = try args.int("--layers", in: 1...8) ?? c.layers
  if args.flag("--unidirectional") { c.bidirectional = false }
  if args.flag("--severity") { c.severity = true }
  c.selfTrainEpochs = try args.int("--self-train", in: 0...1000) ?? c.selfTrainEpochs
  if let a = try args.choice("--attention", ["additive", "qkv"]) { c.attention = AttentionKind(rawValue: a)! }
  c.maxLength = try args.int("--max-length", in: 1...100_000) ?? c.maxLength
  c.learningRate = try args.double("--lr", in: 0...10) ?? c.learningRate
  c.domainLearningRate = try args.double("--domain-lr", in: 0...10) ?? c.domainLearningRate
  c.meta.innerLR = try args.double("--inner-lr", in: 0...10) ?? c.meta.innerLR
  c.meta.alpha = try args.double("--alpha", in: 0...1000) ?? c.meta.alpha
  c.meta.beta = try args.double("--beta", in: 0...1000) ?? c.meta.beta
  c.meta.gamma = try args.double("--gamma", in: 0...1000) ?? c.meta.gamma
  c.layerDropout = try args.double("--dropout", in: 0...0.95) ?? c.layerDropout
  c.domainDropout = try args.double("--domain-dropout", in: 0...0.95) ?? c.domainDropout
  c.gloveTopWords = try args.int("--glove-top", in: 0...10_000_000) ?? c.gloveTopWords
  c.sourceNormalRatio = try args.double("--source-normal-ratio", in: 0...1e9) ?? c.sourceNormalRatio
  c.sourceValidationFraction = try args.double("--validation-fraction", in: 0...0.9) ?? c.sourceValidationFraction
  c.targetTestFraction = try args.double("--test-fraction", in: 0...0.95) ?? c.targetTestFraction
  c.targetLabelFraction = try args.double("--target-label-fraction", in: 0...1) ?? c.targetLabelFraction
  if let s = try args.choice("--select", ["last", "source-val-loss"]) { c.selection = ModelSelection(rawValue: s)! }
  c.splits = try args.int("--splits", in: 1...1000) ?? 1
  c.maxSessions = try args.int("--max-sessions", in: 2...1_000_000_000)
  if let t = try args.choice("--threshold", ["default", "source-validation-f1"]) { c.thresholdMethod = ThresholdMethod(rawValue: t)! }
  guard let output = try args.outputFile("-o", "--output") else { throw args.error("give -o MODEL.zlck") }
  let reportPath = try args.outputFile("--report")
  let htmlPath = try args.outputFile("--report-html")
  let resume = args.flag("--resume")
  let stopAfter = try args.int("--stop-after-epoch", in: 1...100_000)
  let progressFD = try args.int("--progress-json", in: 0...65_535)
  _ = try args.finish(min: 0, max: 0, names: "")
  if let problem = c.settingsProblems().first { throw args.error(problem) }
  if c.splits > 1 && (resume || stopAfter != nil) { throw args.error("--resume and --stop-after-epoch work with one split only") }
  try checkCanCreate(output)
  if let r = reportPath { try checkCanCreate(r) }
  if let r = htmlPath { try checkCanCreate(r) }
  if !quiet && !c.needsNetwork && (c.source != nil || c.glovePath != nil) {
    // Said, not silently dropped: the user may have expected transfer from the source.
    printError("zl-train: note: method hybrid without a network learns from the target alone; --source and --glove are not used (--method zerolog trains the papers' network from them)")
  }
  let progress = FitProgress(bar: !quiet && standardErrorIsTerminal(), json: try progressFD.map { try DescriptorWriter(fd: Int32($0)) })
  let run = FitRun(config: c) {
    if !quiet {
      progress.clear()
      printError("zl-train: " + $0)
    }
  }
  run.progress = progress
  let outcome = try run.run(output: output, resume: resume, stopAfterEpoch: stopAfter)
  progress.clear()
  if case .finished(let report) = outcome { progress.finished(report) }
  if let r = reportPath { try writeFileAtomically(r, outcome.json.serialized(indent: 2) + "\n") }
  if let h = htmlPath, case .finished = outcome {
    let html = HTMLReport.render([try ReportRun(json: outcome.json, path: reportPath ?? output + " (this run)")])
    try writeFileAtomically(h, html)
    if !quiet { printError("zl-train: wrote \(h) (\(grouped(html.utf8.count)) bytes)") }
  }
  if !quiet, case .finished(let report) = outcome {
    for line in summaryLines(report) { printError("zl-train: " + line) }
  }
  return .ok
}

/// The held-out figures of a finished fit, beside the label-free baselines (mean ± sd with splits).
func summaryLines(_ r: FitReport) -> [String] {
  func show(_ name: String, _ m: (SplitResult) -> DetectionMetrics?) -> String? {
    // Held-out parts with no anomalous session (a normal-only log): F1 means nothing, false alarms do.
    let parts = r.splits.compactMap(m)
    if !parts.isEmpty && parts.allSatisfy({ $0.tp + $0.fn == 0 }) {
      let fp = parts.reduce(0) { $0 + $1.fp }, n = parts.reduce(0) { $0 + $1.fp + $1.tn }
      return "\(name): no anomalous session held out; false alarms \(fp) of \(n) (\(fixed(n > 0 ? 100 * Double(fp) / Double(n) : 0, 1)) %)"
        + (r.splits.count > 1 ? " over \(r.splits.count) splits" : "")
    }
    if r.splits.count == 1 {
      guard let x = m(r.first) else { return nil }
      return "\(name): F1 \(fixed(x.f1, 1)) (P \(fixed(x.precision, 1)), R \(fixed(x.recall, 1)), ROC-AUC \(x.rocAUC.map { fixed($0, 3) } ?? "n/a"))"
    }
    guard let f = r.spread({ $0.f1 }, of: m) else { return nil }
    let auc = r.spread({ $0.rocAUC }, of: m, bounds: 0...1).map { "ROC-AUC \(fixed($0.mean, 3)) ± \(fixed($0.sd, 3))" } ?? "ROC-AUC n/a"
    return "\(name): F1 \(fixed(f.mean, 1)) ± \(fixed(f.sd, 1)) (95 % interval \(fixed(f.low, 1))–\(fixed(f.high, 1))), \(auc) over \(f.count) splits"
  }
  var out: [String] = []
  if let l = show("held-out target", { $0.inductive }) { out.append(l) }
  for (name, _) in r.first.baselines {
    if let l = show("  baseline \(name.replacingUnderscores())", { s in s.baselines.first { $0.0 == name }?.1 }) { out.append(l) }
  }
  return out
}

extension String {
  func replacingUnderscores() -> String { String(map { $0 == "_" ? " " : $0 }) }
}

let evalCommand = Command(
  name: "eval", summary: "score logs with a checkpoint and report detection metrics against labels",
  usage: "eval MODEL.zlck --logs LOG... --preset P [--labels CSV] [--sessions RULE] [--threshold X] [--report R.json] [--quiet]",
  help: """
    Scores every session of the logs through the checkpoint (the same code as zl-score) and compares
    with the labels (a BlockId,Label file, or the preset's inline alert labels). Prints a summary on
    stderr and, with --report, writes precision, recall, f1 (percent), roc_auc, pr_auc and the
    confusion counts as JSON. Sessions without a label are counted and left out of the metrics.
    With labels, the report and summary set the label-free baselines beside the model on the same
    sessions: flag every session, highest level at least error, at least fatal, and a PCA of event
    counts (Q-statistic threshold) fitted without labels on the evaluated sessions themselves.
      --logs LOG         log file (repeatable; plain or gzip)
      --preset NAME      how the system labels sessions (inline alerts for bgl, thunderbird) and its node field;
                         the session rule is the checkpoint's unless --sessions
      --labels CSV       label file; --inline-labels FIELD for inline alerts
      --sessions RULE    override the checkpoint's session rule
      --threshold X      override the checkpoint's threshold
      --scores FILE      also write one JSON line per session (session, score, label)
      --quiet            no summary on stderr
    The report also keeps the curves (held_out_curves: ROC and PR, histograms by label), so
    `zl-train report R.json` draws it beside fit reports.
    """
) { args in
  let logs = try args.options("--logs")
  if logs.isEmpty { throw args.error("give at least one --logs LOG") }
  let presetName = try args.option("--preset")
  var preset: LogPreset? = nil
  if let n = presetName {
    guard let p = LogPresets.named(n) else { throw args.error("unknown preset '\(n)'") }
    preset = p
  }
  let labels = try args.option("--labels")
  var inline = try args.option("--inline-labels")
  if inline == nil && labels == nil && preset?.labels == .inlineAlert { inline = preset?.labelField }
  let ruleText = try args.option("--sessions")
  let threshold = try args.double("--threshold", in: 0...1)
  let reportPath = try args.outputFile("--report")
  let scoresPath = try args.outputFile("--scores")
  let quiet = args.flag("--quiet")
  let model = try args.finish(min: 1, max: 1, names: "MODEL")[0]
  let scoring = try ScoringModel.load(path: model)
  let drain = scoring.drain
  var session = scoring.session
  if let r = ruleText {
    do {
      session.rule = try SessionRule(parsing: r)
      try session.rule.check(format: try LogFormat(drain.logFormat), nodeField: preset?.nodeField)
    } catch let e as DrainError { throw args.error("--sessions: \(e.detail)") }
  }
  let spec = SystemSpec(role: "eval", files: logs, presetName: presetName ?? "custom",
                        settings: ParserSettings(logFormat: drain.logFormat, masks: drain.masks, drain: drain.config), session: session,
                        labelFile: labels, inlineLabelField: inline, nodeField: preset?.nodeField)
  let labelFile = try labels.map { try LabelFile.read(path: $0) }
  let t0 = monotonicSeconds()
  let ev = try Evaluation.run(model: scoring, spec: spec, labelFile: labelFile, threshold: threshold)
  let m = ev.metrics(keys: nil)
  let labelled = labelFile != nil || inline != nil
  let baselines = labelled ? ev.baselineMetrics(keys: nil) : []
  let secs = monotonicSeconds() - t0
  if let p = scoresPath {
    let w = try AtomicFileWriter(path: p)
    for i in ev.keys.indices {
      let line = JSON.object([("session", .string(ev.keys[i])), ("score", .number(ev.scores[i])),
                              ("label", ev.labels[i].map { .bool($0) } ?? .null)]).serialized()
      try w.write(Array((line + "\n").utf8))
    }
    try w.commit()
  }
  let report: JSON = .object([
    ("tool", .string("zl-train \(zlVersion)")), ("kind", .string("eval")),
    ("model", .string(model)), ("target", .string(presetName ?? "custom")), ("logs", .array(logs.map { .string($0) })), ("threshold", .number(ev.threshold)),
    ("lines", .integer(Int64(ev.lines))), ("sessions", .integer(Int64(ev.keys.count))),
    ("unlabelled_sessions", .integer(Int64(ev.unlabelled))), ("unused_label_keys", .integer(Int64(ev.unusedLabelKeys))),
    ("new_template_lines", .integer(Int64(ev.newTemplateLines))), ("metrics", m.json),
    ("baselines", .object(baselines.map { ($0.0, $0.1?.json ?? .object([("missing", .string(ev.baselines.missing[$0.0] ?? "not scored"))])) })),
    ("held_out_curves", labelled ? ev.curves(keys: nil)?.json ?? .null : .null),
    ("seconds", .number(secs)),
  ])
  if let r = reportPath {
    let w = try AtomicFileWriter(path: r)
    try w.write(Array((report.serialized(indent: 2) + "\n").utf8))
    try w.commit()
  }
  if quiet { return .ok }
  var line = "zl-train: \(grouped(ev.lines)) lines, \(grouped(ev.keys.count)) sessions"
  if labelFile != nil || inline != nil {
    line += ": F1 \(fixed(m.f1, 1)) (P \(fixed(m.precision, 1)), R \(fixed(m.recall, 1)), ROC-AUC \(m.rocAUC.map { fixed($0, 3) } ?? "n/a")); tp \(m.tp) fp \(m.fp) tn \(m.tn) fn \(m.fn)"
    if ev.unlabelled > 0 { line += "; \(ev.unlabelled) sessions without a label left out" }
    if ev.unusedLabelKeys > 0 { line += "; \(ev.unusedLabelKeys) label keys match no session" }
  }
  printError(line)
  for (name, b) in baselines {
    guard let b else { printError("zl-train:   baseline \(name.replacingUnderscores()): n/a (\(ev.baselines.missing[name] ?? "not scored"))"); continue }
    printError("zl-train:   baseline \(name.replacingUnderscores()): F1 \(fixed(b.f1, 1)) (P \(fixed(b.precision, 1)), R \(fixed(b.recall, 1)), ROC-AUC \(b.rocAUC.map { fixed($0, 3) } ?? "n/a"))")
  }
  return .ok
}
