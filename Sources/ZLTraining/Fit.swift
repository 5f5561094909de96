// FitRun: zl-train fit end to end (ARCHITECTURE.md #7–9, #12), as named stages:
//   1. readInputs: both systems; the target's sessions split into an adaptation part and a held-out
//      test part (seeded; stratified when target labels exist — they choose the split, never training);
//   2. learnFrontEnd: Drain on source lines and target adaptation lines only; global IDF over both
//      systems' templates; the GloVe subset;
//   3. buildSets: sessions through the shared front end (match mode), exactly as scoring sees them;
//   4. train: zerolog / zerolog-nometa / supervised / metalog, progress on stderr, an epoch checkpoint
//      for --resume;
//   5. chooseThreshold (source validation only); 6. checkpoint (encoded and loaded back with every
//      check a scorer makes);
//   7. evaluate: that model scored through ScoringPipeline — zl-score's code — on every target
//      session, into a typed FitReport (with the held-out curves);
//   8. the first split's checkpoint written (atomic, deterministic) with the model card of the whole
//      run (Card.swift: every split's figures, the baselines, the limits the run showed).

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
  /// The in-place bar and JSON lines (nil: the log lines only).
  public var progress: FitProgress?

  public init(config: FitConfig, log: @escaping (String) -> Void) {
    self.config = config
    self.log = log
  }

  /// The source system and the GloVe file (present whenever a network is trained: settingsProblems).
  var sourceSpec: SystemSpec { get throws { try config.source ?? { throw InternalError("a network is trained without a source") }() } }
  var glovePath: String { get throws { try config.glovePath ?? { throw InternalError("a network is trained without GloVe vectors") }() } }

  /// Runs the whole fit, stage by stage: once, or once per split (`splits` > 1: the k-th split is the
  /// run with seed + k; the model of the first is written to `output`, every one is evaluated).
  public func run(output: String, resume: Bool, stopAfterEpoch: Int? = nil) throws -> FitOutcome {
    let t0 = monotonicSeconds()
    Kernels.setThreads(config.threads)
    Kernels.tuneAllocator()
    if let problem = config.settingsProblems().first { throw TrainingError(.badSettings, problem) }
    if config.splits > 1 && (resume || stopAfterEpoch != nil) {
      throw TrainingError(.badSettings, "resume and stop-after-epoch work with one split only")
    }
    let data = try readData()
    var splits: [SplitResult] = []
    var written: Checkpoint? = nil
    for k in 0..<config.splits {
      var c = config
      c.seed = config.seed &+ UInt64(k)
      let run = config.splits == 1 ? self : FitRun(config: c, log: { [log] in log("split \(k + 1)/\(c.splits): " + $0) })
      run.progress = progress
      run.lastSplit = k == config.splits - 1
      progress?.split = k + 1
      progress?.splits = config.splits
      switch try run.fitSplit(data, resume: resume, stopAfterEpoch: stopAfterEpoch, resumeFile: k == 0 ? output : nil) {
      case .stopped(let epoch): return .stopped(afterEpoch: epoch, resumePath: output + ".resume")
      case .done(let r, let cp):
        splits.append(r)
        if k == 0 { written = cp }
      }
      if config.splits > 1, let m = splits.last?.inductive {
        log("split \(k + 1)/\(config.splits): held-out F1 \(fixed(m.f1, 1)), ROC-AUC \(m.rocAUC.map { fixed($0, 3) } ?? "n/a")")
      }
    }
    let r = report(output: output, data, splits, started: t0)
    // The first split's model, with the card of the whole run (every split's figures), written once.
    guard var cp = written else { throw InternalError("no split made a model") }
    cp.card = try modelCard(r, cp, data)
    _ = try write(cp, to: output)
    return .finished(r)
  }

  enum SplitEnd {
    case done(SplitResult, Checkpoint)
    case stopped(Int)
  }

  /// One split: the target split, the front end, training, the detectors, the checkpoint (checked
  /// as a scorer loads it, kept in memory: `run` writes the first split's with its card), and its
  /// evaluation through the scoring code.
  /// - Parameter resumeFile: the model path whose `.resume` state the first split keeps (nil: none).
  func fitSplit(_ data: Data, resume: Bool, stopAfterEpoch: Int?, resumeFile output: String?) throws -> SplitEnd {
    if !config.needsNetwork {
      let (r, cp) = try fitHybridSplit(data)
      return .done(r, cp)
    }
    let inputs = try splitTarget(data)
    let frontEnd = try learnFrontEnd(inputs)
    let sets = try buildSets(inputs, frontEnd)
    var trained: Trained
    switch try train(sets, width: frontEnd.embedding.dim + (config.severity ? Severity.featureCount : 0), output: output,
                     resume: resume, stopAfterEpoch: stopAfterEpoch, fingerprint: try runFingerprint(source: try sourceCorpus(inputs), target: inputs.target)) {
    case .stopped(let epoch): return .stopped(epoch)
    case .done(let t): trained = t
    }
    var (threshold, sourceValidation) = chooseThreshold(trained, sets)
    var detectors: DetectorFit? = nil
    if config.method == .hybrid {
      detectors = fitTargetDetectors(sets.targetSessions, frontEnd.targetDrain)
      threshold = hybridThreshold(sets.targetSessions)
      if config.selfTrainEpochs > 0 {
        trained = selfTrain(trained, sets, decision: threshold.hybrid!, detectors: detectors!.section)
      }
    }
    let cp = try checkpoint(inputs, frontEnd, trained, threshold: threshold, sourceValidation: sourceValidation, detectors: detectors?.section)
    let model = try write(cp, to: nil)
    var result = try evaluate(model, inputs, baseline: baselinePCA(sets.targetSessions, frontEnd.targetDrain), threshold: threshold,
                              sourceValidation: sourceValidation, notes: detectors?.notes ?? [], trainSeconds: trained.seconds,
                              epochs: trained.history)
    result.sourceSessions = sets.sourceSessions
    return .done(result, cp)
  }

  /// One split of a hybrid without a network: the target's Drain and sessions, the target-side
  /// detectors and the severity decision; no source, no GloVe, no training.
  func fitHybridSplit(_ data: Data) throws -> (SplitResult, Checkpoint) {
    let t0 = monotonicSeconds()
    let inputs = try splitTarget(data)
    log("learning templates: \(grouped(inputs.adaptLines.count)) target adaptation lines")
    let targetDrain = try inputs.target.learnDrain(lines: inputs.adaptLines)
    var adaptSessions: [Session] = [], targetSessions = 0
    let targetFE = try inputs.target.sessions(drain: targetDrain, embedding: nil) { s in
      targetSessions += 1
      if inputs.adaptKeys.contains(s.key) { adaptSessions.append(s) }
    }
    warnAboutLevels(targetFE)
    if adaptSessions.isEmpty {
      throw TrainingError(.tooFewSessions, "target: none of the \(targetSessions) sessions of the front end falls in the adaptation part")
    }
    log("templates: \(targetDrain.templates.count) target; sessions: \(adaptSessions.count) adaptation, \(inputs.testKeys.count) held out")
    let detectors = fitTargetDetectors(adaptSessions, targetDrain)
    let threshold = hybridThreshold(adaptSessions)
    let baseline = baselinePCA(adaptSessions, targetDrain)
    adaptSessions = []  // not needed while every target session is scored
    if threshold.hybrid?.alarmLevel == nil && detectors.section.structure == nil && detectors.section.rarityRate == nil {
      log("warning: no evidence could be fitted (no level at error or above, and too few target sessions for the PCA and rarity detectors): the model scores every session 0 and flags none; give more target logs")
    }
    let cp = try hybridCheckpoint(inputs, targetDrain: targetDrain, threshold: threshold, detectors: detectors.section)
    let model = try write(cp, to: nil)
    return (try evaluate(model, inputs, baseline: baseline, threshold: threshold, sourceValidation: nil,
                         notes: detectors.notes, trainSeconds: monotonicSeconds() - t0, epochs: []), cp)
  }

  /// Warnings about how the target's lines were read: level words outside the zl-levels/1 table,
  /// and patterns (masks, header, session key) that gave up at their work budget.
  func warnAboutLevels(_ fe: FrontEnd) {
    if let field = config.target.levelField, let w = fe.severityCounts.warning(field: field) { log("warning: target logs: " + w) }
    if fe.patternCutShortLines > 0 {
      log("warning: target logs: on \(grouped(fe.patternCutShortLines)) lines a pattern gave up at its work budget (Formats/zlck-v1.md Appendix B): masks not all applied, or the header or session key not read")
    }
  }

  /// Loads the checkpoint's bytes as zl-score does — every check, the values included — and only
  /// then writes them (atomic) to `output`, if any: a model that would not score is never written.
  func write(_ cp: Checkpoint, to output: String?) throws -> ScoringModel {
    let bytes = try cp.encoded()
    let model: ScoringModel
    do {
      model = try ScoringModel(try Checkpoint.decode(try ContainerReader.load(bytes: bytes)))
    } catch let e as CheckpointError {
      throw TrainingError(.unusableModel, "the trained model fails its own checks (\(e.message)); nothing was written")
    }
    guard let output else { return model }
    try writeFileAtomically(output, bytes)
    if fileExists(output + ".resume") { unlinkQuietly(output + ".resume") }
    log("wrote \(output) (\(grouped(bytes.count)) bytes)")
    return model
  }

  /// The source corpus (read whenever a network is trained).
  func sourceCorpus(_ inputs: Inputs) throws -> Corpus {
    guard let s = inputs.source else { throw InternalError("a network is trained without a source corpus") }
    return s
  }

  // MARK: - 1. Data, labels and the target split

  /// Both systems looked at once, with the target's sessions (by line) for the splits. A class: the
  /// last split frees the sessions' line numbers once its adaptation lines are known.
  final class Data {
    let source: Corpus?
    let target: Corpus
    let sourceLabels: LabelFile?
    let targetLabels: LabelFile?
    /// The target's sessions by line (events are line numbers), sampled to --max-sessions when set.
    var targetPass: [LineSession]
    var targetPassLabels: [Bool?]
    /// Target sessions before sampling, and the kept sessions' keys (nil: every session is kept).
    let targetSessionsTotal: Int
    let targetSample: Set<String>?

    init(source: Corpus?, target: Corpus, sourceLabels: LabelFile?, targetLabels: LabelFile?, targetPass: [LineSession],
         targetPassLabels: [Bool?], targetSessionsTotal: Int, targetSample: Set<String>?) {
      self.source = source
      self.target = target
      self.sourceLabels = sourceLabels
      self.targetLabels = targetLabels
      self.targetPass = targetPass
      self.targetPassLabels = targetPassLabels
      self.targetSessionsTotal = targetSessionsTotal
      self.targetSample = targetSample
    }
  }

  /// The last split frees the target sessions' line numbers after its split (set by `run`).
  var lastSplit = true

  struct Inputs {
    var source: Corpus?
    var target: Corpus
    var sourceLabels: LabelFile?
    var targetLabels: LabelFile?
    /// Target session keys held out (never seen in training) and used for adaptation (without labels).
    var testKeys: Set<String>
    var adaptKeys: Set<String>
    /// The target lines of the adaptation sessions (Drain learns on these only).
    var adaptLines: LineSet
    /// The keys of the sampled target sessions (nil: every session is used).
    var targetSample: Set<String>?
  }

  /// Reads both systems and the target's sessions (by line: the format's fields, no Drain).
  func readData() throws -> Data {
    let c = config
    // The source is read only when a network learns from it.
    let sourceSpec = c.needsNetwork ? c.source : nil
    if c.source != nil && sourceSpec == nil { log("note: the hybrid without a network does not use the source logs") }
    let sourceLabelFile = try sourceSpec?.labelFile.map { try LabelFile.read(path: $0) }
    let targetLabelFile = try c.target.labelFile.map { try LabelFile.read(path: $0) }
    var source: Corpus? = nil
    if let s = sourceSpec {
      log("reading source logs (\(s.files.count) file\(s.files.count == 1 ? "" : "s"))")
      source = try Corpus(s)
      source?.showProgress = progress?.bar ?? false
    }
    log("reading target logs (\(c.target.files.count) file\(c.target.files.count == 1 ? "" : "s"))")
    let target = try Corpus(c.target)
    target.showProgress = progress?.bar ?? false
    var sampler = SessionSampler<LineSession>(limit: c.maxSessions, seed: stream(c.seed, 10))
    try target.sessionLines { sampler.offer(LineSession($0), label: sessionLabel($0, c.target, targetLabelFile)) }
    let total = sampler.total
    let (targetPass, passLabels) = sampler.finish()
    if targetPass.isEmpty { throw TrainingError(.noSessions, "target logs: session rule '\(c.target.session.rule)' yields no session") }
    var sample: Set<String>? = nil
    if targetPass.count < total {
      sample = Set(targetPass.map(\.key))
      log("sampled \(grouped(targetPass.count)) of \(grouped(total)) target sessions (--max-sessions, seeded\(c.target.hasLabels ? ", stratified by label" : ""))")
    }
    return Data(source: source, target: target, sourceLabels: sourceLabelFile, targetLabels: targetLabelFile, targetPass: targetPass,
                targetPassLabels: passLabels, targetSessionsTotal: total, targetSample: sample)
  }

  /// A session's label: its inline alert, or its key's row in the label file (nil: none).
  func sessionLabel(_ s: Session, _ spec: SystemSpec, _ file: LabelFile?) -> Bool? {
    spec.inlineLabelField != nil ? s.inlineAnomaly : file?[s.labelKey]
  }

  /// Splits the target's sessions into an adaptation part and a held-out test part (seeded;
  /// stratified when target labels exist — they choose the split, never training).
  func splitTarget(_ d: Data) throws -> Inputs {
    let c = config
    var splitRNG = SeededRNG(seed: stream(c.seed, 1))
    let (adaptIdx, testIdx) = stratifiedSplit(Array(d.targetPass.indices), labels: d.targetPassLabels, fraction: c.targetTestFraction,
                                              rng: &splitRNG)
    if adaptIdx.isEmpty {
      throw TrainingError(.tooFewSessions, "target: no session left for adaptation (\(d.targetPass.count) sessions, test fraction \(c.targetTestFraction))")
    }
    var adaptLines = LineSet(capacity: d.target.lineCount)
    for i in adaptIdx { for l in d.targetPass[i].lines { adaptLines.insert(Int(l)) } }
    if lastSplit { for i in d.targetPass.indices { d.targetPass[i].lines = [] } }
    return Inputs(source: d.source, target: d.target, sourceLabels: d.sourceLabels, targetLabels: d.targetLabels,
                  testKeys: Set(testIdx.map { d.targetPass[$0].key }), adaptKeys: Set(adaptIdx.map { d.targetPass[$0].key }),
                  adaptLines: adaptLines, targetSample: d.targetSample)
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
    let sourceCorpus = try sourceCorpus(inputs), glovePath = try glovePath
    log("learning templates: \(grouped(sourceCorpus.lineCount)) source lines, \(grouped(inputs.adaptLines.count)) target adaptation lines")
    let sourceDrain = try sourceCorpus.learnDrain(lines: nil)
    let targetDrain = try inputs.target.learnDrain(lines: inputs.adaptLines)
    let splitter = WordSplitter(drain: targetDrain)
    let templates = sourceDrain.templates.map { $0.tokens } + targetDrain.templates.map { $0.tokens }
    var wanted = Set<String>()
    for t in templates { wanted.formUnion(splitter.words(t)) }
    let glove = try GloveTable.load(path: glovePath, wanted: wanted, topK: c.gloveTopWords)
    if glove.rows.isEmpty {
      throw ContextError(glovePath, EmbeddingError(.noWordCovered, "no vector for any template word (and no top words kept)"))
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
    /// The target's adaptation sessions as the front end made them (for the target-side detectors),
    /// and as network inputs (the same order; labels are the target's, never read in zero-label training).
    var targetSessions: [Session]
    var targetAdapt: Pool
    /// Source sessions the front end made, and those used (sampled).
    var sourceSessions: (total: Int, used: Int)
  }

  /// Every session through the shared front end (match mode), exactly as scoring will see them; the
  /// source balanced and split into support, query and validation; the target adaptation part into
  /// support and query.
  func buildSets(_ inputs: Inputs, _ fe: LearnedFrontEnd) throws -> TrainingSets {
    let c = config
    let sourceSpec = try sourceSpec
    // Sessions are kept as they close (sampled to --max-sessions when set), never all at once.
    var sourceSampler = SessionSampler<Session>(limit: c.maxSessions, seed: stream(c.seed, 11))
    var matchedSourceKeys = Set<String>()
    let usesSourceFile = sourceSpec.inlineLabelField == nil && inputs.sourceLabels != nil
    let sourceFE = try sourceCorpus(inputs).sessions(drain: fe.sourceDrain, embedding: fe.embedding, severity: c.severity) { s in
      let y = sessionLabel(s, sourceSpec, inputs.sourceLabels)
      if usesSourceFile && y != nil { matchedSourceKeys.insert(LabelFile.normalize(s.labelKey)) }
      sourceSampler.offer(s, label: y)
    }
    let sourceTotal = sourceSampler.total
    let (sourceSessions, sourceY) = sourceSampler.finish()
    if sourceSessions.count < sourceTotal {
      log("sampled \(grouped(sourceSessions.count)) of \(grouped(sourceTotal)) source sessions (--max-sessions, seeded, stratified by label)")
    }
    var targetSessions = 0, targetLabelled = 0, targetTestCount = 0
    var adaptSessions: [Session] = [], adaptLabels: [Bool?] = []
    let targetFE = try inputs.target.sessions(drain: fe.targetDrain, embedding: fe.embedding, severity: c.severity) { s in
      targetSessions += 1
      let y = sessionLabel(s, c.target, inputs.targetLabels)
      if y != nil { targetLabelled += 1 }
      if inputs.testKeys.contains(s.key) {
        targetTestCount += 1
      } else if inputs.adaptKeys.contains(s.key) {
        adaptSessions.append(s)
        adaptLabels.append(y)
      }
    }
    warnAboutLevels(targetFE)
    let width = targetFE.inputWidth
    let sourceUnlabelled = sourceY.filter { $0 == nil }.count, sourceAnomalies = sourceY.filter { $0 == true }.count
    if sourceSessions.isEmpty { throw TrainingError(.noSessions, "source logs: session rule '\(sourceSpec.session.rule)' yields no session") }
    if sourceUnlabelled == sourceSessions.count {
      throw TrainingError(.unusableLabels, "\(sourceSpec.labelFile ?? "source labels"): labels match none of the \(sourceSessions.count) source sessions (keys like '\(sourceSessions[0].labelKey)')")
    }
    if sourceAnomalies == 0 {
      throw TrainingError(.unusableLabels, "source labels: no anomalous session among \(sourceSessions.count - sourceUnlabelled) labelled sessions")
    }
    if sourceAnomalies == sourceSessions.count - sourceUnlabelled {
      throw TrainingError(.unusableLabels, "source labels: every labelled session is anomalous; training needs normal sessions too")
    }
    if c.target.hasLabels && targetLabelled == 0 {
      throw TrainingError(.unusableLabels, "\(c.target.labelFile ?? "target labels"): labels match none of the \(targetSessions) target sessions")
    }
    if sourceUnlabelled > 0 { log("warning: \(sourceUnlabelled) source sessions have no label and are not used") }
    if usesSourceFile, let unused = inputs.sourceLabels?.unmatchedKeys(seen: matchedSourceKeys), unused > 0 {
      log("note: \(unused) source label keys match no session")
    }

    // Balance: all anomalies, ratio × as many normals; vectors are gathered for the kept sessions only.
    var rng = SeededRNG(seed: stream(c.seed, 2))
    let labelled = sourceY.indices.filter { sourceY[$0] != nil }
    var anomalies = labelled.filter { sourceY[$0] == true }
    var normals = labelled.filter { sourceY[$0] == false }
    rng.shuffle(&normals)
    if c.sourceNormalRatio > 0 { normals = Array(normals.prefix(max(1, Int((Double(anomalies.count) * c.sourceNormalRatio).rounded())))) }
    anomalies.sort()
    let kept = (anomalies + normals).sorted()
    let (srcTrainIdx, srcValIdx) = stratifiedSplit(kept, labels: sourceY, fraction: c.sourceValidationFraction, rng: &rng)
    if srcTrainIdx.count < 2 {
      throw TrainingError(.tooFewSessions, "source: \(kept.count) labelled sessions kept (\(anomalies.count) anomalous) leave \(srcTrainIdx.count) for training after the validation split; need at least 2")
    }
    var scratch: [Float] = []
    var sourceKept = Pool()
    var slot = [Int: Int]()
    for i in kept {
      sourceFE.gather(sourceSessions[i], into: &scratch)
      slot[i] = sourceKept.count
      sourceKept.append(scratch, sourceY[i]! ? 1 : 0, width: width, maxLength: c.maxLength)
    }
    func sourcePool(_ idx: [Int]) -> Pool { sourceKept.subset(idx.map { slot[$0]! }) }
    var trainOrder = srcTrainIdx
    rng.shuffle(&trainOrder)
    let half = trainOrder.count / 2
    let srcSupport = sourcePool(Array(trainOrder[..<max(half, 1)]))
    let srcQuery = sourcePool(trainOrder.count > 1 ? Array(trainOrder[half...]) : trainOrder)
    let srcVal = sourcePool(srcValIdx.isEmpty ? srcTrainIdx : srcValIdx)

    var targetAdapt = Pool()
    for (s, y) in zip(adaptSessions, adaptLabels) {
      targetFE.gather(s, into: &scratch)
      targetAdapt.append(scratch, y.map { $0 ? 1 : 0 }, width: width, maxLength: c.maxLength)
    }
    if targetAdapt.count == 0 {
      throw TrainingError(.tooFewSessions, "target: none of the \(targetSessions) sessions of the front end falls in the adaptation part")
    }
    var adaptOrder = Array(0..<targetAdapt.count)
    rng.shuffle(&adaptOrder)
    let tHalf = adaptOrder.count / 2
    let tgtSupport = targetAdapt.subset(Array(adaptOrder[..<max(tHalf, 1)]))
    let tgtQuery = targetAdapt.subset(adaptOrder.count > 1 ? Array(adaptOrder[tHalf...]) : adaptOrder)
    var tgtLabelled = Pool()
    if c.networkMethod == .metalog {
      let n = max(1, Int((Double(targetAdapt.count) * c.targetLabelFraction).rounded()))
      let visible = adaptOrder.prefix(n).filter { targetAdapt.labels[$0] != nil }
      tgtLabelled = targetAdapt.subset(Array(visible))
      if tgtLabelled.count == 0 { throw TrainingError(.tooFewSessions, "metalog: none of the \(n) visible target sessions has a label") }
      log("metalog: \(tgtLabelled.count) target sessions with visible labels (\(tgtLabelled.labels.filter { $0 == 1 }.count) anomalous)")
    }
    log("sessions: source \(srcSupport.count)+\(srcQuery.count) train, \(srcVal.count) validation (\(anomalies.count) anomalous kept); target \(targetAdapt.count) adaptation, \(targetTestCount) held out")
    return TrainingSets(srcSupport: srcSupport, srcQuery: srcQuery, srcVal: srcVal, tgtSupport: tgtSupport, tgtQuery: tgtQuery,
                        tgtLabelled: tgtLabelled, targetAdaptation: targetAdapt.count, targetSessions: adaptSessions,
                        targetAdapt: targetAdapt, sourceSessions: (sourceTotal, sourceSessions.count))
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
  func train(_ sets: TrainingSets, width: Int, output: String?, resume: Bool, stopAfterEpoch: Int?, fingerprint: String) throws -> TrainingEnd {
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
    // The resume state belongs to the written model (the first split).
    let resumePath = output.map { $0 + ".resume" }
    var startEpoch = 1
    if resume, let resumePath, fileExists(resumePath) {
      let state = try ResumeState.load(path: resumePath, fingerprint: fingerprint, trainer: trainer)
      history = state.history
      bestParams = state.best ?? trainer.params
      bestLoss = state.bestLoss
      startEpoch = history.count + 1
      log("resuming after epoch \(history.count) from \(resumePath)")
    } else if resume, let resumePath {
      log("no \(resumePath): starting from the first epoch")
    }
    let trainStart = monotonicSeconds()
    for epoch in stride(from: startEpoch, through: c.epochs, by: 1) {
      let e0 = monotonicSeconds()
      var rec = runEpoch(epoch, trainer: trainer, sets: sets, width: width) { it, iterations, running in
        progress?.batch(epoch: epoch, epochs: c.epochs, iteration: it, iterations: iterations, running: running,
                        epochSeconds: monotonicSeconds() - e0, done: (epoch - startEpoch) * iterations + it,
                        total: (c.epochs - startEpoch + 1) * iterations, trainSeconds: monotonicSeconds() - trainStart,
                        showDomain: c.networkMethod == .zerolog || c.networkMethod == .zerologNoMeta)
      }
      // A diverged run stops here, naming the epoch; nothing is written (not even a resume state).
      for (name, v) in [("classification", rec.classification), ("domain", rec.domain), ("query", rec.query)] where !v.isFinite {
        throw TrainingError(.nonFiniteTraining, "epoch \(epoch): the \(name) loss is \(v); training diverged and no model was written",
                            hint: "lower --lr, or check the word vectors (--glove) for huge values")
      }
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
      progress?.epoch(rec, epochs: c.epochs, seconds: secs, trainSeconds: monotonicSeconds() - trainStart,
                      eta: secs * Double(c.epochs - epoch))
      if epoch < c.epochs, let resumePath {
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
  /// - Parameter onBatch: after each batch: its number (from 1), the epoch's batches, and the losses so far.
  func runEpoch(_ epoch: Int, trainer: Trainer<Float>, sets: TrainingSets, width: Int,
                onBatch: (Int, Int, EpochRecord) -> Void = { _, _, _ in }) -> EpochRecord {
    let c = config
    var erng = SeededRNG(seed: stream(c.seed, 5, UInt64(epoch)))
    trainer.rng = SeededRNG(seed: stream(c.seed, 6, UInt64(epoch)))
    let bs = c.batchSize
    let sb = sets.srcSupport.batches(size: bs, rng: &erng), sq = sets.srcQuery.batches(size: bs, rng: &erng)
    let tb = sets.tgtSupport.batches(size: bs, rng: &erng), tq = sets.tgtQuery.batches(size: bs, rng: &erng)
    let lb = c.networkMethod == .metalog ? sets.tgtLabelled.batches(size: bs, rng: &erng) : []
    let iterations: Int
    switch c.networkMethod {
    case .zerolog, .zerologNoMeta: iterations = max(sb.count, sq.count, tb.count, tq.count)
    case .supervised: iterations = max(sb.count, sq.count)
    case .metalog: iterations = max(sb.count, lb.count)
    }
    var rec = EpochRecord(epoch: epoch)
    var accN = 0
    var running = EpochRecord(epoch: epoch)
    for it in 0..<iterations {
      func lab(_ p: Pool, _ b: [[Int]]) -> LabelledBatch<Float> {
        let idx = b[it % b.count]
        return LabelledBatch(p.batch(idx, width: width, maxLength: c.maxLength), labels: idx.map { p.labels[$0]! })
      }
      let st: StepStats
      switch c.networkMethod {
      case .zerolog, .zerologNoMeta:
        st = trainer.zerologStep(
          support: (lab(sets.srcSupport, sb), sets.tgtSupport.batch(tb[it % tb.count], width: width, maxLength: c.maxLength)),
          query: (lab(sets.srcQuery, sq), sets.tgtQuery.batch(tq[it % tq.count], width: width, maxLength: c.maxLength)),
          adapt: c.networkMethod == .zerolog)
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
      running.classification += (st.classification - running.classification) / Double(it + 1)
      running.domain += (st.domain - running.domain) / Double(it + 1)
      running.sequences = rec.sequences
      onBatch(it + 1, iterations, running)
    }
    if accN > 0 { rec.domainAccuracy /= Double(accN) }
    return rec
  }

  func epochLine(_ rec: EpochRecord, seconds secs: Double) -> String {
    let c = config
    let eta = secs * Double(c.epochs - rec.epoch)
    var line = "epoch \(rec.epoch)/\(c.epochs): loss cls \(fixed(rec.classification)) "
    if c.networkMethod == .zerolog || c.networkMethod == .zerologNoMeta {
      line += "dom \(fixed(rec.domain)) query \(fixed(rec.query)), domain acc \(fixed(rec.domainAccuracy, 2)), "
    } else if c.networkMethod == .metalog {
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

  // MARK: - 5b. The hybrid's target-side detectors and decision (no target label read)

  /// The structure and rarity detectors on the target's adaptation sessions.
  func fitTargetDetectors(_ sessions: [Session], _ targetDrain: DrainSection) -> DetectorFit {
    let fit = TargetDetectors.fit(sessions: sessions.map(\.events), templates: targetDrain.templates.map(\.id))
    for n in fit.notes { log("note: " + n) }
    if let s = fit.section.structure {
      log("structure detector: PCA of \(s.width) columns on \(fit.section.sessions) sessions, \(s.k) components, Q = \(fixed(s.q, 2))")
    }
    return fit
  }

  /// The hybrid decision: lines at the highest level the target's adaptation logs use raise the
  /// alarm when that level is error or above (a system that logs fatal lines keeps its error lines for
  /// routine trouble); no alarm when the target's levels stay below error or it has no level field.
  func hybridThreshold(_ sessions: [Session]) -> ThresholdSection {
    var top: Severity? = nil
    for s in sessions where s.maxLevel.isKnown { top = max(top ?? s.maxLevel, s.maxLevel) }
    let alarm = top.flatMap { $0 >= .error ? $0.rawValue : nil }
    if config.target.levelField == nil {
      log("note: the target's log format has no level field: severity does not decide")
    } else if let t = top {
      log("severity: the target's highest level is \(t)" + (alarm == nil ? "; below error, so severity does not decide" : "; its lines raise the alarm"))
    } else {
      log("note: no adaptation line has a level in the zl-levels/1 table: severity does not decide")
    }
    return ThresholdSection(threshold: 0.5, method: "hybrid", score: "hybrid",
                            hybrid: HybridDecision(alarmLevel: alarm, network: config.hybridNetworkRole))
  }

  /// Self-training: the hybrid's own decisions on the target's adaptation sessions (no label read)
  /// as the network's labels for `selfTrainEpochs` epochs of supervised steps from the trained weights.
  func selfTrain(_ trained: Trained, _ sets: TrainingSets, decision: HybridDecision, detectors: TargetDetectorSection) -> Trained {
    let c = config
    let scorer = HybridScorer(decision: HybridDecision(alarmLevel: decision.alarmLevel, network: .none), detectors: detectors)
    var pool = sets.targetAdapt
    pool.labels = sets.targetSessions.map { scorer.evidence($0, network: nil).score >= 0.5 ? 1 : 0 }
    let positives = pool.labels.filter { $0 == 1 }.count
    log("self-training: \(positives) of \(pool.count) target adaptation sessions flagged by the evidence, \(c.selfTrainEpochs) epochs")
    guard positives > 0 && positives < pool.count else {
      log("note: self-training skipped: the evidence flags \(positives == 0 ? "no" : "every") adaptation session")
      return trained
    }
    var meta = c.meta
    meta.order = c.metaOrder
    let adam = AdamConfig(lr: c.learningRate)
    let trainer = Trainer<Float>(network: trained.network, meta: meta, params: trained.params, adamG: adam, adamC: adam,
                                 adamD: AdamConfig(lr: c.domainLearningRate), seed: stream(c.seed, 7))
    let width = trained.network.model.inputSize
    var history = trained.history
    for epoch in 1...c.selfTrainEpochs {
      var erng = SeededRNG(seed: stream(c.seed, 8, UInt64(epoch)))
      trainer.rng = SeededRNG(seed: stream(c.seed, 9, UInt64(epoch)))
      var rec = EpochRecord(epoch: history.count + 1)
      let batches = pool.batches(size: c.batchSize, rng: &erng)
      for b in batches {
        let st = trainer.supervisedStep(LabelledBatch(pool.batch(b, width: width, maxLength: c.maxLength), labels: b.map { pool.labels[$0]! }))
        rec.classification += st.classification / Double(batches.count)
        rec.sequences += st.sequences
      }
      history.append(rec)
      log("self-training epoch \(epoch)/\(c.selfTrainEpochs): loss \(fixed(rec.classification))")
    }
    return Trained(network: trained.network, params: trainer.params, history: history, seconds: trained.seconds)
  }

  // MARK: - 6. The checkpoint

  /// Everything zl-score needs, with the settings and input digests in the reproducibility record.
  func checkpoint(_ inputs: Inputs, _ fe: LearnedFrontEnd, _ trained: Trained, threshold: ThresholdSection,
                  sourceValidation: DetectionMetrics, detectors: TargetDetectorSection?) throws -> Checkpoint {
    let c = config
    let hp = trained.network.model
    let source = try sourceSpec
    var cp = Checkpoint()
    var meta0: [(String, Value)] = [
      ("general.architecture", .string(ModelProfile.architecture)),
      ("general.name", .string("zl \(c.method.rawValue) \(source.presetName)→\(c.target.presetName)")),
      ("general.intended_use", .string("log anomaly detection for \(c.target.presetName) logs; score with zl-score")),
      ("train.method", .string(c.method.rawValue)), ("train.source", .string(source.presetName)),
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
    if c.severity || threshold.hybrid?.alarmLevel != nil { cp.levels = LevelSection(field: c.target.levelField ?? "") }
    cp.detectors = detectors
    cp.session = c.target.session
    cp.threshold = threshold
    cp.repro = try reproducibility(inputs, [("train.glove", .string(try glovePath)), ("train.glove_dim", .uint(UInt64(fe.embedding.dim)))])
    return cp
  }

  /// The checkpoint of a hybrid without a network (`zl.hybrid`, zlck-v1.md Appendix C).
  func hybridCheckpoint(_ inputs: Inputs, targetDrain: DrainSection, threshold: ThresholdSection,
                        detectors: TargetDetectorSection) throws -> Checkpoint {
    let c = config
    var cp = Checkpoint()
    cp.metadata = Record([
      ("general.architecture", .string(HybridProfile.architecture)),
      ("general.name", .string("zl hybrid \(c.target.presetName)")),
      ("general.intended_use", .string("log anomaly detection for \(c.target.presetName) logs; score with zl-score")),
      ("train.method", .string(c.method.rawValue)), ("train.target", .string(c.target.presetName)),
    ])
    cp.drain = targetDrain
    if threshold.hybrid?.alarmLevel != nil { cp.levels = LevelSection(field: c.target.levelField ?? "") }
    cp.detectors = detectors
    cp.session = c.target.session
    cp.threshold = threshold
    cp.repro = try reproducibility(inputs, [])
    return cp
  }

  /// REPR: the tool, the seed, every setting and the inputs' digests.
  func reproducibility(_ inputs: Inputs, _ extra: [(String, Value)]) throws -> Record {
    let c = config
    var repro: [(String, Value)] = [
      ("tool.name", .string("zl-train")), ("tool.version", .string(zlVersion)), ("zlib.version", .string(Zlib.version)),
      ("seed", .uint(c.seed)), ("threads", .uint(UInt64(c.threads))),
    ] + extra
    if let commit = sourceCommit().commit { repro.append(("tool.commit", .string(commit))) }
    repro += c.record
    for (role, corpus) in [("source", inputs.source), ("target", inputs.target)] {
      for (k, d) in (corpus?.digests ?? []).enumerated() {
        repro.append(("data.\(role).\(k).path", .string(d.path)))
        repro.append(("data.\(role).\(k).sha256", .string(d.sha256)))
        repro.append(("data.\(role).\(k).lines", .uint(UInt64(d.lines))))
      }
    }
    for (role, path) in [("source.labels", inputs.source == nil ? nil : c.source?.labelFile), ("target.labels", c.target.labelFile)] {
      if let p = path { repro.append(("data.\(role).sha256", .string(try fileSHA256(p)))) }
    }
    return Record(repro)
  }

  // MARK: - 7. Evaluation through the scoring code on the written file

  /// The "PCA alone" baseline: fitted, without labels, on a split's adaptation sessions.
  func baselinePCA(_ adaptSessions: [Session], _ targetDrain: DrainSection) -> TargetDetectorSection {
    TargetDetectors.fit(sessions: adaptSessions.map(\.events), templates: targetDrain.templates.map(\.id), gate: false).section
  }

  func evaluate(_ model: ScoringModel, _ inputs: Inputs, baseline: TargetDetectorSection, threshold: ThresholdSection,
                sourceValidation: DetectionMetrics?, notes: [String], trainSeconds: Double, epochs: [EpochRecord]) throws -> SplitResult {
    let c = config
    let eval = try Evaluation.run(model: model, spec: c.target, labelFile: inputs.targetLabels, corpus: inputs.target,
                                  sessions: inputs.targetSample, baselineDetector: baseline)
    let labelled = c.target.hasLabels
    var result = SplitResult(
      seed: c.seed, threshold: threshold,
      inductive: labelled ? eval.metrics(keys: inputs.testKeys) : nil, transductive: labelled ? eval.metrics(keys: nil) : nil,
      baselines: labelled ? eval.baselineMetrics(keys: inputs.testKeys) : [], missingBaselines: eval.baselines.missing,
      heldOutSessions: inputs.testKeys.count, adaptationSessions: inputs.adaptKeys.count, unlabelledSessions: eval.unlabelled,
      newTemplateLines: eval.newTemplateLines, sourceValidation: sourceValidation, notes: notes,
      trainSeconds: trainSeconds, epochs: epochs)
    if labelled { result.curves = eval.curves(keys: inputs.testKeys) }
    return result
  }

  /// The report of the whole run: the first split's figures in full, and with several splits each
  /// split's and their mean, standard deviation and 95 % interval of the mean.
  func report(output: String, _ d: Data, _ splits: [SplitResult], started t0: Double) -> FitReport {
    let c = config
    var r = FitReport(method: c.method.rawValue, source: d.source == nil ? nil : c.source?.presetName, target: c.target.presetName,
                      seed: c.seed, threads: c.threads, model: output, splits: splits, settings: c.settingsJSON,
                      data: (d.source?.digests ?? []).map { ("source:" + $0.path, $0.sha256) } + d.target.digests.map { ("target:" + $0.path, $0.sha256) },
                      totalSeconds: monotonicSeconds() - t0)
    r.maxSessions = c.maxSessions
    r.targetSessions = (d.targetSessionsTotal, d.targetPass.count)
    return r
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
    text += "seed=\(config.seed) threads=\(config.threads) glove=\(config.glovePath ?? "")\n"
    for d in source.digests + target.digests { text += d.sha256 + "\n" }
    return SHA256.hash(Array(text.utf8)).map { hex2($0) }.joined()
  }
}

func fileSHA256(_ path: String) throws -> String { try fileDigestAndLines(path).0 }

