package dev.splot.backend;

public final class BackendUnavailableException extends RuntimeException { public BackendUnavailableException(String message, Throwable cause) { super(message, cause); } }
