// CSV: writing RFC 4180 fields (zl-score --format csv, zl-train parse).

/// A CSV field (RFC 4180): quoted when it holds a comma, a quote, CR or LF; quotes doubled.
public func csvField(_ s: String) -> String {
  var needs = false
  for c in s.utf8 where c == 0x2C || c == 0x22 || c == 0x0A || c == 0x0D {
    needs = true
    break
  }
  if !needs { return s }
  var out = "\""
  for ch in s.unicodeScalars {
    if ch == "\"" { out += "\"\"" } else { out.unicodeScalars.append(ch) }
  }
  return out + "\""
}
