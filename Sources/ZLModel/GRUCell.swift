// The GRU step as one recorded op (PyTorch gate order r, z, n; b_hn inside r ⊙ ·), with padding:
//   gh = h W_hhᵀ + b_hh;  r = σ(gi_r + gh_r);  z = σ(gi_z + gh_z);  n = tanh(gi_n + r ⊙ gh_n)
//   h' = (1 − z) ⊙ n + z ⊙ h  where the step is inside the sequence (mask 1), h' = h where it is not.
// One node per step instead of ~20 keeps only what backward needs (r, z, n, gh_n: 4H per row) and
// runs the first-order backward as plain loops and two matrix products. When the backward itself is
// recorded (second-order meta-gradients), it is written with differentiable tensor ops on the
// recomputed gates instead, so it can be differentiated again. Both paths are checked against
// finite differences and against the composed version (`gruCellComposed`).

import ZLTensor

enum GRUCell {
  /// One step on x = rows `rows` of xAll [T·B, In] (no copy; its gradient is a row piece):
  /// gi = x W_ihᵀ + b_ih inside the op, so the [T·B, 3H] projections are never kept.
  static func step<T: Real>(xAll: Tensor<T>, rows: Range<Int>, h: Tensor<T>, wIH: Tensor<T>, bIH: Tensor<T>,
                            wHH: Tensor<T>, bHH: Tensor<T>, mask: [T]) -> Tensor<T> {
    let b = h.shape[0], hs = h.shape[1], g3 = 3 * hs, inSize = xAll.shape[1]
    precondition(rows.count == b && wIH.shape == [g3, inSize])
    let whole = rows == 0..<xAll.shape[0]
    let (gi, gh) = Autograd.withoutRecording { () -> (Tensor<T>, Tensor<T>) in
      let x = whole ? xAll : Tensor(Array(xAll.data[(rows.lowerBound * inSize)..<(rows.upperBound * inSize)]), shape: [b, inSize])
      return (Tensor.linear(x, wIH, bIH), Tensor.linear(h, wHH, bHH))
    }
    var r = [T](unsafeUninitializedCapacity: b * hs) { _, n in n = b * hs }
    var z = r, n = r, ghn = r
    var out = r
    gi.data.withUnsafeBufferPointer { gx in
      gh.data.withUnsafeBufferPointer { gg in
        h.data.withUnsafeBufferPointer { hp in
          for i in 0..<b {
            let gxr = gx.baseAddress! + i * g3, ggr = gg.baseAddress! + i * g3
            for j in 0..<hs { r[i * hs + j] = gxr[j] + ggr[j]; z[i * hs + j] = gxr[hs + j] + ggr[hs + j] }
          }
          r.withUnsafeMutableBufferPointer { T.unary(.sigmoid, UnsafePointer($0.baseAddress!), $0.baseAddress!, b * hs) }
          z.withUnsafeMutableBufferPointer { T.unary(.sigmoid, UnsafePointer($0.baseAddress!), $0.baseAddress!, b * hs) }
          for i in 0..<b {
            let gxr = gx.baseAddress! + i * g3, ggr = gg.baseAddress! + i * g3
            for j in 0..<hs {
              ghn[i * hs + j] = ggr[2 * hs + j]
              n[i * hs + j] = gxr[2 * hs + j] + r[i * hs + j] * ggr[2 * hs + j]
            }
          }
          n.withUnsafeMutableBufferPointer { T.unary(.tanh, UnsafePointer($0.baseAddress!), $0.baseAddress!, b * hs) }
          for i in 0..<b {
            let m = mask[i]
            for j in 0..<hs {
              let k = i * hs + j
              out[k] = m != 0 ? n[k] + z[k] * (hp[k] - n[k]) : hp[k]
            }
          }
        }
      }
    }
    let inputs = [xAll, h, wIH, bIH, wHH, bHH]
    let kept: (gi: [T], gh: [T])? = Autograd.keepForHigherOrder ? (gi.data, gh.data) : nil
    let backward: (Tensor<T>) -> [Tensor<T>?] = { g in
      if Autograd.recording {
        return recordedBackward(g: g, x: whole ? xAll : xAll.slice(axis: 0, rows), h: h, wIH: wIH, bIH: bIH, wHH: wHH, bHH: bHH, mask: mask,
                                kept: kept)
      }
      return fastBackward(g: g, xAll: xAll, rows: rows, h: h, wIH: wIH, wHH: wHH, r: r, z: z, n: n, ghn: ghn, mask: mask)
    }
    if whole { return Tensor.custom("gru_cell", data: out, shape: [b, hs], inputs: inputs, backward: backward) }
    return Tensor.custom("gru_cell", data: out, shape: [b, hs], inputs: inputs, rowPiece: (0, rows), backward: backward)
  }

