/// Channel conversion, resizing and cropping on 8-bit HWC images.
///
/// Conventions:
/// - gray → RGB replicates the gray value in R, G and B.
/// - RGB → gray is ITU-R BT.601 luma, Y = 0.299 R + 0.587 G + 0.114 B, rounded to nearest.
/// - Alpha is removed by compositing over a **white** background: c' = (c·a + 255·(255 − a)) / 255,
///   rounded (a transparent pixel becomes white, as a browser shows it on a white page).
/// - Adding an alpha channel makes it fully opaque (255).
extension Image {
    /// This image with `count` channels (1 gray, 2 gray+alpha, 3 RGB, 4 RGBA), following the
    /// conventions above.
    public func converted(toChannels count: Int) -> Image {
        precondition((1...4).contains(count), "channel count must be 1–4, got \(count)")
        if count == channels { return self }
        let pixelCount = width * height
        var output = [UInt8](repeating: 0, count: pixelCount * count)
        let sourceChannels = channels
        let sourceHasAlpha = hasAlpha
        let targetHasAlpha = count == 2 || count == 4
        let sourceColour = sourceChannels >= 3
        pixels.withUnsafeBufferPointer { source in
            output.withUnsafeMutableBufferPointer { target in
                for p in 0..<pixelCount {
                    let s = p * sourceChannels
                    var r = Int(source[s]), g = r, b = r
                    if sourceColour { g = Int(source[s + 1]); b = Int(source[s + 2]) }
                    var alpha = 255
                    if sourceHasAlpha {
                        alpha = Int(source[s + sourceChannels - 1])
                        if !targetHasAlpha {
                            r = Image.compositeOnWhite(r, alpha)
                            g = Image.compositeOnWhite(g, alpha)
                            b = Image.compositeOnWhite(b, alpha)
                        }
                    }
                    let t = p * count
                    if count <= 2 {
                        target[t] = UInt8(sourceColour ? Image.luma(r, g, b) : r)
                    } else {
                        target[t] = UInt8(r); target[t + 1] = UInt8(g); target[t + 2] = UInt8(b)
                    }
                    if targetHasAlpha { target[t + count - 1] = UInt8(alpha) }
                }
            }
        }
        return Image(width: width, height: height, channels: count, pixels: output)
    }

    /// BT.601 luma of 8-bit R, G, B, rounded to nearest: (299 R + 587 G + 114 B + 500) / 1000.
    @inlinable public static func luma(_ r: Int, _ g: Int, _ b: Int) -> Int {
        (299 * r + 587 * g + 114 * b + 500) / 1000
    }

    /// `value` with opacity `alpha` over white, rounded.
    @inlinable public static func compositeOnWhite(_ value: Int, _ alpha: Int) -> Int {
        (value * alpha + 255 * (255 - alpha) + 127) / 255
    }

    /// This image resized to `width`×`height` (aspect ratio not kept).
    ///
    /// Separable, per axis: shrinking uses an **area (box) filter** — each output pixel is the mean
    /// of the input area it covers, with fractional coverage at the edges, so nothing aliases;
    /// enlarging uses **bilinear** interpolation with half-pixel centres (PyTorch's
    /// `align_corners=False`), edges clamped. Results are rounded to nearest.
    public func resized(width newWidth: Int, height newHeight: Int) -> Image {
        precondition(newWidth > 0 && newHeight > 0, "resize target must be positive, got \(newWidth)×\(newHeight)")
        if newWidth == width && newHeight == height { return self }
        let horizontal = ResizeWeights(input: width, output: newWidth)
        let vertical = ResizeWeights(input: height, output: newHeight)
        let C = channels
        // Horizontal pass: (height, newWidth, C) in Float.
        var middle = [Float](repeating: 0, count: height * newWidth * C)
        pixels.withUnsafeBufferPointer { source in
            middle.withUnsafeMutableBufferPointer { target in
                for y in 0..<height {
                    let row = source.baseAddress! + y * width * C
                    let out = target.baseAddress! + y * newWidth * C
                    for x in 0..<newWidth {
                        let start = horizontal.starts[x]
                        for c in 0..<C {
                            var sum: Float = 0
                            for k in 0..<horizontal.counts[x] {
                                sum += horizontal.weights[x * horizontal.stride + k] * Float(row[(start + k) * C + c])
                            }
                            out[x * C + c] = sum
                        }
                    }
                }
            }
        }
        var output = [UInt8](repeating: 0, count: newHeight * newWidth * C)
        let rowLength = newWidth * C
        middle.withUnsafeBufferPointer { source in
            output.withUnsafeMutableBufferPointer { target in
                var accumulator = [Float](repeating: 0, count: rowLength)
                for y in 0..<newHeight {
                    for i in 0..<rowLength { accumulator[i] = 0 }
                    let start = vertical.starts[y]
                    for k in 0..<vertical.counts[y] {
                        let weight = vertical.weights[y * vertical.stride + k]
                        let row = source.baseAddress! + (start + k) * rowLength
                        for i in 0..<rowLength { accumulator[i] += weight * row[i] }
                    }
                    let out = target.baseAddress! + y * rowLength
                    for i in 0..<rowLength { out[i] = UInt8(max(0, min(255, (accumulator[i]).rounded()))) }
                }
            }
        }
        return Image(width: newWidth, height: newHeight, channels: C, pixels: output)
    }

