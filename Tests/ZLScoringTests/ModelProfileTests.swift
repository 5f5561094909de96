// The model profile (zlck-v1.md Appendix A) on the vector corpus, through ScoringModel (what
// zl-score, eval and verify --scoring load): valid models pass, and the model-level invalid vectors
// raise modelMismatch / missingSection.

import Testing
import ZLCheckpoint
import ZLFormat
import ZLScoring
import _ZLTestSupport

@Test func validModelVectorsMatchTheProfile() throws {
  let models = Vectors.valid.filter { $0.name.hasPrefix("model-") || $0.name.hasPrefix("drain-") }
  #expect(models.count >= 3)
  for v in models {
    let hp = try #require(try ScoringModel(try Checkpoint.decode(try ContainerReader.load(bytes: v.bytes))).network?.hyperParameters)
    // Four-dimensional word vectors, plus the three severity features when the model reads them.
    #expect(hp.eventVectorSize == 4 && hp.inputSize == 4 + hp.severityFeatures && hp.hiddenSize == 3 && hp.bidirectional, "\(v.name)")
  }
  // A zl.hybrid model has no network.
  let hybrid = try #require(Vectors.valid.first { $0.name == "hybrid-1.1" })
  let m = try ScoringModel(try Checkpoint.decode(try ContainerReader.load(bytes: hybrid.bytes)))
  #expect(m.network == nil && m.detectors?.structure?.k == 1 && m.threshold.hybrid?.alarmLevel == 4)
}

/// Invalid vectors that pass the format reader (phases 1-6) and fail only as models (§8.9).
let modelLevelVectors = Vectors.invalid.filter { v in
  v.limits == .standard && (try? Checkpoint.decode(try ContainerReader.load(bytes: v.bytes))) != nil
}

@Test func modelLevelInvalidVectorsAreRejected() throws {
  let cases = modelLevelVectors
  #expect(cases.count >= 7)
  for v in cases {
    let cp = try Checkpoint.decode(try ContainerReader.load(bytes: v.bytes))
    do {
      _ = try ScoringModel(cp)
      Issue.record("\(v.name) passed the model profile")
    } catch let e as CheckpointError {
      #expect(e.code.rawValue == v.expectedCode, "\(v.name): \(e.message)")
    }
  }
}
