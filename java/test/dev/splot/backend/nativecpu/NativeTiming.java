package dev.splot.backend.nativecpu;

import dev.splot.bench.SeedModel;
import dev.splot.bench.StepProfile;
import java.util.OptionalDouble;

/**
 * Hand-run timing of the seed model's training step through the Backend interface (Java -> JavaCPP -> C++), batch
 * 128: the native backend's {@link StepProfile} (each op's median and best time, its share of the step, GFLOP/s and
 * fraction of the native FMA peak, the whole step and the gap between it and the ops' sum), with the peak measured by
 * the native library's own loop on the backend's threads. Not a test; machines are shared and noisy.
 *
 * <pre>mvn -q test-compile exec:java -Dexec.classpathScope=test \
 *   -Dexec.mainClass=dev.splot.backend.nativecpu.NativeTiming [-Dsplot.native.isa=avx2] [-Dexec.args=20]</pre>
 */
public final class NativeTiming {
    private NativeTiming() {}

    /**
     * Prints the profile.
     *
     * @param args measured steps (default 20)
     */
    public static void main(String[] args) {
        int steps = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        try (NativeBackend be = NativeBackend.create()) {
            double peak = be.peakGflops(be.threads(), 1.0);
            System.out.printf("%s%nmeasured FMA peak: %.1f GFLOP/s on %d threads%n", be.description(), peak, be.threads());
            StepProfile.Result r = StepProfile.measure(be, steps, SeedModel.BATCH);
            System.out.println(StepProfile.summary(r));
            System.out.print(StepProfile.markdown(r, OptionalDouble.of(peak)));
        }
    }
}
