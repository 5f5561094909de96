// SessionKeys: what the session rules read from a line — HDFS block ids, OpenStack instance uuids,
// window and node-window counters, time windows from the line's time fields, the first match of a
// pattern — as key bytes for the sessionizer's key table (no string per line).

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

extension Sessionizer {
  /// The keys a line belongs to (several for HDFS lines naming several blocks; none for a line
  /// without a key), as UTF-8 into `keyBytes` / `keyRanges`: no strings are made per line.
  func collectKeys(line: UnsafeBufferPointer<UInt8>, fields: LineFields) {
    keyBytes.removeAll(keepingCapacity: true)
    keyRanges.removeAll(keepingCapacity: true)
    func add(_ bytes: some Collection<UInt8>) {
      let start = keyBytes.count
      keyBytes.append(contentsOf: bytes)
      let r = start..<keyBytes.count
      // Each key once, in order of appearance.
      for q in keyRanges where q.count == r.count && keyBytes[q].elementsEqual(keyBytes[r]) {
        keyBytes.removeSubrange(r)
        return
      }
      keyRanges.append(r)
    }
    switch rule {
    case .block: blockIDs(line, add)
    case .instance: instanceIDs(line, add)
    case .window(let n):
      add("window \(windowCount / n)".utf8)
      windowCount += 1
    case .nodeWindow(let n):
      guard fields.matchedFormat, let k = nodeField else { return }
      let node = String(decoding: line[fields.fields[k]], as: UTF8.self)
      let c = nodeCounts[node, default: 0]
      // Counts of nodes beyond max-open distinct ones are forgotten (windows start again from 0),
      // so a stream of ever new node names keeps this bounded like the open sessions.
      if c == 0 && nodeCounts.count >= maxOpen { nodeCounts.removeAll(keepingCapacity: true) }
      nodeCounts[node] = c + 1
      add("\(node) #\(c / n)".utf8)
    case .time(let seconds):
      guard fields.matchedFormat, let t = timestamp(line, fields) else { return }
      add("t \(Int64((t / seconds).rounded(.down)))".utf8)
    case .regex:
      guard let caps = keyRegex!.captures(inBytes: line, scratch: &scratch) else { return }
      let r = (caps.count > 1 ? caps[1] : nil) ?? caps[0]!
      add(line[r])
    }
  }

  /// `blk_-?[0-9]+` occurrences, in order of appearance.
  func blockIDs(_ b: UnsafeBufferPointer<UInt8>, _ add: (Slice<UnsafeBufferPointer<UInt8>>) -> Void) {
    var i = 0
    let n = b.count
    while i + 4 < n {
      // Find the next 'b' fast, then check "lk_".
      guard let base = b.baseAddress, let hit = memchr(base + i, 0x62, n - 4 - i) else { break }
      i = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
      if b[i + 1] == 0x6C && b[i + 2] == 0x6B && b[i + 3] == 0x5F {
        var j = i + 4
        if j < n && b[j] == 0x2D { j += 1 }
        let digits = j
        while j < n && b[j] >= 0x30 && b[j] <= 0x39 { j += 1 }
        if j > digits {
          add(b[i..<j])
          i = j
          continue
        }
      }
      i += 1
    }
  }

  /// OpenStack `instance: <uuid>` occurrences (lower-cased uuid).
  func instanceIDs(_ b: UnsafeBufferPointer<UInt8>, _ add: ([UInt8]) -> Void) {
    let marker = Array("instance: ".utf8)
    var i = 0
    while i + marker.count + 36 <= b.count {
      if b[i] == 0x69 && b[i..<(i + marker.count)].elementsEqual(marker) {
        let u = i + marker.count
        if isUUID(b, u) {
          add(b[u..<(u + 36)].map { $0 >= 0x41 && $0 <= 0x46 ? $0 | 0x20 : $0 })
          i = u + 36
          continue
        }
      }
      i += 1
    }
  }

  func isUUID(_ b: UnsafeBufferPointer<UInt8>, _ at: Int) -> Bool {
    for k in 0..<36 {
      let c = b[at + k]
      if k == 8 || k == 13 || k == 18 || k == 23 {
        if c != 0x2D { return false }
      } else if !((c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46)) {
        return false
      }
    }
    return true
  }

