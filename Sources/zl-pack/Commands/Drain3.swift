// zl-pack import-drain3 / export-drain3: Drain3 state files to and from .zlck Drain sections.

import ZLBase
import ZLCommandLine
import ZLDrain
import ZLCheckpoint
import ZLFormat
import ZLProfile

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

let exportCommand = Command(
  name: "export", summary: "write a model for other tools: drain3 (state + drain3.ini) or onnx",
  usage: "export drain3 MODEL.zlck -o STATE [--ini drain3.ini] [--compress] | export onnx MODEL.zlck -o MODEL.onnx",
  help: """
    drain3: the checkpoint's Drain state as the jsonpickle JSON that Drain3 0.9.11's
      TemplateMiner.load_state reads (--compress: zlib + base64, as compress_state = True), and a
      drain3.ini (default: drain3.ini next to STATE) with the masks (with (?a): zl-re/1 is Python re
      with re.ASCII), mask prefix and suffix, the [DRAIN] settings and [SNAPSHOT] compress_state,
      '%' escaped for configparser. Drain3 spells its wildcard mask_prefix + '*' + mask_suffix: when
      zl's differs ('<*>' with the detection presets' '[' ']'), the state is written with Drain3's
      spelling (said on stderr). Given each line's <Content> field, Drain3 then matches lines to the
      same templates as zl; what Drain3 cannot represent is refused with the reason.
    onnx: the network of a zl.bigru-attn model as an ONNX model (opset 17): inputs events [batch, time, E]
      (each session's last model.max_length event inputs, Formats/scoring-v1.md §10, zero-padded) and
      lengths [batch] (int32, 1..time); output p_anomaly [batch]. ONNX's GRU takes the lengths, so
      padded batches of mixed lengths give zl-score's probabilities. (A zl.hybrid model has no network.)

    options:
      -o, --output FILE    the state (drain3) or the .onnx file (onnx)
      --ini FILE           drain3: where to write drain3.ini
      --compress           drain3: zlib + base64 state
    """
) { args in
  guard let output = try args.outputFile("-o", "--output") else { throw args.error("missing -o FILE") }
  let iniOption = try args.outputFile("--ini")
  let compress = args.flag("--compress")
  let positional = try args.finish(min: 2, max: 2, names: "FORMAT MODEL.zlck")
  switch positional[0] {
  case "drain3":
    let ini = iniOption ?? (directoryName(output) + "/drain3.ini")
    try exportDrain3(file: positional[1], output: output, ini: ini, compress: compress)
  case "onnx":
    if iniOption != nil || compress { throw args.error("--ini and --compress are for drain3") }
    try exportONNX(file: positional[1], output: output)
  default:
    throw args.error("unknown export format '\(positional[0])' (drain3, onnx)")
  }
  return .ok
}

func exportDrain3(file: String, output: String, ini: String?, compress: Bool) throws {
  let cp = try Checkpoint.load(path: file)
  let d = try naming(file) {
    guard let d = cp.drain else { throw PackError(.missingSection, "has no Drain section (DRAN)") }
    return d
  }
  let export = try naming(file) { try Drain3State.export(d, compressed: compress) }
  let json = Drain3State.exportState(export.state)
  let state = compress ? Array(base64Encode(try Zlib.deflate(Array(json.utf8))).utf8) : Array(json.utf8)
  try writeFileAtomically(output, state)
  if let ini { try writeFileAtomically(ini, Array(export.ini.utf8)) }
  if let r = export.respelled {
    printError("zl-pack: note: Drain3 spells the wildcard '\(r.to)' (mask_prefix + '*' + mask_suffix); the state uses it where zl's templates have '\(r.from)'")
  }
  printError("zl-pack: wrote \(output) (\(d.templates.count) templates)" + (ini.map { " and \($0)" } ?? "") +
             "; give Drain3 the <Content> field of each line (log format '\(d.logFormat)')")
}

