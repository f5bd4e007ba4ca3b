import Descent
import Foundation

/// A regression problem: features float32 `[N, F]`, targets float32 `[N]`.
public struct RegressionData: Sendable {
  public var features: Tensor
  public var targets: Tensor
  /// The true coefficients (`[F]`) and intercept when the problem is linear, else empty / 0.
  public var weights: [Double]
  public var bias: Double
}

/// Seeded synthetic data sets, after scikit-learn's `make_blobs`, `make_moons` and
/// `make_regression`. Each is a pure function of its arguments: the same seed gives the same data
/// on every machine (uniforms from the core's `RandomGenerator`, Box–Muller normals).
public enum SyntheticData {
  /// Isotropic Gaussian blobs: `classCount` centres drawn uniformly in `[-10, 10]^features`,
  /// then example `i` belongs to class `i mod classCount` and is its centre plus
  /// `N(0, standardDeviation²)` noise per feature.
  public static func blobs(
    count: Int, features: Int = 2, classCount: Int = 3, standardDeviation: Double = 1,
    seed: UInt64
  ) -> TensorDataset {
    precondition(count >= 0 && features > 0 && classCount > 0, "blobs: invalid sizes")
    var rng = RandomGenerator(seed: seed)
    let centres = (0..<(classCount * features)).map { _ in -10 + 20 * rng.nextUnit() }
    var values: [Float] = []
    values.reserveCapacity(count * features)
    var labels: [Int32] = []
    for i in 0..<count {
      let c = i % classCount
      labels.append(Int32(c))
      for j in 0..<features {
        values.append(Float(centres[c * features + j] + standardDeviation * rng.nextNormal()))
      }
    }
    return TensorDataset(
      name: "blobs", features: Tensor(scalars: values, shape: [count, features]),
      labels: Tensor(scalars: labels, shape: [count]), classCount: classCount)
  }

  /// Two interleaving half circles in 2-D (`make_moons`): `⌊count/2⌋` points of class 0 on
  /// `(cos t, sin t)` and the rest of class 1 on `(1 − cos t, 0.5 − sin t)`, `t` evenly spaced
  /// in `[0, π]`, plus `N(0, noise²)` per coordinate; examples in shuffled order.
  public static func moons(count: Int, noise: Double = 0.1, seed: UInt64) -> TensorDataset {
    precondition(count >= 2, "moons: count must be at least 2, got \(count)")
    var rng = RandomGenerator(seed: seed)
    let outer = count / 2
    let inner = count - outer
    var points: [(Double, Double, Int32)] = []
    for i in 0..<outer {
      let t = Double.pi * Double(i) / Double(max(outer - 1, 1))
      points.append((cos(t), sin(t), 0))
    }
    for i in 0..<inner {
      let t = Double.pi * Double(i) / Double(max(inner - 1, 1))
      points.append((1 - cos(t), 0.5 - sin(t), 1))
    }
    let order = shuffledIndices(count: count, seed: seed, epoch: 0)
    var values: [Float] = []
    var labels: [Int32] = []
    for index in order {
      let (x, y, label) = points[index]
      values.append(Float(x + noise * rng.nextNormal()))
      values.append(Float(y + noise * rng.nextNormal()))
      labels.append(label)
    }
    return TensorDataset(
      name: "moons", features: Tensor(scalars: values, shape: [count, 2]),
      labels: Tensor(scalars: labels, shape: [count]), classCount: 2)
  }

  /// A linear regression problem `y = x·w + b + ε`: features `x ~ N(0, 1)`, weights
  /// `w ~ N(0, 1)` scaled by 10 (as `make_regression`), bias `b ~ U[-1, 1]`, and noise
  /// `ε ~ N(0, noise²)` (`noise = 0` gives an exactly linear problem).
  public static func linearRegression(
    count: Int, features: Int, noise: Double = 0, seed: UInt64
  ) -> RegressionData {
    precondition(count >= 0 && features > 0, "linearRegression: invalid sizes")
    var rng = RandomGenerator(seed: seed)
    let weights = (0..<features).map { _ in 10 * rng.nextNormal() }
    let bias = 2 * rng.nextUnit() - 1
    var x: [Float] = []
    var y: [Float] = []
    for _ in 0..<count {
      var target = bias
      for j in 0..<features {
        let value = rng.nextNormal()
        x.append(Float(value))
        target += Double(Float(value)) * weights[j]
      }
      y.append(Float(target + noise * rng.nextNormal()))
    }
    return RegressionData(
      features: Tensor(scalars: x, shape: [count, features]),
      targets: Tensor(scalars: y, shape: [count]), weights: weights, bias: bias)
  }

