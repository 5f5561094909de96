// zl-pack extract / build: a checkpoint as safetensors + GloVe text + typed JSON, and back.

import ZLBase
import ZLCommandLine
import ZLCheckpoint
import ZLFormat

let extractCommand = Command(
  name: "extract", summary: "write tensors (.safetensors), GloVe rows (text) and all records (JSON)",
  usage: "extract FILE --to DIR",
  help: """
    Writes DIR/checkpoint.json (every record section, typed, plus the GloVe unknown vector),
    DIR/tensors.safetensors (readable by the safetensors library; an i8 tensor X comes with an F32
    tensor 'X:scale' of per-row scales) and DIR/glove.txt. 'zl-pack build' reads them back.
    """
) { args in
  guard let dir = try args.option("--to") else { throw args.error("missing --to DIR") }
  let file = try args.finish(min: 1, max: 1, names: "FILE")[0]
  let files: [String]
  files = try Bundle.extract(input: file, to: dir)
  let out = StandardOutput()
  for f in files { try out.line(f) }
  try out.flush()
  return .ok
}

let buildCommand = Command(
  name: "build", summary: "bundle a checkpoint from checkpoint.json, safetensors and GloVe text",
  usage: "build CHECKPOINT.json [--tensors FILE.safetensors] [--glove GLOVE.txt] -o OUT",
  help: """
    CHECKPOINT.json has the form 'zl-pack extract' writes; the files it names are found next to it
    unless --tensors / --glove give other paths. Every section is validated before anything is
    written; the output is written atomically and is byte-identical for the same inputs.
    """
) { args in
  guard let output = try args.outputFile("-o", "--output") else { throw args.error("missing -o OUT") }
  let tensors = try args.option("--tensors")
  let glove = try args.option("--glove")
  let json = try args.finish(min: 1, max: 1, names: "CHECKPOINT.json")[0]
  let info = try Bundle.build(json: json, tensors: tensors, glove: glove, output: output)
  printError("zl-pack: wrote \(output) (\(info.fileLength) bytes, content \(hexString(info.contentDigest).prefix(16))…)")
  return .ok
}