  /// One step from a ready input projection gi [B, 3H] (tests: gi as a free input).
  static func step<T: Real>(gi: Tensor<T>, h: Tensor<T>, wHH: Tensor<T>, bHH: Tensor<T>, mask: [T]) -> Tensor<T> {
    // gi = I·gi + 0: the identity projection routes gi's gradient through the same op.
    let g3 = gi.shape[1]
    var eye = [T](repeating: 0, count: g3 * g3)
    for i in 0..<g3 { eye[i * g3 + i] = 1 }
    return step(xAll: gi, rows: 0..<gi.shape[0], h: h, wIH: Tensor(eye, shape: [g3, g3]), bIH: .zeros([g3]), wHH: wHH, bHH: bHH, mask: mask)
  }

  static func fastBackward<T: Real>(g: Tensor<T>, xAll: Tensor<T>, rows: Range<Int>, h: Tensor<T>, wIH: Tensor<T>, wHH: Tensor<T>,
                                    r: [T], z: [T], n: [T], ghn: [T], mask: [T]) -> [Tensor<T>?] {
    let b = h.shape[0], hs = h.shape[1], g3 = 3 * hs, inSize = xAll.shape[1]
    var dgi = [T](unsafeUninitializedCapacity: b * g3) { _, c in c = b * g3 }
    var dgh = dgi
    var dhDirect = [T](unsafeUninitializedCapacity: b * hs) { _, c in c = b * hs }
    g.data.withUnsafeBufferPointer { gp in
      h.data.withUnsafeBufferPointer { hp in
        for i in 0..<b {
          if mask[i] == 0 {
            for j in 0..<g3 { dgi[i * g3 + j] = 0; dgh[i * g3 + j] = 0 }
            for j in 0..<hs { dhDirect[i * hs + j] = gp[i * hs + j] }
            continue
          }
          for j in 0..<hs {
            let k = i * hs + j
            let gv = gp[k], zv = z[k], nv = n[k], rv = r[k]
            let dn = gv * (1 - zv)
            let dz = gv * (hp[k] - nv)
            let dan = dn * (1 - nv * nv)
            let dar = dan * ghn[k] * rv * (1 - rv)
            let daz = dz * zv * (1 - zv)
            dgi[i * g3 + j] = dar; dgi[i * g3 + hs + j] = daz; dgi[i * g3 + 2 * hs + j] = dan
            dgh[i * g3 + j] = dar; dgh[i * g3 + hs + j] = daz; dgh[i * g3 + 2 * hs + j] = dan * rv
            dhDirect[k] = gv * zv
          }
        }
      }
    }
    let dgiT = Tensor(dgi, shape: [b, g3]), dghT = Tensor(dgh, shape: [b, g3])
    // dh = g ⊙ z (or g where masked) + dgh W_hh
    let dh = Tensor(dhDirect, shape: [b, hs]) + Tensor.matmul(dghT, wHH)
    let x = rows == 0..<xAll.shape[0] ? xAll : Tensor(Array(xAll.data[(rows.lowerBound * inSize)..<(rows.upperBound * inSize)]), shape: [b, inSize])
    let dx: Tensor<T>? = xAll.requiresGrad ? Tensor.matmul(dgiT, wIH) : nil
    return [dx, dh, Tensor.matmul(dgiT, x, transA: true), dgiT.sum(axis: 0), Tensor.matmul(dghT, h, transA: true), dghT.sum(axis: 0)]
  }

