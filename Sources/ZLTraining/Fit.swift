// FitRun: zl-train fit end to end (ARCHITECTURE.md #7–9, #12), as named stages:
//   1. readInputs: both systems; the target's sessions split into an adaptation part and a held-out
//      test part (seeded; stratified when target labels exist — they choose the split, never training);
//   2. learnFrontEnd: Drain on source lines and target adaptation lines only; global IDF over both
//      systems' templates; the GloVe subset;
//   3. buildSets: sessions through the shared front end (match mode), exactly as scoring sees them;
//   4. train: zerolog / zerolog-nometa / supervised / metalog, progress on stderr, an epoch checkpoint
//      for --resume;
//   5. chooseThreshold (source validation only); 6. checkpoint (atomic, deterministic);
//   7. evaluate: the written file loaded back and scored through ScoringPipeline — zl-score's code —
//      on every target session, into a typed FitReport.

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

public final class FitRun {
  public let config: FitConfig
  let log: (String) -> Void

  public init(config: FitConfig, log: @escaping (String) -> Void) {
    self.config = config
    self.log = log
  }

  /// Runs the whole fit, stage by stage.
  public func run(output: String, resume: Bool, stopAfterEpoch: Int? = nil) throws -> FitOutcome {
    let t0 = monotonicSeconds()
    Kernels.setThreads(config.threads)
    Kernels.tuneAllocator()
    if let problem = config.settingsProblems().first { throw TrainingError(.badSettings, problem) }
    let inputs = try readInputs()
    let frontEnd = try learnFrontEnd(inputs)
    let sets = try buildSets(inputs, frontEnd)
    let trained: Trained
    switch try train(sets, width: frontEnd.embedding.dim, output: output, resume: resume, stopAfterEpoch: stopAfterEpoch,
                      fingerprint: runFingerprint(source: inputs.source, target: inputs.target)) {
    case .stopped(let epoch): return .stopped(afterEpoch: epoch, resumePath: output + ".resume")
    case .done(let t): trained = t
    }
    let (threshold, sourceValidation) = chooseThreshold(trained, sets)
    let cp = try checkpoint(inputs, frontEnd, trained, threshold: threshold, sourceValidation: sourceValidation)
    let info = try cp.write(to: output)
    if fileExists(output + ".resume") { unlinkQuietly(output + ".resume") }
    log("wrote \(output) (\(grouped(Int(info.fileLength))) bytes)")
    return .finished(try evaluate(output: output, inputs, sets, trained, threshold: threshold, sourceValidation: sourceValidation, started: t0))
  }

  // MARK: - 1. Data, labels and the target split

  struct Inputs {
    var source: Corpus
    var target: Corpus
    var sourceLabels: LabelFile?
    var targetLabels: LabelFile?
    /// Target session keys held out (never seen in training) and used for adaptation (without labels).
    var testKeys: Set<String>
    var adaptKeys: Set<String>
    /// The target lines of the adaptation sessions (Drain learns on these only), ascending.
    var adaptLines: [Int]
  }

  /// Reads both systems and splits the target's sessions into an adaptation part and a held-out test
  /// part (seeded; stratified when target labels exist — they choose the split, never training).
  func readInputs() throws -> Inputs {
    let c = config
    let sourceLabelFile = try c.source.labelFile.map { try LabelFile.read(path: $0) }
    let targetLabelFile = try c.target.labelFile.map { try LabelFile.read(path: $0) }
    log("reading source logs (\(c.source.files.count) file\(c.source.files.count == 1 ? "" : "s"))")
    let source = try Corpus(c.source)
    log("reading target logs (\(c.target.files.count) file\(c.target.files.count == 1 ? "" : "s"))")
    let target = try Corpus(c.target)
    let targetPass = try target.sessionLines()
    if targetPass.isEmpty { throw TrainingError(.noSessions, "target logs: session rule '\(c.target.session.rule)' yields no session") }
    let passLabels: [Bool?] = targetPass.map { s in
      c.target.inlineLabelField != nil ? s.session.inlineAnomaly : targetLabelFile?[s.session.labelKey]
    }
    var splitRNG = SeededRNG(seed: stream(c.seed, 1))
    let (adaptIdx, testIdx) = stratifiedSplit(Array(targetPass.indices), labels: passLabels, fraction: c.targetTestFraction, rng: &splitRNG)
    if adaptIdx.isEmpty {
      throw TrainingError(.tooFewSessions, "target: no session left for adaptation (\(targetPass.count) sessions, test fraction \(c.targetTestFraction))")
    }
    var adaptLines = Set<Int>()
    for i in adaptIdx { adaptLines.formUnion(targetPass[i].lines) }
    return Inputs(source: source, target: target, sourceLabels: sourceLabelFile, targetLabels: targetLabelFile,
                  testKeys: Set(testIdx.map { targetPass[$0].session.key }), adaptKeys: Set(adaptIdx.map { targetPass[$0].session.key }),
                  adaptLines: adaptLines.sorted())
  }

