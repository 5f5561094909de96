// ByteCoding: little-endian byte writing and bounds-checked reading. The reader never traps: every
// read checks the bytes left and throws the caller's error, so a short or lying input is an error.

/// Appends little-endian values to a byte array.
public struct ByteWriter {
  public var bytes: [UInt8] = []

  public init(capacity: Int = 0) { bytes.reserveCapacity(capacity) }

  public mutating func u8(_ v: UInt8) { bytes.append(v) }
  public mutating func u16(_ v: UInt16) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
  public mutating func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
  public mutating func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
  public mutating func i64(_ v: Int64) { u64(UInt64(bitPattern: v)) }
  public mutating func i32(_ v: Int32) { u32(UInt32(bitPattern: v)) }
  public mutating func f32(_ v: Float) { u32(v.bitPattern) }
  public mutating func f64(_ v: Double) { u64(v.bitPattern) }
  public mutating func raw<C: Collection>(_ v: C) where C.Element == UInt8 { bytes.append(contentsOf: v) }
  public mutating func zeros(_ n: Int) { bytes.append(contentsOf: repeatElement(0, count: n)) }
  public mutating func string32(_ s: String) {
    let u = Array(s.utf8)
    u32(UInt32(u.count))
    bytes.append(contentsOf: u)
  }
  /// Pads with zeros to a multiple of `alignment` (relative to the start of `bytes`).
  public mutating func pad(to alignment: Int) {
    let r = bytes.count % alignment
    if r != 0 { zeros(alignment - r) }
  }
}

/// Reads little-endian values from a buffer with bounds checks. `fail` builds the error thrown
/// when a read would pass the end (the caller names the structure being read).
public struct ByteReader {
  public let buffer: UnsafeRawBufferPointer
  public private(set) var position: Int
  public let end: Int
  private let fail: (Int) -> any Error

  /// - Parameters:
  ///   - buffer: the bytes.
  ///   - start: where reading starts.
  ///   - end: where the readable region ends (defaults to the buffer end).
  ///   - fail: builds the error for a read that passes `end`; it gets the offset of the read.
  public init(_ buffer: UnsafeRawBufferPointer, start: Int = 0, end: Int? = nil, fail: @escaping (Int) -> any Error) {
    self.buffer = buffer
    self.position = start
    self.end = end ?? buffer.count
    self.fail = fail
  }

  /// Bytes not read yet.
  public var remaining: Int { end - position }

  @inline(__always)
  private mutating func need(_ n: Int) throws {
    if n < 0 || n > end - position { throw fail(position) }
  }

  public mutating func u8() throws -> UInt8 {
    try need(1)
    defer { position += 1 }
    return buffer[position]
  }
  public mutating func u16() throws -> UInt16 {
    try need(2)
    defer { position += 2 }
    return UInt16(littleEndian: buffer.loadUnaligned(fromByteOffset: position, as: UInt16.self))
  }
  public mutating func u32() throws -> UInt32 {
    try need(4)
    defer { position += 4 }
    return UInt32(littleEndian: buffer.loadUnaligned(fromByteOffset: position, as: UInt32.self))
  }
  public mutating func u64() throws -> UInt64 {
    try need(8)
    defer { position += 8 }
    return UInt64(littleEndian: buffer.loadUnaligned(fromByteOffset: position, as: UInt64.self))
  }
  public mutating func i64() throws -> Int64 { Int64(bitPattern: try u64()) }
  public mutating func f32() throws -> Float { Float(bitPattern: try u32()) }
  public mutating func f64() throws -> Double { Double(bitPattern: try u64()) }

  /// A view of the next `n` bytes (no copy).
  public mutating func bytes(_ n: Int) throws -> UnsafeRawBufferPointer {
    try need(n)
    defer { position += n }
    return UnsafeRawBufferPointer(rebasing: buffer[position..<(position + n)])
  }

  public mutating func skip(_ n: Int) throws {
    try need(n)
    position += n
  }
}

// MARK: - Little-endian helpers on byte arrays

extension Array where Element == UInt8 {
  /// Reads a little-endian integer at `offset`; the caller has checked the bounds.
  @inline(__always)
  func le<T: FixedWidthInteger>(_ offset: Int, as: T.Type) -> T {
    withUnsafeBytes { T(littleEndian: $0.loadUnaligned(fromByteOffset: offset, as: T.self)) }
  }

  /// Writes a little-endian integer at `offset`.
  mutating func setLE<T: FixedWidthInteger>(_ offset: Int, _ value: T) {
    withUnsafeMutableBytes { $0.storeBytes(of: value.littleEndian, toByteOffset: offset, as: T.self) }
  }
}

/// Rounds `x` up to a multiple of `alignment` (a power of two); nil on overflow.
@inline(__always)
public func alignUp(_ x: UInt64, _ alignment: UInt64) -> UInt64? {
  let (s, o) = x.addingReportingOverflow(alignment - 1)
  return o ? nil : s & ~(alignment - 1)
}
