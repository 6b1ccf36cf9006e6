import CNNCore
import Foundation
import ImageIO

/// How to load a dataset.
public struct LoadOptions {
    /// Channels of the store (1 gray, 3 RGB); nil = the dataset's own (for an image folder, that
    /// of its first image, alpha dropped).
    public var channels: Int?
    /// Image height and width; nil = native. A differing image is scaled to cover the size,
    /// keeping its aspect ratio, and centre-cropped (`Image.fitted`).
    public var height: Int?
    public var width: Int?
    /// When an image folder's size is not given and comes from its first image, the longer side is
    /// scaled down to at most this many pixels (aspect ratio kept); nil = no bound. Commands that
    /// only describe or convert a tree set it, so that a folder of phone photos is not decoded
    /// whole at 4032×3024 (`defaultInspectionSide`).
    public var maxNativeSide: Int?
    /// The bound `data info` and `data export` use for `maxNativeSide`.
    public static let defaultInspectionSide = 256
    /// Any bad image file is an error naming it, instead of a skip with a warning.
    public var strict: Bool
    /// Decoding threads; 0 = the engine's `Parallel.threadCount`.
    public var threads: Int
    /// Where to keep decoded image folders (nil = no cache). IDX and CIFAR are not cached: they
    /// already are flat binary files.
    public var cacheDirectory: String?
    /// The most bytes the cache directory may hold; the least recently used entries are removed
    /// to stay under it, and a dataset larger than it is not cached (`DatasetCache.limit`).
    public var cacheLimit: Int = DatasetCache.limit
    /// The fraction of an image folder without `test/` that is held out as the test split.
    /// Ignored for IDX, CIFAR and image folders with `test/`.
    public var validationFraction: Double
    /// Seed of the validation split.
    public var seed: UInt64
    /// Images claiming more pixels than this are refused before decoding (default 50 M).
    public var maxPixels: Int
    /// Refuse a dataset whose decoded size exceeds this many bytes; nil = MemAvailable from
    /// /proc/meminfo. Stores are held whole in memory: there is no streaming.
    public var memoryLimit: Int?
    /// Class names in label order for IDX data (nil: Fashion-MNIST's names when the path
    /// contains "fashion", else "0", "1", …).
    public var classNames: [String]?

    public init(
        channels: Int? = nil, height: Int? = nil, width: Int? = nil, strict: Bool = false, threads: Int = 0,
        cacheDirectory: String? = nil, validationFraction: Double = 0.1, seed: UInt64 = 0,
        maxPixels: Int = ImageDecoder.defaultMaxPixels, memoryLimit: Int? = nil, classNames: [String]? = nil
    ) {
        self.channels = channels
        self.height = height
        self.width = width
        self.strict = strict
        self.threads = threads
        self.cacheDirectory = cacheDirectory
        self.validationFraction = validationFraction
        self.seed = seed
        self.maxPixels = maxPixels
        self.memoryLimit = memoryLimit
        self.classNames = classNames
    }

    /// `$XDG_CACHE_HOME/cnntrain` or `~/.cache/cnntrain`: a good value for `cacheDirectory`.
    public static var defaultCacheDirectory: String {
        if let xdg = ProcessInfo.processInfo.environment["XDG_CACHE_HOME"], !xdg.isEmpty { return xdg + "/cnntrain" }
        return NSHomeDirectory() + "/.cache/cnntrain"
    }

    func validate() throws {
        if let channels, ![1, 3].contains(channels) {
            throw DataError.invalidOption("--channels must be 1 or 3, got \(channels)")
        }
        if let height, height < 1 { throw DataError.invalidOption("--height must be at least 1, got \(height)") }
        if let width, width < 1 { throw DataError.invalidOption("--width must be at least 1, got \(width)") }
        if let maxNativeSide, maxNativeSide < 1 {
            throw DataError.invalidOption("the native size bound must be at least 1, got \(maxNativeSide)")
        }
        if !(0..<1).contains(validationFraction) {
            throw DataError.invalidOption("validation fraction must be in [0, 1), got \(validationFraction)")
        }
        if threads < 0 { throw DataError.invalidOption("threads must be ≥ 0 (0 = all cores), got \(threads)") }
    }
}
