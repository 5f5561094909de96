// RunTool: runs a built executable of this package with arguments (and optional stdin), capturing
// stdout, stderr and the exit status, without Foundation (posix_spawn).

import ZLBase
#if canImport(Glibc)
  import Glibc
#endif

public struct ToolResult: CustomStringConvertible {
  public let status: Int32
  public let stdout: String
  public let stderr: String
  public var stderrLines: [String] { stderr.split(separator: "\n").map(String.init) }
  public var description: String { "status \(status)\nstdout: \(stdout.prefix(2000))\nstderr: \(stderr.prefix(2000))" }
}

/// The directory holding the built products (next to the test bundle), or $ZL_BIN.
public let productsDirectory: String = {
  if let d = environment("ZL_BIN") { return d }
  var exe = [CChar](repeating: 0, count: 4096)
  let n = readlink("/proc/self/exe", &exe, 4095)
  let path = n > 0 ? String(decoding: exe[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self) : CommandLine.arguments[0]
  var dir = directoryName(path)
  if dir.hasSuffix(".xctest") || dir.hasSuffix(".xctest/Contents/MacOS") { dir = directoryName(dir) }
  return dir
}()

/// Runs `tool` (a product name such as "zl-pack") and waits for it.
public func runTool(_ tool: String, _ args: [String], stdin: [UInt8]? = nil, environment env: [String: String] = [:]) throws -> ToolResult {
  let exe = tool.hasPrefix("/") ? tool : productsDirectory + "/" + tool
  let dir = try uniqueDirectory("zl-run")
  defer { for f in ["out", "err", "in"] { unlink(dir + "/" + f) }; rmdir(dir) }
  let outPath = dir + "/out", errPath = dir + "/err", inPath = dir + "/in"
  try writeFileAtomically(inPath, stdin ?? [])
  var actions = posix_spawn_file_actions_t()
  posix_spawn_file_actions_init(&actions)
  defer { posix_spawn_file_actions_destroy(&actions) }
  posix_spawn_file_actions_addopen(&actions, 0, inPath, O_RDONLY, 0)
  posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
  posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
  let argv = [exe] + args
  var cargs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
  defer { for p in cargs { free(p) } }
  var envList: [String] = []
  var k = 0
  while let e = environ[k] {
    envList.append(String(cString: e))
    k += 1
  }
  for (name, value) in env { envList.removeAll { $0.hasPrefix(name + "=") }; envList.append("\(name)=\(value)") }
  var cenv: [UnsafeMutablePointer<CChar>?] = envList.map { strdup($0) } + [nil]
  defer { for p in cenv { free(p) } }
  var pid: pid_t = 0
  let rc = posix_spawn(&pid, exe, &actions, nil, &cargs, &cenv)
  if rc != 0 { throw IOFailure.cannotOpen(path: exe, errno: rc) }
  var status: Int32 = 0
  while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
  let exit = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
  return ToolResult(status: exit, stdout: String(decoding: try readWholeFile(outPath), as: UTF8.self),
                    stderr: String(decoding: try readWholeFile(errPath), as: UTF8.self))
}

/// A new, empty directory under /tmp (mkdtemp), unique even when tests run in parallel.
public func uniqueDirectory(_ prefix: String) throws -> String {
  var template = Array("/tmp/\(prefix)-XXXXXX".utf8CString)
  guard template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) != nil else {
    throw IOFailure.cannotCreate(path: "/tmp/\(prefix)-XXXXXX", errno: errno)
  }
  return template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
}

/// A fresh scratch directory for one test.
public func scratchDirectory(_ name: String) throws -> String {
  try uniqueDirectory("zl-cli-" + name)
}

/// Starts `tool` (a product name) without waiting, with a clean signal state (nothing blocked or
/// ignored: the test runner may block or ignore some signals) and stdout/stderr to the files given
/// (nil: /dev/null). Returns its pid; the caller waits for it.
public func spawnTool(_ tool: String, _ args: [String], stdout: String? = nil, stderr: String? = nil) throws -> pid_t {
  let exe = productsDirectory + "/" + tool
  var actions = posix_spawn_file_actions_t()
  posix_spawn_file_actions_init(&actions)
  defer { posix_spawn_file_actions_destroy(&actions) }
  for (fd, path) in [(Int32(1), stdout), (Int32(2), stderr)] {
    if let path {
      posix_spawn_file_actions_addopen(&actions, fd, path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    } else {
      posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", O_WRONLY, 0)
    }
  }
  var attr = posix_spawnattr_t()
  posix_spawnattr_init(&attr)
  defer { posix_spawnattr_destroy(&attr) }
  var none = sigset_t(), all = sigset_t()
  sigemptyset(&none)
  sigfillset(&all)
  posix_spawnattr_setsigmask(&attr, &none)
  posix_spawnattr_setsigdefault(&attr, &all)
  posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
  var cargs: [UnsafeMutablePointer<CChar>?] = ([exe] + args).map { strdup($0) } + [nil]
  defer { for p in cargs { free(p) } }
  var pid: pid_t = 0
  let rc = posix_spawn(&pid, exe, &actions, &attr, &cargs, environ)
  if rc != 0 { throw IOFailure.cannotOpen(path: exe, errno: rc) }
  return pid
}
