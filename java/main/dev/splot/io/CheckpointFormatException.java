package dev.splot.io;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A checkpoint file (safetensors) that is damaged or uses a feature splot does not read. The
 * message always starts with the file's path.
 */
public class CheckpointFormatException extends IOException {
    private final transient Path file;
    private final String problem;

    public CheckpointFormatException(Path file, String problem) {
        super(file + ": " + problem);
        this.file = file;
        this.problem = problem;
    }

    /** The file that failed to parse. */
    public Path file() {
        return file;
    }

    /** What is wrong, without the file name. */
    public String problem() {
        return problem;
    }
}
