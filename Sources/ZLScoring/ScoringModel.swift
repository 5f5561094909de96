// ScoringModel: a checkpoint validated once as something that scores — every section present and
// checked against its schema, the weights against the model profile, each weight finite, the
// session rule and the level field against the log format, the parser and the embedding built.
// zl-score, zl-train eval, zl-pack verify --scoring and the fuzz target all load models through this
// one type, so a file that passes `verify --scoring` scores, and nothing after it can fail on the
// file's content. A `zl.hybrid` model has no network; a `zl.bigru-attn` one has.

import ZLBase
import ZLCheckpoint
import ZLDrain
import ZLEmbedding
import ZLFormat
import ZLProfile

public struct ScoringModel: Sendable {
  /// The network, its inputs and weights.
  public struct Network: Sendable {
    public let hyperParameters: ModelHyperParameters
    public let embedding: EmbeddingModel
    /// Every tensor of the model profile as row-major f32 values, each finite.
    public let weights: [String: [Float]]
  }

  /// `zl.bigru-attn` or `zl.hybrid`.
  public let architecture: String
  /// Absent from a `zl.hybrid` model.
  public let network: Network?
  /// The trained parser state (matched, never changed, when scoring).
  public let drain: DrainSection
  /// Where lines carry their level (nil: no level field).
  public let levels: LevelSection?
  public let session: SessionSection
  /// The target-side detectors (TDET), when the model has them.
  public let detectors: TargetDetectorSection?
  public let threshold: ThresholdSection
  /// The container's layout (digests, sections) as read.
  public let info: ContainerInfo?

  /// Every value a score depends on is finite and at most this in magnitude (zlck-v1.md §8.9), so
  /// no forward pass can overflow: a scorer refuses the model otherwise.
  public static let maxMagnitude: Float = 1e6

  static func checkValues(_ values: [Float], _ what: @autoclosure () -> String) throws {
    if let k = values.firstIndex(where: { !($0.magnitude <= maxMagnitude) }) {
      throw CheckpointError(.badValue, "\(what()) holds \(values[k]) at element \(k): a scoring model's values must be finite and at most 1e6 in magnitude")
    }
  }

  /// Validates a decoded checkpoint as a scoring model.
  /// - Throws: `CheckpointError` (missingSection, modelMismatch, badValue, META key errors).
  public init(_ cp: Checkpoint) throws {
    let s = try cp.scoringSections()
    architecture = s.architecture
    if let n = s.network {
      var weights: [String: [Float]] = [:]
      for (name, _) in ModelProfile.expectedShapes(n.hyperParameters) {
        guard let values = n.tensors[name]?.floats() else { throw InternalError("tensor '\(name)' passed the profile check but is absent") }
        // Format-valid but unusable: a non-finite or huge weight would turn scores into NaN.
        try ScoringModel.checkValues(values, "section TENS: tensor '\(name)'")
        weights[name] = values
      }
      try ScoringModel.checkValues(n.glove.vectors.floats(), "section GLOV: tensor 'vectors'")
      try ScoringModel.checkValues(n.glove.unknown.floats(), "section GLOV: tensor 'unknown'")
      try ScoringModel.checkValues(n.vocabulary.idf + [n.vocabulary.unseenIDF], "section VOCB: key 'idf'")
      let embedding = EmbeddingModel(vocabulary: n.vocabulary, glove: n.glove,
                                     splitter: WordSplitter(settings: n.vocabulary.tokenizer, drain: s.drain))
      network = Network(hyperParameters: n.hyperParameters, embedding: embedding, weights: weights)
    } else {
      network = nil
    }
    let format = try LogFormat(s.drain.logFormat)
    // The session rule needs the fields it reads (node, time) in the parser's log format.
    do {
      try s.session.rule.check(format: format, nodeField: nil)
    } catch let e as DrainError {
      throw CheckpointError(.badValue, "section SESS: key 'rule' \(e.detail)")
    }
    if let l = s.levels {
      do { _ = try l.fieldIndex(in: format) } catch let e as DrainError {
        throw CheckpointError(.badValue, "section LEVL: key 'field' \(e.detail)")
      }
    }
    drain = s.drain
    levels = s.levels
    session = s.session
    detectors = s.detectors
    threshold = s.threshold
    info = cp.info
  }

  /// Reads, verifies and validates a model file; errors name the file.
  /// - Throws: `CheckpointError` (exit 65) or `IOFailure` (66/74), with the path in front.
  public static func load(path: String) throws -> ScoringModel {
    // Unknown ancillary sections are not needed to score: they are not read at all.
    try naming(path) { try ScoringModel(try Checkpoint.load(path: path, skipUnknownAncillary: true)) }
  }
}
