import Descent
import DescentOptimizers
import DescentTestSupport
import Foundation
import Testing

/// Values and gradients at known points. Hand-computed unless marked "(PyTorch)": those come from
/// PyTorch 2.13.0 float64 autograd on the same formula; "(mpmath)" values from mpmath at 30 digits.
/// Tolerance: 1e-12 relative + 1e-12 absolute (float64; sin/cos are series within 1e-15).
@Suite struct TestFunctionTests {
  struct Case: Sendable, CustomTestStringConvertible {
    let function: String
    let point: [Double]
    let value: Double
    let gradient: [Double]
    var testDescription: String { "\(function) at \(point)" }
  }

  static let cases: [Case] = [
    Case(function: "sphere", point: [-1.5, 2], value: 6.25, gradient: [-3, 4]),
    Case(function: "sphere", point: [0.5, 0, -1, 3], value: 10.25, gradient: [1, 0, -2, 6]),
    Case(function: "rosenbrock", point: [-1.2, 1], value: 24.2, gradient: [-215.6, -88]),
    Case(function: "rosenbrock", point: [1, 2, 3], value: 201, gradient: [-400, 1002, -200]),
    Case(function: "rosenbrock", point: [0, 0, 0], value: 2, gradient: [-2, -2, 0]),
    Case(function: "beale", point: [1, 1], value: 14.203125, gradient: [0, 27.75]),
    Case(function: "booth", point: [0, 0], value: 74, gradient: [-34, -38]),
    Case(function: "rastrigin", point: [2.5, -1.5], value: 48.5, gradient: [5, -3]),
    Case(function: "rastrigin", point: [0.25], value: 10.0625, gradient: [0.5 + 20 * Double.pi]),
    // (PyTorch)
    Case(
      function: "rastrigin", point: [0.3, -1.2, 2.7], value: 41.91016994374948,
      gradient: [60.356643294831116, -62.15664329483111, -54.3566432948311]),
    Case(
      function: "ackley", point: [1.5, -2], value: 7.674511801927853,
      gradient: [1.1916534023021514, -1.5888712030695322]),
    Case(
      function: "ackley", point: [0.3, 0.1, -0.7], value: 3.3500438221093423,
      gradient: [2.9482374191631324, 1.5871132033369604, 0.1968360889216344]),
    Case(function: "styblinski-tang", point: [0, 0], value: 0, gradient: [2.5, 2.5]),
    Case(function: "styblinski-tang", point: [1, -1], value: -15, gradient: [-11.5, 16.5]),
    Case(function: "diffgrad-f1", point: [-1], value: 0.4, gradient: [-1.4]),
    Case(function: "diffgrad-f1", point: [0.5], value: 0.05, gradient: [0.6]),
    Case(function: "diffgrad-f1", point: [0], value: 0, gradient: [0.6]),  // x ≤ 0 branch
    // F2 (mpmath): the smooth branch's gradient is the notebook's x·cos 8x + sin 8x + 3x².
    Case(function: "diffgrad-f2", point: [-1], value: 3.403124209656064, gradient: [-40]),
    Case(function: "diffgrad-f2", point: [-2], value: 43.40312420965606, gradient: [-40]),
    Case(
      function: "diffgrad-f2", point: [0.5], value: 0.258567115075212037,
      gradient: [-0.333624305739734209]),
    Case(
      function: "diffgrad-f2", point: [1.3], value: 2.23321085192968449,
      gradient: [3.51289399625894874]),
    Case(function: "diffgrad-f3", point: [-1], value: 1, gradient: [-2]),
    Case(function: "diffgrad-f3", point: [-0.45], value: 0.3, gradient: [1]),
    Case(function: "diffgrad-f3", point: [-0.2], value: 0.175, gradient: [-0.875]),
    Case(function: "diffgrad-f3", point: [0.2], value: 0.175, gradient: [0.875]),
    Case(function: "diffgrad-f3", point: [0.45], value: 0.3, gradient: [-1]),
    Case(function: "diffgrad-f3", point: [2], value: 4, gradient: [4]),
  ]

  @Test(arguments: cases)
  func valueAndAutodiffGradient(_ c: Case) throws {
    let function = try TestFunctionCatalogue.named(c.function)
    let (value, gradient) = function.valueAndGradient(at: c.point)
    #expect(isClose(value, c.value), "value \(value), expected \(c.value)")
    let failure = mismatch(gradient, c.gradient, relativeTolerance: 1e-12, absoluteTolerance: 1e-12)
    #expect(failure == nil, "gradient: \(failure ?? "")")
  }

