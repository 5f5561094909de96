// The model card a fit stores in its checkpoint (CARD, zlck-v1.md §8.12): the facts of the run —
// method, systems, files by digest, sessions, settings, the held-out figures of every split with
// their intervals, the baselines — and the limits the run itself shows (no level field, no target
// label, one split, a sample, a baseline that does better), so the file says what it cannot do.

import ZLBase
import ZLCheckpoint
import ZLFormat
import ZLProfile

extension FitRun {
  static let methodSummaries: [FitMethod: String] = [
    .hybrid: "label-free evidence fitted on the target's own unlabelled logs: line severity on one ordered scale, a PCA of the sessions' event counts (Q statistic) and templates rare in the target; a session is as anomalous as its strongest evidence",
    .zerolog: "ZeroLog: a BiGRU-attention network trained on the labelled source, adapted to the unlabelled target by domain-adversarial training inside meta-learning (no target label)",
    .zerologNoMeta: "ZeroLog without meta-learning: a BiGRU-attention network trained on the labelled source with domain-adversarial adaptation to the unlabelled target",
    .metalog: "MetaLog: a BiGRU-attention network meta-learned from the labelled source and a few labelled target sessions",
    .supervised: "a BiGRU-attention network trained on the labelled source alone",
  ]

  /// The card of a finished run whose first split made `cp`.
  func modelCard(_ r: FitReport, _ cp: Checkpoint, _ d: Data) throws -> ModelCard {
    let c = config
    func meta(_ key: String, _ fallback: String) -> String {
      if case .string(let s)? = cp.metadata?[key], !s.isEmpty { return s }
      return fallback
    }
    var summary = Self.methodSummaries[c.method] ?? c.method.rawValue
    if c.method == .hybrid, let role = cp.threshold?.hybrid?.network, role != .none {
      summary += role == .evidence
        ? "; a network trained on the labelled source (\(c.hybridNetworkMethod.rawValue)) adds its probability as one more piece of evidence"
        : "; a network trained on the labelled source (\(c.hybridNetworkMethod.rawValue)) and self-trained on that evidence decides"
    }
    // Files by base name and digest (paths stay in REPR: a card is shared).
    var files: [ModelCard.DataFile] = []
    for (role, corpus) in [("source", d.source), ("target", Optional(d.target))] {
      for f in corpus?.digests ?? [] { files.append(.init(role: role, file: baseName(f.path), sha256: f.sha256, lines: UInt64(f.lines))) }
    }
    for (role, path) in [("source.labels", d.source == nil ? nil : c.source?.labelFile), ("target.labels", c.target.labelFile)] {
      if let p = path {
        let (digest, lines) = try fileDigestAndLines(p)
        files.append(.init(role: role, file: baseName(p), sha256: digest, lines: lines))
      }
    }
    let settings: [(key: String, value: String)] = c.record.map { k, v in
      let key = k.hasPrefix("train.") ? String(k.dropFirst(6)) : k
      let text: String
      switch v {
      case .strings(let list): text = list.joined(separator: "; ")
      default: text = v.description
      }
      return (key, text.isEmpty ? "none" : text)
    }
    // Held-out figures over the splits that measured them.
    let measured = r.splits.filter { $0.inductive != nil }
    var figures: [ModelCard.Figure] = []
    for (name, figure, bounds) in [("f1", { (m: DetectionMetrics) -> Double? in m.f1 }, 0.0...100.0), ("precision", { $0.precision }, 0...100),
                                   ("recall", { $0.recall }, 0...100), ("roc_auc", { $0.rocAUC }, 0...1), ("pr_auc", { $0.prAUC }, 0...1)] {
      if let s = r.spread(figure, of: { $0.inductive }, bounds: bounds) {
        figures.append(.init(name: name, mean: s.mean, sd: s.sd, low: s.low, high: s.high))
      }
    }
    var baselines: [ModelCard.Baseline] = [], missing: [(name: String, reason: String)] = []
    for name in Baselines.names {
      let metrics = measured.compactMap { s in s.baselines.first { $0.0 == name }?.1 }
      if let f1 = Spread(metrics.map(\.f1)) {
        baselines.append(.init(name: name, f1Mean: f1.mean, f1SD: f1.sd, rocAUCMean: Spread(metrics.compactMap(\.rocAUC)).map(\.mean)))
      } else if !measured.isEmpty {
        missing.append((name, r.first.missingBaselines[name] ?? "not scored"))
      }
    }
    // The limits this run shows.
    var limits: [String] = []
    if measured.isEmpty {
      limits.append("The target had no labels: no held-out figure was measured. Check the model on labelled \(c.target.presetName) data before relying on its alarms.")
    } else {
      limits.append("Figures were measured on held-out sessions of the same \(c.target.presetName) logs the model adapted to; other hosts, versions or log formats may score differently.")
      if measured.count == 1 { limits.append("The figures come from one split of the target's sessions; zl-train fit --splits N gives an interval.") }
    }
    if c.target.levelField == nil {
      limits.append("No level field in the target's log format: severity takes no part in the decision.")
    } else if c.method == .hybrid, cp.threshold?.hybrid?.alarmLevel == nil {
      limits.append("No alarm level was fitted on the target's logs: severity takes no part in the decision.")
    }
    if c.needsNetwork && c.method != .hybrid && c.method != .metalog {
      limits.append("The decision threshold was set without target labels (\(c.thresholdMethod.rawValue)): the false-alarm rate on \(c.target.presetName) is not controlled.")
    }
    if let n = c.maxSessions { limits.append("Trained on a seeded sample of at most \(n) sessions per system (--max-sessions).") }
    if let m = figures.first(where: { $0.name == "f1" }) {
      let better = baselines.filter { $0.f1Mean > m.mean + 1 }
      if !better.isEmpty {
        let list = better.map { "'\(ModelCard.baselineTitles[$0.name] ?? $0.name)' \(fixed($0.f1Mean, 1))" }.joined(separator: ", ")
        limits.append("On the same held-out sessions, label-free rules have a higher F1 than the model's \(fixed(m.mean, 1)): \(list).")
      }
    }
    var seen = Set<String>()
    for note in r.first.notes where seen.insert(note).inserted { limits.append(note.prefix(1).uppercased() + note.dropFirst() + ".") }
    let commit = sourceCommit()
    if let p = commit.problem { log("warning: " + p) }
    return ModelCard(
      name: meta("general.name", "zl \(c.method.rawValue) \(c.target.presetName)"), method: c.method.rawValue, methodSummary: summary,
      architecture: meta("general.architecture", "unknown"),
      intendedUse: meta("general.intended_use", "log anomaly detection for \(c.target.presetName) logs; score with zl-score"),
      threshold: cp.threshold?.threshold ?? 0.5, thresholdMethod: cp.threshold?.method ?? "default",
      sourceSystem: d.source == nil ? nil : c.source?.presetName, targetSystem: c.target.presetName, data: files,
      targetSessions: UInt64(r.targetSessions.total), targetSessionsUsed: UInt64(r.targetSessions.used),
      heldOutSessions: UInt64(r.first.heldOutSessions), adaptationSessions: UInt64(r.first.adaptationSessions),
      sourceSessions: r.first.sourceSessions.map { UInt64($0.total) }, sourceSessionsUsed: r.first.sourceSessions.map { UInt64($0.used) },
      settings: settings, splits: UInt64(measured.count), figures: figures, baselines: baselines, missingBaselines: missing,
      limits: limits, toolName: "zl-train", toolVersion: zlVersion, toolCommit: commit.commit)
  }
}

/// SHA-256 (hex) and newline count of a file, in one pass.
func fileDigestAndLines(_ path: String) throws -> (String, UInt64) {
  var sha = SHA256()
  let file = try InputFile(path: path)
  var offset: UInt64 = 0, lines: UInt64 = 0, last: UInt8 = 0x0A
  while offset < file.size {
    let chunk = try file.read(at: offset, count: Int(min(file.size - offset, 1 << 20)))
    sha.update(chunk)
    for b in chunk where b == 0x0A { lines += 1 }
    last = chunk.last ?? last
    offset += UInt64(chunk.count)
  }
  if last != 0x0A { lines += 1 }
  return (sha.finalize().map { hex2($0) }.joined(), lines)
}
