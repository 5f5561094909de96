// Zlib: every call into the system zlib lives in this file (STYLE.md §3.1 rule 3): CRC-32,
// one-shot deflate with recorded parameters, exact-size inflate for checkpoint sections, and a
// streaming gzip/zlib decoder for log and GloVe files. Nothing here knows about file formats.

import CZlib

/// zlib's result codes with Swift names (the corresponding C macros are `Z_*`).
public struct ZlibStatus: Equatable, CustomStringConvertible, Sendable {
  public let rawValue: Int32
  public static let ok = ZlibStatus(rawValue: Z_OK)
  public static let streamEnd = ZlibStatus(rawValue: Z_STREAM_END)
  public static let needDictionary = ZlibStatus(rawValue: Z_NEED_DICT)
  public static let dataError = ZlibStatus(rawValue: Z_DATA_ERROR)
  public static let bufferError = ZlibStatus(rawValue: Z_BUF_ERROR)
  public static let memoryError = ZlibStatus(rawValue: Z_MEM_ERROR)
  public static let streamError = ZlibStatus(rawValue: Z_STREAM_ERROR)
  public var description: String {
    switch rawValue {
    case Z_OK: return "Z_OK"
    case Z_STREAM_END: return "Z_STREAM_END"
    case Z_NEED_DICT: return "Z_NEED_DICT (preset dictionary required)"
    case Z_DATA_ERROR: return "Z_DATA_ERROR"
    case Z_BUF_ERROR: return "Z_BUF_ERROR"
    case Z_MEM_ERROR: return "Z_MEM_ERROR"
    case Z_STREAM_ERROR: return "Z_STREAM_ERROR"
    case Z_VERSION_ERROR: return "Z_VERSION_ERROR"
    default: return "zlib status \(rawValue)"
    }
  }
}

/// How an inflate failed (the checkpoint reader maps these to its rules; elsewhere they are bad
/// data, exit 65).
public enum InflateFailure: ToolError, Equatable, Sendable {
  /// zlib reported corrupt data, a bad Adler-32 or another error; the text is zlib's message.
  case failed(String)
  /// The stream produced more than the declared size.
  case tooLong
  /// The stream ended before the declared size.
  case tooShort(produced: Int)
  /// Input bytes remain after the end of the stream.
  case trailingInput(count: Int)

  public var exitStatus: ExitStatus { .dataError }
  public var message: String {
    switch self {
    case .failed(let m): return "zlib data is corrupt (\(m))"
    case .tooLong: return "zlib data inflates past its declared size"
    case .tooShort(let n): return "zlib data ends after \(n) bytes, before its declared size"
    case .trailingInput(let n): return "\(n) bytes follow the end of the zlib data"
    }
  }
}

/// zlib compression parameters; recorded in each checkpoint section entry so files can be reproduced.
public struct DeflateParameters: Equatable, Hashable, Sendable {
  /// 0–9. 6 is zlib's default trade-off.
  public var level: Int32
  /// 15: the largest window (32 KiB) and a zlib (RFC 1950) wrapper; the format allows only 15.
  public var windowBits: Int32
  /// 1–9; 8 is zlib's default (memory 2^(memLevel+9) bytes for the hash chains).
  public var memLevel: Int32
  /// Z_DEFAULT_STRATEGY (0) … Z_FIXED (4).
  public var strategy: Int32

  public init(level: Int32 = 6, windowBits: Int32 = 15, memLevel: Int32 = 8, strategy: Int32 = 0) {
    self.level = level
    self.windowBits = windowBits
    self.memLevel = memLevel
    self.strategy = strategy
  }

  public static let standard = DeflateParameters()
}

public enum Zlib {
  /// The runtime zlib version string (recorded in the reproducibility section).
  /// The corresponding C function is `zlibVersion`.
  public static var version: String { String(cString: zlibVersion()) }

  /// CRC-32 (ISO-HDLC) of `bytes`, continuing from `initial`.
  /// The corresponding C function is `crc32_z`.
  public static func crc32(_ bytes: UnsafeRawBufferPointer, initial: UInt32 = 0) -> UInt32 {
    guard let base = bytes.baseAddress, bytes.count > 0 else { return initial }
    return UInt32(crc32_z(UInt(initial), base.assumingMemoryBound(to: Bytef.self), bytes.count))
  }

