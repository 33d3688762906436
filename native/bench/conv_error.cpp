/* Rounding error of the 3x3 convolution algorithms against a double-precision direct convolution:
 * for each pass (forward y, backward-data dx, backward-weights dW) and each algorithm (gemm, winograd2, winograd4), the
 * largest absolute error divided by the largest absolute reference value (the measure the
 * conformance tests hold to a tolerance) and the root-mean-square error divided by the reference's
 * root mean square. Data uniform in [-1, 1], as in the conformance tests.
 *   cmake --build target/native-build --target splot_conv_error
 *   target/native-build/splot_conv_error [isa] [N C H W O pad]   (default: auto, conv2 at N = 32)
 * Not a JUnit test: a hand-run measurement for native/README.md. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <random>
#include <string>
#include <vector>

#include "splot.h"

namespace {

struct Geom {
    int n, c, h, w, o, pad, oh, ow;
};

/* The three passes in double, straight from the definitions. */
void reference(const Geom& g, const std::vector<float>& x, const std::vector<float>& wt, const std::vector<float>& b,
               const std::vector<float>& dy, std::vector<double>& y, std::vector<double>& dx, std::vector<double>& dw) {
    y.assign((size_t)g.n * g.o * g.oh * g.ow, 0.0);
    dx.assign((size_t)g.n * g.c * g.h * g.w, 0.0);
    dw.assign((size_t)g.o * g.c * 9, 0.0);
    for (int n = 0; n < g.n; ++n)
        for (int o = 0; o < g.o; ++o)
            for (int i = 0; i < g.oh; ++i)
                for (int j = 0; j < g.ow; ++j) {
                    const size_t yi = (((size_t)n * g.o + o) * g.oh + i) * g.ow + j;
                    double sum = b[o];
                    const double d = dy[yi];
                    for (int c = 0; c < g.c; ++c)
                        for (int a = 0; a < 3; ++a)
                            for (int k = 0; k < 3; ++k) {
                                const int ih = i + a - g.pad, iw = j + k - g.pad;
                                if (ih < 0 || ih >= g.h || iw < 0 || iw >= g.w) continue;
                                const size_t xi = (((size_t)n * g.c + c) * g.h + ih) * g.w + iw, wi = (((size_t)o * g.c + c) * 3 + a) * 3 + k;
                                sum += (double)x[xi] * wt[wi];
                                dx[xi] += d * wt[wi];
                                dw[wi] += d * x[xi];
                            }
                    y[yi] = sum;
                }
}

/* max |got - ref| / max |ref|, and rms(got - ref) / rms(ref) */
void errors(const std::vector<float>& got, const std::vector<double>& ref, double* maxn, double* rmsn) {
    double emax = 0, rmax = 0, e2 = 0, r2 = 0;
    for (size_t i = 0; i < ref.size(); ++i) {
        const double e = fabs(got[i] - ref[i]);
        emax = fmax(emax, e);
        rmax = fmax(rmax, fabs(ref[i]));
        e2 += e * e;
        r2 += ref[i] * ref[i];
    }
    *maxn = emax / rmax;
    *rmsn = sqrt(e2 / r2);
}

}  // namespace

int main(int argc, char** argv) {
    const char* isa = argc > 1 ? argv[1] : "auto";
    Geom g = {32, 32, 26, 26, 64, 0, 0, 0};
    if (argc > 7) g = {atoi(argv[2]), atoi(argv[3]), atoi(argv[4]), atoi(argv[5]), atoi(argv[6]), atoi(argv[7]), 0, 0};
    g.oh = g.h + 2 * g.pad - 2;
    g.ow = g.w + 2 * g.pad - 2;
    std::mt19937 rng(20261129);
    std::uniform_real_distribution<float> u(-1.0f, 1.0f);
    auto rand = [&](size_t count) {
        std::vector<float> v(count);
        for (float& f : v) f = u(rng);
        return v;
    };
    const std::vector<float> x = rand((size_t)g.n * g.c * g.h * g.w), wt = rand((size_t)g.o * g.c * 9), b = rand(g.o),
                             dy = rand((size_t)g.n * g.o * g.oh * g.ow);
    std::vector<double> y, dx, dw;
    reference(g, x, wt, b, dy, y, dx, dw);
    printf("N=%d C=%d %dx%d O=%d pad=%d -> %dx%d, data uniform in [-1, 1]; error / max|ref| and rms error / rms ref\n", g.n, g.c, g.h,
           g.w, g.o, g.pad, g.oh, g.ow);
    char err[256];
    void* ctx = splot_create(isa, 0, err, sizeof err);
    if (!ctx) {
        printf("%s\n", err);
        return 1;
    }
    printf("%-10s %-6s %22s %22s %22s\n", "conv", "path", "forward y", "backward-data dx", "backward-weights dW");
    for (const char* conv : {"auto", "gemm", "winograd2", "winograd4"}) {
        if (!splot_set_conv_algorithm(ctx, conv)) {
            printf("unknown --conv %s\n", conv);
            return 2;
        }
        std::vector<float> gy(y.size()), gdx(dx.size()), gdw(dw.size()), gdb(g.o);
        splot_conv2d_forward(ctx, x.data(), wt.data(), b.data(), gy.data(), g.n, g.c, g.h, g.w, g.o, 3, 3, 1, 1, g.pad, g.pad, g.oh, g.ow);
        splot_conv2d_backward_data(ctx, dy.data(), wt.data(), gdx.data(), g.n, g.c, g.h, g.w, g.o, 3, 3, 1, 1, g.pad, g.pad, g.oh, g.ow);
        splot_conv2d_backward_weights(ctx, x.data(), dy.data(), gdw.data(), gdb.data(), g.n, g.c, g.h, g.w, g.o, 3, 3, 1, 1, g.pad, g.pad,
                                      g.oh, g.ow);
        double m[3], r[3];
        errors(gy, y, &m[0], &r[0]);
        errors(gdx, dx, &m[1], &r[1]);
        errors(gdw, dw, &m[2], &r[2]);
        printf("%-10s %-6s", conv, splot_isa(ctx));
        for (int p = 0; p < 3; ++p) printf("   %8.2e / %8.2e", m[p], r[p]);
        printf("\n");
    }
    splot_destroy(ctx);
    return 0;
}
