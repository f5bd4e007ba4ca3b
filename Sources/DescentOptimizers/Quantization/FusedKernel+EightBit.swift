import CDescentKernels
import Descent

extension FusedKernel {
  /// The 8-bit step of an elementwise optimizer by its own 32-bit kernel: bound to one float32
  /// parameter whose state buffers are `quantized` (in the order the kernel's `state` expects),
  /// the returned closure runs, for each tile of at most 4096 values of a range of blocks,
  /// dequantize every buffer into scratch (`map[code] · absmax`), the kernel on the tile (in
  /// place, as `apply` runs it), and requantize every buffer with fresh block absmax.
  ///
  /// So the parameter update uses the unrounded new state, as bitsandbytes' 8-bit steps do, and
  /// the arithmetic is the 32-bit kernel's own: the first step from zero state equals the 32-bit
  /// step bit for bit, and no optimizer needs a second copy of its rule. (Adam, diffGrad,
  /// AdaDelta and the one-state optimizers keep their fused C kernels, which avoid the scratch
  /// round trip.) Each block depends only on itself, so the result does not depend on how
  /// ``fusedStepWithQuantizedState`` spreads the ranges over threads.
  func bind8bitThroughKernel(
    name: String, _ parameter: UnsafeMutablePointer<Float>, _ gradient: UnsafePointer<Float>,
    _ count: Int, _ quantized: inout [QuantizedTensor]
  ) -> (Range<Int>) -> Void {
    let blockSize = quantized.first?.blockSize ?? 256
    precondition(
      !quantized.isEmpty
        && quantized.allSatisfy { $0.blockSize == blockSize && $0.count == count }
        && QuantizedTensor.isValidOptimizerBlockSize(blockSize),
      "\(name): 8-bit state of \(quantized.map(\.count)) values in blocks of \(quantized.map(\.blockSize)), parameter \(count)"
    )
    let states = quantized.indices.map { quantized[$0].retainedKernelState() }
    let blocksPerTile = max(1, 4096 / blockSize)
    let tileValues = blocksPerTile * blockSize
    return { blocks in
      let scratch = UnsafeMutablePointer<Float>.allocate(capacity: states.count * tileValues)
      defer { scratch.deallocate() }
      let buffers = states.indices.map { scratch + $0 * tileValues }
      var tile = blocks.lowerBound
      while tile < blocks.upperBound {
        let tileEnd = min(blocks.upperBound, tile + blocksPerTile)
        let start = tile * blockSize
        let remaining = count - start
        let length = min(remaining, (tileEnd - tile) * blockSize)
        for (s, state) in states.enumerated() {
          descent_dequantize_blockwise_f32(
            state.codes + start, state.absmax + tile, buffers[s], remaining, blockSize, 0,
            tileEnd - tile, state.map)
        }
        run(
          FusedBuffers(
            parameter: UnsafePointer(parameter + start), gradient: gradient + start,
            output: parameter + start, storesDifference: false, state: buffers),
          0..<length)
        for (s, state) in states.enumerated() {
          descent_quantize_blockwise_f32(
            buffers[s], state.codes + start, state.absmax + tile, remaining, blockSize, 0,
            tileEnd - tile, state.nearest)
        }
        tile = tileEnd
      }
    }
  }
}
