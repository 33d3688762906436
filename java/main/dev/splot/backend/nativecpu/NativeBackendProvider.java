package dev.splot.backend.nativecpu;

import dev.splot.backend.Backend;
import dev.splot.backend.BackendProbe;
import dev.splot.backend.BackendProvider;
import dev.splot.backend.BackendUnavailableException;
import dev.splot.platform.JavaCppPresence;
import java.util.ArrayList;
import java.util.List;

/**
 * The C++ library: ranked above the Java reference wherever it loads. Its settings are system
 * properties ({@code splot.native.isa}, {@code .threads}, {@code .conv}); it has no devices.
 */
public final class NativeBackendProvider implements BackendProvider {
    private static final List<String> ISAS = List.of("avx512", "avx2", "scalar");

    @Override
    public String name() {
        return "native";
    }

    @Override
    public String summary() {
        return "C++ kernels (AVX-512 / AVX2+FMA / scalar, chosen at run time), built with CMake, bound with JavaCPP";
    }

    @Override
    public BackendProbe probe(String device) {
        String problem = loadProblem();
        if (problem != null) return BackendProbe.unavailable(problem);
        return BackendProbe.available(200, "the C++ library, " + NativeBackend.bestIsa() + " path on the CPU");
    }

    @Override
    public Backend open(String device) {
        if (device != null) {
            throw new BackendUnavailableException("the native backend has no devices; --device '" + device + "' applies to opencl", null);
        }
        String javacpp = javaCppProblem();
        if (javacpp != null) throw new BackendUnavailableException(javacpp, null);
        return NativeBackend.create();
    }

    /** Why the library cannot be used, checking JavaCPP first: NativeBackend itself cannot even load without it. */
    private static String loadProblem() {
        String javacpp = javaCppProblem();
        return javacpp != null ? javacpp : NativeBackend.loadProblem();
    }

    private static String javaCppProblem() {
        String problem = JavaCppPresence.problem();
        return problem == null ? null : "native backend unavailable: " + problem;
    }

    /** Every instruction-set path of this CPU, the default one marked; the others skipped with the reason. */
    @Override
    public List<SelfTestTarget> selfTestTargets() {
        String problem = loadProblem();
        if (problem != null) throw new BackendUnavailableException(problem, null);
        String best = NativeBackend.bestIsa();
        List<SelfTestTarget> targets = new ArrayList<>();
        for (String isa : ISAS) {
            String label = "native " + isa + (isa.equals(best) ? " (default)" : "");
            if (!NativeBackend.cpuSupports(isa)) {
                String arch = System.getProperty("os.arch");
                boolean x86 = arch.equals("amd64") || arch.equals("x86_64");
                targets.add(SelfTestTarget.skipped(label, x86 ? "this CPU lacks " + isa
                        : "built with the scalar path only on " + arch + " (" + isa + " is x86-64)"));
            } else {
                String note = isa.equals(best) ? "the CPU's best instruction set is " + best : null;
                targets.add(new SelfTestTarget(label, note, () -> NativeBackend.create(isa, 0)));
            }
        }
        return targets;
    }
}