  // MARK: - 2. Templates and event vectors

  struct LearnedFrontEnd {
    var sourceDrain: DrainSection
    var targetDrain: DrainSection
    var vocabulary: VocabularySection
    var glove: GloveSection
    var embedding: EmbeddingModel
  }

  /// Drain on training lines only (all source lines, the target's adaptation lines); global IDF over
  /// both systems' templates; the GloVe subset.
  func learnFrontEnd(_ inputs: Inputs) throws -> LearnedFrontEnd {
    let c = config
    log("learning templates: \(grouped(inputs.source.lines.count)) source lines, \(grouped(inputs.adaptLines.count)) target adaptation lines")
    let sourceDrain = try inputs.source.learnDrain(indices: Array(0..<inputs.source.lines.count))
    let targetDrain = try inputs.target.learnDrain(indices: inputs.adaptLines)
    let splitter = WordSplitter(drain: targetDrain)
    let templates = sourceDrain.templates.map { $0.tokens } + targetDrain.templates.map { $0.tokens }
    var wanted = Set<String>()
    for t in templates { wanted.formUnion(splitter.words(t)) }
    let glove = try GloveTable.load(path: c.glovePath, wanted: wanted, topK: c.gloveTopWords)
    if glove.rows.isEmpty {
      throw ContextError(c.glovePath, EmbeddingError(.noWordCovered, "no vector for any template word (and no top words kept)"))
    }
    let (vocab, gloveSection) = EmbeddingBuilder.build(templates: templates, splitter: splitter, glove: glove, includeTopWords: c.gloveTopWords > 0)
    let embedding = EmbeddingModel(vocabulary: vocab, glove: gloveSection, splitter: splitter)
    let covered = wanted.filter { glove.rows[$0] != nil }.count
    log("templates: \(sourceDrain.templates.count) source, \(targetDrain.templates.count) target; \(covered)/\(wanted.count) template words have \(embedding.dim)-d vectors")
    return LearnedFrontEnd(sourceDrain: sourceDrain, targetDrain: targetDrain, vocabulary: vocab, glove: gloveSection, embedding: embedding)
  }

  // MARK: - 3. Sessions as training sets

  struct TrainingSets {
    var srcSupport: Pool, srcQuery: Pool, srcVal: Pool
    var tgtSupport: Pool, tgtQuery: Pool
    /// MetaLog: the adaptation sessions whose labels training may read.
    var tgtLabelled: Pool
    var targetAdaptation: Int
  }

  /// Every session through the shared front end (match mode), exactly as scoring will see them; the
  /// source balanced and split into support, query and validation; the target adaptation part into
  /// support and query.
  func buildSets(_ inputs: Inputs, _ fe: LearnedFrontEnd) throws -> TrainingSets {
    let c = config
    let width = fe.embedding.dim
    let (sourceFE, sourceSessions) = try inputs.source.sessions(drain: fe.sourceDrain, embedding: fe.embedding)
    let (targetFE, targetSessions) = try inputs.target.sessions(drain: fe.targetDrain, embedding: fe.embedding)
    let sLabels = SessionLabels(sessions: sourceSessions, spec: c.source, file: inputs.sourceLabels)
    if sourceSessions.isEmpty { throw TrainingError(.noSessions, "source logs: session rule '\(c.source.session.rule)' yields no session") }
    if sLabels.unlabelled == sourceSessions.count {
      throw TrainingError(.unusableLabels, "\(c.source.labelFile ?? "source labels"): labels match none of the \(sourceSessions.count) source sessions (keys like '\(sourceSessions[0].labelKey)')")
    }
    if sLabels.anomalies == 0 {
      throw TrainingError(.unusableLabels, "source labels: no anomalous session among \(sourceSessions.count - sLabels.unlabelled) labelled sessions")
    }
    if sLabels.anomalies == sourceSessions.count - sLabels.unlabelled {
      throw TrainingError(.unusableLabels, "source labels: every labelled session is anomalous; training needs normal sessions too")
    }
    let tLabels = SessionLabels(sessions: targetSessions, spec: c.target, file: inputs.targetLabels)
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
      if inputs.testKeys.contains(s.key) {
        targetTestCount += 1
        continue
      }
      guard inputs.adaptKeys.contains(s.key) else { continue }
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
    return TrainingSets(srcSupport: srcSupport, srcQuery: srcQuery, srcVal: srcVal, tgtSupport: tgtSupport, tgtQuery: tgtQuery,
                        tgtLabelled: tgtLabelled, targetAdaptation: targetAdapt.count)
  }

