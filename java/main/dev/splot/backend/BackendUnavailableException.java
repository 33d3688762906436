package dev.splot.backend;

/** A backend cannot start on this machine; the message says why and names the alternatives. */
public final class BackendUnavailableException extends RuntimeException { public BackendUnavailableException(String message, Throwable cause) { super(message, cause); } }