  public static func crc32<C: Collection>(_ bytes: C, initial: UInt32 = 0) -> UInt32 where C.Element == UInt8 {
    if let r = bytes.withContiguousStorageIfAvailable({ crc32(UnsafeRawBufferPointer($0), initial: initial) }) {
      return r
    }
    return Array(bytes).withUnsafeBytes { crc32($0, initial: initial) }
  }

  /// Compresses `raw` into one zlib stream with the given parameters (deterministic for a given
  /// zlib build). The corresponding C functions are `deflateInit2`, `deflateBound`, `deflate`.
  /// - Throws: `InflateFailure.failed` with zlib's message if zlib refuses the parameters.
  public static func deflate(_ raw: UnsafeRawBufferPointer, parameters p: DeflateParameters) throws -> [UInt8] {
    var stream = z_stream()
    var status = czlib_deflateInit2(&stream, p.level, Z_DEFLATED, p.windowBits, p.memLevel, p.strategy)
    guard status == Z_OK else { throw InflateFailure.failed("deflateInit2: \(ZlibStatus(rawValue: status))") }
    defer { deflateEnd(&stream) }
    let bound = Int(deflateBound(&stream, uLong(raw.count)))
    var out = [UInt8](repeating: 0, count: bound)
    var produced = 0
    status = out.withUnsafeMutableBytes { outBuf -> Int32 in
      var inputOffset = 0
      var s: Int32 = Z_OK
      // avail_in is 32-bit: feed at most 1 GiB per call.
      repeat {
        let chunk = min(raw.count - inputOffset, 1 << 30)
        stream.next_in = UnsafeMutablePointer(mutating: raw.baseAddress.map { $0.assumingMemoryBound(to: Bytef.self) + inputOffset })
        stream.avail_in = uInt(chunk)
        stream.next_out = outBuf.baseAddress!.assumingMemoryBound(to: Bytef.self) + produced
        stream.avail_out = uInt(min(outBuf.count - produced, Int(UInt32.max)))
        let last = inputOffset + chunk == raw.count
        s = CZlib.deflate(&stream, last ? Z_FINISH : Z_NO_FLUSH)
        inputOffset += chunk - Int(stream.avail_in)
        produced = Int(bitPattern: UInt(bitPattern: stream.next_out) - UInt(bitPattern: outBuf.baseAddress!))
      } while s == Z_OK
      return s
    }
    guard status == Z_STREAM_END else { throw InflateFailure.failed("deflate: \(ZlibStatus(rawValue: status))") }
    out.removeSubrange(produced...)
    return out
  }

  public static func deflate(_ raw: [UInt8], parameters: DeflateParameters = .standard) throws -> [UInt8] {
    try raw.withUnsafeBytes { try deflate($0, parameters: parameters) }
  }

