package dev.splot.backend.opencl;

import dev.splot.backend.Backend;
import dev.splot.backend.BackendProbe;
import dev.splot.backend.BackendProvider;
import dev.splot.backend.BackendUnavailableException;
import java.util.ArrayList;
import java.util.List;

/**
 * OpenCL through JOCL: ranked first where there is a GPU or the user named a device, and below the
 * native library on CPU-only machines (PoCL on the same cores is slower than the C++ kernels).
 */
public final class OpenClBackendProvider implements BackendProvider {
    @Override
    public String name() {
        return "opencl";
    }

    @Override
    public String summary() {
        return "hand-written OpenCL C kernels through JOCL (GPUs, or CPUs through PoCL); --device picks the device";
    }

    @Override
    public BackendProbe probe(String device) {
        try {
            if (device != null) return BackendProbe.available(300, "the device asked for with --device");
            List<String> gpus = OpenClBackend.gpuNames();
            if (!gpus.isEmpty()) return BackendProbe.available(300, "a GPU: " + gpus.get(0));
            return BackendProbe.available(50, "no OpenCL GPU; OpenCL CPU devices are slower than the native backend");
        } catch (BackendUnavailableException | LinkageError e) {
            return BackendProbe.unavailable(String.valueOf(e.getMessage()));
        }
    }

    @Override
    public Backend open(String device) {
        return OpenClBackend.create(device);
    }

    /** Every OpenCL device, one self-test each; the device's description line is the note. */
    @Override
    public List<SelfTestTarget> selfTestTargets() {
        List<String> devices = OpenClBackend.listDevices();
        List<SelfTestTarget> targets = new ArrayList<>();
        for (int i = 0; i < devices.size(); i++) {
            String selector = String.valueOf(i);
            targets.add(new SelfTestTarget("opencl device " + i, devices.get(i), () -> OpenClBackend.create(selector)));
        }
        return targets;
    }
}
