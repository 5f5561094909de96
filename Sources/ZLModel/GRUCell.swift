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

  /// The same derivatives, recorded so they can be differentiated again: the two projections, one
  /// fused op for everything elementwise (`vjp`: gates recomputed, [dgi | dgh | dh_direct] out, its own
  /// derivative written by hand as loops), and the matrix products — 14 nodes per step where the
  /// composed form (`composedVJP`) has about 40, so a second-order meta-step allocates and walks far less.
  static func recordedBackward<T: Real>(g: Tensor<T>, x: Tensor<T>, h: Tensor<T>, wIH: Tensor<T>, bIH: Tensor<T>, wHH: Tensor<T>,
                                        bHH: Tensor<T>, mask: [T], kept: (gi: [T], gh: [T])? = nil) -> [Tensor<T>?] {
    let hs = h.shape[1]
    let gi = kept.map { linear(x, wIH, bIH, value: $0.gi) } ?? Tensor.linear(x, wIH, bIH)
    let gh = kept.map { linear(h, wHH, bHH, value: $0.gh) } ?? Tensor.linear(h, wHH, bHH)
    let v = vjp(g: g, gi: gi, gh: gh, h: h, mask: mask)
    let dgi = v.slice(axis: 1, 0..<(3 * hs)), dgh = v.slice(axis: 1, (3 * hs)..<(6 * hs))
    let dh = v.slice(axis: 1, (6 * hs)..<(7 * hs)) + Tensor.matmul(dgh, wHH)
    return [x.requiresGrad ? Tensor.matmul(dgi, wIH) : nil, dh, Tensor.matmul(dgi, x, transA: true), dgi.sum(axis: 0),
            Tensor.matmul(dgh, h, transA: true), dgh.sum(axis: 0)]
  }

  /// The elementwise part of the step's derivative as one op: from the output gradient g, the
  /// projections gi and gh and the state h, per row [dgi (3H) | dgh (3H) | g ⊙ z or g where masked (H)].
  static func vjp<T: Real>(g: Tensor<T>, gi: Tensor<T>, gh: Tensor<T>, h: Tensor<T>, mask: [T]) -> Tensor<T> {
    let b = h.shape[0], hs = h.shape[1], g3 = 3 * hs, w = 7 * hs
    var out = [T](repeating: 0, count: b * w)
    let (r, z, n) = gates(gi: gi.data, gh: gh.data, b: b, hs: hs)
    g.data.withUnsafeBufferPointer { gp in gh.data.withUnsafeBufferPointer { hp in
      h.data.withUnsafeBufferPointer { sp in out.withUnsafeMutableBufferPointer { o in
        for i in 0..<b {
          let m = mask[i]
          for j in 0..<hs {
            let k = i * hs + j
            let gt = GateValues(r: r[k], z: z[k], n: n[k], ghn: hp[i * g3 + 2 * hs + j], g: gp[k], h: sp[k], m: m)
            let row = o.baseAddress! + i * w
            row[j] = gt.dar; row[hs + j] = gt.daz; row[2 * hs + j] = gt.dan
            row[g3 + j] = gt.dar; row[g3 + hs + j] = gt.daz; row[g3 + 2 * hs + j] = gt.dan * gt.r
            row[2 * g3 + j] = gt.gm * gt.z + gp[k] * (1 - m)
          }
        }
      } }
    } }
    return Tensor.custom("gru_cell_vjp", data: out, shape: [b, w], inputs: [g, gi, gh, h]) { c in
      // A third derivative (never needed by the trainer) goes through the composed ops instead.
      if Autograd.recording { return composedVJP(g: g, gi: gi, gh: gh, h: h, mask: mask).gradients(wrt: [g, gi, gh, h], createGraph: true, seed: c) }
      var dg = [T](repeating: 0, count: b * hs), dh = dg
      var dgi = [T](repeating: 0, count: b * g3), dgh = dgi
      let (r, z, n) = gates(gi: gi.data, gh: gh.data, b: b, hs: hs)
      g.data.withUnsafeBufferPointer { gp in gh.data.withUnsafeBufferPointer { hp in
        h.data.withUnsafeBufferPointer { sp in c.data.withUnsafeBufferPointer { cp in
          for i in 0..<b {
            let m = mask[i]
            let cr = cp.baseAddress! + i * w
            for j in 0..<hs {
              let k = i * hs + j
              let t = GateValues(r: r[k], z: z[k], n: n[k], ghn: hp[i * g3 + 2 * hs + j], g: gp[k], h: sp[k], m: m)
              let cAr = cr[j] + cr[g3 + j], cAz = cr[hs + j] + cr[g3 + hs + j]
              let c6 = cr[g3 + 2 * hs + j], c7 = cr[2 * g3 + j]
              let cAn = cr[2 * hs + j] + c6 * t.r
              let sr = t.r * (1 - t.r), sz = t.z * (1 - t.z), tn = 1 - t.n * t.n
              let danAll = cAn + cAr * t.ghn * sr               // everything that flows into dan
              let aBar = danAll * tn                            // into A = gm (1 − z)
              let dBar = cAz * sz                               // into D = gm (h − n)
              let nBar = -2 * t.n * t.a * danAll - dBar * t.gm
              let gmBar = aBar * (1 - t.z) + dBar * (sp[k] - t.n) + c7 * t.z
              let zBar = -aBar * t.gm + c7 * t.gm + cAz * t.d * (1 - 2 * t.z)
              let anBar = nBar * tn
              let rBar = c6 * t.dan + cAr * t.dan * t.ghn * (1 - 2 * t.r) + anBar * t.ghn
              let arBar = rBar * sr, azBar = zBar * sz
              dg[k] = gmBar * m + c7 * (1 - m)
              dh[k] = dBar * t.gm
              dgi[i * g3 + j] = arBar; dgi[i * g3 + hs + j] = azBar; dgi[i * g3 + 2 * hs + j] = anBar
              dgh[i * g3 + j] = arBar; dgh[i * g3 + hs + j] = azBar; dgh[i * g3 + 2 * hs + j] = cAr * t.dan * sr + anBar * t.r
            }
          }
        } }
      } }
      return [Tensor(dg, shape: [b, hs]), Tensor(dgi, shape: [b, g3]), Tensor(dgh, shape: [b, g3]), Tensor(dh, shape: [b, hs])]
    }
  }

  /// The gates r, z, n [B·H each] from the projections (vector sigmoid and tanh, as the step does).
  static func gates<T: Real>(gi: [T], gh: [T], b: Int, hs: Int) -> (r: [T], z: [T], n: [T]) {
    let g3 = 3 * hs
    var r = [T](unsafeUninitializedCapacity: b * hs) { _, c in c = b * hs }
    var z = r, n = r
    for i in 0..<b {
      for j in 0..<hs {
        r[i * hs + j] = gi[i * g3 + j] + gh[i * g3 + j]
        z[i * hs + j] = gi[i * g3 + hs + j] + gh[i * g3 + hs + j]
      }
    }
    r.withUnsafeMutableBufferPointer { T.unary(.sigmoid, UnsafePointer($0.baseAddress!), $0.baseAddress!, b * hs) }
    z.withUnsafeMutableBufferPointer { T.unary(.sigmoid, UnsafePointer($0.baseAddress!), $0.baseAddress!, b * hs) }
    for i in 0..<b {
      for j in 0..<hs { n[i * hs + j] = gi[i * g3 + 2 * hs + j] + r[i * hs + j] * gh[i * g3 + 2 * hs + j] }
    }
    n.withUnsafeMutableBufferPointer { T.unary(.tanh, UnsafePointer($0.baseAddress!), $0.baseAddress!, b * hs) }
    return (r, z, n)
  }

  /// One element's gates and the intermediate products of its derivative (the forward of `vjp`).
  struct GateValues<T: Real> {
    var r, z, n, ghn, gm, a, dan, dar, daz, d: T
    @inline(__always)
    init(r: T, z: T, n: T, ghn: T, g: T, h: T, m: T) {
      self.r = r
      self.z = z
      self.n = n
      self.ghn = ghn
      gm = g * m
      a = gm * (1 - z)
      dan = a * (1 - n * n)
      dar = dan * ghn * r * (1 - r)
      d = gm * (h - n)
      daz = d * z * (1 - z)
    }
  }

  /// `vjp` as composed tensor ops (the reference it is tested against, and its third derivative).
  static func composedVJP<T: Real>(g: Tensor<T>, gi: Tensor<T>, gh: Tensor<T>, h: Tensor<T>, mask: [T]) -> Tensor<T> {
    let b = h.shape[0], hs = h.shape[1]
    let m = Tensor<T>(mask, shape: [b, 1])
    let rz = (gi.slice(axis: 1, 0..<(2 * hs)) + gh.slice(axis: 1, 0..<(2 * hs))).sigmoid()
    let r = rz.slice(axis: 1, 0..<hs), z = rz.slice(axis: 1, hs..<(2 * hs))
    let ghn = gh.slice(axis: 1, (2 * hs)..<(3 * hs))
    let n = (gi.slice(axis: 1, (2 * hs)..<(3 * hs)) + r * ghn).tanh()
    let gm = g * m
    let dan = gm * (T(1) - z) * (T(1) - n.squared())
    let dar = dan * ghn * r * (T(1) - r)
    let daz = gm * (h - n) * z * (T(1) - z)
    return Tensor.concat([dar, daz, dan, dar, daz, dan * r, gm * z + g * (T(1) - m)], axis: 1)
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
