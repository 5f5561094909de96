// Checkpoint: a whole .zlck file as typed sections — the container verified and decoded (ZLFormat,
// phases 1–5), then each known section checked against its schema (phase 6), in table order, by the
// module that owns it: DRAN and SESS by ZLDrain, VOCB and GLOV by ZLEmbedding, META, TENS and THRS
// by ZLProfile. And the way back: typed sections to section inputs for the writer.

import ZLBase
import ZLDrain
import ZLEmbedding
import ZLFormat
import ZLProfile

/// The sections of a scoring model, present and consistent with the model profile.
public struct ScoringSections: Sendable {
  /// The network and its inputs (`zl.bigru-attn`), absent from a `zl.hybrid` model.
  public struct Network: Sendable {
    public let hyperParameters: ModelHyperParameters
    public let glove: GloveSection
    public let tensors: TensorSet
    public let vocabulary: VocabularySection
  }
  public let architecture: String
  public let network: Network?
  public let drain: DrainSection
  /// Present when the model reads severity (or the writer recorded the level field anyway).
  public let levels: LevelSection?
  public let metadata: Record
  public let session: SessionSection
  /// The target-side detectors, when the model was trained with them.
  public let detectors: TargetDetectorSection?
  public let threshold: ThresholdSection
}

/// A decoded checkpoint. Any section may be absent; `scoringSections()` checks §8.9.
public struct Checkpoint: Sendable {
  public var metadata: Record?
  public var tensors: TensorSet?
  public var vocabulary: VocabularySection?
  public var glove: GloveSection?
  public var drain: DrainSection?
  public var levels: LevelSection?
  public var session: SessionSection?
  public var detectors: TargetDetectorSection?
  public var threshold: ThresholdSection?
  public var repro: Record?
  /// The model card (ancillary): what the model is, its data, figures and limits.
  public var card: ModelCard?
  /// Unknown ancillary sections, kept so rewriting tools can copy the safe-to-copy ones.
  public var otherSections: [LoadedSection] = []
  /// The layout the file had (nil for a checkpoint built in memory).
  public var info: ContainerInfo?

  public init() {}

  /// Reads and fully validates a file (phases 1–6).
  /// - Throws: `CheckpointError` (exit 65), `IOFailure` (66/74).
  /// - Parameter skipUnknownAncillary: leave unknown ancillary sections unread (a model that is only
  ///   used, never rewritten: zl-score, eval).
  public static func load(path: String, limits: ReaderLimits = .standard, skipUnknownAncillary: Bool = false) throws -> Checkpoint {
    try naming(path) { try Checkpoint(try DecodedContainer.load(path: path, limits: limits, skipUnknownAncillary: skipUnknownAncillary)) }
  }

  /// Phases 5 and 6 on a verified container.
  public static func decode(_ c: Container) throws -> Checkpoint { try Checkpoint(try DecodedContainer(c)) }

  /// Phase 6 on a decoded container: every known section's schema, in table order.
  public init(_ d: DecodedContainer) throws {
    info = d.info
    otherSections = d.unknown
    let records = d.records
    let vocabWords: Int? = {
      if case .strings(let w)? = records[.vocabulary]?["words"] { return w.count }
      return nil
    }()
    for type in d.order {
      switch type {
      case .drain: drain = try DrainSection(record: records[type]!)
      case .levels: levels = try LevelSection(record: records[type]!)
      case .glove:
        glove = try GloveSection(tensors: d.tensorSets[type]!, vocabularyCount: vocabWords, hasVocabulary: records[.vocabulary] != nil)
      case .metadata:
        let m = records[type]!
        _ = try RecordFields(record: m, section: "section META").string("general.architecture")
        metadata = m
      case .repro: repro = records[type]!
      case .card: card = try ModelCard(record: records[type]!)
      case .session: session = try SessionSection(record: records[type]!)
      case .detectors: detectors = try TargetDetectorSection(record: records[type]!)
      case .tensors: tensors = d.tensorSets[type]!
      case .threshold: threshold = try ThresholdSection(record: records[type]!)
      case .vocabulary: vocabulary = try VocabularySection(record: records[type]!)
      default: break
      }
    }
  }

  /// The model architecture named in META, if any.
  public var architecture: String? { metadata.flatMap(ModelProfile.architecture(of:)) }

