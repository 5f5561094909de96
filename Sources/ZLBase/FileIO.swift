// FileIO: POSIX file access without Foundation (so zl-score stays small and starts fast):
// whole-file and positional reads, buffered chunk reading, and atomic writes (temp file in the
// same directory, fsync, rename). It does not interpret any bytes.

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif
import CZLSys

/// A failed file operation; the message names the path and the system's reason.
public enum IOFailure: ToolError, Equatable {
  case cannotOpen(path: String, errno: Int32)
  case notARegularFile(path: String)
  case readFailed(path: String, errno: Int32)
  case cannotCreate(path: String, errno: Int32)
  case writeFailed(path: String, errno: Int32)
  case tooLarge(path: String, size: UInt64, limit: UInt64)
  /// Compressed input that does not decompress (a truncated or corrupt gzip stream).
  case corruptData(path: String, detail: String)

  public var exitStatus: ExitStatus {
    switch self {
    case .cannotOpen, .notARegularFile: return .noInput
    case .readFailed, .writeFailed: return .ioError
    case .cannotCreate: return .cantCreate
    case .tooLarge, .corruptData: return .dataError
    }
  }

  public var namesItsFile: Bool { true }

  public var message: String {
    switch self {
    case .cannotOpen(let path, let e): return "\(path): cannot open (\(systemReason(e)))"
    case .notARegularFile(let path): return "\(path): not a regular file"
    case .readFailed(let path, let e): return "\(path): read failed (\(systemReason(e)))"
    case .cannotCreate(let path, let e): return "\(path): cannot create (\(systemReason(e)))"
    case .writeFailed(let path, let e): return "\(path): write failed (\(systemReason(e)))"
    case .tooLarge(let path, let size, let limit):
      return "\(path): file is \(size) bytes, over the limit of \(limit) bytes"
    case .corruptData(let path, let detail): return "\(path): \(detail)"
    }
  }
}

/// The C library's text for an errno value, lower-cased at the start ("no such file or directory").
public func systemReason(_ code: Int32) -> String {
  guard let c = strerror(code) else { return "errno \(code)" }
  var s = String(cString: c)
  if let first = s.first, first.isUppercase { s = first.lowercased() + s.dropFirst() }
  return s
}

/// An open file read by offset (pread), for readers that look at a few ranges of a large file.
public final class InputFile {
  public let path: String
  public let size: UInt64
  private let fd: Int32

  /// Opens `path` read-only.
  /// - Throws: `IOFailure.cannotOpen` (exit 66) or `.notARegularFile`.
  public init(path: String) throws {
    self.path = path
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    if fd < 0 { throw IOFailure.cannotOpen(path: path, errno: errno) }
    var st = stat()
    if fstat(fd, &st) != 0 {
      let e = errno
      close(fd)
      throw IOFailure.cannotOpen(path: path, errno: e)
    }
    if (st.st_mode & S_IFMT) != S_IFREG {
      close(fd)
      throw IOFailure.notARegularFile(path: path)
    }
    self.fd = fd
    self.size = UInt64(st.st_size)
  }

  deinit { close(fd) }

  /// Reads exactly `count` bytes at `offset`, or fewer only if the file ends first.
  /// - Throws: `IOFailure.readFailed`.
  public func read(at offset: UInt64, count: Int) throws -> [UInt8] {
    if count <= 0 { return [] }
    var out = [UInt8](repeating: 0, count: count)
    var done = 0
    try out.withUnsafeMutableBytes { buf in
      while done < count {
        let n = pread(fd, buf.baseAddress! + done, count - done, off_t(offset) + off_t(done))
        if n < 0 {
          if errno == EINTR { continue }
          throw IOFailure.readFailed(path: path, errno: errno)
        }
        if n == 0 { break }
        done += n
      }
    }
    if done < count { out.removeSubrange(done...) }
    return out
  }

  /// Reads the whole file, refusing files larger than `limit` before allocating.
  public func readAll(limit: UInt64 = .max) throws -> [UInt8] {
    if size > limit { throw IOFailure.tooLarge(path: path, size: size, limit: limit) }
    guard size <= UInt64(Int.max) else { throw IOFailure.tooLarge(path: path, size: size, limit: limit) }
    return try read(at: 0, count: Int(size))
  }
}

