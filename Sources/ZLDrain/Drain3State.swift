// Drain3State: import and export of Drain3 0.9.x state files (what TemplateMiner.save_state writes:
// jsonpickle JSON, optionally zlib-compressed and base64-encoded). The import reads the JSON as
// plain data — only the known shapes (Drain, Node, LogCluster, LogClusterCache) are accepted, nothing
// is ever instantiated or executed — walks the tree without recursion, and checks every count and
// reference. The export writes the same jsonpickle layout, so Drain3's load_state reads it back.

import ZLBase
import ZLFormat

public enum Drain3State {
  /// Largest decoded state accepted (the compressed form is inflated at most to this size).
  public static let maxStateBytes = 1 << 30

  /// Decodes the file bytes: JSON as is, or base64 of a zlib stream (Drain3's compress_state).
  public static func decodeFile(_ bytes: [UInt8]) throws -> JSON {
    var data = bytes
    let firstNonSpace = bytes.first { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 }
    if firstNonSpace != UInt8(ascii: "{") {
      guard let z = base64Decode(bytes) else { throw DrainError(.badDrain3State, "not JSON and not base64 (a Drain3 state is one or the other)") }
      data = try inflateUnknownSize(z)
    }
    do { return try JSONParser().parse(data) } catch let e as JSONError { throw DrainError(.badDrain3State, "state JSON: \(e.message)") }
  }

