// Drain: the Drain log-template miner with Drain3 0.9.x semantics (drain3/drain.py): a prefix tree
// keyed by token count then the first `depth − 2 − 1` tokens, similarity search among the leaf's
// templates, template generalisation with the parameter string, `max_children` handling, digit
// tokens routed to the parameter child, and an LRU cache of templates bounded by `max_clusters`.
// `learn` changes state; `match` (Drain3's `match(…, "never")`) never does. Tokens are interned ids.

import ZLBase
import ZLFormat

/// How a learned line changed the state (Drain3's update_type).
public enum DrainUpdate: Sendable, Equatable {
  case created
  case templateChanged
  case none
}

public struct Drain: Sendable {
  public let config: DrainConfig
  /// Interned tokens (tree keys and template tokens).
  public private(set) var tokens = TokenTable()
  let paramToken: UInt32
  /// Per token id (interned right after the parameter token): counts as a parameter in the similarity.
  private let wildcard: [Bool]

  // Templates, in slots (an evicted template's slot is reused). `slotOf` maps ids to slots.
  private(set) var templateTokens: [[UInt32]] = []
  private(set) var templateIDs: [UInt32] = []
  private(set) var templateSizes: [UInt64] = []
  private var slotOf = IDSlotMap()
  private var freeSlots: [Int32] = []
  // LRU order over slots (only when max_clusters > 0): head is least recently used.
  private var prev: [Int32] = []
  private var next: [Int32] = []
  private var head: Int32 = -1
  private var tail: Int32 = -1
  /// Drain3's clusters_counter: the last id handed out.
  public private(set) var clustersCounter: UInt32 = 0

  // The tree: node 0 is the root.
  struct Node: Sendable {
    var children: [UInt32: Int32] = [:]
    var clusterIDs: [UInt32] = []
  }
  private(set) var nodes: [Node] = [Node()]
  /// Root children by token count.
  private var byCount: [Int: Int32] = [:]

  /// Token-table size that triggers compaction (tokens of lines that became no template's); never
  /// for a Drain that does not compact (an overlay, which starts afresh instead).
  private var compactAt = 1 << 17
  private var compacts = true

  /// Drain3's max_node_depth.
  var maxNodeDepth: Int { config.depth - 2 }

  public init(config: DrainConfig) {
    precondition(config.depth >= 3, "Drain depth must be at least 3 (validated by the caller)")
    self.config = config
    var t = TokenTable()
    paramToken = t.intern(config.paramString)
    var w = [Bool](repeating: false, count: Int(paramToken) + 1)
    for text in config.wildcardTokens where text != config.paramString {
      let id = Int(t.intern(text))
      if id >= w.count { w += [Bool](repeating: false, count: id + 1 - w.count) }
      w[id] = true
    }
    wildcard = w
    tokens = t
  }

  /// A Drain whose first new template gets `firstID` (an overlay beside a trained state). It never
  /// compacts its token table: its owner starts a new one past a bound (Formats/scoring-v1.md §8), so the
  /// number of tokens it has seen is a plain count.
  public init(config: DrainConfig, firstID: UInt32) {
    self.init(config: config)
    clustersCounter = firstID &- 1
    compacts = false
  }

  /// Number of live templates.
  public var templateCount: Int { slotOf.count }

  // MARK: - Cache (Drain3's id_to_cluster)

  @inline(__always)
  func slot(_ id: UInt32) -> Int32? { slotOf[id] }

  private mutating func touch(_ s: Int32) {
    guard config.maxClusters > 0, tail != s else { return }
    unlink(s)
    append(s)
  }

  private mutating func unlink(_ s: Int32) {
    let p = prev[Int(s)], n = next[Int(s)]
    if p >= 0 { next[Int(p)] = n } else { head = n }
    if n >= 0 { prev[Int(n)] = p } else { tail = p }
  }

  private mutating func append(_ s: Int32) {
    prev[Int(s)] = tail
    next[Int(s)] = -1
    if tail >= 0 { next[Int(tail)] = s } else { head = s }
    tail = s
  }