/// Reads a whole regular file.
/// - Throws: `IOFailure` (missing file: exit 66; too large: exit 65; read error: exit 74).
public func readWholeFile(_ path: String, limit: UInt64 = .max) throws -> [UInt8] {
  try InputFile(path: path).readAll(limit: limit)
}

/// A sequential byte source over a file descriptor (a file or standard input), read in chunks.
public final class ByteStream {
  public let path: String
  private let fd: Int32
  private let ownsDescriptor: Bool

  /// Opens `path` for sequential reading; "-" means standard input.
  public init(path: String) throws {
    self.path = path
    if path == "-" {
      fd = 0
      ownsDescriptor = false
      return
    }
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    if fd < 0 { throw IOFailure.cannotOpen(path: path, errno: errno) }
    var st = stat()
    if fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR {
      close(fd)
      throw IOFailure.notARegularFile(path: path)
    }
    self.fd = fd
    ownsDescriptor = true
  }

  deinit { if ownsDescriptor { close(fd) } }

  /// While waiting for input, calls this every `tickMilliseconds` (a stream's idle timer).
  public var onTick: (() throws -> Void)?
  public var tickMilliseconds: Int32 = 1000

  /// True when the source is a regular file (not a pipe, terminal or socket).
  public var isRegularFile: Bool {
    var st = stat()
    return fstat(fd, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG
  }

  /// Reads up to `buffer.count` bytes; returns 0 at end of input.
  public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
    if let tick = onTick {
      // Wait for input in ticks, so the caller can act on time passing (idle sessions).
      var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
      while true {
        let r = poll(&p, 1, tickMilliseconds)
        if r > 0 { break }
        if r < 0 && errno != EINTR { break }
        if ProcessCleanup.stopRequested { return 0 }
        try tick()
      }
    }
    while true {
      let n = Glibc.read(fd, buffer.baseAddress, buffer.count)
      if n < 0 {
        // A graceful stop (SIGTERM, SIGINT, SIGHUP in a streaming scorer) ends the input here.
        if errno == EINTR { if ProcessCleanup.stopRequested { return 0 } else { continue } }
        throw IOFailure.readFailed(path: path, errno: errno)
      }
      return n
    }
  }
}

/// True when `path` names an existing file system object.
public func fileExists(_ path: String) -> Bool {
  var st = stat()
  return stat(path, &st) == 0
}

/// True when `path` names an existing directory.
public func isDirectory(_ path: String) -> Bool {
  var st = stat()
  return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
}

/// Creates a directory (and its parents) if missing.
/// - Throws: `IOFailure.cannotCreate`.
public func makeDirectories(_ path: String) throws {
  if isDirectory(path) { return }
  var prefix = path.hasPrefix("/") ? "/" : ""
  for part in path.split(separator: "/") {
    prefix += part
    if !isDirectory(prefix) {
      if mkdir(prefix, 0o755) != 0 && errno != EEXIST {
        throw IOFailure.cannotCreate(path: prefix, errno: errno)
      }
    }
    prefix += "/"
  }
}

/// Lists the entries of a directory (names only, sorted bytewise, without "." and "..").
public func listDirectory(_ path: String) throws -> [String] {
  guard let dir = opendir(path) else { throw IOFailure.cannotOpen(path: path, errno: errno) }
  defer { closedir(dir) }
  var names: [String] = []
  while let entry = readdir(dir) {
    let name = withUnsafePointer(to: entry.pointee.d_name) {
      $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
    }
    if name != "." && name != ".." { names.append(name) }
  }
  return names.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
}

/// The directory part of a path ("." when there is none).
public func directoryName(_ path: String) -> String {
  guard let slash = path.lastIndex(of: "/") else { return "." }
  if slash == path.startIndex { return "/" }
  return String(path[..<slash])
}

/// The absolute path with every symbolic link and `.`/`..` resolved (realpath(3)); nil when a
/// component does not exist.
public func canonicalPath(_ path: String) -> String? {
  guard let p = realpath(path, nil) else { return nil }
  defer { free(p) }
  return String(cString: p)
}

/// The last component of a path.
public func baseName(_ path: String) -> String {
  guard let slash = path.lastIndex(of: "/") else { return path }
  return String(path[path.index(after: slash)...])
}

