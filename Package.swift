// swift-tools-version:6.0
// zl: cross-system log anomaly detection (ZeroLog, MetaLog) with one verified checkpoint format.
// No third-party packages: the Swift toolchain, C targets for hot kernels, and the system zlib.
import PackageDescription

/// The inference kernels are compiled with full optimisation in every configuration so that
/// debug-built tests run the same arithmetic as release; per-function target attributes pick
/// AVX2/FMA code at run time, so the binaries still run on any x86-64.
let kernelFlags: [CSetting] = [.unsafeFlags(["-O3", "-fno-math-errno", "-ffp-contract=off"])]

/// Hot-path modules (regex, parsing, embedding, scoring) skip the run-time exclusivity checks in
/// release builds: their class-held scratch buffers are accessed once per line, and the dynamic
/// checks cost more than the work. Debug builds (and so the tests) keep every check. (They no
/// longer assume a single thread, `-assume-single-threaded`: libzlscore lets each thread own a
/// scorer, and non-atomic reference counting of shared globals would not be safe; measured on
/// HDFS 2 %, zl-score's throughput did not change beyond noise: 730–826k vs 788–863k lines/s.)
let hotPath: [SwiftSetting] = [.unsafeFlags(["-enforce-exclusivity=unchecked", "-cross-module-optimization"], .when(configuration: .release))]