  /// Inflates one zlib stream into exactly `rawLength` bytes. Never allocates more than that, so a
  /// decompression bomb cannot exhaust memory. The corresponding C functions are `inflateInit2`, `inflate`.
  /// - Throws: `InflateFailure`.
  public static func inflateExact(_ stored: UnsafeRawBufferPointer, rawLength: Int) throws -> [UInt8] {
    var stream = z_stream()
    let initStatus = czlib_inflateInit2(&stream, 15)
    guard initStatus == Z_OK else { throw InflateFailure.failed("inflateInit2: \(ZlibStatus(rawValue: initStatus))") }
    defer { inflateEnd(&stream) }
    // The buffer grows with the output actually produced (never past the declared size plus one
    // byte, which reveals a stream that is too long), so a file that lies about a huge size costs
    // only what its stream really produces.
    let limit = rawLength + 1
    var out = [UInt8](repeating: 0, count: min(limit, max(1 << 16, stored.count * 8)))
    var status: Int32 = Z_OK
    var consumed = 0
    var produced = 0
    let inBase = UnsafeMutablePointer(mutating: stored.baseAddress?.assumingMemoryBound(to: Bytef.self))
    while true {
      if produced == out.count {
        if out.count >= limit { break }
        out += [UInt8](repeating: 0, count: min(limit, out.count * 2) - out.count)
      }
      let inChunk = min(stored.count - consumed, 1 << 30)
      let outChunk = min(out.count - produced, 1 << 30)
      out.withUnsafeMutableBytes { outBuf in
        stream.next_in = inBase.map { $0 + consumed }
        stream.avail_in = uInt(inChunk)
        stream.next_out = outBuf.baseAddress!.assumingMemoryBound(to: Bytef.self) + produced
        stream.avail_out = uInt(outChunk)
        status = CZlib.inflate(&stream, Z_NO_FLUSH)
      }
      let used = inChunk - Int(stream.avail_in), made = outChunk - Int(stream.avail_out)
      consumed += used
      produced += made
      if status != Z_OK { break }
      if produced > rawLength { break }
      if used == 0 && made == 0 {
        status = Z_BUF_ERROR
        break
      }
    }
    if produced > rawLength { throw InflateFailure.tooLong }
    switch status {
    case Z_STREAM_END:
      if produced < rawLength { throw InflateFailure.tooShort(produced: produced) }
      if consumed < stored.count { throw InflateFailure.trailingInput(count: stored.count - consumed) }
      out.removeSubrange(rawLength...)
      return out
    case Z_BUF_ERROR:
      // No progress possible: the input ended before the stream did.
      throw InflateFailure.failed("stream is truncated")
    default:
      let msg = stream.msg.map { String(cString: $0) } ?? "\(ZlibStatus(rawValue: status))"
      throw InflateFailure.failed(msg)
    }
  }
}

/// Streaming decoder for gzip (RFC 1952, multi-member) and zlib data, used for `.gz` logs and
/// GloVe files. Output is produced in chunks; memory stays bounded by the chunk size.
public final class GzipDecoder {
  private var stream = z_stream()
  private var active = false
  public private(set) var finished = false

  public init() throws {
    try reset()
  }

  private func reset() throws {
    if active { inflateEnd(&stream) }
    stream = z_stream()
    // 15 + 32: automatic gzip or zlib header detection with the largest window.
    let s = czlib_inflateInit2(&stream, 15 + 32)
    guard s == Z_OK else { throw InflateFailure.failed("inflateInit2: \(ZlibStatus(rawValue: s))") }
    active = true
  }

  deinit { if active { inflateEnd(&stream) } }

  /// Decodes from `input` into `output`. Returns (input bytes consumed, output bytes produced).
  /// A member's end is followed by another member if more input comes (as `gzip -d` does).
  /// - Throws: `InflateFailure.failed` on corrupt data.
  public func decode(input: UnsafeRawBufferPointer, output: UnsafeMutableRawBufferPointer) throws -> (Int, Int) {
    var consumed = 0
    var produced = 0
    while produced < output.count {
      if finished {
        // Concatenated members: skip zero padding, restart when a new header follows.
        while consumed < input.count && input[consumed] == 0 { consumed += 1 }
        if consumed == input.count { break }
        try reset()
        finished = false
      }
      stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress.map { $0.assumingMemoryBound(to: Bytef.self) + consumed })
      stream.avail_in = uInt(input.count - consumed)
      stream.next_out = output.baseAddress!.assumingMemoryBound(to: Bytef.self) + produced
      stream.avail_out = uInt(output.count - produced)
      let s = CZlib.inflate(&stream, Z_NO_FLUSH)
      let c = input.count - consumed - Int(stream.avail_in)
      let p = output.count - produced - Int(stream.avail_out)
      consumed += c
      produced += p
      if s == Z_STREAM_END {
        finished = true
        continue
      }
      if s == Z_BUF_ERROR || (s == Z_OK && c == 0 && p == 0) { break }
      if s != Z_OK {
        let msg = stream.msg.map { String(cString: $0) } ?? "\(ZlibStatus(rawValue: s))"
        throw InflateFailure.failed(msg)
      }
    }
    return (consumed, produced)
  }
}
