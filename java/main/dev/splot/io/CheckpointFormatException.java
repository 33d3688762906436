package dev.splot.io;

import dev.splot.data.FileFormatException;
import java.nio.file.Path;

/**
 * A checkpoint file (safetensors) that is damaged or uses a feature splot does not read. The
 * message always starts with the file's path.
 */
public class CheckpointFormatException extends FileFormatException {
    /**
     * @param file the checkpoint file
     * @param problem what is wrong with it, without the file name
     */
    public CheckpointFormatException(Path file, String problem) {
        super(file, problem);
    }
}
