/// "Did you mean ...?" for a name a model misspelled: the closest of the names it could have
/// meant, by edit distance, when it is close enough to be a typing slip.
public enum Spelling {
    /// The candidate closest to `name` (letter case ignored), if its distance is within what a
    /// slip explains: letter case alone for names of 1 or 2 characters (any one-letter name is
    /// one edit from any other), 1 edit up to 4 characters, 2 up to 8, 3 beyond; ties go to
    /// the candidate first in sorted order, so the suggestion does not depend on hash order.
    /// Nil when `name` is itself a candidate or nothing is close.
    /// `atLeastOne`: allow one edit even for the shortest names (the candidates are few and
    /// likely, such as the required attributes an element lacks: `xx` for a missing `x`).
    public static func closest(to name: String, among candidates: some Sequence<String>, atLeastOne: Bool = false) -> String? {
        let target = Array(name.lowercased().unicodeScalars)
        guard !target.isEmpty, target.count <= 200 else { return nil }
        let limit = max(target.count <= 2 ? 0 : target.count <= 4 ? 1 : target.count <= 8 ? 2 : 3, atLeastOne ? 1 : 0)
        let pool = Set(candidates)
        guard !pool.contains(name) else { return nil }
        var best: (distance: Int, name: String)?
        for c in pool.sorted() where !c.isEmpty {
            let other = Array(c.lowercased().unicodeScalars)
            guard abs(other.count - target.count) <= limit, other.count <= 200 else { continue }
            let d = distance(target, other)
            if d <= limit, d < (best?.distance ?? .max) { best = (d, c) }
        }
        return best?.name
    }

    /// The optimal-string-alignment distance: insertions, deletions, substitutions and swaps of
    /// neighbouring letters each count 1.
    static func distance(_ a: [Unicode.Scalar], _ b: [Unicode.Scalar]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var before = [Int](repeating: 0, count: b.count + 1)
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] { current[j] = min(current[j], before[j - 2] + 1) }
            }
            (before, previous, current) = (previous, current, before)
        }
        return previous[b.count]
    }

    /// `hint` with "did you mean 'x'?" in front when a candidate is close to `name`.
    public static func hint(_ hint: String?, for name: String, among candidates: some Sequence<String>) -> String? {
        guard let near = closest(to: name, among: candidates) else { return hint }
        return "did you mean '\(near)'?" + (hint.map { " \($0)" } ?? "")
    }
}
