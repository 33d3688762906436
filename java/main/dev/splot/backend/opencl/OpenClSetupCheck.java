package dev.splot.backend.opencl;

import dev.splot.backend.BackendUnavailableException;

/**
 * Diagnoses the OpenCL setup from the command line: lists the devices, then starts the chosen one (args[0] = device
 * selector, as {@link OpenClBackend#create(String)}) and reports its build times. Exits with status 2 where OpenCL
 * cannot start.
 */
public final class OpenClSetupCheck {
    private OpenClSetupCheck() {}

    /**
     * Prints the device list, then the chosen device's description and build report; exits with status 2,
     * the reason on standard error, when OpenCL cannot start.
     *
     * @param args optional: {@code args[0]} the device selector
     */
    public static void main(String[] args) {
        try {
            for (String line : OpenClBackend.listDevices()) System.out.println(line);
            try (OpenClBackend be = OpenClBackend.create(args.length > 0 ? args[0] : null)) {
                System.out.println("selected: " + be.description());
                System.out.println("programs: " + be.buildMillis() + " ms" + (be.programsFromCache() ? " (from cache)" : "")
                        + " " + be.buildReport());
            }
        } catch (BackendUnavailableException e) {
            System.err.println(e.getMessage());
            System.exit(2);
        }
    }
}
