/// The `q` quantile of `values` with linear interpolation between order statistics (numpy's
/// default; q = 0.5 is the median, the mean of the middle two for an even count); NaN for none.
/// The one definition the search's elite threshold, the training summary, the report and
/// `brcc compare` use.
public func quantile(_ values: [Double], _ q: Double) -> Double {
    let v = values.sorted()
    guard !v.isEmpty else { return .nan }
    let h = q * Double(v.count - 1)
    let lo = Int(h.rounded(.down)), hi = min(lo + 1, v.count - 1)
    return v[lo] + (h - Double(lo)) * (v[hi] - v[lo])
}
