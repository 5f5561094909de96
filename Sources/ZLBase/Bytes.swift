// Bytes: small helpers over byte strings shared by every module — hexadecimal text both ways and
// bytewise (memcmp) order, the order the checkpoint format sorts keys, words and names in.

/// Lower-case hexadecimal text of bytes.
public func hexString<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
  let digits = Array("0123456789abcdef".utf8)
  var out = [UInt8]()
  out.reserveCapacity(bytes.count * 2)
  for b in bytes {
    out.append(digits[Int(b >> 4)])
    out.append(digits[Int(b & 15)])
  }
  return String(decoding: out, as: UTF8.self)
}

/// Parses lower- or upper-case hexadecimal text; nil if malformed.
public func bytesFromHex(_ text: String) -> [UInt8]? {
  let u = Array(text.utf8)
  guard u.count % 2 == 0 else { return nil }
  func v(_ c: UInt8) -> UInt8? {
    switch c {
    case 0x30...0x39: return c - 0x30
    case 0x61...0x66: return c - 0x61 + 10
    case 0x41...0x46: return c - 0x41 + 10
    default: return nil
    }
  }
  var out = [UInt8]()
  out.reserveCapacity(u.count / 2)
  var i = 0
  while i < u.count {
    guard let hi = v(u[i]), let lo = v(u[i + 1]) else { return nil }
    out.append(hi << 4 | lo)
    i += 2
  }
  return out
}

/// Bytewise (memcmp) order: true when `a` sorts strictly before `b`.
public func bytewiseLess<A: Collection, B: Collection>(_ a: A, _ b: B) -> Bool
where A.Element == UInt8, B.Element == UInt8 {
  a.lexicographicallyPrecedes(b)
}
