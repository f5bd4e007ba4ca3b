import Descent
import DescentTestSupport
import Testing

/// Reference numbers: PyTorch 2.13.0 (CPU) in /work/venv-ref, on `src = torch.arange(12.).reshape(3, 4)`
/// (`torch.gather`, `scatter_add`, `index_select`, `F.one_hot`, `F.pad`, slicing), as named in
/// each test.
private let source = Tensor.arange(0, 12, dtype: .float64).reshaped([3, 4])

@Suite struct ShapeOpTests {
  // MARK: slicing

  @Test func sliceFollowsPythonSemantics() {
    // src[:, -3::2]
    #expect(source.slice(axis: 1, start: -3, step: 2).doubles == [1, 3, 5, 7, 9, 11])
    #expect(source.slice(axis: 1, start: -3, step: 2).shape == [3, 2])
    #expect(source.slice(axis: 0, start: -2).doubles == [4, 5, 6, 7, 8, 9, 10, 11])  // src[-2:]
    // src[:, 1:-1]
    #expect(source.slice(axis: -1, start: 1, end: -1).doubles == [1, 2, 5, 6, 9, 10])
    #expect(source.slice(axis: 0, start: 5, end: 9).shape == [0, 4])  // out of range → empty
    #expect(source.slice(axis: 0, start: 2, end: 1).shape == [0, 4])
    #expect(source.slice(axis: 1, start: -100, end: 100).doubles == source.doubles)
    #expect(Tensor(indices: [4, 5, 6]).slice(axis: 0, start: 1).ints == [5, 6])
  }

  @Test func sliceGradientScattersIntoZeros() {
    let g = grad(of: { $0.slice(axis: 1, start: 1, step: 2).sum() }, at: source)
    #expect(g.doubles == [0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1])
    let x = testTensor([4, 5, 2], seed: 21)
    #expect(gradientCheckFailure([x]) { $0[0].slice(axis: 1, start: -4, end: 4, step: 2) } == nil)
    #expect(secondOrderCheckFailure([x]) { $0[0].slice(axis: 0, start: 1).exp() } == nil)
    #expect(secondOrderCheckFailure([x]) { ($0[0] * $0[0]).slice(axis: 2, start: 1) } == nil)
  }

  // MARK: concatenate / stack / split

