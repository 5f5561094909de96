// Checkpoint: a whole .zlck file as typed sections — the container verified (phases 1–4), each
// known section decoded (phase 5) and checked against its schema (phase 6), in table order —
// and the way back: typed sections to section inputs for the writer.

import ZLBase

/// A decoded checkpoint. Any section may be absent; `requireScoringSections()` checks §8.9.
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
    try decode(try ContainerReader.load(path: path, limits: limits))
  }

  /// Phases 5 and 6 on a verified container.
  public static func decode(_ c: Container) throws -> Checkpoint {
    var cp = Checkpoint()
    cp.info = c.info
    let alignment = Int(c.info.alignment)
    // Phase 5: encodings, in table order.
    var records: [SectionType: Record] = [:]
    var sets: [SectionType: TensorSet] = [:]
    for s in c.sections {
      guard let known = KnownSection.lookup(s.entry.type) else {
        cp.otherSections.append(s)
        continue
      }
      let name = "section \(s.entry.type)"
      switch known.encoding {
      case .record: records[s.entry.type] = try Record.decode(s.raw, section: name)
      case .tensorSet: sets[s.entry.type] = try TensorSet.decode(s.raw, alignment: alignment, section: name)
      }
    }
    // Phase 6: schemas, in table order.
    let vocabWords: Int? = {
      if case .strings(let w)? = records[.vocabulary]?["words"] { return w.count }
      return nil
    }()
    for s in c.sections {
      switch s.entry.type {
      case .drain: cp.drain = try DrainSection(record: records[.drain]!)
      case .glove:
        cp.glove = try GloveSection(tensors: sets[.glove]!, vocabularyCount: vocabWords, hasVocabulary: records[.vocabulary] != nil)
      case .metadata:
        let m = records[.metadata]!
        _ = try Fields(record: m, section: "section META").string("general.architecture")
        cp.metadata = m
      case .repro: cp.repro = records[.repro]!
      case .session: cp.session = try SessionSection(record: records[.session]!)
      case .tensors: cp.tensors = sets[.tensors]!
      case .threshold: cp.threshold = try ThresholdSection(record: records[.threshold]!)
      case .vocabulary: cp.vocabulary = try VocabularySection(record: records[.vocabulary]!)
      default: break
      }
    }
    return cp
  }

  /// The sections a scoring model needs (§8.9); throws `missingSection` naming the first absent one.
  public func requireScoringSections() throws {
    let present: [(SectionType, Bool)] = [
      (.drain, drain != nil), (.glove, glove != nil), (.metadata, metadata != nil), (.session, session != nil),
      (.tensors, tensors != nil), (.threshold, threshold != nil), (.vocabulary, vocabulary != nil),
    ]
    for (t, ok) in present where !ok {
      throw CheckpointError(.missingSection, "section \(t) (\(KnownSection.lookup(t)!.summary)) is missing; a scoring model needs DRAN, GLOV, META, SESS, TENS, THRS and VOCB")
    }
  }

  /// The model architecture named in META, if any.
  public var architecture: String? {
    if case .string(let s)? = metadata?["general.architecture"] { return s }
    return nil
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
