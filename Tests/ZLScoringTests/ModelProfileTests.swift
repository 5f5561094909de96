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
    #expect(hp.inputSize == 4 && hp.hiddenSize == 3 && hp.bidirectional, "\(v.name)")
  }
}

@Test func modelLevelInvalidVectorsAreRejected() throws {
  let cases = Vectors.invalid.filter { $0.expectedCode == "modelMismatch" || $0.name == "missingSection--model" }
  #expect(cases.count >= 3)
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