/// The old spelling of `export drain3` (kept until 0.3).
let exportDrain3Command = Command(
  name: "export-drain3", summary: "the old spelling of 'export drain3' (kept until 0.3)",
  usage: "export-drain3 MODEL.zlck -o STATE [--ini drain3.ini] [--compress]",
  help: """
    The same as 'zl-pack export drain3 MODEL.zlck -o STATE' (see 'zl-pack help export'), except that
    drain3.ini is written only when --ini is given.
    """
) { args in
  guard let output = try args.outputFile("-o", "--output") else { throw args.error("missing -o STATE") }
  let ini = try args.outputFile("--ini")
  let compress = args.flag("--compress")
  let file = try args.finish(min: 1, max: 1, names: "MODEL.zlck")[0]
  try exportDrain3(file: file, output: output, ini: ini, compress: compress)
  return .ok
}

func exportONNX(file: String, output: String) throws {
  let cp = try Checkpoint.load(path: file)
  let bytes = try naming(file) { try ONNXExport.model(cp) }
  try writeFileAtomically(output, bytes)
  printError("zl-pack: wrote \(output) (\(bytes.count) bytes, ONNX opset \(ONNXExport.opset)): inputs events [batch, time, E] (each session's last max_length event inputs, zero-padded) and lengths [batch] (int32); output p_anomaly [batch]")
}

let importCommand = Command(
  name: "import", summary: "make a model from what other tools wrote: pytorch (safetensors + settings)",
  usage: "import pytorch WEIGHTS.safetensors --settings SETTINGS.json --front-end MODEL.zlck -o OUT.zlck",
  help: """
    pytorch: a network trained in PyTorch and saved with safetensors becomes a zl.bigru-attn model.
      SETTINGS.json names its parameters: {"gru": PREFIX of the nn.GRU (PREFIX.weight_ih_l0, ...),
      "attention": {"kind": "additive", "guide": NAME, "weight": NAME, "bias": NAME} or {"kind": "qkv",
      "query": NAME, "key": NAME, "value": NAME}, "classifier": PREFIX of the nn.Linear(F, 2), and
      optionally "max_length" (500), "threshold" (0.5), "severity_features" (0 or 3), "name"}. Shapes
      [1, N] are taken as [N]. Layers, directions and sizes come from the tensors. The front end (Drain
      state, vocabulary, GloVe subset, session rule, levels) is taken from --front-end, a zl model
      trained with a network method, whose GloVe dimension must be the GRU's input size. A torch.save
      file is recognised and refused with the way to write safetensors. (Drain3 states: import-drain3.)

    options:
      --settings FILE     the names and options above
      --front-end MODEL   the zl model whose front end the network reads
      -o, --output OUT    the checkpoint (atomic; checked as zl-score checks it before it is written)
    """
) { args in
  guard let output = try args.outputFile("-o", "--output") else { throw args.error("missing -o OUT.zlck") }
  guard let settings = try args.option("--settings") else { throw args.error("missing --settings SETTINGS.json") }
  guard let frontEnd = try args.option("--front-end") else { throw args.error("missing --front-end MODEL.zlck") }
  let positional = try args.finish(min: 2, max: 2, names: "FORMAT WEIGHTS")
  guard positional[0] == "pytorch" else { throw args.error("unknown import format '\(positional[0])' (pytorch; Drain3 states: import-drain3)") }
  let base = try Checkpoint.load(path: frontEnd)
  let cp = try PyTorchImport.checkpoint(weightsPath: positional[1], settingsPath: settings, frontEnd: base, frontEndPath: frontEnd)
  let info = try cp.write(to: output)
  let hp = try ModelProfile.hyperParameters(from: cp.metadata!)
  printError("zl-pack: imported a \(hp.bidirectional ? "bidirectional " : "")\(hp.layers)-layer GRU (hidden \(hp.hiddenSize), input \(hp.inputSize), \(hp.attention.rawValue) attention); wrote \(output) (\(info.fileLength) bytes)")
  return .ok
}
