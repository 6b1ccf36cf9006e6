import CNNData

extension ImageStore {
    /// The first `limit` images (all when nil or larger than the store).
    public func prefix(_ limit: Int?) -> ImageStore {
        guard let limit, limit < count else { return self }
        return subset(Array(0..<max(limit, 0)))
    }
}
