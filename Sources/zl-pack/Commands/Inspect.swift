// zl-pack inspect: header and section table only (fast, no section bodies read).

import ZLBase
import ZLCommandLine
import ZLFormat

let inspectCommand = Command(
  name: "inspect", summary: "list the header and sections (reads only header, table and trailer)",
  usage: "inspect FILE [--json]",
  help: """
    options:
      --json    print the listing as JSON (the form Tools/zlck.py prints too)

    Section bodies are not read or verified; use 'zl-pack verify' for that.
    """
) { args in
  let json = args.flag("--json")
  let file = try args.finish(min: 1, max: 1, names: "FILE")[0]
  let info: ContainerInfo
  info = try ContainerReader.inspect(path: file)
  let out = StandardOutput()
  try out.write(json ? info.json.serialized(indent: 2) + "\n" : info.text)
  try out.flush()
  return .ok
}
