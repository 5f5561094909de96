// Progress: rate-limited progress lines on stderr for long work. On a terminal the line is
// rewritten in place; otherwise a full line is written at most every `interval` seconds.

public final class Progress {
  private let label: String
  private let interval: Double
  private var last: Double
  private let start: Double
  private let terminal: Bool
  private var wroteInPlace = false
  public let enabled: Bool

  public init(_ label: String, interval: Double = 2, enabled: Bool = true) {
    self.label = label
    self.interval = interval
    self.enabled = enabled
    start = monotonicSeconds()
    last = start
    terminal = standardErrorIsTerminal()
  }

  /// Seconds since the start.
  public var elapsed: Double { monotonicSeconds() - start }

  /// Reports `text` if the interval has passed (call as often as convenient).
  public func update(_ text: @autoclosure () -> String) {
    guard enabled else { return }
    let now = monotonicSeconds()
    guard now - last >= interval else { return }
    last = now
    if terminal {
      writeError("\r\(label): \(text())\u{1B}[K")
      wroteInPlace = true
    } else {
      printError("\(label): \(text())")
    }
  }

  /// Ends an in-place line.
  public func finish() {
    if wroteInPlace { writeError("\r\u{1B}[K") }
  }
}

/// A number with thousands separators ("1,234,567").
public func grouped(_ n: Int) -> String {
  let s = String(n.magnitude)
  var out = ""
  for (k, c) in s.enumerated() {
    if k > 0 && (s.count - k) % 3 == 0 { out.append(",") }
    out.append(c)
  }
  return (n < 0 ? "-" : "") + out
}

/// A number rounded to `digits` decimals, as text.
public func fixed(_ x: Double, _ digits: Int = 3) -> String {
  guard x.isFinite else { return "\(x)" }
  var p = 1.0
  for _ in 0..<digits { p *= 10 }
  let r = (x * p).rounded() / p
  var s = "\(r)"
  if s.contains("e") { return s }
  if let dot = s.firstIndex(of: ".") {
    let decimals = s.distance(from: dot, to: s.endIndex) - 1
    if decimals < digits { s += String(repeating: "0", count: digits - decimals) }
  } else if digits > 0 {
    s += "." + String(repeating: "0", count: digits)
  }
  return s
}