  /// Seconds from the Timestamp field (Unix seconds), or from Date and Time: their digit groups
  /// read as year month day / hour minute second[.fraction] (two-digit years and yymmdd / hhmmss
  /// runs as HDFS writes them are understood). Only differences matter, so the epoch is arbitrary.
  func timestamp(_ b: UnsafeBufferPointer<UInt8>, _ f: LineFields) -> Double? {
    if let k = timeFields.timestamp, isDecimalNumber(b[f.fields[k]]), let v = Double(String(decoding: b[f.fields[k]], as: UTF8.self)), v.isFinite {
      return v
    }
    guard let tk = timeFields.time else { return nil }
    let time = digitGroups(b, f.fields[tk])
    var hms: [Double] = []
    if time.count == 1 && time[0].count == 6 {
      let s = time[0]
      hms = [Double(s.prefix(2))!, Double(s.dropFirst(2).prefix(2))!, Double(s.suffix(2))!]
    } else if time.count >= 3 {
      // The date may be inside the Time field (BGL: 2005-06-03-15.42.50.363779).
      let t = time.suffix(time.count > 4 ? 4 : time.count)
      let a = Array(t)
      hms = [Double(a[0])!, Double(a[1])!, Double(a[2])! + (a.count > 3 ? Double("0." + a[3])! : 0)]
      if time.count >= 6 {
        let ymd = Array(time.prefix(3))
        return days(ymd) * 86_400 + hms[0] * 3600 + hms[1] * 60 + hms[2]
      }
    } else {
      return nil
    }
    var day = 0.0
    if let dk = timeFields.date {
      let d = digitGroups(b, f.fields[dk])
      if d.count == 1 && d[0].count == 6 {
        let s = d[0]
        day = days([String(s.prefix(2)), String(s.dropFirst(2).prefix(2)), String(s.suffix(2))])
      } else if d.count >= 3 {
        day = days(Array(d.prefix(3)))
      } else if let one = d.first, let v = Double(one) {
        day = v
      }
    }
    return day * 86_400 + hms[0] * 3600 + hms[1] * 60 + hms[2]
  }

  /// `[+-]? (digits [. digits?] | . digits) ([eE] [+-]? digits)?` (no hex, no inf or nan: scoring-v1.md §9).
  func isDecimalNumber(_ s: Slice<UnsafeBufferPointer<UInt8>>) -> Bool {
    var i = s.startIndex
    let e = s.endIndex
    func digits() -> Int {
      let start = i
      while i < e && s[i] >= 0x30 && s[i] <= 0x39 { i += 1 }
      return i - start
    }
    if i < e && (s[i] == 0x2B || s[i] == 0x2D) { i += 1 }
    var mantissa = digits()
    if i < e && s[i] == 0x2E {
      i += 1
      mantissa += digits()
    }
    if mantissa == 0 { return false }
    if i < e && (s[i] == 0x65 || s[i] == 0x45) {
      i += 1
      if i < e && (s[i] == 0x2B || s[i] == 0x2D) { i += 1 }
      if digits() == 0 { return false }
    }
    return i == e
  }

  /// Days since an arbitrary epoch for year, month, day digit strings (proleptic Gregorian).
  func days(_ ymd: [String]) -> Double {
    var y = Int(ymd[0]) ?? 0, m = Int(ymd[1]) ?? 1
    let d = Int(ymd[2]) ?? 1
    if y < 100 { y += 2000 }
    if m <= 2 {
      y -= 1
      m += 12
    }
    return Double(365 * y + y / 4 - y / 100 + y / 400 + (153 * (m - 3) + 2) / 5 + d)
  }

  func digitGroups(_ b: UnsafeBufferPointer<UInt8>, _ r: Range<Int>) -> [String] {
    var out: [String] = []
    var i = r.lowerBound
    while i < r.upperBound {
      while i < r.upperBound && !(b[i] >= 0x30 && b[i] <= 0x39) { i += 1 }
      let s = i
      while i < r.upperBound && b[i] >= 0x30 && b[i] <= 0x39 { i += 1 }
      if i > s { out.append(String(decoding: b[s..<i], as: UTF8.self)) }
    }
    return out
  }
}
