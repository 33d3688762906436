package dev.splot.backend.opencl;

import static org.jocl.CL.*;

import dev.splot.backend.BackendUnavailableException;
import dev.splot.platform.JvmSignalHandlers;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.jocl.CL;
import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_device_id;
import org.jocl.cl_platform_id;

/**
 * Finds the OpenCL devices and chooses one: an index into {@link #listDevices()} ("0"), a "platform:device" pair
 * ("0:1") or a case-insensitive substring of the device (else platform) name; no selector means the system property
 * {@value OpenClBackend#DEVICE_PROPERTY}, else the environment variable {@value OpenClBackend#DEVICE_ENV}, else the
 * GPU with the most compute units x clock, else the first CPU device.
 */
final class Devices {
    static final String INSTALL_HINT = "On Debian/Ubuntu: sudo apt-get install --no-install-recommends "
            + "ocl-icd-libopencl1 ocl-icd-opencl-dev pocl-opencl-icd (the loader, the unversioned libOpenCL.so that JOCL "
            + "loads, and the PoCL CPU driver; or your GPU vendor's OpenCL driver). Alternatively run with --backend java "
            + "or --backend native.";

    private static volatile String probeFailure; // set once the OpenCL library failed to load

    private Devices() {}

    /** The device the selector names, or (selector null) the one the property, the environment or the default picks. */
    static DeviceInfo choose(String selector) {
        String sel = selector;
        if (sel == null) sel = System.getProperty(OpenClBackend.DEVICE_PROPERTY);
        if (sel == null) sel = System.getenv(OpenClBackend.DEVICE_ENV);
        return select(all(), sel);
    }

    /** The names of the visible OpenCL GPUs; throws BackendUnavailableException where OpenCL cannot start. */
    static List<String> gpuNames() {
        List<String> gpus = new ArrayList<>();
        for (DeviceInfo d : all()) if (d.isGpu()) gpus.add(d.deviceName());
        return gpus;
    }

    /** One line per OpenCL device: its index, "platform:device", name, platform, type and versions. */
    static List<String> listDevices() {
        List<String> lines = new ArrayList<>();
        for (DeviceInfo d : all()) lines.add(d.line());
        return lines;
    }

    static DeviceInfo select(List<DeviceInfo> all, String selector) {
        if (selector == null || selector.isBlank()) {
            DeviceInfo best = null;
            for (DeviceInfo d : all) {
                if (d.isGpu() && (best == null || (long) d.computeUnits() * d.clockMhz() > (long) best.computeUnits() * best.clockMhz())) {
                    best = d;
                }
            }
            if (best != null) return best;
            for (DeviceInfo d : all) if (d.isCpu()) return d;
            return all.get(0);
        }
        String s = selector.trim();
        if (s.matches("\\d+")) {
            int i = Integer.parseInt(s);
            if (i < all.size()) return all.get(i);
        } else if (s.matches("\\d+:\\d+")) {
            int p = Integer.parseInt(s.substring(0, s.indexOf(':'))), d = Integer.parseInt(s.substring(s.indexOf(':') + 1));
            for (DeviceInfo x : all) if (x.platformIndex() == p && x.deviceIndex() == d) return x;
        } else {
            String needle = s.toLowerCase(Locale.ROOT);
            for (DeviceInfo x : all) if (x.deviceName().toLowerCase(Locale.ROOT).contains(needle)) return x;
            for (DeviceInfo x : all) if (x.platformName().toLowerCase(Locale.ROOT).contains(needle)) return x;
        }
        StringBuilder sb = new StringBuilder("OpenCL: no device matches '" + selector
                + "' (use an index, platform:device, or part of the name). Devices:");
        for (DeviceInfo d : all) sb.append("\n  ").append(d.line());
        throw new BackendUnavailableException(sb.toString(), null);
    }

    /** Loads the OpenCL library once; throws a {@link BackendUnavailableException} that says what to install. */
    private static void probeLibrary() {
        JvmSignalHandlers.save(); // before anything loads an OpenCL driver
        if (probeFailure != null) {
            throw new BackendUnavailableException(probeFailure, null);
        }
        try {
            CL.setExceptionsEnabled(true);
        } catch (LinkageError e) {
            probeFailure = "OpenCL is not available: the OpenCL library (libOpenCL.so) could not be loaded (" + e + "). "
                    + INSTALL_HINT;
            throw new BackendUnavailableException(probeFailure, e);
        }
    }

