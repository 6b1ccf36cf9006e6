import CNNCore
import CNNData
import CNNLayers
import ImageIO

/// Classifies image files with a checkpoint: decode (libpng/libjpeg) → the model's channels and
/// size (resize covering the input, centre crop) → the stored per-channel normalization → forward
/// in inference mode → softmax.
public final class Predictor {
    public struct Prediction: Codable, Sendable {
        public struct Candidate: Codable, Sendable {
            public var label: String
            public var classIndex: Int
            public var probability: Double
        }
        public var file: String
        public var top: [Candidate]
        /// Set when the file's data is damaged but decoded (a JPEG with libjpeg warnings).
        public var warning: String?
    }

    let checkpoint: LoadedCheckpoint
    let model: Sequential
    let loss = SoftmaxCrossEntropy()

    public init(checkpoint: LoadedCheckpoint) throws {
        self.checkpoint = checkpoint
        self.model = try checkpoint.buildModel()
    }

    /// The `k` most probable classes of one image file.
    public func predict(file: String, k: Int) throws -> Prediction {
        let (channels, height, width) = (
            checkpoint.resolved.inputShape[0], checkpoint.resolved.inputShape[1],
            checkpoint.resolved.inputShape[2]
        )
        let (decoded, damage) = try ImageDecoder.decodeReportingDamage(contentsOf: file, minimumSize: (width, height))
        let image = decoded.converted(toChannels: channels).fitted(width: width, height: height)
        let input = Tensor(shape: Shape(1, channels, height, width))
        let normalization = checkpoint.normalization
        // HWC bytes → CHW floats, normalized as the training data was.
        for c in 0..<channels {
            for y in 0..<height {
                for x in 0..<width {
                    let value = Float(image.pixels[(y * width + x) * channels + c]) / 255
                    input[(c * height + y) * width + x] = (value - normalization.mean[c]) / normalization.std[c]
                }
            }
        }
        let probabilities = loss.probabilities(logits: model.forward(input, mode: .inference)).array
        let order = probabilities.indices.sorted { probabilities[$0] > probabilities[$1] }
        let top = order.prefix(max(1, k)).map {
            Prediction.Candidate(
                label: checkpoint.classNames[$0], classIndex: $0, probability: Double(probabilities[$0]))
        }
        return Prediction(file: file, top: top, warning: damage.map { "\(file): \($0)" })
    }
}
