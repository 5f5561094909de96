// zl-pack card: the model card a checkpoint carries (CARD, zlck-v1.md §8.12) as Markdown or JSON,
// and a card (edited JSON) stored back into a checkpoint.

import ZLBase
import ZLCheckpoint
import ZLCommandLine
import ZLFormat
import ZLProfile

let cardCommand = Command(
  name: "card", summary: "print the model card a checkpoint carries (Markdown, or --json); --set stores an edited one",
  usage: "card MODEL.zlck [--json] | card MODEL.zlck --set CARD.json -o OUT.zlck",
  help: """
    A model card is what a model is, what it was trained on (systems, files by SHA-256, sessions,
    settings), how well it does on held-out target sessions (mean ± sd and the 95 % interval over
    splits, beside the label-free baselines) and its known limits. zl-train fit stores it in the
    checkpoint (section CARD: ancillary, safe to copy, never read by scorers).

    Markdown goes to standard output with front matter in the style of Hugging Face model cards
    (library_name, tags, model-index with the held-out metrics), so it can be saved as README.md.

    options:
      --json            the card as JSON (schema zl-card/1); reading it back gives the same card
      --set CARD.json   store this card (JSON, e.g. the output of --json, edited) in the model, written
                        to -o; every other section is kept. The card is checked as a reader checks it.
      -o OUT.zlck       where --set writes (may equal MODEL; the write is atomic)
    exit status: 0 printed or written; 65 the model (or CARD.json) is damaged or holds no card.
    """
) { args in
  let json = args.flag("--json")
  let setPath = try args.option("--set")
  let output = try args.outputFile("-o", "--output")
  let files = try args.finish(min: 1, max: 1, names: "MODEL.zlck")
  if setPath != nil && output == nil { throw args.error("--set needs -o OUT.zlck") }
  if setPath == nil && output != nil { throw args.error("-o is for --set: the card is printed on standard output") }
  if setPath != nil && json { throw args.error("--json prints a card; --set stores one: give one of them") }
  var cp = try Checkpoint.load(path: files[0])
  if let setPath, let output {
    try checkCanCreate(output)
    let doc = try naming(setPath) { try JSONParser().parse(try readWholeFile(setPath, limit: 16 << 20)) }
    cp.card = try naming(setPath) { try ModelCard(json: doc) }
    let info = try cp.write(to: output)
    printError("zl-pack: wrote \(output) (\(info.fileLength) bytes, content \(hexString(info.contentDigest).prefix(16))…)")
    return .ok
  }
  guard let card = cp.card else {
    throw PackError(.missingSection, "\(files[0]): the model holds no card (section CARD); zl-train fit stores one, zl-pack card --set adds one")
  }
  let out = StandardOutput()
  try out.write(json ? card.json.serialized(indent: 2) + "\n" : card.markdown)
  try out.flush()
  return .ok
}
