// DrainSection: the DRAN section (zlck-v1.md §8.5) — the Drain parser's configuration, masking
// rules (zl-re/1) and state as plain data: templates and a flat prefix tree in breadth-first
// order. Validation is iterative (parents precede children), so no input can recurse deeply.

import ZLBase
import ZLFormat
import ZLRegex

/// Drain configuration (Drain3 0.9.x parameters).
public struct DrainConfig: Equatable, Sendable {
  public var depth: Int
  public var similarityThreshold: Double
  public var maxChildren: Int
  /// 0 means unlimited.
  public var maxClusters: Int
  public var extraDelimiters: [String]
  public var parametrizeNumericTokens: Bool
  public var paramString: String
  /// Tokens a template holds that count as parameters in the similarity, as `paramString` does —
  /// the named mask tokens (`<IP>`, `<NUM>`) under mask-aware similarity (`zl-train parse`'s default),
  /// so a named mask no longer makes two lines look more alike than `<*>` would; the template keeps
  /// the name. Empty: Drain3's similarity, where a named mask token is a word like any other. Not
  /// stored in DRAN: a model's Drain state is always Drain3's (its readers need nothing more).
  public var wildcardTokens: [String] = []
  /// Mask-aware similarity (with `wildcardTokens`): a line equal to a template token for token also
  /// matches it when the template is mostly parameters (Drain3 starts a new template for the second
  /// of two identical lines of 100 masked ids, as its similarity counts only the few words). False:
  /// Drain3's rule.
  public var identicalLinesMatch = false

  public init(depth: Int = 4, similarityThreshold: Double = 0.4, maxChildren: Int = 100, maxClusters: Int = 0,
              extraDelimiters: [String] = [], parametrizeNumericTokens: Bool = true, paramString: String = "<*>") {
    self.depth = depth
    self.similarityThreshold = similarityThreshold
    self.maxChildren = maxChildren
    self.maxClusters = maxClusters
    self.extraDelimiters = extraDelimiters
    self.parametrizeNumericTokens = parametrizeNumericTokens
    self.paramString = paramString
  }
}

/// One masking rule: matches of `pattern` become `prefix + name + suffix`.
public struct MaskRule: Equatable, Sendable {
  public var name: String
  public var pattern: String
  public init(name: String, pattern: String) {
    self.name = name
    self.pattern = pattern
  }
}

/// The Drain state as stored.
public struct DrainSection: Equatable, Sendable {
  public struct Template: Equatable, Sendable {
    public var id: UInt32
    public var size: UInt64
    public var tokens: [String]
    public init(id: UInt32, size: UInt64, tokens: [String]) {
      self.id = id
      self.size = size
      self.tokens = tokens
    }
  }

  public struct Node: Equatable, Sendable {
    /// Index of the parent node; `UInt32.max` for the root.
    public var parent: UInt32
    public var key: String
    public var clusterIDs: [UInt32]
    public init(parent: UInt32, key: String, clusterIDs: [UInt32]) {
      self.parent = parent
      self.key = key
      self.clusterIDs = clusterIDs
    }
  }

  public var logFormat: String
  public var config: DrainConfig
  public var maskPrefix: String
  public var maskSuffix: String
  public var maskDialect: String
  public var masks: [MaskRule]
  public var nextClusterID: UInt64
  /// Sorted by id.
  public var templates: [Template]
  /// Template ids from least to most recently used (Drain3's LRU order, for max_clusters).
  public var lruOrder: [UInt32]
  /// Breadth-first, siblings sorted by key; node 0 is the root.
  public var nodes: [Node]

  public static let dialect = "zl-re/1"
  public static let rootParent = UInt32.max

  public init(logFormat: String, config: DrainConfig, maskPrefix: String, maskSuffix: String, masks: [MaskRule],
              nextClusterID: UInt64, templates: [Template], lruOrder: [UInt32], nodes: [Node]) {
    self.logFormat = logFormat
    self.config = config
    self.maskPrefix = maskPrefix
    self.maskSuffix = maskSuffix
    self.maskDialect = DrainSection.dialect
    self.masks = masks
    self.nextClusterID = nextClusterID
    self.templates = templates
    self.lruOrder = lruOrder
    self.nodes = nodes
  }

