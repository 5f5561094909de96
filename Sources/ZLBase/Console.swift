// Console: standard output (buffered, results only) and standard error (diagnostics and progress),
// written with write(2) so no Foundation is needed. A closed pipe on stdout (`| head`) becomes the
// `BrokenPipe` error, which runMain turns into a quiet, successful exit.

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// Standard output closed by the reader (EPIPE); not a failure of ours.
public struct BrokenPipe: ToolError {
  public init() {}
  public var exitStatus: ExitStatus { .ok }
  public var message: String { "output closed by reader" }
}

/// Writes all bytes to a descriptor, retrying on EINTR.
@discardableResult
func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Int32 {
  var done = 0
  while done < bytes.count {
    let n = write(fd, bytes.baseAddress! + done, bytes.count - done)
    if n < 0 {
      if errno == EINTR { continue }
      return errno
    }
    done += n
  }
  return 0
}

/// Writes a line (a newline is added) to standard error, unbuffered.
public func printError(_ line: String) {
  var s = line
  s.append("\n")
  s.withUTF8 { _ = writeAll(2, UnsafeRawBufferPointer($0)) }
}

/// Writes text to standard error without adding a newline (progress lines use "\r").
public func writeError(_ text: String) {
  var s = text
  s.withUTF8 { _ = writeAll(2, UnsafeRawBufferPointer($0)) }
}

/// Buffered standard output. Call `flush()` at record boundaries that must be visible promptly.
public final class StandardOutput: @unchecked Sendable {
  private var buffer: [UInt8] = []
  private let limit: Int

  public init(bufferSize: Int = 1 << 16) {
    limit = bufferSize
    buffer.reserveCapacity(bufferSize)
    // A closed pipe must surface as EPIPE, not kill the process before it can clean up.
    signal(SIGPIPE, SIG_IGN)
  }

  /// Appends text; flushes when the buffer is full.
  public func write(_ text: String) throws {
    var s = text
    s.withUTF8 { buffer.append(contentsOf: $0) }
    if buffer.count >= limit { try flush() }
  }

  /// Appends raw bytes.
  public func write(bytes: [UInt8]) throws {
    buffer.append(contentsOf: bytes)
    if buffer.count >= limit { try flush() }
  }

  /// Appends raw bytes.
  public func write(bytes: UnsafeBufferPointer<UInt8>) throws {
    buffer.append(contentsOf: bytes)
    if buffer.count >= limit { try flush() }
  }

  /// Appends text followed by a newline.
  public func line(_ text: String) throws {
    try write(text)
    buffer.append(10)
    if buffer.count >= limit { try flush() }
  }

  /// Writes out everything buffered.
  /// - Throws: `BrokenPipe` when the reader went away, `IOFailure.writeFailed` otherwise.
  public func flush() throws {
    if buffer.isEmpty { return }
    let e = buffer.withUnsafeBytes { writeAll(1, $0) }
    buffer.removeAll(keepingCapacity: true)
    if e == EPIPE { throw BrokenPipe() }
    if e != 0 { throw IOFailure.writeFailed(path: "<stdout>", errno: e) }
  }
}

/// Seconds on a monotonic clock, for throughput and progress figures.
public func monotonicSeconds() -> Double {
  var ts = timespec()
  clock_gettime(CLOCK_MONOTONIC, &ts)
  return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

/// CPU seconds used by the calling thread. On a shared VM, wall time also counts time the host
/// gave to others (steal); benchmarks report rates by both clocks.
public func threadCPUSeconds() -> Double {
  var ts = timespec()
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
  return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

/// The value of an environment variable, if set.
public func environment(_ name: String) -> String? {
  guard let v = getenv(name) else { return nil }
  return String(cString: v)
}

/// Peak resident set size of this process in bytes (from getrusage; Linux reports KiB).
public func peakResidentBytes() -> UInt64 {
  var usage = rusage()
  getrusage(Int32(RUSAGE_SELF.rawValue), &usage)
  return UInt64(usage.ru_maxrss) * 1024
}

/// True when standard error is a terminal (progress lines may then use carriage returns).
public func standardErrorIsTerminal() -> Bool { isatty(2) != 0 }

/// The width of the terminal on standard error (nil when it is not one, or does not say).
public func standardErrorColumns() -> Int? {
  guard isatty(2) != 0 else { return nil }
  var w = winsize()
  guard ioctl(2, UInt(TIOCGWINSZ), &w) == 0, w.ws_col > 0 else { return nil }
  return Int(w.ws_col)
}

/// Lines written to a file descriptor the caller opened for us (`--progress-json 3` with `3>file`
/// or a pipe to a dashboard). A reader that goes away stops the lines, not the work.
public final class DescriptorWriter {
  public let fd: Int32
  /// False once a write failed (the reader closed its end): later lines are dropped.
  public private(set) var isOpen = true

  /// - Throws: a message naming the descriptor when it is not open for writing.
  public init(fd: Int32) throws {
    let flags = fcntl(fd, F_GETFL)
    if fd < 0 || flags < 0 { throw DescriptorError(fd: fd, detail: "is not open (open it in the shell: \(fd)>FILE or \(fd)>&1)") }
    if flags & O_ACCMODE == O_RDONLY { throw DescriptorError(fd: fd, detail: "is open for reading only") }
    self.fd = fd
    // A closed pipe must surface as EPIPE, not end the process.
    signal(SIGPIPE, SIG_IGN)
  }

  /// Writes `line` and a newline; returns false (and stays closed) when the write fails.
  @discardableResult
  public func writeLine(_ line: String) -> Bool {
    guard isOpen else { return false }
    var s = line
    s.append("\n")
    let e = s.withUTF8 { writeAll(fd, UnsafeRawBufferPointer($0)) }
    if e != 0 { isOpen = false }
    return e == 0
  }
}

/// A descriptor given on the command line that cannot take lines (exit 64: how the tool was called).
public struct DescriptorError: ToolError {
  public let fd: Int32
  public let detail: String
  public var exitStatus: ExitStatus { .usage }
  public var message: String { "file descriptor \(fd) \(detail)" }
}