  /// Inflates a zlib stream of unknown output size, refusing more than `maxStateBytes`.
  static func inflateUnknownSize(_ z: [UInt8]) throws -> [UInt8] {
    let decoder = try GzipDecoder()
    var out: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 20)
    var consumed = 0
    while true {
      let (used, made) = try z.withUnsafeBytes { zin in
        try chunk.withUnsafeMutableBytes { buf in
          do {
            return try decoder.decode(input: UnsafeRawBufferPointer(rebasing: zin[consumed...]), output: buf)
          } catch InflateFailure.failed(let m) { throw DrainError(.badDrain3State, "zlib data is corrupt (\(m))") }
        }
      }
      consumed += used
      out += chunk[0..<made]
      if out.count > maxStateBytes { throw DrainError(.badDrain3State, "state inflates to more than \(maxStateBytes) bytes") }
      if made == 0 && (used == 0 || consumed == z.count) { break }
    }
    if !decoder.finished { throw DrainError(.badDrain3State, "zlib data is truncated") }
    return out
  }

  /// The object's `py/state`, unwrapping the `{"py/tuple": [null, {...}]}` form that classes with
  /// `__slots__` get.
  static func state(_ j: JSON, expect cls: String, at path: String) throws -> [(String, JSON)] {
    guard case .object = j else { throw DrainError(.badDrain3State, "\(path): expected an object") }
    if j["py/id"] != nil || j["py/reduce"] != nil && cls != "OrderedDict" {
      throw DrainError(.badDrain3State, "\(path): references and reduce forms are not accepted")
    }
    guard let object = j["py/object"]?.stringValue else { throw DrainError(.badDrain3State, "\(path): missing py/object") }
    guard object == cls else { throw DrainError(.badDrain3State, "\(path): object type '\(object)' is not \(cls)") }
    guard let st = j["py/state"] else { throw DrainError(.badDrain3State, "\(path): missing py/state") }
    if let t = st["py/tuple"]?.arrayValue {
      guard t.count == 2, case .object(let members) = t[1] else { throw DrainError(.badDrain3State, "\(path): unexpected slots state") }
      return members
    }
    guard case .object(let members) = st else { throw DrainError(.badDrain3State, "\(path): py/state is not an object") }
    return members
  }

  static func field(_ m: [(String, JSON)], _ key: String, _ path: String) throws -> JSON {
    guard let v = m.first(where: { $0.0 == key })?.1 else { throw DrainError(.badDrain3State, "\(path): missing '\(key)'") }
    return v
  }

  static func int(_ j: JSON, _ what: String, range: ClosedRange<Int64>) throws -> Int64 {
    guard let v = j.integerValue, range.contains(v) else { throw DrainError(.badDrain3State, "\(what) is not an integer in \(range.lowerBound)...\(range.upperBound)") }
    return v
  }

  /// Converts a Drain3 state into a DRAN section. `logFormat`, masks and mask prefix/suffix come
  /// from the caller (Drain3 keeps them in drain3.ini, not in the state).
  public static func importState(_ root: JSON, logFormat: String, masks: [MaskRule], maskPrefix: String, maskSuffix: String) throws -> (DrainSection, staleIDs: Int) {
    let drain = try state(root, expect: "drain3.drain.Drain", at: "state")
    let depth = try int(try field(drain, "log_cluster_depth", "state"), "log_cluster_depth", range: 3...64)
    guard let sim = try field(drain, "sim_th", "state").doubleValue, sim >= 0, sim <= 1 else { throw DrainError(.badDrain3State, "state: sim_th is not a number in 0...1") }
    let maxChildren = try int(try field(drain, "max_children", "state"), "max_children", range: 1...(1 << 31))
    let maxClustersJ = try field(drain, "max_clusters", "state")
    let maxClusters: Int64 = maxClustersJ == .null ? 0 : try int(maxClustersJ, "max_clusters", range: 1...(1 << 31))
    guard let extraJ = try field(drain, "extra_delimiters", "state").arrayValue ?? field(drain, "extra_delimiters", "state")["py/tuple"]?.arrayValue else {
      throw DrainError(.badDrain3State, "state: extra_delimiters is not a list")
    }
    let extra = try extraJ.map { j -> String in
      guard let s = j.stringValue, !s.isEmpty, s.utf8.count <= 16 else { throw DrainError(.badDrain3State, "state: an extra delimiter is not a 1-16 byte string") }
      return s
    }
    guard let param = try field(drain, "param_str", "state").stringValue, !param.isEmpty else { throw DrainError(.badDrain3State, "state: param_str is not a string") }
    let numeric = drain.first(where: { $0.0 == "parametrize_numeric_tokens" })?.1.boolValue ?? true
    let counter = try int(try field(drain, "clusters_counter", "state"), "clusters_counter", range: 0...Int64(UInt32.max - 1))
    let config = DrainConfig(depth: Int(depth), similarityThreshold: sim, maxChildren: Int(maxChildren), maxClusters: Int(maxClusters),
                             extraDelimiters: extra, parametrizeNumericTokens: numeric, paramString: param)

    // Clusters: a plain dict (max_clusters None) or a LogClusterCache with an LRU order.
    let cache = try field(drain, "id_to_cluster", "state")
    var clusterData: [(String, JSON)]
    var order: [UInt32] = []
    if cache["py/object"] != nil {
      let cs = try state(cache, expect: "drain3.drain.LogClusterCache", at: "state.id_to_cluster")
      guard case .object(let d) = try field(cs, "_Cache__data", "state.id_to_cluster") else {
        throw DrainError(.badDrain3State, "state.id_to_cluster: _Cache__data is not an object")
      }
      clusterData = d
      if let o = cs.first(where: { $0.0.hasSuffix("__order") })?.1 {
        // OrderedDict as py/reduce: [type, args, state, listitems, dictitems{py/tuple: [[key, null], ...]}]
        guard let red = o["py/reduce"]?.arrayValue, red.count == 5, let items = red[4]["py/tuple"]?.arrayValue else {
          throw DrainError(.badDrain3State, "state.id_to_cluster: unexpected LRU order form")
        }
        for it in items {
          guard let pair = it["py/tuple"]?.arrayValue, let k = pair.first else { throw DrainError(.badDrain3State, "state.id_to_cluster: bad LRU order item") }
          order.append(UInt32(try int(k, "an LRU order key", range: 1...Int64(UInt32.max - 1))))
        }
      }
    } else {
      guard case .object(let d) = cache else { throw DrainError(.badDrain3State, "state.id_to_cluster is not an object") }
      clusterData = d
    }
    var templates: [DrainSection.Template] = []
    var seen = Set<UInt32>()
    for (key, value) in clusterData {
      let path = "state.id_to_cluster[\(key)]"
      let keyText = key.hasPrefix("json://") ? String(key.dropFirst(7)) : key
      guard let kid = UInt32(keyText), kid >= 1 else { throw DrainError(.badDrain3State, "\(path): key is not a cluster id") }
      let c = try state(value, expect: "drain3.drain.LogCluster", at: path)
      let id = try int(try field(c, "cluster_id", path), "\(path).cluster_id", range: 1...Int64(UInt32.max - 1))
      guard UInt32(id) == kid else { throw DrainError(.badDrain3State, "\(path): cluster_id \(id) differs from its key") }
      guard Int64(kid) <= counter else { throw DrainError(.badDrain3State, "\(path): id \(kid) is above clusters_counter \(counter)") }
      let size = try int(try field(c, "size", path), "\(path).size", range: 0...Int64.max)
      let tj = try field(c, "log_template_tokens", path)
      guard let tokensJ = tj["py/tuple"]?.arrayValue ?? tj.arrayValue else { throw DrainError(.badDrain3State, "\(path): log_template_tokens is not a list") }
      let tokens = try tokensJ.map { t -> String in
        guard let s = t.stringValue else { throw DrainError(.badDrain3State, "\(path): a template token is not a string") }
        return s
      }
      if !seen.insert(kid).inserted { throw DrainError(.badDrain3State, "\(path): id \(kid) appears twice") }
      templates.append(.init(id: kid, size: UInt64(size), tokens: tokens))
    }
    templates.sort { $0.id < $1.id }
    if order.isEmpty || maxClusters == 0 { order = templates.map { $0.id } }
    if Set(order) != seen || order.count != seen.count { throw DrainError(.badDrain3State, "state.id_to_cluster: the LRU order does not list every cluster once") }

    // The tree, breadth first with sorted sibling keys (iterative: no recursion on nested input).
    var nodes: [DrainSection.Node] = [.init(parent: DrainSection.rootParent, key: "", clusterIDs: [])]
    var queue: [(JSON, Int, Int)] = [(try field(drain, "root_node", "state"), 0, 0)]  // (node json, index, depth)
    var stale = 0
    var q = 0
    while q < queue.count {
      let (nj, index, d) = queue[q]
      q += 1
      let path = "state.root_node (node \(index))"
      let n = try state(nj, expect: "drain3.drain.Node", at: path)
      guard let ids = try field(n, "cluster_ids", path).arrayValue else { throw DrainError(.badDrain3State, "\(path): cluster_ids is not a list") }
      var live: [UInt32] = []
      for idj in ids {
        let id = UInt32(try int(idj, "\(path): a cluster id", range: 1...Int64(UInt32.max - 1)))
        if seen.contains(id) { live.append(id) } else { stale += 1 }
      }
      nodes[index].clusterIDs = live
      guard case .object(let kids) = try field(n, "key_to_child_node", path) else { throw DrainError(.badDrain3State, "\(path): key_to_child_node is not an object") }
      if d >= Int(depth) && !kids.isEmpty { throw DrainError(.badDrain3State, "\(path): tree deeper than log_cluster_depth \(depth)") }
      if nodes.count + kids.count > 50_000_000 { throw DrainError(.badDrain3State, "state: more than 50,000,000 tree nodes") }
      for (key, child) in kids.sorted(by: { bytewiseLess($0.0.utf8, $1.0.utf8) }) {
        nodes.append(.init(parent: UInt32(index), key: key, clusterIDs: []))
        queue.append((child, nodes.count - 1, d + 1))
      }
    }
    let section = DrainSection(logFormat: logFormat, config: config, maskPrefix: maskPrefix, maskSuffix: maskSuffix, masks: masks,
                               nextClusterID: UInt64(counter) + 1, templates: templates, lruOrder: order, nodes: nodes)
    // Every structural rule of the DRAN schema, applied to the result.
    do { _ = try DrainSection(record: section.record) } catch let e as CheckpointError {
      throw DrainError(.badDrain3State, "the state is not a valid Drain tree: \(e.detail)")
    }
    return (section, stale)
  }

  /// The Drain3 jsonpickle JSON of a DRAN section (what TemplateMiner.load_state expects).
  public static func exportState(_ s: DrainSection) -> String {
    var children: [Int: [Int]] = [:]
    for (i, n) in s.nodes.enumerated() where i > 0 { children[Int(n.parent), default: []].append(i) }
    // Build nested JSON from the leaves up (iteratively, in reverse breadth-first order).
    var built = [JSON?](repeating: nil, count: s.nodes.count)
    for i in s.nodes.indices.reversed() {
      let kids: [(String, JSON)] = (children[i] ?? []).map { (s.nodes[$0].key, built[$0]!) }
      built[i] = .object([
        ("py/object", .string("drain3.drain.Node")),
        ("py/state", .object([("py/tuple", .array([.null, .object([
          ("key_to_child_node", .object(kids)),
          ("cluster_ids", .array(s.nodes[i].clusterIDs.map { .integer(Int64($0)) })),
        ])]))])),
      ])
      for k in children[i] ?? [] { built[k] = nil }
    }
    func cluster(_ t: DrainSection.Template) -> JSON {
      .object([
        ("py/object", .string("drain3.drain.LogCluster")),
        ("py/state", .object([("py/tuple", .array([.null, .object([
          ("log_template_tokens", .object([("py/tuple", .array(t.tokens.map { .string($0) }))])),
          ("cluster_id", .integer(Int64(t.id))), ("size", .integer(Int64(t.size))),
        ])]))])),
      ])
    }
    // Cluster data in creation (ascending id) order, as Drain3 writes it; the recency order goes in
    // _LRUCache__order. (Drain3 0.9.x restores recency from the data order on load, so it reads
    // this file exactly as it reads its own.)
    let data: [(String, JSON)] = s.templates.map { ("json://\($0.id)", cluster($0)) }
    let idToCluster: JSON
    if s.config.maxClusters > 0 {
      idToCluster = .object([
        ("py/object", .string("drain3.drain.LogClusterCache")),
        ("py/state", .object([
          ("_Cache__data", .object(data)), ("_Cache__currsize", .integer(Int64(data.count))),
          ("_Cache__maxsize", .integer(Int64(s.config.maxClusters))),
          ("_LRUCache__order", .object([("py/reduce", .array([
            .object([("py/type", .string("collections.OrderedDict"))]), .object([("py/tuple", .array([]))]), .null, .null,
            .object([("py/tuple", .array(s.lruOrder.map { .object([("py/tuple", .array([.integer(Int64($0)), .null]))]) }))]),
          ]))])),
        ])),
      ])
    } else {
      idToCluster = .object(data)
    }
    let drain: JSON = .object([
      ("py/object", .string("drain3.drain.Drain")),
      ("py/state", .object([
        ("log_cluster_depth", .integer(Int64(s.config.depth))), ("max_node_depth", .integer(Int64(s.config.depth - 2))),
        ("sim_th", .number(s.config.similarityThreshold)), ("max_children", .integer(Int64(s.config.maxChildren))),
        ("root_node", built[0]!),
        ("profiler", .object([("py/object", .string("drain3.simple_profiler.NullProfiler")), ("py/state", .null)])),
        ("extra_delimiters", .array(s.config.extraDelimiters.map { .string($0) })),
        ("max_clusters", s.config.maxClusters > 0 ? .integer(Int64(s.config.maxClusters)) : .null),
        ("param_str", .string(s.config.paramString)),
        ("parametrize_numeric_tokens", .bool(s.config.parametrizeNumericTokens)),
        ("id_to_cluster", idToCluster),
        ("clusters_counter", .integer(Int64(max(0, Int64(s.nextClusterID) - 1)))),
      ])),
    ])
    return drain.serialized()
  }
}

