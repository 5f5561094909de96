// TensorSet: the tensor-set encoding of zlck-v1.md §7.2 (model weights, GloVe subset): sorted
// descriptors, then A-aligned data at running offsets, exactly covering the body. Also the dtype
// conversions (f16, bf16, per-row int8) used by the writer and by `zl-pack convert`.

import ZLBase

/// Element types of §7.2.
public enum DType: UInt8, CaseIterable, Sendable {
  case f32 = 1
  case f16 = 2
  case bf16 = 3
  case i8 = 4
  case i32 = 5

  public var name: String {
    switch self {
    case .f32: return "f32"
    case .f16: return "f16"
    case .bf16: return "bf16"
    case .i8: return "i8"
    case .i32: return "i32"
    }
  }

  public init?(name: String) {
    guard let d = DType.allCases.first(where: { $0.name == name }) else { return nil }
    self = d
  }

  /// True for the types that hold real numbers (all but i32).
  public var isFloating: Bool { self != .i32 }

  /// The data length for a shape, or nil when it overflows the 2^40 byte limit.
  public func byteCount(shape: [Int]) -> UInt64? {
    var elements: UInt64 = 1
    for d in shape {
      let (p, o) = elements.multipliedReportingOverflow(by: UInt64(d))
      if o || p > TensorSet.maxBytes { return nil }
      elements = p
    }
    let total: UInt64
    switch self {
    case .f32, .i32: total = elements * 4
    case .f16, .bf16: total = elements * 2
    case .i8:
      let cols = UInt64(shape.last ?? 1)
      let rows = cols == 0 ? 0 : elements / cols
      total = rows * 4 + elements
    }
    return total > TensorSet.maxBytes ? nil : total
  }
}

/// One named, typed, shaped tensor with its encoded bytes (little-endian, row-major).
public struct Tensor: Equatable, Sendable {
  public var name: String
  public var dtype: DType
  public var shape: [Int]
  public var data: [UInt8]

  public init(name: String, dtype: DType, shape: [Int], data: [UInt8]) {
    self.name = name
    self.dtype = dtype
    self.shape = shape
    self.data = data
  }

  /// A tensor from float values, stored as `dtype` (f32, f16, bf16 or i8 with per-row scales).
  public init(name: String, shape: [Int], floats: [Float], dtype: DType = .f32) {
    precondition(dtype.isFloating, "use init(name:shape:int32s:) for i32")
    precondition(shape.reduce(1, *) == floats.count, "shape \(shape) does not hold \(floats.count) values")
    self.name = name
    self.dtype = dtype
    self.shape = shape
    self.data = Tensor.encode(floats, dtype: dtype, cols: shape.last ?? 1)
  }

  /// An i32 tensor.
  public init(name: String, shape: [Int], int32s: [Int32]) {
    precondition(shape.reduce(1, *) == int32s.count)
    self.name = name
    self.dtype = .i32
    self.shape = shape
    var w = ByteWriter(capacity: int32s.count * 4)
    for v in int32s { w.i32(v) }
    self.data = w.bytes
  }

  public var elementCount: Int { shape.reduce(1, *) }

  /// The values as Float (dequantized for i8; converted for i32).
  public func floats() -> [Float] {
    let n = elementCount
    return data.withUnsafeBytes { b -> [Float] in
      switch dtype {
      case .f32:
        return (0..<n).map { Float(bitPattern: UInt32(littleEndian: b.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) }
      case .f16:
        return (0..<n).map { Float(Float16(bitPattern: UInt16(littleEndian: b.loadUnaligned(fromByteOffset: $0 * 2, as: UInt16.self)))) }
      case .bf16:
        return (0..<n).map { Float(bitPattern: UInt32(UInt16(littleEndian: b.loadUnaligned(fromByteOffset: $0 * 2, as: UInt16.self))) << 16) }
      case .i32:
        return (0..<n).map { Float(Int32(littleEndian: b.loadUnaligned(fromByteOffset: $0 * 4, as: Int32.self))) }
      case .i8:
        let cols = shape.last ?? 1
        let rows = n / max(cols, 1)
        var out = [Float](repeating: 0, count: n)
        for r in 0..<rows {
          let scale = Float(bitPattern: UInt32(littleEndian: b.loadUnaligned(fromByteOffset: r * 4, as: UInt32.self)))
          for c in 0..<cols {
            out[r * cols + c] = Float(Int8(bitPattern: b[rows * 4 + r * cols + c])) * scale
          }
        }
        return out
      }
    }
  }

  /// The values of an i32 tensor.
  public func int32s() -> [Int32] {
    precondition(dtype == .i32)
    return data.withUnsafeBytes { b in
      (0..<elementCount).map { Int32(littleEndian: b.loadUnaligned(fromByteOffset: $0 * 4, as: Int32.self)) }
    }
  }

  /// This tensor stored as another float dtype (i32 tensors are returned unchanged).
  public func converted(to target: DType) -> Tensor {
    if dtype == target || dtype == .i32 || !target.isFloating { return self }
    return Tensor(name: name, shape: shape, floats: floats(), dtype: target)
  }

  /// Encodes floats as `dtype`. f16 and bf16 round to nearest even; i8 uses a symmetric per-row
  /// scale max|x|/127 and rounds half away from zero.
  static func encode(_ v: [Float], dtype: DType, cols: Int) -> [UInt8] {
    var w = ByteWriter(capacity: v.count * 4)
    switch dtype {
    case .f32:
      for x in v { w.f32(x) }
    case .f16:
      for x in v { w.u16(Float16(x).bitPattern) }
    case .bf16:
      for x in v { w.u16(bf16Bits(x)) }
    case .i8:
      let rows = v.count / max(cols, 1)
      var scales = [Float](repeating: 0, count: rows)
      for r in 0..<rows {
        var m: Float = 0
        for c in 0..<cols where v[r * cols + c].isFinite { m = max(m, abs(v[r * cols + c])) }
        scales[r] = m / 127
        w.f32(scales[r])
      }
      for r in 0..<rows {
        for c in 0..<cols {
          let s = scales[r]
          let q = s > 0 ? (v[r * cols + c] / s).rounded(.toNearestOrAwayFromZero) : 0
          w.u8(UInt8(bitPattern: Int8(max(-127, min(127, q.isNaN ? 0 : q)))))
        }
      }
    case .i32:
      preconditionFailure("i32 is not a float encoding")
    }
    return w.bytes
  }

  /// bfloat16 bits of a Float, rounding to nearest even (NaN stays a quiet NaN).
  static func bf16Bits(_ x: Float) -> UInt16 {
    let bits = x.bitPattern
    if x.isNaN { return UInt16(bits >> 16) | 0x0040 }
    let rounded = bits &+ 0x7FFF &+ ((bits >> 16) & 1)
    return UInt16(rounded >> 16)
  }
}

/// An ordered set of tensors, encoded as §7.2.
public struct TensorSet: Equatable, Sendable {
  public private(set) var tensors: [Tensor]