  /// Inserts a new template as most recently used, first evicting the least recently used one
  /// when the cache is full (cachetools LRUCache.__setitem__).
  private mutating func insert(id: UInt32, tokens t: [UInt32], size: UInt64 = 1) {
    if config.maxClusters > 0 && slotOf.count >= config.maxClusters && head >= 0 {
      let victim = head
      unlink(victim)
      slotOf[templateIDs[Int(victim)]] = nil
      templateTokens[Int(victim)] = []
      freeSlots.append(victim)
    }
    let s: Int32
    if let f = freeSlots.popLast() {
      s = f
      templateTokens[Int(s)] = t
      templateIDs[Int(s)] = id
      templateSizes[Int(s)] = size
    } else {
      s = Int32(templateTokens.count)
      templateTokens.append(t)
      templateIDs.append(id)
      templateSizes.append(size)
      prev.append(-1)
      next.append(-1)
    }
    slotOf[id] = s
    if config.maxClusters > 0 { append(s) }
  }

  // MARK: - Learning and matching

  /// Drain3's add_log_message on already-masked, tokenized content. Returns the template id.
  @discardableResult
  public mutating func learn(_ line: [UInt32]) -> (id: UInt32, update: DrainUpdate) {
    defer { if compacts && tokens.count > compactAt { compactTokens() } }
    if let s = treeSearch(line, threshold: config.similarityThreshold, includeParams: false) {
      let old = templateTokens[Int(s)]
      var changed = false
      var t = old
      for k in t.indices where line[k] != t[k] && t[k] != paramToken {
        t[k] = paramToken
        changed = true
      }
      if changed { templateTokens[Int(s)] = t }
      templateSizes[Int(s)] += 1
      touch(s)
      return (templateIDs[Int(s)], changed ? .templateChanged : .none)
    }
    clustersCounter += 1
    let id = clustersCounter
    insert(id: id, tokens: line)
    addToPrefixTree(id: id, template: line)
    return (id, .created)
  }

  /// Rebuilds the token table with only the tokens still used (tree keys and live templates), so
  /// memory follows max_clusters rather than the number of distinct tokens ever seen. Ids of live
  /// tokens change; callers hold no token ids across calls to `learn`.
  mutating func compactTokens() {
    var fresh = TokenTable()
    var map = [UInt32: UInt32]()
    func remap(_ t: UInt32) -> UInt32 {
      if let m = map[t] { return m }
      let bytes = Array(tokens.bytes(t))
      let n = bytes.withUnsafeBufferPointer { fresh.intern($0) }
      map[t] = n
      return n
    }
    let newParam = remap(paramToken)
    precondition(newParam == paramToken, "the parameter token is interned first")
    for text in config.wildcardTokens where text != config.paramString {
      let old = tokens.lookup(text)
      precondition(old.map { remap($0) } == old, "the wildcard tokens are interned next, in order")
    }
    for (id, s) in slotOf { _ = id; templateTokens[Int(s)] = templateTokens[Int(s)].map(remap) }
    for n in nodes.indices {
      var kids: [UInt32: Int32] = [:]
      for (k, v) in nodes[n].children { kids[remap(k)] = v }
      nodes[n].children = kids
    }
    tokens = fresh
    compactAt = max(1 << 17, 2 * tokens.count)
  }

  /// Drain3's match(content, "never"): tree search with threshold 1.0, parameters counting as
  /// matches. Never changes any state.
  public func match(_ line: [UInt32]) -> UInt32? {
    guard let s = treeSearch(line, threshold: 1.0, includeParams: true) else { return nil }
    return templateIDs[Int(s)]
  }

  /// tree_search: token-count node, then one level per leading token (exact key, else the
  /// parameter child), then fast_match among the leaf's templates. Returns a slot.
  func treeSearch(_ line: [UInt32], threshold: Double, includeParams: Bool) -> Int32? {
    let count = line.count
    guard var cur = byCount[count] else { return nil }
    if count == 0 {
      guard let id = nodes[Int(cur)].clusterIDs.first else { return nil }
      return slotOf[id]
    }
    var depth = 1
    for token in line {
      if depth >= maxNodeDepth || depth == count { break }
      guard let child = nodes[Int(cur)].children[token] ?? nodes[Int(cur)].children[paramToken] else { return nil }
      cur = child
      depth += 1
    }
    return fastMatch(nodes[Int(cur)].clusterIDs, line, threshold: threshold, includeParams: includeParams)
  }

