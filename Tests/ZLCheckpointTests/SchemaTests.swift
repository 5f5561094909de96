// Section schemas beyond the vector corpus: a DRAN whose parser configuration cannot be built is
// refused when the file is read (so `verify` and `zl-score` agree), never later.

import Testing
import ZLBase
import ZLCheckpoint
import ZLFormat
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
