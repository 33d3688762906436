package dev.splot.backend.opencl;

import static org.jocl.CL.*;

import dev.splot.platform.JvmSignalHandlers;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_command_queue;
import org.jocl.cl_kernel;
import org.jocl.cl_mem;
import org.jocl.cl_program;

/**
 * The built kernels of one backend, by name, and their launches: argument setting, work-group limit checks and
 * enqueueing on the backend's in-order queue. A failing launch names the kernel, its file, the sizes and all scalar
 * arguments.
 */
final class Kernels {
    /** A kernel argument that is a __local buffer of this many bytes, allocated by the driver for each work-group. */
    record LocalBytes(long bytes) {}

    /**
     * A built kernel with the argument values it was last launched with: a kernel object keeps its arguments between
     * launches, so only changed ones are set again (a training step launches the same kernels on the same buffers
     * every step; each clSetKernelArg is a JNI call, and the host thread shares the cores with the device's threads).
     */
    private record Kernel(String name, String file, cl_kernel kernel, long maxWorkGroup, List<Object> lastArgs) {}

    private final DeviceInfo info;
    private final cl_command_queue queue;
    private final List<cl_program> programs = new ArrayList<>();
    private final Map<String, Kernel> kernels = new HashMap<>();

    Kernels(DeviceInfo info, cl_command_queue queue) {
        this.info = info;
        this.queue = queue;
    }

    /** Takes ownership of a built program and creates its kernels ("name>alias" registers under the alias). */
    void add(ProgramBuilder.Built b) {
        programs.add(b.program());
        for (String spec : b.spec().kernelNames()) {
            String name = spec.contains(">") ? spec.substring(0, spec.indexOf('>')) : spec;
            String alias = spec.contains(">") ? spec.substring(spec.indexOf('>') + 1) : spec;
            cl_kernel k = clCreateKernel(b.program(), name, null);
            long[] wg = new long[1];
            clGetKernelWorkGroupInfo(k, info.device(), CL_KERNEL_WORK_GROUP_SIZE, Sizeof.size_t, Pointer.to(wg), null);
            kernels.put(alias, new Kernel(alias, b.spec().file(), k, Math.min(wg[0], info.maxWorkGroup()), new ArrayList<>()));
        }
    }

    private Kernel kernel(String name) {
        Kernel k = kernels.get(name);
        if (k == null) throw new IllegalStateException("OpenCL: kernel " + name + " was not built");
        return k;
    }

    /** The largest work-group this kernel can run with on this device. */
    long maxWorkGroup(String name) {
        return kernel(name).maxWorkGroup();
    }

    /** Sets the arguments (cl_mem, Integer, Long, Float) and enqueues; an error names the kernel and all sizes. */
    synchronized void launch(String kernelName, long[] global, long[] local, Object... args) {
        Kernel k = kernel(kernelName);
        long product = 1;
        for (int d = 0; d < local.length; d++) {
            if (local[d] > info.maxItemSizes()[d]) {
                throw new IllegalStateException("OpenCL: local size " + Arrays.toString(local) + " of kernel " + kernelName
                        + " exceeds the device's limit " + Arrays.toString(info.maxItemSizes()));
            }
            product *= local[d];
            global[d] = (global[d] + local[d] - 1) / local[d] * local[d];
        }
        if (product > k.maxWorkGroup()) {
            throw new IllegalStateException("OpenCL: work-group size " + product + " of kernel " + kernelName
                    + " exceeds its limit " + k.maxWorkGroup() + " on " + info.deviceName());
        }
        try {
            List<Object> last = k.lastArgs();
            while (last.size() < args.length) last.add(null);
            for (int i = 0; i < args.length; i++) {
                Object a = args[i];
                // cl_mem by identity (a released buffer's object is never reused), boxed numbers and sizes by value
                if (a instanceof cl_mem ? last.get(i) == a : a.equals(last.get(i))) continue;
                last.set(i, null); // unknown until set: a failed set must not be skipped next time
                if (a instanceof cl_mem m) clSetKernelArg(k.kernel(), i, Sizeof.cl_mem, Pointer.to(m));
                else if (a instanceof Integer v) clSetKernelArg(k.kernel(), i, Sizeof.cl_int, Pointer.to(new int[] {v}));
                else if (a instanceof Long v) clSetKernelArg(k.kernel(), i, Sizeof.cl_long, Pointer.to(new long[] {v}));
                else if (a instanceof Float v) clSetKernelArg(k.kernel(), i, Sizeof.cl_float, Pointer.to(new float[] {v}));
                else if (a instanceof LocalBytes l) clSetKernelArg(k.kernel(), i, l.bytes(), null);
                else throw new IllegalArgumentException("unsupported kernel argument " + a);
                last.set(i, a);
            }
            clEnqueueNDRangeKernel(queue, k.kernel(), global.length, null, global, local, 0, null, null);
            JvmSignalHandlers.restore(); // PoCL compiles a kernel for each new work-group size at its first launch
        } catch (CLException e) {
            StringBuilder sizes = new StringBuilder();
            for (Object a : args) if (!(a instanceof cl_mem)) sizes.append(sizes.length() == 0 ? "" : ", ").append(a);
            String hint = e.getStatus() == CL_OUT_OF_RESOURCES || e.getStatus() == CL_MEM_OBJECT_ALLOCATION_FAILURE
                    || e.getStatus() == CL_OUT_OF_HOST_MEMORY ? " (the device ran out of resources: try a smaller batch)" : "";
            throw new IllegalStateException("OpenCL: kernel " + kernelName + " (" + k.file() + ") failed with "
                    + ClErrors.name(e.getStatus()) + hint + " on " + info.deviceName() + "; global size " + Arrays.toString(global)
                    + ", local size " + Arrays.toString(local) + ", scalar arguments [" + sizes + "]", e);
        }
    }

    /** One work-item per item, in work-groups of a fixed size per kernel (PoCL compiles again for every new size). */
    void launch1d(String kernelName, long items, Object... args) {
        long pref = info.isCpu() ? 64 : 128;
        long local = Math.max(1, Math.min(pref, Math.min(maxWorkGroup(kernelName), info.maxItemSizes()[0])));
        launch(kernelName, new long[] {Math.max(1, items)}, new long[] {local}, args);
    }

    /** Releases every kernel and program. */
    void release() {
        for (Kernel k : kernels.values()) clReleaseKernel(k.kernel());
        kernels.clear();
        for (cl_program p : programs) clReleaseProgram(p);
        programs.clear();
    }
}