  /// The tokens masking writes (prefix + name + suffix), in rule order.
  public var maskTokens: [String] { masks.map { maskPrefix + $0.name + maskSuffix } }

  public var record: Record {
    var r = Record()
    r["log_format"] = .string(logFormat)
    r["config.depth"] = .uint(UInt64(config.depth))
    r["config.sim_th"] = .double(config.similarityThreshold)
    r["config.max_children"] = .uint(UInt64(config.maxChildren))
    r["config.max_clusters"] = .uint(UInt64(config.maxClusters))
    r["config.extra_delimiters"] = .strings(config.extraDelimiters)
    r["config.parametrize_numeric_tokens"] = .bool(config.parametrizeNumericTokens)
    r["config.param_str"] = .string(config.paramString)
    r["mask.prefix"] = .string(maskPrefix)
    r["mask.suffix"] = .string(maskSuffix)
    r["mask.dialect"] = .string(maskDialect)
    r["mask.names"] = .strings(masks.map { $0.name })
    r["mask.patterns"] = .strings(masks.map { $0.pattern })
    r["next_cluster_id"] = .uint(nextClusterID)
    r["templates.ids"] = .uint32s(templates.map { $0.id })
    r["templates.sizes"] = .uints(templates.map { $0.size })
    r["templates.token_counts"] = .uint32s(templates.map { UInt32($0.tokens.count) })
    r["templates.tokens"] = .strings(templates.flatMap { $0.tokens })
    r["templates.lru_order"] = .uint32s(lruOrder)
    r["tree.parents"] = .uint32s(nodes.map { $0.parent })
    r["tree.keys"] = .strings(nodes.map { $0.key })
    r["tree.cluster_counts"] = .uint32s(nodes.map { UInt32($0.clusterIDs.count) })
    r["tree.cluster_ids"] = .uint32s(nodes.flatMap { $0.clusterIDs })
    return r
  }

