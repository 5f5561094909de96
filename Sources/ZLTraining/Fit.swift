// FitRun: zl-train fit end to end (ARCHITECTURE.md #7–9, #12).
//   1. read both systems; split the target's sessions into an adaptation part and a held-out test
//      part (seeded; stratified when target labels exist — they choose the split, never training);
//   2. Drain learned on source lines and on target adaptation lines only; global IDF over both
//      systems' templates; the GloVe subset;
//   3. sessions through the shared front end (match mode), exactly as scoring will see them;
//   4. training (zerolog / zerolog-nometa / supervised / metalog) with progress on stderr and an
//      epoch checkpoint for --resume;
//   5. the checkpoint (atomic, deterministic), then the report: the written file is loaded back and
//      scored through ScoringPipeline — zl-score's code — on every target session.

import Foundation
import ZLBase
import ZLCheckpoint
import ZLDrain
import ZLEmbedding
import ZLFormat
import ZLKernels
import ZLModel
import ZLProfile
import ZLScoring
import ZLTensor

/// Training data of one system, ready for batches.
struct Pool {
  var vectors: [[Float]] = []
  var labels: [Double?] = []
  var lengths: [Int] = []
  var count: Int { vectors.count }

  mutating func append(_ v: [Float], _ label: Double?, width: Int, maxLength: Int) {
    vectors.append(v)
    labels.append(label)
    lengths.append(min(max(1, v.count / width), maxLength))
  }

  func subset(_ idx: [Int]) -> Pool {
    var p = Pool()
    for i in idx {
      p.vectors.append(vectors[i])
      p.labels.append(labels[i])
      p.lengths.append(lengths[i])
    }
    return p
  }

  /// Batches for one epoch: shuffled, then sorted by length within windows of 8 batches (less
  /// padding), then the batch order shuffled. Deterministic given the generator.
  func batches(size: Int, rng: inout SeededRNG) -> [[Int]] {
    var order = Array(0..<count)
    rng.shuffle(&order)
    var out: [[Int]] = []
    var c = 0
    while c < order.count {
      let chunk = order[c..<min(c + 8 * size, order.count)].sorted { lengths[$0] != lengths[$1] ? lengths[$0] < lengths[$1] : $0 < $1 }
      var b = 0
      while b < chunk.count {
        out.append(Array(chunk[b..<min(b + size, chunk.count)]))
        b += size
      }
      c += 8 * size
    }
    rng.shuffle(&out)
    return out
  }

  func batch(_ idx: [Int], width: Int, maxLength: Int) -> SequenceBatch<Float> {
    SequenceBatch(sequences: idx.map { vectors[$0] }, width: width, maxLength: maxLength)
  }
}

/// Mixes a seed with stream numbers (SplitMix64 finalizer): independent, reproducible streams.
func stream(_ seed: UInt64, _ a: UInt64, _ b: UInt64 = 0) -> UInt64 {
  var z = seed &+ 0x9E37_79B9_7F4A_7C15 &* (a &+ 1) &+ 0xD1B5_4A32_D192_ED03 &* (b &+ 1)
  z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
  z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
  return z ^ (z >> 31)
}

/// Stratified split of `idx` by label: returns (first, second) with about `fraction` in `second`.
func stratifiedSplit(_ idx: [Int], labels: [Bool?], fraction: Double, rng: inout SeededRNG) -> ([Int], [Int]) {
  var groups: [[Int]] = [[], [], []]
  for i in idx { groups[labels[i] == nil ? 2 : labels[i]! ? 1 : 0].append(i) }
  var a: [Int] = [], b: [Int] = []
  for var g in groups {
    rng.shuffle(&g)
    let k = Int((Double(g.count) * fraction).rounded())
    b += g[..<k]
    a += g[k...]
  }
  return (a.sorted(), b.sorted())
}

public struct EpochRecord: Sendable {
  public var epoch: Int
  public var classification = 0.0, domain = 0.0, query = 0.0, domainAccuracy = 0.0
  public var sourceValidationLoss = 0.0, sourceValidationF1 = 0.0
  public var sequences = 0
  public var json: JSON {
    .object([
      ("epoch", .integer(Int64(epoch))), ("classification_loss", .number(classification)), ("domain_loss", .number(domain)),
      ("query_loss", .number(query)), ("domain_accuracy", .number(domainAccuracy)),
      ("source_validation_loss", .number(sourceValidationLoss)), ("source_validation_f1", .number(sourceValidationF1)),
      ("sequences", .integer(Int64(sequences))),
    ])
  }
  var values: [Double] { [Double(epoch), classification, domain, query, domainAccuracy, sourceValidationLoss, sourceValidationF1, Double(sequences)] }
  init(epoch: Int) { self.epoch = epoch }
  init(values v: [Double]) {
    epoch = Int(v[0]); classification = v[1]; domain = v[2]; query = v[3]; domainAccuracy = v[4]
    sourceValidationLoss = v[5]; sourceValidationF1 = v[6]; sequences = Int(v[7])
  }
}

