// Section schemas beyond the vector corpus: a DRAN whose parser configuration cannot be built is
// refused when the file is read (so `verify` and `zl-score` agree), never later.

import Testing
import ZLBase
import ZLCheckpoint
import ZLFormat
import ZLProfile
import _ZLTestSupport

/// A valid model vector with its DRAN changed by `edit`, encoded without validation.
func editedModel(_ edit: (inout Checkpoint) -> Void) throws -> [UInt8] {
  let v = try #require(Vectors.valid.first { $0.name == "model-tiny" })
  var cp = try Checkpoint.decode(try ContainerReader.load(bytes: v.bytes))
  edit(&cp)
  return try cp.encoded()
}

@Test(arguments: ["<Content> <Content>", "<Date> <Content> <1x>", "<Date> (<Content>"])
func drainSectionRefusesALogFormatThatDoesNotParse(_ format: String) throws {
  let bytes = try editedModel { $0.drain!.logFormat = format }
  do {
    _ = try Checkpoint.decode(try ContainerReader.load(bytes: bytes))
    Issue.record("accepted log format '\(format)'")
  } catch let e as CheckpointError {
    #expect(e.code == .badValue && e.detail.hasPrefix("section DRAN: key 'log_format'"), "\(e.message)")
  }
}

/// A small complete card (the shape `zl-train fit` writes).
func sampleCard() -> ModelCard {
  ModelCard(name: "zl hybrid bgl", method: "hybrid", methodSummary: "label-free evidence", architecture: "zl.hybrid",
            intendedUse: "log anomaly detection for bgl logs", threshold: 0.5, thresholdMethod: "hybrid", sourceSystem: nil,
            targetSystem: "bgl", data: [.init(role: "target", file: "BGL_2k.log.gz", sha256: String(repeating: "ab", count: 32), lines: 2000)],
            targetSessions: 100, targetSessionsUsed: 100, heldOutSessions: 50, adaptationSessions: 50, sourceSessions: nil,
            sourceSessionsUsed: nil, settings: [("method", "hybrid")], splits: 2,
            figures: [.init(name: "f1", mean: 77, sd: 2, low: 59, high: 95), .init(name: "roc_auc", mean: 0.9, sd: 0.01, low: 0.8, high: 1)],
            baselines: [.init(name: "flag_all", f1Mean: 43.8, f1SD: 0, rocAUCMean: 0.5)], missingBaselines: [("pca", "too few sessions")],
            limits: ["one limit"], toolName: "zl-train", toolVersion: "0.1.0", toolCommit: nil)
}

@Test func modelCardRoundTripsThroughRecordJSONAndFile() throws {
  let card = sampleCard()
  #expect(try ModelCard(record: card.record) == card)
  #expect(try ModelCard(json: try JSONParser().parse(card.json.serialized(indent: 2))) == card)
  let bytes = try editedModel { $0.card = card }
  let back = try Checkpoint.decode(try ContainerReader.load(bytes: bytes))
  #expect(back.card == card)
  // Ancillary: a reader that does not know CARD still reads the model (the section is skippable).
  #expect(back.info?.entries.first { $0.type == .card }?.flags == [.safeToCopy])
}

@Test(arguments: [
  ("model.name", Value.string(""), CheckpointError.Code.badValue),
  ("data.sha256", Value.strings(["XYZ"]), .badValue),
  ("data.lines", Value.uints([1, 2]), .lengthMismatch),
  ("metrics.mean", Value.doubles([.nan, 0.9]), .badValue),
  ("limits", Value.strings([]), .badValue),
  ("model.threshold", Value.string("0.5"), .wrongValueType),
])
func modelCardRecordIsChecked(_ key: String, _ value: Value, _ code: CheckpointError.Code) throws {
  var r = sampleCard().record
  r[key] = value
  do {
    _ = try ModelCard(record: r)
    Issue.record("accepted \(key) = \(value)")
  } catch let e as CheckpointError {
    #expect(e.code == code && e.detail.contains("'\(key)'"), "\(e.message)")
  }
  var missing = sampleCard().record
  missing["tool.name"] = nil
  #expect(throws: CheckpointError.self) { try ModelCard(record: missing) }
}