  /// The same derivatives as tensor ops on gates recomputed from the inputs (differentiable again).
  static func recordedBackward<T: Real>(g: Tensor<T>, x: Tensor<T>, h: Tensor<T>, wIH: Tensor<T>, bIH: Tensor<T>, wHH: Tensor<T>,
                                        bHH: Tensor<T>, mask: [T], kept: (gi: [T], gh: [T])? = nil) -> [Tensor<T>?] {
    let b = h.shape[0], hs = h.shape[1]
    let m = Tensor<T>(mask, shape: [b, 1])
    let gi = kept.map { linear(x, wIH, bIH, value: $0.gi) } ?? Tensor.linear(x, wIH, bIH)
    let gh = kept.map { linear(h, wHH, bHH, value: $0.gh) } ?? Tensor.linear(h, wHH, bHH)
    let rz = (gi.slice(axis: 1, 0..<(2 * hs)) + gh.slice(axis: 1, 0..<(2 * hs))).sigmoid()
    let r = rz.slice(axis: 1, 0..<hs), z = rz.slice(axis: 1, hs..<(2 * hs))
    let ghn = gh.slice(axis: 1, (2 * hs)..<(3 * hs))
    let n = (gi.slice(axis: 1, (2 * hs)..<(3 * hs)) + r * ghn).tanh()
    let gm = g * m
    let dan = gm * (T(1) - z) * (T(1) - n.squared())
    let dar = dan * ghn * r * (T(1) - r)
    let daz = gm * (h - n) * z * (T(1) - z)
    let dgi = Tensor.concat([dar, daz, dan], axis: 1)
    let dgh = Tensor.concat([dar, daz, dan * r], axis: 1)
    let dh = gm * z + g * (T(1) - m) + Tensor.matmul(dgh, wHH)
    return [x.requiresGrad ? Tensor.matmul(dgi, wIH) : nil, dh, Tensor.matmul(dgi, x, transA: true), dgi.sum(axis: 0),
            Tensor.matmul(dgh, h, transA: true), dgh.sum(axis: 0)]
  }

  /// x Wᵀ + b recorded with its value already known (kept from the forward pass).
  static func linear<T: Real>(_ x: Tensor<T>, _ w: Tensor<T>, _ b: Tensor<T>, value: [T]) -> Tensor<T> {
    Tensor.custom("linear", data: value, shape: [x.shape[0], w.shape[0]], inputs: [x, w, b]) { g in
      [x.requiresGrad ? Tensor.matmul(g, w) : nil, Tensor.matmul(g, x, transA: true), g.sum(axis: 0)]
    }
  }

  /// The step as ~20 primitive ops (reference for tests).
  static func composed<T: Real>(gi: Tensor<T>, h: Tensor<T>, wHH: Tensor<T>, bHH: Tensor<T>, mask: [T]) -> Tensor<T> {
    let hs = h.shape[1]
    let gh = Tensor.linear(h, wHH, bHH)
    let rz = (gi.slice(axis: 1, 0..<(2 * hs)) + gh.slice(axis: 1, 0..<(2 * hs))).sigmoid()
    let r = rz.slice(axis: 1, 0..<hs), z = rz.slice(axis: 1, hs..<(2 * hs))
    let n = (gi.slice(axis: 1, (2 * hs)..<(3 * hs)) + r * gh.slice(axis: 1, (2 * hs)..<(3 * hs))).tanh()
    let hNew = n + z * (h - n)
    let m = Tensor<T>(mask, shape: [h.shape[0], 1])
    return h + m * (hNew - h)
  }
}

/// Test access to the cell (the network uses it internally).
public enum GRUCellTesting {
  public static func fused<T: Real>(_ gi: Tensor<T>, _ h: Tensor<T>, _ w: Tensor<T>, _ b: Tensor<T>, mask: [T]) -> Tensor<T> {
    GRUCell.step(gi: gi, h: h, wHH: w, bHH: b, mask: mask)
  }
  public static func composed<T: Real>(_ gi: Tensor<T>, _ h: Tensor<T>, _ w: Tensor<T>, _ b: Tensor<T>, mask: [T]) -> Tensor<T> {
    GRUCell.composed(gi: gi, h: h, wHH: w, bHH: b, mask: mask)
  }
}
