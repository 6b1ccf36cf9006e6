import CNNData
import Foundation
import ImageIO
import TestSupport
import XCTest

/// A temporary directory removed when the test ends.
final class TemporaryDirectory {
    let path: String
    init(_ name: String = "cnndata") {
        path = NSTemporaryDirectory() + "\(name)-\(getpid())-\(UUID().uuidString.prefix(8))"
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }

    func write(_ relative: String, _ bytes: [UInt8]) {
        let url = URL(fileURLWithPath: path + "/" + relative)
        try! FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try! Data(bytes).write(to: url)
    }

    func copyFixture(_ fixture: String, to relative: String) {
        write(relative, Array(try! Data(contentsOf: Fixtures.url(fixture))))
    }
}

extension TemporaryDirectory {
    /// Writes `count` flat gray PNGs good/0.png, good/1.png, … (pixel values 0, 1, …) of width×height.
    func writeGoodImages(_ count: Int, width: Int, height: Int) {
        for k in 0..<count { write("good/\(k).png", pngBytes(flatGray(UInt8(k), width: width, height: height))) }
    }

    /// Loads this directory as an image folder decoded to gray width×height, with no validation split.
    func loadGrayFolder(width: Int, height: Int, strict: Bool = false, cacheDirectory: String? = nil) throws
        -> LoadedDataset
    {
        try DatasetLoader.load(
            .imageFolder(root: path),
            options: LoadOptions(
                channels: 1, height: height, width: width, strict: strict, cacheDirectory: cacheDirectory,
                validationFraction: 0))
    }
}

/// A gray w×h image whose every pixel is `value`.
func flatGray(_ value: UInt8, width: Int = 4, height: Int = 3) -> Image {
    Image(width: width, height: height, channels: 1, pixels: [UInt8](repeating: value, count: width * height))
}

func pngBytes(_ image: Image) -> [UInt8] { try! ImageEncoder.png(image) }

/// Class of the image with flat value v in the trees below: v / 10 (values 10, 11 → class 1 …).
func messages(_ warnings: [String]) -> String { warnings.joined(separator: "\n") }