/// Writes a file atomically: the bytes go to a temporary file in the same directory, which is
/// flushed with fsync and renamed over `path`. A failure at any point removes the temporary file and
/// leaves any existing `path` untouched, so no half-written output is ever visible. The temporary
/// file is named `.NAME.zl-tmp-PID-XXXXXX`: SIGTERM, SIGINT and SIGHUP remove it (CZLSys), and
/// one left by a process that was killed outright (kill -9, power loss) is removed by the next
/// writer of the same NAME once its PID is gone. The result gets the mode 0666 less the umask,
/// as any file a program creates.
public final class AtomicFileWriter {
  public let path: String
  private let tempPath: String
  private var fd: Int32
  private var finished = false
  private var slot: Int32
  private var buffer: [UInt8] = []
  private static let bufferLimit = 1 << 20

  /// Creates the temporary file next to `path`.
  /// - Throws: `IOFailure.cannotCreate` (exit 73) when the directory is missing or not writable.
  public init(path: String) throws {
    self.path = path
    ProcessCleanup.install()
    let dir = directoryName(path)
    AtomicFileWriter.removeStaleTemporaries(directory: dir, name: baseName(path))
    var template = Array((dir + "/." + baseName(path) + ".zl-tmp-\(getpid())-XXXXXX").utf8CString)
    var slot: Int32 = -1
    let fd = template.withUnsafeMutableBufferPointer { zlsys_create_temp($0.baseAddress!, &slot) }
    if fd < 0 { throw IOFailure.cannotCreate(path: path, errno: errno) }
    self.fd = fd
    self.slot = slot
    self.tempPath = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    buffer.reserveCapacity(Self.bufferLimit)
  }

  /// Removes `.NAME.zl-tmp-PID-*` files in `directory` whose process no longer exists.
  static func removeStaleTemporaries(directory: String, name: String) {
    let prefix = "." + name + ".zl-tmp-"
    guard let names = try? listDirectory(directory) else { return }
    for f in names where f.hasPrefix(prefix) {
      let rest = f.dropFirst(prefix.count)
      guard let dash = rest.firstIndex(of: "-"), let pid = Int32(rest[..<dash]), pid > 0, rest.distance(from: dash, to: rest.endIndex) == 7 else { continue }
      if kill(pid, 0) != 0 && errno == ESRCH { unlink(directory + "/" + f) }
    }
  }

  deinit { if !finished { abandon() } }

  /// The number of bytes written so far.
  public private(set) var position: UInt64 = 0

  /// Appends bytes.
  public func write(_ bytes: UnsafeRawBufferPointer) throws {
    position += UInt64(bytes.count)
    if buffer.count + bytes.count <= Self.bufferLimit {
      buffer.append(contentsOf: bytes)
      return
    }
    try flushBuffer()
    if bytes.count >= Self.bufferLimit {
      try writeRaw(bytes)
    } else {
      buffer.append(contentsOf: bytes)
    }
  }

  public func write(_ bytes: [UInt8]) throws {
    try bytes.withUnsafeBytes { try write($0) }
  }

  public func write(_ bytes: ArraySlice<UInt8>) throws {
    try bytes.withUnsafeBytes { try write($0) }
  }

  /// Overwrites bytes at an absolute offset already written (e.g. to patch a header).
  public func patch(at offset: UInt64, _ bytes: [UInt8]) throws {
    try flushBuffer()
    var done = 0
    try bytes.withUnsafeBytes { buf in
      while done < buf.count {
        let n = pwrite(fd, buf.baseAddress! + done, buf.count - done, off_t(offset) + off_t(done))
        if n < 0 {
          if errno == EINTR { continue }
          throw IOFailure.writeFailed(path: path, errno: errno)
        }
        done += n
      }
    }
  }

  private func flushBuffer() throws {
    if buffer.isEmpty { return }
    try buffer.withUnsafeBytes { try writeRaw($0) }
    buffer.removeAll(keepingCapacity: true)
  }

  private func writeRaw(_ bytes: UnsafeRawBufferPointer) throws {
    var done = 0
    while done < bytes.count {
      let n = Glibc.write(fd, bytes.baseAddress! + done, bytes.count - done)
      if n < 0 {
        if errno == EINTR { continue }
        throw IOFailure.writeFailed(path: path, errno: errno)
      }
      done += n
    }
  }

  /// Flushes, syncs and renames the temporary file over the destination.
  public func commit() throws {
    do {
      try flushBuffer()
      if fchmod(fd, mode_t(0o666 & ~ProcessCleanup.umask)) != 0 { throw IOFailure.writeFailed(path: path, errno: errno) }
      if fsync(fd) != 0 { throw IOFailure.writeFailed(path: path, errno: errno) }
      if close(fd) != 0 {
        fd = -1
        throw IOFailure.writeFailed(path: path, errno: errno)
      }
      fd = -1
      if rename(tempPath, path) != 0 { throw IOFailure.cannotCreate(path: path, errno: errno) }
      zlsys_unregister_temp(slot)
      finished = true
    } catch {
      abandon()
      throw error
    }
  }