  /// A noisy non-linear 1-D regression problem (Bishop, *Pattern Recognition and Machine
  /// Learning*, §1.1): `x ~ U[0, 1]`, `y = sin(2πx) + ε`, `ε ~ N(0, noise²)`.
  public static func noisyRegression(count: Int, noise: Double = 0.3, seed: UInt64)
    -> RegressionData
  {
    precondition(count >= 0, "noisyRegression: count must be non-negative")
    var rng = RandomGenerator(seed: seed)
    var x: [Float] = []
    var y: [Float] = []
    for _ in 0..<count {
      let value = rng.nextUnit()
      x.append(Float(value))
      y.append(Float(sin(2 * Double.pi * value) + noise * rng.nextNormal()))
    }
    return RegressionData(
      features: Tensor(scalars: x, shape: [count, 1]), targets: Tensor(scalars: y, shape: [count]),
      weights: [], bias: 0)
  }
}

extension SyntheticData {
  /// Image classification data shaped like CIFAR-10 (`[count, channels, size, size]`), for
  /// experiments when the real images are not prepared — a stand-in, declared as such wherever
  /// it is used, not a substitute for the real benchmark.
  ///
  /// Each class has a template: per channel, the sum of three plane waves
  /// `cos(2π(fx·x + fy·y)/size + φ)` with integer frequencies in 1…3 and random phases, scaled to
  /// unit RMS. Example `i` is of class `i mod classCount`: its template circularly shifted by up
  /// to `maxShift` pixels in each direction (so that translation-equivariant features help),
  /// times a contrast in [0.5, 1.5], plus `N(0, noise²)` per pixel.
  public static func patternImages(
    count: Int, channels: Int = 3, size: Int = 32, classCount: Int = 10, noise: Double = 1,
    maxShift: Int = 4, seed: UInt64
  ) -> TensorDataset {
    precondition(count >= 0 && channels > 0 && size > 0 && classCount > 0, "patternImages: invalid sizes")
    var rng = RandomGenerator(seed: seed)
    let plane = size * size
    var templates = [Double](repeating: 0, count: classCount * channels * plane)
    for c in 0..<classCount {
      for ch in 0..<channels {
        let base = (c * channels + ch) * plane
        for _ in 0..<3 {
          let fx = Double(1 + Int(rng.nextUnit() * 3)), fy = Double(1 + Int(rng.nextUnit() * 3))
          let sx = rng.nextUnit() < 0.5 ? -1.0 : 1.0
          let phase = 2 * Double.pi * rng.nextUnit()
          for y in 0..<size {
            for x in 0..<size {
              templates[base + y * size + x] += cos(
                2 * Double.pi * (sx * fx * Double(x) + fy * Double(y)) / Double(size) + phase)
            }
          }
        }
        let rms = (templates[base..<(base + plane)].reduce(0) { $0 + $1 * $1 } / Double(plane))
          .squareRoot()
        for k in base..<(base + plane) { templates[k] /= max(rms, 1e-12) }
      }
    }
    var values = [Float](repeating: 0, count: count * channels * plane)
    var labels: [Int32] = []
    labels.reserveCapacity(count)
    for i in 0..<count {
      let c = i % classCount
      labels.append(Int32(c))
      let span = 2 * maxShift + 1
      let dx = Int(rng.nextUnit() * Double(span)) - maxShift
      let dy = Int(rng.nextUnit() * Double(span)) - maxShift
      let contrast = 0.5 + rng.nextUnit()
      for ch in 0..<channels {
        let source = (c * channels + ch) * plane
        let target = (i * channels + ch) * plane
        for y in 0..<size {
          let sy = ((y - dy) % size + size) % size
          for x in 0..<size {
            let sx = ((x - dx) % size + size) % size
            values[target + y * size + x] = Float(
              contrast * templates[source + sy * size + sx] + noise * rng.nextNormal())
          }
        }
      }
    }
    return TensorDataset(
      name: "pattern-images", features: Tensor(scalars: values, shape: [count, channels, size, size]),
      labels: Tensor(scalars: labels, shape: [count]), classCount: classCount)
  }
}
