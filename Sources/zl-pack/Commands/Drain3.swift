// zl-pack import-drain3 / export-drain3: Drain3 state files to and from .zlck Drain sections.

import ZLBase
import ZLCommandLine
import ZLDrain
import ZLCheckpoint
import ZLFormat

let importDrain3Command = Command(
  name: "import-drain3", summary: "convert a Drain3 state file (plain or zlib+base64) into a .zlck Drain section",
  usage: "import-drain3 STATE (--log-format FMT | --preset NAME) [--ini drain3.ini] [--mask NAME=REGEX]... -o OUT.zlck",
  help: """
    Reads the state as plain data (never instantiates anything), checks every count and reference,
    drops template ids the state still lists after they were evicted (reported), and writes a
    checkpoint with the Drain section and a metadata section. Drain3 keeps masks and the log format
    outside the state: give them with --ini (Drain3's own drain3.ini) and --log-format, or a --preset.

    options:
      --ini FILE             drain3.ini: masking rules, mask prefix/suffix
      --log-format FMT       header format of the logs the state was built from
      --preset NAME          take the log format (and, without --ini, the masks) from a preset
      --mask NAME=REGEX      masking rule (repeatable), instead of the ini's
      --mask-prefix P, --mask-suffix S
      -o, --output OUT       the checkpoint to write (atomic)
    """
) { args in
  guard let output = try args.outputFile("-o", "--output") else { throw args.error("missing -o OUT.zlck") }
  let iniPath = try args.option("--ini")
  let format = try args.option("--log-format")
  let presetName = try args.option("--preset")
  let maskArgs = try args.options("--mask")
  let prefix = try args.option("--mask-prefix")
  let suffix = try args.option("--mask-suffix")
  let file = try args.finish(min: 1, max: 1, names: "STATE")[0]
  var preset: LogPreset? = nil
  if let n = presetName {
    guard let p = LogPresets.named(n) else { throw args.error("unknown preset '\(n)'") }
    preset = p
  }
  guard let logFormat = format ?? preset?.parsing.logFormat else { throw args.error("give --log-format or --preset") }
  var cfg = Drain3Config()
  if let p = iniPath {
    cfg = try naming(p) { try Drain3Config(ini: String(decoding: try readWholeFile(p, limit: 1 << 24), as: UTF8.self)) }
  } else if let p = preset {
    cfg.masks = p.parsing.masks
    cfg.maskPrefix = p.parsing.maskPrefix
    cfg.maskSuffix = p.parsing.maskSuffix
  }
  if !maskArgs.isEmpty {
    cfg.masks = try maskArgs.map { m in
      guard let eq = m.firstIndex(of: "="), eq != m.startIndex else { throw args.error("--mask '\(m)' is not NAME=REGEX") }
      return MaskRule(name: String(m[..<eq]), pattern: String(m[m.index(after: eq)...]))
    }
  }
  if let p = prefix { cfg.maskPrefix = p }
  if let s = suffix { cfg.maskSuffix = s }
  do { _ = try LogParser(settings: ParserSettings(logFormat: logFormat, masks: cfg.masks, maskPrefix: cfg.maskPrefix, maskSuffix: cfg.maskSuffix, drain: cfg.drain)) } catch {
    throw args.error("\(error)")
  }
  let (section, stale): (DrainSection, Int)
  (section, stale) = try naming(file) {
    let json = try Drain3State.decodeFile(try readWholeFile(file, limit: UInt64(Drain3State.maxStateBytes)))
    return try Drain3State.importState(json, logFormat: logFormat, masks: cfg.masks, maskPrefix: cfg.maskPrefix, maskSuffix: cfg.maskSuffix)
  }
  var cp = Checkpoint()
  cp.drain = section
  cp.metadata = Record([("general.architecture", .string("zl.drain-state")), ("general.converted_from", .string("drain3 state \(baseName(file))"))])
  let info = try cp.write(to: output)
  printError("zl-pack: imported \(grouped(section.templates.count)) templates and \(grouped(section.nodes.count)) tree nodes" +
             (stale > 0 ? " (\(stale) evicted template ids dropped from the tree)" : "") + "; wrote \(output) (\(info.fileLength) bytes)")
  return .ok
}

let exportDrain3Command = Command(
  name: "export-drain3", summary: "write a checkpoint's Drain section as a Drain3 state file",
  usage: "export-drain3 MODEL.zlck -o STATE [--compress]",
  help: """
    Writes the jsonpickle JSON that Drain3's TemplateMiner.load_state reads (with --compress: zlib
    and base64, as Drain3's compress_state = True). Masks and the log format are not part of a Drain3
    state; they are printed on stderr for drain3.ini.
    """
) { args in
  guard let output = try args.outputFile("-o", "--output") else { throw args.error("missing -o STATE") }
  let compress = args.flag("--compress")
  let file = try args.finish(min: 1, max: 1, names: "MODEL.zlck")[0]
  let cp: Checkpoint
  cp = try Checkpoint.load(path: file)
  let d = try naming(file) {
    guard let d = cp.drain else { throw PackError(.missingSection, "has no Drain section (DRAN)") }
    return d
  }
  let json = Drain3State.exportState(d)
  if compress {
    try writeFileAtomically(output, base64Encode(try Zlib.deflate(Array(json.utf8))))
  } else {
    try writeFileAtomically(output, json)
  }
  printError("zl-pack: wrote \(output): \(d.templates.count) templates; log format '\(d.logFormat)', \(d.masks.count) masks (mask_prefix '\(d.maskPrefix)', mask_suffix '\(d.maskSuffix)')")
  return .ok
}
