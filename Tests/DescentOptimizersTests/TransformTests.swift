import Descent
import DescentOptimizers
import DescentTestSupport
import Testing

/// The Optax-style transforms and their composition with ``Chain``.
@Suite struct TransformTests {
  static func tree(_ weight: [Double], _ bias: [Double]) -> ParameterTree {
    ParameterTree([
      ("w", Tensor(weight, dtype: .float64)), ("bias", Tensor(bias, dtype: .float64)),
    ])
  }

  static func updates<T: GradientTransformation>(
    _ transformation: T, _ gradients: ParameterTree, parameters: ParameterTree,
    state: inout T.State, step: Int = 1
  ) throws -> ParameterTree {
    var u = gradients
    try transformation.update(
      &u, state: &state, context: UpdateContext(step: step, parameters: parameters))
    return u
  }

  @Test func clipByGlobalNormRescalesOnlyAboveTheThreshold() throws {
    let g = Self.tree([3, 0], [0, 4])  // global norm 5
    var state = EmptyState()
    let clipped = try Self.updates(ClipByGlobalNorm(1), g, parameters: g, state: &state)
    #expect(mismatch(flattened(clipped), [0.6, 0, 0, 0.8], relativeTolerance: 1e-15) == nil)
    let kept = try Self.updates(ClipByGlobalNorm(10), g, parameters: g, state: &state)
    #expect(flattened(kept) == flattened(g))
  }

  @Test func clipByValueClipsEachElement() throws {
    var state = EmptyState()
    let u = try Self.updates(
      ClipByValue(1), Self.tree([-3, 0.5], [2]), parameters: Self.tree([0, 0], [0]), state: &state)
    #expect(flattened(u) == [-1, 0.5, 1])
  }

