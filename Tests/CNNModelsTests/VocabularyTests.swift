import CNNModels
import CNNNorms
import Foundation
import TestSupport
import XCTest

/// A conv's parameters have one vocabulary: the model file's keys, the JSON fields of `LayerSpec`
/// and the Swift initializers say `outputChannels`, `kernelSize`, `padding`, …; the former model-file
/// spellings (`filters`, `size`, `pad`, `out`, `p`) and JSON fields (`inChannels`, `outChannels`,
/// `kernel`) still read.
final class VocabularyTests: XCTestCase {
    func resolve(_ text: String, path: String = "test.cfg") throws -> ResolvedModel {
        try ModelResolver.resolve(
            ModelFile(text: text, path: path), name: "test", classCount: 10,
            norm: NormConfiguration(kind: .batch))
    }

    func message(_ text: String) -> String {
        do { _ = try resolve(text); return "resolved" } catch { return "\(error)" }
    }

    let current = """
        input channels=1 size=8
        conv outputChannels=4 kernelSize=3 stride=2 padding=1
        norm
        relu
        maxpool kernelSize=2 padding=1
        avgpool kernelSize=2
        flatten
        dropout probability=0.25
        linear outputFeatures=classes
        """
    let former = """
        input channels=1 size=8
        conv filters=4 size=3 stride=2 pad=1
        norm
        relu
        maxpool size=2 pad=1
        avgpool size=2
        flatten
        dropout p=0.25
        linear out=classes
        """

    func testFormerModelFileSpellingsResolveToTheSameModel() throws {
        XCTAssertEqual(try resolve(former), try resolve(current))
        // Keys are case-insensitive, as they always were.
        XCTAssertEqual(try resolve(current.lowercased()), try resolve(current))
    }

    func testTheJSONUsesTheSameNames() throws {
        let json = String(decoding: try JSONEncoder().encode(try resolve(current)), as: UTF8.self)
        for name in [
            "\"inputChannels\":1", "\"outputChannels\":4", "\"kernelSize\":3", "\"padding\":1", "\"inputFeatures\":",
            "\"outputFeatures\":10", "\"probability\":0.25"
        ] {
            XCTAssertTrue(json.contains(name), "\(name) not in \(json)")
        }
        for former in ["inChannels", "outChannels", "\"kernel\""] { XCTAssertFalse(json.contains(former), json) }
    }

    /// The JSON of a checkpoint written before the layer table, as that version wrote it.
    func testFormerJSONFieldsDecode() throws {
        let former = #"""
            [{"type":"conv","line":2,"inputShape":[1,8,8],"outputShape":[4,4,4],"inChannels":1,"outChannels":4,"kernel":3,"stride":2,"padding":1,"bias":false},
             {"type":"norm","line":3,"inputShape":[4,4,4],"outputShape":[4,4,4],"inChannels":4,"norm":"batch"},
             {"type":"maxpool","line":5,"inputShape":[4,4,4],"outputShape":[4,3,3],"kernel":2,"stride":2,"padding":1},
             {"type":"linear","line":9,"inputShape":[36],"outputShape":[10],"inChannels":36,"outChannels":10,"bias":true}]
            """#
        let layers = try JSONDecoder().decode([LayerSpec].self, from: Data(former.utf8))
        XCTAssertEqual(layers[0].inputChannels, 1)
        XCTAssertEqual(layers[0].outputChannels, 4)
        XCTAssertEqual(layers[0].kernelSize, 3)
        XCTAssertNil(layers[1].inputChannels, "a norm's former inChannels only repeated its input shape")
        XCTAssertEqual(layers[2].kernelSize, 2)
        XCTAssertEqual([layers[3].inputFeatures, layers[3].outputFeatures], [36, 10])
        XCTAssertNil(layers[3].inputChannels)
    }

    func testMessagesUseTheNameTheLineWasWrittenWith() {
        let head = "input channels=1 size=8\n", tail = "flatten\nlinear outputFeatures=classes\n"
        XCTAssertEqual(
            message(head + "conv outputChannels=4 kernelSize=3 padding=-1\n" + tail),
            "test.cfg:2: padding=-1 must be at least 0")
        XCTAssertEqual(message(head + "conv filters=4 size=3 pad=-1\n" + tail), "test.cfg:2: pad=-1 must be at least 0")
        XCTAssertEqual(
            message(head + "conv filters=4 outputChannels=4 kernelSize=3\n" + tail),
            "test.cfg:2: 'outputChannels' and 'filters' are the same argument; give it once")
        XCTAssertEqual(
            message(head + "conv outputChannels=4 kernelSize=3 paddin=1\n" + tail),
            "test.cfg:2: 'conv' has no argument 'paddin' (did you mean 'padding'?); it takes outputChannels, kernelSize, stride, padding, bias"
        )
        XCTAssertEqual(
            message(head + "linear outputFeatures=10\n"),
            "test.cfg:2: `linear` needs features but gets a 1×8×8 image; put `flatten` (or `globalavgpool` then `flatten`) before it"
        )
    }
}
