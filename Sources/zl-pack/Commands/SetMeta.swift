// zl-pack set-meta: edit metadata; every other section is copied byte for byte.

import ZLBase
import ZLCommandLine
import ZLCheckpoint
import ZLFormat

let setMetaCommand = Command(
  name: "set-meta", summary: "set or delete metadata keys, copying every other section unchanged",
  usage: "set-meta FILE KEY=VALUE... [--delete KEY]... -o OUT",
  help: """
    KEY=VALUE keeps the type of an existing key; a new key is bool (true/false), u64/i64 (integers),
    f64 (numbers) or string. KEY:TYPE=VALUE sets the type: bool i64 u64 f64 f32 u32 string bytes
    (hex), or an array type (bool[] i64[] u64[] f64[] f32[] u32[] string[]) with JSON array text.

    options:
      -o, --output OUT   where to write (may equal FILE; the write is atomic)
      --delete KEY       remove a key (repeatable)
      --force            allow changing general.architecture and model.* keys
    """
) { args in
  guard let output = try args.outputFile("-o", "--output") else { throw args.error("missing -o OUT") }
  let deletions = try args.options("--delete")
  let force = args.flag("--force")
  let positional = try args.finish(min: 1, names: "FILE")
  let assignments = Array(positional.dropFirst())
  if assignments.isEmpty && deletions.isEmpty { throw args.error("nothing to change: give KEY=VALUE or --delete KEY") }
  let (info, dropped): (ContainerInfo, [SectionType])
  do {
    (info, dropped) = try MetadataEdit.apply(input: positional[0], assignments: assignments, deletions: deletions,
                                             output: output, allowModelKeys: force)
  } catch let e as PackError where e.code != .brokenModel {
    throw args.error(e.detail)  // the assignments and deletions are this command's arguments
  }
  for t in dropped { printError("zl-pack: note: dropped unknown section \(t), which is not marked safe to copy") }
  printError("zl-pack: wrote \(output) (\(info.fileLength) bytes, content \(hexString(info.contentDigest).prefix(16))…)")
  return .ok
}
