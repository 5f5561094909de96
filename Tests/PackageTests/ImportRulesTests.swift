// The house's rules, checked on the code: every module imports only modules its Package.swift
// target declares, and never one the map (Sources/README.md, "Import rules") forbids. The rules are
// read from the map itself, so the document and the check cannot drift apart.

import Testing
import ZLBase
import _ZLTestSupport

/// Modules each Sources/ directory imports (system modules left out).
func importsBySourceDirectory() throws -> [String: Set<String>] {
  let system: Set<String> = ["Glibc", "Darwin", "Musl", "Foundation", "Testing"]
  var out: [String: Set<String>] = [:]
  for module in try listDirectory(fixture("Sources")) where isDirectory(fixture("Sources/\(module)")) {
    var found = Set<String>()
    var stack = [fixture("Sources/\(module)")]
    while let dir = stack.popLast() {
      for f in try listDirectory(dir) {
        let p = dir + "/" + f
        if isDirectory(p) { stack.append(p); continue }
        guard f.hasSuffix(".swift") else { continue }
        for line in String(decoding: try readWholeFile(p), as: UTF8.self).split(separator: "\n") {
          let words = line.split(separator: " ").map(String.init).filter { !$0.hasPrefix("@") }
          if words.count == 2, words[0] == "import", !system.contains(words[1]) { found.insert(words[1]) }
        }
      }
    }
    out[module] = found
  }
  return out
}

/// Each target's declared dependencies, read from Package.swift (`.target`, `.executableTarget`,
/// `.testTarget`, `.systemLibrary`; product declarations are not targets).
func declaredDependencies() throws -> [String: Set<String>] {
  let text = String(decoding: try readWholeFile(fixture("Package.swift")), as: UTF8.self)
  func nextTarget(_ s: Substring) -> Range<Substring.Index>? {
    [s.range(of: "arget(name: \""), s.range(of: "ystemLibrary(name: \"")].compactMap { $0 }.min { $0.lowerBound < $1.lowerBound }
  }
  var out: [String: Set<String>] = [:]
  var rest = Substring(text)
  while let r = nextTarget(rest) {
    rest = rest[r.upperBound...]
    guard let q = rest.firstIndex(of: "\"") else { break }
    let name = String(rest[..<q])
    // This target's declaration runs to the next one; its dependency list is the bracket after "dependencies:".
    let decl = rest[..<(nextTarget(rest)?.lowerBound ?? rest.endIndex)]
    var deps = Set<String>()
    if let d = decl.range(of: "dependencies: ["), let close = decl[d.upperBound...].firstIndex(of: "]") {
      for part in decl[d.upperBound..<close].split(separator: ",") {
        let t = part.filter { $0 != "\"" && $0 != " " && $0 != "\n" }
        if !t.isEmpty { deps.insert(String(t)) }
      }
    }
    out[name] = deps
  }
  return out
}

/// The rules of Sources/README.md's "Import rules" block: `MODULE never imports: A B C`.
func forbiddenImports() throws -> [String: Set<String>] {
  let text = String(decoding: try readWholeFile(fixture("Sources/README.md")), as: UTF8.self)
  var out: [String: Set<String>] = [:]
  for line in text.split(separator: "\n") where line.contains(" never imports: ") {
    let parts = line.split(separator: ":", maxSplits: 1)
    let module = String(parts[0]).replacingNeverImports().trimmingCharacters("`- ")
    out[module] = Set(parts[1].split(separator: " ").map { String($0).trimmingCharacters("`,.") }.filter { !$0.isEmpty })
  }
  return out
}

@Test func everyImportIsDeclaredInThePackage() throws {
  let imports = try importsBySourceDirectory(), declared = try declaredDependencies()
  #expect(imports.count >= 15 && declared.count >= 15)
  for (module, used) in imports.sorted(by: { $0.key < $1.key }) {
    let deps = try #require(declared[module], "Sources/\(module) has no target in Package.swift")
    let undeclared = used.subtracting(deps)
    #expect(undeclared.isEmpty, "Sources/\(module) imports \(undeclared.sorted()) without declaring it in Package.swift")
  }
}

@Test func everyDeclaredDependencyIsImported() throws {
  let imports = try importsBySourceDirectory(), declared = try declaredDependencies()
  for (module, used) in imports.sorted(by: { $0.key < $1.key }) {
    let unused = (declared[module] ?? []).subtracting(used)
    #expect(unused.isEmpty, "Package.swift declares \(unused.sorted()) for \(module), which never imports it")
  }
}

@Test func noModuleImportsOneTheMapForbids() throws {
  let imports = try importsBySourceDirectory(), rules = try forbiddenImports()
  // The rules the house must keep (issue 15): the format knows no domain, the scorer no training
  // code, the parser no model, the network not the scorer.
  for must in ["ZLFormat", "ZLModel", "ZLScoring", "zl-score", "ZLDrain"] { #expect(rules[must] != nil, "the map has no rule for \(must)") }
  for (module, banned) in rules {
    let bad = (imports[module] ?? []).intersection(banned)
    #expect(bad.isEmpty, "Sources/\(module) imports \(bad.sorted()): Sources/README.md says never")
  }
}

extension Substring {
  func range(of needle: String) -> Range<Substring.Index>? {
    let n = Array(needle.utf8)
    var i = startIndex
    while i < endIndex {
      if self[i...].utf8.starts(with: n) { return i..<self.utf8.index(i, offsetBy: n.count) }
      i = index(after: i)
    }
    return nil
  }
}

extension String {
  func replacingNeverImports() -> String {
    guard let r = Substring(self).range(of: " never imports") else { return self }
    return String(self[..<r.lowerBound])
  }

  func trimmingCharacters(_ set: String) -> String {
    var s = Substring(self)
    while let f = s.first, set.contains(f) { s = s.dropFirst() }
    while let l = s.last, set.contains(l) { s = s.dropLast() }
    return String(s)
  }
}
