package dev.splot.backend.opencl;

import static org.jocl.CL.CL_DEVICE_TYPE_ACCELERATOR;
import static org.jocl.CL.CL_DEVICE_TYPE_CPU;
import static org.jocl.CL.CL_DEVICE_TYPE_GPU;

import java.util.Locale;
import org.jocl.cl_device_id;
import org.jocl.cl_platform_id;

/** One OpenCL device with what is needed to choose it, to describe it and to pick its GEMM tile. */
record DeviceInfo(int index, int platformIndex, int deviceIndex, cl_platform_id platform, cl_device_id device,
                  String platformName, String platformVersion, String deviceName, String vendor, String driverVersion,
                  String deviceVersion, long type, int computeUnits, int clockMhz, long maxWorkGroup,
                  long[] maxItemSizes, long globalMem, long localMem, boolean correctlyRoundedSqrt, int floatVectorWidth) {
    boolean isGpu() {
        return (type & CL_DEVICE_TYPE_GPU) != 0;
    }

    boolean isCpu() {
        return (type & CL_DEVICE_TYPE_CPU) != 0;
    }

    String typeName() {
        return isGpu() ? "GPU" : isCpu() ? "CPU" : (type & CL_DEVICE_TYPE_ACCELERATOR) != 0 ? "accelerator" : "other";
    }

    /** The line {@link Devices#listDevices()} prints for this device. */
    String line() {
        return String.format(Locale.ROOT, "%d (%d:%d) %s | %s [%s, %d compute units, %d MHz, %d MiB, %s, driver %s]",
                index, platformIndex, deviceIndex, deviceName, platformName, typeName(), computeUnits, clockMhz,
                globalMem >> 20, deviceVersion, driverVersion);
    }
}
