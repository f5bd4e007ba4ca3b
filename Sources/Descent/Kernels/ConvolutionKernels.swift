/// The three products of a 2-D convolution (NCHW, `groups` groups) as batched im2col + GEMM
/// (Chellapilla, Puri & Simard 2006, "High Performance Convolutional Neural Networks for Document
/// Processing"; the layout of Caffe's and PyTorch's CPU `slow_conv2d`, but over several images
/// at once):
///
/// - forward `y = W ⋆ x`: the columns of a chunk of `b` images, `[C·kh·kw, b·L]` (image `n`'s
///   positions in columns `n·L ..< (n+1)·L`), then per group one GEMM
///   `[O/G, C/G·kh·kw] · [C/G·kh·kw, b·L]`, copied out to `[b, O, L]`;
/// - input gradient `ḡx = Wᵀ ⋆ᵀ ḡy`: `Wᵀ · ḡy` per group into a chunk's columns, then col2im;
/// - weight gradient `ḡW = Σₙ ḡyₙ · colsₙᵀ`: one GEMM per chunk with the chunk's `b·L` positions as
///   its inner dimension (no per-example products).
///
/// Chunks bound the columns to about 1 MB (`ConvolutionShape.imagesPerChunk`), so they never
/// outlive the cache and nothing of size `N·C·kh·kw·L` is ever stored: memory is that of the
/// input and output. Chunks run on Descent's threads, each a single-threaded GEMM. The chunking
/// depends on the shapes only, and the weight gradient sums its chunks' products in a fixed order
/// (into `ConvolutionShape.accumulators` partial sums, then those in order), so the bits do not
/// depend on the thread count.
struct ConvolutionShape {
  var batch: Int
  var channels: Int
  var outputChannels: Int
  var groups: Int
  var geometry: WindowGeometry

  var inputPlane: Int { geometry.inputHeight * geometry.inputWidth }
  var positions: Int { geometry.positions }
  var window: Int { geometry.windowSize }
  var outputPerGroup: Int { outputChannels / groups }
  /// `C/G·kh·kw`, the inner dimension of one group's forward product.
  var rowsPerGroup: Int { channels / groups * window }
  /// `C·kh·kw`, the rows of the columns matrix.
  var rows: Int { channels * window }

  /// Images per chunk: columns of about 2¹⁸ elements (1 MB in float32), at least one image.
  var imagesPerChunk: Int { max(1, min(batch, (1 << 18) / max(1, rows * positions))) }
  var chunkCount: Int { (batch + imagesPerChunk - 1) / imagesPerChunk }
  /// Partial sums of the weight gradient (each over consecutive chunks), added in order.
  var accumulators: Int { min(4, chunkCount) }

  func images(ofChunk chunk: Int) -> Range<Int> {
    let start = chunk * imagesPerChunk
    return start..<min(batch, start + imagesPerChunk)
  }
}

/// Scratch memory for one chunk (recycled through ``LargeBufferCache`` when large).
private struct Scratch<T> {
  let storage: TensorStorage
  init(count: Int) { storage = TensorStorage(byteCount: max(1, count) * MemoryLayout<T>.stride) }
  var pointer: UnsafeMutablePointer<T> { storage.pointer.assumingMemoryBound(to: T.self) }
}

/// The columns of images `range` (`[C·kh·kw, b·L]`, `b = range.count`).
@inline(__always)
private func chunkColumns<T: TensorScalar>(
  _ x: UnsafePointer<T>, _ columns: UnsafeMutablePointer<T>, _ range: Range<Int>,
  _ s: ConvolutionShape
) {
  let ld = range.count * s.positions
  for (local, n) in range.enumerated() {
    for c in 0..<s.channels {
      im2colPlane(
        x + (n * s.channels + c) * s.inputPlane,
        columns + c * s.window * ld + local * s.positions, rowStride: ld, s.geometry)
    }
  }
}

/// `ḡy` of images `range` as `[O, b·L]` (the layout of the chunk's columns).
@inline(__always)
private func chunkGradient<T: TensorScalar>(
  _ g: UnsafePointer<T>, _ out: UnsafeMutablePointer<T>, _ range: Range<Int>,
  _ s: ConvolutionShape
) {
  let (o, l) = (s.outputChannels, s.positions)
  let ld = range.count * l
  for (local, n) in range.enumerated() {
    for channel in 0..<o {
      (out + channel * ld + local * l).update(from: g + (n * o + channel) * l, count: l)
    }
  }
}

/// `y[n, o, ·] = W ⋆ x[n] (+ bias[o])`, `y` `[N, O, outH·outW]`, `w` `[O, C/G, kh, kw]`.
func convolutionForward<T: TensorScalar>(
  _ x: UnsafePointer<T>, _ w: UnsafePointer<T>, bias: UnsafePointer<T>?,
  _ y: UnsafeMutablePointer<T>, _ s: ConvolutionShape
) {
  let (og, kg, l, o) = (s.outputPerGroup, s.rowsPerGroup, s.positions, s.outputChannels)
  parallelFor(s.chunkCount) { chunk in
    let range = s.images(ofChunk: chunk)
    let ld = range.count * l
    let columns = Scratch<T>(count: s.rows * ld)
    chunkColumns(x, columns.pointer, range, s)
    // One image: the product's layout is the output's.
    let direct = range.count == 1
    let product = direct ? nil : Scratch<T>(count: o * ld)
    let target = product?.pointer ?? y + range.lowerBound * o * l
    for group in 0..<s.groups {
      gemm(
        w + group * og * kg, columns.pointer + group * kg * ld, target + group * og * ld,
        m: og, n: ld, k: kg, transposeA: false, transposeB: false, lda: kg, ldb: ld, ldc: ld)
    }
    for (local, n) in range.enumerated() {
      for channel in 0..<o {
        let dst = y + (n * o + channel) * l
        if !direct { dst.update(from: target + channel * ld + local * l, count: l) }
        if let bias {
          let b = bias[channel]
          for i in 0..<l { dst[i] += b }
        }
      }
    }
  }
}

