// LineReader: streams lines from a file or standard input, plain or gzip (detected by its magic
// bytes), in bounded memory. LF and CRLF both end a line; a line longer than the limit is cut at
// the limit and counted, and the rest of it is skipped, so a 10 MB line cannot exhaust memory.

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

public final class LineReader {
  public let path: String
  public let maxLineLength: Int
  /// Lines read so far (the number of the line last returned, from 1).
  public private(set) var lineNumber = 0
  /// Lines that were longer than `maxLineLength` and were cut.
  public private(set) var truncatedLines = 0
  /// Bytes read from the file (compressed size for gzip input).
  public private(set) var bytesRead: UInt64 = 0

  private let stream: ByteStream
  private var decoder: GzipDecoder?
  private var decided = false
  /// Compressed input (gzip only; plain input is read straight into `buffer`).
  private var raw: [UInt8] = []
  private var rawStart = 0
  private var rawEnd = 0
  /// Lines, decoded: [start, end) not yet returned. It starts at two chunks and doubles only when
  /// one line does not fit (up to about twice the line limit), so memory follows the longest line.
  private var buffer: [UInt8]
  private var start = 0
  private var end = 0
  private var eof = false
  private let chunk = 1 << 18

  /// Opens `path` ("-" for standard input).
  /// - Throws: `IOFailure` when it cannot be opened.
  public init(path: String, maxLineLength: Int = 1 << 20) throws {
    self.path = path
    self.maxLineLength = max(1, maxLineLength)
    stream = try ByteStream(path: path)
    buffer = LineReader.uninitialized(2 * chunk)
  }

  /// An array of `count` bytes whose contents are not set (only the bytes read in are ever read):
  /// pages no read reaches are never touched.
  private static func uninitialized(_ count: Int) -> [UInt8] {
    [UInt8](unsafeUninitializedCapacity: count) { _, n in n = count }
  }

  /// Called every second while a stream (not a regular file) has no input: a scorer closes idle
  /// sessions there. Set before reading.
  public func setTick(everyMilliseconds ms: Int32 = 1000, _ body: @escaping () throws -> Void) {
    if !stream.isRegularFile {
      stream.onTick = body
      stream.tickMilliseconds = max(10, ms)
    }
  }

  /// The name of a compression format other than gzip that `head` starts with (by its magic bytes).
  static func otherCompression(_ head: ArraySlice<UInt8>) -> String? {
    let magics: [(String, [UInt8])] = [("xz", [0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00]), ("zstd", [0x28, 0xB5, 0x2F, 0xFD]),
                                       ("bzip2", [0x42, 0x5A, 0x68]), ("zip", [0x50, 0x4B, 0x03, 0x04]), ("7z", [0x37, 0x7A, 0xBC, 0xAF, 0x27, 0x1C])]
    for (name, m) in magics where head.starts(with: m) {
      // bzip2: "BZh" + a block size digit + the block magic (π), so a text starting "BZh" is text.
      if name == "bzip2" && !(head.count >= 10 && Array(head.dropFirst(4).prefix(6)) == [0x31, 0x41, 0x59, 0x26, 0x53, 0x59]) { continue }
      return name
    }
    return nil
  }

  /// True when the input is gzip-compressed (known after the first read).
  public var isCompressed: Bool { decoder != nil }

