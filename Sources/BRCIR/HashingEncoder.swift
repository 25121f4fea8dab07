/// The content hash of an `Encodable` value, computed while it encodes itself: no encoded copy
/// is built. (A run checkpoint's identity hashed the model's JSON: at 2 million synapses that
/// took 2.6 GB and 20 s; this takes about 1 s and no memory to speak of.)
///
/// Every scalar is hashed by its exact bits (a Double's bit pattern) with a tag for its kind;
/// an unkeyed container (an array) folds its elements in order; a keyed container (a struct, or
/// a dictionary with String or Int keys) adds up the mixed hashes of its (key, value) entries,
/// so a dictionary's iteration order, which differs from process to process, does not matter.
/// The result is the same in every process and on every machine for equal values. (Bytes are
/// hashed from homogeneous tuples of UInt64, which have no padding.)
extension ContentHash {
    /// The hash of `value` as it encodes itself (32 hex digits); rethrows the value's own
    /// encoding errors.
    public static func hex<T: Encodable>(encoding value: T) throws -> String {
        let node = try HashNode.of(value)
        var h = ContentHash()
        h.add(lanes: node)
        return h.hex
    }

    /// Adds the two lanes of another hash, as a part.
    mutating func add(lanes: (UInt64, UInt64)) {
        withUnsafeBytes(of: (lanes.0.littleEndian, lanes.1.littleEndian)) { add($0) }
    }

    /// The two lanes of the parts added so far.
    var lanes: (UInt64, UInt64) { (a, b) }
}

/// One encoded value's hash as it accumulates: a scalar, the ordered fold of an unkeyed
/// container, or the sum over a keyed container's entries. A nested container (an enum's
/// associated values, a superclass) is its own node, resolved when its parent finishes.
private final class HashNode {
    /// Kinds of encoded values, hashed first so that, say, 1 and [1] differ (`scalar`: a node
    /// holding a finished scalar's hash, of one of the kinds before it).
    enum Tag: UInt8 { case none = 0, bool, signed, unsigned, double, float, string, unkeyed, keyed, scalar }

    private var tag: Tag = .none
    /// A scalar's hash, or an unkeyed container's sequential hash.
    private var sequence = ContentHash()
    /// An unkeyed container's nested container not yet folded (folded before the next element).
    private var pendingElement: HashNode?
    /// A keyed container's sum of entry hashes, and its entries whose value is a nested node.
    private var sum: (UInt64, UInt64) = (0, 0)
    private var pendingEntries: [(String, HashNode)] = []
    private var count: UInt64 = 0

    /// The hash of `value`: a scalar directly, anything else by encoding it into a node.
    static func of<T: Encodable>(_ value: T) throws -> (UInt64, UInt64) {
        if let s = scalar(value) { return s.lanes }
        let node = HashNode()
        try value.encode(to: HashingEncoder(node: node))
        return node.result
    }

    /// Makes this node `value`'s hash (a single-value container's value).
    func take<T: Encodable>(_ value: T) throws {
        if let s = Self.scalar(value) {
            tag = .scalar
            sequence = s
        } else {
            try value.encode(to: HashingEncoder(node: self))
        }
    }

    /// The hash of a scalar (its kind's tag, then its exact bits), or nil for anything else.
    private static func scalar<T>(_ value: T) -> ContentHash? {
        var h = ContentHash()
        func bits(_ tag: Tag, _ bits: UInt64) -> ContentHash {
            withUnsafeBytes(of: (UInt64(tag.rawValue), bits.littleEndian)) { h.add($0) }
            return h
        }
        switch value {
        case let x as Double: return bits(.double, x.bitPattern)
        case let x as Int: return bits(.signed, UInt64(bitPattern: Int64(x)))
        case let x as Bool: return bits(.bool, x ? 1 : 0)
        case let x as Float: return bits(.float, UInt64(x.bitPattern))
        case let x as Int64: return bits(.signed, UInt64(bitPattern: x))
        case let x as UInt64: return bits(.unsigned, x)
        case let x as String:
            withUnsafeBytes(of: Tag.string.rawValue) { h.add($0) }
            h.add(x)
            return h
        default: return nil
        }
    }

    /// Makes this node nil's hash.
    func nothing() { tag = .none }

    // Unkeyed containers.

    func beginUnkeyed() { if tag != .unkeyed { tag = .unkeyed; sequence = ContentHash() } }

