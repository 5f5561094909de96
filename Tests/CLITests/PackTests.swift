// zl-pack end to end: exit codes, one-line errors, no output left behind on failure, byte-identical
// builds, and the extract → build round trip.

#if canImport(Glibc)
  import Glibc
#endif
import Testing
import ZLBase
import ZLCheckpoint
import ZLFormat
import _ZLTestSupport

@Test(arguments: Vectors.invalid.filter { $0.limits == .standard })
func verifyRejectsInvalidVectorWithOneLine(_ v: Vector) throws {
  let verify = try runTool("zl-pack", ["verify", v.path])
  #expect(verify.status == 65 && verify.stderrLines.count == 1 && verify.stderr.contains("[\(v.expectedCode!)]"), "\(v.name): \(verify)")
  // Files the format reader accepts and only the model profile refuses can be edited (set-meta
  // copies what it does not change); the others are refused before anything is written.
  if (try? Checkpoint.decode(try ContainerReader.load(bytes: v.bytes))) != nil { return }
  let dir = try scratchDirectory("verify")
  let out = dir + "/o.zlck"
  let r = try runTool("zl-pack", ["set-meta", v.path, "general.note=x", "-o", out])
  #expect(r.status == 65, "\(v.name): \(r)")
  #expect(r.stderrLines.count == 1, "\(v.name): \(r)")
  #expect(r.stderr.contains("[\(v.expectedCode!)]"), "\(v.name): \(r)")
  #expect(!fileExists(out), "\(v.name): an output file was left behind")
  #expect(try listDirectory(dir).isEmpty, "\(v.name): temporary files left behind")
}

@Test func verifyAcceptsValidModelAndReportsIt() throws {
  let r = try runTool("zl-pack", ["verify", fixture("Formats/vectors/v1/valid/model-tiny.zlck"), "--json"])
  #expect(r.status == 0, "\(r)")
  let j = try JSONParser().parse(r.stdout)
  #expect(j["valid"]?.boolValue == true && j["model"]?["hidden_size"]?.integerValue == 3)
}

@Test func inspectJSONMatchesTheVectorListing() throws {
  for v in Vectors.valid {
    let r = try runTool("zl-pack", ["inspect", v.path, "--json"])
    #expect(r.status == 0)
    #expect(r.stdout == (try readText("Formats/vectors/v1/valid/\(v.name).inspect.json")), "\(v.name)")
  }
}

@Test func usageAndMissingFileErrors() throws {
  let r1 = try runTool("zl-pack", ["inspect"])
  #expect(r1.status == 64 && r1.stderr.contains("usage: zl-pack inspect"))
  let r2 = try runTool("zl-pack", ["inspect", "/nonexistent/model.zlck"])
  #expect(r2.status == 66 && r2.stderrLines.count == 1 && r2.stderr.contains("/nonexistent/model.zlck"))
  let r3 = try runTool("zl-pack", ["frobnicate"])
  #expect(r3.status == 64)
  let r4 = try runTool("zl-pack", ["convert", "x", "--dtype", "f8", "-o", "y"])
  #expect(r4.status == 64 && r4.stderr.contains("f8"))
  let r5 = try runTool("zl-pack", ["--help"])
  #expect(r5.status == 0 && r5.stdout.contains("set-meta"))
}

@Test func setMetaCopiesOtherSectionsByteForByte() throws {
  let dir = try scratchDirectory("setmeta")
  let src = fixture("Formats/vectors/v1/valid/model-tiny.zlck")
  let out = dir + "/m.zlck"
  let r = try runTool("zl-pack", ["set-meta", src, "general.name=renamed", "general.rating:f32=4.5", "--delete", "general.license", "-o", out])
  #expect(r.status == 0, "\(r)")
  let a = try ContainerReader.load(path: src), b = try ContainerReader.load(path: out)
  for s in a.sections where s.entry.type != .metadata {
    #expect(b.section(s.entry.type)?.stored == s.stored, "section \(s.entry.type) changed")
    #expect(b.section(s.entry.type)?.entry.sha256 == s.entry.sha256)
  }
  let meta = try #require(try Checkpoint.decode(b).metadata)
  #expect(meta["general.name"] == .string("renamed") && meta["general.rating"] == .float(4.5) && meta["general.license"] == nil)
  let refused = try runTool("zl-pack", ["set-meta", src, "model.hidden_size=7", "-o", out])
  #expect(refused.status == 64)
}

