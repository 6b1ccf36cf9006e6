// swift-tools-version:6.0
// cnntrain — train small CNNs on a CPU and compare Batch, Layer, Instance and Group normalization.
import PackageDescription

// MARK: - Products

let products: [Product] = [
    .executable(name: "cnntrain", targets: ["cnntrain"]),
    // The engine as a library another Swift package can depend on.
    .library(
        name: "CNNTrainKit",
        targets: [
            "CNNCore", "CNNLayers", "CNNNorms", "CNNModels", "ImageIO", "CNNData", "CNNTraining",
            "CNNDistributed"
        ])
]

// MARK: - C shims and system libraries

let cTargets: [Target] = [
    // OpenBLAS is loaded with dlopen, not linked: OPENBLAS_CORETYPE is read by the library's
    // constructor, so it must be set before the library loads (see Sources/CBLAS/blas_loader.c).
    .target(name: "CBLAS", linkerSettings: [.linkedLibrary("dl")]),
    // libpng's headers live in a folder of their own (/usr/include/libpng16): pkg-config finds it.
    .systemLibrary(name: "CLibPNG", pkgConfig: "libpng", providers: [.apt(["libpng-dev"])]),
    // libpng and libjpeg report errors by longjmp; these shims keep every setjmp in C.
    .target(name: "CPNG", dependencies: ["CLibPNG"]),
    .target(name: "CJPEG", linkerSettings: [.linkedLibrary("jpeg")]),
    // gzip or plain whole-file reading (IDX datasets) through zlib.
    .target(name: "CZlib", linkerSettings: [.linkedLibrary("z")]),
    // Our own AVX-512 convolution kernels (im2col folded into the GEMM's packing). Compiled for
    // baseline x86-64; the AVX-512 functions carry target attributes and run only after a CPUID
    // check (Sources/CKernels/include/cnn_kernels.h).
    .target(name: "CKernels"),
    // Open MPI is loaded with dlopen, not linked, so that a machine without it builds and runs
    // single-process (see Sources/CMPI/include/cnn_mpi.h).
    .target(name: "CMPI", linkerSettings: [.linkedLibrary("dl")])
]

// MARK: - Swift modules

// No unsafe flags, so that CNNTrainKit can be a versioned dependency. `-enforce-exclusivity=unchecked`
// was measured and dropped: the same workload (bench train, 1 thread) took 4.01/4.06/4.13 CPU-seconds
// with it and 4.06/4.09/4.01 without.

let swiftTargets: [Target] = [
    .target(name: "CNNCore", dependencies: ["CBLAS", "CKernels"]),
    .target(name: "CNNLayers", dependencies: ["CNNCore"]),
    .target(name: "CNNNorms", dependencies: ["CNNCore"]),
    // The model-file language: one table of layer kinds (keys, shape inference, builder).
    .target(name: "CNNModels", dependencies: ["CNNCore", "CNNLayers", "CNNNorms"]),
    .target(name: "ImageIO", dependencies: ["CPNG", "CJPEG"]),
    .target(name: "CNNData", dependencies: ["CNNCore", "ImageIO", "CZlib"]),
    .target(name: "CNNTraining", dependencies: ["CNNCore", "CNNLayers", "CNNNorms", "CNNModels", "CNNData", "ImageIO"]),
    // The communicator seam is in CNNCore (Communicator.swift); its Open MPI implementation here.
    .target(name: "CNNDistributed", dependencies: ["CNNCore", "CMPI"]),
    // Studies that spawn processes, the benchmarks and the PyTorch speed comparison: used by the
    // `cnntrain` executable, not part of the CNNTrainKit product.
    .target(
        name: "CNNExperiments",
        dependencies: [
            "CNNCore", "CNNLayers", "CNNNorms", "CNNModels", "CNNData", "CNNTraining"
        ]),
    .executableTarget(
        name: "cnntrain",
        dependencies: [
            "CNNExperiments", "CNNTraining", "CNNDistributed", "CNNModels", "CNNData", "ImageIO",
            .product(name: "ArgumentParser", package: "swift-argument-parser")
        ])
]

// MARK: - Tests

let testTargets: [Target] = [
    .target(name: "TestSupport", dependencies: ["CNNCore"], path: "Tests/TestSupport"),
    .testTarget(name: "CNNCoreTests", dependencies: ["CNNCore", "TestSupport"]),
    .testTarget(name: "CNNLayersTests", dependencies: ["CNNLayers", "TestSupport"]),
    .testTarget(name: "CNNNormsTests", dependencies: ["CNNNorms", "CNNLayers", "TestSupport"]),
    .testTarget(name: "CNNDistributedTests", dependencies: ["CNNDistributed", "CNNCore", "CNNTraining", "TestSupport"]),
    .testTarget(name: "CNNModelsTests", dependencies: ["CNNModels", "CNNLayers", "CNNNorms", "TestSupport"]),
    .testTarget(name: "ImageIOTests", dependencies: ["ImageIO", "TestSupport"]),
    .testTarget(name: "CNNDataTests", dependencies: ["CNNData", "TestSupport"]),
    .testTarget(
        name: "CNNTrainingTests",
        dependencies: ["CNNTraining", "CNNData", "CNNModels", "CNNLayers", "CNNNorms", "TestSupport"]),
    .testTarget(
        name: "CNNExperimentsTests",
        dependencies: [
            "CNNExperiments", "CNNTraining", "CNNData", "ImageIO", "CNNLayers", "CNNNorms", "CNNCore", "TestSupport"
        ]),
    .testTarget(name: "CLITests", dependencies: ["TestSupport"])
]

let package = Package(
    name: "cnntrain",
    platforms: [.macOS(.v13)],
    products: products,
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0")
    ],
    targets: cTargets + swiftTargets + testTargets,
    swiftLanguageModes: [.v5]
)
