package dev.splot.backend.opencl;

import static org.jocl.CL.CL_MEM_READ_WRITE;
import static org.jocl.CL.clCreateBuffer;
import static org.jocl.CL.clReleaseMemObject;

import java.util.HashMap;
import java.util.Map;
import org.jocl.CLException;
import org.jocl.cl_context;
import org.jocl.cl_mem;

/** Named device buffers reused between operations (the queue is in order), each grown on demand. */
final class ScratchBuffers {
    private static final class Scratch {
        cl_mem mem;
        long bytes;
    }

    private final cl_context context;
    private final String deviceName;
    private final Map<String, Scratch> buffers = new HashMap<>();

    ScratchBuffers(cl_context context, String deviceName) {
        this.context = context;
        this.deviceName = deviceName;
    }

    /** The buffer called name, with room for at least the given number of floats. */
    cl_mem get(String name, long floats) {
        long bytes = Math.max(4, floats * 4);
        Scratch s = buffers.computeIfAbsent(name, k -> new Scratch());
        if (s.bytes < bytes) {
            if (s.mem != null) clReleaseMemObject(s.mem);
            s.mem = null;
            try {
                s.mem = clCreateBuffer(context, CL_MEM_READ_WRITE, bytes, null, null);
            } catch (CLException e) {
                throw new IllegalStateException("OpenCL: cannot allocate a scratch buffer '" + name + "' of " + bytes
                        + " bytes on " + deviceName + ": " + ClErrors.name(e.getStatus()), e);
            }
            s.bytes = bytes;
        }
        return s.mem;
    }

    void release() {
        for (Scratch s : buffers.values()) if (s.mem != null) clReleaseMemObject(s.mem);
        buffers.clear();
    }
}