    func append(_ element: (UInt64, UInt64)) {
        foldPendingElement()
        sequence.add(lanes: element)
        count += 1
    }

    func appendNested() -> HashNode {
        foldPendingElement()
        let node = HashNode()
        pendingElement = node
        count += 1
        return node
    }

    private func foldPendingElement() {
        if let p = pendingElement {
            pendingElement = nil
            sequence.add(lanes: p.result)
        }
    }

    // Keyed containers.

    func beginKeyed() { tag = .keyed }

    func add(key: String, _ value: (UInt64, UInt64)) {
        var entry = ContentHash()
        entry.add(key)
        entry.add(lanes: value)
        let (a, b) = entry.lanes
        sum = (sum.0 &+ Self.mix(a), sum.1 &+ Self.mix(b ^ 0x9e3779b97f4a7c15))
        count += 1
    }

    func addNested(key: String) -> HashNode {
        let node = HashNode()
        pendingEntries.append((key, node))
        return node
    }

    /// A 64-bit finaliser (MurmurHash3's fmix64), so that sums of entries mix.
    private static func mix(_ x: UInt64) -> UInt64 {
        var x = x
        x ^= x >> 33; x &*= 0xff51afd7ed558ccd
        x ^= x >> 33; x &*= 0xc4ceb9fe1a85ec53
        return x ^ (x >> 33)
    }

    /// The finished hash (resolving nested nodes).
    var result: (UInt64, UInt64) {
        switch tag {
        case .keyed:
            let entries = pendingEntries
            pendingEntries = []
            for (key, node) in entries { add(key: key, node.result) }
            var h = ContentHash()
            withUnsafeBytes(of: (UInt64(tag.rawValue), count.littleEndian, sum.0.littleEndian, sum.1.littleEndian)) { h.add($0) }
            return h.lanes
        case .unkeyed:
            foldPendingElement()
            var h = ContentHash()
            withUnsafeBytes(of: (UInt64(tag.rawValue), count.littleEndian)) { h.add($0) }
            h.add(lanes: sequence.lanes)
            return h.lanes
        case .none:
            var h = ContentHash()
            withUnsafeBytes(of: tag.rawValue) { h.add($0) }
            return h.lanes
        case .scalar:
            return sequence.lanes
        default:
            preconditionFailure("a node's tag is none, unkeyed, keyed or scalar")
        }
    }
}

/// The `Encoder` that feeds a `HashNode`.
private struct HashingEncoder: Encoder {
    let node: HashNode
    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        node.beginKeyed()
        return KeyedEncodingContainer(KeyedHashing<Key>(node: node))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        node.beginUnkeyed()
        return UnkeyedHashing(node: node)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer { SingleHashing(node: node) }
}

private struct KeyedHashing<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let node: HashNode
    var codingPath: [any CodingKey] { [] }

    mutating func encodeNil(forKey key: Key) throws {
        let n = HashNode()
        n.nothing()
        node.add(key: key.stringValue, n.result)
    }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        node.add(key: key.stringValue, try HashNode.of(value))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        HashingEncoder(node: node.addNested(key: key.stringValue)).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        HashingEncoder(node: node.addNested(key: key.stringValue)).unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder { HashingEncoder(node: node.addNested(key: "super")) }

    mutating func superEncoder(forKey key: Key) -> any Encoder { HashingEncoder(node: node.addNested(key: key.stringValue)) }
}

private struct UnkeyedHashing: UnkeyedEncodingContainer {
    let node: HashNode
    var codingPath: [any CodingKey] { [] }
    private(set) var count = 0

    init(node: HashNode) { self.node = node }

    mutating func encodeNil() throws {
        let n = HashNode()
        n.nothing()
        node.append(n.result)
        count += 1
    }

    mutating func encode<T: Encodable>(_ value: T) throws {
        node.append(try HashNode.of(value))
        count += 1
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        count += 1
        return HashingEncoder(node: node.appendNested()).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        count += 1
        return HashingEncoder(node: node.appendNested()).unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder {
        count += 1
        return HashingEncoder(node: node.appendNested())
    }
}

private struct SingleHashing: SingleValueEncodingContainer {
    let node: HashNode
    var codingPath: [any CodingKey] { [] }

    mutating func encodeNil() throws { node.nothing() }

    mutating func encode<T: Encodable>(_ value: T) throws { try node.take(value) }
}
