import Foundation

/// A 128-bit FNV-1a content hash (two independent 64-bit lanes), as hex. Not cryptographic:
/// it only has to tell different generated sources, libraries or model files apart. Parts are
/// fed one at a time, each followed by a separator, so ["ab", "c"] and ["a", "bc"] differ.
public struct ContentHash {
    var a: UInt64 = 0xcbf29ce484222325, b: UInt64 = 0x84222325cbf29ce4

    /// Starts a hash with no parts added.
    public init() {}

    /// Adds one part: its bytes, then the separator.
    public mutating func add(_ bytes: UnsafeRawBufferPointer) {
        var a = self.a, b = self.b
        for byte in bytes {
            a = (a ^ UInt64(byte)) &* 0x100000001b3
            b = (b ^ UInt64(byte)) &* 0x100000001b3 &+ 0x9e3779b97f4a7c15
        }
        self.a = (a ^ 0xff) &* 0x100000001b3
        self.b = (b ^ 0xfe) &* 0x100000001b3
    }

    /// Adds the bytes of `data`.
    public mutating func add(_ data: Data) { data.withUnsafeBytes { add($0) } }

    /// Adds the UTF-8 bytes of `text`.
    public mutating func add(_ text: String) {
        var text = text
        text.withUTF8 { add(UnsafeRawBufferPointer($0)) }
    }

    /// The hash of the parts added so far: 32 hex digits.
    public var hex: String { String(format: "%016llx%016llx", a, b) }

    /// The hash of `parts`, each a part.
    public static func hex(_ parts: [String]) -> String {
        var h = ContentHash()
        for part in parts { h.add(part) }
        return h.hex
    }

    /// The hash of `data`, as one part.
    public static func hex(_ data: Data) -> String {
        var h = ContentHash()
        h.add(data)
        return h.hex
    }
}

/// The 64-bit FNV-1a hash of `text`'s UTF-8 bytes: the stable key of random streams named by
/// ids and call sites (the same in every run and on every machine).
public func fnv1a64(_ text: String) -> UInt64 {
    var h: UInt64 = 0xcbf29ce484222325
    for byte in text.utf8 { h = (h ^ UInt64(byte)) &* 0x100000001b3 }
    return h
}
