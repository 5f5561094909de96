// Tool: subcommand dispatch, help text, and runMain, the one place that turns errors into a
// diagnostic line on stderr and an exit status (STYLE.md §3.4).

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif
import ZLBase

/// One subcommand of a tool.
public struct Command: Sendable {
  public let name: String
  public let summary: String
  /// The usage line without the tool name, e.g. `inspect FILE [--json]`.
  public let usage: String
  /// Longer help: options, one per line, and notes.
  public let help: String
  public let run: @Sendable (inout Arguments) throws -> ExitStatus

  public init(name: String, summary: String, usage: String, help: String,
              run: @escaping @Sendable (inout Arguments) throws -> ExitStatus) {
    self.name = name
    self.summary = summary
    self.usage = usage
    self.help = help
    self.run = run
  }
}

/// A tool made of subcommands (`zl-pack inspect ...`).
public struct Tool {
  public let name: String
  public let summary: String
  public let commands: [Command]
  /// When set, arguments that do not start with a known subcommand go to this one (zl-score).
  public let defaultCommand: String?

  public init(name: String, summary: String, commands: [Command], defaultCommand: String? = nil) {
    self.name = name
    self.summary = summary
    self.commands = commands
    self.defaultCommand = defaultCommand
  }

  /// The tool's help page.
  public var helpText: String {
    if commands.count == 1 && defaultCommand == commands[0].name {
      return "\(name) \(zlVersion): " + helpText(for: commands[0]) +
        "\nexit status: 0 ok, 1 documented negative result, 64 usage, 65 bad data, 66 missing input,\n" +
        "70 internal error, 73 cannot create output, 74 i/o error.\n"
    }
    var s = "\(name) \(zlVersion): \(summary)\n\nusage:\n"
    for c in commands { s += "  \(name) \(c.usage)\n" }
    s += "\ncommands:\n"
    let width = (commands.map { $0.name.count }.max() ?? 0) + 2
    for c in commands {
      s += "  " + c.name + String(repeating: " ", count: width - c.name.count) + c.summary + "\n"
    }
    s += "\nrun '\(name) help COMMAND' for a command's options.\n"
    s += "exit status: 0 ok, 1 documented negative result, 64 usage, 65 bad data, 66 missing input,\n"
    s += "70 internal error, 73 cannot create output, 74 i/o error.\n"
    return s
  }

  /// A subcommand's help page.
  public func helpText(for c: Command) -> String {
    "usage: \(name) \(c.usage)\n\n\(c.summary)\n" + (c.help.isEmpty ? "" : "\n\(c.help)\n")
  }

  /// Runs the tool on `args` (without the program name) and returns the exit status; errors are
  /// printed here. Used by `main` and by tests.
  public func run(_ args: [String]) -> ExitStatus {
    do {
      return try dispatch(args)
    } catch let e as BrokenPipe {
      _ = e
      return .ok
    } catch let e as UsageError {
      printError("\(name): error: \(e.message)")
      if let u = e.usage { printError("usage: \(name) \(u)") }
      if let h = e.helpCommand { printError("see '\(h)'") }
      return .usage
    } catch let e as any ToolError {
      printError("\(name): error: \(e.message)")
      if let h = e.hint { printError("hint: \(h)") }
      return e.exitStatus
    } catch {
      printError("\(name): error: internal error: \(error)")
      return .software
    }
  }

  private func dispatch(_ args: [String]) throws -> ExitStatus {
    guard let first = args.first else {
      if let d = defaultCommand, let c = commands.first(where: { $0.name == d }) {
        var a = Arguments([], usage: c.usage, helpCommand: "\(name) help \(c.name)")
        return try c.run(&a)
      }
      writeError(helpText)
      return .usage
    }
    if first == "--version" || first == "version" {
      let out = StandardOutput()
      try out.line("\(name) \(zlVersion)")
      try out.flush()
      return .ok
    }
    if first == "help" || first == "-h" || first == "--help" {
      let out = StandardOutput()
      if args.count > 1 {
        guard let c = commands.first(where: { $0.name == args[1] }) else {
          throw UsageError("unknown command '\(args[1])'", helpCommand: "\(name) help")
        }
        try out.write(helpText(for: c))
      } else {
        try out.write(helpText)
      }
      try out.flush()
      return .ok
    }
    var command = commands.first(where: { $0.name == first })
    var rest = Array(args.dropFirst())
    if command == nil, let d = defaultCommand {
      command = commands.first(where: { $0.name == d })
      rest = args
    }
    guard let c = command else {
      throw UsageError("unknown command '\(first)'", helpCommand: "\(name) help")
    }
    var a = Arguments(rest, usage: c.usage, helpCommand: "\(name) help \(c.name)")
    if a.wantsHelp() {
      let out = StandardOutput()
      try out.write(helpText(for: c))
      try out.flush()
      return .ok
    }
    return try c.run(&a)
  }
}

/// Runs a tool with the process arguments and exits with its status. Never returns.
public func runMain(_ tool: Tool) -> Never {
  // Temporary files removed on SIGTERM/SIGINT/SIGHUP; SIGXFSZ ignored (EFBIG is reported instead).
  ProcessCleanup.install()
  let status = tool.run(Array(CommandLine.arguments.dropFirst()))
  exit(status.rawValue)
}
