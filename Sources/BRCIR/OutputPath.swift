import BRCDiagnostics

/// The rule for file names a model asks brcc to write (`OutputFile fileName`,
/// `EventOutputFile fileName`): a relative path that stays inside the output folder. Lowering
/// applies it with the location of the attribute; the runtime applies it again, and also
/// follows symbolic links, before it writes.
public enum OutputPath {
    /// Longest file name accepted.
    public static let maximumLength = 1024

    /// Why `name` may not be written, or nil if it may: it must be non-empty, relative, free of
    /// `..` components, of hidden names (`.bashrc`, `.ssh/...`: a model's outputs are data, and
    /// an output folder may be someone's home) and of control characters.
    public static func problem(_ name: String) -> String? {
        if name.isEmpty { return "the file name is empty" }
        if name.utf8.count > maximumLength { return "the file name is longer than \(maximumLength) bytes" }
        if name.unicodeScalars.contains(where: \.isControlCharacter) { return "the file name contains control characters" }
        if isAbsolute(name) { return "the file name is an absolute path" }
        let parts = components(name)
        if parts.contains("..") { return "the file name climbs out of the output folder with '..'" }
        if parts.isEmpty || parts.last == "." || name.unicodeScalars.last == "/" { return "the file name names a folder, not a file" }
        if parts.contains(where: { $0 != "." && $0.unicodeScalars.first == "." }) { return "a folder or file name in it starts with '.' (a hidden file, such as .bashrc or .ssh/, is not a model's to write)" }
        if parts.contains(where: { $0.utf8.count > maximumComponent }) { return "a folder or file name in it is longer than \(maximumComponent) bytes" }
        return nil
    }

    /// Longest folder or file name in a path: the file systems' 255 bytes less what the name of
    /// a file's temporary copy adds (`.NAME.tmp-PID-N`, up to 28 bytes; a 250-byte name passed
    /// the check and then failed to be written, after the simulation).
    public static let maximumComponent = 224

    /// `name` (which passes `problem`) as the file it writes: `./x.dat`, `results//x.dat` and
    /// `results/./x.dat` are `x.dat` and `results/x.dat`, so that two spellings of one file
    /// are seen to be one.
    public static func normalized(_ name: String) -> String {
        components(name).filter { $0 != "." }.joined(separator: "/")
    }

    /// The folder and file names of `name`, split at every `/` as the file system splits it:
    /// among the Unicode scalars, not the Characters (a `/` followed by a combining accent is one
    /// Character, so `link/\u{301}v.dat` split by Characters had one part, and the check of the
    /// folder `link` for a symbolic link out of the output folder never saw it). Empty names
    /// (from `//`) are left out.
    public static func components(_ name: String) -> [String] {
        name.unicodeScalars.split(separator: "/", omittingEmptySubsequences: true).map { String($0) }
    }

    /// Whether `name` starts with `/` or `~` (as bytes: `/` with a combining accent after it is
    /// still a path from the root).
    public static func isAbsolute(_ name: String) -> Bool {
        name.unicodeScalars.first == "/" || name.unicodeScalars.first == "~"
    }

    /// Names brcc writes in the output folder itself: a model's output may not take them
    /// (`run-checkpoint.json`, whose removal at the end of a run would remove the output, and
    /// anything under `plots/`, which `brcc run` rewrites).
    public static func reserved(_ normalized: String) -> Bool {
        normalized == "run-checkpoint.json" || components(normalized).first == "plots"
    }
}