  @Test func maximizeNegatesAndLearningRateFlipsTheSign() throws {
    let g = Self.tree([1, -2], [3])
    var empty = EmptyState()
    #expect(
      flattened(try Self.updates(Maximize(), g, parameters: g, state: &empty)) == [-1, 2, -3])
    let scale = ScaleByLearningRate(0.5)
    var state = scale.initialState(for: g)
    #expect(flattened(try Self.updates(scale, g, parameters: g, state: &state)) == [-0.5, 1, -1.5])
    #expect(state.count == 1)
  }

  @Test func learningRateFollowsItsSchedule() throws {
    let scale = ScaleByLearningRate(Hyperparameter(halvingSchedule))
    let g = Self.tree([1], [])
    var state = scale.initialState(for: g)
    var seen: [Double] = []
    for _ in 0..<11 {
      seen.append(-flattened(try Self.updates(scale, g, parameters: g, state: &state))[0])
    }
    #expect(seen[0] == 0.1 && seen[4] == 0.1 && seen[5] == 0.05 && seen[10] == 0.025)
  }

  @Test func decoupledAndCoupledDecayAddTheScaledParameters() throws {
    let p = Self.tree([2, -4], [1])
    let g = Self.tree([1, 1], [1])
    var state = EmptyState()
    #expect(
      flattened(try Self.updates(AddDecayedWeights(0.5), g, parameters: p, state: &state)) == [
        2, -1, 1.5,
      ])
    #expect(
      flattened(try Self.updates(AddWeightDecayToGradient(0.5), g, parameters: p, state: &state))
        == [2, -1, 1.5])
  }

  @Test func maskedSkipsUnselectedPaths() throws {
    let p = Self.tree([2, -4], [10])
    let g = Self.tree([1, 1], [1])
    let masked = Masked(AddDecayedWeights(0.5)) { !$0.hasSuffix("bias") }
    var state = masked.initialState(for: p)
    #expect(flattened(try Self.updates(masked, g, parameters: p, state: &state)) == [2, -1, 1])
    // Stateful inner transformations keep state for the selected paths only.
    let adam = Masked(ScaleByAdam()) { $0 == "bias" }
    #expect(adam.initialState(for: p).mu.paths == ["bias"])
  }

  @Test func chainOfOptaxTransformsEqualsTheFusedAdamAndAdamW() throws {
    let lr = 0.01
    var rng = SplitMix64(state: 11)
    let start = ParameterTree([("a", Tensor(rng.values(6), shape: [2, 3], dtype: .float64))])
    func trajectory<T: GradientTransformation>(_ t: T) throws -> [Double] {
      var p = start
      let optimizer = Optimizer(t, for: p)
      for _ in 0..<30 { try optimizer.step(&p, gradients: p.map { $0 * $0 * $0 - $0 * 0.5 + 0.2 }) }
      return flattened(p)
    }
    let coupled = try trajectory(
      Chain {
        AddWeightDecayToGradient(0.1)
        ScaleByAdam()
        ScaleByLearningRate(Hyperparameter(lr))
      })
    #expect(
      mismatch(
        coupled, try trajectory(Adam(learningRate: Hyperparameter(lr), weightDecay: 0.1)),
        relativeTolerance: 1e-12) == nil)
    let decoupled = try trajectory(
      Chain {
        ClipByGlobalNorm(1e6)
        ScaleByAdam()
        AddDecayedWeights(0.1)
        ScaleByLearningRate(Hyperparameter(lr))
      })
    #expect(
      mismatch(
        decoupled, try trajectory(AdamW(learningRate: Hyperparameter(lr), weightDecay: 0.1)),
        relativeTolerance: 1e-12) == nil)
    let maximizing = try trajectory(
      Chain {
        Maximize()
        ScaleByAdam()
        ScaleByLearningRate(Hyperparameter(lr))
      })
    #expect(
      mismatch(
        maximizing, try trajectory(Adam(learningRate: Hyperparameter(lr), maximize: true)),
        relativeTolerance: 1e-12) == nil)
  }

  @Test func chainBuilderSupportsOptionalMembers() throws {
    func make(clip: Bool) -> some GradientTransformation {
      Chain {
        if clip { ClipByValue(0.1) }
        ScaleByLearningRate(1)
      }
    }
    let g = Self.tree([1], [])
    let clipped = make(clip: true)
    var s1 = clipped.initialState(for: g)
    #expect(flattened(try Self.updates(clipped, g, parameters: g, state: &s1)) == [-0.1])
    let plain = make(clip: false)
    var s2 = plain.initialState(for: g)
    #expect(flattened(try Self.updates(plain, g, parameters: g, state: &s2)) == [-1])
  }

  @Test func accumulateGradientsStepsOnceEveryKMicroSteps() throws {
    let start = Self.tree([1, 2], [3])
    let accumulate = AccumulateGradients(steps: 3, try SGD(learningRate: 0.1, momentum: 0.9))
    var p = start
    let optimizer = Optimizer(accumulate, for: p)
    let gradients = [Self.tree([1, 0], [2]), Self.tree([2, 0], [-1]), Self.tree([0, 3], [2])]
    try optimizer.step(&p, gradients: gradients[0])
    try optimizer.step(&p, gradients: gradients[1])
    #expect(p == start)
    try optimizer.step(&p, gradients: gradients[2])
    // One SGD step with the mean gradient (1, 1, 1).
    #expect(mismatch(flattened(p), [0.9, 1.9, 2.9], relativeTolerance: 1e-15) == nil)
    let state = try #require(optimizer.state(as: AccumulateGradients<SGD>.State.self))
    #expect(state.inner.step == 1 && state.microStep == 0)
    #expect(flattened(state.accumulated) == [0, 0, 0])
    // Through `update` (inside a chain) the first micro-steps emit zeros.
    var chainState = accumulate.initialState(for: start)
    let zero = try Self.updates(accumulate, gradients[0], parameters: start, state: &chainState)
    #expect(flattened(zero) == [0, 0, 0])
  }
}