    /** Every device of every platform, numbered in that order. */
    static List<DeviceInfo> all() {
        probeLibrary();
        int[] count = new int[1];
        try {
            clGetPlatformIDs(0, null, count);
        } catch (CLException e) {
            if (e.getStatus() == -1001 /* CL_PLATFORM_NOT_FOUND_KHR */) count[0] = 0;
            else throw new BackendUnavailableException("OpenCL: clGetPlatformIDs failed with " + ClErrors.name(e.getStatus())
                    + ". " + INSTALL_HINT, e);
        }
        if (count[0] == 0) {
            throw new BackendUnavailableException("OpenCL: the OpenCL loader is installed but no platform (driver) was found. "
                    + INSTALL_HINT, null);
        }
        cl_platform_id[] platforms = new cl_platform_id[count[0]];
        clGetPlatformIDs(platforms.length, platforms, null);
        JvmSignalHandlers.restore();
        List<DeviceInfo> out = new ArrayList<>();
        for (int p = 0; p < platforms.length; p++) {
            int[] n = new int[1];
            try {
                clGetDeviceIDs(platforms[p], CL_DEVICE_TYPE_ALL, 0, null, n);
            } catch (CLException e) {
                continue; // CL_DEVICE_NOT_FOUND: a platform without devices
            }
            cl_device_id[] ds = new cl_device_id[n[0]];
            clGetDeviceIDs(platforms[p], CL_DEVICE_TYPE_ALL, ds.length, ds, null);
            for (int d = 0; d < ds.length; d++) out.add(describe(out.size(), p, d, platforms[p], ds[d]));
        }
        if (out.isEmpty()) {
            throw new BackendUnavailableException("OpenCL: " + platforms.length + " platform(s) found but no device. "
                    + INSTALL_HINT, null);
        }
        return out;
    }

    private static DeviceInfo describe(int index, int p, int d, cl_platform_id platform, cl_device_id dev) {
        long fp = deviceLong(dev, CL_DEVICE_SINGLE_FP_CONFIG, Sizeof.cl_ulong);
        int dims = (int) deviceLong(dev, CL_DEVICE_MAX_WORK_ITEM_DIMENSIONS, Sizeof.cl_uint);
        long[] items = new long[dims];
        clGetDeviceInfo(dev, CL_DEVICE_MAX_WORK_ITEM_SIZES, (long) Sizeof.size_t * dims, Pointer.to(items), null);
        return new DeviceInfo(index, p, d, platform, dev,
                platformString(platform, CL_PLATFORM_NAME), platformString(platform, CL_PLATFORM_VERSION),
                deviceString(dev, CL_DEVICE_NAME), deviceString(dev, CL_DEVICE_VENDOR), deviceString(dev, CL_DRIVER_VERSION),
                deviceString(dev, CL_DEVICE_VERSION), deviceLong(dev, CL_DEVICE_TYPE, Sizeof.cl_ulong),
                (int) deviceLong(dev, CL_DEVICE_MAX_COMPUTE_UNITS, Sizeof.cl_uint),
                (int) deviceLong(dev, CL_DEVICE_MAX_CLOCK_FREQUENCY, Sizeof.cl_uint),
                deviceLong(dev, CL_DEVICE_MAX_WORK_GROUP_SIZE, Sizeof.size_t), items,
                deviceLong(dev, CL_DEVICE_GLOBAL_MEM_SIZE, Sizeof.cl_ulong),
                deviceLong(dev, CL_DEVICE_LOCAL_MEM_SIZE, Sizeof.cl_ulong),
                (fp & CL_FP_CORRECTLY_ROUNDED_DIVIDE_SQRT) != 0,
                (int) deviceLong(dev, CL_DEVICE_NATIVE_VECTOR_WIDTH_FLOAT, Sizeof.cl_uint));
    }

    /** The two-call query of a string-valued clGet*Info: its size, then its bytes. */
    private interface InfoQuery {
        void get(long size, Pointer value, long[] sizeReturned);
    }

    private static String infoString(InfoQuery q) {
        long[] size = new long[1];
        q.get(0, null, size);
        byte[] buf = new byte[(int) size[0]];
        q.get(buf.length, Pointer.to(buf), null);
        return new String(buf, 0, Math.max(0, buf.length - 1), StandardCharsets.UTF_8).trim();
    }

    private static String deviceString(cl_device_id d, int param) {
        return infoString((n, v, r) -> clGetDeviceInfo(d, param, n, v, r));
    }

    private static String platformString(cl_platform_id p, int param) {
        return infoString((n, v, r) -> clGetPlatformInfo(p, param, n, v, r));
    }

    private static long deviceLong(cl_device_id d, int param, int size) {
        if (size == Sizeof.cl_uint) {
            int[] v = new int[1];
            clGetDeviceInfo(d, param, size, Pointer.to(v), null);
            return v[0] & 0xFFFFFFFFL;
        }
        long[] v = new long[1];
        clGetDeviceInfo(d, param, size, Pointer.to(v), null);
        return v[0];
    }
}
