package dev.splot.backend;

/** A backend cannot start on this machine; the message says why and names the alternatives. */
public final class BackendUnavailableException extends RuntimeException {
    /**
     * An exception with the reason and, where there is one, the failure underneath.
     *
     * @param message why the backend cannot start and what to use instead
     * @param cause the failure underneath (a missing library, an OpenCL error), or null
     */
    public BackendUnavailableException(String message, Throwable cause) { super(message, cause); }
}