@Test func convertReportsErrorAndStaysValid() throws {
  let dir = try scratchDirectory("convert")
  for dtype in ["f16", "bf16", "i8", "f32"] {
    let out = dir + "/\(dtype).zlck"
    let r = try runTool("zl-pack", ["convert", fixture("Formats/vectors/v1/valid/model-tiny.zlck"), "--dtype", dtype, "-o", out, "--json"])
    #expect(r.status == 0, "\(r)")
    let j = try JSONParser().parse(r.stdout)
    let reported = try #require(j["max_abs_error"]?.doubleValue)
    // The error measured here from both files, not taken from the converter's own report.
    let a = try Checkpoint.load(path: fixture("Formats/vectors/v1/valid/model-tiny.zlck")), b = try Checkpoint.load(path: out)
    var worst = 0.0
    for (x, y) in [(a.tensors!, b.tensors!), (a.glove!.tensorSet, b.glove!.tensorSet)] {
      for t in x.tensors where t.dtype.isFloating {
        let u = t.floats(), v = try #require(y[t.name]).floats()
        #expect(y[t.name]!.dtype.name == dtype, "\(t.name) is \(y[t.name]!.dtype.name)")
        for k in u.indices { worst = max(worst, abs(Double(u[k]) - Double(v[k]))) }
      }
    }
    #expect(worst == reported, "\(dtype): measured \(worst), reported \(reported)")
    #expect(worst < (dtype == "i8" ? 0.01 : dtype == "f32" ? 1e-12 : 0.01), "\(dtype): \(worst)")
    if dtype != "f32" { #expect(worst > 0, "\(dtype) changed nothing") }
    #expect(try runTool("zl-pack", ["verify", out]).status == 0)
  }
}

@Test func extractThenBuildGivesTheSameContentAndBuildsAreIdentical() throws {
  let dir = try scratchDirectory("bundle")
  for name in ["model-tiny", "model-tiny-f16", "drain-empty-template", "unknown-ancillary", "hybrid-1.1", "model-severity-1.1"] {
    let src = fixture("Formats/vectors/v1/valid/\(name).zlck")
    let x = try runTool("zl-pack", ["extract", src, "--to", dir + "/" + name])
    #expect(x.status == 0, "\(x)")
    let a = dir + "/\(name)-a.zlck", b = dir + "/\(name)-b.zlck"
    #expect(try runTool("zl-pack", ["build", dir + "/\(name)/checkpoint.json", "-o", a]).status == 0)
    #expect(try runTool("zl-pack", ["build", dir + "/\(name)/checkpoint.json", "-o", b]).status == 0)
    #expect(try readWholeFile(a) == readWholeFile(b), "\(name): two builds differ")
    let d = try runTool("zl-pack", ["diff", src, a])
    #expect(d.status == 0, "\(name): \(d)")
  }
}

@Test func diffNamesChangedKeysAndExitsOne() throws {
  let dir = try scratchDirectory("diff")
  let src = fixture("Formats/vectors/v1/valid/model-tiny.zlck")
  _ = try runTool("zl-pack", ["set-meta", src, "general.name=other", "-o", dir + "/o.zlck"])
  let r = try runTool("zl-pack", ["diff", src, dir + "/o.zlck"])
  #expect(r.status == 1)
  #expect(r.stdout.contains("key general.name: 'tiny test model' -> 'other'"), "\(r)")
}

@Test func forcedEditsAndConversionsNeverWriteABrokenModel() throws {
  let dir = try scratchDirectory("broken")
  let src = fixture("Formats/vectors/v1/valid/model-tiny.zlck")
  // --force may change model keys, but not into a model that fails its checks.
  let r = try runTool("zl-pack", ["set-meta", src, "model.hidden_size=99", "--force", "-o", dir + "/m.zlck"])
  #expect(r.status == 65 && r.stderrLines.count == 1 && r.stderr.contains("[brokenModel]") && r.stderr.contains("modelMismatch"), "\(r)")
  let ok = try runTool("zl-pack", ["set-meta", src, "model.max_length=20", "--force", "-o", dir + "/ok.zlck"])
  let verified = try runTool("zl-pack", ["verify", dir + "/ok.zlck", "--scoring"])
  #expect(ok.status == 0 && verified.status == 0, "\(ok) \(verified)")
  // A weight f16 cannot hold is refused, not turned into infinity.
  var cp = try Checkpoint.load(path: src)
  var ts = cp.tensors!
  let t = ts["classifier.bias"]!
  var v = t.floats()
  v[0] = 1e5
  ts.insert(ZLFormat.Tensor(name: t.name, shape: t.shape, floats: v))
  cp.tensors = ts
  try cp.write(to: dir + "/big.zlck")
  let c = try runTool("zl-pack", ["convert", dir + "/big.zlck", "--dtype", "f16", "-o", dir + "/f16.zlck"])
  #expect(c.status == 65 && c.stderr.contains("classifier.bias") && c.stderr.contains("f16") && !fileExists(dir + "/f16.zlck"), "\(c)")
  let left = try listDirectory(dir).sorted()
  #expect(left == ["big.zlck", "ok.zlck"], "\(left)")
}

@Test func buildIsAValidatorThatStaysInsideItsFolder() throws {
  let dir = try scratchDirectory("build-hostile")
  #expect(try runTool("zl-pack", ["extract", fixture("Formats/vectors/v1/valid/model-tiny.zlck"), "--to", dir + "/b"]).status == 0)
  let doc = try JSONParser().parse(try readWholeFile(dir + "/b/checkpoint.json"))
  guard case .object(let top) = doc else { Issue.record("checkpoint.json is not an object"); return }
  func variant(_ name: String, _ change: (inout [(String, JSON)]) -> Void) throws -> String {
    var t = top
    change(&t)
    let p = dir + "/b/\(name).json"
    try writeFileAtomically(p, Array(JSON.object(t).serialized().utf8))
    return p
  }
  func setGlove(_ t: inout [(String, JSON)], _ key: String, _ value: JSON) {
    guard let k = t.firstIndex(where: { $0.0 == "glove" }), case .object(var g) = t[k].1 else { return }
    g.removeAll { $0.0 == key }
    g.append((key, value))
    t[k].1 = .object(g)
  }
  // A link out of the folder, to a file whose text must not show up in any error.
  try writeFileAtomically(dir + "/secret.txt", Array("TOPSECRET 1 2 3\n".utf8))
  #expect(symlink(dir + "/secret.txt", dir + "/b/link.txt") == 0)
  let cases: [(String, (inout [(String, JSON)]) -> Void, String)] = [
    ("i32", { setGlove(&$0, "dtype", .string("i32")) }, "glove.dtype 'i32' is not one of f32, f16, bf16, i8"),
    ("absolute", { setGlove(&$0, "file", .string(dir + "/secret.txt")) }, "glove.file must name a file inside the bundle's folder"),
    ("dotdot", { setGlove(&$0, "file", .string("../b/glove.txt")) }, "glove.file must name a file inside the bundle's folder"),
    ("symlink", { setGlove(&$0, "file", .string("link.txt")) }, "glove.file leads outside the bundle's folder"),
    ("number", { t in
      t.removeAll { $0.0 == "tensors" }
      t.append(("tensors", .object([("file", .integer(5))])))
    }, "tensors.file is not a string"),
    ("unknown", { $0.append(("extra", .bool(true))) }, "unknown key \"extra\""),
    ("schema", { $0.append(("other_sections", .array([.object([("type", .string("XTRA")), ("flags", .integer(2)), ("schema_version", .integer(70000)), ("raw", .string("00"))])]))) }, "other_sections[0] is malformed"),
  ]
  for (name, change, message) in cases {
    let r = try runTool("zl-pack", ["build", try variant(name, change), "-o", dir + "/\(name).zlck"])
    #expect(r.status == 65 && r.stderrLines.count == 1 && r.stderr.contains(message) && r.stderr.contains("[badBundle]"), "\(name): \(r)")
    #expect(!r.stderr.contains("TOPSECRET"), "\(name): an error echoes a file's contents")
    #expect(!fileExists(dir + "/\(name).zlck"))
  }
}

@Test func extractOfAnInflationBombWritesNothing() throws {
  let dir = try scratchDirectory("bomb")
  let bomb = fixture("Formats/vectors/v1/invalid/inflationBudgetExceeded.zlck")
  let t0 = monotonicSeconds()
  for args in [["extract", bomb, "--to", dir + "/x"], ["verify", bomb]] {
    let r = try runTool("zl-pack", args)
    #expect(r.status == 65 && r.stderrLines.count == 1 && r.stderr.contains("[inflationBudgetExceeded]"), "\(r)")
  }
  let s = try runTool("zl-score", [bomb, demo + "/BGL_2k.log.gz"])
  #expect(s.status == 65 && s.stderr.contains("[inflationBudgetExceeded]"), "\(s)")
  #expect(monotonicSeconds() - t0 < 10 && !fileExists(dir + "/x"))
}

@Test func exportDrain3WritesStateAndIniOrRefuses() throws {
  let dir = try scratchDirectory("export-drain3")
  let model = dir + "/h.zlck"
  #expect(try runTool("zl-train", ["fit", "--target", demo + "/BGL_2k.log.gz", "--target-preset", "bgl", "--quiet", "-o", model]).status == 0)
  let r = try runTool("zl-pack", ["export", "drain3", model, "-o", dir + "/state.json"])
  #expect(r.status == 0 && r.stderr.contains("spells the wildcard '[*]'"), "\(r)")
  let ini = String(decoding: try readWholeFile(dir + "/drain3.ini"), as: UTF8.self)
  #expect(ini.contains("mask_prefix = [") && ini.contains("\"regex_pattern\":\"(?a)") && ini.contains("compress_state = False"))
  let state = String(decoding: try readWholeFile(dir + "/state.json"), as: UTF8.self)
  #expect(state.contains("\"[*]\"") && !state.contains("\"<*>\""))
  // The old spelling still works (drain3.ini only with --ini).
  let old = try runTool("zl-pack", ["export-drain3", model, "-o", dir + "/old.json"])
  let a = try readWholeFile(dir + "/old.json"), b = try readWholeFile(dir + "/state.json")
  #expect(old.status == 0 && a == b, "\(old)")
  // What Drain3 cannot represent is refused, naming it, and nothing is written.
  var cp = try Checkpoint.load(path: model)
  cp.drain!.maskPrefix = "\\"
  try cp.write(to: dir + "/bad.zlck")
  let bad = try runTool("zl-pack", ["export", "drain3", dir + "/bad.zlck", "-o", dir + "/bad.json", "--ini", dir + "/bad.ini"])
  #expect(bad.status == 65 && bad.stderrLines.count == 1 && bad.stderr.contains("mask_prefix") && bad.stderr.contains("[notRepresentableInDrain3]"), "\(bad)")
  #expect(!fileExists(dir + "/bad.json") && !fileExists(dir + "/bad.ini"))
  // ONNX needs a network: a hybrid model says so.
  let onnx = try runTool("zl-pack", ["export", "onnx", model, "-o", dir + "/m.onnx"])
  #expect(onnx.status == 65 && onnx.stderr.contains("has no network"), "\(onnx)")
  let vector = try runTool("zl-pack", ["export", "onnx", fixture("Formats/vectors/v1/valid/model-tiny.zlck"), "-o", dir + "/t.onnx"])
  let onnxBytes = try readWholeFile(dir + "/t.onnx")
  #expect(vector.status == 0 && onnxBytes.count > 500, "\(vector)")
}
