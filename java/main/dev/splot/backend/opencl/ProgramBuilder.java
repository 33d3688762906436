package dev.splot.backend.opencl;

import static org.jocl.CL.*;

import dev.splot.backend.BackendUnavailableException;
import dev.splot.platform.JvmSignalHandlers;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_context;
import org.jocl.cl_device_id;
import org.jocl.cl_program;

/**
 * Builds the kernel files ({@code kernels/*.cl}, packaged under {@value #KERNEL_DIR}) for one device: from the
 * {@link ProgramCache} when it holds a binary the driver accepts, else from source (storing the binary). A build
 * failure throws with the file name, the options and the driver's full build log.
 */
final class ProgramBuilder {
    static final String KERNEL_DIR = "/dev/splot/opencl/kernels/";

    /** One kernel file with its build options and the kernels to create ("name>alias" registers a kernel under another key). */
    record ProgramSpec(String file, String options, String... kernelNames) {}

    /** A built program: from the cache or not, and how long it took. */
    record Built(ProgramSpec spec, cl_program program, boolean cached, long millis) {
        /** E.g. "gemm.cl (local-memory variant) 12 ms (cached)". */
        String describe() {
            return String.format(Locale.ROOT, "%s%s %d ms%s", spec.file(),
                    spec.kernelNames()[0].contains(">") ? " (local-memory variant)" : "", millis, cached ? " (cached)" : "");
        }
    }

    private final DeviceInfo info;
    private final cl_context context;
    private final ProgramCache cache;

    ProgramBuilder(DeviceInfo info, cl_context context, ProgramCache cache) {
        this.info = info;
        this.context = context;
        this.cache = cache;
    }

    /** Builds the programs in parallel (the driver compiles each on its own thread); all or nothing. */
    List<Built> buildAll(List<ProgramSpec> specs) {
        int threads = Math.max(1, Math.min(specs.size(), Runtime.getRuntime().availableProcessors()));
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "splot-opencl-build");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<Built>> futures = new ArrayList<>();
            for (ProgramSpec spec : specs) {
                futures.add(pool.submit(() -> build(spec, readKernelSource(spec.file()))));
            }
            List<Built> built = new ArrayList<>();
            RuntimeException failure = null;
            for (Future<Built> f : futures) {
                try {
                    built.add(f.get());
                } catch (ExecutionException e) {
                    if (failure == null) {
                        failure = e.getCause() instanceof RuntimeException re ? re
                                : new BackendUnavailableException("OpenCL: program build failed: " + e.getCause(), e.getCause());
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    if (failure == null) failure = new BackendUnavailableException("OpenCL: interrupted while building programs", e);
                }
            }
            if (failure != null) {
                for (Built b : built) clReleaseProgram(b.program());
                throw failure;
            }
            return built;
        } finally {
            pool.shutdownNow();
        }
    }

    /** Builds one program from the binary cache when possible, else from the given source (and stores the binary). */
    Built build(ProgramSpec spec, String source) {
        String file = spec.file(), options = spec.options();
        String key = ProgramCache.key(source, options, info.deviceName(), info.driverVersion(), info.platformVersion());
        long t0 = System.nanoTime();
        cl_device_id[] devs = {info.device()};
        byte[] binary = cache.load(key);
        if (binary != null) {
            cl_program program = null;
            try {
                int[] status = new int[1];
                program = clCreateProgramWithBinary(context, 1, devs, new long[] {binary.length}, new byte[][] {binary}, status, null);
                clBuildProgram(program, 1, devs, options, null, null);
                JvmSignalHandlers.restore();
                return new Built(spec, program, true, (System.nanoTime() - t0) / 1_000_000);
            } catch (CLException e) {
                if (program != null) clReleaseProgram(program);
                cache.discard(key); // stale or rejected by the driver: rebuild from source
            }
        }
        cl_program program = clCreateProgramWithSource(context, 1, new String[] {source}, null, null);
        try {
            clBuildProgram(program, 1, devs, options, null, null);
        } catch (CLException e) {
            JvmSignalHandlers.restore();
            String log = buildLog(program);
            clReleaseProgram(program);
            throw new BackendUnavailableException("OpenCL: kernel file " + file + " failed to build (" + ClErrors.name(e.getStatus())
                    + ") on " + info.deviceName() + " with options '" + options + "'. Build log:\n" + log, e);
        }
        JvmSignalHandlers.restore();
        cache.store(key, programBinary(program));
        return new Built(spec, program, false, (System.nanoTime() - t0) / 1_000_000);
    }

    static String readKernelSource(String file) {
        try (InputStream in = ProgramBuilder.class.getResourceAsStream(KERNEL_DIR + file)) {
            if (in == null) {
                throw new BackendUnavailableException("OpenCL: kernel source " + KERNEL_DIR + file
                        + " is missing from the class path (is the jar complete?)", null);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new BackendUnavailableException("OpenCL: cannot read kernel source " + file, e);
        }
    }

    private String buildLog(cl_program program) {
        try {
            long[] size = new long[1];
            clGetProgramBuildInfo(program, info.device(), CL_PROGRAM_BUILD_LOG, 0, null, size);
            byte[] buf = new byte[(int) size[0]];
            clGetProgramBuildInfo(program, info.device(), CL_PROGRAM_BUILD_LOG, buf.length, Pointer.to(buf), null);
            return new String(buf, 0, Math.max(0, buf.length - 1), StandardCharsets.UTF_8);
        } catch (CLException e) {
            return "(no build log: " + ClErrors.name(e.getStatus()) + ")";
        }
    }

    private static byte[] programBinary(cl_program program) {
        try {
            long[] sizes = new long[1];
            clGetProgramInfo(program, CL_PROGRAM_BINARY_SIZES, Sizeof.size_t, Pointer.to(sizes), null);
            if (sizes[0] <= 0) return null;
            byte[] bin = new byte[(int) sizes[0]];
            clGetProgramInfo(program, CL_PROGRAM_BINARIES, Sizeof.POINTER, Pointer.to(new Pointer[] {Pointer.to(bin)}), null);
            return bin;
        } catch (CLException e) {
            return null; // a driver without binaries: no disk cache
        }
    }
}
