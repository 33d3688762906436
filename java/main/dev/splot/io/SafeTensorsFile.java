package dev.splot.io;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;

/**
 * The content of a safetensors file: its string metadata and its tensors in file order.
 *
 * @param metadata the header's string entries (an unmodifiable copy)
 * @param tensors the tensors in file order (an unmodifiable copy)
 */
public record SafeTensorsFile(Map<String, String> metadata, List<NamedTensor> tensors) {
    /**
     * Keeps unmodifiable copies of both.
     *
     * @param metadata the header's string entries
     * @param tensors the tensors in file order
     */
    public SafeTensorsFile {
        metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
        tensors = List.copyOf(tensors);
    }

    /**
     * The tensor with this name.
     *
     * @param name its name in the file
     * @return the tensor
     * @throws NoSuchElementException if the file has no such tensor
     */
    public NamedTensor tensor(String name) {
        for (NamedTensor t : tensors) {
            if (t.name().equals(name)) {
                return t;
            }
        }
        throw new NoSuchElementException("no tensor named \"" + name + "\"");
    }
}
