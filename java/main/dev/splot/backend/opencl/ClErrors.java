package dev.splot.backend.opencl;

import org.jocl.CL;

/** Names OpenCL error codes for messages. */
final class ClErrors {
    private ClErrors() {}

    /** The name of an OpenCL error code, e.g. "CL_OUT_OF_RESOURCES (-5)". */
    static String name(int code) {
        String s;
        try {
            s = CL.stringFor_errorCode(code);
        } catch (LinkageError e) {
            s = "OpenCL error";
        }
        return s + " (" + code + ")";
    }
}
