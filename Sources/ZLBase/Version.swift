// Version: the suite's version, recorded in every checkpoint's reproducibility section.

/// The version of the zl suite (all three tools share it).
public let zlVersion = "0.1.0"

/// The source commit the tools were built from, where known: SwiftPM has no build stamp, so release
/// builds, CI and `Tools/demo/run.sh` pass it in `ZL_SOURCE_COMMIT` (`git describe --always --dirty
/// --abbrev=40`). A value that is not 7–64 lower-case hex digits (with an optional `-dirty`) is
/// refused: the result is nil and `problem` says why.
public func sourceCommit(environment value: String? = environment("ZL_SOURCE_COMMIT")) -> (commit: String?, problem: String?) {
  guard let v = value, !v.isEmpty else { return (nil, nil) }
  let hex = v.hasSuffix("-dirty") ? String(v.dropLast(6)) : v
  let ok = (7...64).contains(hex.utf8.count) && hex.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }
  return ok ? (v, nil) : (nil, "ZL_SOURCE_COMMIT '\(v.prefix(80))' is not a commit (7-64 lower-case hex digits, optionally -dirty): not recorded")
}