  /// Removes the temporary file; the destination is left as it was.
  public func abandon() {
    if fd >= 0 {
      close(fd)
      fd = -1
    }
    unlink(tempPath)
    zlsys_unregister_temp(slot)
    finished = true
  }
}

/// The tools' process-wide handling of signals and limits (the one Swift wrapper of CZLSys).
public enum ProcessCleanup {
  /// Installs the handlers once: temporary files removed on SIGTERM/SIGINT/SIGHUP, SIGXFSZ ignored
  /// (a write past `ulimit -f` then fails with EFBIG and is reported with exit 74).
  public static func install() { zlsys_install_handlers() }

  /// Graceful mode: SIGTERM, SIGINT and SIGHUP ask the process to stop (see `stopRequested`) instead
  /// of ending it; the same signal again ends it at once.
  public static func setGraceful(_ on: Bool) { zlsys_set_graceful(on ? 1 : 0) }

  /// True once a signal asked a graceful process to stop: reads return end of input.
  public static var stopRequested: Bool { zlsys_stop_requested() != 0 }

  /// The signal that asked for the stop (0: none).
  public static var stopSignal: Int32 { zlsys_stop_requested() }

  /// The usual name of a signal number (SIGTERM, …).
  public static func name(of signal: Int32) -> String {
    switch signal {
    case SIGTERM: return "SIGTERM"
    case SIGINT: return "SIGINT"
    case SIGHUP: return "SIGHUP"
    default: return "signal \(signal)"
    }
  }

  /// The file-creation mask, read once.
  public static let umask: UInt32 = UInt32(zlsys_umask())
}

/// Writes `bytes` to `path` atomically (see `AtomicFileWriter`).
public func writeFileAtomically(_ path: String, _ bytes: [UInt8]) throws {
  let w = try AtomicFileWriter(path: path)
  do {
    try w.write(bytes)
    try w.commit()
  } catch {
    w.abandon()
    throw error
  }
}

/// Writes a string to a file atomically.
public func writeFileAtomically(_ path: String, _ text: String) throws {
  try writeFileAtomically(path, Array(text.utf8))
}

/// Removes a file, ignoring errors (for scratch files).
public func unlinkQuietly(_ path: String) { _ = unlink(path) }

/// Checks up front that `path` could be created (its directory exists and is writable), so a long
/// job does not fail only when it writes its result.
/// - Throws: `IOFailure.cannotCreate` naming the path.
public func checkCanCreate(_ path: String) throws {
  let dir = directoryName(path)
  if access(dir, W_OK) != 0 { throw IOFailure.cannotCreate(path: path, errno: errno) }
  if isDirectory(path) { throw IOFailure.cannotCreate(path: path, errno: EISDIR) }
}

/// True when `path` names a regular file (not a pipe, FIFO, device or directory).
public func isRegularFile(_ path: String) -> Bool {
  var st = stat()
  return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG
}

/// What tells one version of a file from another without reading it: device, inode, size and
/// modification time. Readers that pass over a file several times (zl-train streams its logs)
/// compare it before each pass.
public struct FileIdentity: Equatable, Sendable {
  public var device: UInt64
  public var inode: UInt64
  public var size: UInt64
  public var modifiedSeconds: Int64
  public var modifiedNanoseconds: Int64

  /// The identity of `path` now.
  /// - Throws: `IOFailure.cannotOpen` when it cannot be looked at.
  public init(path: String) throws {
    var st = stat()
    if stat(path, &st) != 0 { throw IOFailure.cannotOpen(path: path, errno: errno) }
    device = UInt64(st.st_dev)
    inode = UInt64(st.st_ino)
    size = UInt64(st.st_size)
    #if canImport(Darwin)
      modifiedSeconds = Int64(st.st_mtimespec.tv_sec)
      modifiedNanoseconds = Int64(st.st_mtimespec.tv_nsec)
    #else
      modifiedSeconds = Int64(st.st_mtim.tv_sec)
      modifiedNanoseconds = Int64(st.st_mtim.tv_nsec)
    #endif
  }
}
