// The argument parser every tool shares: long options with a separate or attached (`=`) value,
// one-letter options with a separate or attached value, repeated options, `--` ending options,
// `-` as a positional, and usage errors that say what was wrong (with a suggestion for a typo).

import Testing
import ZLCommandLine

func parse(_ a: [String]) -> Arguments { Arguments(a, usage: "cmd [options] FILE", helpCommand: "tool help cmd") }

func usage(_ m: String) -> UsageError { UsageError(m, usage: "cmd [options] FILE", helpCommand: "tool help cmd") }

@Test func valuesSeparateOrAttached() throws {
  var a = parse(["--format", "csv", "--threshold=0.25", "-oout.zlck", "in.log"])
  let r1 = try a.option("--format")
  #expect(r1 == "csv")
  let r2 = try a.double("--threshold", in: 0...1)
  #expect(r2 == 0.25)
  let r3 = try a.option("-o", "--output")
  #expect(r3 == "out.zlck")
  let r4 = try a.finish(min: 1, max: 1)
  #expect(r4 == ["in.log"])
  var b = parse(["-o", "x.zlck", "--output=y.zlck"])
  #expect(throws: usage("option -o given 2 times")) { _ = try b.option("-o", "--output") }
}

@Test func repeatedOptionsKeepTheirOrder() throws {
  var a = parse(["--mask", "A=1", "--source", "s1", "--mask=B=2", "--source", "s2"])
  let r5 = try a.options("--mask")
  #expect(r5 == ["A=1", "B=2"])
  let r6 = try a.options("--source")
  #expect(r6 == ["s1", "s2"])
  let r7 = try a.finish()
  #expect(r7 == [])
}

@Test func doubleDashEndsOptionsAndDashIsAPositional() throws {
  var a = parse(["-", "--quiet", "--", "--not-an-option", "-o"])
  let r8 = a.flag("--quiet")
  #expect(r8)
  let r9 = try a.option("-o")
  #expect(r9 == nil)
  let r10 = try a.finish()
  #expect(r10 == ["-", "--not-an-option", "-o"])
}

@Test func flagsConsumeEveryOccurrence() throws {
  var a = parse(["--explain", "x", "--explain"])
  let r11 = a.flag("--explain")
  #expect(r11)
  let again = a.flag("--explain")
  #expect(!again)
  let r12 = try a.finish()
  #expect(r12 == ["x"])
}

@Test func unknownOptionSuggestsTheNearestKnownOne() throws {
  var a = parse(["--thresold", "0.5", "f"])
  _ = try a.double("--threshold", in: 0...1)
  _ = a.flag("--quiet")
  #expect(throws: usage("unknown option '--thresold'; did you mean '--threshold'?")) { _ = try a.finish() }
  // Far from every known option: no suggestion; `--name=value` is named without its value.
  var b = parse(["--zzzz=3"])
  _ = b.flag("--quiet")
  #expect(throws: usage("unknown option '--zzzz'")) { _ = try b.finish() }
}

@Test func badValuesAndCountsAreUsageErrors() throws {
  var a = parse(["--epochs", "ten"])
  #expect(throws: usage("option --epochs: 'ten' is not an integer in 1...100")) { _ = try a.int("--epochs", in: 1...100) }
  var b = parse(["--threshold", "nan"])
  #expect(throws: UsageError.self) { _ = try b.double("--threshold", in: 0...1) }
  var c = parse(["--format", "xml"])
  #expect(throws: usage("option --format: 'xml' is not one of jsonl, csv")) { _ = try c.choice("--format", ["jsonl", "csv"]) }
  var d = parse(["--format"])
  #expect(throws: usage("option --format needs a value")) { _ = try d.option("--format") }
  var e = parse(["a", "b"])
  #expect(throws: usage("unexpected argument 'b'")) { _ = try e.finish(min: 1, max: 1, names: "FILE") }
  var f = parse([])
  #expect(throws: usage("missing FILE")) { _ = try f.finish(min: 1, max: 1, names: "FILE") }
}

@Test func editDistanceIsLevenshtein() {
  #expect(Arguments.editDistance(Array("kitten".utf8), Array("sitting".utf8)) == 3)
  #expect(Arguments.editDistance([], Array("abc".utf8)) == 3)
  #expect(Arguments.editDistance(Array("abc".utf8), Array("abc".utf8)) == 0)
}
