// swift-tools-version: 6.1
import Foundation
import PackageDescription

let package = Package(
  name: "Descent",
  platforms: [.macOS(.v15)],
  products: [
    .library(name: "Descent", targets: ["Descent"]),
    .library(name: "DescentNN", targets: ["DescentNN"]),
    .library(name: "DescentOptimizers", targets: ["DescentOptimizers"]),
    .library(name: "DescentData", targets: ["DescentData"]),
    .library(name: "DescentTraining", targets: ["DescentTraining"]),
    .library(name: "DescentCurvature", targets: ["DescentCurvature"]),
    .library(name: "DescentRuns", targets: ["DescentRuns"]),
    .library(name: "DescentSolvers", targets: ["DescentSolvers"]),
    .library(name: "DescentPrivacy", targets: ["DescentPrivacy"]),
    .library(name: "DescentDistributed", targets: ["DescentDistributed"]),
    .library(name: "DescentExperiments", targets: ["DescentExperiments"]),
    .library(name: "DescentTestSupport", targets: ["DescentTestSupport"]),
    .executable(name: "descent", targets: ["DescentCLI"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    .package(url: "https://github.com/apple/swift-numerics", from: "1.0.0"),
    .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
    .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
  ],
  targets: [
    // OpenBLAS's C interface (types and prototypes). The library itself is loaded at first use
    // by `BLASLibrary` so that Descent can choose its kernels (see docs/blas.md).
    .systemLibrary(
      name: "CBLAS",
      providers: [.apt(["libopenblas-dev"])]
    ),
    // Vectorized float32 kernels in C, compiled for several x86-64 levels and chosen at load time.
    .target(name: "CDescentKernels"),
    .target(
      name: "Descent",
      dependencies: [
        "CBLAS",
        "CDescentKernels",
        .product(name: "RealModule", package: "swift-numerics"),
      ],
      linkerSettings: [.linkedLibrary("dl")]
    ),
    .target(name: "DescentNN", dependencies: ["Descent", "DescentData"]),
    // Hessian-vector-product tools: Hutchinson, power iteration, Lanczos, SLQ (docs/curvature.md).
    .target(name: "DescentCurvature", dependencies: ["Descent"]),
    // The optimizers' fused loops inline CDescentKernels' errno-free sqrt and exp.
    .target(
      name: "DescentOptimizers",
      dependencies: ["Descent", "CDescentKernels"]
    ),
    // zlib, for gzip-compressed data files (zlib1g-dev, see scripts/bootstrap.sh).
    .systemLibrary(name: "CZlib", providers: [.apt(["zlib1g-dev"])]),
    .target(
      name: "DescentData",
      dependencies: ["Descent", "CZlib"],
      resources: [.copy("Resources")]
    ),
    .target(
      name: "DescentTraining",
      dependencies: ["Descent", "DescentNN", "DescentData", "DescentOptimizers", "DescentRuns", .product(name: "TOMLKit", package: "TOMLKit")]
    ),
    .target(
      name: "DescentBenchmarks",
      dependencies: ["Descent", "DescentNN", "DescentOptimizers", "CDescentKernels"]
    ),
    // The run store (SQLite through GRDB) and the HTML reports (see docs/runs-and-reports.md).
    .target(
      name: "DescentRuns",
      dependencies: ["Descent", .product(name: "GRDB", package: "GRDB.swift")]
    ),
    // Convex sets and projections, proximal and mirror steps, online and bilevel methods,
    // constrained and convex solvers (docs/solvers.md, docs/online-and-bilevel.md).
    .target(name: "DescentSolvers", dependencies: ["Descent", "DescentOptimizers"]),
    // Differential privacy: RDP accounting of the sampled Gaussian mechanism, the noise
    // multiplier for a budget, the Gaussian mechanism and per-example clipping (docs/privacy.md).
    .target(name: "DescentPrivacy", dependencies: ["Descent", "DescentOptimizers"]),
    // Gradient coding for stragglers: cyclic-repetition codes, the bursty straggler model, the
    // GC / SR-SGC / M-SGC schedulers and their round simulator (docs/distributed.md).
    .target(name: "DescentDistributed", dependencies: ["Descent"]),
    // `descent reproduce`: one file per paper, its headline experiment and criteria
    // (docs/reproduce.md), on the public APIs of the other modules.
    .target(
      name: "DescentExperiments",
      dependencies: [
        "Descent", "DescentNN", "DescentData", "DescentOptimizers", "DescentTraining",
        "DescentCurvature", "DescentRuns", "DescentSolvers", "DescentPrivacy", "DescentDistributed",
      ]
    ),
    .target(
      name: "DescentTestSupport",
      dependencies: ["Descent"]
    ),
    .executableTarget(
      name: "DescentCLI",
      dependencies: [
        "CDescentKernels",
        "Descent",
        "DescentOptimizers",
        "DescentBenchmarks",
        "DescentTraining",
        "DescentData",
        "DescentNN",
        "DescentRuns",
        "DescentCurvature",
        "DescentExperiments",
        "DescentSolvers",
        "DescentPrivacy",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]
    ),
    .testTarget(
      name: "DescentTests",
      dependencies: ["Descent", "DescentTestSupport"]
    ),
    .testTarget(
      name: "DescentNNTests",
      dependencies: ["Descent", "DescentNN", "DescentData", "DescentTestSupport"],
      resources: [.copy("Golden")]
    ),
    .testTarget(
      name: "DescentOptimizersTests",
      dependencies: ["Descent", "DescentOptimizers", "DescentTestSupport"],
      resources: [.copy("Golden")]
    ),
    .testTarget(
      name: "DescentDataTests",
      dependencies: ["Descent", "DescentData", "DescentOptimizers", "DescentTestSupport"],
      resources: [.copy("Fixtures")]
    ),
    .testTarget(
      name: "DescentTrainingTests",
      dependencies: [
        "Descent", "DescentNN", "DescentData", "DescentTraining", "DescentRuns", "DescentCurvature",
        "DescentPrivacy", "DescentSolvers",
      ],
      // The help snapshots are read from the source tree (#filePath), not from the bundle.
      exclude: ["Snapshots"],
      resources: [.copy("Golden")]
    ),
    .testTarget(
      name: "DescentCurvatureTests",
      dependencies: ["Descent", "DescentCurvature", "DescentTestSupport"],
      resources: [.copy("Golden")]
    ),
    .testTarget(
      name: "DescentExperimentsTests",
      dependencies: ["DescentExperiments", "DescentRuns", "DescentData", "DescentOptimizers"]
    ),
    .testTarget(
      name: "DescentSolversTests",
      dependencies: ["Descent", "DescentSolvers", "DescentOptimizers", "DescentTestSupport"],
      resources: [.copy("Golden")]
    ),
    .testTarget(
      name: "DescentPrivacyTests",
      dependencies: ["Descent", "DescentPrivacy", "DescentCurvature", "DescentTestSupport"],
      resources: [.copy("Golden")]
    ),
    .testTarget(
      name: "DescentDistributedTests",
      dependencies: ["Descent", "DescentDistributed"]
    ),
    .testTarget(
      name: "DescentRunsTests",
      dependencies: ["DescentRuns", .product(name: "GRDB", package: "GRDB.swift")]
    ),
  ],
  swiftLanguageModes: [.v6]
)

// Coverage-guided fuzzing (docs/fuzzing.md, scripts/fuzz.sh): the libFuzzer entry point of every
// reader, built only when DESCENT_FUZZ=1 with `--sanitize=fuzzer --sanitize=address` (libFuzzer
// supplies `main`, so a plain `swift build` must not see this target).
if ProcessInfo.processInfo.environment["DESCENT_FUZZ"] == "1" {
  package.targets.append(
    .executableTarget(
      name: "DescentFuzz",
      dependencies: ["Descent", "DescentData", "DescentTraining"],
      path: "Fuzz/Sources/DescentFuzz",
      swiftSettings: [.unsafeFlags(["-parse-as-library"])]))
}
