package dev.splot.backend.nativecpu;

import dev.splot.testing.StepProfile;

/**
 * Hand-run timing of the seed model's training step through the Backend interface (Java -> JavaCPP -> C++), batch
 * 128 ({@link StepProfile}): each op's best and mean time, share of the step, GFLOP/s and fraction of the native FMA
 * peak, and the whole step. Not a test; machines are shared and noisy.
 *
 * <pre>mvn -q test-compile exec:java -Dexec.classpathScope=test \
 *   -Dexec.mainClass=dev.splot.backend.nativecpu.NativeTiming [-Dsplot.native.isa=avx2] [-Dexec.args=20]</pre>
 */
public final class NativeTiming {
    private NativeTiming() {}

    /**
     * Prints the profile.
     *
     * @param args optional: the number of profiled steps (default 20)
     */
    public static void main(String[] args) {
        int steps = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        try (NativeBackend be = NativeBackend.create()) {
            double peak = be.peakGflops(be.threads(), 1.0);
            System.out.printf("%s%nmeasured FMA peak: %.1f GFLOP/s on %d threads%n", be.description(), peak, be.threads());
            new StepProfile(be).run(steps, peak);
        }
    }
}
