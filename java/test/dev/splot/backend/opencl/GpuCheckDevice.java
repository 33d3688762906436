package dev.splot.backend.opencl;

import dev.splot.backend.BackendUnavailableException;
import java.util.List;

/**
 * Picks the device {@code .ci/gpu-check} runs on and prints it as {@code selector=INDEX} (an index into
 * {@link OpenClBackend#listDevices()}) with its class, after listing every device: {@code gpu} takes the GPU the
 * backend would choose by default (most compute units x clock), {@code cpu} the first CPU device (the dry run on
 * PoCL). Exits 3, saying why, when there is no such device or OpenCL cannot start.
 *
 * <pre>mvn -q exec:java -Dexec.classpathScope=test -Dexec.mainClass=dev.splot.backend.opencl.GpuCheckDevice -Dexec.args=gpu</pre>
 */
public final class GpuCheckDevice {
    /** The exit status when the wanted device does not exist. */
    public static final int NO_DEVICE = 3;

    private GpuCheckDevice() {}

    /**
     * Prints the devices and the chosen one.
     *
     * @param args {@code gpu} or {@code cpu}
     */
    public static void main(String[] args) {
        String kind = args.length > 0 ? args[0] : "gpu";
        if (!kind.equals("gpu") && !kind.equals("cpu")) {
            System.err.println("usage: GpuCheckDevice gpu|cpu");
            System.exit(2);
        }
        List<DeviceInfo> all;
        try {
            all = Devices.all();
        } catch (BackendUnavailableException e) {
            System.out.println("no OpenCL device: " + e.getMessage());
            System.exit(NO_DEVICE);
            return;
        }
        System.out.println("OpenCL devices:");
        for (DeviceInfo d : all) System.out.println("  " + d.line());
        DeviceInfo chosen = null;
        if (kind.equals("gpu")) {
            if (all.stream().anyMatch(DeviceInfo::isGpu)) chosen = Devices.select(all, null); // the default choice prefers GPUs
        } else {
            chosen = all.stream().filter(DeviceInfo::isCpu).findFirst().orElse(null);
        }
        if (chosen == null) {
            System.out.println("no OpenCL " + kind.toUpperCase(java.util.Locale.ROOT) + " among these devices");
            System.exit(NO_DEVICE);
            return;
        }
        System.out.println("chosen: " + chosen.line());
        System.out.println("class=" + DeviceClass.of(chosen));
        System.out.println("selector=" + chosen.index());
    }
}
