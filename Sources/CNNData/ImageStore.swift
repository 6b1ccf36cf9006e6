import ImageIO

/// A dataset held in memory as compact 8-bit pixels.
///
/// Legend: N = count, C = channels, H = height, W = width.
/// `pixels` is (N, C, H, W) — channel planes, not interleaved — so a batch is filled by scaling
/// contiguous runs. `labels[i]` is in `0..<classNames.count`.
public final class ImageStore: @unchecked Sendable {
    public let channels: Int
    public let height: Int
    public let width: Int
    /// (N, C, H, W) bytes.
    public internal(set) var pixels: [UInt8]
    /// (N) class indices.
    public internal(set) var labels: [Int32]
    public let classNames: [String]

    public var count: Int { labels.count }
    /// C·H·W: bytes of one image.
    public var sampleSize: Int { channels * height * width }

    public init(channels: Int, height: Int, width: Int, pixels: [UInt8], labels: [Int32], classNames: [String]) {
        precondition(channels >= 1 && height >= 1 && width >= 1, "bad store geometry \(channels)×\(height)×\(width)")
        precondition(
            pixels.count == labels.count * channels * height * width,
            "\(pixels.count) bytes for \(labels.count) images of \(channels)×\(height)×\(width)")
        self.channels = channels
        self.height = height
        self.width = width
        self.pixels = pixels
        self.labels = labels
        self.classNames = classNames
    }

    /// An empty store with the given geometry.
    public convenience init(channels: Int, height: Int, width: Int, classNames: [String]) {
        self.init(channels: channels, height: height, width: width, pixels: [], labels: [], classNames: classNames)
    }

    /// The images at `indices`, in that order.
    public func subset(_ indices: [Int]) -> ImageStore {
        let size = sampleSize
        var output = [UInt8](repeating: 0, count: indices.count * size)
        pixels.withUnsafeBufferPointer { source in
            output.withUnsafeMutableBufferPointer { target in
                for (k, i) in indices.enumerated() {
                    (target.baseAddress! + k * size).update(from: source.baseAddress! + i * size, count: size)
                }
            }
        }
        return ImageStore(
            channels: channels, height: height, width: width, pixels: output,
            labels: indices.map { labels[$0] }, classNames: classNames)
    }

    /// Image `index` as an HWC `Image` (for export and inspection).
    public func image(at index: Int) -> Image {
        let C = channels, plane = height * width
        var hwc = [UInt8](repeating: 0, count: sampleSize)
        let base = index * sampleSize
        for p in 0..<plane {
            for c in 0..<C { hwc[p * C + c] = pixels[base + c * plane + p] }
        }
        return Image(width: width, height: height, channels: C, pixels: hwc)
    }

    /// Images per class, indexed by label.
    public var classCounts: [Int] {
        var counts = [Int](repeating: 0, count: classNames.count)
        for label in labels where Int(label) < counts.count { counts[Int(label)] += 1 }
        return counts
    }
}

/// Writes an HWC image into a CHW slot of `size` = C·H·W bytes.
@inline(__always)
func storeCHW(_ image: Image, into target: UnsafeMutablePointer<UInt8>) {
    let C = image.channels, plane = image.width * image.height
    image.pixels.withUnsafeBufferPointer { source in
        if C == 1 { target.update(from: source.baseAddress!, count: plane); return }
        for c in 0..<C {
            let out = target + c * plane
            var s = c
            for p in 0..<plane { out[p] = source[s]; s += C }
        }
    }
}

/// Converts and resizes a decoded image to the store's geometry: alpha composited on white,
/// gray ↔ RGB as in `Image.converted(toChannels:)`, and `Image.fitted` (area shrink or bilinear
/// enlarge, keeping the aspect ratio, centre crop) when the size differs.
func conform(_ image: Image, channels: Int, height: Int, width: Int) -> Image {
    var result = image
    if result.channels != channels { result = result.converted(toChannels: channels) }
    if result.width != width || result.height != height { result = result.fitted(width: width, height: height) }
    return result
}