  // MARK: - 4. Training

  struct Trained {
    var network: NetworkConfig
    var params: ParameterMap<Float>
    var history: [EpochRecord]
    var seconds: Double
  }

  enum TrainingEnd {
    case done(Trained)
    /// Stopped after this epoch as asked (the resume state kept).
    case stopped(Int)
  }

  /// Trains with the configured method, progress on stderr, and an epoch checkpoint for --resume.
  func train(_ sets: TrainingSets, width: Int, output: String, resume: Bool, stopAfterEpoch: Int?, fingerprint: String) throws -> TrainingEnd {
    let c = config
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
      var rec = runEpoch(epoch, trainer: trainer, sets: sets, width: width)
      // Source validation (labels of the source only).
      let (vScores, vLoss) = validate(trainer.params, network, sets.srcVal)
      rec.sourceValidationLoss = vLoss
      rec.sourceValidationF1 = DetectionMetrics(scores: vScores, labels: sets.srcVal.labels.map { $0 == 1 }, threshold: 0.5).f1
      history.append(rec)
      if c.selection == .sourceValidationLoss && vLoss < bestLoss {
        bestLoss = vLoss
        bestParams = trainer.params
      }
      let secs = monotonicSeconds() - e0
      log(epochLine(rec, seconds: secs))
      if epoch < c.epochs {
        try ResumeState.save(path: resumePath, fingerprint: fingerprint, trainer: trainer, history: history,
                             best: c.selection == .sourceValidationLoss ? bestParams : nil, bestLoss: bestLoss)
        if let stop = stopAfterEpoch, epoch >= stop {
          log("stopped after epoch \(epoch) as asked; continue with --resume (state in \(resumePath))")
          return .stopped(epoch)
        }
      }
    }
    let finalParams = c.selection == .sourceValidationLoss && bestLoss.isFinite ? bestParams : trainer.params
    return .done(Trained(network: network, params: finalParams, history: history, seconds: monotonicSeconds() - trainStart))
  }

  /// One epoch of the configured method's steps; losses averaged over its iterations.
  func runEpoch(_ epoch: Int, trainer: Trainer<Float>, sets: TrainingSets, width: Int) -> EpochRecord {
    let c = config
    var erng = SeededRNG(seed: stream(c.seed, 5, UInt64(epoch)))
    trainer.rng = SeededRNG(seed: stream(c.seed, 6, UInt64(epoch)))
    let bs = c.batchSize
    let sb = sets.srcSupport.batches(size: bs, rng: &erng), sq = sets.srcQuery.batches(size: bs, rng: &erng)
    let tb = sets.tgtSupport.batches(size: bs, rng: &erng), tq = sets.tgtQuery.batches(size: bs, rng: &erng)
    let lb = c.method == .metalog ? sets.tgtLabelled.batches(size: bs, rng: &erng) : []
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
          support: (lab(sets.srcSupport, sb), sets.tgtSupport.batch(tb[it % tb.count], width: width, maxLength: c.maxLength)),
          query: (lab(sets.srcQuery, sq), sets.tgtQuery.batch(tq[it % tq.count], width: width, maxLength: c.maxLength)),
          adapt: c.method == .zerolog)
      case .supervised:
        var a = trainer.supervisedStep(lab(sets.srcSupport, sb))
        let b = trainer.supervisedStep(lab(sets.srcQuery, sq))
        a.classification = (a.classification + b.classification) / 2
        a.sequences += b.sequences
        st = a
      case .metalog:
        st = trainer.metalogStep(source: lab(sets.srcSupport, sb), target: lab(sets.tgtLabelled, lb))
      }
      rec.classification += st.classification / Double(iterations)
      rec.domain += st.domain / Double(iterations)
      rec.query += st.query / Double(iterations)
      if !st.domainAccuracy.isNaN {
        rec.domainAccuracy += st.domainAccuracy
        accN += 1
      }
      rec.sequences += st.sequences
    }
    if accN > 0 { rec.domainAccuracy /= Double(accN) }
    return rec
  }

  func epochLine(_ rec: EpochRecord, seconds secs: Double) -> String {
    let c = config
    let eta = secs * Double(c.epochs - rec.epoch)
    var line = "epoch \(rec.epoch)/\(c.epochs): loss cls \(fixed(rec.classification)) "
    if c.method == .zerolog || c.method == .zerologNoMeta {
      line += "dom \(fixed(rec.domain)) query \(fixed(rec.query)), domain acc \(fixed(rec.domainAccuracy, 2)), "
    } else if c.method == .metalog {
      line += "target \(fixed(rec.query)), "
    }
    line += "source-val loss \(fixed(rec.sourceValidationLoss)) F1 \(fixed(rec.sourceValidationF1, 1)), \(grouped(Int(Double(rec.sequences) / max(secs, 1e-9)))) seq/s, ETA \(Int(eta.rounded())) s"
    return line
  }

  // MARK: - 5. Threshold (source validation only)

  func chooseThreshold(_ trained: Trained, _ sets: TrainingSets) -> (ThresholdSection, DetectionMetrics) {
    let (valScores, _) = validate(trained.params, trained.network, sets.srcVal)
    let valLabels = sets.srcVal.labels.map { $0 == 1 }
    var threshold = ThresholdSection()
    if config.thresholdMethod == .sourceValidationF1 {
      threshold = ThresholdSection(threshold: DetectionMetrics.bestF1Threshold(scores: valScores, labels: valLabels), method: "source-validation-f1")
    }
    return (threshold, DetectionMetrics(scores: valScores, labels: valLabels, threshold: threshold.threshold))
  }

  // MARK: - 6. The checkpoint

  /// Everything zl-score needs, with the settings and input digests in the reproducibility record.
  func checkpoint(_ inputs: Inputs, _ fe: LearnedFrontEnd, _ trained: Trained, threshold: ThresholdSection,
                  sourceValidation: DetectionMetrics) throws -> Checkpoint {
    let c = config
    let hp = trained.network.model
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
      tensors.append(ZLFormat.Tensor(name: name, shape: shape, floats: trained.params[name]!.data))
    }
    cp.tensors = TensorSet(tensors)
    cp.vocabulary = fe.vocabulary
    cp.glove = fe.glove
    cp.drain = fe.targetDrain
    cp.session = c.target.session
    cp.threshold = threshold
    var repro: [(String, Value)] = [
      ("tool.name", .string("zl-train")), ("tool.version", .string(zlVersion)), ("zlib.version", .string(Zlib.version)),
      ("seed", .uint(c.seed)), ("threads", .uint(UInt64(c.threads))), ("train.glove", .string(c.glovePath)),
      ("train.glove_dim", .uint(UInt64(fe.embedding.dim))),
    ]
    repro += c.record
    for (role, corpus) in [("source", inputs.source), ("target", inputs.target)] {
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
    return cp
  }

  // MARK: - 7. Evaluation through the scoring code on the written file

  func evaluate(output: String, _ inputs: Inputs, _ sets: TrainingSets, _ trained: Trained, threshold: ThresholdSection,
                sourceValidation: DetectionMetrics, started t0: Double) throws -> FitReport {
    let c = config
    let written = try ScoringModel.load(path: output)
    let eval = try Evaluation.run(model: written, spec: c.target, labelFile: inputs.targetLabels, corpusLines: inputs.target.lines)
    return FitReport(
      method: c.method.rawValue, source: c.source.presetName, target: c.target.presetName, seed: c.seed, threads: c.threads,
      model: output, threshold: threshold,
      inductive: c.target.hasLabels ? eval.metrics(keys: inputs.testKeys) : nil,
      transductive: c.target.hasLabels ? eval.metrics(keys: nil) : nil,
      heldOutSessions: inputs.testKeys.count, adaptationSessions: inputs.adaptKeys.count, unlabelledSessions: eval.unlabelled,
      newTemplateLines: eval.newTemplateLines, sourceValidation: sourceValidation, settings: c.settingsJSON,
      data: inputs.source.digests.map { ("source:" + $0.path, $0.sha256) } + inputs.target.digests.map { ("target:" + $0.path, $0.sha256) },
      trainSeconds: trained.seconds, totalSeconds: monotonicSeconds() - t0, epochs: trained.history)
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