extension Drain3State {
  /// What Drain3 needs beside the state to treat lines as zl does: a drain3.ini, and the state with
  /// the wildcard spelled as Drain3 spells it (`mask_prefix + "*" + mask_suffix`, which Drain3 0.9.11
  /// uses as its parameter string whatever the state says).
  public struct Export: Sendable {
    public var state: DrainSection
    public var ini: String
    /// Set when the wildcard was respelled (zl's, Drain3's).
    public var respelled: (from: String, to: String)?
  }

  /// The Drain3 form of a DRAN section.
  /// - Parameter compressed: the state file will be zlib + base64 ([SNAPSHOT] compress_state).
  /// - Throws: `DrainError.notRepresentableInDrain3` naming what Drain3 cannot represent.
  public static func export(_ s: DrainSection, compressed: Bool) throws -> Export {
    func refuse(_ why: String) -> DrainError { DrainError(.notRepresentableInDrain3, why) }
    // configparser strips values and reads "%" as interpolation ("%%" is escaped below); Drain3
    // builds its replacement string itself, where a backslash would be an escape.
    for (what, v) in [("mask_prefix", s.maskPrefix), ("mask_suffix", s.maskSuffix)] {
      if v.contains("\\") || v.contains("\n") || v.contains("\r") { throw refuse("\(what) '\(v)' holds a backslash or a line break, which Drain3's masking would not keep") }
      if v != v.trimmingWhitespace { throw refuse("\(what) '\(v)' starts or ends with whitespace, which drain3.ini (configparser) drops") }
    }
    for d in s.config.extraDelimiters where d.contains("\n") || d.contains("\r") {
      throw refuse("extra delimiter '\(d)' holds a line break")
    }
    // The wildcard.
    let drain3Param = s.maskPrefix + "*" + s.maskSuffix
    var state = s
    var respelled: (String, String)? = nil
    if s.config.paramString != drain3Param {
      if let t = s.templates.first(where: { $0.tokens.contains(drain3Param) }) {
        throw refuse("template \(t.id) holds the token '\(drain3Param)', which Drain3 takes for its wildcard (mask_prefix + '*' + mask_suffix); zl's wildcard is '\(s.config.paramString)'")
      }
      if s.nodes.contains(where: { $0.key == drain3Param }) {
        throw refuse("the tree has a key '\(drain3Param)', which Drain3 takes for its wildcard")
      }
      for k in state.templates.indices {
        state.templates[k].tokens = state.templates[k].tokens.map { $0 == s.config.paramString ? drain3Param : $0 }
      }
      for k in state.nodes.indices where state.nodes[k].key == s.config.paramString { state.nodes[k].key = drain3Param }
      state.config.paramString = drain3Param
      respelled = (s.config.paramString, drain3Param)
    }
    func escaped(_ v: String) -> String { v.replacingOccurrencesOfPercent }
    // zl-re/1 is Python re with re.ASCII: the inline (?a) flag makes Drain3's re.compile the same.
    let masking = JSON.array(s.masks.map { .object([("regex_pattern", .string("(?a)" + $0.pattern)), ("mask_with", .string($0.name))]) })
    var lines = [
      "# drain3.ini for Drain3 0.9.11, written by zl-pack export drain3 from a zl model's Drain state.",
      "# Give Drain3 each line's content: the <Content> field of the log format",
      "#   \(s.logFormat)",
      "# (Formats/scoring-v1.md §3); masking, tokens and matching then follow zl's (§5-§7).",
      "[MASKING]",
      "masking = " + escaped(masking.serialized()),
      "mask_prefix = " + escaped(s.maskPrefix),
      "mask_suffix = " + escaped(s.maskSuffix),
      "",
      "[DRAIN]",
      "sim_th = \(s.config.similarityThreshold)",
      "depth = \(s.config.depth)",
      "max_children = \(s.config.maxChildren)",
    ]
    if s.config.maxClusters > 0 { lines.append("max_clusters = \(s.config.maxClusters)") }
    lines += [
      "extra_delimiters = " + escaped(JSON.array(s.config.extraDelimiters.map { .string($0) }).serialized()),
      "parametrize_numeric_tokens = " + (s.config.parametrizeNumericTokens ? "True" : "False"),
      "",
      "[SNAPSHOT]",
      "compress_state = " + (compressed ? "True" : "False"),
      "",
    ]
    return Export(state: state, ini: lines.joined(separator: "\n"), respelled: respelled)
  }
}

