// zl-pack: the checkpoint toolbox. Wiring only; the work is in ZLFormat (and ZLScoring for the
// model profile check, ZLDrain for Drain3 state).

import ZLCommandLine

runMain(Tool(
  name: "zl-pack",
  summary: "inspect, verify, edit, convert and bundle .zlck checkpoints",
  commands: [
    inspectCommand, verifyCommand, diffCommand, setMetaCommand, convertCommand, extractCommand, buildCommand,
    importDrain3Command, exportCommand, exportDrain3Command, importCommand, cardCommand,
  ]))
