// zl-pack diff: what differs between two checkpoints (exit 1 when the content differs).

import ZLBase
import ZLCommandLine
import ZLCheckpoint
import ZLFormat

let diffCommand = Command(
  name: "diff", summary: "compare two checkpoints section by section",
  usage: "diff A B",
  help: """
    Records are compared key by key and tensors by their largest absolute difference.
    exit status: 0 same content (layout may differ), 1 content differs, 65 a file is invalid.
    """
) { args in
  let files = try args.finish(min: 2, max: 2, names: "A and B")
  let (a, b, lines) = try CheckpointDiff.compare(files[0], files[1])
  let out = StandardOutput()
  for l in lines { try out.line(l) }
  if lines.isEmpty { try out.line("identical: \(hexString(a.info.contentDigest))") }
  try out.flush()
  return a.info.contentDigest == b.info.contentDigest ? .ok : .negative
}
