// zl-fuzz's entry point. The normal build (which CI runs) replays files and directories of inputs
// through the fuzz target — the seed corpus, or crashes found by a fuzzing run — and reports how
// many it ran. Built with -sanitize=fuzzer -DZL_LIBFUZZER (Tools/fuzz/run.sh), it hands the
// command line to libFuzzer's driver.

#if ZL_LIBFUZZER
  import CZLFuzz
  #if canImport(Glibc)
    import Glibc
  #endif

  @main
  struct Fuzz {
    static func main() {
      var argc = CommandLine.argc
      var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
      exit(LLVMFuzzerRunDriver(&argc, &argv) { data, size in
        fuzzOne(Array(UnsafeBufferPointer(start: data, count: size)))
        return 0
      })
    }
  }
#else
  #if canImport(Glibc)
    import Glibc
  #endif
  import ZLBase

  @main
  struct Replay {
    static func main() {
      let args = Array(CommandLine.arguments.dropFirst())
      if args.isEmpty || args.contains("--help") || args.contains("-h") {
        printError("usage: zl-fuzz FILE|DIR...   (replays inputs through the fuzz target; Tools/fuzz/run.sh fuzzes)")
        exit(args.isEmpty ? 64 : 0)
      }
      var files: [String] = []
      for a in args {
        if isDirectory(a) {
          for n in (try? listDirectory(a)) ?? [] where isRegularFile(a + "/" + n) { files.append(a + "/" + n) }
        } else {
          files.append(a)
        }
      }
      let t0 = monotonicSeconds()
      var bytesRun = 0
      for f in files {
        guard let b = try? readWholeFile(f, limit: 64 << 20) else {
          printError("zl-fuzz: error: \(f): cannot read")
          exit(66)
        }
        fuzzOne(b)
        bytesRun += b.count
      }
      printError("zl-fuzz: replayed \(files.count) inputs (\(bytesRun) bytes) in \(fixed(monotonicSeconds() - t0)) s, no crash")
    }
  }
#endif
