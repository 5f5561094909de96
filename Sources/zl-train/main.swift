// zl-train: learns anomaly detectors and parses logs. Wiring only; the work is in the libraries.

import ZLCommandLine

runMain(Tool(
  name: "zl-train",
  summary: "parse logs with Drain and train cross-system log anomaly detectors",
  commands: [fitCommand, evalCommand, reportCommand, parseCommand]))