  @Test func concatenateStackAndSplit() {
    let a = Tensor([[1, 2], [3, 4]], dtype: .float64)
    let b = Tensor([[5], [6]], dtype: .float64)
    let c = Tensor.concatenate([a, b], axis: -1)
    #expect(c.shape == [2, 3])
    #expect(c.doubles == [1, 2, 5, 3, 4, 6])
    #expect(Tensor.concatenate([a, a], axis: 0).doubles == [1, 2, 3, 4, 1, 2, 3, 4])
    #expect(
      Tensor.concatenate([a, Tensor.zeros([0, 2], dtype: .float64)], axis: 0).shape == [2, 2])
    let s = Tensor.stack([a, a * 2], axis: 1)
    #expect(s.shape == [2, 2, 2])
    #expect(s.doubles == [1, 2, 2, 4, 3, 4, 6, 8])  // torch.stack([a, 2a], 1)
    #expect(Tensor.stack([a, a], axis: -1).shape == [2, 2, 2])
    let pieces = c.split(sizes: [2, 1], axis: 1)
    #expect(pieces.map(\.shape) == [[2, 2], [2, 1]])
    #expect(pieces[0].doubles == a.doubles && pieces[1].doubles == b.doubles)
    let thirds = source.split(count: 2, axis: 1)
    #expect(thirds[1].doubles == [2, 3, 6, 7, 10, 11])
    #expect(
      Tensor.concatenate([Tensor(indices: [1]), Tensor(indices: [2, 3])], axis: 0).ints == [
        1, 2, 3,
      ])
  }

  @Test func joiningGradientsToSecondOrder() {
    let a = testTensor([2, 3], seed: 22)
    let b = testTensor([2, 1], seed: 23)
    #expect(
      gradientCheckFailure([a, b]) { Tensor.concatenate([$0[0], $0[1], $0[0]], axis: 1) } == nil)
    #expect(
      secondOrderCheckFailure([a, b]) { Tensor.concatenate([$0[0] * $0[0], $0[1].exp()], axis: 1) }
        == nil)
    #expect(gradientCheckFailure([a]) { Tensor.stack([$0[0], $0[0] * 3], axis: 0) } == nil)
    #expect(secondOrderCheckFailure([a]) { Tensor.stack([$0[0].exp(), $0[0]], axis: 2) } == nil)
    #expect(
      gradientCheckFailure([a]) { xs in
        let parts = xs[0].split(sizes: [1, 2], axis: 1)
        return parts[0] * parts[1]
      } == nil)
    #expect(
      secondOrderCheckFailure([a]) { xs in
        let parts = xs[0].split(count: 2, axis: 0)
        return parts[0] * parts[1]
      } == nil)
  }

  @Test func tiledAndRepeated() {
    let a = Tensor([[1, 2], [3, 4]], dtype: .float64)
    #expect(a.tiled([1, 2]).doubles == [1, 2, 1, 2, 3, 4, 3, 4])  // a.repeat(1, 2)
    #expect(a.tiled([2, 1]).shape == [4, 2])
    #expect(a.repeated(2, axis: 1).doubles == [1, 1, 2, 2, 3, 3, 4, 4])  // repeat_interleave(2, 1)
    #expect(a.repeated(2, axis: 0).doubles == [1, 2, 1, 2, 3, 4, 3, 4])
    let x = testTensor([2, 3], seed: 24)
    #expect(gradientCheckFailure([x]) { $0[0].tiled([2, 3]) } == nil)
    #expect(secondOrderCheckFailure([x]) { $0[0].exp().tiled([3, 1]) } == nil)
    #expect(gradientCheckFailure([x]) { $0[0].repeated(2, axis: 0) } == nil)
    #expect(secondOrderCheckFailure([x]) { ($0[0] * $0[0]).repeated(3, axis: -1) } == nil)
  }

  // MARK: gather / scatterAdd

  @Test func gatherMatchesPyTorch() {
    // torch.gather(src, 1, [[0,2],[3,3],[1,0]])
    let rows = Tensor(indices: [0, 2, 3, 3, 1, 0], shape: [3, 2])
    #expect(source.gather(axis: 1, indices: rows).doubles == [0, 2, 7, 7, 9, 8])
    // torch.gather(src, 0, [[2,0,1,1],[0,0,2,1]])
    let columns = Tensor(indices: [2, 0, 1, 1, 0, 0, 2, 1], shape: [2, 4])
    #expect(source.gather(axis: -2, indices: columns).doubles == [8, 1, 6, 7, 0, 1, 10, 7])
    // src.scatter_add(0, same indices, ones)
    let added = Tensor.zeros([3, 4], dtype: .float64).scatterAdd(
      axis: 0, indices: columns, values: .ones([2, 4], dtype: .float64))
    #expect(added.doubles == [1, 2, 0, 0, 0, 0, 1, 2, 1, 0, 1, 0])
    // Indices smaller than the source in a non-gather dimension (allowed by torch.gather).
    #expect(
      source.gather(axis: 1, indices: Tensor(indices: [3, 1], shape: [2, 1])).doubles == [3, 5])
    #expect(source.gather(axis: 1, indices: Tensor(indices: [], shape: [3, 0])).shape == [3, 0])
  }

  @Test func gatherAndScatterAddGradientsToSecondOrder() {
    let x = testTensor([3, 4, 2], seed: 25)
    let indices = Tensor(
      indices: [0, 3, 3, 1, 2, 2, 0, 0, 1, 1, 3, 2, 2, 3, 0, 1, 1, 0], shape: [3, 3, 2])
    #expect(gradientCheckFailure([x]) { $0[0].gather(axis: 1, indices: indices) } == nil)
    #expect(
      secondOrderCheckFailure([x]) { ($0[0] * $0[0]).gather(axis: 1, indices: indices) } == nil)
    let base = testTensor([3, 4, 2], seed: 26)
    let values = testTensor([3, 3, 2], seed: 27)
    #expect(
      gradientCheckFailure([base, values]) {
        $0[0].scatterAdd(axis: 1, indices: indices, values: $0[1])
      } == nil)
    #expect(
      secondOrderCheckFailure([base, values]) {
        ($0[0] * $0[0]).scatterAdd(axis: 1, indices: indices, values: $0[1].exp())
      } == nil)
    let first = Tensor(indices: [2, 0, 1, 1, 0, 2], shape: [1, 3, 2])
    #expect(gradientCheckFailure([x]) { $0[0].gather(axis: 0, indices: first) } == nil)
    let vector = testTensor([5], seed: 32)
    let picks = Tensor(indices: [4, 4, 0, 2])
    #expect(
      vector.gather(axis: 0, indices: picks).doubles == [4, 4, 0, 2].map { vector.doubles[$0] })
    #expect(
      secondOrderCheckFailure([vector]) { $0[0].exp().gather(axis: 0, indices: picks) } == nil)
    let none = Tensor(indices: [], shape: [0, 4, 2])
    #expect(gradientCheckFailure([x]) { $0[0].gather(axis: 1, indices: none) } == nil)
    let last = Tensor(indices: [1, 1, 0, 1, 0, 0], shape: [3, 1, 2])
    #expect(secondOrderCheckFailure([x]) { $0[0].exp().gather(axis: -1, indices: last) } == nil)
  }

  @Test func scatterAddIsDeterministicAcrossThreads() {
    let n = 200_000
    let values = Tensor(
      testRandomValues(count: n, seed: 28, range: -1...1), shape: [n], dtype: .float32)
    let indices = Tensor(indices: (0..<n).map { ($0 * 7919) % 13 })
    let one = withThreads(1) {
      Tensor.zeros([13]).scatterAdd(axis: 0, indices: indices, values: values)
    }
    let two = withThreads(2) {
      Tensor.zeros([13]).scatterAdd(axis: 0, indices: indices, values: values)
    }
    #expect(one.bytes == two.bytes)
    let wide = values.reshaped([2, n / 2])
    let wideIndices = indices.reshaped([2, n / 2])
    let a = withThreads(1) {
      Tensor.zeros([2, 13]).scatterAdd(axis: 1, indices: wideIndices, values: wide)
    }
    let b = withThreads(2) {
      Tensor.zeros([2, 13]).scatterAdd(axis: 1, indices: wideIndices, values: wide)
    }
    #expect(a.bytes == b.bytes)
  }

  // MARK: indexSelect / indexAdd / oneHot

  @Test func indexSelectAndIndexAdd() {
    // src.index_select(1, [3, 0, 3])
    let picked = source.indexSelect(axis: 1, indices: Tensor(indices: [3, 0, 3]))
    #expect(picked.doubles == [3, 0, 3, 7, 4, 7, 11, 8, 11])
    #expect(source.indexSelect(axis: 0, indices: Tensor(indices: [])).shape == [0, 4])
    let added = Tensor.zeros([3], dtype: .float64).indexAdd(
      axis: 0, indices: Tensor(indices: [2, 0, 2]), values: Tensor([1, 2, 3], dtype: .float64))
    #expect(added.doubles == [2, 0, 4])
    let x = testTensor([3, 4], seed: 29)
    let indices = Tensor(indices: [3, 0, 3, 1])
    #expect(gradientCheckFailure([x]) { $0[0].indexSelect(axis: 1, indices: indices) } == nil)
    #expect(
      secondOrderCheckFailure([x]) { $0[0].exp().indexSelect(axis: -1, indices: indices) } == nil)
    let values = testTensor([3, 4], seed: 30)
    #expect(
      gradientCheckFailure([x, values]) { $0[0].indexAdd(axis: 1, indices: indices, values: $0[1]) }
        == nil)
    #expect(
      secondOrderCheckFailure([x, values]) {
        ($0[0] * $0[0]).indexAdd(axis: 1, indices: indices, values: $0[1] * $0[1])
      } == nil)
  }

  @Test func oneHotEncodes() {
    let encoded = Tensor(indices: [2, 0, 1]).oneHot(classes: 4)  // F.one_hot([2, 0, 1], 4)
    #expect(encoded.dtype == .float32)
    #expect(encoded.shape == [3, 4])
    #expect(encoded.doubles == [0, 0, 1, 0, 1, 0, 0, 0, 0, 1, 0, 0])
    #expect(
      Tensor(indices: [1, 0], shape: [2, 1]).oneHot(classes: 2, dtype: .float64).shape == [2, 1, 2])
    #expect(Tensor(indices: []).oneHot(classes: 3).shape == [0, 3])
  }

  // MARK: pad

  @Test func padMatchesPyTorch() {
    // F.pad(arange(1, 5).reshape(2, 2), (1, 0, 0, 2), value=9): last axis (1, 0), first (0, 2).
    let a = Tensor([[1, 2], [3, 4]], dtype: .float64)
    let padded = a.pad([(0, 2), (1, 0)], value: 9)
    #expect(padded.shape == [4, 3])
    #expect(padded.doubles == [9, 1, 2, 9, 3, 4, 9, 9, 9, 9, 9, 9])
    #expect(Tensor.zeros([0, 2]).pad([(1, 1), (0, 0)]).shape == [2, 2])
    let x = testTensor([2, 3], seed: 31)
    #expect(gradientCheckFailure([x]) { $0[0].pad([(1, 2), (0, 3)], value: 0.5) } == nil)
    #expect(secondOrderCheckFailure([x]) { ($0[0] * $0[0]).pad([(2, 0), (1, 1)]) } == nil)
  }
}
