// libFuzzer entry point for the checkpoint reader. Each input goes through the full load path
// (phases 1–6 of Formats/zlck-v1.md); because random bytes rarely pass the CRC and SHA-256 checks,
// the same bytes are also fed straight to the body decoders behind them (records and every record
// schema, tensor sets and the GloVe schema) and to the other untrusted-input parsers (safetensors,
// JSON, zl-re/1 patterns). A crash, trap, hang or sanitizer report is a finding; a thrown error is
// the expected outcome.

import ZLBase
import ZLFormat
import ZLRegex

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzReader(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
  let bytes = Array(UnsafeBufferPointer(start: data, count: size))
  if let container = try? ContainerReader.load(bytes: bytes), let cp = try? Checkpoint.decode(container) {
    _ = try? cp.encoded(alignment: container.info.alignment)
    _ = cp.tensors?.tensors.map { $0.floats().count }
  }
  if let r = try? Record.decode(bytes, section: "fuzz") {
    _ = try? DrainSection(record: r)
    _ = try? VocabularySection(record: r)
    _ = try? SessionSection(record: r)
    _ = try? ThresholdSection(record: r)
    _ = r.encoded()
  }
  for a in [8, 64] {
    if let t = try? TensorSet.decode(bytes, alignment: a, section: "fuzz") {
      _ = try? GloveSection(tensors: t, vocabularyCount: 100, hasVocabulary: true)
      _ = t.tensors.map { $0.converted(to: .i8).floats().count }
    }
  }
  _ = try? Safetensors.decode(bytes, path: "fuzz")
  _ = try? JSONParser().parse(bytes)
  if size < 256, let text = String(validating: bytes, as: UTF8.self), let rx = try? Regex(text) {
    _ = rx.replacingAll(in: "081109 203518 143 INFO dfs.DataNode$DataXceiver: Receiving block blk_-16089 src: /10.250.19.102:54106", with: "#")
  }
  return 0
}