    /// The centred `width`×`height` window; when the excess is odd, the extra pixel is cut on the
    /// right/bottom (left/top offset = excess / 2, rounded down).
    /// - Precondition: the window fits inside the image.
    public func centerCropped(width newWidth: Int, height newHeight: Int) -> Image {
        precondition(
            newWidth <= width && newHeight <= height && newWidth > 0 && newHeight > 0,
            "crop \(newWidth)×\(newHeight) does not fit in \(width)×\(height)")
        if newWidth == width && newHeight == height { return self }
        let x0 = (width - newWidth) / 2, y0 = (height - newHeight) / 2
        var output = [UInt8](repeating: 0, count: newWidth * newHeight * channels)
        let rowLength = newWidth * channels
        for y in 0..<newHeight {
            let from = ((y0 + y) * width + x0) * channels
            output.replaceSubrange(y * rowLength..<(y + 1) * rowLength, with: pixels[from..<from + rowLength])
        }
        return Image(width: newWidth, height: newHeight, channels: channels, pixels: output)
    }

    /// Scales so that the image covers `width`×`height` keeping its aspect ratio, then crops the
    /// centre (torchvision's `Resize(min side)` + `CenterCrop`). Same size: unchanged.
    public func fitted(width newWidth: Int, height newHeight: Int) -> Image {
        if newWidth == width && newHeight == height { return self }
        let scale = max(Double(newWidth) / Double(width), Double(newHeight) / Double(height))
        let scaledWidth = max(newWidth, Int((Double(width) * scale).rounded()))
        let scaledHeight = max(newHeight, Int((Double(height) * scale).rounded()))
        return resized(width: scaledWidth, height: scaledHeight).centerCropped(width: newWidth, height: newHeight)
    }
}

/// Per-output-pixel weights of one resize axis: output i = Σₖ weights[i·stride + k]·input[starts[i] + k].
struct ResizeWeights {
    var starts: [Int] = []
    var counts: [Int] = []
    var weights: [Float] = []
    var stride = 0

    init(input: Int, output: Int) {
        var lists: [(start: Int, weights: [Float])] = []
        let scale = Double(input) / Double(output)
        for o in 0..<output {
            if output < input {
                // Area: input pixel i covers [i, i + 1); output o covers [o·scale, (o + 1)·scale).
                let low = Double(o) * scale, high = Double(o + 1) * scale
                let first = Int(low.rounded(.down)), last = min(input - 1, Int(high.rounded(.up)) - 1)
                var list: [Float] = []
                for i in first...last {
                    let overlap = min(high, Double(i + 1)) - max(low, Double(i))
                    list.append(Float(max(0, overlap) / scale))
                }
                lists.append((first, list))
            } else {
                // Bilinear with half-pixel centres, clamped at the edges.
                let position = min(max((Double(o) + 0.5) * scale - 0.5, 0), Double(input - 1))
                let i0 = Int(position.rounded(.down)), fraction = Float(position - Double(i0))
                if i0 + 1 < input && fraction > 0 {
                    lists.append((i0, [1 - fraction, fraction]))
                } else {
                    lists.append((i0, [1]))
                }
            }
        }
        stride = lists.map { $0.weights.count }.max() ?? 1
        for (start, list) in lists {
            starts.append(start)
            counts.append(list.count)
            weights += list + [Float](repeating: 0, count: stride - list.count)
        }
    }
}
