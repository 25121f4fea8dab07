/// Names unique within one set (ids of a document, files of a folder): `claim(base)` gives
/// `base` if it is free, else the first free `base_2`, `base_3`, ... Each base remembers where
/// its search stopped, so n claims of one base take O(n) steps, not O(n²): the NeuroML export
/// of a model with 9,312 inputs of one cue took 21 s naming their input lists one by one.
struct UniqueNames {
    private var used: Set<String>
    private var next: [String: Int] = [:]

    init(taken: [String] = []) { used = Set(taken) }

    /// Takes `name` as it is; false if it was taken already.
    mutating func insert(_ name: String) -> Bool { used.insert(name).inserted }

    /// `base` if free, else the first free `suffixed(k)` for k = 2, 3, ...
    mutating func claim(_ base: String, _ suffixed: (Int) -> String) -> String {
        guard used.contains(base) else {
            used.insert(base)
            return base
        }
        var k = next[base] ?? 2
        while used.contains(suffixed(k)) { k += 1 }
        next[base] = k + 1
        used.insert(suffixed(k))
        return suffixed(k)
    }

    /// `base` if free, else the first free `base_2`, `base_3`, ...
    mutating func claim(_ base: String) -> String { claim(base) { "\(base)_\($0)" } }
}