  /// The sections a scoring model needs (§8.9), present and checked against its profile: for
  /// `zl.bigru-attn` (Appendix A) the weights against META and the GloVe dimension against the input
  /// size; for `zl.hybrid` (Appendix C) the hybrid decision without a network.
  /// - Throws: `CheckpointError` (missingSection naming the first absent one, modelMismatch, META key errors).
  public func scoringSections() throws -> ScoringSections {
    let hybridProfile = architecture == HybridProfile.architecture
    let needed: [(SectionType, Bool)] = hybridProfile
      ? [(.drain, drain != nil), (.metadata, metadata != nil), (.session, session != nil), (.threshold, threshold != nil)]
      : [(.drain, drain != nil), (.glove, glove != nil), (.metadata, metadata != nil), (.session, session != nil),
         (.tensors, tensors != nil), (.threshold, threshold != nil), (.vocabulary, vocabulary != nil)]
    if let t = needed.first(where: { !$0.1 })?.0 {
      let list = hybridProfile ? "DRAN, META, SESS and THRS" : "DRAN, GLOV, META, SESS, TENS, THRS and VOCB"
      throw CheckpointError(.missingSection, "section \(t) (\(KnownSection.lookup(t)!.summary)) is missing; a scoring model needs \(list)")
    }
    guard let drain, let metadata, let session, let threshold else { throw InternalError("scoring sections checked but absent") }
    var network: ScoringSections.Network? = nil
    if hybridProfile {
      guard let h = threshold.hybrid, h.network == .none else {
        throw CheckpointError(.modelMismatch, "section THRS: a \(HybridProfile.architecture) model has no network, so its score must be hybrid with hybrid.network none")
      }
    } else {
      guard let glove, let tensors, let vocabulary else { throw InternalError("scoring sections checked but absent") }
      let hp = try ModelProfile.validate(metadata: metadata, tensors: tensors)
      if glove.dim != hp.eventVectorSize {
        let what = hp.severityFeatures > 0 ? "model.input_size \(hp.inputSize) less model.severity_features \(hp.severityFeatures)" : "model.input_size \(hp.inputSize)"
        throw CheckpointError(.modelMismatch, "section GLOV: vector dimension \(glove.dim) differs from \(what)")
      }
      if hp.severityFeatures > 0 && levels == nil {
        throw CheckpointError(.missingSection, "section LEVL (level field and severity scale) is missing; the model reads severity features")
      }
      network = ScoringSections.Network(hyperParameters: hp, glove: glove, tensors: tensors, vocabulary: vocabulary)
    }
    if let h = threshold.hybrid, h.alarmLevel != nil && levels == nil {
      throw CheckpointError(.missingSection, "section LEVL (level field and severity scale) is missing; the hybrid decision reads severity")
    }
    if let t = detectors {
      // Every template a detector names is one of the parser's.
      let known = Set(drain.templates.map(\.id))
      if let bad = t.templates.first(where: { !known.contains($0) }) {
        throw CheckpointError(.danglingReference, "section TDET: key 'templates' names template \(bad), which DRAN does not hold")
      }
    }
    return ScoringSections(architecture: architecture ?? "", network: network, drain: drain, levels: levels, metadata: metadata,
                           session: session, detectors: detectors, threshold: threshold)
  }

  /// Section inputs for the writer: every typed section with the default codec policy, plus the
  /// unknown ancillary sections marked safe to copy (others are dropped, as §4 requires).
  public func sectionInputs(alignment: Int = Int(ZLCK.defaultAlignment)) -> [SectionInput] {
    var out: [SectionInput] = []
    if let c = card { out.append(.known(.card, raw: c.record.encoded())) }
    if let d = drain { out.append(.known(.drain, raw: d.record.encoded())) }
    if let l = levels { out.append(.known(.levels, raw: l.record.encoded())) }
    if let g = glove { out.append(.known(.glove, raw: g.tensorSet.encoded(alignment: alignment))) }
    if let m = metadata { out.append(.known(.metadata, raw: m.encoded())) }
    if let r = repro { out.append(.known(.repro, raw: r.encoded())) }
    if let s = session { out.append(.known(.session, raw: s.record.encoded())) }
    if let d = detectors { out.append(.known(.detectors, raw: d.record.encoded())) }
    if let t = tensors { out.append(.known(.tensors, raw: t.encoded(alignment: alignment))) }
    if let t = threshold { out.append(.known(.threshold, raw: t.record.encoded())) }
    if let v = vocabulary { out.append(.known(.vocabulary, raw: v.record.encoded())) }
    for s in otherSections where s.entry.flags.contains(.safeToCopy) { out.append(.copy(s)) }
    return out
  }

  /// The lowest format minor version whose readers understand this content (§11): 1 when it uses
  /// THRS's hybrid score, META's `model.severity_features` or the `zl.hybrid` profile, which a 1.0
  /// reader does not know (the LEVL and TDET section types raise the version on their own).
  public var minimumMinor: UInt16 {
    if threshold?.hybrid != nil || architecture == HybridProfile.architecture || metadata?["model.severity_features"] != nil { return 1 }
    return 0
  }

  /// Writes the checkpoint atomically.
  @discardableResult
  public func write(to path: String, alignment: UInt32 = ZLCK.defaultAlignment) throws -> ContainerInfo {
    try ContainerWriter.write(sectionInputs(alignment: Int(alignment)), toFile: path, alignment: alignment, minimumMinor: minimumMinor)
  }

  /// Encodes the checkpoint in memory.
  public func encoded(alignment: UInt32 = ZLCK.defaultAlignment) throws -> [UInt8] {
    try ContainerWriter.encode(sectionInputs(alignment: Int(alignment)), alignment: alignment, minimumMinor: minimumMinor)
  }
}
