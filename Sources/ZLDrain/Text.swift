// Text: byte-level helpers that reproduce Python's str semantics where Drain3 relies on them —
// str.split()/strip() whitespace (ASCII and the Unicode spaces), str.isdigit() for "has numbers" —
// plus UTF-8 repair, so training and scoring see exactly the same bytes.

/// Length of the Python whitespace character at `i` (0 when it is not whitespace).
/// ASCII: space, \t \n \v \f \r and \x1c-\x1f; Unicode: U+0085, U+00A0, U+1680, U+2000-U+200A,
/// U+2028, U+2029, U+202F, U+205F, U+3000 (what Python's str.split() splits on).
@inline(__always)
func whitespaceLength(_ b: UnsafeBufferPointer<UInt8>, _ i: Int) -> Int {
  let c = b[i]
  if c < 0x80 {
    return (c == 0x20 || (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x1F)) ? 1 : 0
  }
  return unicodeWhitespaceLength(b, i)
}

@inline(never)
func unicodeWhitespaceLength(_ b: UnsafeBufferPointer<UInt8>, _ i: Int) -> Int {
  let n = b.count
  let c = b[i]
  if c == 0xC2 && i + 1 < n && (b[i + 1] == 0x85 || b[i + 1] == 0xA0) { return 2 }
  if c == 0xE1 && i + 2 < n && b[i + 1] == 0x9A && b[i + 2] == 0x80 { return 3 }
  if c == 0xE2 && i + 2 < n {
    let d = b[i + 1], e = b[i + 2]
    if d == 0x80 && (e <= 0x8A || e == 0xA8 || e == 0xA9 || e == 0xAF) { return 3 }
    if d == 0x81 && e == 0x9F { return 3 }
  }
  if c == 0xE3 && i + 2 < n && b[i + 1] == 0x80 && b[i + 2] == 0x80 { return 3 }
  return 0
}

/// The range of `b` without leading and trailing Python whitespace (str.strip()).
func stripped(_ b: UnsafeBufferPointer<UInt8>) -> Range<Int> {
  var lo = 0
  while lo < b.count {
    let w = whitespaceLength(b, lo)
    if w == 0 { break }
    lo += w
  }
  var hi = b.count
  while hi > lo {
    // Step back over one character; whitespace characters are 1–3 bytes.
    var k = hi - 1
    while k > lo && b[k] & 0xC0 == 0x80 { k -= 1 }
    if whitespaceLength(b, k) == hi - k { hi = k } else { break }
  }
  return lo..<hi
}

/// True when any character of the UTF-8 text is a digit in Python's sense (str.isdigit():
/// Unicode numeric type Decimal or Digit).
func hasDigit(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
  var ascii = true
  for c in b {
    if c >= 0x30 && c <= 0x39 { return true }
    if c >= 0x80 { ascii = false }
  }
  if ascii { return false }
  for u in String(decoding: b, as: UTF8.self).unicodeScalars where u.value >= 0x80 {
    switch u.properties.numericType {
    case .decimal?, .digit?: return true
    default: continue
    }
  }
  return false
}

/// True when every byte is ASCII.
@inline(__always)
func isASCII(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
  var acc: UInt8 = 0
  for c in b { acc |= c }
  return acc < 0x80
}

/// The bytes as valid UTF-8: invalid sequences become U+FFFD, as Python's errors="replace" does
/// for each maximal invalid subpart. Returns nil when the input is already valid.
func repairedUTF8(_ b: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
  if isASCII(b) { return nil }
  if String(validating: b, as: UTF8.self) != nil { return nil }
  return Array(String(decoding: b, as: UTF8.self).utf8)
}
