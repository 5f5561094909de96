// Safetensors: round trips and the one-line errors for malformed files.

import Testing
import ZLBase
import ZLFormat
import _ZLTestSupport

@Test func safetensorsRoundTripAndRejections() throws {
  var rng = SplitMix64(seed: testSeed)
  let ts = [
    Tensor(name: "a", shape: [2, 3], floats: (0..<6).map { _ in Float.random(in: -1...1, using: &rng) }),
    Tensor(name: "b", shape: [4], floats: [1, 2, 3, 4], dtype: .f16),
    Tensor(name: "q", shape: [3, 2], floats: [1, -1, 0.5, 0.25, 0, 0], dtype: .i8),
    Tensor(name: "z", shape: [2], int32s: [-5, 7]),
  ]
  let bytes = Safetensors.encode(ts, metadata: [("format", "pt")])
  let (back, meta) = try Safetensors.decode(bytes, path: "x")
  #expect(back == ts)
  #expect(meta.first?.1 == "pt")
  // Header size past the end, overlapping offsets, unsupported dtype.
  var lying = bytes
  lying.setLE64(0, UInt64(bytes.count))
  #expect(safetensorsCode(lying) == .headerPastEnd)
  let overlap = safetensorsFile(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#, data: 4)
  #expect(safetensorsCode(overlap) == .gapOrOverlap)
  let f64 = safetensorsFile(#"{"a":{"dtype":"F64","shape":[1],"data_offsets":[0,8]}}"#, data: 8)
  #expect(safetensorsCode(f64) == .unsupportedDType)
}

/// The code a safetensors file is refused with (nil when it is accepted); the message names the file.
func safetensorsCode(_ bytes: [UInt8]) -> InterchangeError.Code? {
  do {
    _ = try Safetensors.decode(bytes, path: "x.safetensors")
    return nil
  } catch {
    #expect("\(error)".hasPrefix("x.safetensors: "))
    return (rootError(error) as? InterchangeError)?.code
  }
}

func safetensorsFile(_ header: String, data: Int) -> [UInt8] {
  var h = Array(header.utf8)
  while h.count % 8 != 0 { h.append(0x20) }
  var out = [UInt8](repeating: 0, count: 8)
  out.setLE64(0, UInt64(h.count))
  return out + h + [UInt8](repeating: 0, count: data)
}

extension Array where Element == UInt8 {
  mutating func setLE64(_ offset: Int, _ v: UInt64) {
    for k in 0..<8 { self[offset + k] = UInt8(truncatingIfNeeded: v >> (8 * UInt64(k))) }
  }
}
