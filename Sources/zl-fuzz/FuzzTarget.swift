// The fuzz target: one input through every parser of untrusted bytes, as far as each goes. The
// whole checkpoint path (phases 1–6), then — when the bytes make a model — the scoring model's
// checks and the scoring of a few log lines through its Drain state, masks, session rule, levels,
// detectors and network. Because random bytes rarely pass the CRC and SHA-256 checks, the input
// also replaces one section of a valid model (the 1.1 vectors, when run from the repository), and
// the result, sealed with correct checksums, goes through loading and scoring; and the same bytes
// go straight into the decoders (records and every section schema — the model card also as JSON and
// Markdown — tensor sets and GloVe), safetensors, JSON, Drain3 state and drain3.ini, and zl-re/1 patterns. A crash, trap, hang or
// sanitizer report is a finding; a thrown error is the expected outcome.

import ZLBase
import ZLCheckpoint
import ZLDrain
import ZLEmbedding
import ZLFormat
import ZLProfile
import ZLRegex
import ZLScoring

/// Log lines scored by every model the fuzzer makes (HDFS, BGL and syslog shapes).
let sampleLines: [[UInt8]] = [
  "081109 203518 143 INFO dfs.DataNode$DataXceiver: Receiving block blk_-1608999687919862906 src: /10.250.19.102:54106 dest: /10.250.19.102:50010",
  "081109 203519 145 WARN dfs.DataNode$PacketResponder: PacketResponder 1 for block blk_-1608999687919862906 terminating",
  "- 1117838570 2005.06.03 R02-M1-N0-C:J12-U11 2005-06-03-15.42.50.675872 R02-M1-N0-C:J12-U11 RAS KERNEL FATAL data TLB error interrupt",
  "Jun 14 15:16:01 combo sshd(pam_unix)[19939]: authentication failure; logname= uid=0 euid=0 tty=NODEVssh ruser= rhost=218.188.2.4",
  "",
].map { Array($0.utf8) }

/// The sections of valid models whose bodies the input replaces (empty when the vectors are not found).
let baseModels: [[LoadedSection]] = ["Formats/vectors/v1/valid/hybrid-1.1.zlck", "Formats/vectors/v1/valid/model-severity-1.1.zlck"].compactMap {
  try? ContainerReader.load(path: $0).sections
}

/// Loads `bytes` as a checkpoint and, if it is a model, scores the sample lines and `extra` with it.
func loadAndScore(_ bytes: [UInt8], extra: [UInt8]) {
  guard let container = try? ContainerReader.load(bytes: bytes), let cp = try? Checkpoint.decode(container) else { return }
  _ = try? cp.encoded(alignment: container.info.alignment)
  _ = cp.tensors?.tensors.map { $0.floats().count }
  guard let model = try? ScoringModel(cp), let pipe = try? ScoringPipeline(model: model, options: ScoringOptions(keepLineNumbers: true)) else { return }
  let scorer = SessionScorer(pipeline: pipe, format: .jsonl, explainTop: 2)
  for l in sampleLines + [extra] { l.withUnsafeBufferPointer { scorer.feed(line: $0) } }
  scorer.finish { s in s.drain { _ in } }
}

public func fuzzOne(_ bytes: [UInt8]) {
  loadAndScore(bytes, extra: Array(bytes.prefix(512)))
  // One section of a valid model replaced by the input (after two selector bytes), correctly sealed.
  if bytes.count >= 2, !baseModels.isEmpty {
    let base = baseModels[Int(bytes[0]) % baseModels.count]
    let k = Int(bytes[1]) % base.count
    let inputs = base.enumerated().map { (j, s) -> SectionInput in
      j == k && s.entry.isKnown ? .known(s.entry.type, raw: Array(bytes[2...])) : .copy(s)
    }
    if let sealed = try? ContainerWriter.encode(inputs) { loadAndScore(sealed, extra: Array(bytes.prefix(256))) }
  }
  if let r = try? Record.decode(bytes, section: "fuzz") {
    _ = try? DrainSection(record: r)
    _ = try? LevelSection(record: r)
    _ = try? VocabularySection(record: r)
    _ = try? SessionSection(record: r)
    _ = try? ThresholdSection(record: r)
    _ = try? TargetDetectorSection(record: r)
    if let card = try? ModelCard(record: r) { _ = card.markdown; _ = try? ModelCard(json: card.json) }
    _ = try? ModelProfile.hyperParameters(from: r)
    _ = r.encoded()
  }
  for a in [8, 64] {
    if let t = try? TensorSet.decode(bytes, alignment: a, section: "fuzz") {
      _ = try? GloveSection(tensors: t, vocabularyCount: 100, hasVocabulary: true)
      _ = t.tensors.map { $0.converted(to: .i8).floats().count }
    }
  }
  _ = try? Safetensors.decode(bytes, path: "fuzz")
  if let json = try? JSONParser().parse(bytes) { _ = try? ModelCard(json: json) }
  if let json = try? Drain3State.decodeFile(bytes) {
    _ = try? Drain3State.importState(json, logFormat: "<Content>", masks: [], maskPrefix: "<", maskSuffix: ">")
  }
  if bytes.count < 4096, let text = String(validating: bytes, as: UTF8.self) {
    _ = try? Drain3Config(ini: text)
    if bytes.count < 256, let rx = try? Regex(text) {
      _ = rx.replacingAll(in: String(decoding: sampleLines[0], as: UTF8.self), with: "#")
    }
  }
}
