// SessionSection: the SESS section (zlck-v1.md §8.6) — how lines are grouped into sessions and the
// limits that keep open sessions bounded.

import ZLFormat
import ZLRegex

/// How log lines are grouped into sessions (ARCHITECTURE.md decision 6).
public enum SessionRule: Equatable, Sendable, CustomStringConvertible {
  /// HDFS block ids (`blk_-?[0-9]+`); a line with several ids joins each of their sessions.
  case block
  /// OpenStack instance uuids (`instance: <uuid>`).
  case instance
  /// Consecutive runs of N lines.
  case window(Int)
  /// Per node (BGL's node field), consecutive runs of N lines of that node.
  case nodeWindow(Int)
  /// Fixed time windows of the given length in seconds (needs a parsable time stamp).
  case time(Double)
  /// The first match of a zl-re/1 pattern is the session key.
  case regex(String)

  /// Parses `block`, `instance`, `window:N`, `node-window:N`, `time:SECONDS`, `regex:PATTERN`.
  /// - Throws: `DrainError.badSessionRule` saying what is wrong.
  public init(parsing text: String) throws {
    func isDigits(_ s: Substring) -> Bool { !s.isEmpty && s.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 } }
    func count(_ s: Substring) throws -> Int {
      guard isDigits(s), s.first != "0", let n = Int(s), n >= 1, n <= 1_000_000 else { throw DrainError(.badSessionRule, "'\(text)': N must be an integer in 1...1000000") }
      return n
    }
    if text == "block" {
      self = .block
    } else if text == "instance" {
      self = .instance
    } else if text.hasPrefix("window:") {
      self = .window(try count(text.dropFirst(7)))
    } else if text.hasPrefix("node-window:") {
      self = .nodeWindow(try count(text.dropFirst(12)))
    } else if text.hasPrefix("time:") {
      let t = text.dropFirst(5)
      let parts = t.split(separator: ".", omittingEmptySubsequences: false)
      guard parts.count <= 2, parts.allSatisfy(isDigits), let s = Double(t), s > 0, s <= 1e9 else {
        throw DrainError(.badSessionRule, "'\(text)': SECONDS must be a number > 0")
      }
      self = .time(s)
    } else if text.hasPrefix("regex:") {
      let p = String(text.dropFirst(6))
      do { _ = try Regex(p) } catch { throw DrainError(.badSessionRule, "'\(text)': \(error)") }
      self = .regex(p)
    } else {
      throw DrainError(.badSessionRule, "'\(text)' is not one of block, instance, window:N, node-window:N, time:SECONDS, regex:PATTERN")
    }
  }

  public var description: String {
    switch self {
    case .block: return "block"
    case .instance: return "instance"
    case .window(let n): return "window:\(n)"
    case .nodeWindow(let n): return "node-window:\(n)"
    case .time(let s): return "time:" + (s == s.rounded() && s < 1e15 ? String(Int64(s)) : "\(s)")
    case .regex(let p): return "regex:" + p
    }
  }
}

extension SessionRule {
  /// Checks that the log format has every field the rule reads; returns the index of the node field
  /// (`node-window`: `nodeField`, or the first of Node, User, Host, Location), nil for other rules.
  /// - Throws: `DrainError.sessionRuleNeedsField`.
  @discardableResult
  public func check(format: LogFormat, nodeField: String?) throws -> Int? {
    let fields = format.fields
    switch self {
    case .nodeWindow:
      let wanted = nodeField.map { [$0] } ?? ["Node", "User", "Host", "Location"]
      guard let k = wanted.compactMap({ fields.firstIndex(of: $0) }).first else {
        throw DrainError(.sessionRuleNeedsField, "rule node-window needs a node field (\(wanted.joined(separator: " or "))) in the log format '\(format.text)'")
      }
      return k
    case .time:
      if !fields.contains("Timestamp") && !fields.contains("Time") {
        throw DrainError(.sessionRuleNeedsField, "rule time:SECONDS needs a Timestamp or Time field in the log format '\(format.text)'")
      }
      return nil
    default:
      return nil
    }
  }
}

/// Session rule and the limits that keep open sessions bounded.
public struct SessionSection: Equatable, Sendable {
  public var rule: SessionRule
  /// A session closes when it reaches this many events.
  public var maxEvents: Int
  /// A session with no new line for this many input lines closes; 0 = never.
  public var idleLines: Int
  /// At most this many sessions are open; the least recently active closes first.
  public var maxOpen: Int

  /// On a stream (standard input, a pipe), a session with no new line for this many seconds of wall
  /// clock closes; 0 = never. (Files are not affected: their closes depend on their lines only.)
  public var idleSeconds: Double

  /// The stream default: a minute without a line closes a session, so a `tail -F | zl-score` pipe
  /// prints the sessions that went quiet.
  public static let defaultIdleSeconds = 60.0

  public init(rule: SessionRule, maxEvents: Int = 500, idleLines: Int = 0, maxOpen: Int = 100_000,
              idleSeconds: Double = SessionSection.defaultIdleSeconds) {
    self.rule = rule
    self.maxEvents = maxEvents
    self.idleLines = idleLines
    self.maxOpen = maxOpen
    self.idleSeconds = idleSeconds
  }

  public init(record: Record) throws {
    let f = RecordFields(record: record, section: "section SESS")
    let text = try f.string("rule")
    let rule: SessionRule
    do { rule = try SessionRule(parsing: text) } catch let e as DrainError { throw f.bad("rule", e.detail) }
    let maxEvents = try f.uint("max_events")
    if maxEvents < 1 || maxEvents > 1 << 31 { throw f.bad("max_events", "is \(maxEvents), expected 1-2^31") }
    let idle = try f.uint("idle_lines")
    if idle > 1 << 40 { throw f.bad("idle_lines", "is \(idle), over 2^40") }
    let maxOpen = try f.uint("max_open")
    if maxOpen < 1 || maxOpen > 1 << 31 { throw f.bad("max_open", "is \(maxOpen), expected 1-2^31") }
    // Optional (files without it: never, as before the key existed).
    var seconds = 0.0
    if record["idle_seconds"] != nil {
      seconds = try f.double("idle_seconds")
      if !(seconds >= 0 && seconds <= 1e9) { throw f.bad("idle_seconds", "is \(seconds), expected 0-1e9") }
    }
    self.init(rule: rule, maxEvents: Int(maxEvents), idleLines: Int(idle), maxOpen: Int(maxOpen), idleSeconds: seconds)
  }

  public var record: Record {
    Record([("rule", .string(rule.description)), ("max_events", .uint(UInt64(maxEvents))),
            ("idle_lines", .uint(UInt64(idleLines))), ("max_open", .uint(UInt64(maxOpen)))]
           + (idleSeconds > 0 ? [("idle_seconds", .double(idleSeconds))] : []))
  }
}