  public static let maxTensors = 65_536
  public static let maxDimension: UInt64 = 1 << 40
  public static let maxBytes: UInt64 = 1 << 40

  public init(_ tensors: [Tensor] = []) {
    self.tensors = tensors.sorted { bytewiseLess($0.name.utf8, $1.name.utf8) }
  }

  public subscript(name: String) -> Tensor? { tensors.first { $0.name == name } }

  public mutating func insert(_ t: Tensor) {
    tensors.removeAll { $0.name == t.name }
    tensors.append(t)
    tensors.sort { bytewiseLess($0.name.utf8, $1.name.utf8) }
  }

  public mutating func remove(named name: String) { tensors.removeAll { $0.name == name } }

  /// True for 1–255 bytes of `[A-Za-z0-9_.:-]` not starting with '.'.
  public static func isValidName<C: Collection>(_ name: C) -> Bool where C.Element == UInt8 {
    guard name.count >= 1 && name.count <= 255, name.first != 0x2E else { return false }
    return name.allSatisfy { c in
      (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || (c >= 0x30 && c <= 0x39)
        || c == 0x5F || c == 0x2E || c == 0x3A || c == 0x2D
    }
  }

  /// The body bytes; data offsets are aligned to `alignment` (the file's A).
  public func encoded(alignment: Int = Int(ZLCK.defaultAlignment)) -> [UInt8] {
    var w = ByteWriter()
    w.u32(UInt32(tensors.count))
    w.u32(0)
    var offset = 0
    for t in tensors {
      let nb = Array(t.name.utf8)
      w.u8(UInt8(nb.count))
      w.raw(nb)
      w.u8(t.dtype.rawValue)
      w.u8(UInt8(t.shape.count))
      for d in t.shape { w.u64(UInt64(d)) }
      w.u64(UInt64(offset))
      w.u64(UInt64(t.data.count))
      offset = (offset + t.data.count + alignment - 1) / alignment * alignment
    }
    w.pad(to: alignment)
    for (k, t) in tensors.enumerated() {
      if k > 0 { w.pad(to: alignment) }
      w.raw(t.data)
    }
    return w.bytes
  }

  /// Decodes and validates a tensor-set body (§7.2; phase 5 of §9) in the order fields are read.
  /// - Throws: `CheckpointError`.
  public static func decode(_ raw: [UInt8], alignment: Int, section: String) throws -> TensorSet {
    try raw.withUnsafeBytes { buf in
      var r = ByteReader(buf) { at in CheckpointError(.truncatedRecord, "\(section): tensor table field at byte \(at) runs past the end (\(buf.count) bytes)") }
      let count = Int(try r.u32())
      if try r.u32() != 0 { throw CheckpointError(.nonZeroReserved, "\(section): reserved field of the tensor set is not zero") }
      if count > maxTensors { throw CheckpointError(.tooManyTensors, "\(section): \(count) tensors, over the limit of \(maxTensors)") }
      if count * 19 > r.remaining {
        throw CheckpointError(.countExceedsData, "\(section): \(count) tensor descriptors cannot fit in the \(r.remaining) bytes left")
      }
      struct Descriptor { var name: String; var dtype: DType; var shape: [Int]; var offset: UInt64; var length: UInt64 }
      var descriptors: [Descriptor] = []
      descriptors.reserveCapacity(count)
      var previous: UnsafeRawBufferPointer? = nil
      for i in 0..<count {
        let nameLength = Int(try r.u8())
        let nb = try r.bytes(nameLength)
        guard isValidName(nb) else {
          throw CheckpointError(.badTensorName, "\(section): tensor \(i) name '\(String(decoding: nb.prefix(64), as: UTF8.self))' is empty, too long or has characters outside [A-Za-z0-9_.:-]")
        }
        let name = String(decoding: nb, as: UTF8.self)
        if let p = previous {
          if p.elementsEqual(nb) { throw CheckpointError(.duplicateTensorName, "\(section): tensor '\(name)' appears twice") }
          if !bytewiseLess(p, nb) { throw CheckpointError(.tensorsOutOfOrder, "\(section): tensor '\(name)' sorts before '\(String(decoding: p, as: UTF8.self))'") }
        }
        previous = nb
        let code = try r.u8()
        guard let dtype = DType(rawValue: code) else {
          throw CheckpointError(.unknownDType, "\(section): tensor '\(name)' has dtype code \(code), not one of 1-5")
        }
        let rank = Int(try r.u8())
        if rank < 1 || rank > 4 { throw CheckpointError(.badRank, "\(section): tensor '\(name)' has rank \(rank), expected 1-4") }
        var shape: [Int] = []
        for _ in 0..<rank {
          let d = try r.u64()
          if d == 0 { throw CheckpointError(.zeroDimension, "\(section): tensor '\(name)' has a zero dimension") }
          if d > maxDimension { throw CheckpointError(.shapeOverflow, "\(section): tensor '\(name)' dimension \(d) exceeds 2^40") }
          shape.append(Int(d))
        }
        let offset = try r.u64()
        let length = try r.u64()
        guard let expected = dtype.byteCount(shape: shape) else {
          throw CheckpointError(.shapeOverflow, "\(section): tensor '\(name)' shape \(shape) of \(dtype.name) overflows 2^40 bytes")
        }
        if length != expected {
          throw CheckpointError(.tensorSizeMismatch, "\(section): tensor '\(name)' has \(length) data bytes, but \(dtype.name) \(shape) needs \(expected)")
        }
        descriptors.append(Descriptor(name: name, dtype: dtype, shape: shape, offset: offset, length: length))
      }
      let a = UInt64(alignment)
      let dataStart = alignUp(UInt64(r.position), a)!
      if dataStart > UInt64(buf.count) {
        throw CheckpointError(.tensorPastEnd, "\(section): the data area starts at \(dataStart), past the end (\(buf.count) bytes)")
      }
      try ContainerReader.checkZero(buf, r.position..<Int(min(dataStart, UInt64(buf.count))), what: "\(section): padding after the tensor descriptors")
      let areaLength = UInt64(buf.count) - min(dataStart, UInt64(buf.count))
      var tensors: [Tensor] = []
      tensors.reserveCapacity(count)
      var expectedOffset: UInt64 = 0
      var previousEnd: UInt64 = 0
      for d in descriptors {
        if d.offset < expectedOffset {
          throw CheckpointError(.tensorOverlap, "\(section): tensor '\(d.name)' data starts at \(d.offset), before \(expectedOffset) where the previous tensor ends")
        }
        if d.offset > expectedOffset {
          throw CheckpointError(.tensorGap, "\(section): tensor '\(d.name)' data starts at \(d.offset), leaving a gap after \(expectedOffset)")
        }
        let (end, o) = d.offset.addingReportingOverflow(d.length)
        if o || end > areaLength {
          throw CheckpointError(.tensorPastEnd, "\(section): tensor '\(d.name)' ends at byte \(o ? UInt64.max : end) of the data area, past its end (\(areaLength) bytes)")
        }
        let base = Int(dataStart) + Int(d.offset)
        try ContainerReader.checkZero(buf, (Int(dataStart) + Int(previousEnd))..<base, what: "\(section): padding before tensor '\(d.name)'")
        let data = Array(buf[base..<(base + Int(d.length))])
        if d.dtype == .i8 {
          let rows = Int(d.length) / (4 + (d.shape.last ?? 1))
          for k in 0..<rows {
            let s = Float(bitPattern: data.le(k * 4, as: UInt32.self))
            if !(s.isFinite && s >= 0) {
              throw CheckpointError(.badQuantScale, "\(section): tensor '\(d.name)' row \(k) has scale \(s), expected finite and >= 0")
            }
          }
        }
        tensors.append(Tensor(name: d.name, dtype: d.dtype, shape: d.shape, data: data))
        previousEnd = end
        expectedOffset = alignUp(end, a)!
      }
      if previousEnd != areaLength {
        throw CheckpointError(.trailingTensorData, "\(section): tensors end at byte \(previousEnd) of the data area, \(areaLength - previousEnd) bytes before its end")
      }
      var set = TensorSet()
      set.tensors = tensors
      return set
    }
  }
}
