// swift-tools-version: 6.1
import PackageDescription

let package = Package(
  name: "Descent",
  platforms: [.macOS(.v15)],
  products: [
    .library(name: "Descent", targets: ["Descent"]),
    .library(name: "DescentOptimizers", targets: ["DescentOptimizers"]),
    .library(name: "DescentTestSupport", targets: ["DescentTestSupport"]),
    .executable(name: "descent", targets: ["DescentCLI"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    .package(url: "https://github.com/apple/swift-numerics", from: "1.0.0"),
    .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
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
    // Vectorizable square roots (see its header): the optimizers' fused loops need them.
    .target(
      name: "DescentOptimizers",
      dependencies: ["Descent", "CDescentKernels"]
    ),
    .target(
      name: "DescentBenchmarks",
      dependencies: ["Descent", "DescentOptimizers"]
    ),
    // The run store (SQLite through GRDB) and the HTML reports (see docs/runs-and-reports.md).
    .target(
      name: "DescentRuns",
      dependencies: ["Descent", .product(name: "GRDB", package: "GRDB.swift")]
    ),
    .target(
      name: "DescentTestSupport",
      dependencies: ["Descent"]
    ),
    .executableTarget(
      name: "DescentCLI",
      dependencies: [
        "Descent",
        "DescentOptimizers",
        "DescentBenchmarks",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]
    ),
    .testTarget(
      name: "DescentTests",
      dependencies: ["Descent", "DescentTestSupport"]
    ),
    .testTarget(
      name: "DescentOptimizersTests",
      dependencies: ["Descent", "DescentOptimizers", "DescentTestSupport"],
      resources: [.copy("Golden")]
    ),
    .testTarget(
      name: "DescentRunsTests",
      dependencies: ["DescentRuns", .product(name: "GRDB", package: "GRDB.swift")]
    ),
  ],
  swiftLanguageModes: [.v6]
)
