package dev.splot.backend.opencl;

import dev.splot.backend.Backend;
import dev.splot.backend.nativecpu.NativeBackend;
import dev.splot.testing.SeedModelStep;
import java.io.File;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Whole training steps of the seed model (batch 128), each with its wall time and the CPU time the whole process spent
 * in it, then the CPU time of each thread over all steps: says whether a slow step did more work or got fewer cores
 * (CPU / wall), and whether the host thread busy-waits. Written to find out why OpenCL steps on PoCL vary 2x
 * (docs/opencl.md). Linux only (reads /proc/self/task); not a test:
 *
 * <pre>mvn -q test-compile exec:java -Dexec.classpathScope=test \
 *   -Dexec.mainClass=dev.splot.backend.opencl.OpenClStepCpuTime -Dexec.args="15 opencl"</pre>
 *
 * Arguments: measured steps (default 15, after 3 warm-up steps), then "opencl" (default device) or "native".
 */
public final class OpenClStepCpuTime {
    private static final int WARM_UP = 3;

    private OpenClStepCpuTime() {}

    /**
     * Prints one line per step and one line of per-thread CPU times.
     *
     * @param args measured steps, then the backend ("opencl" or "native")
     * @throws IOException when /proc/self/task cannot be read
     */
    public static void main(String[] args) throws IOException {
        int steps = args.length > 0 ? Integer.parseInt(args[0]) : 15;
        boolean nativeBackend = args.length > 1 && args[1].equals("native");
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        try (Backend be = nativeBackend ? NativeBackend.create() : OpenClBackend.create(null);
             SeedModelStep model = new SeedModelStep(be, SeedModelStep.Shape.SEED_MODEL, 1)) {
            System.out.println(be.description());
            double[] wall = new double[steps];
            Map<String, Long> threadsBefore = null;
            for (int s = 0; s < WARM_UP + steps; s++) {
                if (s == WARM_UP) threadsBefore = threadTicks();
                SeedModelStep.Batch b = SeedModelStep.randomBatch(model.shape(), 128, s);
                long cpu0 = os.getProcessCpuTime(), t0 = System.nanoTime();
                model.step(b, 42, s);
                be.synchronize();
                double ms = (System.nanoTime() - t0) * 1e-6, cpuMs = (os.getProcessCpuTime() - cpu0) * 1e-6;
                if (s < WARM_UP) continue;
                wall[s - WARM_UP] = ms;
                System.out.printf(Locale.ROOT, "step %2d: wall %6.1f ms, process CPU %6.1f ms, cores used %.2f%n", s - WARM_UP,
                        ms, cpuMs, cpuMs / ms);
            }
            Arrays.sort(wall);
            System.out.printf(Locale.ROOT, "wall best %.1f, median %.1f, worst %.1f ms%n", wall[0], wall[steps / 2], wall[steps - 1]);
            StringBuilder line = new StringBuilder("CPU ms per measured step, by thread (id:name):");
            Map<String, Long> after = threadTicks();
            double msPerTick = 1000.0 / 100; // USER_HZ, 100 on Linux
            for (var e : after.entrySet()) {
                long ticks = e.getValue() - threadsBefore.getOrDefault(e.getKey(), 0L);
                if (ticks > 0) line.append(String.format(Locale.ROOT, " %s=%.1f", e.getKey(), ticks * msPerTick / steps));
            }
            System.out.println(line);
        }
    }

    /** utime + stime (clock ticks) of every live thread of this process, by "tid:name". */
    private static Map<String, Long> threadTicks() throws IOException {
        Map<String, Long> ticks = new TreeMap<>();
        File[] tasks = new File("/proc/self/task").listFiles();
        if (tasks == null) throw new IOException("/proc/self/task cannot be read: per-thread CPU times need Linux");
        for (File task : tasks) {
            String stat;
            try {
                stat = Files.readString(new File(task, "stat").toPath());
            } catch (IOException threadEnded) {
                continue;
            }
            String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            ticks.put(task.getName() + ":" + name, Long.parseLong(fields[11]) + Long.parseLong(fields[12])); // utime, stime
        }
        return ticks;
    }
}
