// zl-bench: benchmarks (not needed by users). Each subcommand prints one JSON line of figures.

import ZLCommandLine

runMain(Tool(
  name: "zl-bench",
  summary: "benchmarks for the format, the front end and the network (prints JSON lines)",
  commands: [formatBenchCommand, parseBenchCommand, frontEndBenchCommand, networkBenchCommand]))
