@testable import BRCCodeGen
import Foundation
import XCTest

/// The kernels' own exponentials (`Preamble.cMath`: `brc_exp`, and `brc_expf` and `brc_gatef`
/// of fast precision) against `expl`, compiled with the kernels' C flags: the errors
/// docs/numerics.md states, the clamps, NaN, and the same bits in a vectorised loop as in
/// scalar calls (what makes a batch give its instances' bits).
final class KernelMathTests: XCTestCase {
    /// Builds `harness` (C, after `#include "kernel_math.h"`) with the kernels' flags and
    /// returns what it prints, one `name value` per line.
    func measure(_ harness: String, fast: Bool) throws -> [String: Double] {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("brc-kernel-math-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try Preamble.cMath(fast: fast).write(to: dir.appendingPathComponent("kernel_math.h"), atomically: true, encoding: .utf8)
        try ("#include <stdio.h>\n#include <stdlib.h>\n#include \"kernel_math.h\"\n" + harness)
            .write(to: dir.appendingPathComponent("h.c"), atomically: true, encoding: .utf8)
        let include = TestPaths.repo.appendingPathComponent("Sources/CBRCKernel/include").path
        let compiler = BuildPlan.cCompiler(for: fast ? .fast : .exact)
        let (status, log) = try shellCommand([compiler] + BuildPlan.cFlags + ["-I", include, "-I", ".", "h.c", "-o", "h", "-lm"], in: dir)
        XCTAssertEqual(status, 0, log)
        let (ran, out) = try shellCommand(["./h"], in: dir)
        XCTAssertEqual(ran, 0, out)
        var figures: [String: Double] = [:]
        for line in out.split(separator: "\n") {
            let parts = line.split(separator: " ")
            if parts.count == 2, let v = Double(parts[1]) { figures[String(parts[0])] = v }
        }
        return figures
    }

    /// `brc_exp` is within 2.2 ulp of exp (measured 2.12 on [-700, 700], mean 0.47), exact at
    /// 0, clamped to [-708, 709], NaN for NaN; the vectorised loop gives the scalar calls' bits.
    func testTheExactExponentialIsWithinItsStatedError() throws {
        let f = try measure("""
        static double ulps(double y, long double ref) {
            double r = (double)ref, u = nextafter(fabs(r), INFINITY) - fabs(r);
            return (double)(fabsl((long double)y - ref) / u);
        }
        #define N 200000
        static double xs[N], vec[N];
        int main(void) {
            const double ranges[3][2] = {{-700, 700}, {-30, 30}, {-1e-3, 1e-3}};
            const char *names[3] = {"wide", "rates", "small"};
            srand48(11);
            for (int k = 0; k < 3; k++) {
                for (int i = 0; i < N; i++) xs[i] = ranges[k][0] + (ranges[k][1] - ranges[k][0]) * drand48();
                BRC_SIMD for (int i = 0; i < N; i++) vec[i] = brc_exp(xs[i]);
                double worst = 0, sum = 0; long differ = 0;
                for (int i = 0; i < N; i++) {
                    volatile double x = xs[i];
                    const double scalar = brc_exp(x);
                    if (memcmp(&scalar, &vec[i], sizeof scalar) != 0) differ++;
                    const double e = ulps(scalar, expl((long double)xs[i]));
                    worst = e > worst ? e : worst; sum += e;
                }
                printf("%s_worst %.17g\\n%s_mean %.17g\\n%s_vector_differs %ld\\n", names[k], worst, names[k], sum / N, names[k], differ);
            }
            volatile double z = 0, big = 1000, tiny = -1000, nan = NAN;
            printf("at_zero %.17g\\n", brc_exp(z));
            printf("above_clamp %d\\n", brc_exp(big) == brc_exp(709.0));
            printf("below_clamp %d\\n", brc_exp(tiny) == brc_exp(-708.0) && brc_exp(tiny) > 0);
            printf("nan %d\\n", isnan(brc_exp(nan)));
            return 0;
        }
        """, fast: false)
        for range in ["wide", "rates", "small"] {
            print("brc_exp on \(range): worst \(f["\(range)_worst"] ?? .nan) ulp, mean \(f["\(range)_mean"] ?? .nan)")
            XCTAssertLessThanOrEqual(try XCTUnwrap(f["\(range)_worst"]), 2.2, range)
            XCTAssertLessThanOrEqual(try XCTUnwrap(f["\(range)_mean"]), 0.5, range)
            XCTAssertEqual(f["\(range)_vector_differs"], 0, "\(range): a vector lane gives a scalar call's bits")
        }
        XCTAssertEqual(f["at_zero"], 1)
        XCTAssertEqual(f["above_clamp"], 1)
        XCTAssertEqual(f["below_clamp"], 1)
        XCTAssertEqual(f["nan"], 1)
    }

    /// Fast precision's `brc_expf` is within 1.8e-7 (relative; 1.71e-7 measured) of exp on [-87, 88] and
    /// `brc_gatef(h)` within 4e-7 of 1 - exp(-h) for every h, small ones included (where
    /// 1 - expf(-h) would lose log2(1/h) bits): docs/numerics.md's figures.
    func testTheFastExponentialsAreWithinTheirStatedErrors() throws {
        let f = try measure("""
        int main(void) {
            double worstExp = 0, worstGate = 0;
            srand48(12);
            for (int i = 0; i < 1000000; i++) {
                volatile float x = (float)(-87 + 175 * drand48());
                const long double ref = expl((long double)x);
                const double e = (double)(fabsl((long double)brc_expf(x) - ref) / ref);
                worstExp = e > worstExp ? e : worstExp;
                volatile float h = (float)pow(10, -8 + 10 * drand48());   /* 1e-8 ... 100 */
                const long double g = -expm1l(-(long double)h);
                const double eg = (double)(fabsl((long double)brc_gatef(h) - g) / g);
                worstGate = eg > worstGate ? eg : worstGate;
            }
            printf("expf %.17g\\ngatef %.17g\\n", worstExp, worstGate);
            return 0;
        }
        """, fast: true)
        print("brc_expf worst relative error \(f["expf"] ?? .nan), brc_gatef \(f["gatef"] ?? .nan)")
        XCTAssertLessThanOrEqual(try XCTUnwrap(f["expf"]), 1.8e-7)
        XCTAssertLessThanOrEqual(try XCTUnwrap(f["gatef"]), 4e-7)
        XCTAssertGreaterThan(try XCTUnwrap(f["expf"]), 1e-9, "measured in float, not double")
    }
}
