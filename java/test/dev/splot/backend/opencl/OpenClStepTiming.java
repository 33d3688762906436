package dev.splot.backend.opencl;

import dev.splot.backend.Backend;
import dev.splot.backend.nativecpu.NativeBackend;
import dev.splot.bench.SeedModel;
import dev.splot.bench.StepProfile;
import java.util.List;
import java.util.OptionalDouble;

/**
 * The OpenCL counterpart of {@code NativeTiming}: the seed model's training step op by op ({@link StepProfile}) on
 * the OpenCL backend, once per convolution algorithm given, and optionally on the native backend in the same run, so
 * that the figures of a shared machine compare as ratios. Not a test:
 *
 * <pre>mvn -q test-compile exec:java -Dexec.classpathScope=test \
 *   -Dexec.mainClass=dev.splot.backend.opencl.OpenClStepTiming [-Dexec.args="20 gemm winograd native"]</pre>
 *
 * Arguments: profiled steps (default 20), then any of "auto", "gemm", "winograd" (the OpenCL backend with
 * {@value OpenClBackend#CONV_PROPERTY} set so) and "native" (default: "auto native").
 */
public final class OpenClStepTiming {
    private OpenClStepTiming() {}

    /**
     * Prints one profile per configuration.
     *
     * @param args the number of profiled steps, then the configurations
     */
    public static void main(String[] args) {
        int steps = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        List<String> configs = args.length > 1 ? List.of(args).subList(1, args.length) : List.of("auto", "native");
        for (String config : configs) {
            System.out.println("== " + config);
            try (Backend be = open(config)) {
                System.out.println(be.description());
                StepProfile.Result r = StepProfile.measure(be, steps, SeedModel.BATCH);
                System.out.println(StepProfile.summary(r));
                System.out.print(StepProfile.markdown(r, OptionalDouble.empty()));
            }
        }
    }

    /**
     * "native", or the OpenCL backend on the default device with {@value OpenClBackend#CONV_PROPERTY} = the config's
     * first word; further words "key=value" (separated by ':') set system properties while the backend starts, e.g.
     * "gemm:splot.opencl.gemm=4x1", so that variants of one setting run side by side in one process.
     */
    static Backend open(String config) {
        if (config.equals("native")) return NativeBackend.create();
        String[] words = config.split(":");
        java.util.Map<String, String> properties = new java.util.LinkedHashMap<>();
        properties.put(OpenClBackend.CONV_PROPERTY, words[0]);
        for (int i = 1; i < words.length; i++) {
            int eq = words[i].indexOf('=');
            if (eq < 1) throw new IllegalArgumentException("expected key=value after ':' in '" + config + "', got '" + words[i] + "'");
            properties.put(words[i].substring(0, eq), words[i].substring(eq + 1));
        }
        java.util.Map<String, String> before = new java.util.HashMap<>();
        properties.forEach((k, v) -> before.put(k, System.setProperty(k, v)));
        try {
            return OpenClBackend.create(null);
        } finally {
            before.forEach((k, v) -> {
                if (v == null) System.clearProperty(k);
                else System.setProperty(k, v);
            });
        }
    }
}