  @Test func everyFunctionHasACase() {
    #expect(Set(Self.cases.map(\.function)) == Set(TestFunctionCatalogue.names))
    #expect(
      TestFunctionCatalogue.names == [
        "sphere", "rosenbrock", "beale", "booth", "rastrigin", "ackley", "styblinski-tang",
        "diffgrad-f1", "diffgrad-f2", "diffgrad-f3",
      ])
  }

  @Test(arguments: TestFunctionCatalogue.all.map(\.name))
  func minimaHaveTheirValuesAndVanishingGradients(name: String) throws {
    let function = try TestFunctionCatalogue.named(name)
    let dimensions =
      function.maximumDimension == nil
      ? [function.minimumDimension, 2, 5] : [function.minimumDimension]
    for d in dimensions {
      let minima = function.minima(dimension: d)
      #expect(minima.contains { $0.isGlobal })
      for minimum in minima {
        #expect(minimum.point.count == d)
        let (value, gradient) = function.valueAndGradient(at: minimum.point)
        #expect(
          isClose(value, minimum.value),
          "\(name) d=\(d): f(\(minimum.point)) = \(value), expected \(minimum.value)")
        if minimum.isStationary {
          #expect(
            gradient.allSatisfy { abs($0) < 1e-9 },
            "\(name) d=\(d): gradient \(gradient) at \(minimum.point)")
        } else {
          // A kink: the function rises on both sides.
          for i in 0..<d {
            for h in [-1e-4, 1e-4] {
              var nearby = minimum.point
              nearby[i] += h
              #expect(
                function.value(at: nearby) > minimum.value,
                "\(name): not a minimum along \(i) at \(nearby)")
            }
          }
        }
        if minimum.isGlobal {
          // No sampled point near the start does better than the global minimum.
          let samples = testRandomValues(count: 200 * d, seed: 7, range: -3...3)
          for k in 0..<200 {
            let point = Array(samples[(k * d)..<((k + 1) * d)])
            #expect(function.value(at: point) >= minimum.value - 1e-12)
          }
        }
      }
    }
  }

  @Test(arguments: TestFunctionCatalogue.all.map(\.name))
  func gradientsMatchFiniteDifferences(name: String) throws {
    let function = try TestFunctionCatalogue.named(name)
    let d = max(function.minimumDimension, function.maximumDimension == nil ? 3 : 1)
    // Points chosen away from every kink of the piecewise functions (at ±0.5, ±0.4, 0, −0.9).
    let points: [[Double]] =
      d == 1
      ? [[-1.3], [-0.7], [-0.45], [-0.23], [0.17], [0.43], [0.8]]
      : [
        Array(testRandomValues(count: d, seed: 3, range: -2...2)),
        Array(testRandomValues(count: d, seed: 4, range: -2...2)),
      ]
    for point in points {
      let x = Tensor(point, dtype: .float64)
      #expect(gradientCheckFailure([x]) { function.value($0[0]) } == nil, "\(name) at \(point)")
      #expect(secondOrderCheckFailure([x]) { function.value($0[0]) } == nil, "\(name) at \(point)")
    }
  }

  @Test func float32Evaluation() throws {
    let rosenbrock = try TestFunctionCatalogue.named("rosenbrock")
    let (value, gradient) = valueAndGrad(of: { rosenbrock.value($0) }, at: Tensor([-1.2, 1]))
    #expect(value.dtype == .float32 && gradient.dtype == .float32)
    #expect(abs(value.item - 24.2) < 1e-4)
    #expect(abs(gradient.doubles[0] + 215.6) < 1e-3)
  }

  @Test func trigonometryMatchesFoundation() throws {
    // Rastrigin's cosine term, at points spread over many periods, against Foundation's cos.
    let rastrigin = try TestFunctionCatalogue.named("rastrigin")
    for x in testRandomValues(count: 200, seed: 11, range: -40...40) {
      let expected = x * x - 10 * Foundation.cos(2 * Double.pi * x) + 10
      #expect(abs(rastrigin.value(at: [x]) - expected) <= 1e-12 * max(1, abs(expected)))
    }
    // F2's smooth branch uses sin(8x) and cos(8x).
    let f2 = try TestFunctionCatalogue.named("diffgrad-f2")
    for x in testRandomValues(count: 200, seed: 12, range: -0.89...30) {
      let expected =
        x * Foundation.sin(8 * x) / 8 + 7 * (1 - Foundation.cos(8 * x)) / 64 + x * x * x
      #expect(abs(f2.value(at: [x]) - expected) <= 1e-12 * max(1, abs(expected)))
      let slope = x * Foundation.cos(8 * x) + Foundation.sin(8 * x) + 3 * x * x
      #expect(abs(f2.valueAndGradient(at: [x]).gradient[0] - slope) <= 1e-11 * max(1, abs(slope)))
    }
  }

  @Test func piecewiseFunctionsAreContinuous() throws {
    for (name, kinks) in [
      ("diffgrad-f1", [0.0]), ("diffgrad-f2", [-0.9]), ("diffgrad-f3", [-0.5, -0.4, 0, 0.4, 0.5]),
    ] {
      let function = try TestFunctionCatalogue.named(name)
      for kink in kinks {
        let left = function.value(at: [kink - 1e-10])
        let right = function.value(at: [kink + 1e-10])
        #expect(abs(left - right) < 1e-8, "\(name) jumps at \(kink): \(left) vs \(right)")
      }
    }
  }

  @Test func dimensions() throws {
    let rosenbrock = try TestFunctionCatalogue.named("rosenbrock")
    #expect(rosenbrock.accepts(dimension: 2) && rosenbrock.accepts(dimension: 100))
    #expect(!rosenbrock.accepts(dimension: 1))
    #expect(
      throws: TestFunctionError.wrongDimension(
        function: "rosenbrock", dimension: 1, accepted: ">= 2")
    ) {
      try rosenbrock.checkDimension(1)
    }
    let beale = try TestFunctionCatalogue.named("beale")
    #expect(beale.dimensionDescription == "2")
    #expect(throws: TestFunctionError.self) { try beale.checkDimension(3) }
    for function in TestFunctionCatalogue.all {
      #expect(function.accepts(dimension: function.defaultStart.count), "\(function.name)")
    }
    let highDimensional = rosenbrock.valueAndGradient(at: Array(repeating: 1, count: 50))
    #expect(highDimensional.value == 0 && highDimensional.gradient.count == 50)
  }

  /// The diffGrad notebook's experiment, with its own scalar Adam (ε inside the root) and diffGrad
  /// loops written out here, driven by these functions' autodiff gradients: x₀ = −1, 299 updates,
  /// lr 0.1, β1 0.95, β2 0.999, ε 1e-8. Expected outcomes from the paper digest's reproduction of
  /// the notebook: F1 diffGrad → −0.3 (global), Adam → 0.2 (local); F2 diffGrad in
  /// [−0.9, −0.75], Adam → 0.
  @Test func diffGradNotebookExperiment() throws {
    func run(_ name: String, diffGrad: Bool) throws -> Double {
      let function = try TestFunctionCatalogue.named(name)
      var (x, m, v, previous) = (-1.0, 0.0, 0.0, 0.0)
      let (lr, beta1, beta2, eps) = (0.1, 0.95, 0.999, 1e-8)
      for t in 1..<300 {
        let g = function.valueAndGradient(at: [x]).gradient[0]
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        let mHat = m / (1 - Foundation.pow(beta1, Double(t)))
        let vHat = v / (1 - Foundation.pow(beta2, Double(t)))
        if diffGrad {
          let friction = 1 / (1 + Foundation.exp(-abs(previous - g)))
          x -= lr * mHat * friction / (vHat.squareRoot() + eps)
          previous = g
        } else {
          x -= lr * mHat / (vHat + eps).squareRoot()
        }
      }
      return x
    }
    #expect(abs(try run("diffgrad-f1", diffGrad: true) + 0.3) < 0.01)
    #expect(abs(try run("diffgrad-f1", diffGrad: false) - 0.2) < 0.01)
    #expect((-0.9 ... -0.75).contains(try run("diffgrad-f2", diffGrad: true)))
    #expect(abs(try run("diffgrad-f2", diffGrad: false)) < 0.01)
  }

  @Test func listings() throws {
    let json = try TestFunctionCatalogue.listingJSON()
    let records = try JSONDecoder().decode([TestFunctionListing].self, from: Data(json.utf8))
    #expect(records.map(\.name) == TestFunctionCatalogue.names)
    #expect(records == TestFunctionCatalogue.all.map(TestFunctionListing.init))
    let parsed = try #require(
      try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]])
    #expect(parsed[0]["maximumDimension"] is NSNull)  // present, explicitly null
    #expect(parsed[2]["maximumDimension"] as? Int == 2)
    let table = TestFunctionCatalogue.listingTable().split(separator: "\n")
    #expect(table.count == 1 + TestFunctionCatalogue.all.count)
    #expect(table[0].hasPrefix("NAME"))
    #expect(
      table[2].hasPrefix("rosenbrock") && table[2].contains(">= 2")
        && table[2].contains("0 at (1, 1)"))
  }

  @Test func unknownNamesSuggestTheClosest() {
    #expect(throws: TestFunctionError.self) { try TestFunctionCatalogue.named("rosenbrok") }
    do {
      _ = try TestFunctionCatalogue.named("rosenbrok")
    } catch let error as TestFunctionError {
      #expect(error.description == "unknown test function 'rosenbrok'; did you mean 'rosenbrock'?")
    } catch { Issue.record("unexpected error \(error)") }
    #expect(
      TestFunctionCatalogue.closestNames(to: "diffgrad-f4", among: TestFunctionCatalogue.names)
        .first == "diffgrad-f1")
    #expect(
      TestFunctionCatalogue.closestNames(to: "styblinski", among: TestFunctionCatalogue.names) == [
        "styblinski-tang"
      ])
    #expect(
      TestFunctionCatalogue.closestNames(to: "zzzzzz", among: TestFunctionCatalogue.names).isEmpty)
    #expect((try? TestFunctionCatalogue.named("Styblinski_Tang"))?.name == "styblinski-tang")
  }
}

private func isClose(_ a: Double, _ e: Double) -> Bool { abs(a - e) <= 1e-12 + 1e-12 * abs(e) }
