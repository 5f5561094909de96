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
  public let hyperParameters: ModelHyperParameters
  public let drain: DrainSection
  public let glove: GloveSection
  public let metadata: Record
  public let session: SessionSection
  public let tensors: TensorSet
  public let threshold: ThresholdSection
  public let vocabulary: VocabularySection
}

/// A decoded checkpoint. Any section may be absent; `scoringSections()` checks §8.9.
public struct Checkpoint: Sendable {
  public var metadata: Record?
  public var tensors: TensorSet?
  public var vocabulary: VocabularySection?
  public var glove: GloveSection?
  public var drain: DrainSection?
  public var session: SessionSection?
  public var threshold: ThresholdSection?
  public var repro: Record?
  /// Unknown ancillary sections, kept so rewriting tools can copy the safe-to-copy ones.
  public var otherSections: [LoadedSection] = []
  /// The layout the file had (nil for a checkpoint built in memory).
  public var info: ContainerInfo?

  public init() {}

  /// Reads and fully validates a file (phases 1–6).
  /// - Throws: `CheckpointError` (exit 65), `IOFailure` (66/74).
  public static func load(path: String, limits: ReaderLimits = .standard) throws -> Checkpoint {
    try naming(path) { try Checkpoint(try DecodedContainer.load(path: path, limits: limits)) }
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
      case .glove:
        glove = try GloveSection(tensors: d.tensorSets[type]!, vocabularyCount: vocabWords, hasVocabulary: records[.vocabulary] != nil)
      case .metadata:
        let m = records[type]!
        _ = try RecordFields(record: m, section: "section META").string("general.architecture")
        metadata = m
      case .repro: repro = records[type]!
      case .session: session = try SessionSection(record: records[type]!)
      case .tensors: tensors = d.tensorSets[type]!
      case .threshold: threshold = try ThresholdSection(record: records[type]!)
      case .vocabulary: vocabulary = try VocabularySection(record: records[type]!)
      default: break
      }
    }
  }

  /// The model architecture named in META, if any.
  public var architecture: String? { metadata.flatMap(ModelProfile.architecture(of:)) }

  /// The sections a scoring model needs (§8.9), present and checked against the model profile
  /// (zlck-v1.md Appendix A): the weights against META, the GloVe dimension against the input size.
  /// - Throws: `CheckpointError` (missingSection naming the first absent one, modelMismatch, META key errors).
  public func scoringSections() throws -> ScoringSections {
    guard let drain, let glove, let metadata, let session, let tensors, let threshold, let vocabulary else {
      let present: [(SectionType, Bool)] = [
        (.drain, drain != nil), (.glove, glove != nil), (.metadata, metadata != nil), (.session, session != nil),
        (.tensors, tensors != nil), (.threshold, threshold != nil), (.vocabulary, vocabulary != nil),
      ]
      let t = present.first { !$0.1 }!.0
      throw CheckpointError(.missingSection, "section \(t) (\(KnownSection.lookup(t)!.summary)) is missing; a scoring model needs DRAN, GLOV, META, SESS, TENS, THRS and VOCB")
    }
    let hp = try ModelProfile.validate(metadata: metadata, tensors: tensors)
    if glove.dim != hp.inputSize {
      throw CheckpointError(.modelMismatch, "section GLOV: vector dimension \(glove.dim) differs from model.input_size \(hp.inputSize)")
    }
    return ScoringSections(hyperParameters: hp, drain: drain, glove: glove, metadata: metadata, session: session, tensors: tensors,
                           threshold: threshold, vocabulary: vocabulary)
  }

  /// Section inputs for the writer: every typed section with the default codec policy, plus the
  /// unknown ancillary sections marked safe to copy (others are dropped, as §4 requires).
  public func sectionInputs(alignment: Int = Int(ZLCK.defaultAlignment)) -> [SectionInput] {
    var out: [SectionInput] = []
    if let d = drain { out.append(.known(.drain, raw: d.record.encoded())) }
    if let g = glove { out.append(.known(.glove, raw: g.tensorSet.encoded(alignment: alignment))) }
    if let m = metadata { out.append(.known(.metadata, raw: m.encoded())) }
    if let r = repro { out.append(.known(.repro, raw: r.encoded())) }
    if let s = session { out.append(.known(.session, raw: s.record.encoded())) }
    if let t = tensors { out.append(.known(.tensors, raw: t.encoded(alignment: alignment))) }
    if let t = threshold { out.append(.known(.threshold, raw: t.record.encoded())) }
    if let v = vocabulary { out.append(.known(.vocabulary, raw: v.record.encoded())) }
    for s in otherSections where s.entry.flags.contains(.safeToCopy) { out.append(.copy(s)) }
    return out
  }

  /// Writes the checkpoint atomically.
  @discardableResult
  public func write(to path: String, alignment: UInt32 = ZLCK.defaultAlignment) throws -> ContainerInfo {
    try ContainerWriter.write(sectionInputs(alignment: Int(alignment)), toFile: path, alignment: alignment)
  }

  /// Encodes the checkpoint in memory.
  public func encoded(alignment: UInt32 = ZLCK.defaultAlignment) throws -> [UInt8] {
    try ContainerWriter.encode(sectionInputs(alignment: Int(alignment)), alignment: alignment)
  }
}