/// `ḡx = Wᵀ ⋆ᵀ ḡy` (the transposed convolution): `gx` `[N, C, H, W]` from `g` `[N, O, L]`.
func convolutionInputGradient<T: TensorScalar>(
  _ g: UnsafePointer<T>, _ w: UnsafePointer<T>, _ gx: UnsafeMutablePointer<T>,
  _ s: ConvolutionShape
) {
  let (og, kg, l, o) = (s.outputPerGroup, s.rowsPerGroup, s.positions, s.outputChannels)
  parallelFor(s.chunkCount) { chunk in
    let range = s.images(ofChunk: chunk)
    let ld = range.count * l
    let gathered = range.count == 1 ? nil : Scratch<T>(count: o * ld)
    if let gathered { chunkGradient(g, gathered.pointer, range, s) }
    let gy = UnsafePointer(gathered?.pointer) ?? g + range.lowerBound * o * l
    let columns = Scratch<T>(count: s.rows * ld)
    for group in 0..<s.groups {
      gemm(
        w + group * og * kg, gy + group * og * ld, columns.pointer + group * kg * ld,
        m: kg, n: ld, k: og, transposeA: true, transposeB: false, lda: kg, ldb: ld, ldc: ld)
    }
    for (local, n) in range.enumerated() {
      for c in 0..<s.channels {
        col2imPlane(
          columns.pointer + c * s.window * ld + local * l, gx + (n * s.channels + c) * s.inputPlane,
          rowStride: ld, s.geometry)
      }
    }
  }
}

/// `ḡW = Σₙ ḡyₙ ⋆ xₙ`: `gw` `[O, C/G, kh, kw]` from `x` `[N, C, H, W]` and `g` `[N, O, L]`.
func convolutionWeightGradient<T: TensorScalar>(
  _ x: UnsafePointer<T>, _ g: UnsafePointer<T>, _ gw: UnsafeMutablePointer<T>,
  _ s: ConvolutionShape
) {
  convolutionBackward(x, g, nil, inputGradient: nil, weightGradient: gw, s)
}

/// The weight gradient (when `weightGradient` is given) and the input gradient (when
/// `inputGradient` and `w` are) in one pass over the chunks, sharing each chunk's gathered `ḡy`.
/// Chunks are split into ``ConvolutionShape/accumulators`` runs of consecutive chunks, one task
/// each; each run sums its chunks' weight-gradient products in order, and the runs' sums are added
/// in order.
func convolutionBackward<T: TensorScalar>(
  _ x: UnsafePointer<T>, _ g: UnsafePointer<T>, _ w: UnsafePointer<T>?,
  inputGradient gx: UnsafeMutablePointer<T>?, weightGradient gw: UnsafeMutablePointer<T>?,
  _ s: ConvolutionShape
) {
  let (og, kg, l, o) = (s.outputPerGroup, s.rowsPerGroup, s.positions, s.outputChannels)
  let size = o * kg
  if s.batch == 0 {
    gw?.update(repeating: 0, count: size)
    return
  }
  let chunks = s.chunkCount
  let accumulators = s.accumulators
  let partials = gw == nil ? nil : Scratch<T>(count: accumulators * size)
  parallelFor(accumulators) { a in
    let sum = partials.map { $0.pointer + a * size }
    let product = partials == nil ? nil : Scratch<T>(count: size)
    let firstChunk = a * chunks / accumulators
    for chunk in firstChunk..<((a + 1) * chunks / accumulators) {
      let range = s.images(ofChunk: chunk)
      let ld = range.count * l
      let gathered = range.count == 1 ? nil : Scratch<T>(count: o * ld)
      if let gathered { chunkGradient(g, gathered.pointer, range, s) }
      let gy = UnsafePointer(gathered?.pointer) ?? g + range.lowerBound * o * l
      let columns = Scratch<T>(count: s.rows * ld)
      if let sum, let product {
        chunkColumns(x, columns.pointer, range, s)
        let target = chunk == firstChunk ? sum : product.pointer
        for group in 0..<s.groups {
          gemm(
            gy + group * og * ld, columns.pointer + group * kg * ld, target + group * og * kg,
            m: og, n: kg, k: ld, transposeA: false, transposeB: true, lda: ld, ldb: ld, ldc: kg)
        }
        if chunk != firstChunk { for i in 0..<size { sum[i] += product.pointer[i] } }
      }
      if let gx, let w {
        for group in 0..<s.groups {
          gemm(
            w + group * og * kg, gy + group * og * ld, columns.pointer + group * kg * ld,
            m: kg, n: ld, k: og, transposeA: true, transposeB: false, lda: kg, ldb: ld, ldc: ld)
        }
        for (local, n) in range.enumerated() {
          for c in 0..<s.channels {
            col2imPlane(
              columns.pointer + c * s.window * ld + local * l,
              gx + (n * s.channels + c) * s.inputPlane, rowStride: ld, s.geometry)
          }
        }
      }
    }
  }
  guard let gw, let partials else { return }
  gw.update(from: partials.pointer, count: size)
  for a in 1..<accumulators {
    let partial = partials.pointer + a * size
    for i in 0..<size { gw[i] += partial[i] }
  }
}