let package = Package(
  name: "zl",
  products: [
    .executable(name: "zl-train", targets: ["zl-train"]),
    .executable(name: "zl-pack", targets: ["zl-pack"]),
    .executable(name: "zl-score", targets: ["zl-score"]),
    .executable(name: "zl-bench", targets: ["zl-bench"]),
    .executable(name: "zl-fuzz", targets: ["zl-fuzz"]),
    // zl-score as a C library: libzlscore.so, header Sources/CZLScorerAPI/include/zl_scorer.h.
    .library(name: "zlscore", type: .dynamic, targets: ["ZLScoreLibrary"]),
  ],
  targets: [
    // MARK: - C
    .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"]), .brew(["zlib"])]),
    .target(name: "CZLScore", cSettings: kernelFlags),
    .target(name: "CZLHash", cSettings: kernelFlags),
    .target(name: "CZLRegex", cSettings: kernelFlags),
    .target(name: "CZLSys"),
    .target(name: "CZLFuzz"),
    .target(name: "CZLScorerAPI"),

    // MARK: - Libraries (all logic lives here)
    .target(name: "ZLBase", dependencies: ["CZlib", "CZLHash", "CZLSys"], swiftSettings: hotPath),
    .target(name: "ZLRegex", dependencies: ["ZLBase", "CZLRegex"], swiftSettings: hotPath),
    .target(name: "ZLFormat", dependencies: ["ZLBase"], swiftSettings: hotPath),
    .target(name: "ZLProfile", dependencies: ["ZLBase", "ZLFormat"]),
    .target(name: "ZLCommandLine", dependencies: ["ZLBase"]),
    .target(name: "ZLDrain", dependencies: ["ZLBase", "ZLRegex", "ZLFormat"], swiftSettings: hotPath),
    .target(name: "ZLEmbedding", dependencies: ["ZLBase", "ZLFormat"], swiftSettings: hotPath),
    .target(name: "ZLCheckpoint", dependencies: ["ZLBase", "ZLFormat", "ZLDrain", "ZLEmbedding", "ZLProfile"]),
    .target(name: "ZLScoring", dependencies: ["ZLBase", "ZLFormat", "ZLDrain", "ZLEmbedding", "ZLProfile", "ZLCheckpoint", "ZLKernels"], swiftSettings: hotPath),
    .target(name: "ZLKernels", dependencies: ["CZLScore"], swiftSettings: hotPath),
    .target(name: "ZLTensor", dependencies: ["ZLKernels"], swiftSettings: hotPath),
    .target(name: "ZLTraining", dependencies: ["ZLBase", "ZLFormat", "ZLDrain", "ZLEmbedding", "ZLProfile", "ZLCheckpoint", "ZLScoring", "ZLKernels", "ZLModel", "ZLTensor"], swiftSettings: hotPath),
    .target(name: "ZLModel", dependencies: ["ZLTensor", "ZLProfile"], swiftSettings: hotPath),

    // MARK: - Executables (argument wiring only)
    .executableTarget(name: "zl-train", dependencies: [
      "ZLBase", "ZLCommandLine", "ZLFormat", "ZLDrain", "ZLProfile", "ZLScoring", "ZLModel", "ZLTraining",
    ]),
    .executableTarget(name: "zl-pack", dependencies: [
      "ZLBase", "ZLCommandLine", "ZLFormat", "ZLDrain", "ZLProfile", "ZLCheckpoint", "ZLScoring",
    ]),
    .executableTarget(name: "zl-score", dependencies: ["ZLBase", "ZLCommandLine", "ZLDrain", "ZLKernels", "ZLScoring"]),
    .executableTarget(name: "zl-bench", dependencies: [
      "ZLBase", "ZLCommandLine", "ZLFormat", "ZLDrain", "ZLEmbedding", "ZLProfile", "ZLCheckpoint", "ZLKernels", "ZLTensor", "ZLModel", "ZLScoring",
    ]),

    .target(name: "ZLScoreLibrary", dependencies: ["ZLBase", "ZLDrain", "ZLScoring"]),
    // The fuzz target: a replayer in normal builds, libFuzzer's in Tools/fuzz/run.sh.
    .executableTarget(name: "zl-fuzz", dependencies: [
      "CZLFuzz", "ZLBase", "ZLFormat", "ZLRegex", "ZLDrain", "ZLEmbedding", "ZLProfile", "ZLCheckpoint", "ZLScoring",
    ]),

    // MARK: - Tests
    .target(name: "_ZLTestSupport", dependencies: ["ZLBase", "ZLFormat"], path: "Tests/_ZLTestSupport"),
    .testTarget(name: "ZLBaseTests", dependencies: ["ZLBase", "CZLHash", "_ZLTestSupport"]),
    .testTarget(name: "ZLRegexTests", dependencies: ["ZLRegex", "ZLBase", "_ZLTestSupport"]),
    .testTarget(name: "ZLFormatTests", dependencies: ["ZLFormat", "_ZLTestSupport"]),
    .testTarget(name: "ZLCheckpointTests", dependencies: ["ZLCheckpoint", "ZLFormat", "ZLProfile", "_ZLTestSupport"]),
    .testTarget(name: "ZLCommandLineTests", dependencies: ["ZLCommandLine", "_ZLTestSupport"]),
    .testTarget(name: "ZLDrainTests", dependencies: ["ZLDrain", "ZLRegex", "ZLFormat", "_ZLTestSupport"]),
    .testTarget(name: "ZLEmbeddingTests", dependencies: ["ZLEmbedding", "ZLFormat", "_ZLTestSupport"]),
    .testTarget(name: "ZLTensorTests", dependencies: ["ZLTensor", "_ZLTestSupport"]),
    .testTarget(name: "ZLModelTests", dependencies: ["ZLModel", "ZLTensor", "ZLProfile", "ZLKernels", "ZLScoring", "ZLBase", "_ZLTestSupport"]),
    .testTarget(name: "ZLScoringTests", dependencies: ["ZLScoring", "ZLCheckpoint", "ZLDrain", "ZLEmbedding", "ZLFormat", "_ZLTestSupport"]),
    .testTarget(name: "ZLTrainingTests", dependencies: ["ZLTraining", "ZLProfile", "ZLKernels", "ZLBase", "_ZLTestSupport"]),
    .testTarget(name: "PackageTests", dependencies: ["ZLBase", "_ZLTestSupport"]),
    .testTarget(name: "CLITests", dependencies: ["zl-train", "zl-pack", "zl-score", "zl-fuzz", "ZLCheckpoint", "ZLFormat", "ZLScoring", "ZLDrain", "ZLEmbedding", "ZLScoreLibrary", "_ZLTestSupport"],
                exclude: ["Snapshots"]),
  ],
  swiftLanguageModes: [.v6]
)