public final class FitRun {
  public let config: FitConfig
  let log: (String) -> Void

  public init(config: FitConfig, log: @escaping (String) -> Void) {
    self.config = config
    self.log = log
  }

  /// Runs the whole fit; returns the report.
  public func run(output: String, resume: Bool, stopAfterEpoch: Int? = nil) throws -> JSON {
    let c = config
    let t0 = monotonicSeconds()
    Kernels.setThreads(c.threads)
    Kernels.tuneAllocator()

    // 1. Data and labels, checked before any training.
    if let problem = c.settingsProblems().first { throw TrainingError(.badSettings, problem) }
    let sourceLabelFile = try c.source.labelFile.map { try LabelFile.read(path: $0) }
    let targetLabelFile = try c.target.labelFile.map { try LabelFile.read(path: $0) }
    log("reading source logs (\(c.source.files.count) file\(c.source.files.count == 1 ? "" : "s"))")
    let source = try Corpus(c.source)
    log("reading target logs (\(c.target.files.count) file\(c.target.files.count == 1 ? "" : "s"))")
    let target = try Corpus(c.target)

    // Target sessions and the adaptation / test split.
    let targetPass = try target.sessionLines()
    if targetPass.isEmpty { throw TrainingError(.noSessions, "target logs: session rule '\(c.target.session.rule)' yields no session") }
    let passLabels: [Bool?] = targetPass.map { s in
      c.target.inlineLabelField != nil ? s.session.inlineAnomaly : targetLabelFile?[s.session.labelKey]
    }
    var splitRNG = SeededRNG(seed: stream(c.seed, 1))
    let (adaptIdx, testIdx) = stratifiedSplit(Array(targetPass.indices), labels: passLabels, fraction: c.targetTestFraction, rng: &splitRNG)
    if adaptIdx.isEmpty { throw TrainingError(.tooFewSessions, "target: no session left for adaptation (\(targetPass.count) sessions, test fraction \(c.targetTestFraction))") }
    let testKeys = Set(testIdx.map { targetPass[$0].session.key })
    let adaptKeys = Set(adaptIdx.map { targetPass[$0].session.key })
    var adaptLines = Set<Int>()
    for i in adaptIdx { adaptLines.formUnion(targetPass[i].lines) }

    // 2. Drain on training lines only; embedding over both systems' templates.
    log("learning templates: \(grouped(source.lines.count)) source lines, \(grouped(adaptLines.count)) target adaptation lines")
    let sourceDrain = try source.learnDrain(indices: Array(0..<source.lines.count))
    let targetDrain = try target.learnDrain(indices: adaptLines.sorted())
    let splitter = WordSplitter(drain: targetDrain)
    let templates = sourceDrain.templates.map { $0.tokens } + targetDrain.templates.map { $0.tokens }
    var wanted = Set<String>()
    for t in templates { wanted.formUnion(splitter.words(t)) }
    let glove = try GloveTable.load(path: c.glovePath, wanted: wanted, topK: c.gloveTopWords)
    if glove.rows.isEmpty { throw ContextError(c.glovePath, EmbeddingError(.noWordCovered, "no vector for any template word (and no top words kept)")) }
    let (vocab, gloveSection) = EmbeddingBuilder.build(templates: templates, splitter: splitter, glove: glove, includeTopWords: c.gloveTopWords > 0)
    let embedding = EmbeddingModel(vocabulary: vocab, glove: gloveSection, splitter: splitter)
    let width = embedding.dim
    let covered = wanted.filter { glove.rows[$0] != nil }.count
    log("templates: \(sourceDrain.templates.count) source, \(targetDrain.templates.count) target; \(covered)/\(wanted.count) template words have \(width)-d vectors")

    // 3. Sessions through the shared front end.
    let (sourceFE, sourceSessions) = try source.sessions(drain: sourceDrain, embedding: embedding)
    let (targetFE, targetSessions) = try target.sessions(drain: targetDrain, embedding: embedding)
    let sLabels = SessionLabels(sessions: sourceSessions, spec: c.source, file: sourceLabelFile)
    if sourceSessions.isEmpty { throw TrainingError(.noSessions, "source logs: session rule '\(c.source.session.rule)' yields no session") }
    if sLabels.unlabelled == sourceSessions.count {
      throw TrainingError(.unusableLabels, "\(c.source.labelFile ?? "source labels"): labels match none of the \(sourceSessions.count) source sessions (keys like '\(sourceSessions[0].labelKey)')")
    }
    if sLabels.anomalies == 0 { throw TrainingError(.unusableLabels, "source labels: no anomalous session among \(sourceSessions.count - sLabels.unlabelled) labelled sessions") }
    if sLabels.anomalies == sourceSessions.count - sLabels.unlabelled { throw TrainingError(.unusableLabels, "source labels: every labelled session is anomalous; training needs normal sessions too") }
    let tLabels = SessionLabels(sessions: targetSessions, spec: c.target, file: targetLabelFile)
    if c.target.hasLabels && tLabels.unlabelled == targetSessions.count {
      throw TrainingError(.unusableLabels, "\(c.target.labelFile ?? "target labels"): labels match none of the \(targetSessions.count) target sessions")
    }
    if sLabels.unlabelled > 0 { log("warning: \(sLabels.unlabelled) source sessions have no label and are not used") }
    if sLabels.unusedLabelKeys > 0 { log("note: \(sLabels.unusedLabelKeys) source label keys match no session") }

    var scratch: [Float] = []
    var sourceAll = Pool()
    var sourceLabelled: [Int] = []
    for (i, s) in sourceSessions.enumerated() {
      sourceFE.gather(s.events, into: &scratch)
      let y = sLabels.labels[i]
      sourceAll.append(scratch, y.map { $0 ? 1 : 0 }, width: width, maxLength: c.maxLength)
      if y != nil { sourceLabelled.append(i) }
    }
    // Balance: all anomalies, ratio × as many normals.
    var rng = SeededRNG(seed: stream(c.seed, 2))
    var anomalies = sourceLabelled.filter { sourceAll.labels[$0] == 1 }
    var normals = sourceLabelled.filter { sourceAll.labels[$0] == 0 }
    rng.shuffle(&normals)
    if c.sourceNormalRatio > 0 { normals = Array(normals.prefix(max(1, Int((Double(anomalies.count) * c.sourceNormalRatio).rounded())))) }
    anomalies.sort()
    let kept = (anomalies + normals).sorted()
    let (srcTrainIdx, srcValIdx) = stratifiedSplit(kept, labels: sourceAll.labels.map { $0.map { $0 == 1 } }, fraction: c.sourceValidationFraction, rng: &rng)
    if srcTrainIdx.count < 2 {
      throw TrainingError(.tooFewSessions, "source: \(kept.count) labelled sessions kept (\(anomalies.count) anomalous) leave \(srcTrainIdx.count) for training after the validation split; need at least 2")
    }
    var trainOrder = srcTrainIdx
    rng.shuffle(&trainOrder)
    let half = trainOrder.count / 2
    let srcSupport = sourceAll.subset(Array(trainOrder[..<max(half, 1)]))
    let srcQuery = sourceAll.subset(trainOrder.count > 1 ? Array(trainOrder[half...]) : trainOrder)
    let srcVal = sourceAll.subset(srcValIdx.isEmpty ? srcTrainIdx : srcValIdx)

    var targetAdapt = Pool()
    var targetTestCount = 0
    for (i, s) in targetSessions.enumerated() {
      if testKeys.contains(s.key) { targetTestCount += 1; continue }
      guard adaptKeys.contains(s.key) else { continue }
      targetFE.gather(s.events, into: &scratch)
      targetAdapt.append(scratch, tLabels.labels[i].map { $0 ? 1 : 0 }, width: width, maxLength: c.maxLength)
    }
    if targetAdapt.count == 0 {
      throw TrainingError(.tooFewSessions, "target: none of the \(targetSessions.count) sessions of the front end falls in the adaptation part")
    }
    var adaptOrder = Array(0..<targetAdapt.count)
    rng.shuffle(&adaptOrder)
    let tHalf = adaptOrder.count / 2
    let tgtSupport = targetAdapt.subset(Array(adaptOrder[..<max(tHalf, 1)]))
    let tgtQuery = targetAdapt.subset(adaptOrder.count > 1 ? Array(adaptOrder[tHalf...]) : adaptOrder)
    var tgtLabelled = Pool()
    if c.method == .metalog {
      let n = max(1, Int((Double(targetAdapt.count) * c.targetLabelFraction).rounded()))
      let visible = adaptOrder.prefix(n).filter { targetAdapt.labels[$0] != nil }
      tgtLabelled = targetAdapt.subset(Array(visible))
      if tgtLabelled.count == 0 { throw TrainingError(.tooFewSessions, "metalog: none of the \(n) visible target sessions has a label") }
      log("metalog: \(tgtLabelled.count) target sessions with visible labels (\(tgtLabelled.labels.filter { $0 == 1 }.count) anomalous)")
    }
    log("sessions: source \(srcSupport.count)+\(srcQuery.count) train, \(srcVal.count) validation (\(anomalies.count) anomalous kept); target \(targetAdapt.count) adaptation, \(targetTestCount) held out")

    // 4. Training.
    var hp = c.hyperParameters
    hp.inputSize = width
    let network = NetworkConfig(model: hp, domainHidden: 128, domainDropout: c.domainDropout, layerDropout: c.layerDropout)
    var meta = c.meta
    meta.order = c.metaOrder
    let adamG = AdamConfig(lr: c.learningRate), adamD = AdamConfig(lr: c.domainLearningRate)
    let trainer = Trainer<Float>(network: network, meta: meta, params: Network.initialParameters(network, seed: stream(c.seed, 3)),
                                 adamG: adamG, adamC: adamG, adamD: adamD, seed: stream(c.seed, 4))
    var history: [EpochRecord] = []
    var bestParams = trainer.params
    var bestLoss = Double.infinity
    let resumePath = output + ".resume"
    let fingerprint = runFingerprint(source: source, target: target)
    var startEpoch = 1
    if resume, fileExists(resumePath) {
      let state = try ResumeState.load(path: resumePath, fingerprint: fingerprint, trainer: trainer)
      history = state.history
      bestParams = state.best ?? trainer.params
      bestLoss = state.bestLoss
      startEpoch = history.count + 1
      log("resuming after epoch \(history.count) from \(resumePath)")
    } else if resume {
      log("no \(resumePath): starting from the first epoch")
    }
    let trainStart = monotonicSeconds()
    for epoch in stride(from: startEpoch, through: c.epochs, by: 1) {
      let e0 = monotonicSeconds()
      var erng = SeededRNG(seed: stream(c.seed, 5, UInt64(epoch)))
      trainer.rng = SeededRNG(seed: stream(c.seed, 6, UInt64(epoch)))
      let bs = c.batchSize
      let sb = srcSupport.batches(size: bs, rng: &erng), sq = srcQuery.batches(size: bs, rng: &erng)
      let tb = tgtSupport.batches(size: bs, rng: &erng), tq = tgtQuery.batches(size: bs, rng: &erng)
      let lb = c.method == .metalog ? tgtLabelled.batches(size: bs, rng: &erng) : []
      let iterations: Int
      switch c.method {
      case .zerolog, .zerologNoMeta: iterations = max(sb.count, sq.count, tb.count, tq.count)
      case .supervised: iterations = max(sb.count, sq.count)
      case .metalog: iterations = max(sb.count, lb.count)
      }
      var rec = EpochRecord(epoch: epoch)
      var accN = 0
      for it in 0..<iterations {
        func lab(_ p: Pool, _ b: [[Int]]) -> LabelledBatch<Float> {
          let idx = b[it % b.count]
          return LabelledBatch(p.batch(idx, width: width, maxLength: c.maxLength), labels: idx.map { p.labels[$0]! })
        }
        let st: StepStats
        switch c.method {
        case .zerolog, .zerologNoMeta:
          st = trainer.zerologStep(
            support: (lab(srcSupport, sb), tgtSupport.batch(tb[it % tb.count], width: width, maxLength: c.maxLength)),
            query: (lab(srcQuery, sq), tgtQuery.batch(tq[it % tq.count], width: width, maxLength: c.maxLength)),
            adapt: c.method == .zerolog)
        case .supervised:
          var a = trainer.supervisedStep(lab(srcSupport, sb))
          let b = trainer.supervisedStep(lab(srcQuery, sq))
          a.classification = (a.classification + b.classification) / 2
          a.sequences += b.sequences
          st = a
        case .metalog:
          st = trainer.metalogStep(source: lab(srcSupport, sb), target: lab(tgtLabelled, lb))
        }
        rec.classification += st.classification / Double(iterations)
        rec.domain += st.domain / Double(iterations)
        rec.query += st.query / Double(iterations)
        if !st.domainAccuracy.isNaN { rec.domainAccuracy += st.domainAccuracy; accN += 1 }
        rec.sequences += st.sequences
      }
      if accN > 0 { rec.domainAccuracy /= Double(accN) }
      // Source validation (labels of the source only).
      let (vScores, vLoss) = validate(trainer.params, network, srcVal)
      rec.sourceValidationLoss = vLoss
      rec.sourceValidationF1 = DetectionMetrics(scores: vScores, labels: srcVal.labels.map { $0 == 1 }, threshold: 0.5).f1
      history.append(rec)
      if c.selection == .sourceValidationLoss && vLoss < bestLoss {
        bestLoss = vLoss
        bestParams = trainer.params
      }
      let secs = monotonicSeconds() - e0
      let eta = secs * Double(c.epochs - epoch)
      var line = "epoch \(epoch)/\(c.epochs): loss cls \(fixed(rec.classification)) "
      if c.method == .zerolog || c.method == .zerologNoMeta {
        line += "dom \(fixed(rec.domain)) query \(fixed(rec.query)), domain acc \(fixed(rec.domainAccuracy, 2)), "
      } else if c.method == .metalog {
        line += "target \(fixed(rec.query)), "
      }
      line += "source-val loss \(fixed(rec.sourceValidationLoss)) F1 \(fixed(rec.sourceValidationF1, 1)), \(grouped(Int(Double(rec.sequences) / max(secs, 1e-9)))) seq/s, ETA \(Int(eta.rounded())) s"
      log(line)
      if epoch < c.epochs {
        try ResumeState.save(path: resumePath, fingerprint: fingerprint, trainer: trainer, history: history,
                             best: c.selection == .sourceValidationLoss ? bestParams : nil, bestLoss: bestLoss)
        if let stop = stopAfterEpoch, epoch >= stop {
          log("stopped after epoch \(epoch) as asked; continue with --resume (state in \(resumePath))")
          return .object([("stopped_after_epoch", .integer(Int64(epoch))), ("resume", .string(resumePath))])
        }
      }
    }
    let trainSeconds = monotonicSeconds() - trainStart
    let finalParams = c.selection == .sourceValidationLoss && bestLoss.isFinite ? bestParams : trainer.params

    // Threshold (source validation only).
    let (valScores, _) = validate(finalParams, network, srcVal)
    let valLabels = srcVal.labels.map { $0 == 1 }
    var threshold = ThresholdSection()
    if c.thresholdMethod == .sourceValidationF1 {
      threshold = ThresholdSection(threshold: DetectionMetrics.bestF1Threshold(scores: valScores, labels: valLabels), method: "source-validation-f1")
    }
    let sourceValidation = DetectionMetrics(scores: valScores, labels: valLabels, threshold: threshold.threshold)

    // 5. The checkpoint.
    var cp = Checkpoint()
    var meta0: [(String, Value)] = [
      ("general.architecture", .string(ModelProfile.architecture)),
      ("general.name", .string("zl \(c.method.rawValue) \(c.source.presetName)→\(c.target.presetName)")),
      ("general.intended_use", .string("log anomaly detection for \(c.target.presetName) logs; score with zl-score")),
      ("train.method", .string(c.method.rawValue)), ("train.source", .string(c.source.presetName)),
      ("train.target", .string(c.target.presetName)), ("train.epochs", .uint(UInt64(c.epochs))),
      ("train.source_validation_f1", .double(sourceValidation.f1)),
    ]
    for k in hp.record.keys { meta0.append((k, hp.record[k]!)) }
    cp.metadata = Record(meta0)
    var tensors: [ZLFormat.Tensor] = []
    for (name, shape) in ModelProfile.expectedShapes(hp) {
      tensors.append(ZLFormat.Tensor(name: name, shape: shape, floats: finalParams[name]!.data))
    }
    cp.tensors = TensorSet(tensors)
    cp.vocabulary = vocab
    cp.glove = gloveSection
    cp.drain = targetDrain
    cp.session = c.target.session
    cp.threshold = threshold
    var repro: [(String, Value)] = [
      ("tool.name", .string("zl-train")), ("tool.version", .string(zlVersion)), ("zlib.version", .string(Zlib.version)),
      ("seed", .uint(c.seed)), ("threads", .uint(UInt64(c.threads))), ("train.glove", .string(c.glovePath)),
      ("train.glove_dim", .uint(UInt64(width))),
    ]
    repro += c.record
    for (role, corpus) in [("source", source), ("target", target)] {
      for (k, d) in corpus.digests.enumerated() {
        repro.append(("data.\(role).\(k).path", .string(d.path)))
        repro.append(("data.\(role).\(k).sha256", .string(d.sha256)))
        repro.append(("data.\(role).\(k).lines", .uint(UInt64(d.lines))))
      }
    }
    for (role, path) in [("source.labels", c.source.labelFile), ("target.labels", c.target.labelFile)] {
      if let p = path { repro.append(("data.\(role).sha256", .string(try fileSHA256(p)))) }
    }
    cp.repro = Record(repro)
    let info = try cp.write(to: output)
    if fileExists(resumePath) { unlinkQuietly(resumePath) }
    log("wrote \(output) (\(grouped(Int(info.fileLength))) bytes)")

    // 6. Evaluation through the scoring code on the written file.
    let written = try ScoringModel.load(path: output)
    let eval = try Evaluation.run(model: written, spec: c.target, labelFile: targetLabelFile, corpusLines: target.lines)
    var inductive: JSON = .null, transductive: JSON = .null
    if c.target.hasLabels {
      inductive = eval.metrics(keys: testKeys).json
      transductive = eval.metrics(keys: nil).json
    }
    let report: JSON = .object([
      ("tool", .string("zl-train \(zlVersion)")), ("method", .string(c.method.rawValue)),
      ("source", .string(c.source.presetName)), ("target", .string(c.target.presetName)), ("seed", .integer(Int64(c.seed))),
      ("threads", .integer(Int64(c.threads))), ("model", .string(output)), ("threshold", .number(threshold.threshold)),
      ("threshold_method", .string(threshold.method)),
      ("test", .object([("inductive", inductive), ("transductive", transductive),
                        ("held_out_sessions", .integer(Int64(testKeys.count))), ("adaptation_sessions", .integer(Int64(adaptKeys.count))),
                        ("unlabelled_sessions", .integer(Int64(eval.unlabelled))),
                        ("new_template_lines", .integer(Int64(eval.newTemplateLines)))])),
      ("source_validation", sourceValidation.json),
      ("settings", c.settingsJSON),
      ("data", .object((source.digests.map { ("source:" + $0.path, JSON.string($0.sha256)) }) + target.digests.map { ("target:" + $0.path, JSON.string($0.sha256)) })),
      ("train_seconds", .number(trainSeconds)), ("total_seconds", .number(monotonicSeconds() - t0)),
      ("epochs", .array(history.map { $0.json })),
    ])
    return report
  }

