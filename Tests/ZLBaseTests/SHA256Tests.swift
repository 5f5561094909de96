// SHA-256 against the NIST FIPS 180-4 / CAVP example vectors, and streaming equals one-shot.

import Testing
import CZLHash
import ZLBase
import _ZLTestSupport

@Test(arguments: [
  ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
  ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
  ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
  ("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
   "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"),
])
func sha256MatchesNISTExamples(message: String, digest: String) {
  #expect(hexString(SHA256.hash(Array(message.utf8))) == digest)
}

@Test func sha256OfOneMillionA() {
  let m = [UInt8](repeating: 0x61, count: 1_000_000)
  #expect(hexString(SHA256.hash(m)) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
}

@Test func sha256StreamingEqualsOneShot() {
  var rng = SplitMix64(seed: testSeed)
  let data = (0..<10_000).map { _ in UInt8.random(in: 0...255, using: &rng) }
  for split in [0, 1, 55, 56, 63, 64, 65, 128, 9_999] {
    var h = SHA256()
    h.update(data[0..<split])
    h.update(data[split...])
    #expect(h.finalize() == SHA256.hash(data), "split at \(split), seed \(testSeed)")
  }
}

@Test func hardwareAndPortableBlockFunctionsAgree() {
  // Both C paths must give the same state for random blocks (this CPU may use either in the API).
  var rng = SplitMix64(seed: testSeed)
  let data = (0..<(64 * 97)).map { _ in UInt8.random(in: 0...255, using: &rng) }
  var a: [UInt32] = [0x6a09_e667, 0xbb67_ae85, 0x3c6e_f372, 0xa54f_f53a, 0x510e_527f, 0x9b05_688c, 0x1f83_d9ab, 0x5be0_cd19]
  var b = a
  data.withUnsafeBufferPointer { d in
    a.withUnsafeMutableBufferPointer { zlh_sha256_blocks($0.baseAddress!, d.baseAddress!, 97) }
    b.withUnsafeMutableBufferPointer { zlh_sha256_blocks_portable($0.baseAddress!, d.baseAddress!, 97) }
  }
  #expect(a == b)
}