  /// fast_match: the best template by similarity, ties to more parameters; nil below threshold.
  func fastMatch(_ ids: [UInt32], _ line: [UInt32], threshold: Double, includeParams: Bool) -> Int32? {
    var maxSim = -1.0
    var maxParams = -1
    var best: Int32? = nil
    for id in ids {
      guard let s = slotOf[id] else { continue }
      // Borrowed, not copied (a copy of each candidate's tokens costs a retain and a release).
      let (sim, params) = templateTokens[Int(s)].withUnsafeBufferPointer { t in
        line.withUnsafeBufferPointer { sequenceDistance(t, $0, includeParams: includeParams) }
      }
      if sim > maxSim || (sim == maxSim && params > maxParams) {
        maxSim = sim
        maxParams = params
        best = s
      }
    }
    return maxSim >= threshold ? best : nil
  }

  /// get_seq_distance: identical non-parameter tokens over the length (plus parameters if asked).
  @inline(__always)
  func sequenceDistance(_ template: UnsafeBufferPointer<UInt32>, _ line: UnsafeBufferPointer<UInt32>, includeParams: Bool) -> (Double, Int) {
    if template.isEmpty { return (1.0, 0) }
    var same = 0, params = 0, equalParams = 0
    for k in template.indices {
      let t = template[k]
      if t == paramToken || (Int(t) < wildcard.count && wildcard[Int(t)]) {
        params += 1
        if t == line[k] { equalParams += 1 }
        continue
      }
      if t == line[k] { same += 1 }
    }
    if config.identicalLinesMatch && same + equalParams == template.count { return (1.0, params) }
    if includeParams { same += params }
    return (Double(same) / Double(template.count), params)
  }

  /// add_seq_to_prefix_tree, including Drain3's max_children rules and stale-id clean-up.
  private mutating func addToPrefixTree(id: UInt32, template: [UInt32]) {
    let count = template.count
    var cur: Int32
    if let c = byCount[count] { cur = c } else {
      cur = newNode()
      byCount[count] = cur
      nodes[0].children[countKey(count)] = cur
    }
    if count == 0 {
      nodes[Int(cur)].clusterIDs = [id]
      return
    }
    var depth = 1
    for token in template {
      if depth >= maxNodeDepth || depth >= count {
        var kept = nodes[Int(cur)].clusterIDs.filter { slotOf[$0] != nil }
        kept.append(id)
        nodes[Int(cur)].clusterIDs = kept
        break
      }
      let children = nodes[Int(cur)].children
      if let existing = children[token] {
        cur = existing
      } else if config.parametrizeNumericTokens && tokens.hasDigit[Int(token)] {
        cur = child(of: cur, key: paramToken)
      } else if children[paramToken] != nil {
        cur = children.count < config.maxChildren ? child(of: cur, key: token) : children[paramToken]!
      } else if children.count + 1 < config.maxChildren {
        cur = child(of: cur, key: token)
      } else {
        // len + 1 == max_children: the last slot goes to the parameter child (Drain3 would fail
        // with a KeyError past that point, which cannot be reached).
        cur = child(of: cur, key: paramToken)
      }
      depth += 1
    }
  }

  /// The child of `node` under `key`, created if missing.
  private mutating func child(of node: Int32, key: UInt32) -> Int32 {
    if let c = nodes[Int(node)].children[key] { return c }
    let c = newNode()
    nodes[Int(node)].children[key] = c
    return c
  }

  private mutating func newNode() -> Int32 {
    nodes.append(Node())
    return Int32(nodes.count - 1)
  }

  /// The interned key of a token-count node ("0", "1", ...), as Drain3 keys them by str(count).
  private mutating func countKey(_ n: Int) -> UInt32 { tokens.intern(String(n)) }

  // MARK: - Access

  /// Interns one token (the front end's overlay learns lines token by token).
  public mutating func intern(_ b: [UInt8]) -> UInt32 { b.withUnsafeBufferPointer { tokens.intern($0) } }

  /// Interns the whitespace-separated tokens of `b` into `ids` (room for b.count / 2 + 1); returns
  /// their number.
  public mutating func internTokens(of b: UnsafeBufferPointer<UInt8>, into ids: UnsafeMutablePointer<UInt32>) -> Int {
    var k = 0
    forEachToken(b) { token in
      ids[k] = tokens.intern(token)
      k += 1
    }
    return k
  }

  /// Looks up the whitespace-separated tokens of `b` into `ids` (unknown: `TokenTable.unknown`).
  public func lookupTokens(of b: UnsafeBufferPointer<UInt8>, into ids: UnsafeMutablePointer<UInt32>) -> Int {
    var k = 0
    forEachToken(b) { token in
      ids[k] = tokens.lookup(token) ?? TokenTable.unknown
      k += 1
    }
    return k
  }

