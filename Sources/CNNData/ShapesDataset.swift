import CNNCore
import Foundation
import ImageIO

/// A small synthetic RGB dataset of 32×32 images in eight classes that differ in shape and
/// texture, not in colour (colours are random per image, so a model must look at form):
///
/// | class | content |
/// | --- | --- |
/// | circle | a filled disc |
/// | square | a filled axis-aligned square |
/// | triangle | a filled upright triangle |
/// | cross | a plus sign of two bars |
/// | ring | a circle outline |
/// | hstripes | horizontal stripes over the whole image |
/// | vstripes | vertical stripes over the whole image |
/// | checker | a checkerboard |
///
/// Position, size, stripe period, foreground and background colours are random; every pixel gets
/// uniform noise of ±12. Each image has its own generator seeded by (seed, class, index), so the
/// output does not depend on the thread count.
public enum ShapesDataset {
    public static let classNames = ["checker", "circle", "cross", "hstripes", "ring", "square", "triangle", "vstripes"]
    public static let size = 32

    /// Image `index` of class `classIndex` (an index into `classNames`).
    public static func image(classIndex: Int, index: Int, seed: UInt64) -> Image {
        var generator = SeededGenerator(
            seed: seed &+ UInt64(classIndex) &* 0x1000_0000_01B3 &+ UInt64(index) &* 0x9E37_79B9_7F4A_7C15)
        let S = size
        func colour() -> [Int] { (0..<3).map { _ in Int(generator.next() % 256) } }
        var foreground = colour(), background = colour()
        // Keep the two colours apart, so the shape is visible.
        while zip(foreground, background).map({ abs($0 - $1) }).reduce(0, +) < 180 {
            foreground = colour(); background = colour()
        }
        let radius = 6 + Int(generator.next() % 7)  // 6…12
        let cx = radius + Int(generator.next() % UInt64(S - 2 * radius + 1))
        let cy = radius + Int(generator.next() % UInt64(S - 2 * radius + 1))
        let period = 4 + Int(generator.next() % 5)  // 4…8
        let phase = Int(generator.next() % UInt64(period))
        let thickness = 2 + Int(generator.next() % 3)
        var image = Image(width: S, height: S, channels: 3)
        for y in 0..<S {
            for x in 0..<S {
                let dx = x - cx, dy = y - cy
                let distanceSquared = dx * dx + dy * dy
                let inside: Bool
                switch classNames[classIndex] {
                case "circle": inside = distanceSquared <= radius * radius
                case "square": inside = abs(dx) <= radius * 3 / 4 && abs(dy) <= radius * 3 / 4
                case "triangle": inside = dy >= -radius && dy <= radius && abs(dx) * 2 <= (dy + radius)
                case "cross":
                    inside =
                        (abs(dx) <= thickness / 2 + 1 && abs(dy) <= radius)
                        || (abs(dy) <= thickness / 2 + 1 && abs(dx) <= radius)
                case "ring":
                    let inner = radius - thickness
                    inside = distanceSquared <= radius * radius && distanceSquared >= inner * inner
                case "hstripes": inside = ((y + phase) / (period / 2)) % 2 == 0
                case "vstripes": inside = ((x + phase) / (period / 2)) % 2 == 0
                default: inside = (((x + phase) / (period / 2)) + ((y + phase) / (period / 2))) % 2 == 0  // checker
                }
                let base = inside ? foreground : background
                for c in 0..<3 {
                    let noise = Int(generator.next() % 25) - 12
                    image[x, y, c] = UInt8(max(0, min(255, base[c] + noise)))
                }
            }
        }
        return image
    }

    /// An in-memory store of `countPerClass` images per class (labels in class order).
    public static func store(countPerClass: Int, seed: UInt64, firstIndex: Int = 0) -> ImageStore {
        let count = countPerClass * classNames.count, sampleSize = 3 * size * size
        var pixels = [UInt8](repeating: 0, count: count * sampleSize)
        pixels.withUnsafeMutableBufferPointer { buffer in
            let base = buffer.baseAddress!
            forEachChunk(count, threads: 0) { range in
                for i in range {
                    storeCHW(
                        image(classIndex: i / countPerClass, index: firstIndex + i % countPerClass, seed: seed),
                        into: base + i * sampleSize)
                }
            }
        }
        let labels = (0..<count).map { Int32($0 / countPerClass) }
        return ImageStore(
            channels: 3, height: size, width: size, pixels: pixels, labels: labels, classNames: classNames)
    }
}

/// Writes the shapes dataset as an image folder: `root/train/<class>/…` with `countPerClass`
/// images per class and `root/test/<class>/…` with max(1, countPerClass / 5) other images per class
/// (test images use indices after the training ones, so no image is in both).
public func generateShapesDataset(
    root: String, countPerClass: Int, seed: UInt64, format: ImageFormat,
    quality: Int = 95
) throws {
    if countPerClass < 1 { throw DataError.invalidOption("count per class must be at least 1, got \(countPerClass)") }
    let testCount = max(1, countPerClass / 5)
    try exportImageFolder(
        store: ShapesDataset.store(countPerClass: countPerClass, seed: seed), root: root + "/train",
        format: format, quality: quality)
    try exportImageFolder(
        store: ShapesDataset.store(countPerClass: testCount, seed: seed, firstIndex: countPerClass),
        root: root + "/test", format: format, quality: quality)
}
