// zl-train parse: Drain as a tool, with logparser-compatible CSV output.

import ZLBase
import ZLCommandLine
import ZLDrain
import ZLFormat

let parseCommand = Command(
  name: "parse", summary: "parse logs into templates (CSV LineId,EventId,EventTemplate on stdout)",
  usage: "parse (--preset NAME | --log-format FMT) [--mask NAME=REGEX]... [--depth N] [--sim X] FILE...",
  help: """
    Learns Drain templates over all lines of the files (plain or gzip; '-' is standard input), then
    prints one CSV row per input line with the final template of its cluster, LineId from 1. Lines
    whose header does not match the format are parsed whole. A summary goes to stderr.

    options:
    \(ParserOptions.help)
      --drain3-compatible    Drain3's similarity, where a named mask token (<IP>) counts as a matching word;
                             by default it counts as a parameter, as <*> does, and the template keeps its
                             name (Drain3 with named masks merges what <*> keeps apart: Proxifier's grouping
                             accuracy falls from 0.53 to 0.03). Masks named '*' behave the same either way.
      --threads 1|2          2 (default): lines are read and masked on a second thread while Drain learns
                             them on this one; the output is the same with 1
      --max-line-length N    cut longer lines (counted in the summary; default 1048576 bytes)
      --json                 print the summary on stderr as one JSON line (--json-summary: old spelling, kept until 0.3)
      --quiet                no summary and no progress
    """
) { args in
  var opts = try ParserOptions.parse(&args)
  opts.settings.maskAwareSimilarity = !args.flag("--drain3-compatible")
  let maxLine = try args.int("--max-line-length", in: 64...(1 << 30)) ?? (1 << 20)
  let jsonSummary = args.flag("--json", "--json-summary")
  let quiet = args.flag("--quiet")
  let threads = try args.int("--threads", in: 1...2) ?? 2
  let files = try args.finish(min: 1, names: "FILE")
  let out = StandardOutput(bufferSize: 1 << 20)
  try out.line("LineId,EventId,EventTemplate")
  let summary = try ParseRun.run(settings: opts.settings, files: files, maxLineLength: maxLine, threads: threads,
                                 progress: quiet ? nil : Progress("zl-train parse")) { try out.write(bytes: $0) }
  try out.flush()
  let rate = Double(summary.lines) / max(summary.seconds, 1e-9)
  if quiet {
    return .ok
  } else if jsonSummary {
    printError(JSON.object([
      ("lines", .integer(Int64(summary.lines))), ("templates", .integer(Int64(summary.templates))),
      ("unmatched_format", .integer(Int64(summary.unmatchedFormat))), ("truncated", .integer(Int64(summary.truncated))),
      ("repaired_utf8", .integer(Int64(summary.repaired))), ("pattern_cut_short", .integer(Int64(summary.patternCutShort))),
      ("seconds", .number(summary.seconds)), ("lines_per_s", .number(rate)),
    ]).serialized())
  } else {
    var line = "zl-train: parsed \(grouped(summary.lines)) lines from \(summary.files) file\(summary.files == 1 ? "" : "s") in \(fixed(summary.seconds)) s (\(grouped(Int(rate))) lines/s): \(grouped(summary.templates)) templates"
    if summary.unmatchedFormat > 0 { line += "; \(grouped(summary.unmatchedFormat)) lines did not match the log format (parsed whole)" }
    if summary.truncated > 0 { line += "; \(grouped(summary.truncated)) lines cut at \(maxLine) bytes" }
    if summary.repaired > 0 { line += "; \(grouped(summary.repaired)) lines were not valid UTF-8 (repaired)" }
    if summary.patternCutShort > 0 {
      line += "; \(grouped(summary.patternCutShort)) lines where a pattern gave up at its work budget (masks not all applied, or the header not split)"
    }
    printError(line)
  }
  return .ok
}