  /// The template text of a live template (tokens joined by spaces), or nil.
  public func template(id: UInt32) -> String? {
    guard let s = slotOf[id] else { return nil }
    return templateTokens[Int(s)].map { tokens.text($0) }.joined(separator: " ")
  }

  /// The template tokens of a live template.
  public func templateTokenTexts(id: UInt32) -> [String]? {
    guard let s = slotOf[id] else { return nil }
    return templateTokens[Int(s)].map { tokens.text($0) }
  }

  /// Number of lines a live template matched while learning.
  public func size(id: UInt32) -> UInt64? { slotOf[id].map { templateSizes[Int($0)] } }

  /// Live template ids in ascending order.
  public var templateIDList: [UInt32] { slotOf.ids.map { UInt32($0) }.sorted() }

  // MARK: - Restoring a saved state

  /// Rebuilds a Drain from its stored form (the checkpoint's DRAN section or an imported Drain3
  /// state); the section has already been validated.
  public init(section d: DrainSection) {
    self.init(config: d.config)
    var maxID: UInt32 = 0
    // Insert in LRU order so the recency order is restored exactly.
    let order = d.config.maxClusters > 0 ? d.lruOrder : d.templates.map { $0.id }
    let byID = Dictionary(uniqueKeysWithValues: d.templates.map { ($0.id, $0) })
    for id in order {
      let t = byID[id]!
      let ids = t.tokens.map { tokens.intern($0) }
      insertRestored(id: id, tokens: ids, size: t.size)
      maxID = max(maxID, id)
    }
    let counter = d.nextClusterID == 0 ? 0 : d.nextClusterID - 1
    clustersCounter = UInt32(min(UInt64(UInt32.max), max(UInt64(maxID), counter)))
    nodes = []
    byCount = [:]
    for (i, n) in d.nodes.enumerated() {
      nodes.append(Node(children: [:], clusterIDs: n.clusterIDs))
      if i > 0 {
        let key = tokens.intern(n.key)
        nodes[Int(n.parent)].children[key] = Int32(i)
        if n.parent == 0, let c = Int(n.key) { byCount[c] = Int32(i) }
      }
    }
  }

  private mutating func insertRestored(id: UInt32, tokens t: [UInt32], size: UInt64) {
    let s = Int32(templateTokens.count)
    templateTokens.append(t)
    templateIDs.append(id)
    templateSizes.append(size)
    prev.append(-1)
    next.append(-1)
    slotOf[id] = s
    if config.maxClusters > 0 { append(s) }
  }

  /// The state as a DRAN section: breadth-first nodes with sorted sibling keys, stale template
  /// ids dropped, templates sorted by id.
  public func section(logFormat: String, masker: Masker) -> DrainSection {
    precondition(config.wildcardTokens.isEmpty && !config.identicalLinesMatch, "mask-aware similarity is for zl-train parse; DRAN holds Drain3's state only")
    var templates: [DrainSection.Template] = []
    for id in templateIDList {
      let s = Int(slotOf[id]!)
      templates.append(.init(id: id, size: templateSizes[s], tokens: templateTokens[s].map { tokens.text($0) }))
    }
    var lru: [UInt32] = []
    if config.maxClusters > 0 {
      var s = head
      while s >= 0 {
        lru.append(templateIDs[Int(s)])
        s = next[Int(s)]
      }
    } else {
      lru = templates.map { $0.id }
    }
    var out: [DrainSection.Node] = [.init(parent: DrainSection.rootParent, key: "", clusterIDs: [])]
    var queue: [(Int32, Int)] = [(0, 0)]  // (node in self, index in out)
    var q = 0
    while q < queue.count {
      let (n, outIndex) = queue[q]
      q += 1
      let kids = nodes[Int(n)].children.map { (key: tokens.text($0.key), node: $0.value) }
        .sorted { bytewiseLess($0.key.utf8, $1.key.utf8) }
      for k in kids {
        out.append(.init(parent: UInt32(outIndex), key: k.key, clusterIDs: nodes[Int(k.node)].clusterIDs.filter { slotOf[$0] != nil }))
        queue.append((k.node, out.count - 1))
      }
    }
    return DrainSection(logFormat: logFormat, config: config, maskPrefix: masker.prefix, maskSuffix: masker.suffix,
                        masks: masker.rules, nextClusterID: UInt64(clustersCounter) + 1, templates: templates,
                        lruOrder: lru, nodes: out)
  }
}
