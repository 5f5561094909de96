// Hostile conditions for writers (issue 19): a signal in the middle of a write leaves no stray
// temporary file, a temporary file left by a process killed outright is swept by the next writer
// of the same name, a write past `ulimit -f` is an error with exit 74 (not a silent SIGXFSZ death),
// outputs honour the umask, and `-o -` is refused.

#if canImport(Glibc)
  import Glibc
#endif
import Testing
import ZLBase
import ZLCheckpoint
import ZLFormat
import _ZLTestSupport

/// A 40 MB checkpoint (one f32 tensor), so that converting it takes long enough to be interrupted.
let bigCheckpoint: String? = {
  guard let dir = try? scratchDirectory("big") else { return nil }
  var cp = Checkpoint()
  cp.metadata = Record([("general.architecture", .string("test.big"))])
  cp.tensors = TensorSet([Tensor(name: "big", shape: [2500, 4000], floats: [Float](repeating: 0.5, count: 10_000_000))])
  return (try? cp.write(to: dir + "/big.zlck")) == nil ? nil : dir + "/big.zlck"
}()

/// Starts `zl-pack args` without waiting; returns its pid.
func spawnPack(_ args: [String]) throws -> pid_t { try spawnTool("zl-pack", args) }

@Test(arguments: [SIGTERM, SIGINT, SIGHUP])
func aSignalDuringAWriteLeavesNoTemporaryFile(_ sig: Int32) throws {
  let input = try #require(bigCheckpoint)
  var interrupted = 0, lastStatus: Int32 = -1
  for _ in 0..<5 where interrupted == 0 {
    let dir = try scratchDirectory("signal")
    let pid = try spawnPack(["convert", input, "--dtype", "f16", "-o", dir + "/out.zlck"])
    // Wait until the temporary file exists (or the process ends), then interrupt the write.
    var sent = false
    var status: Int32 = 0
    var ended = false
    while !sent && !ended {
      if (try listDirectory(dir)).contains(where: { $0.hasPrefix(".out.zlck.zl-tmp-") }) {
        kill(pid, sig)
        sent = true
      } else if waitpid(pid, &status, WNOHANG) == pid {
        ended = true
      } else {
        usleep(300)
      }
    }
    if !ended { while waitpid(pid, &status, 0) < 0 && errno == EINTR {} }
    lastStatus = status
    let killedBySignal = (status & 0x7F) == sig
    if sent && killedBySignal {
      interrupted += 1
      let left = try listDirectory(dir)
      #expect(left.isEmpty, "signal \(sig): left \(left)")
    }
  }
  #expect(interrupted == 1, "the write finished before the signal every time (last status \(lastStatus))")
}

@Test func staleTemporaryFilesOfDeadWritersAreSwept() throws {
  let dir = try scratchDirectory("stale")
  let model = fixture("Formats/vectors/v1/valid/model-tiny.zlck")
  // A dead writer's file (no process 999999), a live one's (pid 1), another output's, and a user file.
  let names = [".out.zlck.zl-tmp-999999-abcdef", ".out.zlck.zl-tmp-1-abcdef", ".other.zlck.zl-tmp-999999-abcdef", ".out.zlck.tmp-abcdef"]
  for n in names { try writeFileAtomically(dir + "/" + n, [1, 2, 3]) }
  let r = try runTool("zl-pack", ["set-meta", model, "general.name=x", "-o", dir + "/out.zlck"])
  #expect(r.status == 0, "\(r)")
  #expect(try listDirectory(dir) == [".other.zlck.zl-tmp-999999-abcdef", ".out.zlck.tmp-abcdef", ".out.zlck.zl-tmp-1-abcdef", "out.zlck"])
}

@Test func fileSizeLimitUmaskAndStandardOutput() throws {
  let input = try #require(bigCheckpoint)
  let dir = try scratchDirectory("limits")
  let pack = productsDirectory + "/zl-pack"
  // ulimit -f 1024 (512-byte blocks: 512 KiB): the write fails with EFBIG, reported; nothing is left.
  let r = try runTool("/bin/sh", ["-c", "ulimit -f 1024; exec \"$0\" \"$@\"", pack, "convert", input, "--dtype", "f16", "-o", dir + "/o.zlck"])
  #expect(r.status == 74 && r.stderrLines.count == 1 && r.stderr.contains("o.zlck") && r.stderr.contains("file too large"), "\(r)")
  #expect(try listDirectory(dir).isEmpty)
  // umask 077: the output is 0600.
  let model = fixture("Formats/vectors/v1/valid/model-tiny.zlck")
  let u = try runTool("/bin/sh", ["-c", "umask 077; exec \"$0\" \"$@\"", pack, "set-meta", model, "general.name=x", "-o", dir + "/u.zlck"])
  #expect(u.status == 0, "\(u)")
  var st = stat()
  #expect(stat(dir + "/u.zlck", &st) == 0 && st.st_mode & 0o777 == 0o600, "mode \(String(st.st_mode & 0o777, radix: 8))")
  // -o - is refused (usage) and creates no file named '-'.
  let dash = try runTool("zl-pack", ["set-meta", model, "general.name=x", "-o", "-"])
  #expect(dash.status == 64 && dash.stderr.contains("not to standard output") && !fileExists("-"), "\(dash)")
  let fit = try runTool("zl-train", ["fit", "--target", demo + "/BGL_2k.log.gz", "--target-preset", "bgl", "-o", dir + "/m.zlck", "--report", "-"])
  #expect(fit.status == 64 && fit.stderr.contains("--report -"), "\(fit)")
}