  /// Validates a decoded DRAN record (§8.5, keys in the listed order).
  public init(record: Record) throws {
    let f = RecordFields(record: record, section: "section DRAN")
    logFormat = try f.string("log_format")
    if !logFormat.contains("<Content>") { throw f.bad("log_format", "'\(logFormat)' has no <Content> field") }
    // The whole parser configuration is checked here, so whatever passes parses.
    do { _ = try LogFormat(logFormat) } catch let e as DrainError { throw f.bad("log_format", e.detail) }
    let depth = try f.uint("config.depth")
    if depth < 3 || depth > 64 { throw f.bad("config.depth", "is \(depth), expected 3-64") }
    let sim = try f.double("config.sim_th")
    if !(sim >= 0 && sim <= 1) { throw f.bad("config.sim_th", "is \(sim), expected 0-1") }
    let maxChildren = try f.uint("config.max_children")
    if maxChildren < 1 || maxChildren > 1 << 31 { throw f.bad("config.max_children", "is \(maxChildren), expected >= 1") }
    let maxClusters = try f.uint("config.max_clusters")
    if maxClusters > 1 << 31 { throw f.bad("config.max_clusters", "is \(maxClusters), over 2^31") }
    let extra = try f.strings("config.extra_delimiters")
    if let d = extra.first(where: { $0.utf8.count < 1 || $0.utf8.count > 16 }) {
      throw f.bad("config.extra_delimiters", "entry '\(d)' is not 1-16 bytes")
    }
    let numeric = try f.bool("config.parametrize_numeric_tokens")
    let param = try f.string("config.param_str")
    if param.isEmpty { throw f.bad("config.param_str", "is empty") }
    config = DrainConfig(depth: Int(depth), similarityThreshold: sim, maxChildren: Int(maxChildren), maxClusters: Int(maxClusters),
                         extraDelimiters: extra, parametrizeNumericTokens: numeric, paramString: param)
    maskPrefix = try f.string("mask.prefix")
    maskSuffix = try f.string("mask.suffix")
    maskDialect = try f.string("mask.dialect")
    if maskDialect != DrainSection.dialect { throw f.bad("mask.dialect", "is '\(maskDialect)', expected \(DrainSection.dialect)") }
    let names = try f.strings("mask.names")
    for n in names where n.isEmpty || n.utf8.count > 64 || !n.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) || $0 == 0x5F || $0 == 0x2A }) {
      throw f.bad("mask.names", "entry '\(n)' is not 1-64 characters of [A-Za-z0-9_*]")
    }
    let patterns = try f.strings("mask.patterns")
    try f.sameLength("mask.patterns", patterns.count, as: "mask.names", names.count)
    for p in patterns {
      do { _ = try Regex(p) } catch let e as RegexError { throw f.bad("mask.patterns", "entry is not a valid zl-re/1 pattern: \(e)") }
    }
    masks = zip(names, patterns).map { MaskRule(name: $0, pattern: $1) }
    nextClusterID = try f.uint("next_cluster_id")
    templates = []
    lruOrder = []
    nodes = []
    try readTemplates(f)
    try readTree(f)
  }

  private mutating func readTemplates(_ f: RecordFields) throws {
    let ids = try f.uint32s("templates.ids")
    for k in ids.indices {
      if ids[k] < 1 { throw f.bad("templates.ids", "entry \(k) is 0, expected >= 1") }
      if k > 0 && ids[k] <= ids[k - 1] { throw CheckpointError(.notSorted, "section DRAN: key 'templates.ids' entry \(k) (\(ids[k])) is not greater than the previous") }
    }
    if let m = ids.last, UInt64(m) >= nextClusterID {
      throw f.bad("next_cluster_id", "is \(nextClusterID), not greater than template id \(m)")
    }
    let sizes = try f.uints("templates.sizes")
    try f.sameLength("templates.sizes", sizes.count, as: "templates.ids", ids.count)
    let counts = try f.uint32s("templates.token_counts")
    try f.sameLength("templates.token_counts", counts.count, as: "templates.ids", ids.count)
    let tokens = try f.strings("templates.tokens")
    let total = counts.reduce(UInt64(0)) { $0 + UInt64($1) }
    if total != UInt64(tokens.count) {
      throw CheckpointError(.lengthMismatch, "section DRAN: key 'templates.tokens' has \(tokens.count) elements but the token counts sum to \(total)")
    }
    var start = 0
    templates.reserveCapacity(ids.count)
    for k in ids.indices {
      let n = Int(counts[k])
      templates.append(Template(id: ids[k], size: sizes[k], tokens: Array(tokens[start..<(start + n)])))
      start += n
    }
    let lru = try f.uint32s("templates.lru_order")
    try f.sameLength("templates.lru_order", lru.count, as: "templates.ids", ids.count)
    var seen = Set<UInt32>()
    for id in lru {
      if !seen.insert(id).inserted { throw f.bad("templates.lru_order", "lists template \(id) twice") }
      if binarySearch(ids, id) == nil { throw CheckpointError(.danglingReference, "section DRAN: key 'templates.lru_order' names unknown template \(id)") }
    }
    lruOrder = lru
  }

  private mutating func readTree(_ f: RecordFields) throws {
    let parents = try f.uint32s("tree.parents")
    let keys = try f.strings("tree.keys")
    try f.sameLength("tree.keys", keys.count, as: "tree.parents", parents.count)
    let counts = try f.uint32s("tree.cluster_counts")
    try f.sameLength("tree.cluster_counts", counts.count, as: "tree.parents", parents.count)
    let clusterIDs = try f.uint32s("tree.cluster_ids")
    let total = counts.reduce(UInt64(0)) { $0 + UInt64($1) }
    if total != UInt64(clusterIDs.count) {
      throw CheckpointError(.lengthMismatch, "section DRAN: key 'tree.cluster_ids' has \(clusterIDs.count) elements but the cluster counts sum to \(total)")
    }
    if parents.isEmpty { throw f.bad("tree.parents", "is empty; the root node is required") }
    let ids = templates.map { $0.id }
    var depthOf = [Int](repeating: 0, count: parents.count)
    var childCount = [Int](repeating: 0, count: parents.count)
    var countKey = [Int](repeating: -1, count: parents.count)  // token-count key above each node
    var heldBy = [Int](repeating: -1, count: ids.count)
    var start = 0
    let maxDepth = config.depth - 2
    for i in parents.indices {
      let p = parents[i]
      let key = keys[i]
      if i == 0 {
        if p != DrainSection.rootParent || !key.isEmpty { throw f.bad("tree.parents", "node 0 must be the root (parent 0xffffffff, empty key)") }
      } else {
        if p >= UInt32(i) { throw CheckpointError(.danglingReference, "section DRAN: tree node \(i) has parent \(p), not an earlier node") }
        let pi = Int(p)
        if i > 1 {
          let pp = parents[i - 1]
          let ordered = pp < p || (pp == p && bytewiseLess(keys[i - 1].utf8, key.utf8))
          if !ordered { throw CheckpointError(.notSorted, "section DRAN: tree node \(i) ('\(key)') is not in breadth-first order with sorted, distinct sibling keys") }
        }
        depthOf[i] = depthOf[pi] + 1
        if depthOf[i] > max(1, maxDepth) { throw f.bad("tree.parents", "node \(i) is at depth \(depthOf[i]), deeper than config.depth - 2 = \(maxDepth)") }
        if pi == 0 {
          if !isCanonicalDecimal(key) { throw f.bad("tree.keys", "node \(i) key '\(key)' under the root is not a token count") }
          countKey[i] = Int(key)!
        } else {
          countKey[i] = countKey[pi]
          if !nodes[pi].clusterIDs.isEmpty { throw f.bad("tree.cluster_ids", "node \(pi) holds clusters but has children") }
        }
        childCount[pi] += 1
        if childCount[pi] > config.maxChildren && pi != 0 {
          throw f.bad("tree.parents", "node \(pi) has more than config.max_children = \(config.maxChildren) children")
        }
      }
      let n = Int(counts[i])
      let held = Array(clusterIDs[start..<(start + n)])
      start += n
      if !held.isEmpty && i == 0 { throw f.bad("tree.cluster_ids", "the root holds clusters") }
      for id in held {
        guard let t = binarySearch(ids, id) else {
          throw CheckpointError(.danglingReference, "section DRAN: tree node \(i) holds unknown template \(id)")
        }
        if heldBy[t] >= 0 { throw f.bad("tree.cluster_ids", "template \(id) is held by nodes \(heldBy[t]) and \(i)") }
        heldBy[t] = i
        let tokenCount = templates[t].tokens.count
        if tokenCount != countKey[i] {
          throw f.bad("tree.cluster_ids", "template \(id) has \(tokenCount) tokens but sits under token count \(countKey[i])")
        }
        let leafDepth = tokenCount == 0 ? 1 : min(tokenCount, maxDepth)
        if depthOf[i] != leafDepth {
          throw f.bad("tree.cluster_ids", "template \(id) sits at depth \(depthOf[i]), expected \(leafDepth)")
        }
      }
      nodes.append(Node(parent: p, key: key, clusterIDs: held))
    }
    if let t = heldBy.firstIndex(of: -1) { throw f.bad("tree.cluster_ids", "template \(ids[t]) is held by no node") }
  }
}

func binarySearch(_ a: [UInt32], _ x: UInt32) -> Int? {
  var lo = 0, hi = a.count
  while lo < hi {
    let mid = (lo + hi) / 2
    if a[mid] == x { return mid }
    if a[mid] < x { lo = mid + 1 } else { hi = mid }
  }
  return nil
}

/// True when the bytes are a decimal integer without leading zeros ("0" allowed).
func isCanonicalDecimal(_ s: String) -> Bool {
  let u = Array(s.utf8)
  guard !u.isEmpty, u.count <= 10, u.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return false }
  return u.count == 1 || u[0] != 0x30
}
