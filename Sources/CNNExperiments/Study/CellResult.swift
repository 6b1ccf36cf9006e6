import CNNNorms
import CNNTraining
import Foundation

/// What one cell of a study measured (a row of results.csv).
public struct CellResult: Codable, Equatable, Sendable {
    public var id: String
    public var cell: StudyCell
    /// "ok" or "failed".
    public var status: String
    /// Why a failed cell failed: the last line the training run wrote to stderr.
    public var error: String?
    /// True when the cell's summary.json was already there and the cell was not run again.
    public var kept: Bool
    public var testAccuracy: Double?
    public var trainAccuracy: Double?
    public var trainLoss: Double?
    /// Accuracy on a fixed training subset in inference mode after the last epoch (nil: not measured).
    public var trainEvalAccuracy: Double?
    /// Optimizer steps the cell took.
    public var steps: Int?
    /// Wall-clock seconds of the cell's run, evaluations and start-up included.
    public var wallSeconds: Double?
    public var trainImagesPerSecond: Double?
    public var inferenceImagesPerSecond: Double?
    public var epochSeconds: Double?
    public var parameterCount: Int?
    public var normParameterCount: Int?
    /// Peak resident memory of the cell's process (its own VmHWM, from wait4's rusage), MiB.
    public var peakMemoryMiB: Double?
    /// PyTorch's test accuracy on the same recipe (--with-pytorch).
    public var torchTestAccuracy: Double?
    public var torchError: String?

    public var succeeded: Bool { status == "ok" }

    public init(cell: StudyCell, status: String, error: String? = nil, kept: Bool = false) {
        self.id = cell.id; self.cell = cell; self.status = status; self.error = error; self.kept = kept
    }

    /// Fills the measurements from a finished run's summary.
    public mutating func fill(from summary: TrainingSummary) {
        testAccuracy = summary.finalTestAccuracy
        trainAccuracy = summary.finalTrainAccuracy
        trainLoss = summary.finalTrainLoss
        trainEvalAccuracy = summary.finalTrainEvalAccuracy
        steps = summary.optimizerSteps
        trainImagesPerSecond = summary.meanImagesPerSecond
        inferenceImagesPerSecond = summary.inferenceImagesPerSecond
        epochSeconds = summary.meanEpochSeconds
        parameterCount = summary.parameterCount
        normParameterCount = summary.normParameterCount
    }

    public static let csvHeader =
        "id,norm,batch_size,lr,settings,seed,status,test_accuracy,train_accuracy,train_eval_accuracy,train_loss,steps,wall_seconds,train_images_per_second,inference_images_per_second,epoch_seconds,parameters,norm_parameters,peak_memory_mib,torch_test_accuracy,error"

    public var csvLine: String {
        func number(_ value: Double?, _ digits: Int) -> String {
            value.map { String(format: "%.\(digits)f", $0) } ?? ""
        }
        let error = self.error.map { "\"" + $0.replacingOccurrences(of: "\"", with: "\"\"") + "\"" } ?? ""
        func integer(_ value: Int?) -> String { value.map(String.init) ?? "" }
        let settings: String = (cell.settings ?? []).map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        let identity: [String] = [
            id, cell.norm.rawValue, String(cell.batchSize), Study.format(cell.learningRate), settings,
            String(cell.seed), status
        ]
        let accuracy: [String] = [
            number(testAccuracy, 6), number(trainAccuracy, 6), number(trainEvalAccuracy, 6), number(trainLoss, 6),
            integer(steps), number(wallSeconds, 1)
        ]
        let resources: [String] = [
            number(trainImagesPerSecond, 1), number(inferenceImagesPerSecond, 1), number(epochSeconds, 3),
            integer(parameterCount), integer(normParameterCount), number(peakMemoryMiB, 1),
            number(torchTestAccuracy, 6), error
        ]
        return (identity + accuracy + resources)
            .joined(separator: ",")
    }
}