  /// Scores and mean CE loss of a labelled pool with the given parameters (C forward for scores).
  func validate(_ p: ParameterMap<Float>, _ network: NetworkConfig, _ pool: Pool) -> ([Double], Double) {
    let model = CompiledModel(network.model, tensors: p.filter { !$0.key.hasPrefix("domain.") }.mapValues { $0.data })
    let s = model.score(pool.vectors, batchSize: 128).scores
    var loss = 0.0
    for (x, y) in zip(s, pool.labels) {
      let q = min(max(Double(x), 1e-7), 1 - 1e-7)
      loss -= (y! == 1 ? Foundation.log(q) : Foundation.log(1 - q))
    }
    return (s.map(Double.init), loss / Double(max(pool.count, 1)))
  }

  func runFingerprint(source: Corpus, target: Corpus) -> String {
    var text = ""
    for (k, v) in config.record { text += "\(k)=\(v)\n" }
    text += "seed=\(config.seed) threads=\(config.threads) glove=\(config.glovePath)\n"
    for d in source.digests + target.digests { text += d.sha256 + "\n" }
    return SHA256.hash(Array(text.utf8)).map { hex2($0) }.joined()
  }
}

func fileSHA256(_ path: String) throws -> String {
  var sha = SHA256()
  let file = try InputFile(path: path)
  var offset: UInt64 = 0
  while offset < file.size {
    let chunk = try file.read(at: offset, count: Int(min(file.size - offset, 1 << 20)))
    sha.update(chunk)
    offset += UInt64(chunk.count)
  }
  return sha.finalize().map { hex2($0) }.joined()
}

