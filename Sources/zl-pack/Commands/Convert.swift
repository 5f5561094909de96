// zl-pack convert: re-encode tensors and GloVe vectors to another dtype, reporting the error.

import ZLBase
import ZLCommandLine
import ZLCheckpoint
import ZLFormat

let convertCommand = Command(
  name: "convert", summary: "re-encode tensors and GloVe vectors as f32, f16, bf16 or i8",
  usage: "convert FILE --dtype f32|f16|bf16|i8 -o OUT [--json]",
  help: """
    i8 is symmetric per-row quantization (one f32 scale per row). Every other section is copied
    byte for byte. The largest absolute change of each tensor is printed (stdout).

    options:
      --dtype T          target dtype
      -o, --output OUT   where to write (atomic)
      --json             print the report as JSON
    """
) { args in
  guard let name = try args.choice("--dtype", ["f32", "f16", "bf16", "i8"]) else { throw args.error("missing --dtype") }
  guard let output = try args.outputFile("-o", "--output") else { throw args.error("missing -o OUT") }
  let json = args.flag("--json")
  let file = try args.finish(min: 1, max: 1, names: "FILE")[0]
  let dtype = DType(name: name)!
  let (info, reports): (ContainerInfo, [DTypeConversion.TensorReport])
  (info, reports) = try DTypeConversion.convert(input: file, to: dtype, output: output)
  let out = StandardOutput()
  let worst = reports.map { $0.maxAbsError }.max() ?? 0
  if json {
    try out.line(JSON.object([
      ("output", .string(output)), ("dtype", .string(name)), ("file_length", .integer(Int64(info.fileLength))),
      ("max_abs_error", .number(worst)),
      ("tensors", .array(reports.map { r in
        .object([("section", .string(r.section.description)), ("name", .string(r.name)), ("from", .string(r.from.name)),
                 ("to", .string(r.to.name)), ("max_abs_error", .number(r.maxAbsError))])
      })),
    ]).serialized(indent: 2))
  } else {
    for r in reports { try out.line("\(r.section) \(r.name): \(r.from.name) -> \(r.to.name), max abs error \(r.maxAbsError)") }
    try out.line("max abs error \(worst); wrote \(output) (\(info.fileLength) bytes)")
  }
  try out.flush()
  return .ok
}