/// The seeds of one norm × batch size × learning rate, aggregated.
public struct CellAggregate: Codable, Equatable, Sendable {
    /// The "failed" marks of the PyTorch table: PyTorch's own failures, not cnntrain's.
    public var torchFailed: (failed: Int, succeeded: Int) { (torchFailedCount, torchSucceededCount) }

    public var norm: NormKind
    public var batchSize: Int
    public var learningRate: Double
    /// The values of the plan's other grid axes (nil: none).
    public var settings: [GridSetting]?
    public var succeeded: Int
    public var failed: Int
    public var testAccuracy: MeanAndDeviation?
    public var trainAccuracy: MeanAndDeviation?
    /// Running train minus test accuracy.
    public var generalizationGap: MeanAndDeviation?
    /// Accuracy on the fixed training subset in inference mode.
    public var trainEvalAccuracy: MeanAndDeviation?
    /// Over-fitting: train accuracy in inference mode (fixed subset) minus test accuracy.
    public var overfittingGap: MeanAndDeviation?
    /// Wall-clock seconds per cell.
    public var wallSeconds: MeanAndDeviation?
    public var trainLoss: MeanAndDeviation?
    public var trainImagesPerSecond: MeanAndDeviation?
    public var inferenceImagesPerSecond: MeanAndDeviation?
    public var epochSeconds: MeanAndDeviation?
    public var peakMemoryMiB: MeanAndDeviation?
    public var torchTestAccuracy: MeanAndDeviation?
    /// PyTorch runs of these seeds that failed, and that succeeded (--with-pytorch; 0 and 0 without it).
    public var torchFailedCount: Int = 0
    public var torchSucceededCount: Int = 0
    public var parameterCount: Int?
    public var normParameterCount: Int?

    /// Groups results by norm, batch size and learning rate (in the order first seen) over seeds;
    /// failed seeds are counted, not averaged.
    public static func aggregate(_ results: [CellResult]) -> [CellAggregate] {
        var order: [String] = []
        var groups: [String: [CellResult]] = [:]
        for result in results {
            let key = result.cell.configuration
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append(result)
        }
        return order.map { key in
            let group = groups[key]!
            let ok = group.filter(\.succeeded)
            func stat(_ value: (CellResult) -> Double?) -> MeanAndDeviation? { MeanAndDeviation(ok.compactMap(value)) }
            let first = group[0].cell
            return CellAggregate(
                norm: first.norm, batchSize: first.batchSize, learningRate: first.learningRate,
                settings: first.settings,
                succeeded: ok.count, failed: group.count - ok.count,
                testAccuracy: stat(\.testAccuracy), trainAccuracy: stat(\.trainAccuracy),
                generalizationGap: stat { r in r.trainAccuracy.flatMap { a in r.testAccuracy.map { a - $0 } } },
                trainEvalAccuracy: stat(\.trainEvalAccuracy),
                overfittingGap: stat { r in r.trainEvalAccuracy.flatMap { a in r.testAccuracy.map { a - $0 } } },
                wallSeconds: stat(\.wallSeconds),
                trainLoss: stat(\.trainLoss), trainImagesPerSecond: stat(\.trainImagesPerSecond),
                inferenceImagesPerSecond: stat(\.inferenceImagesPerSecond), epochSeconds: stat(\.epochSeconds),
                peakMemoryMiB: stat(\.peakMemoryMiB),
                // PyTorch runs whatever cnntrain did: its accuracy counts over all seeds it finished.
                torchTestAccuracy: MeanAndDeviation(group.compactMap(\.torchTestAccuracy)),
                torchFailedCount: group.filter { $0.torchError != nil }.count,
                torchSucceededCount: group.filter { $0.torchTestAccuracy != nil }.count,
                parameterCount: ok.first?.parameterCount, normParameterCount: ok.first?.normParameterCount)
        }
    }
}
