// swift-tools-version:6.0
// cnntrain — train small CNNs on a CPU and compare Batch, Layer, Instance and Group normalization.
import PackageDescription

// MARK: - Products

let products: [Product] = [
    .executable(name: "cnntrain", targets: ["cnntrain"]),
    // The engine as a library another Swift package can depend on.
    .library(name: "CNNTrainKit", targets: ["CNNCore", "CNNLayers", "CNNNorms", "ImageIO", "CNNData", "CNNTraining"]),
]

// MARK: - C shims and system libraries

let cTargets: [Target] = [
    // OpenBLAS is loaded with dlopen, not linked: OPENBLAS_CORETYPE is read by the library's
    // constructor, so it must be set before the library loads (see Sources/CBLAS/blas_loader.c).
    .target(name: "CBLAS", linkerSettings: [.linkedLibrary("dl")]),
    // libpng and libjpeg report errors by longjmp; these shims keep every setjmp in C.
    .target(name: "CPNG", cSettings: [.unsafeFlags(["-I/usr/include/libpng16"])],
            linkerSettings: [.linkedLibrary("png16"), .linkedLibrary("z")]),
    .target(name: "CJPEG", linkerSettings: [.linkedLibrary("jpeg")]),
    // Our own AVX-512 convolution kernels (im2col folded into the GEMM's packing). Compiled for
    // baseline x86-64; the AVX-512 functions carry target attributes and run only after a CPUID
    // check (Sources/CKernels/include/cnn_kernels.h).
    .target(name: "CKernels", cSettings: [.unsafeFlags(["-O3"])]),
]

// MARK: - Swift modules

// Hot loops are written over unsafe pointers; exclusivity checks would only cost time there.
let fast: [SwiftSetting] = [.unsafeFlags(["-enforce-exclusivity=unchecked"])]

let swiftTargets: [Target] = [
    .target(name: "CNNCore", dependencies: ["CBLAS", "CKernels"], swiftSettings: fast),
    .target(name: "CNNLayers", dependencies: ["CNNCore"], swiftSettings: fast),
    .target(name: "CNNNorms", dependencies: ["CNNCore"], swiftSettings: fast),
    .target(name: "ImageIO", dependencies: ["CPNG", "CJPEG"], swiftSettings: fast),
    .target(name: "CNNData", dependencies: ["CNNCore", "ImageIO", "CPNG"], swiftSettings: fast),
    .target(name: "CNNTraining", dependencies: ["CNNCore", "CNNLayers", "CNNNorms", "CNNData", "ImageIO"],
            swiftSettings: fast),
    .executableTarget(name: "cnntrain", dependencies: [
        "CNNTraining", .product(name: "ArgumentParser", package: "swift-argument-parser"),
    ]),
]

// MARK: - Tests

let testTargets: [Target] = [
    .target(name: "TestSupport", dependencies: ["CNNCore"], path: "Tests/TestSupport"),
    .testTarget(name: "CNNCoreTests", dependencies: ["CNNCore", "TestSupport"]),
    .testTarget(name: "CNNLayersTests", dependencies: ["CNNLayers", "TestSupport"]),
    .testTarget(name: "CNNNormsTests", dependencies: ["CNNNorms", "CNNLayers", "TestSupport"]),
    .testTarget(name: "ImageIOTests", dependencies: ["ImageIO", "TestSupport"]),
    .testTarget(name: "CNNDataTests", dependencies: ["CNNData", "TestSupport"]),
    .testTarget(name: "CNNTrainingTests", dependencies: ["CNNTraining", "CNNLayers", "CNNNorms", "TestSupport"]),
    .testTarget(name: "CLITests", dependencies: ["TestSupport"]),
]

let package = Package(
    name: "cnntrain",
    platforms: [.macOS(.v13)],
    products: products,
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: cTargets + swiftTargets + testTargets,
    swiftLanguageModes: [.v5]
)
