import CNNCore
import CNNLayers
import TestSupport
import XCTest

final class SoftmaxCrossEntropyTests: XCTestCase {
    /// nn.CrossEntropyLoss with label_smoothing 0 and 0.1: loss, ∂logits, softmax
    /// (numbers from scripts/golden/make_layers.py).
    func testMatchesPyTorch() throws {
        let golden = try LayerGolden.file
        for smoothing: Float in [0, 0.1] {
            let name = smoothing == 0 ? "cross_entropy_ls0.0" : "cross_entropy_ls0.1"
            let logits = try golden.entry(name, "logits").tensor
            let labels = try golden.entry(name, "labels").values.map { Int32($0) }
            let loss = SoftmaxCrossEntropy(labelSmoothing: smoothing)
            let (value, _) = loss.forward(logits: logits, labels: labels)
            assertClose([value], try golden.entry(name, "loss").tensor.array, "\(name) loss")
            assertClose(loss.backward().array, try golden.entry(name, "dlogits").tensor.array, "\(name) dlogits")
            assertClose(
                loss.probabilities(logits: logits).array, try golden.entry(name, "probabilities").tensor.array,
                "\(name) softmax")
        }
    }

    /// Central differences of the mean loss w.r.t. every logit.
    func testGradientByFiniteDifferences() {
        for smoothing: Float in [0, 0.2] {
            let logits = GradientCheck.randomTensor(Shape(4, 5), seed: 1, low: -2, high: 2)
            let labels: [Int32] = [0, 4, 2, 2]
            let loss = SoftmaxCrossEntropy(labelSmoothing: smoothing)
            _ = loss.forward(logits: logits, labels: labels)
            let analytic = loss.backward().array
            let h: Float = 1e-2
            for i in 0..<logits.count {
                let saved = logits[i]
                logits[i] = saved + h
                let plus = Double(loss.forward(logits: logits, labels: labels).loss)
                logits[i] = saved - h
                let minus = Double(loss.forward(logits: logits, labels: labels).loss)
                logits[i] = saved
                XCTAssertEqual(Double(analytic[i]), (plus - minus) / Double(2 * h), accuracy: 2e-4, "logit \(i)")
            }
        }
    }

    /// Huge logits do not overflow; accuracy counts argmax hits; rank-4 logits keep their shape.
    func testStabilityAccuracyAndShapes() {
        let loss = SoftmaxCrossEntropy()
        let logits = Tensor(shape: Shape(2, 3, 1, 1), values: [1000, 0, -1000, 5, 7, 6])
        let (value, correct) = loss.forward(logits: logits, labels: [0, 2])
        XCTAssertTrue(value.isFinite)
        XCTAssertEqual(value, (0 + (7 + log(1 + exp(-1) + exp(-2)) - 6)) / 2, accuracy: 1e-5)
        XCTAssertEqual(correct, 1)
        XCTAssertEqual(loss.backward().shape, Shape(2, 3, 1, 1))
    }
}
