package dev.splot.io;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;

/**
 * The checked header of a safetensors file ({@link SafeTensors#readHeader}): metadata, tensor
 * names and shapes in file order. Tensor data is read only when asked for, so a reader can refuse
 * unexpected names and shapes first.
 */
public final class SafeTensorsHeader {
    private final Path file;
    private final Map<String, String> metadata;
    private final Map<String, SafeTensors.Entry> entries = new LinkedHashMap<>();
    private final long bufferStart;
    private final long fileSize;

    SafeTensorsHeader(Path file, Map<String, String> metadata, List<SafeTensors.Entry> entries, long bufferStart, long fileSize) {
        this.file = file;
        this.metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
        for (SafeTensors.Entry e : entries) this.entries.put(e.name(), e);
        this.bufferStart = bufferStart;
        this.fileSize = fileSize;
    }

    /** @return the file this header was read from */
    public Path file() {
        return file;
    }

    /** @return the header's string metadata, unmodifiable */
    public Map<String, String> metadata() {
        return metadata;
    }

    /** @return the tensor names in file order */
    public List<String> names() {
        return List.copyOf(entries.keySet());
    }

    /**
     * @param name a tensor name
     * @return whether the file holds a tensor of that name
     */
    public boolean contains(String name) {
        return entries.containsKey(name);
    }

    /**
     * @param name a tensor name
     * @return a copy of its dimensions, outermost first
     * @throws NoSuchElementException if the file has no such tensor
     */
    public int[] shape(String name) {
        return entry(name).shape().clone();
    }

    /** @return the number of values all tensors hold together */
    public long totalValues() {
        return entries.values().stream().mapToLong(SafeTensors.Entry::elements).sum();
    }

    /**
     * Reads the data of tensor {@code name} from the file.
     *
     * @param name a tensor name
     * @return its float32 values, row-major
     * @throws NoSuchElementException if the file has no such tensor
     * @throws IOException if the file cannot be read or has changed since the header was read
     */
    public float[] data(String name) throws IOException {
        return SafeTensors.readData(file, entry(name), bufferStart, fileSize);
    }

    private SafeTensors.Entry entry(String name) {
        SafeTensors.Entry e = entries.get(name);
        if (e == null) throw new NoSuchElementException("no tensor named \"" + name + "\" in " + file);
        return e;
    }
}