extension String {
  /// "%" doubled, as configparser's BasicInterpolation reads "%%" as "%".
  var replacingOccurrencesOfPercent: String { split(separator: "%", omittingEmptySubsequences: false).joined(separator: "%%") }
  var trimmingWhitespace: String {
    var s = Substring(self)
    while let f = s.first, f.isWhitespace { s = s.dropFirst() }
    while let l = s.last, l.isWhitespace { s = s.dropLast() }
    return String(s)
  }
}

/// Decodes standard base64 (whitespace ignored); nil on any other character or bad padding.
public func base64Decode(_ bytes: [UInt8]) -> [UInt8]? {
  var table = [Int16](repeating: -1, count: 256)
  for (i, c) in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8.enumerated() { table[Int(c)] = Int16(i) }
  var out: [UInt8] = []
  out.reserveCapacity(bytes.count * 3 / 4)
  var acc: UInt32 = 0, bits = 0, padding = 0
  for c in bytes {
    if c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 { continue }
    if c == UInt8(ascii: "=") {
      padding += 1
      continue
    }
    if padding > 0 { return nil }
    let v = table[Int(c)]
    if v < 0 { return nil }
    acc = acc << 6 | UInt32(v)
    bits += 6
    if bits >= 8 {
      bits -= 8
      out.append(UInt8(truncatingIfNeeded: acc >> UInt32(bits)))
    }
  }
  if padding > 2 { return nil }
  return out
}

/// Standard base64 with padding.
public func base64Encode(_ bytes: [UInt8]) -> String {
  let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
  var out: [UInt8] = []
  var i = 0
  while i < bytes.count {
    let b0 = bytes[i], b1 = i + 1 < bytes.count ? bytes[i + 1] : 0, b2 = i + 2 < bytes.count ? bytes[i + 2] : 0
    out.append(alphabet[Int(b0 >> 2)])
    out.append(alphabet[Int((b0 & 3) << 4 | b1 >> 4)])
    out.append(i + 1 < bytes.count ? alphabet[Int((b1 & 15) << 2 | b2 >> 6)] : UInt8(ascii: "="))
    out.append(i + 2 < bytes.count ? alphabet[Int(b2 & 63)] : UInt8(ascii: "="))
    i += 3
  }
  return String(decoding: out, as: UTF8.self)
}