  /// Refills `buffer` after `end`; returns false at end of input.
  private func fill() throws -> Bool {
    if eof { return false }
    if start > 0 && (start == end || end > buffer.count / 2) {
      // Move the unread tail to the front.
      buffer.withUnsafeMutableBytes { b in
        if end > start { b.baseAddress!.copyMemory(from: b.baseAddress! + start, byteCount: end - start) }
      }
      end -= start
      start = 0
    }
    if end == buffer.count {
      // A line longer than the buffer: double it (the line limit bounds how far).
      var grown = LineReader.uninitialized(buffer.count * 2)
      grown.withUnsafeMutableBytes { g in buffer.withUnsafeBytes { b in g.baseAddress!.copyMemory(from: b.baseAddress!, byteCount: end) } }
      buffer = grown
    }
    if decided && decoder == nil && rawStart == rawEnd {
      // Plain input (its first read, which told, went through `raw`): read straight into the buffer.
      if !raw.isEmpty { raw = [] }
      let n = try buffer.withUnsafeMutableBytes { b in
        try stream.read(into: UnsafeMutableRawBufferPointer(rebasing: b[end..<min(b.count, end + chunk)]))
      }
      bytesRead += UInt64(n)
      end += n
      if n == 0 { eof = true }
      return n > 0
    }
    while true {
      if rawStart == rawEnd {
        if raw.isEmpty { raw = LineReader.uninitialized(chunk) }
        let n = try raw.withUnsafeMutableBytes { try stream.read(into: $0) }
        bytesRead += UInt64(n)
        rawStart = 0
        rawEnd = n
        if n == 0 {
          eof = true
          if let d = decoder, !d.finished, !ProcessCleanup.stopRequested { throw IOFailure.corruptData(path: path, detail: "gzip stream is truncated") }
          return false
        }
        if !decided {
          decided = true
          if n >= 2 && raw[0] == 0x1F && raw[1] == 0x8B { decoder = try GzipDecoder() }
          if let name = LineReader.otherCompression(raw[0..<n]) {
            throw IOFailure.corruptData(path: path, detail: "the input is \(name)-compressed, which zl does not read (only gzip); decompress it first, e.g. \(name == "zip" ? "unzip -p FILE" : name == "zstd" ? "zstd -dc FILE" : name == "xz" ? "xz -dc FILE" : name == "bzip2" ? "bzip2 -dc FILE" : "7z x -so FILE") | zl-score MODEL -")
          }
        }
      }
      if let d = decoder {
        let (used, produced) = try raw.withUnsafeBytes { r in
          try buffer.withUnsafeMutableBytes { b in
            do {
              return try d.decode(input: UnsafeRawBufferPointer(rebasing: r[rawStart..<rawEnd]),
                                  output: UnsafeMutableRawBufferPointer(rebasing: b[end...]))
            } catch InflateFailure.failed(let msg) {
              throw IOFailure.corruptData(path: path, detail: "gzip data is corrupt (\(msg))")
            }
          }
        }
        rawStart += used
        end += produced
        if produced > 0 { return true }
        if used == 0 && rawStart < rawEnd { throw IOFailure.corruptData(path: path, detail: "gzip data is corrupt (no progress)") }
      } else {
        let n = min(rawEnd - rawStart, buffer.count - end)
        buffer.withUnsafeMutableBytes { b in
          raw.withUnsafeBytes { r in (b.baseAddress! + end).copyMemory(from: r.baseAddress! + rawStart, byteCount: n) }
        }
        rawStart += n
        end += n
        return true
      }
    }
  }

  /// Set after a line was cut: the rest of it, up to and including its newline, is discarded.
  private var skipUntilNewline = false

  /// Calls `body` with the next line (no line terminator) and returns its result, or nil at the end.
  public func next<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) throws -> R? {
    var scanned = 0  // bytes after `start` already known to hold no newline
    while true {
      if skipUntilNewline {
        if let nl = findNewline(from: start) {
          start = nl + 1
          skipUntilNewline = false
          scanned = 0
          continue
        }
        start = end
        if try !fill() { return nil }
        continue
      }
      if let nl = findNewline(from: start + scanned) {
        return try emit(from: start, to: nl, consume: nl + 1, body)
      }
      // More than the limit + 1 bytes and no LF yet: the line (without a final CR) is longer than
      // the limit whatever follows.
      if end - start > maxLineLength + 1 {
        truncatedLines += 1
        skipUntilNewline = true
        let cut = start + maxLineLength
        return try emit(from: start, to: cut, consume: cut, body, trimCR: false)
      }
      scanned = end - start
      if try !fill() {
        if end > start { return try emit(from: start, to: end, consume: end, body) }
        return nil
      }
    }
  }

  private func findNewline(from k0: Int) -> Int? {
    if k0 >= end { return nil }
    return buffer.withUnsafeBufferPointer { b in
      guard let base = b.baseAddress, let hit = memchr(base + k0, 10, end - k0) else { return nil }
      return UnsafeRawPointer(hit) - UnsafeRawPointer(base)
    }
  }

  private func emit<R>(from a: Int, to b: Int, consume: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> R, trimCR: Bool = true) throws -> R {
    var e = b
    if trimCR && e > a && buffer[e - 1] == 13 { e -= 1 }
    // A whole line longer than the limit (its LF already read) is cut the same way
    // (Formats/scoring-v1.md §2: every line keeps at most its first maxLineLength bytes).
    if trimCR && e - a > maxLineLength {
      e = a + maxLineLength
      truncatedLines += 1
    }
    lineNumber += 1
    start = consume
    return try buffer.withUnsafeBufferPointer { try body(UnsafeBufferPointer(rebasing: $0[a..<e])) }
  }

  /// The next line as a String (invalid UTF-8 is repaired with U+FFFD), or nil at the end.
  public func nextString() throws -> String? {
    try next { String(decoding: $0, as: UTF8.self) }
  }
}
