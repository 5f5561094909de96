// zl-pack verify: every check of the spec (structure, CRCs, inflate, SHA-256 digests, section
// schemas) plus the model cross-checks (tensor shapes against META, GloVe dim against input size).

import ZLBase
import ZLCommandLine
import ZLCheckpoint
import ZLFormat
import ZLProfile
import ZLScoring

let verifyCommand = Command(
  name: "verify", summary: "check structure, checksums, digests, schemas and model consistency",
  usage: "verify FILE [--scoring] [--json]",
  help: """
    options:
      --scoring   also require everything zl-score needs (all model sections)
      --json      print the result as JSON

    A checkpoint that names a known model architecture is always checked against it.
    exit status: 0 valid, 65 invalid (one line on stderr names the rule that failed).
    """
) { args in
  let scoring = args.flag("--scoring")
  let json = args.flag("--json")
  let file = try args.finish(min: 1, max: 1, names: "FILE")[0]
  let t0 = monotonicSeconds()
  var model: ScoringModel? = nil
  let cp = try Checkpoint.load(path: file)
  // A file that names a model architecture is checked as a model; --scoring requires one. The
  // model is built exactly as zl-score builds it, so what passes here scores.
  if scoring || cp.architecture == ModelProfile.architecture || cp.architecture == HybridProfile.architecture {
    model = try naming(file) { try ScoringModel(cp) }
  }
  let info = cp.info!
  let seconds = monotonicSeconds() - t0
  let out = StandardOutput()
  if json {
    var members: [(String, JSON)] = [
      ("valid", .bool(true)), ("file_length", .integer(Int64(info.fileLength))),
      ("sections", .integer(Int64(info.entries.count))), ("content_digest", .string(hexString(info.contentDigest))),
      ("manifest_digest", .string(hexString(info.manifestDigest))),
    ]
    if let m = model {
      var fields: [(String, JSON)] = [("architecture", .string(m.architecture))]
      if let hp = m.network?.hyperParameters {
        fields += [("input_size", .integer(Int64(hp.inputSize))), ("hidden_size", .integer(Int64(hp.hiddenSize))),
                   ("layers", .integer(Int64(hp.layers))), ("bidirectional", .bool(hp.bidirectional)),
                   ("attention", .string(hp.attention.rawValue))]
      }
      fields.append(("score", .string(m.threshold.score)))
      members.append(("model", .object(fields)))
    }
    try out.line(JSON.object(members).serialized(indent: 2))
  } else {
    var line = "\(file): ok: \(info.entries.count) sections, \(info.fileLength) bytes, content \(hexString(info.contentDigest).prefix(16))…"
    if let m = model {
      line += ", model \(m.architecture)"
      if let hp = m.network?.hyperParameters { line += " E=\(hp.inputSize) H=\(hp.hiddenSize) L=\(hp.layers)\(hp.bidirectional ? " bidirectional" : "")" }
      if m.threshold.score == "hybrid" { line += ", hybrid score" }
    }
    line += " (verified in \(format3(seconds * 1000)) ms)"
    try out.line(line)
  }
  try out.flush()
  return .ok
}

func format3(_ x: Double) -> String {
  let r = (x * 1000).rounded() / 1000
  return "\(r)"
}
