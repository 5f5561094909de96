// ToolError: the one protocol every error a user can cause conforms to, with the exit status it
// maps to (sysexits, STYLE.md §3.4). Printing and exiting happen in ZLCommandLine.runMain only.

/// Process exit statuses shared by all zl tools (BSD sysexits where one fits).
public enum ExitStatus: Int32, Sendable {
  /// Success, including "scored fine and found anomalies".
  case ok = 0
  /// A documented negative result: `zl-score --fail-on-anomaly` found one, `zl-pack verify` found a problem.
  case negative = 1
  /// EX_USAGE: unknown flag or subcommand, bad flag value.
  case usage = 64
  /// EX_DATAERR: corrupt or unsupported input data.
  case dataError = 65
  /// EX_NOINPUT: an input path does not exist or cannot be opened.
  case noInput = 66
  /// EX_SOFTWARE: a broken invariant, i.e. a bug in zl.
  case software = 70
  /// EX_CANTCREAT: an output file cannot be created.
  case cantCreate = 73
  /// EX_IOERR: a read or write failed part-way.
  case ioError = 74
}

/// An error with a one-line, lower-case message naming the file, the object and what was wrong.
public protocol ToolError: Error, CustomStringConvertible {
  /// How the process should exit when this error ends it.
  var exitStatus: ExitStatus { get }
  /// One line, lower-case, no trailing period; the file name is added by whoever knows it.
  var message: String { get }
  /// An optional second line telling the user what to do.
  var hint: String? { get }
  /// True when the message already starts with the file it is about (`IOFailure`, `ContextError`),
  /// so `naming` leaves it alone.
  var namesItsFile: Bool { get }
}

extension ToolError {
  public var hint: String? { nil }
  public var description: String { message }
}

/// An error with its file name (or other context) in front of the message. Made by `naming`, the
/// one way to add a file name to an error.
public struct ContextError: ToolError {
  public let context: String
  public let underlying: any ToolError
  public init(_ context: String, _ underlying: any ToolError) {
    self.context = context
    self.underlying = underlying
  }
  public var exitStatus: ExitStatus { underlying.exitStatus }
  public var message: String { "\(context): \(underlying.message)" }
  public var hint: String? { underlying.hint }
  public var namesItsFile: Bool { true }
}

extension ToolError {
  public var namesItsFile: Bool { false }
}

/// A domain's data error: one code per check (its raw value ends the message in brackets, which
/// tests and users match on) and a detail naming the object and what was wrong. Exit 65.
public protocol CodedError: ToolError {
  associatedtype Code: RawRepresentable where Code.RawValue == String
  var code: Code { get }
  var detail: String { get }
}

extension CodedError {
  public var exitStatus: ExitStatus { .dataError }
  public var message: String { "\(detail) [\(code.rawValue)]" }
}

/// Runs `body`; an error it throws that does not already name its file gets `context` (a file name)
/// in front. Any other error is a bug and becomes an `InternalError` (exit 70), named likewise.
public func naming<T>(_ context: String, _ body: () throws -> T) throws -> T {
  do {
    return try body()
  } catch let e as any ToolError {
    if e.namesItsFile { throw e }
    throw ContextError(context, e)
  } catch {
    throw ContextError(context, InternalError("\(error)"))
  }
}

/// The error inside any `ContextError` wrappers (for callers that dispatch on the error's type).
public func rootError(_ e: any Error) -> any Error {
  var e = e
  while let c = e as? ContextError { e = c.underlying }
  return e
}

/// A broken invariant: a bug, reported instead of trapping.
public struct InternalError: ToolError {
  public let message: String
  public var exitStatus: ExitStatus { .software }
  public init(_ message: String) { self.message = "internal error: " + message }
}
